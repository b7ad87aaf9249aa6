"""Eastmoney's auto-links: recognise every variant, decode its code, build the record.

convert, fix and entities all find links through `find`, so they agree on every link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from . import dom, urls

# Every element the auto-linker produces (a link, or a span standing for one).
LINK_SELECTOR = ", ".join(
    (
        "a.keytip",
        "a.infokey",
        ".em_stock_key_common",
        "span.zwstock",
        'a[href*="quote.eastmoney.com"]',
        'a[href*="data.eastmoney.com"]',
        'a[href*="fund.eastmoney.com"]',
        'a[href*="guba.eastmoney.com"]',
        'a[href*="so.eastmoney.com"]',
        'a[href*="wap.eastmoney.com"]',
        'a[href*="emrnweb"]',
        'a[href*="//quote."]',
    )
)
# Live K-line charts link to quotes too, but they are widgets, not entity links.
CHART_CLASS = "EmImageRemark"
# The mark of a link emclean wrote itself (`--annotate link` in HTML output): not Eastmoney's,
# so a second run leaves it as it is.
ANNOTATION = ("data-emclean", "annotation")

# `0.300832` in `stock_0.300832`, `bk_90.BK0474`, `Info.116.00700`, `/unify/r/106.BABA`
_SECID = re.compile(r"(?:^|[/_.])(\d{1,3})\.([A-Za-z0-9]{1,12})(?:$|[/.?#&])")
# the old quote pages: `quote.eastmoney.com/SZ300104.html`, `/sh600519.html`
_OLD_PAGE = re.compile(r"/(sz|sh|bj)(\d{6})\.html", re.I)
_HK_US_PAGE = re.compile(r"/(hk|us)/([A-Za-z0-9.]{1,12})\.html", re.I)
_FUND_PAGE = re.compile(r"fund\.eastmoney\.com/(\d{6})\.html", re.I)
# `stock_3001042`: six-digit code plus 1 (Shanghai) or 2 (Shenzhen)
_OLD_ID = re.compile(r"^stock_(\d{6})([12])$")

# Eastmoney market numbers → (suffix, market label)
_MARKETS = {
    "1": (".SH", "SH"),
    "116": (".HK", "HK"),
    "105": (".O", "US"),
    "106": (".N", "US"),
    "107": (".A", "US"),
}
_STOCK_MARKETS = frozenset({"0", "1", "116", "105", "106", "107"})
# guba's zwstock data-code "601818,1,1": the middle field is 1 Shanghai, 2 Shenzhen
_GUBA_MARKETS = {"1": "1", "2": "0"}

FIELDS = ("file", "line", "name", "kind", "code", "market", "secid", "url", "context", "suspicious", "reason")


@dataclass(frozen=True, slots=True)
class Entity:
    """One entity link as the auto-linker wrote it, decoded (where it stands: by `describe`)."""

    name: str
    kind: str
    code: str | None
    market: str | None
    secid: str | None
    url: str | None
    file: str = "-"
    line: int = 0
    before: str = ""  # up to 20 characters of text right before the link
    after: str = ""  # and right after it
    #: text of the links touching this one: (ending where it starts, starting where it ends)
    touching: tuple[str, str] = ("", "")
    #: flagged as doubtful (`suspicion.flag`): True or False once checked, None when not checked
    #: (`emclean.convert` without `details=True` does not check)
    suspicious: bool | None = None
    reason: str | None = None

    @property
    def context(self) -> str:
        """Up to 10 characters either side of the link, with the link text."""
        return self.before[-10:] + self.name + self.after[:10]

    def as_dict(self) -> dict[str, object]:
        """The record as printed by `emclean entities` (exactly these keys)."""
        return {field: getattr(self, field) for field in FIELDS}


def is_chart(node: dom.Node) -> bool:
    """True for the K-line chart widget's link."""
    return CHART_CLASS in (dom.get(node, "class") or "").split()


def find(root: dom.Node) -> list[tuple[dom.Node, Entity]]:
    """Every entity link under `root`, in document order, decoded."""
    found = []
    for node in dom.select(root, LINK_SELECTOR):
        if is_chart(node) or dom.get(node, ANNOTATION[0]) == ANNOTATION[1]:
            continue
        found.append((node, decode(node)))
    return found


