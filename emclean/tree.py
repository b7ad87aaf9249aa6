"""Finding the files a command works on: sorted, deterministic, safe with symlinks.

`--include`/`--exclude` globs (fnmatch: `*`, `?`, `[…]`) are matched against the path of
each file relative to the folder given on the command line, with `/` between folders, so
`.`, `posts` and `/home/me/site/posts` select the same files:

- a glob without `/` is matched against every part of that path: `pages` excludes any
  folder (or file) named `pages` at any depth, `*.html` any HTML file, `2022-*` any file or
  folder whose name starts so;
- a glob with `/` is matched against the path from the folder given (a leading `./` or `/`
  is dropped): `pages/*.html`, `_posts/2022/*`; it also matches a folder, and so everything
  in it (`_posts/old` excludes all of `_posts/old/`); `*` can span folders.

A file named on the command line is matched by its path relative to the current folder.
`--exclude` wins over `--include`.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from .document import HTML_SUFFIXES, MARKDOWN_SUFFIXES
from .files import TEMP_SUFFIX, remove_if_stale

#: the names of the documents a walk finds (the languages `document.kind_of` knows)
SUFFIXES = MARKDOWN_SUFFIXES + HTML_SUFFIXES
# Never articles: build output, dependencies, and Jekyll's templates and data (a layout that
# links to eastmoney.com is the site owner's template, with Liquid that must stay live).
SKIP_DIRS = frozenset(
    {".git", "_site", "node_modules", ".jekyll-cache", ".sass-cache", "vendor"}
    | {"_layouts", "_includes", "_sass", "_data", "_plugins"}
)


def check(paths: Iterable[Path]) -> list[str]:
    """One message per path that cannot be used (missing, or a symlinked folder)."""
    from .files import shown

    problems = []
    for top in paths:
        if top.is_symlink() and top.is_dir():
            problems.append(f"{shown(top)}: is a symlink to a folder (not followed)")
        elif not (top.exists() or top.is_symlink()):
            problems.append(f"{shown(top)}: no such file or folder")
    return problems


class Globs:
    """--include and --exclude, matched as the module's docstring says."""

    def __init__(self, include: Iterable[str] = (), exclude: Iterable[str] = ()) -> None:
        self.include = [_pattern(g) for g in include]
        self.exclude = [_pattern(g) for g in exclude]
        self.any = bool(self.include or self.exclude)

    def wanted(self, parts: Sequence[str]) -> bool:
        """True if the file at this relative path (its parts) is selected."""
        if not self.any:
            return True
        if _matches(self.exclude, parts):
            return False
        return not self.include or _matches(self.include, parts)

    def pruned(self, parts: Sequence[str]) -> bool:
        """True if everything in the folder at this relative path is excluded."""
        return _matches(self.exclude, parts)


def _pattern(glob: str) -> tuple[str, bool]:
    """(the glob, True if it is matched against the path rather than each part)."""
    while glob.startswith("./"):
        glob = glob[2:]
    glob = glob.rstrip("/")  # `pages/` is `pages`
    return glob.lstrip("/"), "/" in glob


def _matches(patterns: list[tuple[str, bool]], parts: Sequence[str]) -> bool:
    """True if a glob matches: a part-glob any part, a path-glob the path or a folder above it."""
    for glob, anchored in patterns:
        if anchored:
            if any(fnmatch.fnmatchcase("/".join(parts[: n + 1]), glob) for n in range(len(parts))):
                return True
        elif any(fnmatch.fnmatchcase(part, glob) for part in parts):
            return True
    return False


def files(paths: Iterable[Path], include: Iterable[str] = (), exclude: Iterable[str] = ()) -> Iterator[Path]:
    """The files to process under `paths`, one at a time, in a stable order.

    Folders are walked for regular files named *.md, *.markdown, *.html (names sorted, files
    before subfolders); a FIFO, a device or a symlink to one is never read; hidden folders
    and build output are skipped; symlinked folders are not followed (no loops, no leaving
    the tree). A file reached twice (a symlink to it, a hard link, overlapping arguments)
    is yielded once. A folder that cannot be read is yielded too (reading it fails, and says
    why: nothing is skipped unsaid). Stale temp files of an interrupted run are removed.
    Nothing is collected first, so memory grows only by a small key per file.
    """
    globs = Globs(include, exclude)
    seen: set[int] = set()
    for top in paths:
        if top.is_symlink() and top.is_dir():
            continue
        if top.is_dir():
            found: Iterator[tuple[Path, int | None]] = _walk(top, globs)
        elif top.exists() or top.is_symlink():
            if globs.any and not globs.wanted(_relative(top)):
                continue
            found = iter([(top, _key(top))])
        else:
            continue
        for path, key in found:
            if key is not None:
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


def _walk(top: Path, globs: Globs) -> Iterator[tuple[Path, int | None]]:
    """(path, key of device and inode) of each wanted regular file under `top`, depth first;
    a broken symlink and a folder that cannot be read too (key None), so that reading them
    says so."""
    stack: list[tuple[Path, tuple[str, ...]]] = [(top, ())]
    while stack:
        folder, parts = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
            device = os.stat(folder).st_dev
        except PermissionError:  # never skipped unsaid: reading it says "permission denied"
            yield folder, None
            continue
        except OSError:  # vanished meanwhile
            continue
        subfolders = []
        for entry in entries:
            name = entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not name.startswith(".") and name not in SKIP_DIRS and not globs.pruned((*parts, name)):
                        subfolders.append((Path(entry.path), (*parts, name)))
                elif name.startswith("."):
                    if name.endswith(TEMP_SUFFIX):
                        remove_if_stale(Path(entry.path))
                elif name.endswith(SUFFIXES) and (not globs.any or globs.wanted((*parts, name))):
                    if not entry.is_symlink():
                        if entry.is_file(follow_symlinks=False):
                            yield Path(entry.path), device << 64 | entry.inode()
                    elif entry.is_file():
                        st = entry.stat()
                        yield Path(entry.path), st.st_dev << 64 | st.st_ino
                    elif not os.path.exists(entry.path):
                        yield Path(entry.path), None
            except OSError:  # vanished, or a symlink that cannot be followed
                continue
        stack.extend(reversed(subfolders))


def _key(path: Path) -> int | None:
    """The device and inode of what `path` points at, as one number (None if unknown)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev << 64 | st.st_ino


def _relative(path: Path) -> tuple[str, ...]:
    """The parts of a path named on the command line, relative to the current folder."""
    with contextlib.suppress(ValueError, OSError):
        return Path(os.path.abspath(path)).relative_to(Path.cwd()).parts
    return Path(os.path.abspath(path)).parts[1:]
