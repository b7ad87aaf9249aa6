"""The rules: what is dropped, unwrapped or rewritten before rendering.

Each rule is a small function `(root, state) -> None` over the DOM; `RULES` runs them in
order. Whatever a rule deletes is recorded with its reason, so that `verify` can check
that the output shows all the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import dom, limits, urls
from .codec import Codec, Tokens
from .entities import ANNOTATION, Entity, annotation, describe, find, is_chart
from .options import Annotate, Options

# Elements whose content a reader never sees as article text.
INVISIBLE_TAGS = frozenset("script style iframe noscript template object embed canvas svg head title meta link".split())
FORM_TAGS = frozenset("input button select textarea".split())
_INVISIBLE_OR_HIDDEN = ", ".join(sorted(INVISIBLE_TAGS | FORM_TAGS)) + ", [style], [hidden]"
# `display:none` / `visibility:hidden` in a style attribute.
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# Eastmoney's ad slots and widgets, by class.
_AD_SELECTOR = ".em_handle_adv_close, .ad_context3, a.toplink, .acttg, [class*='adv_close']"
_AD_CLASSES = ("adv_close", "ad_context3", "toplink", "acttg")
# Ads Eastmoney injects as text (compared without whitespace).
ADS = (
    "在东方财富看资讯行情，选东方财富证券一站式开户交易>>",
    "在东方财富看资讯行情，选东方财富证券一站式开户交易",
    "全新妙想投研助理，立即体验",
)


def squeeze(text: str) -> str:
    """`text` without whitespace (ideographic and no-break spaces too) and zero-width marks:
    the characters that count, as ads are compared and as `verify` accounts for them."""
    return "".join(text.replace("\u200b", "").replace("\ufeff", "").split())  # zero-width: not "whitespace"


_AD_TEXT = frozenset(squeeze(ad) for ad in ADS)
# Links that are ads or tracking, not article links: their text stays, the link goes.
_AD_HREF = re.compile(r"acttg\.eastmoney\.com|ai\.eastmoney\.com", re.I)
_IMAGE_CHART = re.compile(r"GetPic\.aspx|webquoteklinepic", re.I)


@dataclass
class State:
    """What the rules learn about one document while they run."""

    options: Options
    codec: Codec
    tokens: Tokens
    base_url: str | None = None
    #: the text the HTML came from and the line it starts on, to number entity links
    source: str = ""
    first_line: int = 1
    #: fill in each entity's context and line (False when only counting them)
    details: bool = True
    removed: list[tuple[str, str]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    #: characters of text repeated by expanding table spans
    repeated: int = 0
    entities: list[Entity] = field(default_factory=list)
    footnotes: dict[str, Entity] = field(default_factory=dict)
    #: decides whether a link is doubtful (set when annotating; see suspicion.py)
    doubt: Callable[[list[Entity]], list[Entity]] | None = None

    def drop(self, node: dom.Node, reason: str) -> None:
        """Remove `node`, remembering the text it held."""
        self.removed.append((reason, dom.text(node)))
        dom.remove(node)


def drop_invisible(root: dom.Node, state: State) -> None:
    """Scripts, styles, frames, form controls and elements hidden by their style."""
    nodes = dom.select(root, _INVISIBLE_OR_HIDDEN)
    for node in reversed(nodes):  # innermost first: a dropped parent takes its children with it
        name = dom.tag(node)
        if name in FORM_TAGS:
            state.drop(node, "form")
        elif name in INVISIBLE_TAGS:
            state.drop(node, "script")
        elif dom.get(node, "hidden") is not None or _HIDDEN_STYLE.search(dom.get(node, "style") or ""):
            state.drop(node, "hidden")


def drop_charts(root: dom.Node, state: State) -> None:
    """Live K-line quote charts: widgets that show a price, not article images."""
    if state.options.keep_charts:
        return
    if "EM_StockImg_Start" in state.source:
        for comment in dom.comments(root):
            if "EM_StockImg_Start" in dom.comment_text(comment):
                for sibling in dom.following_siblings(comment):
                    if dom.is_comment(sibling) and "EM_StockImg_End" in dom.comment_text(sibling):
                        break
                    state.drop(sibling, "chart")
    if "EmImageRemark" in state.source:
        for node in reversed(dom.select(root, "a.EmImageRemark")):
            state.drop(node, "chart")
    for node in dom.select(root, "img[src]"):  # (cheaper than a case-blind search of the source)
        if _IMAGE_CHART.search(dom.get(node, "src") or ""):
            state.drop(node, "chart")


def drop_ads(root: dom.Node, state: State) -> None:
    """Eastmoney's known ads: the ad slots, and the injected promotion lines."""
    if any(name in state.source for name in _AD_CLASSES):
        for node in reversed(dom.select(root, _AD_SELECTOR)):
            state.drop(node, "ad")
    text = squeeze(dom.text(root))
    if not any(ad in text for ad in _AD_TEXT):
        return
    for node in reversed(dom.select(root, "p, a, span, div, strong, font")):
        if squeeze(dom.text(node)) in _AD_TEXT:
            state.drop(node, "ad")