def decode(node: dom.Node) -> Entity:
    """Work out what one link points at from its attributes and its wrapper's id."""
    attrs = dom.attrs(node)
    classes = (attrs.get("class") or "").split()
    href = (attrs.get("href") or "").strip()
    name = " ".join(dom.text(node).split())
    data_code = (attrs.get("data-code") or "").strip()

    if "zwstock" in classes:
        return _decode_guba(name, data_code, attrs.get("data-type"), href)
    if "infokey" in classes:
        return Entity(name, "glossary", None, None, None, _link(href))

    wrapper = dom.parent(node)
    wrapper_id = (dom.get(wrapper, "id") or "") if wrapper is not None and dom.tag(node) == "a" else ""
    market, code = _market_code(data_code, attrs.get("id") or "", wrapper_id, href)
    if market is None and code is None:
        fund = _FUND_PAGE.search(href)
        if fund:
            code = fund.group(1)
            return Entity(name, "fund", code, None, None, f"https://fund.eastmoney.com/{code}.html")
        if "data.eastmoney.com" in href or "fund.eastmoney.com" in href or wrapper_id.startswith("Info."):
            return Entity(name, "glossary", None, None, None, _link(href))
        return Entity(name, "other", None, None, None, _link(href))
    if market is None and code is not None:
        market = _guess_market(code)
    assert code is not None
    return _security(name, market, code)


def _decode_guba(name: str, data_code: str, data_type: str | None, href: str) -> Entity:
    """guba.eastmoney.com's `span.zwstock`: data-type 1 is a security, 2 a topic."""
    fields = [f.strip() for f in data_code.split(",")]
    if data_type == "2" or len(fields) < 2:
        return Entity(name, "other", None, None, None, _link(href))
    code, market = fields[0], _GUBA_MARKETS.get(fields[1])
    if market is None:
        return _security(name, f"guba{fields[1]}", code)
    return _security(name, market, code)


def _security(name: str, market: str | None, code: str) -> Entity:
    """A stock, board, fund or unknown-market record from Eastmoney's market number."""
    if market is None:
        return Entity(name, "other", code, None, None, None)
    secid = f"{market}.{code}"
    url = urls.link(f"https://quote.eastmoney.com/unify/r/{secid}")  # (secid is the page's text)
    if market == "90" or code.upper().startswith("BK"):
        return Entity(name, "board", code, "BK", secid if market == "90" else None, url)
    if market == "0":
        label = "BJ" if _is_beijing(code) else "SZ"
        return Entity(name, "stock", f"{code}.{label}", label, secid, url)
    if market in _MARKETS:
        suffix, label = _MARKETS[market]
        return Entity(name, "stock", code + suffix, label, secid, url)
    if market == "150":
        return Entity(name, "fund", secid, market, secid, url)
    if not market.isdigit():  # a market we cannot even number (guba's unknown fields)
        return Entity(name, "other", code, market, None, None)
    return Entity(name, "other", secid, market, secid, url)


def _market_code(data_code: str, own_id: str, wrapper_id: str, href: str) -> tuple[str | None, str | None]:
    """(market, code) from data-code, the ids, or the href, in that order of trust."""
    if data_code:
        head, _, tail = data_code.partition(",")
        if tail and head.strip().isdigit():
            return head.strip(), tail.split(",")[0].strip()
        plain = data_code.split("|", maxsplit=1)[0].strip()
        for source in (own_id, wrapper_id, href):
            m = _SECID.search(source)
            if m and m.group(2) == plain:
                return m.group(1), plain
        return None, plain
    old = _OLD_ID.match(wrapper_id) or _OLD_ID.match(own_id)
    page = _OLD_PAGE.search(href)
    if page:
        return ("1" if page.group(1).lower() == "sh" else "0"), page.group(2)
    if old:
        return ("1" if old.group(2) == "1" else "0"), old.group(1)
    for source in (own_id, wrapper_id, href):
        if source.startswith("Info.") and source.count(".") == 1:
            continue  # a glossary id such as Info.3327
        m = _SECID.search(source)
        if m:
            return m.group(1), m.group(2)
    hk_us = _HK_US_PAGE.search(href)
    if hk_us:
        return ("116" if hk_us.group(1).lower() == "hk" else "105"), hk_us.group(2)
    return None, None


def _guess_market(code: str) -> str | None:
    """Market of a bare six-digit A-share code: 6/9 Shanghai, 0/2/3/4/8 Shenzhen or Beijing."""
    if len(code) == 6 and code.isdigit():
        return "1" if code[0] in "69" else "0"
    return None


def _is_beijing(code: str) -> bool:
    return len(code) == 6 and (code[0] in "48" or code.startswith("92"))


def _link(href: str) -> str | None:
    """An href as a record's URL: https for http, by the rule of every URL emclean writes."""
    return urls.link(_https(href)) if href else None


def _https(url: str) -> str:
    if url.startswith("//"):
        return "https:" + url
    if url.startswith("http://"):
        return "https://" + url[7:]
    return url


# The code the article itself writes right after a name: `（300104.SZ）`, ` (002752)`,
# `（股票代码：002752）`, `(SZ002752，…`: brackets of either width, an optional label and market.
# (compiled by `re` on first use: only inline annotations need it, not every cold start)
_GIVEN_CODE = (
    r"\s*[（(]\s*(?:(?:股票|证券)?代码\s*[：:]\s*)?"  # bracket, label
    r"([A-Za-z0-9]+)(?:\.[A-Za-z]{1,2})?\s*[)）,，、;；]"  # code (maybe with a market), suffix, end
)
_MARKET_PREFIXES = ("", "SZ", "SH", "BJ", "HK")


