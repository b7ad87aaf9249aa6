"""The renderer: the only module that imports html2text.

The cleaned DOM arrives as events; each event is fed straight to a fresh
`html2text.HTML2Text` (no HTML is serialized and re-tokenized). Article text is
protected by the codec first, so html2text only ever decides structure: paragraphs,
headings, lists, quotes, links, images and table rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import html2text

from . import limits
from .codec import Codec, Tokens
from .dom import START, TEXT, Event

# Tags html2text knows and that keep their meaning.
_KNOWN = frozenset("p div h1 h2 h3 h4 h5 h6 blockquote ul ol li table tr td th a img hr".split())
# Block elements html2text does not know: rendered as <div>.
_AS_DIV = frozenset(
    "center section article figure figcaption header footer main aside nav address details summary "
    "caption form fieldset legend dl dt dd hgroup pre body html".split()
)
_BLOCK = _KNOWN - {"a", "img"} | _AS_DIV | {"thead", "tbody", "tfoot"}
# Elements whose Markdown is one line: a block inside them becomes a line break marker.
_ONE_LINE = frozenset("li h1 h2 h3 h4 h5 h6 td th".split())
_LINE_BREAKING = _BLOCK - {"ul", "ol", "li", "a", "img"} - {"thead", "tbody", "tfoot"}
# Blocks whose Markdown repeats a marker on each line of what they hold.
_NESTING = frozenset("ul ol blockquote".split())
# An ordered list's first number, as Markdown can write it (CommonMark allows up to nine digits).
_START = re.compile(r"[0-9]{1,6}")
# Lists: in a table cell (one line of Markdown), each item is a line of the cell.
_LISTS = frozenset("ul ol li".split())


def _list_start(name: str, attrs: dict[str, str | None] | None) -> dict[str, str | None]:
    """An ordered list's `start` (a number CommonMark writes as a list marker), else nothing."""
    start = (attrs or {}).get("start") or ""
    if name == "ol" and _START.fullmatch(start):
        return {"start": start}
    return {}


def _new_converter() -> html2text.HTML2Text:
    """A fresh converter: html2text keeps state across documents."""
    h = html2text.HTML2Text(bodywidth=0)
    h.unicode_snob = True
    h.ul_item_mark = "-"
    h.emphasis_mark = "*"
    h.inline_links = True
    h.skip_internal_links = False  # decided by the cleaner
    h.use_automatic_links = False
    h.single_line_break = False
    return h


def render(events: Iterable[Event], codec: Codec, tokens: Tokens) -> str:
    """Events of the cleaned article → html2text output with placeholders and markers."""
    h = _new_converter()
    data = h.handle_data
    tag_event = h.handle_tag
    c = codec
    emphasis = {
        "strong": (c.strong_open, c.strong_close),
        "b": (c.strong_open, c.strong_close),
        "em": (c.em_open, c.em_close),
        "i": (c.em_open, c.em_close),
        "del": (c.del_open, c.del_close),
        "s": (c.del_open, c.del_close),
        "strike": (c.del_open, c.del_close),
    }
    links: list[bool] = []  # for each open <a>: was it passed on as a link?
    one_line = 0  # depth of elements rendered as one line
    tables = 0  # depth of tables
    cells = 0  # depth of table cells
    outer_one_line = 0  # one_line where the outermost table started
    pending: str | None = None  # whitespace-only text, kept until we know its neighbours
    marks = ""  # emphasis markers not passed on yet (html2text gets a run of them at once)
    after_block = True
    nesting = 0  # lists and quotes open

    for kind, name, attrs in events:
        if kind == TEXT:
            if not name.strip():
                if not after_block:
                    pending = name
                continue
            if pending is not None:
                data(marks + c.protect(pending), True)
                marks, pending = "", None
            data(marks + c.protect(name), True)
            marks, after_block = "", False
            continue

        start = kind == START
        if marks and name not in emphasis:
            data(marks, True)
            marks = ""
        if name in _BLOCK:
            pending = None
            after_block = True
            if name == "table":
                tables += 1 if start else -1
                if (start and tables == 1) or (not start and tables == 0):
                    h.p()
                if tables > 1 or (start and tables == 1 and one_line):
                    data(c.br, True)
                if start and tables == 1:  # a table in a list item or heading: rows are still rows
                    outer_one_line, one_line = one_line, 0
                elif not start and tables == 0:
                    one_line = outer_one_line
                continue
            if tables > 1 and name in ("tr", "td", "th", "thead", "tbody", "tfoot"):
                data(c.br, True)
                continue
            if name in ("td", "th"):
                if start:
                    tag_event(name, {}, True)
                    data(c.cell, True)
                    one_line += 1
                    cells += 1
                else:
                    one_line -= 1
                    cells -= 1
                    tag_event(name, {}, False)
                continue
            if cells and name in _LISTS:
                data(c.br, True)
                continue
            if one_line and name in _LINE_BREAKING:
                data(c.br, True)
                if name in _ONE_LINE:
                    one_line += 1 if start else -1
                continue
            if name in _ONE_LINE:
                one_line += 1 if start else -1
            if name in _NESTING:  # past the cap, lists and quotes are written at the cap's level
                nesting -= not start
                kept = nesting < limits.MAX_OUTPUT_NESTING
                nesting += start
                if not kept:
                    if name == "blockquote":
                        tag_event("div", {}, start)
                    continue
            # (a list in a list or quote follows its text with no blank line: a number other
            # than 1 could not start it there, CommonMark would read a paragraph's next line)
            top = start and nesting == 1 and not one_line
            tag_event("div" if name in _AS_DIV else name, _list_start(name, attrs) if top else {}, start)
            continue

        if pending is not None:
            data(marks + c.protect(pending), True)
            marks, pending = "", None
        after_block = False
        if name in emphasis:
            pair = emphasis[name]
            marks += pair[0] if start else pair[1]
        elif name == "br":
            if start:
                data(c.br, True)
        elif name == "a":
            if start:
                href = (attrs or {}).get("href")
                links.append(bool(href))
                if href:
                    tag_event("a", {"href": tokens.add(c, "url", href)}, True)
            elif links and links.pop():
                tag_event("a", {}, False)
        elif name == "img" and start and (attrs or {}).get("src"):
            assert attrs is not None
            image = {"src": tokens.add(c, "url", attrs["src"] or "")}
            alt = " ".join((attrs.get("alt") or "").split())
            if alt:
                image["alt"] = tokens.add(c, "alt", alt)
            tag_event("img", dict(image), True)
    if marks:
        data(marks, True)
    return h.finish()
