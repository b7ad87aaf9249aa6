"""Markdown text: the renderer's output, finished and escaped by context.

html2text decides the block structure; this module decides every character of text.
Thanks to the codec (see codec.py), every real ASCII punctuation mark in the rendered
text is markup and every placeholder is text. `Finisher.finish` resolves the markers
(CJK-safe emphasis, one paragraph per line, GFM tables) and writes each text character
as itself or escaped, looking at the final line around it, for CommonMark/GFM *and*
kramdown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache, partial
from typing import TYPE_CHECKING

from . import limits, urls
from .codec import PUNCT, Codec, Tokens

if TYPE_CHECKING:
    from .entities import Entity

# Structure html2text puts at the start of a line: quote marks, list markers, headings.
_PREFIX = re.compile(r"(?P<quote>(?:>+ ?)?)(?P<indent> *)(?:(?P<item>(?:-|\d{1,9}\.) )|(?P<head>#{1,6} ))?")
# The header separator html2text writes under the first table row.
_TABLE_RULE = re.compile(r"^\s*(?:---\|)*---\s*$")
_SETEXT = re.compile(r"(=+|-+)[ \t]*$")
_ORDERED = re.compile(r"\d{1,9}[.)](?:[ \t]|$)")
_HEADING = re.compile(r"#{1,6}(?:[ \t]|$)")
# the `{` that starts a Liquid tag or output: `{{`, `{%` (`{{{` holds two)
_LIQUID_BRACE = re.compile(r"\{(?=[{%])")
_ABSOLUTE = re.compile(r"^(?:https?|ftp)://[^\s<>]+$", re.I)
# characters an autolink cannot hold as they are
_AUTOLINK_BAD = re.compile(r"[\s<>\\`{}|]")
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


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
def _is_punct(ch: str) -> bool:
    """CommonMark's punctuation: ASCII punctuation or a Unicode P*/S* character."""
    return ch in PUNCT or unicodedata.category(ch)[0] in "PS"


def _is_space(ch: str | None) -> bool:
    return ch is None or ch.isspace()


