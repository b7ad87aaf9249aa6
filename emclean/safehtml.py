"""HTML out: the cleaned DOM written as safe HTML, and what such HTML shows a reader.

HTML output is published (Jekyll sites, datasets), so the writer trusts nothing it did not
decide: it writes only the elements and attributes of its allow-list, escapes every text and
attribute value, and writes URLs as the cleaning rules left them (`<a href>` and `<img src>`
are the only URLs it writes: `clean.fix_links` and `clean.fix_images` decide them). Any other
element is unwrapped (its text stays, as in Markdown); scripts, styles, frames, forms and the
like were dropped by the rules, and are never written. Empty inline elements (the quote slots
an unwrapped link leaves) go. A whole page keeps its doctype, `<html lang>`, and its title
and `<meta>` (charset, name/content) in `<head>`; its body is cleaned like any HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from . import clean, dom
from .entities import ANNOTATION, Entity

# The rules for HTML out: every rule but those that only shape Markdown (HTML keeps its table
# spans and its inline elements).
RULES: tuple[clean.Rule, ...] = tuple(r for r in clean.RULES if r not in (clean.square_tables, clean.flatten))


def _digits(limit: int, least: int = 0) -> Callable[[str], str | None]:
    """A number attribute: digits only, clamped to `limit`, left out when `least` or less."""

    def check(value: str) -> str | None:
        value = value.strip()
        if not value.isascii() or not value.isdigit():
            return None
        number = min(int(value[:6]), limit)
        return str(number) if number > least else None

    return check


def _as_is(value: str) -> str | None:
    return value


def _language(value: str) -> str | None:
    return value if re.fullmatch(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8}){0,4}", value) else None


def _content_type(value: str) -> str | None:
    return value if value.strip().lower() == "content-type" else None


_Check = Callable[[str], str | None]
_NO_ATTRS: Mapping[str, _Check] = {}
_CELL = {"rowspan": _digits(65534, 1), "colspan": _digits(1000, 1)}
# The elements written as themselves in the body, and the attributes each keeps. URLs are the
# cleaning rules' business; the alt and title texts are escaped like all text.
_PLAIN = (
    "abbr address article aside b bdi blockquote br caption center cite code dd del details dfn div dl dt em "
    "fieldset figcaption figure footer h1 h2 h3 h4 h5 h6 header hgroup hr i ins kbd legend li main mark menu nav "
    "p pre q s samp search section small strong sub summary sup tbody tfoot thead time tr u ul var wbr"
)
BODY: Mapping[str, Mapping[str, _Check]] = {
    **dict.fromkeys(_PLAIN.split(), _NO_ATTRS),
    "a": {"href": _as_is, "title": _as_is, ANNOTATION[0]: lambda value: value if value == ANNOTATION[1] else None},
    "img": {"src": _as_is, "alt": _as_is, "title": _as_is, "width": _digits(99999), "height": _digits(99999)},
    "ol": {"start": _digits(999_999_999)},
    "table": _NO_ATTRS,
    "td": _CELL,
    "th": _CELL,
}
# What a whole page keeps in its head: its title, its charset and its named metadata.
HEAD: Mapping[str, Mapping[str, _Check]] = {
    "title": _NO_ATTRS,
    "meta": {"charset": _as_is, "name": _as_is, "property": _as_is, "content": _as_is, "http-equiv": _content_type},
}
# Never written, text and all: what a reader never sees (the rules drop those), and empty
# elements with nothing to show.
DROPPED = clean.INVISIBLE_TAGS | clean.FORM_TAGS | frozenset("base param source track area frame col colgroup".split())
_VOID = frozenset("br hr img wbr meta".split())
# Inline elements that go when they show nothing (their whitespace stays, as one space).
_INLINE = frozenset("a abbr b bdi cite code del dfn em i ins kbd mark q s samp small strong sub sup time u var".split())
# Paragraphs that go when they hold only white space (a line left where an ad was).
_BLANK_GOES = frozenset(("p",))
# Parts of a table: written only inside a written table (a parser moves them elsewhere).
_TABLE_PARTS = frozenset("caption tbody thead tfoot tr td th".split())
# Foreign content (MathML): only its text is written (inside it, `<a>`, `<tr>`... are not HTML).
_TEXT_ONLY = frozenset(("math",))
# Elements never written inside one of their kind (a parser would close the outer one)...
_NOT_NESTED = frozenset(("a",))
# ... or right inside one of their group (a parser closes the current heading).
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
# Elements whose first newline a parser drops.
_PRE = frozenset(("pre", "listing"))
# Elements that show something even without text.
_SHOWS = frozenset(("img", "hr"))
_HTML_SPACE = " \t\n\r\f"
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\u00a0": "&nbsp;"})
# What Markdown readers might still take in an HTML block's text: links and kramdown's `{:`.
_MARKDOWN = str.maketrans({"[": "&#91;", "]": "&#93;", "{": "&#123;"})
_ATTR = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\u00a0": "&nbsp;"}
    | {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)
# The `{` of `{{` and `{%`: Jekyll's Liquid would read them (written `&#123;`, it never does).
_LIQUID = re.compile(r"\{(?=[{%])")
# Blank lines (they would end an HTML block of a Markdown document).
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+")
# Tags that open an HTML block in CommonMark (type 6) and in kramdown alike.
_BLOCK_START = re.compile(
    r"<(address|article|aside|blockquote|center|dd|details|div|dl|dt|figcaption|figure|footer|h[1-6]|header|"
    r"li|main|nav|ol|p|section|summary|table|ul)[\s/>]"
)
_DOCTYPE = re.compile(r"\s*(<!doctype\s[^<>]*>)", re.I)


def text(value: str) -> str:
    """Text, escaped for HTML."""
    return value.translate(_TEXT)


def attribute(value: str) -> str:
    """An attribute value, escaped for a double-quoted HTML attribute."""
    return value.translate(_ATTR)


class _Open:
    """An element being written: where its start tag goes, and what it holds so far."""

    __slots__ = ("name", "parent", "shows", "slot", "space", "tag", "visible")

    def __init__(self, name: str, slot: int, tag: str | None, parent: str) -> None:
        self.name = name
        self.slot = slot  # index of its start tag in the output
        self.tag = tag  # its start tag; None: unwrapped (its content stays, its tags go)
        self.parent = parent  # the innermost written element around it (what a parser has open)
        self.shows = False  # holds text other than HTML whitespace, or an image
        self.visible = False  # holds text other than any white space (U+3000...), or an image
        self.space = False  # holds whitespace


def fragment(
    top: dom.Node, refs: Mapping[str, str] | None = None, *, liquid: bool = False, embedded: bool = False
) -> str:
    """The content of `top` (not `top` itself) as safe HTML, without leading or trailing space.

    `refs` maps footnote tokens (in text) to their labels, written `<sup>label</sup>`.
    `liquid`: no `{{`/`{%` is left for Liquid. `embedded`: the HTML goes into a Markdown
    document as one HTML block: one `<div>` around it all, no blank line in it, and no
    `[`, `]` or `{` left in its text (kramdown reads a line with text after a closing tag
    as Markdown, links and `{: attributes}` included; inside one element it reads nothing).
    """
    html = _settle(write(top, refs), lambda again: write(_body(again)))
    if embedded:
        html = _BLANK_LINES.sub("\n", write(_body(html), embedded=True))
        html = html if not html or _one_block(html) else f"<div>{html}</div>"
    return _LIQUID.sub("&#123;", html) if liquid else html


def _one_block(html: str) -> bool:
    """True if written `html` is one block element, start to end (every `<` in what the
    writer wrote begins a tag: its text and attributes are escaped)."""
    first = _BLOCK_START.match(html)
    if first is None:
        return False
    name = first.group(1)
    depth = 0
    for tag in re.finditer(rf"<(/?){name}[\s/>]", html):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return html.find(">", tag.start()) == len(html) - 1
    return False


def page(tree: dom.Tree, refs: Mapping[str, str] | None, source: str, *, liquid: bool = False) -> str:
    """A whole page: the source's doctype, `<html lang>`, the title and metadata of its head
    and its body's content (as `fragment` writes it)."""
    match = _DOCTYPE.match(source)
    doctype = match.group(1) if match else "<!DOCTYPE html>"
    lang = _language(dom.get(dom.document_element(tree), "lang") or "")
    head = dom.head(tree)
    inside = _BLANK_LINES.sub("\n", write(head, allowed=HEAD)) if head is not None else ""
    start = f'<html lang="{attribute(lang)}">' if lang else "<html>"

    def around(body: str) -> str:
        return f"{doctype}\n{start}\n<head>\n{inside}\n</head>\n<body>\n{body}\n</body>\n</html>"

    html = _settle(around(write(dom.root(tree), refs)), lambda again: around(write(_body(again))))
    return _LIQUID.sub("&#123;", html) if liquid else html


