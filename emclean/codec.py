"""The codec of one document: private-use placeholders and markers.

Before rendering, each ASCII punctuation mark of article text is swapped for a private-use
placeholder, and markers stand for emphasis, line breaks, table cells and tokens (URLs, alt
texts, raw Markdown kept out of the renderer's way). After rendering, every real ASCII
punctuation mark is markup and every placeholder is text. The block of code points used is
chosen per document so that it never collides with the document's own characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .errors import InputError

# ASCII punctuation: each gets a placeholder when it is article text.
PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_BLOCK = 0x40  # private-use code points one codec needs
# The private use areas (start, end): the BMP's, planes 15 and 16
_AREAS = ((0xE000, 0xF900), (0xF0000, 0xFFFFE), (0x100000, 0x10FFFE))
_PUA = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")
# A run of whitespace holding a line break: a browser shows it as a space, or as
# nothing between two CJK characters (CSS Text, segment break transformation).
_SEGMENT = re.compile("(?<![ \t\f\u00a0])[ \t\f\u00a0]*+[\r\n][ \t\r\f\n\u00a0]*+")  # (from a run's start: linear)


@dataclass
class Tokens:
    """Values kept out of the renderer's way: URLs, alt texts, raw Markdown."""

    values: list[tuple[str, str]] = field(default_factory=list)

    def add(self, codec: Codec, kind: str, value: str) -> str:
        """Store a value; return the token that stands for it in the rendered text."""
        self.values.append((kind, value))
        return f"{codec.tok_open}{len(self.values) - 1}{codec.tok_close}"


@lru_cache(maxsize=16)
def codec_at(base: int) -> Codec:
    """The codec whose private-use characters start at `base`."""
    return Codec(base)