class Finisher:
    """Turns the renderer's output into the final Markdown of one document."""

    def __init__(self, codec: Codec, tokens: Tokens, *, liquid: bool) -> None:
        self.c = codec
        self.tokens = tokens
        self.liquid = liquid
        # placeholders → their characters, for text that is copied into an autolink
        self._plain: dict[int, int | str] = {ord(p): ch for ch, p in codec.ph.items()}

    # -- the document -------------------------------------------------------------

    def footnote(self, ref: str, entity: Entity) -> str:
        """The definition line of one footnote annotation: the name, then the quote URL as an
        autolink (or, without one, the code in full-width parentheses). Ending with one of
        these, the line is never a link reference definition to CommonMark readers without
        footnotes (`[^x]: javascript:alert(1)` would be one)."""
        url = urls.link(entity.url) if entity.url else None
        if url:
            return f"{ref}: {self._inline(self.c.protect(entity.name), 'cell')} <{url}>"
        # (one piece of text: escaped together, a backtick in the name and one in the code
        # cannot open a code span)
        text = f"{entity.name} （{entity.code or ''}）"
        return f"{ref}: {self._inline(self.c.protect(text), 'cell')}"

    def finish(self, raw: str) -> str:
        """Rendered text with placeholders → Markdown, blocks separated by one blank line."""
        out: list[str] = []
        lines = raw.split("\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            if self.c.cell in line:
                rows = []
                while i < len(lines) and (self.c.cell in lines[i] or _TABLE_RULE.match(lines[i])):
                    if self.c.cell in lines[i]:
                        rows.append(lines[i])
                    i += 1
                out.append("")
                out.extend(self._table(rows))
                out.append("")
                continue
            out.extend(self._line(line))
            i += 1
        return _squeeze(out).replace(self.c.br + "\n", "  \n")

    def _line(self, line: str) -> list[str]:
        """One rendered line → one or more final lines (a `<br>` splits a paragraph)."""
        if not line or line.isspace():
            return [""]
        m = _PREFIX.match(line)
        assert m is not None  # the pattern can match the empty string
        quote, indent, item, head = m["quote"], m["indent"], m["item"], m["head"]
        content = line[m.end() :]
        if line.strip() == "* * *" and not quote:
            return ["", "* * *", ""]
        if item:
            kind, prefix = "item", quote + indent + item
        elif head:
            kind, prefix = "heading", quote + head
        else:
            kind, prefix = "para", quote
        if kind == "para" and self.c.br in content:
            parts = self._split_breaks(content)
            blank = quote.rstrip()
            result: list[str] = []
            for part in parts:
                text = self._inline(part, kind)
                if text:
                    if result:
                        result.append(blank)
                    # a hard break inside emphasis continues the paragraph on the next line
                    result.extend(prefix + piece for piece in text.split("\n"))
            return result or [blank]
        # one-line blocks: a break is a space in a table cell, a line break elsewhere
        text = self._inline(content.replace(self.c.br, " " if kind == "cell" else self.c.seg), kind)
        if not text:
            return [quote.rstrip()] if kind == "para" else []
        if kind == "item":
            # html2text indents even a top-level item by two spaces; Markdown needs none
            prefix = quote + indent[2:] + item
        return [prefix + text]

    def _split_breaks(self, content: str) -> list[str]:
        """Split at `<br>` markers into paragraphs.

        A break inside bold or italic stays (it becomes a Markdown hard line break, so the
        bold run stays one run); a break inside a link's text becomes a space.
        """
        c = self.c
        parts: list[str] = []
        open_stack: list[str] = []
        current: list[str] = []
        brackets = 0  # depth of link/image text (raw brackets are always markup)
        start = 0
        for m in c.break_context.finditer(content):
            ch = m.group()
            if ch == "[":
                brackets += 1
            elif ch == "]":
                brackets = max(0, brackets - 1)
            elif ch == c.br:
                if open_stack and not brackets:
                    continue
                current.append(content[start : m.start()])
                start = m.end()
                if brackets:
                    current.append(" ")
                else:
                    parts.append("".join(current))
                    current = []
            elif ch in c.opens:
                open_stack.append(ch)
            elif open_stack and c.partner[open_stack[-1]] == ch:
                open_stack.pop()
        current.append(content[start:])
        parts.append("".join(current))
        return parts

    def _table(self, rows: list[str]) -> list[str]:
        """html2text's table rows → a GFM pipe table, every row as wide as the widest."""
        grid: list[list[str]] = []
        for row in rows:
            pieces = row.split(self.c.cell)[1:]
            # each piece but the last ends with html2text's "| " before the next cell
            texts = [p.rstrip().removesuffix("|") for p in pieces[:-1]] + pieces[-1:]
            grid.append([self._inline(t.replace(self.c.br, " "), "cell") for t in texts])
        lines: list[str] = []
        for part in _grid_parts(grid):
            if lines:
                lines.append("")
            width = max(len(r) for r in part)
            for n, row_cells in enumerate(part):
                lines.append("| " + " | ".join(row_cells + [""] * (width - len(row_cells))) + " |")
                if n == 0:
                    lines.append("|" + " --- |" * width)
        return lines

    # -- one line of inline content ---------------------------------------------------

    def _inline(self, s: str, kind: str) -> str:
        """Resolve whitespace and emphasis, then escape: the final text of one block."""
        if self.c.seg in s:
            s = self.c.seg_run.sub(self._segment, s)
        if "  " in s:
            s = self.c.spaces.sub(" ", s)
        if self.c.marker.search(s):
            if self.c.em_open in s and self.c.strong_open in s:
                s = self._mixed_emphasis(s, kind)
            else:
                s = self._finish_inline(self._emphasis(s), kind)
        else:
            s = self._finish_inline(s, kind)
        if self.liquid and ("{{" in s or "{%" in s):
            s = _liquid_inert(s)
        return s

    def _finish_inline(self, s: str, kind: str) -> str:
        if self.c.tok_open in s:
            s = self.c.link.sub(self._autolink, s)
        s = s.strip(self.c.strip_chars)
        if self.c.br in s:  # hard line breaks (inside emphasis): one paragraph on several lines
            s = self.c.br_run.sub(self.c.br, s)
            return self._escape(s, kind).replace(self.c.br, self.c.br + "\n")
        return self._escape(s, kind) if s else ""

    def _mixed_emphasis(self, s: str, kind: str) -> str:
        """Italic and bold in one line: `*` and `**` runs can pair up in ways CommonMark's
        "rule of 3" reads differently. Check the line with markdown-it; if its text is not
        the plain text, drop the italics, then all emphasis."""
        from . import commonmark

        def reading(line: str) -> str:  # as it will be written: hard breaks as "  \n"
            return commonmark.read(line.replace(self.c.br + "\n", "  \n")).text

        plain = self._finish_inline(self.c.marker.sub("", s), kind)
        wanted = reading(plain)
        for attempt in (s, s.replace(self.c.em_open, "").replace(self.c.em_close, "")):
            line = self._finish_inline(self._emphasis(attempt), kind)
            if reading(line) == wanted:
                return line
        return plain

    def _autolink(self, m: re.Match[str]) -> str:
        """`[http://x](http://x)` → `<http://x>`, as the source most likely wrote it."""
        kind, url = self.tokens.values[int(m.group(2))]
        text = self.c.restore(m.group(1))
        if kind == "url" and text == url and _ABSOLUTE.match(url) and not _AUTOLINK_BAD.search(url):
            return "<" + m.group(1).translate(self._plain) + ">"
        return m.group()

    def _segment(self, m: re.Match[str]) -> str:
        """A line break in the HTML source: nothing between CJK, else one space."""
        s = m.string
        before = _visible_neighbour(s, m.start() - 1, -1, self.c.markers)
        after = _visible_neighbour(s, m.end(), 1, self.c.markers)
        if before is None or after is None:
            return " " if (before is not None and after is not None) else ""
        if (is_cjk(before) or before == self.c.ideo) and (is_cjk(after) or after == self.c.ideo):
            return ""
        return " "

    # -- emphasis -----------------------------------------------------------------------

    def _emphasis(self, s: str) -> str:
        """Markers → `**` / `*` / `~~` that render in CommonMark and kramdown.

        Drops unmatched, nested-duplicate and empty pairs; moves whitespace outside the
        delimiters; and where a delimiter sits between punctuation inside and a letter
        outside (`以**“七条链”**为`, which CommonMark does not render), moves that
        punctuation outside (`以“**七条链**”为`).
        """
        s = self._pair(s)
        for _ in range(12):
            before = s
            s = self.c.open_ws.sub(r"\2\1", s)
            s = self.c.ws_close.sub(r"\2\1", s)
            s = self.c.link_inside.sub(self._into_link, s)
            s = self.c.open_next.sub(partial(self._opener, s=s), s)
            s = self.c.prev_close.sub(partial(self._closer, s=s), s)
            if s == before:
                # what still cannot open or close (`1~~**I**~~`: `~~` after a letter, before `*`) goes
                doomed = self._unflankable(s)
                if not doomed:
                    break
                s = self._pair(s, doomed)
            else:
                s = self._pair(s)
        return s.translate(self.c.delimiters)

    def _into_link(self, m: re.Match[str]) -> str:
        """Emphasis wrapping exactly one link goes inside the link text: `[**x**](u)`."""
        opens, text, token, closes = m.groups()
        if "".join(self.c.partner[o] for o in reversed(opens)) != closes:
            return m.group()
        return f"[{opens}{text}{closes}]({token})"

    def _unflankable(self, s: str) -> set[int]:
        """Markers that CommonMark would not read as delimiters where they stand."""
        doomed: set[int] = set()
        for m in self.c.open_run.finditer(s):
            before, after = self._ctx(s, m.start() - 1), self._ctx(s, m.end())
            if _is_space(before) or _is_punct(before):
                continue
            if m.end() - m.start() > 1 or (after is not None and _is_punct(after)):
                doomed.add(m.start())  # the first marker: followed by punctuation, after a letter
        for m in self.c.close_run.finditer(s):
            nxt = s[m.end()] if m.end() < len(s) else ""
            if nxt in self.c.opens and self.c.opens[nxt][0] == self.c.closes[s[m.end() - 1]][0]:
                doomed.add(m.end())  # `*a***b**`: two runs of `*` would read as one
                continue
            before, after = self._ctx(s, m.start() - 1), self._ctx(s, m.end())
            if _is_space(after) or _is_punct(after):
                continue
            if m.end() - m.start() > 1 or (before is not None and _is_punct(before)):
                doomed.add(m.end() - 1)
        return doomed

    def _pair(self, s: str, doomed: set[int] | frozenset[int] = frozenset()) -> str:
        """Keep only markers that pair up, are not nested in their own kind, hold text
        (and whose pair has no marker in `doomed`)."""
        c = self.c
        drop: set[int] = set()
        stack: list[tuple[str, int, bool]] = []  # (open marker, index, nested in same kind)
        depth = dict.fromkeys(c.opens, 0)  # open markers of each kind in the stack
        pairs: list[tuple[int, int]] = []
        for m in c.marker.finditer(s):
            i, ch = m.start(), m.group()
            if ch in depth:
                stack.append((ch, i, depth[ch] > 0))
                depth[ch] += 1
                continue
            opener = c.opener_of[ch]
            if not depth[opener]:
                drop.add(i)
                continue
            while True:  # close what was opened since (those go)
                o, j, nested = stack.pop()
                depth[o] -= 1
                if o == opener:
                    break
                drop.add(j)
            if nested:
                drop.update((i, j))
            else:
                pairs.append((j, i))
        drop.update(j for _, j, _ in stack)
        for j, i in pairs:
            if j in doomed or i in doomed or not c.texty.search(c.token.sub("", s[j + 1 : i])):
                drop.update((i, j))
        if drop:
            kept, last = [], 0
            for n in sorted(drop):
                kept.append(s[last:n])
                last = n + 1
            kept.append(s[last:])
            s = "".join(kept)
        # a close right before an open of the same kind: one run, not two
        for o, close in c.partner.items():
            if close + o in s:
                s = s.replace(close + o, "")
        return s

    def _opener(self, m: re.Match[str], *, s: str) -> str:
        """An opening run followed by punctuation and preceded by a letter cannot open:
        move that (text) punctuation in front of the run."""
        run, after = m.group(1), m.group(2)
        before = self._ctx(s, m.start() - 1)
        first = self.c.char(after)
        if self._movable(after) and _is_punct(first) and not (_is_space(before) or _is_punct(before)):
            return after + run
        return m.group()

    def _closer(self, m: re.Match[str], *, s: str) -> str:
        """A closing run preceded by punctuation and followed by a letter cannot close:
        move that (text) punctuation after the run."""
        last, run = m.group(1), m.group(2)
        after = self._ctx(s, m.end())
        if self._movable(last) and _is_punct(self.c.char(last)) and not (_is_space(after) or _is_punct(after)):
            return run + last
        return m.group()

    def _movable(self, ch: str) -> bool:
        """Text characters may move across a delimiter; markup and tokens may not."""
        return ch in self.c.ascii or not (
            ch.isascii() or ch in self.c.markers or ch in (self.c.tok_open, self.c.tok_close)
        )

    def _ctx(self, s: str, j: int) -> str | None:
        """The character at `j` as a renderer sees it (None outside the line)."""
        if j < 0 or j >= len(s):
            return None
        return self.c.char(s[j])

    # -- escaping -----------------------------------------------------------------------

    def _escape(self, s: str, kind: str) -> str:
        """Write each placeholder as its character, escaped only where it could be markup."""
        c = self.c
        if not c.any_private.search(s):
            return s
        if c.escapable.search(s) or (kind in ("para", "item") and (s[0] in c.ascii or s[0].isdigit())):
            s = _Escaper(c, s, kind).run()
        if c.tok_open in s:
            # right after a footnote reference `[^x]`, a text "(…)" would make it a link, and
            # a text ":" at the start of a line a link reference definition
            s = s.replace(c.tok_close + c.ph["("], c.tok_close + "\\(")
            s = s.replace(c.tok_close + c.ph[":"], c.tok_close + "\\:")
            s = c.token.sub(self._token, s)
        return c.restore(s)

    def _token(self, m: re.Match[str]) -> str:
        kind, value = self.tokens.values[int(m.group(1))]
        if kind == "url":
            return urls.destination(value)
        if kind == "alt":
            return self._alt(value)
        return value

    def _alt(self, value: str) -> str:
        """Alt text as the text of an image description: escaped as any text is, every
        bracket and backslash too (an unescaped `]` or a final `\\` cuts the description
        short), and backticks written `&#96;` (even escaped, a backtick closes a code span
        that a backtick of the line before the image opened)."""
        c = self.c
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
        return self.counts[ch] >= 2 and _flanking(prev, nxt)


def _escape_by_neighbours(c: Codec, s: str, kind: str, backticks: int) -> str:
    """Escape the text characters whose escaping does not depend on CommonMark's flanking
    rules, each by a pattern (no Python per character): a backslash before punctuation; a
    `<` that could open a tag; a `!` before a link; `{:`; `$$`; a `&` that would start a
    character reference (as `&amp;`); quotes and bars (kramdown makes smart quotes and tables
    of them); backticks, if two could pair; a `[` with a `]` after it, a `]` with a `[` before
    it; the first `#` of a heading's closing sequence."""
    for pattern, replacement in c.escape_rules:
        s = pattern.sub(replacement, s)
    ph = c.ph
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
        if hashes < len(s) and s[hashes] == ph["#"] and (hashes == 0 or _is_space(c.char(s[hashes - 1]))):
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


def _flanking(prev: str | None, nxt: str | None) -> bool:
    """True if a delimiter between `prev` and `nxt` can open or close emphasis."""
    left = not _is_space(nxt) and (not _is_punct(nxt or " ") or _is_space(prev) or _is_punct(prev or " "))
    right = not _is_space(prev) and (not _is_punct(prev or " ") or _is_space(nxt) or _is_punct(nxt or " "))
    return left or right


def _visible_neighbour(s: str, j: int, step: int, skip: frozenset[str]) -> str | None:
    while 0 <= j < len(s):
        ch = s[j]
        if ch != " " and ch not in skip:
            return ch
        j += step
    return None


def _liquid_inert(s: str) -> str:
    """Write the `{` of every `{{` and `{%` as `&#123;`: Liquid never sees a tag or an
    output there, and CommonMark and kramdown show `{` all the same."""
    return _LIQUID_BRACE.sub("&#123;", s)


def _grid_parts(grid: list[list[str]]) -> list[list[list[str]]]:
    """The rows of a table, as one table, or as several in a row where one would have to
    pad its short rows past `limits.SPAN_GROWTH` times its cells (a reader's renderer pads
    them to the width of the header: a wide row over many short ones would be quadratic)."""
    parts: list[list[list[str]]] = []
    width = cells = 0
    for row in grid:
        if not row:
            continue
        wider = max(width, len(row))
        if parts and limits.grid_fits(cells + len(row), wider * (len(parts[-1]) + 1)):
            parts[-1].append(row)
            width, cells = wider, cells + len(row)
        else:
            parts.append([row])
            width, cells = len(row), len(row)
    return parts


def _squeeze(lines: list[str]) -> str:
    """Join lines: no leading/trailing blank lines, never two blank lines in a row."""
    out: list[str] = []
    for line in lines:
        if not line.strip() or line.strip() == ">":
            if out and out[-1] != "" and not (line.strip() == ">" and out[-1].startswith(">")):
                out.append("")
            elif out and line.strip() == ">" and out[-1].startswith(">"):
                out.append(">")
            continue
        out.append(line.rstrip())
    while out and out[-1] in ("", ">"):
        out.pop()
    return "\n".join(out)