def _body(html: str) -> dom.Node:
    return dom.root(dom.parse(html))


def _settle(html: str, again: Callable[[str], str]) -> str:
    """`html` written again from what a parser reads of it, until that changes nothing: the
    next run (a second `fix`) reads it back as written. (A parser moves what a broken page
    nested oddly: a paragraph in a table, a heading in a heading; once is nearly always
    enough.)"""
    for _ in range(3):
        written = again(html)
        if written == html:
            break
        html = written
    return html


def write(
    top: dom.Node,
    refs: Mapping[str, str] | None = None,
    *,
    embedded: bool = False,
    allowed: Mapping[str, Mapping[str, _Check]] = BODY,
) -> str:
    """The content of `top` through the allow-list, as it is (see `fragment`)."""
    writer = _Writer(refs or {}, embedded, allowed)
    dropping = 0
    for kind, name, attrs in dom.events(top):
        if dropping:
            dropping += 1 if kind == dom.START else -1 if kind == dom.END else 0
        elif kind == dom.TEXT:
            writer.text(name)
        elif kind == dom.END:
            writer.end()
        elif writer.drops(name):
            dropping = 1
        else:
            writer.start(name, attrs or {})
    return "".join(writer.out).strip(_HTML_SPACE)


class _Writer:
    """The state of one `write`: the output so far and the elements open."""

    def __init__(self, refs: Mapping[str, str], embedded: bool, allowed: Mapping[str, Mapping[str, _Check]]) -> None:
        self.out: list[str] = []
        self.stack = [_Open("", -1, None, "")]
        self.refs = refs
        self.tokens = re.compile("|".join(map(re.escape, refs))) if refs else None
        self.embedded = embedded
        self.allowed = allowed
        self.written: dict[str, int] = {}  # elements written and open, by name
        self.foreign = 0  # foreign (text-only) elements open

    def drops(self, name: str) -> bool:
        """True for an element never written, text and all (in a head: all it does not allow,
        as its text would land in the body)."""
        return not self.foreign and name not in self.allowed and (name in DROPPED or self.allowed is HEAD)

    def start(self, name: str, attrs: dom.Attrs) -> None:
        here = self.stack[-1]
        written_parent = here.name if here.tag else here.parent
        if name in _VOID and not self.foreign:
            tag = _void(name, attrs, self.allowed)
            if tag:
                self.out.append(tag)
                if name in _SHOWS:
                    here.shows = here.visible = True
            self.stack.append(_Open(name, len(self.out), None, written_parent))  # (its end only pops it)
            return
        rules = self.allowed.get(name)
        if (
            self.foreign
            or name in _TEXT_ONLY
            or (name in _TABLE_PARTS and not self.written.get("table"))
            or (name in _NOT_NESTED and self.written.get(name))
            or (name in _HEADINGS and written_parent in _HEADINGS)
        ):
            rules = None
        self.foreign += name in _TEXT_ONLY
        if rules is not None:
            self.written[name] = self.written.get(name, 0) + 1
        start = None if rules is None else _start(name, attrs, rules)
        self.stack.append(_Open(name, len(self.out), start, written_parent))
        self.out.append("")

    def text(self, value: str) -> None:
        here = self.stack[-1]
        if self.allowed is HEAD and not here.tag and value.strip(_HTML_SPACE):
            return  # (text in a head lands in the body)
        if value.strip(_HTML_SPACE):
            here.shows = True
            here.visible = here.visible or not value.isspace()
        else:
            here.space = True
        escaped = value.translate(_TEXT)
        if self.tokens is not None:
            escaped = self.tokens.sub(lambda m: f"<sup>{text(self.refs[m.group()])}</sup>", escaped)
        if here.name in _PRE and here.tag and here.slot == len(self.out) - 1 and escaped.startswith("\n"):
            escaped = "\n" + escaped  # a parser drops the first newline of a <pre>: write one more
        if self.embedded:
            escaped = escaped.translate(_MARKDOWN)
            if "\n" in escaped and any(self.written.get(name) for name in _PRE):
                escaped = escaped.replace("\n", "&#10;")
        self.out.append(escaped)

    def end(self) -> None:
        out, element = self.out, self.stack.pop()
        parent = self.stack[-1]
        self.foreign -= element.name in _TEXT_ONLY
        parent.space = parent.space or element.space
        if element.tag is None:  # unwrapped
            parent.shows = parent.shows or element.shows
            parent.visible = parent.visible or element.visible
            return
        self.written[element.name] -= 1
        if (element.name in _INLINE and not element.shows) or (element.name in _BLANK_GOES and not element.visible):
            del out[element.slot :]
            if element.space and element.name in _INLINE:
                out.append(" ")
            return
        out[element.slot] = element.tag
        out.append(f"</{element.name}>")
        parent.shows = parent.shows or element.shows
        parent.visible = parent.visible or element.visible


