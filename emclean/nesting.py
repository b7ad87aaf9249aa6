"""How deep the HTML parser will nest a document, read from its tags alone (no parse).

lexbor, like every HTML5 parser, is quadratic in the nesting depth (each start tag looks
through the open elements), and it re-opens the formatting elements a paragraph left open
(`<b>`, `<font>`...) in every later paragraph: a few kilobytes can make millions of
elements. `check` follows the tree builder's rules (HTML Standard, 13.2.6) closely enough
to bound both, in time linear in the input, before lexbor sees it. Where it simplifies,
it errs deeper: an element it cannot tell closed stays open.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from . import limits
from .errors import InputError

# Where markup may start: a start or end tag, a comment, a doctype, a processing instruction.
_MARKUP = re.compile(r"<(?:/?[A-Za-z]|[!?/])")
# The rest of a tag as the tokenizer reads it: `>` ends it except inside a quoted attribute
# value, and a quote opens a value only right after `=`. Atomic groups: linear time.
_WS = r"[\t\n\f\r ]"
_TAG = re.compile(
    rf"(/?)([A-Za-z][^\t\n\f\r />]*+)"
    rf"(?>(?:{_WS}|/(?!>))*+(?:[^\t\n\f\r />][^\t\n\f\r />=]*+"
    rf"(?:{_WS}*+={_WS}*+(?:\"[^\"]*+\"|'[^']*+'|[^\t\n\f\r >]*+))?(?:{_WS}|/(?!>))*+)*+)"
    r"(/?)>"
)
_COMMENT_END = re.compile(r"--!?>")
# In a script, `<!--` ... `-->` hides a `<script>`...`</script>` pair (the "escaped" states).
_SCRIPT_EVENT = re.compile(r"<!--|-->|<(/?)script[\t\n\f\r />]", re.I)
_RAW_END: dict[str, re.Pattern[str]] = {}

_VOID = frozenset(
    "area base br col embed hr img image input keygen link meta param source track wbr basefont bgsound".split()
)
_RAW = frozenset("script style xmp iframe noembed noframes textarea title".split())
_FORMATTING = frozenset("a b big code em font i nobr s small strike strong tt u".split())
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_CLOSES_P = (
    frozenset(
        "address article aside blockquote center details dialog dir div dl fieldset figcaption figure footer "
        "header hgroup main menu nav ol p search section summary ul pre listing form hr xmp plaintext".split()
    )
    | _HEADINGS
)
# Elements that end the search for an element "in scope".
_SCOPE = frozenset("applet caption html table td th marquee object template".split())
_SPECIAL = (
    frozenset(
        "address applet area article aside base basefont bgsound blockquote body br button caption center col "
        "colgroup dd details dir div dl dt embed fieldset figcaption figure footer form frame frameset head "
        "header hgroup hr html iframe img input keygen li link listing main marquee menu meta nav noembed "
        "noframes noscript object ol p param plaintext pre script search section select source style summary "
        "table tbody td template textarea tfoot th thead title tr track ul wbr xmp".split()
    )
    | _HEADINGS
    | _SCOPE
)
# special elements that end the search for an open <li>, <dd> or <dt> (besides those three)
_STOPS_ITEMS = _SPECIAL - {"address", "div", "p", "li", "dd", "dt"}
_MARKERS = frozenset("applet marquee object td th caption template".split())
_CELLS = frozenset("td th caption template".split())
_SECTIONS = ("tbody", "thead", "tfoot")
_TABLE_PARTS = frozenset("table tr td th tbody thead tfoot caption colgroup col".split())
_IGNORED = frozenset("html body head".split())
# what may come before a <frameset> that replaces the body
_HEAD = frozenset("html head meta link base title style script noscript template basefont bgsound".split())
_IMPLIED_END = frozenset("dd dt li optgroup option p rb rp rt rtc".split())
# start tags that do not re-open formatting elements (text and the other tags do)
_NO_REOPEN = (
    (_CLOSES_P - {"xmp"})
    | _TABLE_PARTS
    | _IGNORED
    | frozenset(
        "li dd dt template frameset rb rtc rp rt iframe noembed textarea param source track script style title "
        "base basefont bgsound link meta noframes".split()
    )
)

# SVG and MathML: which HTML tags break out of them, and where they hold HTML again
_HTML, _SVG, _MATHML = 0, 1, 2
_BREAKOUT = frozenset(
    "b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i img li listing menu "
    "meta nobr ol p pre ruby s small span strong strike sub sup table tt u ul var".split()
)
_INTEGRATION = {
    _SVG: frozenset("foreignobject desc title".split()),
    _MATHML: frozenset("mi mo mn ms mtext annotation-xml".split()),
}
_FONT_BREAKOUT = re.compile(r"[\t\n\f\r /](?:color|face|size)[\t\n\f\r ]*=", re.I)


class _Entry:
    """A formatting element in the parser's list of active formatting elements."""

    __slots__ = ("alive", "index", "key", "name", "open")

    def __init__(self, name: str, key: str) -> None:
        self.name, self.key = name, key
        self.alive = True  # still in the list
        self.open = True  # in the stack of open elements
        self.index = 0  # where in the stack, while open