def unwrap_entities(root: dom.Node, state: State) -> None:
    """Entity links → their text, annotated as the options ask."""
    found = find(root)
    if not found:
        return
    mode = state.options.annotate
    # the context is read by the doubt and by an inline note (is the code already there?)
    if state.details or state.doubt is not None or mode is Annotate.INLINE:
        state.entities = describe(root, found, state.source, state.first_line)
    else:  # nobody will read the context or line: skip the work
        state.entities = [entity for _, entity in found]
    if state.doubt is not None:
        state.entities = state.doubt(state.entities)
    ids = {node.mem_id for node, _ in found}
    steps = []
    for (node, _), entity in zip(found, state.entities, strict=True):
        # a link inside another entity link, or (for link annotations) inside a real link, stays text
        inner = _inside(node, ids, links=mode is Annotate.LINK)
        plain = inner or mode is Annotate.NONE or (entity.suspicious and not state.options.annotate_suspicious)
        note = None if plain or mode is Annotate.LINK else annotation(entity, mode.value)
        if note is not None and mode is Annotate.FOOTNOTE:
            state.footnotes.setdefault(note, entity)
        steps.append((node, entity, plain, note))
    # innermost first, so that replacing an outer link never leaves a dangling inner one
    for node, entity, plain, note in reversed(steps):
        if not plain and mode is Annotate.LINK and entity.url:
            dom.replace_with_element(node, "a", {"href": entity.url, ANNOTATION[0]: ANNOTATION[1]}, dom.text(node))
            continue
        if note is not None:
            if mode is Annotate.FOOTNOTE:
                dom.insert_text_after(node, state.tokens.add(state.codec, "raw", note))
            else:
                state.added.append(note)
                dom.insert_text_after(node, note)
        dom.unwrap(node)


def _inside(node: dom.Node, ids: set[int], *, links: bool) -> bool:
    """True if an ancestor of `node` (up to its paragraph) is in `ids`, or is a link."""
    for up in dom.ancestors(node):
        name = dom.tag(up)
        if name in dom.BLOCK_TAGS:
            return False
        if up.mem_id in ids or (links and name == "a"):
            return True
    return False


def fix_links(root: dom.Node, state: State) -> None:
    """Keep http(s)/mailto and relative links (see urls.py); other links (javascript:, ads,
    anchors of the page) become text."""
    for node in dom.select(root, "a"):
        href = urls.link(dom.get(node, "href") or "", state.base_url)
        if href and not _AD_HREF.search(href) and not is_chart(node):
            mark = {ANNOTATION[0]: ANNOTATION[1]} if dom.get(node, ANNOTATION[0]) == ANNOTATION[1] else {}
            dom.set_attrs(node, {"href": href, **mark})
        else:
            dom.unwrap(node)


def fix_images(root: dom.Node, state: State) -> None:
    """Images keep src and alt; the src as urls.py writes it (protocol-relative ones get
    https, relative ones the page's URL); script and SVG sources, and relative ones
    without a page URL, go with their image (inline `data:image/...` pictures stay)."""
    for node in dom.select(root, "img"):
        src = urls.image(dom.get(node, "src") or "", state.base_url)
        if src is None:
            state.drop(node, "image")
            continue
        values = {"src": src}
        alt = dom.get(node, "alt")
        if alt:
            values["alt"] = alt
        dom.set_attrs(node, values)


