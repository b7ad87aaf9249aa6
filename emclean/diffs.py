"""Unified diffs that `patch -p0` and `git apply -p0` apply byte for byte."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator

from .document import lines_of

NO_NEWLINE = "\\ No newline at end of file\n"


# C escapes in a quoted name (git's quote_c_style); other bytes below 0x20 or from 0x7f are octal
_ESCAPES = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 34: '\\"', 92: "\\\\"}


def unified(old: str, new: str, path: str, context: int = 3) -> str:
    """The diff turning `old` into `new`, both labelled `path` ("" when equal), as `label` writes it."""
    if old == new:
        return ""
    return "".join(_lines(old, new, label(path), context))


def label(path: str) -> str:
    """A file name as a diff header gives it, read back by GNU patch and git apply as the same
    bytes: as it is if plain ASCII; else C-quoted as git writes it (`"caf\\303\\251.md"`: each byte
    of a name that is not UTF-8 as it is on disk); followed by a tab if it holds a space (patch
    ends a name at the tab, as after `diff -u`'s date)."""
    raw = os.fsencode(path)
    if any(b < 0x20 or b >= 0x7F or b in (34, 92) for b in raw):
        path = '"' + "".join(_ESCAPES.get(b) or (chr(b) if 0x20 <= b < 0x7F else f"\\{b:03o}") for b in raw) + '"'
    return path + "\t" if " " in path else path


def _lines(old: str, new: str, name: str, context: int) -> Iterator[str]:
    a, b = lines_of(old), lines_of(new)
    for line in difflib.unified_diff(a, b, name, name, n=context, lineterm="\n"):
        if line.endswith(("\n", "\r")):
            yield line
        else:  # the last line of a file without a final newline
            yield line + "\n" + NO_NEWLINE