class _Segment:
    """The active formatting elements after the last marker (a cell, a caption...)."""

    __slots__ = ("by_key", "by_name", "pending")

    def __init__(self) -> None:
        self.by_key: dict[str, list[_Entry]] = {}
        self.by_name: dict[str, list[_Entry]] = {}
        self.pending: list[_Entry] = []  # closed without their end tag: re-opened by the next text


class Model:
    """The parser's stack of open elements, indexed by name and by kind (O(1) per step)."""

    def __init__(self, max_depth: int, budget: int, work: int) -> None:
        self.max_depth, self.budget, self.work = max_depth, budget, work
        self.deepest = 2  # html and body
        self.reopened = 0  # formatting elements the parser re-opened (each a new element)
        self.stack: list[str] = []  # names; SVG/MathML ones as "~name"
        self.dead: list[bool] = []  # taken off the stack by the adoption agency (left in place)
        self.removed = 0  # how many are dead
        self.space: list[int] = []  # namespace of each
        self.entries: list[_Entry | None] = []
        self.lists: list[tuple[list[int], ...]] = []  # the index lists each element is in
        self.at: dict[str, list[int]] = {}  # name → where it is in the stack
        self.scope: list[int] = []
        self.special: list[int] = []
        self.stops: list[int] = []
        self.html: list[int] = []
        self.segments = [_Segment()]
        # a <frameset> replaces the body only before any text or content; then nothing else counts
        self.frameset_ok = True
        self.framesets_only = False
        self.framesets = 0  # open framesets (counted apart: either reading of them is deep enough)
        self._kinds: dict[str, tuple[list[int], ...]] = {}

    # -- the stack ---------------------------------------------------------------------

    def last(self, found: list[int] | None) -> int:
        """The last live index of an index list (-1 if none); dead ones are dropped."""
        if not found:
            return -1
        if self.removed:  # (with no dead element, no list holds one)
            dead = self.dead
            while found and dead[found[-1]]:
                found.pop()
        return found[-1] if found else -1

    def top(self, name: str) -> int:
        """Index of the topmost element called `name`, -1 if none is open."""
        return self.last(self.at.get(name))

    def current(self) -> str:
        return self.stack[-1] if self.stack else ""

    def foreign(self) -> int:
        """The namespace of the current node if SVG or MathML content goes on there."""
        space = self.space[-1] if self.space else _HTML
        return space if space and self.stack[-1][1:] not in _INTEGRATION[space] else _HTML

    def in_scope(self, name: str, *bounds: str) -> int:
        """Index of the topmost `name` if no scope boundary (or `bounds`) is above it, else -1."""
        i = self.top(name)
        if i < 0:
            return -1
        bound = self.last(self.scope)
        for other in bounds:
            bound = max(bound, self.top(other))
        return i if i > bound else -1

    def push(self, name: str, entry: _Entry | None = None, space: int = _HTML) -> None:
        key = "~" + name if space else name
        kind = f"{space}{name}"
        lists = self._kinds.get(kind)
        if lists is None:
            kinds = [self.at.setdefault(key, [])]
            if space:
                if name in _INTEGRATION[space]:
                    kinds += [self.scope, self.special, self.stops]
            else:
                kinds.append(self.html)
                for group, found in ((_SCOPE, self.scope), (_SPECIAL, self.special), (_STOPS_ITEMS, self.stops)):
                    if name in group:
                        kinds.append(found)
            lists = self._kinds[kind] = tuple(kinds)
        i = len(self.stack)
        for found in lists:
            found.append(i)
        self.stack.append(key)
        self.dead.append(False)
        self.space.append(space)
        self.lists.append(lists)
        self.entries.append(entry)
        if entry is not None:
            entry.index = i
        if name in _MARKERS and not space:
            self.segments.append(_Segment())
        self.push_depth()

    def push_depth(self) -> None:
        depth = len(self.stack) - self.removed + 2 + self.framesets  # (+ html and body)
        if depth > self.deepest:
            self.deepest = depth
            if depth > self.max_depth:
                raise InputError(f"HTML nested more than {self.max_depth} levels deep: not an article")

    def pop_to(self, i: int, clear: frozenset[str] = _CELLS) -> None:
        """Close the element at index `i` and every element above it.

        Closing a cell forgets the formatting elements opened in it; an object closed by
        something else than its end tag leaves them to be re-opened after it.
        """
        stack, lists, entries, dead = self.stack, self.lists, self.entries, self.dead
        closed: list[_Entry] = []
        while len(stack) > i or (stack and dead[-1]):  # (a dead element never stays on top)
            name = stack.pop()
            slot = len(stack)
            for found in lists.pop():
                if found and found[-1] == slot:
                    found.pop()
            entry = entries.pop()
            if dead.pop():
                self.removed -= 1
                self.space.pop()
                continue
            if self.space.pop():
                continue
            if name in _MARKERS:
                segment = self.segments.pop()
                if name not in clear:
                    closed.extend(reversed(segment.pending))
                else:
                    closed = []
            elif entry is not None and entry.alive:
                entry.open = False
                closed.append(entry)
        self.segments[-1].pending.extend(reversed(closed))  # in the order they were opened

    def pop_current(self) -> None:
        self.pop_to(len(self.stack) - 1)

    # -- formatting elements --------------------------------------------------------------

    def text(self) -> None:
        self.frameset_ok = False
        if not self.framesets_only:
            self.reopen()

    def reopen(self) -> None:
        """Text or an inline tag: the formatting elements closed implicitly open again."""
        segment = self.segments[-1]
        if not segment.pending:
            return
        pending, segment.pending = segment.pending, []
        for entry in pending:
            if entry.alive and not entry.open:
                entry.open = True
                self.reopened += 1
                self.push(entry.name, entry)
        self.check_budget()

    def check_budget(self) -> None:
        if self.reopened > self.budget:
            raise InputError(
                f"HTML leaves formatting elements open for the parser to copy more than {self.budget:,} times: "
                "not an article"
            )

    def formatting(self, name: str, key: str) -> None:
        """A formatting start tag (at most three alike stay in the list: "Noah's Ark")."""
        segment = self.segments[-1]
        alike = [e for e in segment.by_key.get(key, ()) if e.alive]
        if len(alike) >= 3:
            alike.pop(0).alive = False
        entry = _Entry(name, key)
        alike.append(entry)
        segment.by_key[key] = alike
        segment.by_name.setdefault(name, []).append(entry)
        self.push(name, entry)

    def end_formatting(self, name: str, *, remove: bool = False) -> bool:
        """The end tag of a formatting element (the "adoption agency"); False if none is active.

        With `remove` (a new <a> or <nobr>), the old one also leaves the list and the stack.
        """
        named = self.segments[-1].by_name.get(name)
        while named and not named[-1].alive:
            named.pop()
        if not named:
            return False
        entry = named[-1]
        f = entry.index
        if not entry.open:
            entry.alive = False
            return True
        if f < self.last(self.scope):
            return True  # not in scope: ignored
        # Each run moves the next special block inside it out, under a copy of it (kept here,
        # in its place) and of up to three formatting elements between (those stay, as
        # copies); the other elements between leave the stack. Eight runs at most.
        below = f
        for _ in range(8):
            after = bisect_right(self.special, below)
            if after == len(self.special):  # nothing special inside (the copy): close it
                entry.alive = False
                if below == f:
                    self.pop_to(f)
                else:  # (the copy is right inside the last block moved)
                    self.pop_to(below + 1)
                    self.kill(f)
                return True
            block = self.special[after]  # (special elements never die)
            self.work -= block - below
            if self.work < 0:
                raise InputError("HTML misnests formatting elements too often for the parser: not an article")
            visited = 0
            for k in range(block - 1, below, -1):
                if self.dead[k]:
                    continue
                visited += 1
                other = self.entries[k]
                if other is not None and other.alive and visited <= 3:
                    self.reopened += 1
                    continue
                if other is not None:
                    other.alive = False
                self.kill(k)
            self.reopened += 1
            self.check_budget()
            below = block
        if remove:
            entry.alive = False
            self.kill(f)
        return True

    def kill(self, i: int) -> None:
        """Take the element at `i` off the stack (it stays in place, dead, until popped)."""
        self.dead[i] = True
        self.removed += 1


