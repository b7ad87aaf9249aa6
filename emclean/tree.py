"""Finding the files a command works on: sorted, deterministic, safe with symlinks."""

from __future__ import annotations

import fnmatch
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

SUFFIXES = (".md", ".markdown", ".html")
SKIP_DIRS = frozenset({".git", "_site", "node_modules", ".jekyll-cache", ".sass-cache", "vendor"})
#: suffix of emclean's temp files (see files.stage)
TEMP_SUFFIX = ".emclean-tmp"


def check(paths: Iterable[Path]) -> list[str]:
    """One message per path that cannot be used (missing, or a symlinked folder)."""
    problems = []
    for top in paths:
        if top.is_symlink() and top.is_dir():
            problems.append(f"{top}: is a symlink to a folder (not followed)")
        elif not (top.exists() or top.is_symlink()):
            problems.append(f"{top}: no such file or folder")
    return problems


def files(paths: Iterable[Path], include: Iterable[str] = (), exclude: Iterable[str] = ()) -> Iterator[Path]:
    """The files to process under `paths`, one at a time, in a stable order.

    Folders are walked for *.md, *.markdown, *.html (names sorted, files before subfolders);
    hidden folders and build output are skipped; symlinked folders are not followed (no
    loops, no leaving the tree). Stale temp files of an interrupted run are removed.
    Nothing is collected first, so memory does not grow with the tree.
    """
    include, exclude = tuple(include), tuple(exclude)
    tops = list(paths)
    seen: set[Path] | None = set() if len(tops) > 1 else None  # overlapping arguments
    for top in tops:
        if top.is_symlink() and top.is_dir():
            continue
        found = _walk(top) if top.is_dir() else iter([top] if top.exists() or top.is_symlink() else [])
        for path in found:
            if not _wanted(path, include, exclude, explicit=path is top):
                continue
            if seen is not None:
                key = path.absolute()
                if key in seen:
                    continue
                seen.add(key)
            yield path


def discover(
    paths: Iterable[Path], include: Iterable[str] = (), exclude: Iterable[str] = ()
) -> tuple[list[Path], list[str]]:
    """All files under `paths` (see `files`), and the messages of `check`."""
    tops = list(paths)
    return list(files(tops, include, exclude)), check(tops)


def _walk(top: Path) -> Iterator[Path]:
    for folder, dirs, names in os.walk(top, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        base = Path(folder)
        for name in sorted(names):
            if name.endswith(TEMP_SUFFIX) and name.startswith("."):
                _remove_stale(base / name)
            elif name.endswith(SUFFIXES) and not name.startswith("."):
                yield base / name


def _remove_stale(path: Path) -> None:
    try:
        if time.time() - path.stat().st_mtime > 60:  # not one another run is writing now
            path.unlink()
    except OSError:
        pass


def _wanted(path: Path, include: tuple[str, ...], exclude: tuple[str, ...], *, explicit: bool = False) -> bool:
    if not include and not exclude:
        return explicit or path.suffix in SUFFIXES
    text = path.as_posix()
    if include and not any(fnmatch.fnmatch(text, g) or fnmatch.fnmatch(path.name, g) for g in include):
        return False
    if any(fnmatch.fnmatch(text, g) or fnmatch.fnmatch(path.name, g) for g in exclude):
        return False
    return explicit or path.suffix in SUFFIXES
