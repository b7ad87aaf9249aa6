"""Markdown text: the renderer's output, finished.

html2text decides the block structure; this module decides every line: `Finisher.finish`
resolves the markers (one paragraph per line, `<br>`, GFM tables, autolinks, whitespace
between CJK), has `emphasis` write emphasis that renders, and `escape` write each text
character as itself or escaped, for CommonMark/GFM *and* kramdown.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from . import limits, urls
from .chars import is_cjk
from .codec import Codec, Tokens
from .emphasis import Emphasis
from .escape import escape

if TYPE_CHECKING:
    from .entities import Entity

# Structure html2text puts at the start of a line: quote marks, list markers, headings.
_PREFIX = re.compile(r"(?P<quote>(?:>+ ?)?)(?P<indent> *)(?:(?P<item>(?:-|\d{1,9}\.) )|(?P<head>#{1,6} ))?")
# The quote marks html2text writes before each row of a table inside a quote.
_QUOTE_MARKS = re.compile(r"(?:> ?)+")
# The header separator html2text writes under the first table row.
_TABLE_RULE = re.compile(r"^\s*(?:---\|)*---\s*$")
# the `{` that starts a Liquid tag or output: `{{`, `{%` (`{{{` holds two)
_LIQUID_BRACE = re.compile(r"\{(?=[{%])")
_ABSOLUTE = re.compile(r"^(?:https?|ftp)://[^\s<>]+$", re.I)
# characters an autolink cannot hold as they are
_AUTOLINK_BAD = re.compile(r"[\s<>\\`{}|]")


class Finisher:
    """Turns the renderer's output into the final Markdown of one document."""

    def __init__(self, codec: Codec, tokens: Tokens, *, liquid: bool) -> None:
        self.c = codec
        self.tokens = tokens
        self.liquid = liquid
        self.emphasis = Emphasis(codec)
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
                # a table inside a quote: its lines are quoted too (the quote's own blank
                # lines are around it already)
                before = line[: line.index(self.c.cell)]
                quote = before if _QUOTE_MARKS.fullmatch(before) else ""
                blank = quote.rstrip()
                out.extend([] if quote else [""])
                out.extend(quote + row if row else blank for row in self._table(rows))
                out.extend([] if quote else [""])
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
        bold run stays one run); a break inside a link's text becomes what a line break in the
        source would (nothing between CJK, else a space).
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
                    current.append(c.seg)
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
            if len(part) == 1:
                # kramdown reads a header row with no row under it as text, not a table:
                # a table of one row is that row under an empty header
                lines.extend(("|" + "  |" * width, "|" + " --- |" * width))
            for n, row_cells in enumerate(part):
                lines.append("| " + " | ".join(row_cells + [""] * (width - len(row_cells))) + " |")
                if n == 0 and len(part) > 1:
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
                s = self._finish_inline(self.emphasis.resolve(s), kind)
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
            return escape(self.c, self.tokens, s, kind).replace(self.c.br, self.c.br + "\n")
        return escape(self.c, self.tokens, s, kind) if s else ""

    def _mixed_emphasis(self, s: str, kind: str) -> str:
        """Italic and bold in one line: `*` and `**` runs can pair up in ways CommonMark's
        "rule of 3" reads differently. Check the line with markdown-it; if its text is not
        the plain text, drop the italics, then all emphasis."""
        from . import commonmark

        def reading(line: str) -> str:  # as it will be written: hard breaks as "  \n"
            return commonmark.read(line.replace(self.c.br + "\n", "  \n")).text

        plain = self._finish_inline(self.c.marker.sub("", s), kind)
        wanted = None  # (read only when needed: a line that kept no emphasis reads as `plain`)
        for attempt in (s, s.replace(self.c.em_open, "").replace(self.c.em_close, "")):
            line = self._finish_inline(self.emphasis.resolve(attempt), kind)
            if line == plain:
                return line
            if wanted is None:
                wanted = reading(plain)
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