def check(html: str) -> None:
    """Raise InputError if the parser would nest `html` deeper than `limits.MAX_DEPTH` or
    re-open more formatting elements than `limits.REOPEN_PER_TAG` per tag."""
    if limits.trivially_within(html) or _well_nested(html, limits.MAX_DEPTH - 2):  # (+ html and body)
        return
    tags = html.count("<")
    budget = limits.REOPEN_PER_TAG * tags + limits.REOPEN_FLOOR
    scan(html, limits.MAX_DEPTH, budget, limits.MISNESTING_PER_TAG * tags + limits.REOPEN_FLOOR)


# What `_well_nested` looks for: a tag with its attributes as far as they are plain (quoted
# values without "<" or ">"; then the character it stopped at), a comment, a declaration.
_OPENING = re.compile(
    r"<(?:(/?)([A-Za-z][^\t\n\f\r />]*+)"
    r"(?:[^>=<]++|=[\t\n\f\r ]*+(?:\"[^\"<>]*+\"|'[^'<>]*+'|(?![\"'])))*+(.?)"
    r"|(!--)|[!?]|/)",
    re.S,
)
# what a start tag closes when it is right above it (^ stands for an implied <tbody> or <tr>)
_ROW_PARTS = ("td", "th", "tr", "tbody", "thead", "tfoot", "^")
_SIBLINGS = {
    "p": ("p",),
    "li": ("li",),
    "dd": ("dd", "dt"),
    "dt": ("dd", "dt"),
    "option": ("option",),
    "td": ("td", "th"),
    "th": ("td", "th"),
    "tr": ("td", "th", "tr"),
    "tbody": _ROW_PARTS,
    "thead": _ROW_PARTS,
    "tfoot": _ROW_PARTS,
    **dict.fromkeys(_HEADINGS, tuple(_HEADINGS)),  # (a heading right in a heading ends it)
}
# where an element that is not part of a table would be moved out of it
_TABLE_BODY = frozenset("table tbody thead tfoot tr ^".split())
# what an end tag closes on the way to its element
_LEFT_OPEN = _IMPLIED_END | frozenset(_ROW_PARTS)
# what `_well_nested` needs to know of a tag name, as bits
_VOID_, _FORMAT_, _PARA_, _ITEM_, _TWICE_, _RAW_, _CLOSES_P_ = (1 << n for n in range(7))
_SIBLING_, _TABLE_, _IN_TABLE_, _SPECIAL_, _NOT_PLAIN_ = (1 << n for n in range(7, 12))
_PLAIN: dict[str, int] = {}
for _names, _bit in (
    (_VOID, _VOID_),
    (_FORMATTING, _FORMAT_),
    (("p",), _PARA_),
    (("li", "dd", "dt"), _ITEM_),
    (("a", "nobr", "button"), _TWICE_),  # a new one closes the open one, and what is in it
    (_RAW | {"xmp"}, _RAW_),
    (_CLOSES_P | {"hr"}, _CLOSES_P_),
    (_SIBLINGS, _SIBLING_),
    (("table",), _TABLE_),
    (_TABLE_PARTS - {"table"}, _IN_TABLE_),
    (_SPECIAL, _SPECIAL_),
    (("svg", "math", "select", "frameset", "template", "plaintext"), _NOT_PLAIN_),
):
    for _name in _names:
        _PLAIN[_name] = _PLAIN.get(_name, 0) | _bit
