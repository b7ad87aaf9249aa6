"""The DOM layer: the only module that imports selectolax.

Everything else sees opaque `Node` objects and the small helpers below, so that the
parser can be swapped without touching the rules.
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Iterable, Iterator
from typing import TypeAlias

from selectolax.lexbor import LexborHTMLParser, LexborNode

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
# Most cells a table may expand to; a hostile colspan must not eat the memory.
_MAX_SPAN = 1000


def parse(html: str) -> Tree:
    """Parse an HTML document or fragment.

    Raises InputError for HTML nested deeper than MAX_DEPTH (lexbor's tree builder is
    quadratic in depth, and no article nests like that; browsers flatten it too).
    """
    if html.count("<") > MAX_DEPTH:
        depth = nesting_depth(html)
        if depth > MAX_DEPTH:
            raise InputError(f"HTML nested {depth:,} levels deep (more than {MAX_DEPTH:,}): not an article")
    return LexborHTMLParser(html)


MAX_DEPTH = 10_000
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^>]*?(/?)>")
# Elements that never hold others, or that close themselves when the next one opens.
_FLAT = frozenset(
    "area base br col embed hr img input link meta param source track wbr p li td th tr option dt dd".split()
)


def nesting_depth(html: str) -> int:
    """An upper estimate of how deep the elements of `html` nest (from the tags alone)."""
    depth = deepest = 0
    for m in _TAG.finditer(html):
        closing, name, selfclosing = m.groups()
        if selfclosing or name.lower() in _FLAT:
            continue
        if closing:
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


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


def inner_html(node: Node) -> str:
    """The serialized children of `node`."""
    return node.inner_html or ""


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


def replace_with_html(node: Node, markup: str) -> Node | None:
    """Replace `node` by the first element parsed from `markup`; return the new node."""
    fragment = LexborHTMLParser(markup)
    body = fragment.body
    new = body.child if body is not None else None
    if new is None:
        node.decompose()
        return None
    parent, prev = node.parent, node.prev
    node.replace_with(new)  # lexbor inserts a copy of `new`
    if prev is not None:
        return prev.next
    return parent.child if parent is not None else None


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


def table_grid(table: Node) -> tuple[list[list[str]], bool]:
    """The cells of `table` as a rectangular grid of inner HTML, spans repeated.

    Returns the grid and whether its first row is a header row (all `<th>`, or in
    `<thead>`). Rows of nested tables are left inside their cells.
    """
    table_id = table.mem_id
    rows: list[list[tuple[str, int, int]]] = []
    header = False
    for tr in table.css("tr"):
        owner = next((a for a in ancestors(tr) if a.tag == "table"), None)
        if owner is None or owner.mem_id != table_id:
            continue
        cells: list[tuple[str, int, int]] = []
        all_th = True
        child = tr.child
        while child is not None:
            if child.tag in ("td", "th"):
                all_th = all_th and child.tag == "th"
                cells.append((inner_html(child), _span(child, "rowspan"), _span(child, "colspan")))
            child = child.next
        if not rows:
            in_head = tr.parent is not None and tr.parent.tag == "thead"
            header = bool(cells) and (all_th or in_head)
        rows.append(cells)
    grid: list[list[str | None]] = []
    for r, cells in enumerate(rows):
        while len(grid) <= r:
            grid.append([])
        col = 0
        for content, rowspan, colspan in cells:
            while col < len(grid[r]) and grid[r][col] is not None:
                col += 1
            for dr in range(min(rowspan, len(rows) - r)):
                while len(grid) <= r + dr:
                    grid.append([])
                line = grid[r + dr]
                for dc in range(colspan):
                    while len(line) <= col + dc:
                        line.append(None)
                    line[col + dc] = content
            col += colspan
    width = max((len(line) for line in grid), default=0)
    square = [[cell or "" for cell in line] + [""] * (width - len(line)) for line in grid if line]
    return square, header


def _span(cell: Node, name: str) -> int:
    """A rowspan/colspan value, clamped to 1..1000."""
    raw = (cell.attributes.get(name) or "1").strip()
    digits = "".join(ch for ch in raw[:6] if ch.isdigit())
    return max(1, min(int(digits) if digits else 1, _MAX_SPAN))


def document_element(tree: Tree) -> Node:
    """The `<html>` element (lexbor builds one for any input)."""
    top = tree.root
    assert top is not None, "lexbor always builds a root"
    return top


def head(tree: Tree) -> Node | None:
    """The `<head>` element, if any."""
    return tree.head
