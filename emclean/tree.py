"""Finding the files a command works on: sorted, deterministic, safe with symlinks."""

from __future__ import annotations

import fnmatch
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

SUFFIXES = (".md", ".markdown", ".html")
SKIP_DIRS = frozenset({".git", "_site", "node_modules", ".jekyll-cache", ".sass-cache", "vendor"})
#: suffix of emclean's temp files (see files.write_atomic)
TEMP_SUFFIX = ".emclean-tmp"


def discover(
    paths: Iterable[Path], include: Iterable[str] = (), exclude: Iterable[str] = ()
) -> tuple[list[Path], list[str]]:
    """Files to process under `paths` (sorted), and one message per path that is unusable.

    Folders are walked for *.md, *.markdown, *.html; hidden folders and build output are
    skipped; symlinked folders are not followed (so no loops and no leaving the tree).
    Stale temp files of an interrupted run are removed on the way.
    """
    include, exclude = tuple(include), tuple(exclude)
    found: set[Path] = set()
    problems: list[str] = []
    for top in paths:
        if top.is_symlink() and top.is_dir():
            problems.append(f"{top}: is a symlink to a folder (not followed)")
        elif top.is_dir():
            for path in _walk(top):
                if _wanted(path, include, exclude):
                    found.add(path)
        elif top.exists() or top.is_symlink():
            if _wanted(top, include, exclude, explicit=True):
                found.add(top)
        else:
            problems.append(f"{top}: no such file or folder")
    return sorted(found, key=str), problems


def _walk(top: Path) -> Iterator[Path]:
    for folder, dirs, names in os.walk(top, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        for name in names:
            if name.endswith(TEMP_SUFFIX) and name.startswith("."):
                _remove_stale(Path(folder, name))
            elif name.endswith(SUFFIXES) and not name.startswith("."):
                yield Path(folder, name)


def _remove_stale(path: Path) -> None:
    try:
        if time.time() - path.stat().st_mtime > 60:  # not one another run is writing now
            path.unlink()
    except OSError:
        pass


def _wanted(path: Path, include: tuple[str, ...], exclude: tuple[str, ...], *, explicit: bool = False) -> bool:
    text = path.as_posix()
    if include and not any(fnmatch.fnmatch(text, g) or fnmatch.fnmatch(path.name, g) for g in include):
        return False
    if any(fnmatch.fnmatch(text, g) or fnmatch.fnmatch(path.name, g) for g in exclude):
        return False
    return explicit or path.suffix in SUFFIXES