def _void(name: str, attrs: dom.Attrs, allowed: Mapping[str, Mapping[str, _Check]]) -> str:
    """The tag of an element without content ("" when it is not written): an image needs
    its source; a `<meta http-equiv>` other than Content-Type (a refresh...) never goes out."""
    if name not in allowed:
        return ""
    if name == "img" and not (attrs.get("src") and _safe_url(attrs["src"] or "", image=True)):
        return ""
    if name == "meta" and "http-equiv" in attrs and _content_type(attrs["http-equiv"] or "") is None:
        return ""
    return _start(name, attrs, allowed[name])


def _start(name: str, attrs: dom.Attrs, rules: Mapping[str, _Check]) -> str:
    """A start tag with the attributes `rules` keep, each value checked and escaped."""
    kept = []
    for key, value in attrs.items():
        check = rules.get(key)
        if check is None or value is None:
            continue
        good = check(value)
        if key == "href" and good is not None and not _safe_url(good, image=False):
            good = None  # (the rules let no such link through; this writer does not either)
        if good is not None:
            kept.append(f' {key}="{attribute(good)}"')
    return f"<{name}{''.join(kept)}>"


def note(entity: Entity) -> str:
    """One item of the footnote list: the name of what the link pointed at, and its URL.

    The URL is text, not a link: a link to a quote page is an entity link, which the next
    run would take away again (and a second run must change nothing).
    """
    address = f" {text(entity.url)}" if entity.url else ""
    return f"<li>{text(entity.name)}{address}</li>"


