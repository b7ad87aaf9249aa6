"""Escaping by context: each text character of a block written as itself, or escaped where
it could be markup in CommonMark/GFM or in kramdown, looking at the final line around it.

Thanks to the codec (see codec.py), every real ASCII punctuation mark in the rendered text is
markup and every placeholder is text: only placeholders are ever escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

from . import urls
from .chars import flanking, is_space
from .codec import Codec, Tokens

_SETEXT = re.compile(r"(=+|-+)[ \t]*$")
_ORDERED = re.compile(r"\d{1,9}[.)](?:[ \t]|$)")
_HEADING = re.compile(r"#{1,6}(?:[ \t]|$)")
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def escape(c: Codec, tokens: Tokens, s: str, kind: str) -> str:
    """Write each placeholder of `s` (one block of kind "para", "item", "heading" or "cell") as
    its character, escaped only where it could be markup; tokens as their values."""
    if not c.any_private.search(s):
        return s
    if c.escapable.search(s) or (kind in ("para", "item") and (s[0] in c.ascii or s[0].isdigit())):
        s = _Escaper(c, s, kind).run()
    if c.tok_open in s:
        # right after a footnote reference `[^x]`, a text "(…)" would make it a link, and
        # a text ":" at the start of a line a link reference definition
        s = s.replace(c.tok_close + c.ph["("], c.tok_close + "\\(")
        s = s.replace(c.tok_close + c.ph[":"], c.tok_close + "\\:")
        s = c.token.sub(partial(_token, c, tokens), s)
    return c.restore(s)


def _token(c: Codec, tokens: Tokens, m: re.Match[str]) -> str:
    kind, value = tokens.values[int(m.group(1))]
    if kind == "url":
        return urls.destination(value)
    if kind == "alt":
        return alt(c, value)
    return value


def alt(c: Codec, value: str) -> str:
    """Alt text as the text of an image description: escaped as any text is, every
    bracket and backslash too (an unescaped `]` or a final `\\` cuts the description
    short), and backticks written `&#96;` (even escaped, a backtick closes a code span
    that a backtick of the line before the image opened)."""
    s = _Escaper(c, c.protect(value), "alt").run().replace("\\`", "&#96;")
    for ch in "[]\\":
        s = s.replace(c.ph[ch], "\\" + ch)
    return s.replace(c.ph["`"], "&#96;")


class _Escaper:
    """Decides, for each text character of one line, whether it needs a backslash."""

    def __init__(self, codec: Codec, s: str, kind: str) -> None:
        self.c = codec
        self.kind = kind
        if kind in ("para", "item"):  # each line of the block (after a hard break too)
            lines = s.split(codec.br)
            s = codec.br.join(self._escape_line_start(line, continued=n > 0) for n, line in enumerate(lines))
        # runs that kramdown turns into typography: -- → –, ... → …, >> → »
        for run in (codec.dashes, codec.dots, codec.guillemets):
            if run.search(s):
                s = run.sub(self._escape_run, s)
        self.counts = {ch: s.count(ch) + s.count(codec.ph[ch]) for ch in "*_~`"}
        self.s = _escape_by_neighbours(codec, s, kind, self.counts["`"])

    def run(self) -> str:
        """The line with every text character escaped where it needs it: by the rules of
        `_escape_by_neighbours` (done), then `*`, `_` and `~` by CommonMark's flanking rules."""
        if not self.c.flanked_run.search(self.s):
            return self.s
        return self.c.flanked_run.sub(self._run, self.s)

    def at(self, j: int) -> str | None:
        if j < 0 or j >= len(self.s):
            return None
        return self.c.char(self.s[j])

    def _escape_run(self, m: re.Match[str]) -> str:
        return "".join("\\" + self.c.ascii[ch] for ch in m.group())

    def _escape_line_start(self, s: str, *, continued: bool = False) -> str:
        """Escape the text character that would start a block construct (list, heading...);
        on a line that continues a paragraph, also a setext underline (`===`)."""
        head = self.c.restore(s[:12]) if s[:1] in self.c.ascii or s[:1].isdigit() else ""
        if not head:
            return s
        c0 = head[0]
        at = -1
        if _starts_block(c0, head, lambda: self.c.restore(s)) or (
            continued and c0 in "=-" and _SETEXT.match(self.c.restore(s))
        ):
            at = 0
        elif c0.isdigit():
            m = _ORDERED.match(head)
            if m:
                at = m.end() - (2 if m.group().endswith((" ", "\t")) else 1)
        if at < 0 or s[at] not in self.c.ascii:
            return s
        return s[:at] + "\\" + self.c.ascii[s[at]] + s[at + 1 :]

    def _run(self, m: re.Match[str]) -> str:
        """A run of one of `*`, `_`, `~`: each end decided alone; the inside, where each
        character has the same on both sides, all alike."""
        i, run = m.start(), m.group()
        placeholder, size = run[0], len(run)
        ch = self.c.ascii[placeholder]
        escaped = "&amp;" if ch == "&" else "\\" + ch
        if size <= 3:
            return "".join(escaped if self._needs(ch, i + k) else placeholder for k in range(size))
        first = escaped if self._needs(ch, i) else placeholder
        inside = escaped if self._needs(ch, i + 1) else placeholder
        last = escaped if self._needs(ch, i + size - 1) else placeholder
        return first + inside * (size - 2) + last

    def _needs(self, ch: str, i: int) -> bool:
        """True if the `*`, `_` or `~` at `i` could open or close emphasis."""
        prev, nxt = self.at(i - 1), self.at(i + 1)
        if ch == "_" and prev is not None and nxt is not None and prev in _ASCII_ALNUM and nxt in _ASCII_ALNUM:
            return False  # intraword: never emphasis
        return self.counts[ch] >= 2 and flanking(prev, nxt)


