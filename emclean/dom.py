"""The DOM layer: the only module that imports selectolax.

Everything else sees opaque `Node` objects and the small helpers below, so that the
parser can be swapped without touching the rules.
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Iterable, Iterator
from typing import TypeAlias

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from . import limits
from .errors import InputError

Node: TypeAlias = LexborNode
Tree: TypeAlias = LexborHTMLParser
Attrs: TypeAlias = dict[str, str | None]

# Elements that hold a paragraph of text (a link's context, a link's enclosing block).
BLOCK_TAGS = frozenset("p div li td th h1 h2 h3 h4 h5 h6 blockquote body section article center table".split())
# Event kinds of `events()`: (START, tag, attrs), (END, tag, None), (TEXT, text, None).
START, END, TEXT = 0, 1, 2
Event: TypeAlias = tuple[int, str, Attrs | None]

_TEXT_TAG = "-text"
_COMMENT_TAG = "-comment"


def parse(html: str) -> Tree:
    """Parse an HTML document or fragment, as a browser with scripts on reads it.

    Raises InputError for HTML the parser would nest deeper than `limits.MAX_DEPTH` or
    blow up by re-opening formatting elements (see nesting.py), or that lexbor refuses.
    """
    if _NOSCRIPT.search(html):
        html = without_noscript(html)
    if not limits.trivially_within(html):
        from . import nesting  # (loaded only for documents that need it: a faster start)

        nesting.check(html)
    try:
        return LexborHTMLParser(html)
    except SelectolaxError as e:  # (lexbor cannot allocate a node, for one)
        raise InputError(f"the HTML parser gave up: {e}") from None


# The start of what a scripting browser reads as raw text (or a comment) up to its end tag, and
# of `<noscript>`, whose content it never shows.
_RAW = re.compile(r"<!--|<(script|style|textarea|title|xmp|iframe|noembed|noframes|noscript)(?=[\s/>])", re.I)
_NOSCRIPT = re.compile(r"<noscript", re.I)


def without_noscript(html: str) -> str:
    """`html` without its `<noscript>` elements, read as a browser with scripts on reads them:
    raw text up to the first `</noscript>` (lexbor parses as a browser without scripts, where
    an unclosed `<p>` inside one swallows the rest of the page into it). Comments and raw-text
    elements (`<script>`, `<style>`, ...) are skipped whole. Linear."""
    out: list[str] = []
    pos = 0
    while (m := _RAW.search(html, pos)) is not None:
        name = (m.group(1) or "").lower()
        if not name:  # a comment: kept, up to its end
            end = html.find("-->", m.end())
            end = len(html) if end < 0 else end + 3
        else:
            close = re.compile(f"</{name}(?=[\\s/>])", re.I).search(html, m.end())
            end = len(html) if close is None else html.find(">", close.end()) + 1 or len(html)
        if name == "noscript":
            out.append(html[pos : m.start()])
            pos = end
        else:
            out.append(html[pos:end])
            pos = end
    out.append(html[pos:])
    return "".join(out)


def root(tree: Tree) -> Node:
    """The element that holds the content: `<body>`, or the root for odd documents."""
    body = tree.body
    if body is not None:
        return body
    top = tree.root
    assert top is not None, "lexbor always builds a root"
    return top


def select(node: Node | Tree, css: str) -> list[Node]:
    """All elements under `node` matching a CSS selector, in document order, each once.

    (lexbor returns an element once per selector of a list that it matches.)
    """
    if "," not in css:  # one selector: lexbor lists each element once
        return list(node.css(css))
    seen: set[int] = set()
    out = []
    for found in node.css(css):
        mem = found.mem_id
        if mem not in seen:
            seen.add(mem)
            out.append(found)
    return out


def first(node: Node | Tree, css: str) -> Node | None:
    """The first element under `node` matching a CSS selector."""
    return node.css_first(css)


def tag(node: Node) -> str:
    """The lower-case tag name (`-text`, `-comment` for those nodes)."""
    return node.tag or ""


def attrs(node: Node) -> Attrs:
    """The attributes of an element, as a fresh dict."""
    return dict(node.attributes)


def get(node: Node, name: str) -> str | None:
    """One attribute value, or None."""
    return node.attributes.get(name)


def set_attrs(node: Node, values: dict[str, str]) -> None:
    """Replace all attributes of `node` with `values`."""
    for name in list(node.attributes):
        del node.attrs[name]
    for name, value in values.items():
        node.attrs[name] = value


def text(node: Node) -> str:
    """All text under `node`, concatenated without separators."""
    if node.tag == _TEXT_TAG:
        return node.text_content or ""
    return node.text(deep=True, separator="", strip=False)


def parent(node: Node) -> Node | None:
    """The parent element, or None at the top."""
    return node.parent


def ancestors(node: Node) -> Iterator[Node]:
    """Parents of `node`, nearest first."""
    up = node.parent
    while up is not None:
        yield up
        up = up.parent


def remove(node: Node) -> None:
    """Delete `node` and everything under it."""
    node.decompose()


def unwrap(node: Node) -> None:
    """Replace `node` by its children (an empty element is simply removed).

    (selectolax's `unwrap` leaves an element without children in place.)
    """
    if node.child is None:
        node.decompose()
    else:
        node.unwrap()


def insert_text_after(node: Node, value: str) -> None:
    """Put a text node right after `node`."""
    node.insert_after(value)


def replace_with_element(node: Node, tag_name: str, attributes: dict[str, str], content: str) -> None:
    """Replace `node` by a new `<tag attributes>content</tag>` element (content is text)."""
    attr_text = "".join(f' {k}="{_html.escape(v, quote=True)}"' for k, v in attributes.items())
    fragment = LexborHTMLParser(f"<{tag_name}{attr_text}>{_html.escape(content, quote=False)}</{tag_name}>")
    new = fragment.css_first(tag_name)
    assert new is not None
    node.replace_with(new)


def flatten(node: Node, selector: str) -> None:
    """Unwrap every element under `node` matching `selector`, then merge adjacent text nodes."""
    found = node.css(selector)
    if found:
        for element in reversed(found):  # innermost first: outermost first is quadratic in lexbor
            unwrap(element)
        node.merge_text_nodes()


def comments(node: Node) -> list[Node]:
    """The comment nodes under `node`, in document order."""
    return [n for n in node.traverse(include_text=True) if n.tag == _COMMENT_TAG]


def comment_text(node: Node) -> str:
    """The text inside `<!-- ... -->`."""
    return node.comment_content or ""


def following_siblings(node: Node) -> Iterator[Node]:
    """Siblings after `node`, in order (safe to remove the yielded node)."""
    nxt = node.next
    while nxt is not None:
        after = nxt.next
        yield nxt
        nxt = after


def is_comment(node: Node) -> bool:
    """True for `<!-- -->` nodes."""
    return node.tag == _COMMENT_TAG


def same(a: Node, b: Node) -> bool:
    """True if both handles point at the same node."""
    return bool(a.mem_id == b.mem_id)


def events(top: Node) -> Iterator[Event]:
    """Walk the subtree under `top` (not `top` itself) as start/text/end events.

    Iterative, so a document nested 100,000 levels deep does not overflow the stack.
    Comments are skipped.
    """
    top_id = top.mem_id
    node = top.child
    while node is not None:
        name = node.tag
        if name == _TEXT_TAG:
            value = node.text_content
            if value:
                yield (TEXT, value, None)
        elif name != _COMMENT_TAG and name is not None:
            yield (START, name, node.attributes)
            child = node.child
            if child is not None:
                node = child
                continue
            yield (END, name, None)
        # climb until there is a next sibling
        while True:
            nxt = node.next
            if nxt is not None:
                node = nxt
                break
            up = node.parent
            if up is None or up.mem_id == top_id:
                return
            node = up
            yield (END, node.tag or "", None)


def text_with_offsets(block: Node, targets: Iterable[Node]) -> tuple[str, dict[int, int]]:
    """The text of `block` and, for each target element in it, where its text starts."""
    wanted = {t.mem_id for t in targets}
    found: dict[int, int] = {}
    parts: list[str] = []
    size = 0
    for node in block.traverse(include_text=True):
        if node.tag == _TEXT_TAG:
            value = node.text_content or ""
            parts.append(value)
            size += len(value)
        elif node.mem_id in wanted:
            found[node.mem_id] = size
    return "".join(parts), found


def table_rows(table: Node) -> list[tuple[Node, list[Node]]]:
    """The rows of `table` (not of tables nested in it), each with its cells, in order."""
    rows = []
    part = table.child
    while part is not None:
        group = [part] if part.tag == "tr" else _children(part, "tr") if part.tag in _ROW_GROUPS else []
        for tr in group:
            rows.append((tr, _children(tr, "td", "th")))
        part = part.next
    return rows


_ROW_GROUPS = ("thead", "tbody", "tfoot")


def _children(node: Node, *names: str) -> list[Node]:
    found = []
    child = node.child
    while child is not None:
        if child.tag in names:
            found.append(child)
        child = child.next
    return found


def spans(cell: Node) -> tuple[int, int]:
    """A cell's (rowspan, colspan), read as browsers read them, clamped to 1..`limits.MAX_SPAN`."""
    found = cell.attributes
    if not found:
        return 1, 1
    return _span(found.get("rowspan")), _span(found.get("colspan"))


def has_spans(table: Node) -> bool:
    """True if a cell in `table` (or in a table in it) has a rowspan or colspan."""
    return table.css_first("[rowspan], [colspan]") is not None


def html_size(node: Node) -> int:
    """How long `node` is as HTML (what copying it costs)."""
    return len(node.html or "")


def insert_copy(parent: Node, node: Node | None, before: Node | None) -> None:
    """Put a copy of `node` (an empty cell if None) into `parent`, before `before` or last."""
    value = node if node is not None else _empty_cell()
    if before is None:
        parent.insert_child(value)
    else:
        before.insert_before(value)


def _empty_cell() -> Node:
    cell = LexborHTMLParser("<table><tr><td></td></tr></table>").css_first("td")
    assert cell is not None
    return cell


def _span(raw: str | None) -> int:
    found = _NUMBER.match(raw) if raw else None
    return max(1, min(int(found.group(1)), limits.MAX_SPAN)) if found else 1


_NUMBER = re.compile(r"[\t\n\f\r ]*\+?([0-9]{1,7})")


def document_element(tree: Tree) -> Node:
    """The `<html>` element (lexbor builds one for any input)."""
    top = tree.root
    assert top is not None, "lexbor always builds a root"
    return top


def head(tree: Tree) -> Node | None:
    """The `<head>` element, if any."""
    return tree.head