def drop_empty_items(root: dom.Node, state: State) -> None:
    """List items and quotes with nothing in them (html2text would glue what follows onto
    their marker: `- - x`, `> > x`)."""
    for item in reversed(dom.select(root, "li, blockquote")):
        if not dom.text(item).strip() and dom.first(item, "img") is None:
            state.drop(item, "empty")


def square_tables(root: dom.Node, state: State) -> None:
    """Tables → rectangular grids: a spanned cell is repeated into every position it covers
    (while the grid stays within `limits.SPAN_GROWTH`; see `_grid`); rows without cells go.

    What the copies cost (their HTML) comes out of one budget for the document,
    `limits.SPAN_GROWTH` times its size: spanned tables nested in spanned cells do not
    multiply. Once it is spent, the remaining tables are written with each cell once.
    """
    budget = limits.SPAN_GROWTH * len(state.source) + limits.SPAN_FLOOR
    for table in reversed(dom.select(root, "table")):  # innermost first
        rows = dom.table_rows(table)
        if not any(cells for _, cells in rows):
            state.drop(table, "empty table")
            continue
        grid = _grid([cells for _, cells in rows]) if budget > 0 and dom.has_spans(table) else None
        for (tr, cells), line in zip(rows, grid or [[]] * len(rows), strict=True):
            if not cells and not any(line):  # (a row with no cell of its own may hold spanned ones)
                state.drop(tr, "empty table")
        if grid is None:
            continue
        costs: dict[int, tuple[int, int]] = {}  # cell → (HTML size, characters of text)
        for (tr, cells), line in zip(rows, grid, strict=True):
            if not cells and not any(line):
                continue
            own = iter(cells)
            following = next(own, None)
            for cell in line:
                if cell is not None and following is not None and dom.same(cell, following):
                    following = next(own, None)  # the cell itself
                    continue
                if cell is not None:  # a copy of a cell spanning this position
                    cost = costs.get(cell.mem_id)
                    if cost is None:
                        cost = costs[cell.mem_id] = (dom.html_size(cell), len(squeeze(dom.text(cell))))
                    budget -= cost[0]
                    if budget < 0:
                        break
                    state.repeated += cost[1]
                dom.insert_copy(tr, cell, following)


def _grid(rows: list[list[dom.Node]]) -> list[list[dom.Node | None]] | None:
    """Where each cell goes once its spans are expanded: for each row, the cell at each
    column (None for a gap). None if no cell spans, or if the grid would have more than
    `limits.SPAN_GROWTH` times the cells (then each cell is written once)."""
    spans = [[dom.spans(cell) for cell in cells] for cells in rows]
    count = sum(len(cells) for cells in rows)
    area = 0
    for r, line in enumerate(spans):
        for rowspan, colspan in line:
            area += min(rowspan, len(rows) - r) * colspan
    if area == count or not limits.grid_fits(count, area):
        return None
    grid: list[list[dom.Node | None]] = [[] for _ in rows]
    for r, (cells, line) in enumerate(zip(rows, spans, strict=True)):
        col = 0
        for cell, (rowspan, colspan) in zip(cells, line, strict=True):
            while col < len(grid[r]) and grid[r][col] is not None:
                col += 1
            for dr in range(min(rowspan, len(rows) - r)):
                covered = grid[r + dr]
                if len(covered) < col + colspan:
                    covered.extend([None] * (col + colspan - len(covered)))
                for dc in range(colspan):
                    covered[col + dc] = cell
            col += colspan
    return grid


# Inline elements that mean nothing in Markdown: their text stays, the element goes.
_TRANSPARENT = ", ".join(
    "span font u small big abbr code kbd tt samp label time mark cite ins sub sup var dfn bdi bdo q nobr".split()
)


def flatten(root: dom.Node, state: State) -> None:
    """Unwrap elements Markdown cannot express and merge the text around them."""
    dom.flatten(root, _TRANSPARENT)


Rule = Callable[[dom.Node, State], None]
# The rules that delete what a reader does not see as article text.
REMOVALS: tuple[Rule, ...] = (drop_invisible, drop_charts, drop_ads)
RULES: tuple[Rule, ...] = (
    *REMOVALS,
    unwrap_entities,
    fix_links,
    fix_images,
    drop_empty_items,
    square_tables,
    flatten,
)


def apply(root: dom.Node, state: State, rules: tuple[Rule, ...] = RULES) -> None:
    """Run the rules, in order."""
    for rule in rules:
        rule(root, state)