def _escape_by_neighbours(c: Codec, s: str, kind: str, backticks: int) -> str:
    """Escape the text characters whose escaping does not depend on CommonMark's flanking
    rules, each by a pattern (no Python per character): a backslash before punctuation; a
    `<` that could open a tag; a `!` before a link; `{:`; `$$`; a `&` that would start a
    character reference (as `&amp;`); quotes and bars (kramdown makes smart quotes and tables
    of them); backticks, if two could pair; a `[` with a `]` after it, a `]` with a `[` before
    it; the first `#` of a heading's closing sequence; a `{` in a heading that ends with `}`
    (pulldown-cmark reads `{#id onclick=…}` there as attributes, even escaped)."""
    ph = c.ph
    if kind == "heading" and ph["{"] in s and s.rstrip().endswith(("}", ph["}"])):
        s = s.replace(ph["{"], "&#123;")
    for pattern, replacement in c.escape_rules:
        s = pattern.sub(replacement, s)
    for ch in "\"'|" + ("`" if backticks >= 2 else ""):
        if ph[ch] in s:
            s = s.replace(ph[ch], "\\" + ch)
    if ph["["] in s:  # those before the last "]"
        last = max(s.rfind("]"), s.rfind(ph["]"]), s.rfind(c.tok_close))
        if last > 0:
            s = s[:last].replace(ph["["], "\\[") + s[last:]
    if ph["]"] in s:  # those after the first "["
        found = [i for i in (s.find("["), s.find(ph["["]), s.find(c.tok_open)) if i >= 0]
        if found:
            first = min(found) + 1
            s = s[:first] + s[first:].replace(ph["]"], "\\]")
    if kind == "heading" and ph["#"] in s:  # `## 热点 #`: a closing sequence after a space
        hashes = len(s.rstrip("#" + ph["#"]))
        if hashes < len(s) and s[hashes] == ph["#"] and (hashes == 0 or is_space(c.char(s[hashes - 1]))):
            s = s[:hashes] + "\\#" + s[hashes + 1 :]
    return s


def _starts_block(c0: str, head: str, whole: Callable[[], str]) -> bool:
    """True if a line starting with `head` would open a quote, heading, list, rule or fence."""
    if c0 == ">":
        return True  # a block quote
    if c0 == ":":
        return head[1:2] in (" ", "\t")  # a kramdown definition
    if c0 == "#":
        return _HEADING.match(head) is not None
    if c0 in "-+*" and (len(head) == 1 or head[1] in " \t"):
        return True  # a bullet
    if c0 in "-*_" and _is_thematic(c0, whole()):
        return True  # a thematic break
    return c0 in "`~" and head.startswith(c0 * 3)  # a code fence


def _is_thematic(c0: str, line: str) -> bool:
    """True if `line` (starting with `c0`) is three or more `c0` and spaces or tabs only.
    (Not a regex: one with a repeated group keeps a frame per repetition.)"""
    return line.count(c0) >= 3 and not line.replace(c0, "").strip(" \t")
