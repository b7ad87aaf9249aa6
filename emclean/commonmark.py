"""CommonMark as a reader's renderer sees it: the only module that imports markdown-it-py.

Used to find the HTML in a Markdown document (the way a CommonMark parser does) and to
read back the text a Markdown document shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

# Jekyll strips these before Markdown is rendered; a reader never sees them.
_LIQUID_RAW = re.compile(r"\{%-?\s*(?:end)?raw\s*-?%\}")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")


@dataclass(frozen=True, slots=True)
class Block:
    """A top-level block of a Markdown document that holds HTML.

    `start`/`end` are 0-based line numbers, end exclusive. `html` is True for a raw HTML
    block; False for Markdown (a paragraph, quote, list...) with inline HTML in it.
    """

    start: int
    end: int
    html: bool


def html_blocks(markdown: str) -> list[Block]:
    """The top-level blocks of `markdown` that contain raw HTML, in order."""
    tokens = _parser().parse(markdown)
    blocks: list[Block] = []
    top: tuple[int, int] | None = None
    has_html = False
    for token in tokens:
        if token.level == 0 and token.map is not None and token.nesting >= 0:
            if top is not None and has_html:
                blocks.append(Block(top[0], top[1], False))
            top, has_html = (token.map[0], token.map[1]), False
            if token.type == "html_block":
                blocks.append(Block(token.map[0], token.map[1], True))
                top = None
                continue
        if top is None:
            continue
        if token.type == "html_block":
            has_html = True
        elif token.children and any(c.type == "html_inline" for c in token.children):
            has_html = True
    if top is not None and has_html:
        blocks.append(Block(top[0], top[1], False))
    return blocks


def to_html(markdown: str) -> str:
    """Render Markdown (with its raw HTML) to HTML."""
    return _parser().render(markdown)


def has_html(markdown: str) -> bool:
    """True if a CommonMark parser finds raw HTML in `markdown`."""
    return bool(html_blocks(markdown))


@dataclass(frozen=True, slots=True)
class Reading:
    """What a reader sees of a Markdown document."""

    text: str
    raw_html: int


def read(markdown: str) -> Reading:
    """The visible text of `markdown` (blocks separated by blank lines) and its raw HTML count.

    Image alt text is not visible text; `{% raw %}` tags are removed as Jekyll would.
    """
    markdown = _LIQUID_RAW.sub("", markdown)
    parts: list[str] = []
    raw = 0
    for token in _parser().parse(markdown):
        if token.type == "html_block":
            raw += 1
        elif token.type in ("code_block", "fence"):
            parts.append(token.content)
        elif token.type == "inline":
            for child in token.children or []:
                kind = child.type
                if kind == "image":
                    continue
                if kind == "text" or kind == "code_inline":
                    parts.append(child.content)
                elif kind in ("softbreak", "hardbreak"):
                    parts.append(" ")
                elif kind == "html_inline":
                    raw += 1
        elif token.type in ("paragraph_close", "heading_close", "th_close", "td_close"):
            parts.append("\n\n" if token.type.endswith(("paragraph_close", "heading_close")) else " ")
        elif token.type == "tr_close":
            parts.append("\n")
    return Reading("".join(parts).strip(), raw)