for _name in "span sup sub label ins del q cite abbr mark time var kbd samp dfn bdi bdo".split():
    _PLAIN.setdefault(_name, 0)  # (found without lowering their name)


def _well_nested(html: str, limit: int) -> bool:
    """True if `html` is plain enough to see that the parser nests it no deeper than `limit`
    (counting the implied <tbody><tr> of each table) and re-opens nothing: every end tag
    closes the element opened last (or one whose end tag may be left out, right above it),
    and no formatting element can be closed implicitly. False as soon as that is not sure.

    Most pages are like this, and this is several times faster than `scan`.
    """
    stack: list[str] = []
    push, pop, find, plain = stack.append, stack.pop, html.find, _PLAIN.get
    skip = 0
    # open <b>..., <p>, <li>/<dd>/<dt>, <a>/<nobr>/<button>, <table> (each counts its bit)
    formatting = paragraphs = items = twice = tables = 0
    for found in _OPENING.finditer(html):
        if skip:
            if found.start() < skip:
                continue  # inside a comment, a script or a tag
            skip = 0
        closing, name, stop, comment = found.groups()
        if name is None:
            start = found.start()
            if comment:
                end = _COMMENT_END.search(html, start + 2)
                if end is None:
                    return False
                skip = end.end()
            else:
                skip = find(">", start) + 1
                if not skip:
                    return False
            continue
        if stop != ">":
            if stop != "=":
                return False  # a "<" in a tag, or no end
            tag = _TAG.match(html, found.start() + 1)  # (a quoted value with "<" or ">")
            if tag is None:
                return False
            skip = tag.end()
            _check_attributes(tag.group())
        elif found.end() - found.start() > _LONG_TAG:
            _check_attributes(found.group())
        bits = plain(name)
        if bits is None:
            name = name.lower()
            bits = plain(name, 0)
        if closing:
            # (only the end tag of a special element closes <p>, <li>, <td>... on its way)
            while bits & _SPECIAL_ and stack and stack[-1] != name and stack[-1] in _LEFT_OPEN:
                left = plain(pop(), 0)
                paragraphs -= left & _PARA_
                items -= left & _ITEM_
            if not stack or stack[-1] != name:
                return False
            pop()
            if bits:
                formatting -= bits & _FORMAT_
                paragraphs -= bits & _PARA_
                items -= bits & _ITEM_
                twice -= bits & _TWICE_
                tables -= bits & _TABLE_
            continue
        if not bits:
            push(name)
            if len(stack) > limit:
                return False
            continue
        if bits & _NOT_PLAIN_ or (twice and bits & _TWICE_) or (not tables and bits & _IN_TABLE_):
            return False
        top = stack[-1] if stack else ""
        if top in _TABLE_BODY and not bits & (_IN_TABLE_ | _RAW_):
            return False  # moved out of the table ("foster parenting")
        if bits & _SIBLING_:  # <li> after <li>, <td> after <td>...: the first one ends
            closes = _SIBLINGS[name]
            while top in closes:
                left = plain(pop(), 0)
                paragraphs -= left & _PARA_
                items -= left & _ITEM_
                top = stack[-1] if stack else ""
            if items and bits & _ITEM_ and (top in ("address", "div", "p") or not plain(top, 0) & _SPECIAL_):
                return False  # an item further down may end, with what is above it
        if paragraphs and bits & (_CLOSES_P_ | _ITEM_):  # a block ends the paragraph it is in
            if top != "p":
                return False  # (and what is open in it)
            pop()
            paragraphs -= _PARA_
        if bits & _VOID_:
            continue
        push(name)
        formatting += bits & _FORMAT_
        paragraphs += bits & _PARA_
        items += bits & _ITEM_
        twice += bits & _TWICE_
        tables += bits & _TABLE_
        if bits & _TABLE_:
            push("^")
            push("^")
        if len(stack) > limit:
            return False
        if bits & _RAW_:
            skip = _raw_end(html, name, max(skip, found.end()))
            if skip < 0:
                return False
    return True