def gives_code(entity: Entity) -> bool:
    """True if the text right after the link already gives its code (with or without suffix)."""
    given = re.match(_GIVEN_CODE, entity.after)
    if not (given and entity.code):
        return False
    bare = entity.code.split(".")[0].upper()
    return given.group(1).upper() in {prefix + bare for prefix in _MARKET_PREFIXES}


def annotation(entity: Entity, mode: str) -> str | None:
    """What inline/footnote annotation follows the link text (None for none).

    Inline, nothing when the article gives the code right after the name; a footnote is still
    added there, since it brings what the article does not give: the link to the quote.
    """
    if entity.code is None or entity.kind == "glossary":
        return None
    if mode == "inline":
        return None if gives_code(entity) else f"（{entity.code}）"
    if mode == "footnote":
        # kramdown footnote names are word characters and hyphens only: 600519.SH → 600519-SH;
        # ASCII letters and digits only, as `_` could pair with another as emphasis
        return "[^" + re.sub(r"[^A-Za-z0-9-]", "-", entity.code) + "]"
    return None


def describe(
    root: dom.Node,
    found: list[tuple[dom.Node, Entity]],
    source: str,
    first_line: int = 1,
    width: int = 20,
    file: str = "-",
) -> list[Entity]:
    """The records of the links found under `root` in `file`: context from their paragraph,
    and their 1-based line in `source` (searched in document order from `first_line`)."""
    blocks: dict[int, tuple[dom.Node, list[dom.Node]]] = {}
    for node, _ in found:
        block = _block_of(node, root)
        blocks.setdefault(block.mem_id, (block, []))[1].append(node)
    spans: dict[int, tuple[str, int, int, int]] = {}  # node → (block text, start, end, block id)
    for block_id, (block, nodes) in blocks.items():
        text, offsets = dom.text_with_offsets(block, nodes)
        for node in nodes:
            start = offsets.get(node.mem_id, 0)
            spans[node.mem_id] = (text, start, start + len(dom.text(node)), block_id)
    ends: dict[tuple[int, int], str] = {}
    starts: dict[tuple[int, int], str] = {}
    for node, entity in found:
        _, start, end, block_id = spans[node.mem_id]
        ends.setdefault((block_id, end), entity.name)
        starts.setdefault((block_id, start), entity.name)
    out = []
    lines = _Lines(source, first_line)
    for node, entity in found:
        text, start, end, block_id = spans[node.mem_id]
        out.append(
            replace(
                entity,
                file=file,
                line=lines.find(entity),
                before=_tidy(text[max(0, start - 3 * width) : start])[-width:],
                after=_tidy(text[end : end + 3 * width])[:width],
                touching=(ends.get((block_id, start), ""), starts.get((block_id, end), "")),
            )
        )
    return out


def _block_of(node: dom.Node, root: dom.Node) -> dom.Node:
    for up in dom.ancestors(node):
        if dom.tag(up) in dom.BLOCK_TAGS or dom.same(up, root):
            return up
    return root


def _tidy(text: str) -> str:
    return " ".join(text.replace("\u3000", " ").split())


class _Lines:
    """Finds the line of each link in the source text, moving forward as links come."""

    def __init__(self, source: str, first_line: int) -> None:
        self.source = source
        self.line = first_line
        self.cursor = 0  # where the previous link was found
        self.start = 0  # where to search for the next one
        # what searches that found nothing may cost in all (keys written with entities, a
        # name with a line break...): a few times the source, so that many such links stay
        # linear; past that, such a link gets the line of the one before
        self.budget = 4 * len(source) + 1_000_000

    def find(self, entity: Entity) -> int:
        # Links come in order and close together: look a little way ahead first, so that a
        # key that is not in the source never costs a scan of the whole rest of it.
        for limit in (self.start + 20_000, len(self.source)):
            for key in _keys(entity):
                if self.budget < 0:
                    return self.line
                pos = self.source.find(key, self.start, limit)
                if pos != -1:
                    self.line += self.source.count("\n", self.cursor, pos)
                    self.cursor, self.start = pos, pos + 1
                    return self.line
                self.budget -= min(limit, len(self.source)) - self.start
            if limit >= len(self.source):
                break
        return self.line


def _keys(entity: Entity) -> list[str]:
    keys = []
    if entity.secid:
        keys.append(entity.secid.replace(".", ","))
        keys.append(entity.secid)
    if entity.code:
        keys.append(entity.code.split(".")[0])
    if entity.url and "://" in entity.url:
        keys.append(entity.url.split("://", 1)[1])
    if entity.name:
        keys.append(entity.name)
    return keys
