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


@lru_cache(maxsize=1)
def _block_parser() -> MarkdownIt:
    """Block structure only: inline content is parsed later, and only where it may hold HTML."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table").disable("inline")


# Something that could be an inline HTML tag or comment (not an autolink).
_MAYBE_TAG = re.compile(r"<(?:[A-Za-z][A-Za-z0-9-]*[\s/>]|/[A-Za-z]|!--|\?)")


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
    tokens = _block_parser().parse(markdown)
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
        if top is None or has_html:
            continue
        if token.type == "html_block":
            has_html = True
        elif token.type == "inline" and _MAYBE_TAG.search(token.content):
            inline = _parser().parseInline(token.content)
            has_html = any(c.type == "html_inline" for t in inline for c in t.children or [])
    if top is not None and has_html:
        blocks.append(Block(top[0], top[1], False))
    return blocks


def to_html(markdown: str) -> str:
    """Render Markdown (with its raw HTML) to HTML."""
    return str(_parser().render(markdown))


def has_html(markdown: str) -> bool:
    """True if a CommonMark parser finds raw HTML in `markdown`."""
    return bool(html_blocks(markdown))


@dataclass(frozen=True, slots=True)
class Reading:
    """What a reader sees of a Markdown document."""

    text: str
    raw_html: int


# A block whose text is exactly its source: no character or line start that could be markup.
_MARKUP_CHARS = re.compile(r"[\\`*_\[\]~|]|<[A-Za-z/!?]|&[#A-Za-z]")
_BLOCK_START = re.compile(r"^(?:[ \t]|[#>+=:<-]|\d{1,9}[.)]|$)")


# Separates blocks read in one parse (noncharacters: never in text worth reading).
_SEPARATOR = "\ufdd0\ufdd1\ufdd2"


def read(markdown: str) -> Reading:
    """The visible text of `markdown` (blocks separated by blank lines) and its raw HTML count.

    Image alt text is not visible text; `{% raw %}` tags are removed as Jekyll would.
    Blocks of one line with nothing that could be markup are their own text; all the
    others are read by markdown-it, in one parse.
    """
    markdown = _LIQUID_RAW.sub("", markdown).replace("\r\n", "\n").replace("\r", "\n")
    texts: list[str | None] = []
    risky: list[str] = []
    for block in re.split(r"\n[ \t]*\n", markdown):
        line = block.strip("\n")
        if not line:
            continue
        if "\n" not in line and not _MARKUP_CHARS.search(line) and not _BLOCK_START.match(line):
            texts.append(line.strip())
        else:
            texts.append(None)
            risky.append(line)
    raw = 0
    if risky:
        reading = _read_parsed(f"\n\n{_SEPARATOR}\n\n".join(risky))
        raw = reading.raw_html
        parsed = iter(reading.text.split(_SEPARATOR))
        texts = [t if t is not None else next(parsed, "").strip() for t in texts]
    return Reading("\n\n".join(t for t in texts if t), raw)


def _read_parsed(markdown: str) -> Reading:
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
                if kind in ("text", "code_inline"):
                    parts.append(child.content)
                elif kind in ("softbreak", "hardbreak"):
                    parts.append(" ")
                elif kind == "html_inline":
                    raw += 1
        elif token.type in ("paragraph_close", "heading_close"):
            parts.append("\n\n")
        elif token.type in ("th_close", "td_close"):
            parts.append(" ")
        elif token.type == "tr_close":
            parts.append("\n")
    return Reading("".join(parts).strip(), raw)