def scan(html: str, max_depth: int, budget: int, work: int) -> Model:
    """Follow the tree builder through `html`; InputError as soon as a cap is passed."""
    m = Model(max_depth, budget, work)
    pos, size = 0, len(html)
    search, match = _MARKUP.search, _TAG.match
    endless: set[str] = set()  # comments, scripts... that were found to have no end
    while pos < size:
        found = search(html, pos)
        if found is None:
            m.text()
            break
        start = found.start()
        if start > pos:
            m.text()
        second = html[start + 1]
        if second in "!?" or (second == "/" and not html[start + 2 : start + 3].isalpha()):
            if html.startswith("<!--", start):
                end = None if "--" in endless else _COMMENT_END.search(html, start + 2)
                if end is None:  # the rest is a comment: read on as markup (deeper, if anything)
                    endless.add("--")
                pos = end.end() if end is not None else start + 4
            else:
                pos = html.find(">", start) + 1 or size
            continue
        tag = match(html, start + 1)
        if tag is None:
            break  # a tag that never ends: the rest of the document is inside it
        pos = tag.end()
        if pos - start > _LONG_TAG:
            _check_attributes(tag.group())
        closing, name, selfclosing = tag.groups()
        name = name.lower()
        if closing:
            _end(m, name)
        elif _start(m, name, tag.group(), bool(selfclosing)) and name not in endless:
            text_end = _raw_end(html, name, pos)
            if text_end < 0:  # the rest is its text: read on as markup (deeper, if anything)
                endless.add(name)
            else:
                pos = text_end
    return m