def codec_for(text: str) -> Codec:
    """A codec whose private-use characters do not occur in `text` (the first free block of
    the BMP's private use area, else of planes 15 and 16). InputError if there is none."""
    if not _PUA.search(text):
        return codec_at(0xE000)
    used = {(start, (ord(ch) - start) // _BLOCK) for ch in set(text) for start, end in _AREAS if start <= ord(ch) < end}
    for start, end in _AREAS:
        for n in range((end - start) // _BLOCK):
            if (start, n) not in used:
                return codec_at(start + n * _BLOCK)
    raise InputError("the text uses every block of private-use characters (emclean needs one free): not an article")


class Codec:
    """The placeholders and markers of one document, and what they stand for."""

    def __init__(self, base: int) -> None:
        def mark(offset: int) -> str:
            return chr(base + offset)

        lo_hi = f"{chr(base + 0x20)}-{chr(base + _BLOCK - 1)}"  # markers and tokens (not text placeholders)

        self.ph = {ch: mark(i) for i, ch in enumerate(PUNCT)}
        self.ideo = mark(0x20)  # U+3000 ideographic space (html2text would collapse it)
        self.seg = mark(0x21)  # whitespace with a line break
        self.br = mark(0x22)  # <br>
        self.cell = mark(0x23)  # start of a table cell
        self.strong_open, self.strong_close = mark(0x24), mark(0x25)
        self.em_open, self.em_close = mark(0x26), mark(0x27)
        self.del_open, self.del_close = mark(0x28), mark(0x29)
        self.tok_open, self.tok_close = mark(0x2A), mark(0x2B)
        # a link: [text](token) where the text has no brackets or markers
        self.link = re.compile(
            f"\\[([^\\[\\]{lo_hi}]*)\\]\\({re.escape(self.tok_open)}([0-9]+){re.escape(self.tok_close)}\\)"
        )
        self.opens = {self.strong_open: "**", self.em_open: "*", self.del_open: "~~"}
        self.closes = {self.strong_close: "**", self.em_close: "*", self.del_close: "~~"}
        self.partner = {
            self.strong_open: self.strong_close,
            self.em_open: self.em_close,
            self.del_open: self.del_close,
        }
        self.opener_of = {close: o for o, close in self.partner.items()}
        self.markers = frozenset(self.opens) | frozenset(self.closes)
        # what splits a paragraph at its breaks looks at: brackets, breaks, emphasis markers
        self.break_context = re.compile("[" + re.escape("[]" + self.br + "".join(self.markers)) + "]")
        self.delimiters: dict[int, int | str] = {ord(k): v for k, v in (*self.opens.items(), *self.closes.items())}
        self.marker = re.compile("[" + re.escape("".join(self.markers)) + "]")
        self.ascii = {v: k for k, v in self.ph.items()}
        self.whitespace = frozenset((" ", "\u00a0", self.ideo, "\t"))

        # (regex + dict beats str.translate tenfold on CJK text, where these are sparse)
        self._protect = {**self.ph, "\u3000": self.ideo}
        self._protect_re = re.compile("[" + re.escape(PUNCT) + "\u3000]")
        self._restore = {p: ch for ch, p in self._protect.items()}
        self._restore_re = re.compile(f"[{chr(base)}-{self.ideo}]")

        lo, hi = chr(base), chr(base + _BLOCK - 1)
        self.any_private = re.compile(f"[{lo}-{hi}]")
        self.token = re.compile(f"{self.tok_open}([0-9]+){self.tok_close}")
        # placeholders whose escaping depends on context (all others never need it)
        ctx = "\\*_~`[]!<&|${\"'#"
        self.context = re.compile("[" + "".join(re.escape(self.ph[c]) for c in ctx) + "]")
        # a run of one of the placeholders whose escaping depends on the flanking rules
        self.flanked_run = re.compile("|".join(re.escape(self.ph[c]) + "+" for c in "*_~"))
        self.escape_rules = self._escape_rules()
        self.dashes = re.compile(re.escape(self.ph["-"]) + "{2,}")
        self.dots = re.compile(re.escape(self.ph["."]) + "{3,}")
        self.guillemets = re.compile(re.escape(self.ph[">"]) + "{2,}")
        # anything at all the escaper may have to act on (one search instead of five)
        parts = (self.context, self.dashes, self.dots, self.guillemets)
        self.escapable = re.compile("|".join(p.pattern for p in parts) + "|" + re.escape(self.br))
        ws = re.escape(" \u00a0" + self.ideo + self.br)
        # (runs are matched from their start, possessively: linear however long they are)
        seg = re.escape(self.seg)
        self.seg_run = re.compile(f"(?<![ {seg}]) *+{seg}[ {seg}]*+")
        self.spaces = re.compile(" {2,}")
        pad = re.escape(" \u00a0\t" + self.ideo + self.seg)
        self.br_run = re.compile(f"(?<![{pad}])[{pad}]*+(?:{re.escape(self.br)}[{pad}]*+)+")
        opens = re.escape("".join(self.opens))
        closes = re.escape("".join(self.closes))
        self.open_ws = re.compile(f"([{opens}]+)([{ws}]+)")
        self.ws_close = re.compile(f"(?<![{ws}])([{ws}]++)([{closes}]+)")
        self.open_run = re.compile(f"[{opens}]+")
        self.close_run = re.compile(f"[{closes}]+")
        self.open_next = re.compile(f"([{opens}]+)(.)")
        self.prev_close = re.compile(f"(.)([{closes}]+)")
        tok = f"{re.escape(self.tok_open)}[0-9]+{re.escape(self.tok_close)}"
        # emphasis wrapping exactly one link: put it inside the link text
        self.link_inside = re.compile(f"([{opens}]+)\\[([^\\[\\]]*)\\]\\(({tok})\\)([{closes}]+)")
        self.strip_chars = " \u00a0\t" + self.ideo + self.seg + self.br
        # a character a reader sees as text: not ASCII punctuation, space, marker or token
        self.texty = re.compile(f"[^\\s!-/:-@\\[-`{{-~{lo_hi}]")

    def _escape_rules(self) -> tuple[tuple[re.Pattern[str], str], ...]:
        """(pattern, replacement) for the text characters that need escaping by their
        neighbours alone, to apply in this order (each then sees them as they were)."""
        ph = {ch: re.escape(p) for ch, p in self.ph.items()}
        backslash, lt, bang, brace, dollar, amp = (ph[ch] for ch in "\\<!{$&")
        # what a reader sees as ASCII punctuation: a placeholder of one, markup, an emphasis
        # marker, a token's boundary
        punct = (
            "".join(ph.values()) + r"!-/:-@\[-`{-~" + re.escape("".join(self.markers) + self.tok_open + self.tok_close)
        )
        entity = f"(?:(?:{ph['#']}|#)(?:[0-9]{{1,7}}|[xX][0-9a-fA-F]{{1,6}})|[A-Za-z][A-Za-z0-9]{{1,31}})"
        tag_next = "A-Za-z/!?<" + ph["/"] + ph["!"] + ph["?"] + lt
        return (
            (re.compile(f"{backslash}(?=[{punct}])"), r"\\\\"),  # before punctuation: an escape
            (re.compile(f"{lt}(?=[{tag_next}])|(?<=[<{lt}]){lt}"), r"\\<"),  # a tag, a comment, <<
            (re.compile(f"{bang}(?=[\\[{re.escape(self.tok_open)}])"), r"\\!"),  # before a link: an image
            (re.compile(f"{brace}(?=[:{ph[':']}])"), r"\\{"),  # {: opens a kramdown attribute list
            (re.compile(f"{dollar}(?=[${dollar}])|(?<=[${dollar}]){dollar}"), r"\\$"),  # $$: kramdown math
            (re.compile(f"{amp}(?={entity}[;{ph[';']}])"), "&amp;"),  # a character reference
        )

    def protect(self, text: str) -> str:
        """Article text → text the renderer cannot mistake for markup."""
        text = self._protect_re.sub(self._protect_one, text)
        if "\n" in text or "\r" in text:
            text = _SEGMENT.sub(self.seg, text)
        return text

    def char(self, ch: str) -> str:
        """The character a placeholder, marker or token boundary shows, for context checks."""
        if ch in self.ascii:
            return self.ascii[ch]
        if ch in self.markers:
            return (self.opens.get(ch) or self.closes[ch])[0]
        if ch == self.br:
            return "\n"
        if ch == self.tok_open:
            return "["
        if ch == self.tok_close:
            return "]"
        return ch

    def restore(self, text: str) -> str:
        """Placeholders back to the characters they stand for (no escaping)."""
        return self._restore_re.sub(self._restore_one, text)

    def _protect_one(self, m: re.Match[str]) -> str:
        return self._protect[m.group()]

    def _restore_one(self, m: re.Match[str]) -> str:
        return self._restore[m.group()]
