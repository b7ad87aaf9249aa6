"""Unified diffs that `patch -p0` and `git apply -p0` apply byte for byte."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from .document import lines_of

NO_NEWLINE = "\\ No newline at end of file\n"


def unified(old: str, new: str, path: str, context: int = 3) -> str:
    """The diff turning `old` into `new`, both labelled `path` ("" when equal)."""
    if old == new:
        return ""
    return "".join(_lines(old, new, path, context))


def _lines(old: str, new: str, path: str, context: int) -> Iterator[str]:
    a, b = lines_of(old), lines_of(new)
    for line in difflib.unified_diff(a, b, path, path, n=context, lineterm="\n"):
        if line.endswith(("\n", "\r")):
            yield line
        else:  # the last line of a file without a final newline
            yield line + "\n" + NO_NEWLINE