# One attribute (the tag name counts as one too), as the tokenizer reads it.
_ATTRIBUTE = re.compile(rf"[^\t\n\f\r />][^\t\n\f\r />=]*+(?:{_WS}*+={_WS}*+(?:\"[^\"]*+\"|'[^']*+'|[^\t\n\f\r >]*+))?")
# A tag this short cannot hold more than MAX_ATTRIBUTES attributes (each takes two characters).
_LONG_TAG = 2 * limits.MAX_ATTRIBUTES


def _check_attributes(tag: str) -> None:
    """Raise InputError if a (long) tag has more than `limits.MAX_ATTRIBUTES` attributes."""
    for count, _ in enumerate(_ATTRIBUTE.finditer(tag)):
        if count > limits.MAX_ATTRIBUTES:  # (the first is the tag name)
            raise InputError(f"an element with more than {limits.MAX_ATTRIBUTES:,} attributes: not an article")


def _raw_end(html: str, name: str, pos: int) -> int:
    """Where the text of a script, style, textarea... that starts at `pos` ends (-1: never)."""
    if name == "plaintext":
        return -1
    if name == "script":
        escaped = double = False
        for event in _SCRIPT_EVENT.finditer(html, pos):
            text = event.group()
            if text == "<!--":
                escaped = escaped or not double
            elif text == "-->":
                escaped = double = False
            elif event.group(1):  # </script
                if not double:
                    return event.start()
                double = False
            elif escaped:  # <script
                double = True
        return -1
    end = _RAW_END.get(name)
    if end is None:
        end = _RAW_END[name] = re.compile(rf"</{name}[\t\n\f\r />]", re.I)
    found = end.search(html, pos)
    return found.start() if found is not None else -1


def _start(m: Model, name: str, tag: str, selfclosing: bool) -> bool:
    """Apply a start tag; True if the text after it is raw (a script, a style...)."""
    if m.framesets_only or name == "frameset":
        return _frameset(m, name)
    space = m.foreign()
    if space:
        if name not in _BREAKOUT and not (name == "font" and _FONT_BREAKOUT.search(tag)):
            if not selfclosing:
                m.push(name, space=space)
            return False
        while m.foreign():
            m.pop_current()
    if name not in _HEAD:
        m.frameset_ok = False
    if name in _IGNORED:
        return False
    # in a select the parser drops many tags: let them all nest
    loose = m.top("select") >= 0
    if loose:
        if name == "select" and m.in_scope("select") >= 0:
            m.pop_to(m.in_scope("select"))
            return False
    elif name in _TABLE_PARTS:
        _table_start(m, name)
        return False
    # what the start tag closes first
    elif name in _CLOSES_P:
        i = m.in_scope("p", "button")
        if i >= 0:
            m.pop_to(i)
        if name in _HEADINGS and m.current() in _HEADINGS:
            m.pop_current()
    elif name in ("li", "dd", "dt"):
        items, others = (("li",), ("dd", "dt")) if name == "li" else (("dd", "dt"), ("li",))
        stop = max([m.last(m.stops)] + [m.top(o) for o in others])
        found = max(m.top(i) for i in items)
        if found > stop:
            m.pop_to(found)
        i = m.in_scope("p", "button")
        if i >= 0:
            m.pop_to(i)
    elif name == "a":
        m.end_formatting(name, remove=True)
    elif name == "nobr":
        m.reopen()
        if m.in_scope("nobr") >= 0:
            m.end_formatting(name, remove=True)
    elif name == "button":
        i = m.in_scope("button")
        if i >= 0:
            m.pop_to(i)
    elif name in ("option", "optgroup"):
        if m.current() == "option":
            m.pop_current()
    elif name in ("rb", "rtc", "rp", "rt") and m.in_scope("ruby") >= 0:
        keep = "rtc" if name in ("rp", "rt") else ""
        while m.current() in _IMPLIED_END and m.current() != keep:
            m.pop_current()
    # then the formatting elements it re-opens, then the element itself
    if name not in _NO_REOPEN or loose:
        m.reopen()
    if name in _VOID:
        return False
    if name in _FORMATTING:
        m.formatting(name, tag)
        return False
    if name in ("svg", "math"):
        if not selfclosing:
            m.push(name, space=_SVG if name == "svg" else _MATHML)
        return False
    m.push(name)
    return name in _RAW or name in ("xmp", "plaintext")


