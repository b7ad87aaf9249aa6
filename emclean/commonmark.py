"""CommonMark as a reader's renderer sees it: the only module that imports pyromark.

pyromark binds pulldown-cmark (Rust, CommonMark 0.31 plus GFM tables and strikethrough).
Used to find the HTML in a Markdown document (the way a CommonMark parser does), to render
Markdown that holds inline HTML, and to read back the text a Markdown document shows.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyromark

_OPTIONS = pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH

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


def _split(event: Any) -> tuple[str, Any]:
    """An event as (kind, value): `{"Text": "x"}` → ("Text", "x"); "SoftBreak" → ("SoftBreak", None)."""
    if isinstance(event, str):
        return event, None
    return next(iter(event.items()))  # type: ignore[no-any-return]


def html_blocks(markdown: str) -> list[Block]:
    """The top-level blocks of `markdown` that contain raw HTML, in order."""
    markdown = _lf(markdown)  # same lines; pulldown-cmark misreads a lone CR after code
    data = markdown.encode("utf-8")
    starts = [0] + [m.end() for m in re.finditer(b"\n", data)]
    blocks: list[Block] = []
    depth = 0
    begin = end = 0
    has_html = is_html = False
    for event, span in pyromark.events_with_range(markdown, options=_OPTIONS):
        kind, value = _split(event)
        if kind == "Start":
            if depth == 0:
                begin, end = span["start"], span["end"]
                is_html = has_html = value == "HtmlBlock"
            depth += 1
        elif kind == "End":
            depth -= 1
            if depth == 0 and has_html:
                # a range may run on over blank lines and the next line's indent
                end = begin + len(data[begin:end].rstrip(b" \t\n"))
                first = bisect_right(starts, begin) - 1
                blocks.append(Block(first, bisect_right(starts, max(begin, end - 1)), is_html))
        elif kind in ("InlineHtml", "Html"):
            has_html = True
    return blocks


def _lf(markdown: str) -> str:
    return _NEWLINE.sub("\n", markdown) if "\r" in markdown else markdown


def to_html(markdown: str) -> str:
    """Render Markdown (with its raw HTML) to HTML."""
    return pyromark.html(markdown, options=_OPTIONS)


@dataclass(frozen=True, slots=True)
class Reading:
    """What a reader sees of a Markdown document."""

    text: str
    raw_html: int


_BLOCK_END = frozenset({"Paragraph", "Heading", "Item", "CodeBlock", "BlockQuote", "Table", "HtmlBlock"})
_PARAGRAPH_BREAK = re.compile(r"[ \t]*\n(?:[ \t]*\n)+")


def read(markdown: str, *, jekyll: bool = True) -> Reading:
    """The visible text of `markdown` (blocks separated by blank lines) and its raw HTML count.

    Image alt text is not visible text; with `jekyll`, `{% raw %}` tags are removed as
    Jekyll would (emclean never writes them: what it converted is read without).
    """
    markdown = _lf(_LIQUID_RAW.sub("", markdown) if jekyll else markdown)
    parts: list[str] = []
    raw = 0
    for kind, value in _events(markdown):
        if kind in {"Text", "Code"}:
            parts.append(value)
        elif kind in {"SoftBreak", "HardBreak"}:
            parts.append(" ")
        elif kind == "InlineHtml":
            raw += 1
        elif kind == "Start":
            if value == "HtmlBlock":
                raw += 1
        elif kind == "End":
            name = value if isinstance(value, str) else next(iter(value))
            if name in _BLOCK_END:
                parts.append("\n\n")
            elif name == "TableCell":
                parts.append(" ")
            elif name in ("TableRow", "TableHead"):
                parts.append("\n")
    text = "\n\n".join(p.strip() for p in _PARAGRAPH_BREAK.split("".join(parts)) if p.strip())
    return Reading(text, raw)


def _events(markdown: str) -> Iterator[tuple[str, Any]]:
    """The document's events, without image descriptions and raw HTML's own text."""
    image = 0
    for event in pyromark.events(markdown, options=_OPTIONS):
        kind, value = _split(event)
        if kind == "Start" and isinstance(value, dict) and "Image" in value:
            image += 1
        elif kind == "End" and value == "Image":
            image -= 1
        elif not image:
            yield kind, value
