"""CommonMark as a reader's renderer sees it: the only module that imports pyromark.

pyromark binds pulldown-cmark (Rust, CommonMark 0.31 plus GFM tables and strikethrough).
Used to find the HTML in a Markdown document (the way a CommonMark parser does), to render
Markdown that holds inline HTML, and to read back the text a Markdown document shows.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyromark

_OPTIONS = pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH
# Hazards are looked for as kramdown reads too: a footnote's text (`[^x]: [a](javascript:…)`)
# is Markdown there, where CommonMark without footnotes reads a link definition.
_WATCHING = _OPTIONS | pyromark.Options.ENABLE_FOOTNOTES
# The number pulldown-cmark writes at the start of a footnote's text (not the source's text).
_FOOTNOTE_LABEL = re.compile(r'<sup class="footnote-definition-label">[^<]*</sup>')

# Jekyll strips these before Markdown is rendered; a reader never sees them.
_LIQUID_RAW = re.compile(r"\{%-?\s*(?:end)?raw\s*-?%\}")
_NEWLINE = re.compile(r"\r\n?")


@dataclass(frozen=True, slots=True)
class Block:
    """A top-level block of a Markdown document that holds HTML.

    `start`/`end` are 0-based line numbers, end exclusive. `html` is True for a raw HTML
    block; False for Markdown (a paragraph, quote, list...) with inline HTML in it.
    """

    start: int
    end: int
    html: bool
    #: a link reference definition to a URL that is not allowed: to remove (see `hazards`)
    drop: bool = False
    #: holds a footnote definition (read as kramdown reads it: see `to_html`)
    footnote: bool = False


def _split(event: Any) -> tuple[str, Any]:
    """An event as (kind, value): `{"Text": "x"}` → ("Text", "x"); "SoftBreak" → ("SoftBreak", None)."""
    if isinstance(event, str):
        return event, None
    return next(iter(event.items()))  # type: ignore[no-any-return]


def html_blocks(markdown: str, *, hazards: bool = False) -> list[Block]:
    """The top-level blocks of `markdown` that contain raw HTML, in order.

    With `hazards`, also the blocks holding anything `hazards()` reports, and (as blocks
    to `drop`) the top-level link reference definitions to a URL that is not allowed.
    """
    if not _may_hold(markdown, hazards=hazards):
        return []
    markdown = _lf(markdown)  # same lines; pulldown-cmark misreads a lone CR after code
    scan = _Scan(markdown, _WATCHING if hazards else _OPTIONS, watch=hazards)
    blocks: list[Block] = []
    for top in scan.tops:
        if top.html or top.hazards:
            # a range may run on over blank lines and the next line's indent
            end = top.begin + len(scan.data[top.begin : top.end].rstrip(b" \t\n"))
            first, last = scan.line(top.begin) - 1, scan.line(max(top.begin, end - 1))
            blocks.append(Block(first, last, top.html_block, footnote=top.footnote))
    if scan.loose:
        blocks.extend(Block(d.line - 1, d.end_line, True, drop=True) for d in scan.loose)
        blocks.sort(key=lambda b: b.start)
    return blocks


def _may_hold(markdown: str, *, hazards: bool) -> bool:
    """False when `markdown` cannot hold what `html_blocks` looks for (a search costs far less
    than reading a document whose blocks are all inert): HTML starts with `<`, and a hazard
    needs what `_MAYBE_HAZARD` finds."""
    return bool(_MAYBE_HAZARD.search(markdown)) if hazards else "<" in markdown


@dataclass(frozen=True, slots=True)
class Hazard:
    """Something in Markdown that a renderer (CommonMark or kramdown) could make active."""

    what: str  # raw HTML | link to | image from | link definition to | kramdown markup
    text: str  # the tag, the destination, the markup
    line: int  # 1-based

    def __str__(self) -> str:
        excerpt = " ".join(self.text.split())
        excerpt = excerpt if len(excerpt) <= 60 else excerpt[:57] + "..."
        return f"{self.what} {excerpt!r}"


def hazards(markdown: str) -> list[Hazard]:
    """What in `markdown` could be active content once rendered (the first of each block):
    raw HTML (block, inline, in alt text), links, images, autolinks and link reference
    definitions to a URL outside the allow-list (see urls.py), and text or code that
    kramdown may read as HTML, a link or an extension (`{:`, `{::nomarkdown}`) where
    CommonMark reads text or code. Empty when inert."""
    if not _MAYBE_HAZARD.search(markdown):
        return []
    scan = _Scan(_lf(markdown), _WATCHING, watch=True)
    found = [h for top in scan.tops for h in top.hazards]
    found.extend(d.hazard for d in scan.loose)
    return sorted(found, key=lambda h: h.line)


@dataclass(slots=True)
class _Top:
    """A top-level block: its byte range, whether it holds HTML, and its hazards."""

    begin: int
    end: int
    html_block: bool
    html: bool = False
    paragraph: bool = False
    footnote: bool = False  # holds a footnote definition
    hazards: list[Hazard] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Definition:
    """A line CommonMark or kramdown may read as a link reference definition to a URL
    that is not allowed (lines 1-based, end inclusive)."""

    begin: int
    line: int
    end_line: int
    hazard: Hazard


# Text kramdown reads as markup where CommonMark reads text: an HTML tag, comment or
# declaration; an attribute list or extension (`{: onclick=...}`, `{::nomarkdown}`); a link
# whose destination CommonMark refused (`[t](java\tscript:...)`). Code is searched too:
# kramdown does not take every fence CommonMark takes (``` with a spaced info string).
_KRAMDOWN_ONLY = re.compile(rb"<[A-Za-z/!?]|\{:|\]\(")
# What every hazard needs in the source: `<` (HTML, autolinks), `](` (links and images),
# `]:` (definitions, and so reference links), `{:` (kramdown extensions).
_MAYBE_HAZARD = re.compile(r"<|\{:|\][(:]")
# `[label]: url`, maybe inside quotes, list items and kramdown definitions (`: `) (footnotes `[^x]:` too: without the
# footnote extension, CommonMark reads them as link definitions)
_DEFINITION = re.compile(rb"^[ \t>]*(?:(?:[-+*:]|[0-9]{1,9}[.)])[ \t]+)*\[((?:[^\\\[\]\n]|\\.){1,999})\]:(.*)$", re.M)


class _Scan:
    """One pass over a document's events: its top-level blocks and, when watching, the
    hazards in each, and the definitions to a URL that is not allowed outside them."""

    def __init__(self, markdown: str, options: pyromark.Options, *, watch: bool) -> None:
        self.data = markdown.encode("utf-8")
        self.starts = [0] + [m.end() for m in re.finditer(b"\n", self.data)]
        self.watch = watch
        self.tops: list[_Top] = []
        self.loose: list[_Definition] = []
        self._close = -1  # the next `)` (see _allowed_after)
        self._read(markdown, options)
        if watch and b"]:" in self.data:
            self._place_definitions()

    def line(self, offset: int) -> int:
        """The 1-based line of a byte offset."""
        return bisect_right(self.starts, offset)

    def _read(self, markdown: str, options: pyromark.Options) -> None:
        """Collect the top-level blocks; when watching, the first hazard of each (one says
        that a block is not inert; looking no further keeps hostile input linear)."""
        depth = code = 0  # code: depth of code blocks (checked whole, as their source)
        leaf_end = 0  # where the last text, code or HTML ended (a `\\` after it escapes)
        top = _Top(0, 0, False)  # (replaced at the first block)
        events: Iterable[tuple[Any, Any]] = pyromark.events_with_range(markdown, options=options)
        for event, span in events:
            if type(event) is str:  # SoftBreak, HardBreak, Rule
                continue
            kind, value = next(iter(event.items()))  # (what _split does, inlined: this loop is hot)
            look = self.watch and not top.hazards
            if kind == "Text":
                # (a mark starts with one of these: the source is searched only then)
                if look and not code and ("<" in value or "{" in value or "]" in value):
                    begin = span["start"]
                    self._text(top, begin, span["end"], escaped=begin > leaf_end and self.data[begin - 1] == 0x5C)
                leaf_end = span["end"]
            elif kind == "Start":
                if depth == 0:
                    top = _Top(
                        span["start"], span["end"], value == "HtmlBlock", value == "HtmlBlock", value == "Paragraph"
                    )
                    self.tops.append(top)
                    look = self.watch
                depth += 1
                if type(value) is dict and "FootnoteDefinition" in value:
                    top.footnote = True
                if value == "CodeBlock" or (type(value) is dict and "CodeBlock" in value):
                    code += 1
                    if look:  # kramdown may not agree it is code
                        self._text(top, span["start"], span["end"], escaped=False)
                elif look and type(value) is dict and ("Link" in value or "Image" in value):
                    self._destination(top, value, span["start"])
            elif kind == "End":
                depth -= 1
                if value == "CodeBlock":
                    code -= 1
            elif kind in {"InlineHtml", "Html"}:
                top.html = True
                if look:
                    top.hazards.append(Hazard("raw HTML", value, self.line(span["start"])))
                leaf_end = span["end"]
            elif kind == "Code":
                if look:
                    self._text(top, span["start"], span["end"], escaped=False)
                leaf_end = span["end"]

    def _text(self, top: _Top, begin: int, end: int, *, escaped: bool) -> None:
        """Text whose source kramdown may read as markup (its first character is not
        markup if it was escaped; a mark may end on the next event's first character)."""
        for m in _KRAMDOWN_ONLY.finditer(self.data, begin + escaped, min(end + 1, len(self.data))):
            at = m.start()
            if at >= end:
                break
            if m.group() == b"](" and self._allowed_after(m.end()):
                continue  # a link kramdown may read where CommonMark does not: to an allowed URL
            line_end = self.data.find(b"\n", at)
            text = self.data[at : min(at + 80, len(self.data) if line_end < 0 else line_end)]
            top.hazards.append(Hazard("kramdown markup", text.decode("utf-8", "replace"), self.line(begin)))
            return

    def _allowed_after(self, at: int) -> bool:
        """True if the destination kramdown reads from `at` (up to `)`) is allowed (one
        that runs on for more than 1,000 bytes without a scheme in them is not: so that
        a run of `](` costs linear time, the next `)` is looked for once for all)."""
        import html

        from . import urls

        if self._close < at:
            found = self.data.find(b")", at)
            self._close = len(self.data) if found < 0 else found
        window = self.data[at : min(self._close, at + 1000)].decode("utf-8", "replace").lstrip(" \t\n<")
        url = html.unescape(window)
        if self._close - at > 1000 and urls.scheme(url) is None:
            return False
        return urls.allowed(url)

    def _destination(self, top: _Top, value: dict[str, Any], where: int) -> None:
        from . import urls

        image = "Image" in value
        link = value["Image" if image else "Link"]
        url = link["dest_url"]
        if link["link_type"] == "Email":
            url = "mailto:" + url
        if not urls.allowed(url, image=image):
            top.hazards.append(Hazard("image from" if image else "link to", url, self.line(where)))

    def _place_definitions(self) -> None:
        """Definitions inside a block are its hazards; the others are `loose`."""
        begins = [top.begin for top in self.tops]
        for m in _DEFINITION.finditer(self.data):
            k = bisect_right(begins, m.start()) - 1
            top = self.tops[k] if k >= 0 and m.start() < self.tops[k].end else None
            # a line of a top-level paragraph is not a definition to CommonMark (kramdown may differ)
            definition = self._judge(m, commonmark=top is None or not top.paragraph)
            if definition is None:
                continue
            if top is None:
                self.loose.append(definition)
            else:
                top.hazards.append(definition.hazard)

    def _judge(self, m: re.Match[bytes], *, commonmark: bool) -> _Definition | None:
        """A line that looks like a definition, if its URL, as either reader takes it, is not
        allowed: CommonMark's (asked of pulldown-cmark), and unless the label is a footnote's
        (`[^x]:`, a footnote to kramdown) kramdown's, which runs to the end of the line."""
        import html

        from . import urls

        line = self.line(m.start())
        end_line = line
        text = self.data[m.start(1) - 1 : m.end()].decode("utf-8", "replace")
        rest = m.group(2).decode("utf-8", "replace").strip(" \t")
        if not rest and line < len(self.starts):  # the URL on the next line
            after = self.starts[line + 1] if line + 1 < len(self.starts) else len(self.data)
            following = self.data[self.starts[line] : after].decode("utf-8", "replace")
            text += "\n" + following
            rest = following.strip().lstrip("> \t")
            end_line = line + 1
        readings = []
        if commonmark:
            label = m.group(1).decode("utf-8", "replace")
            readings.append(_definition_url(text, label))
        if not m.group(1).startswith(b"^"):
            token = rest[1 : rest.find(">")] if rest.startswith("<") and ">" in rest else rest
            readings.append(html.unescape(token))
        bad = next((url for url in readings if url is not None and not urls.allowed(url)), None)
        return None if bad is None else _Definition(m.start(), line, end_line, Hazard("link definition to", bad, line))


def _definition_url(text: str, label: str) -> str | None:
    """The URL pulldown-cmark reads in a definition (None if `text` is not one)."""
    use = f"{text}\n\n[{label}]\n"
    at = len(use.encode("utf-8")) - len(label.encode("utf-8")) - 3
    for event, span in pyromark.events_with_range(use, options=_OPTIONS):
        kind, value = _split(event)
        if kind == "Start" and _is(value, "Link") and span["start"] == at:
            return str(value["Link"]["dest_url"])
    return None


def _is(value: Any, name: str) -> bool:
    """True if a Start/End event's value is the element `name` (`"Paragraph"`, `{"Link": ...}`)."""
    return value == name or (isinstance(value, dict) and name in value)


def _lf(markdown: str) -> str:
    return _NEWLINE.sub("\n", markdown) if "\r" in markdown else markdown


def to_html(markdown: str, *, footnotes: bool = False) -> str:
    """Render Markdown (with its raw HTML) to HTML; with `footnotes`, a footnote definition
    as kramdown reads it (its text, without the number a renderer puts before it)."""
    if footnotes:
        return _FOOTNOTE_LABEL.sub("", pyromark.html(markdown, options=_WATCHING))
    return pyromark.html(markdown, options=_OPTIONS)


@dataclass(frozen=True, slots=True)
class Reading:
    """What a reader sees of a Markdown document."""

    text: str
    raw_html: int


# what the end of a block adds to the text: blocks are separated by blank lines, cells by a space
_END_TEXT = {
    **dict.fromkeys(("Paragraph", "Heading", "Item", "CodeBlock", "BlockQuote", "Table", "HtmlBlock"), "\n\n"),
    "TableCell": " ",
    "TableRow": "\n",
    "TableHead": "\n",
}
_PARAGRAPH_BREAK = re.compile(r"(?<![ \t])[ \t]*+\n(?:[ \t]*+\n)+")  # (from the run's start: linear)
# Text no reader takes for markup: no ASCII punctuation (every Markdown mark has some), no
# control character (line ends, tabs, NUL), no byte order mark, no lone surrogate.
_PLAIN = re.compile(r"[^\x00-\x1f\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f\ufeff\ud800-\udfff]*")


def read(markdown: str, *, jekyll: bool = True) -> Reading:
    """The visible text of `markdown` (blocks separated by blank lines) and its raw HTML count.

    Image alt text is not visible text; with `jekyll`, `{% raw %}` tags are removed as
    Jekyll would (emclean never writes them: what it converted is read without).
    """
    if _PLAIN.fullmatch(markdown):  # one line of text and spaces only: a paragraph of itself
        return Reading(markdown.strip(), 0)
    if jekyll and "raw" in markdown:
        markdown = _LIQUID_RAW.sub("", markdown)
    parts: list[str] = []
    add = parts.append
    raw = image = 0  # image: depth of image descriptions (not visible text)
    # (one loop over the events, nothing called per event: emphasis checks read many short lines)
    events: Iterable[Any] = pyromark.events(_lf(markdown), options=_OPTIONS)
    for event in events:
        if type(event) is str:  # SoftBreak, HardBreak, Rule
            if not image and event in {"SoftBreak", "HardBreak"}:
                add(" ")
            continue
        kind, value = next(iter(event.items()))
        if kind in {"Text", "Code"}:
            if not image:
                add(value)
        elif kind == "End":
            if value == "Image":
                image -= 1
            elif not image:
                end = _END_TEXT.get(value if type(value) is str else next(iter(value)))
                if end is not None:
                    add(end)
        elif kind == "Start":
            if type(value) is dict and "Image" in value:
                image += 1
            elif not image and value == "HtmlBlock":
                raw += 1
        elif kind == "InlineHtml" and not image:
            raw += 1
    joined = "".join(parts)
    if "\n" not in joined:
        return Reading(joined.strip(), raw)
    return Reading("\n\n".join(p.strip() for p in _PARAGRAPH_BREAK.split(joined) if p.strip()), raw)