def _frameset(m: Model, name: str) -> bool:
    """A frameset: it replaces the body if it comes before any content (then the parser drops
    all but framesets, and <noframes> is text); after content it may be dropped, or not."""
    if name == "frameset":
        if m.frameset_ok and not m.framesets_only and m.top("template") < 0:
            m.framesets_only = True
            m.pop_to(0)
        m.framesets += 1
        m.push_depth()
        return False
    return m.framesets_only and name == "noframes"


def _table_start(m: Model, name: str) -> None:
    t = m.top("table")
    if name == "table":
        if t >= 0 and max(m.top("td"), m.top("th"), m.top("caption")) < t:
            m.pop_to(t)  # a table right inside a table (not in a cell) ends it
        m.push("table")
        return
    if t < 0:
        return  # a table part outside a table is dropped
    if name in ("td", "th"):
        cell = max(m.top("td"), m.top("th"))
        if cell > t:
            m.pop_to(cell)
        if m.top("tr") < t:
            if max(m.top(s) for s in _SECTIONS) < t:
                m.push("tbody")
            m.push("tr")
        m.push(name)
    elif name == "tr":
        section = max(m.top(s) for s in _SECTIONS)
        m.pop_to(max(section, t) + 1)
        if section < t:
            m.push("tbody")
        m.push("tr")
    else:  # a row group, a caption or a column group: right in the table
        m.pop_to(t + 1)
        if name != "col":
            m.push(name)


def _end(m: Model, name: str) -> None:
    """Apply an end tag."""
    if m.space and m.space[-1]:  # (end tags follow the foreign rules at integration points too)
        if name in ("p", "br"):
            while m.foreign():
                m.pop_current()
        else:
            i = m.top("~" + name)
            if i > m.last(m.html):
                m.pop_to(i)
                return
    if name == "frameset":
        m.framesets = max(0, m.framesets - 1)
        return
    if m.framesets_only:
        return
    if m.top("select") >= 0:
        # only these end a select; the rest may have been dropped: keep all open
        i = m.in_scope(name) if name == "select" else -1
        if name in ("option", "optgroup") and m.current() == name:
            i = len(m.stack) - 1
        if i >= 0:
            m.pop_to(i)
        return
    if name in _FORMATTING and m.end_formatting(name):
        return
    if name == "br":
        m.reopen()
        return
    if name in _IGNORED or name == "form":
        return  # (the parser takes a form off the stack, but what it holds stays in it)
    if name in _HEADINGS:
        bound = m.last(m.scope)
        i = max(m.top(h) for h in _HEADINGS)
        i = i if i > bound else -1
    elif name in _TABLE_PARTS:
        i = m.top(name)
        if name != "table" and i < m.top("table"):
            i = -1
    elif name == "p":
        i = m.in_scope("p", "button")
    elif name == "li":
        i = m.in_scope("li", "ol", "ul")
    elif name in _SPECIAL:
        i = m.in_scope(name)
        if i >= 0 and name in _MARKERS:
            m.pop_to(i, _MARKERS)
            return
    else:  # any other end tag: ends the element unless a special one is open above it
        i = m.top(name)
        if m.last(m.special) > i:
            i = -1
    if i >= 0:
        m.pop_to(i)
