"""What a reader sees of HTML and of Markdown, for render checks in tests.

Independent of emclean's own code paths: selectolax and markdown-it-py directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from selectolax.lexbor import LexborHTMLParser

MD = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")
WS = re.compile(r"[\s\u3000\u00a0]+")
CHART = re.compile(r"GetPic\.aspx|webquoteklinepic", re.I)
HIDDEN = re.compile(r"display\s*:\s*none", re.I)
LIQUID_RAW = re.compile(r"\{%-?\s*(?:end)?raw\s*-?%\}")


@dataclass(frozen=True)
class Seen:
    """Counts and text of a rendered document."""

    text: str  # visible text outside tables, whitespace removed
    strong: int
    images: int
    tables: int
    raw_html: int
    stars: int
    cells: frozenset[str] = frozenset()  # texts of table cells (a spanned value may repeat)


def seen_html(html: str) -> Seen:
    """A reader's view of rendered HTML (scripts, hidden elements and charts left out)."""
    tree = LexborHTMLParser(html)
    for node in tree.css("script, style, noscript, iframe"):
        node.decompose()
    for node in tree.css("[style]"):
        if HIDDEN.search(node.attributes.get("style") or ""):
            node.decompose()
    images = [i for i in tree.css("img") if not CHART.search(i.attributes.get("src") or "")]
    images = [i for i in images if not (i.attributes.get("src") or "").startswith("data:")]
    strong = sum(_runs(s) for s in tree.css("strong, b") if not _inside_strong(s))
    tables = tree.css("table")
    cells = frozenset(WS.sub("", c.text()) for t in tables for c in t.css("td, th")) - {""}
    for table in tables:
        table.decompose()
    body = tree.body
    text = body.text(separator="") if body is not None else ""
    text = LIQUID_RAW.sub("", text)  # Jekyll removes these before a reader sees the page
    return Seen(WS.sub("", text), strong, len(images), len(tables), 0, text.count("**"), cells)


def _inside_strong(node: object) -> bool:
    up = node.parent  # type: ignore[attr-defined]
    while up is not None:
        if up.tag in ("strong", "b"):
            return True
        up = up.parent
    return False


def _runs(node: object) -> int:
    """1 for a bold element with text in it (nested bold is one run: Markdown cannot nest it)."""
    return 1 if WS.sub("", node.text() or "") else 0  # type: ignore[attr-defined]


def seen_markdown(markdown: str) -> Seen:
    """A reader's view of Markdown rendered by markdown-it (CommonMark + GFM tables)."""
    raw = sum(
        1 for t in MD.parse(markdown) for c in [t, *(t.children or [])] if c.type in ("html_block", "html_inline")
    )
    seen = seen_html(MD.render(LIQUID_RAW.sub("", markdown)))
    return Seen(seen.text, seen.strong, seen.images, seen.tables, raw, seen.stars, seen.cells)
