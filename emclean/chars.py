"""What a character is to a Markdown reader: CJK (laid out without spaces), punctuation and
space as CommonMark's emphasis rules read them."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from .codec import PUNCT


def is_cjk(ch: str) -> bool:
    """True for characters that are laid out without spaces (CJK, kana, full-width)."""
    o = ord(ch)
    return (
        0x2E80 <= o <= 0x9FFF
        or 0xAC00 <= o <= 0xD7AF
        or 0xF900 <= o <= 0xFAFF
        or 0xFE30 <= o <= 0xFE4F
        or 0xFF00 <= o <= 0xFFEF
        or 0x20000 <= o <= 0x3FFFF
        or ch in "“”‘’"
    )


@lru_cache(maxsize=4096)
def is_punct(ch: str) -> bool:
    """CommonMark's punctuation: ASCII punctuation or a Unicode P*/S* character."""
    return ch in PUNCT or unicodedata.category(ch)[0] in "PS"


def is_space(ch: str | None) -> bool:
    """True for whitespace, and for the edge of the line (None)."""
    return ch is None or ch.isspace()


def flanking(prev: str | None, nxt: str | None) -> bool:
    """True if a delimiter between `prev` and `nxt` can open or close emphasis."""
    left = not is_space(nxt) and (not is_punct(nxt or " ") or is_space(prev) or is_punct(prev or " "))
    right = not is_space(prev) and (not is_punct(prev or " ") or is_space(nxt) or is_punct(nxt or " "))
    return left or right