def note_list(items: Iterable[str]) -> str:
    """The footnote list (items from `note`, in the order of their numbers)."""
    return "<ol>\n" + "\n".join(items) + "\n</ol>"


# Elements after which a reader sees a new line or paragraph.
_BREAKS = frozenset(
    "p div li dd dt h1 h2 h3 h4 h5 h6 blockquote pre table tr caption figcaption figure section article "
    "header footer aside main nav address center details summary ul ol dl hr".split()
)
_SPACES = re.compile(r"[ \t\n\r\f]+")


def shown(html: str) -> str:
    """The text a reader sees of HTML (of its body): blocks apart, whitespace collapsed."""
    tree = dom.parse(html)
    parts: list[str] = []
    for kind, name, _ in dom.events(dom.root(tree)):
        if kind == dom.TEXT:
            parts.append(name)
        elif name in ("td", "th") and kind == dom.END:
            parts.append(" ")
        elif name == "br" or (name in _BREAKS and kind == dom.END):
            parts.append("\n\n" if name != "br" else "\n")
    blocks = ("".join(parts)).split("\n\n")
    return "\n\n".join(b for b in (_SPACES.sub(" ", block).strip(_HTML_SPACE) for block in blocks) if b)


def unsafe(html: str) -> list[str]:
    """What in HTML this module would never write: other elements or attributes, URLs with
    a scheme other than http(s) and mailto (and `data:image/` for images). Empty if none."""
    tree = dom.parse(html)
    found: list[str] = []
    allowed = {**BODY, **HEAD}
    for kind, name, attrs in dom.events(dom.document_element(tree)):
        if kind != dom.START or name in ("head", "body"):
            continue
        rules = allowed.get(name)
        if rules is None:
            found.append(f"<{name}> element")
            continue
        for key, value in (attrs or {}).items():
            if key not in rules or rules[key](value or "") is None:
                found.append(f"{key} attribute on <{name}>")
            elif key in ("href", "src") and not _safe_url(value or "", image=name == "img"):
                found.append(f"{key}={value!r} on <{name}>")
    return found


def _safe_url(url: str, *, image: bool) -> bool:
    """True for a URL a reader can follow safely (the one rule: `urls.allowed`)."""
    from . import urls

    return urls.allowed(url, image=image)
