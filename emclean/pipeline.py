"""The pure core: a document's text in, its Markdown and entity records out. No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from . import clean, dom, limits, urls
from .codec import Tokens, codec_for
from .document import (
    ARTICLE_SELECTOR,
    Kind,
    Post,
    is_document,
    is_eastmoney,
    is_markdown,
    kind_of,
    lines_of,
    newline_of,
    split_post,
    strip_newline,
)
from .entities import Entity, describe, find
from .errors import InputError
from .options import Annotate, Options, Target

# passes of `--sanitize` over its own output, each converting what the last one uncovered
_SANITIZE_ROUNDS = 4
# `title: …` / `date: …` lines of front matter (the value stripped in Python: `(.*?)\s*$` is
# quadratic on a long run of spaces)
_FRONT_KEY = re.compile(r"^(title|date)[ \t]*:(.*)$", re.M)
# `<http://…>` alone on a line (found by its `<`: a search anchored at each line start is slow)
_AUTOLINK = re.compile(r"<(https?://[^<>\s]+)>[^\S\n]*$", re.M)  # (no "<" inside: linear on "<http://a" runs)
_SOURCE_LINE = re.compile(r"[（(]?\s*(?:文章)?来源[：:](.*)")  # (the rest stripped in Python: linear)
_CN_DATE = re.compile(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})(?:\D{1,3}(\d{1,2}):(\d{2})(?::(\d{2}))?)?")


@dataclass(frozen=True, slots=True)
class Part:
    """One piece of HTML that was converted, and the text its output must show."""

    markdown: str  # the output: Markdown, or HTML (see `form`)
    source_text: str  # all text of the HTML as parsed
    expected_text: str  # the text left after the rules ran (annotations included)
    removed: tuple[tuple[str, str], ...]  # (reason, text) of what the rules dropped
    added: tuple[str, ...]  # annotation text the rules inserted
    repeated: int  # characters repeated by expanding table spans
    notes: tuple[str, ...]  # footnote references inserted as Markdown
    #: "markdown"; "html" (an HTML document or fragment); "html-block" (HTML written as one
    #: HTML block of a Markdown document)
    form: str = "markdown"
    definitions: tuple[str, ...] = ()  # the footnote definitions written for them


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of converting one document."""

    markdown: str  # the output document: Markdown, or HTML when `to` is "html"
    kind: Kind  # see `document.kind_of`
    entities: tuple[Entity, ...] = ()
    parts: tuple[Part, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)
    source: str = ""
    #: the language of the output document: "markdown" or "html"
    to: str = "markdown"
    #: problems of the input that the output keeps (front matter Jekyll cannot read)
    warnings: tuple[str, ...] = ()
    #: converted with `Options.sanitize`: the whole output, not only the parts, must be inert
    sanitized: bool = False

    @property
    def output(self) -> str:
        """The output document, Markdown or HTML (`to` says which): `markdown` by its other name."""
        return self.markdown

    @property
    def changed(self) -> bool:
        """True if the Markdown differs from the input."""
        return self.markdown != self.source

    @property
    def removed(self) -> tuple[tuple[str, str], ...]:
        """Everything the rules dropped, as (reason, text)."""
        return tuple(r for part in self.parts for r in part.removed)


def convert(text: str, options: Options | None = None, *, details: bool = False, name: str | None = None) -> Result:
    """Convert one document (a Jekyll post, an article page, or an HTML fragment).

    `name` is the file's name (its suffix decides its language, see `document.kind_of`);
    None for stdin and text from elsewhere (HTML unless it starts with front matter).
    Posts keep every byte outside their HTML. Pages give their article body in Markdown;
    with `Options(to=Target.HTML)` HTML stays HTML, cleaned by the same rules, whole.
    `result.entities` name what each unwrapped link pointed at; with `details=True` they
    also carry their line, the text around them and whether they are doubtful, and a page's
    `meta` is read (this costs a tenth of the conversion; `list_entities` always gives them).
    Raises InputError for input that cannot be a document (binary, broken front matter).
    """
    options = options or Options()
    if "\x00" in text:
        raise InputError("binary data (NUL bytes), not a text document")
    kind = kind_of(text, name, options.input_kind)
    html = options.to is Target.HTML or (options.to is Target.AUTO and not is_markdown(kind))
    if is_markdown(kind):
        result = _convert_markdown(text, options, kind, details, html)
        return _sanitize_again(result, options, details, html) if options.sanitize and result.changed else result
    if kind == "html-post":
        return _convert_html_post(text, options, details, html)
    return _convert_page(text, options, kind, details, html)


def _sanitize_again(result: Result, options: Options, details: bool, html: bool) -> Result:
    """Sanitize the output again until nothing is left to do: removing a block can change
    how its neighbours read (an indented line after a list joins the list)."""
    for _ in range(_SANITIZE_ROUNDS):
        again = _convert_markdown(result.markdown, options, result.kind, details, html)
        if not again.changed:
            break
        entities, parts = result.entities + again.entities, result.parts + again.parts
        result = replace(again, entities=entities, parts=parts, meta=result.meta, source=result.source)
    return result


def _convert_page(text: str, options: Options, kind: Kind, details: bool, html: bool) -> Result:
    if not text.strip():
        return Result(text if html else "", kind, source=text, to="html" if html else "markdown")
    # a page given front matter is a Jekyll post: its Liquid is made inert unless told otherwise
    liquid = options.front_matter if options.liquid is None else options.liquid
    part, entities, meta, notes = _convert_html(
        text, options, liquid=liquid, page=kind == "page", first_line=1, details=details, form=_form(html)
    )
    front = ""
    if options.front_matter:
        url = urls.link(options.url) if options.url and "url" not in meta else None
        if url:  # (a fragment has no page to say it)
            meta = {**meta, "url": url}
        lines = "".join(f"{key}: {_yaml_string(meta[key])}\n" for key in meta)
        front = f"---\n{lines}---\n"
    if html:
        return Result(front + _in_place(text, part.markdown, notes), kind, tuple(entities), (part,), meta, text, "html")
    markdown = part.markdown
    if notes:
        markdown = _join_blocks(markdown, "\n".join(notes))
    if front:
        markdown = f"{front}\n{markdown}" if markdown else front[:-1]
    markdown = markdown + "\n" if markdown else ""
    return Result(markdown, kind, tuple(entities), (part,), meta, source=text, sanitized=options.sanitize)


def _convert_html_post(text: str, options: Options, details: bool, html: bool) -> Result:
    """A front matter and an HTML body: the body cleaned as HTML (or made Markdown)."""
    post = split_post(text)
    meta = _post_meta(post)
    warnings = _front_matter_warnings(post)
    to = "html" if html else "markdown"
    if html and not options.sanitize and not is_eastmoney(post.body):  # the site owner's own HTML
        return Result(text, "html-post", meta=meta, source=text, to=to, warnings=warnings)
    liquid = True if options.liquid is None else options.liquid
    part, entities, _, notes = _convert_html(
        post.body,
        options,
        liquid=liquid,
        page=False,
        first_line=len(lines_of(post.head)) + 1,
        where=post.body,
        details=details,
        form=_form(html),
    )
    if html:
        out = post.head + _in_place(post.body, part.markdown, notes)
    else:
        markdown = _join_blocks(part.markdown, "\n".join(notes)) if notes else part.markdown
        out = post.head + (markdown + "\n").replace("\n", newline_of(text)) if markdown else post.head
    meta.update({k: v for k, v in _post_meta_from_parts([part], post.body).items() if k not in meta})
    return Result(out, "html-post", tuple(entities), (part,), meta, text, to, warnings, sanitized=options.sanitize)


def _form(html: bool) -> str:
    return "html" if html else "markdown"


_HTML_SPACE = " \t\n\r\f"


def _in_place(source: str, written: str, notes: list[str]) -> str:
    """HTML written for `source`, put where it was: the source's leading and trailing
    whitespace and line endings kept, the footnote list at the end (of the body)."""
    if notes:
        from . import safehtml

        listing = safehtml.note_list(notes)
        end = written.rfind("</body>")
        written = written[:end] + listing + "\n" + written[end:] if end >= 0 else _join_blocks(written, listing)
    body = source.strip(_HTML_SPACE)
    lead = source[: len(source) - len(source.lstrip(_HTML_SPACE))]
    trail = source[len(lead) + len(body) :]
    newline = newline_of(source)
    return lead + (written.replace("\n", newline) if newline != "\n" else written) + trail


@dataclass(frozen=True, slots=True)
class _Piece:
    """One HTML block of a Markdown document, ready to convert."""

    start: int  # 0-based line of the block in the body
    end: int
    html: str  # the HTML to convert
    source: str  # the block as written (HTML, or Markdown with inline HTML)
    first_line: int  # 1-based line of the block in the whole file


def _pieces(post: Post, text: str, lines: list[str], *, sanitize: bool = False, merge: bool = False) -> list[_Piece]:
    """The HTML blocks of a post body, found as a CommonMark parser finds them (to sanitize:
    all of them, the blocks with anything else that is not inert, and link definitions to
    a URL that is not allowed, which convert to nothing).

    With `merge`, blocks with only blank lines between them are one piece, each block in a
    `<div>` of its own (as separate as they were, and as a browser reads them together):
    a post of many small blocks is converted in one pass, not one conversion per block.
    """
    if not sanitize and not is_eastmoney(text):
        return []
    from . import commonmark

    head_lines = len(lines_of(post.head))
    groups: list[list[tuple[int, int, str]]] = []  # runs of (start, end, HTML) to convert as one
    for block in commonmark.html_blocks(post.body, hazards=sanitize):
        source = "".join(lines[block.start : block.end])
        html = "" if block.drop else source if block.html else commonmark.to_html(source, footnotes=block.footnote)
        last = groups[-1][-1] if merge and groups else None
        if last is not None and last[2] and html and not "".join(lines[last[1] : block.start]).strip():
            groups[-1].append((block.start, block.end, html))
        else:
            groups.append([(block.start, block.end, html)])
    pieces = []
    for group in groups:
        (start, _, html), end = group[0], group[-1][1]
        if merge and html:
            html = "".join(f"<div>{part}</div>" for _, _, part in group)
        pieces.append(_Piece(start, end, html, "".join(lines[start:end]), head_lines + start + 1))
    return pieces


def _convert_markdown(text: str, options: Options, kind: Kind, details: bool, html: bool) -> Result:
    post = split_post(text) if kind == "post" else Post("", text)
    meta = _post_meta(post)
    warnings = _front_matter_warnings(post)
    lines = lines_of(post.body)
    pieces = _pieces(post, text, lines, sanitize=options.sanitize, merge=not html)
    if not pieces:
        return Result(text, kind, meta=meta, source=text, warnings=warnings, sanitized=options.sanitize)
    liquid = kind == "post" if options.liquid is None else options.liquid
    numbers: dict[str, int] = {}  # footnote numbers (HTML blocks), in order over the document
    newline = newline_of(text)
    out: list[str] = []
    parts: list[Part] = []
    entities: list[Entity] = []
    notes: dict[str, None] = {}  # footnote definitions, each once, in order (a dict: not quadratic)
    pos = 0
    for n, piece in enumerate(pieces):
        out.extend(lines[pos : piece.start])
        part, found, _, piece_notes = _convert_html(
            piece.html,
            options,
            liquid=liquid,
            page=False,
            first_line=piece.first_line,
            where=piece.source,
            details=details,
            form="html-block" if html else "markdown",
            numbers=numbers,
        )
        parts.append(part)
        entities.extend(found)
        notes.update(dict.fromkeys(piece_notes))
        markdown = part.markdown
        if n == len(pieces) - 1 and notes:
            markdown = _join_blocks(markdown, _note_block(list(notes)) if html else "\n".join(notes))
        _, ending = strip_newline(lines[piece.end - 1])
        pos = piece.end
        if not markdown:
            if out and not out[-1].strip() and pos < len(lines) and not lines[pos].strip():
                pos += 1  # do not leave two blank lines where the block was
            elif out and out[-1].strip() and pos < len(lines) and lines[pos].strip():
                out.append(newline)  # nor join the blocks around it into one
            continue
        if out and out[-1].strip():
            out.append(newline)
        out.append(markdown.replace("\n", newline) + ending)
        if pos < len(lines) and lines[pos].strip():
            out.append(ending or newline)
        elif not ending and pos < len(lines):
            out.append(newline)
    out.extend(lines[pos:])
    markdown = post.head + "".join(out)
    meta.update({k: v for k, v in _post_meta_from_parts(parts, post.body).items() if k not in meta})
    return Result(
        markdown, kind, tuple(entities), tuple(parts), meta, text, warnings=warnings, sanitized=options.sanitize
    )


def _note_block(notes: list[str]) -> str:
    from . import safehtml

    return safehtml.note_list(notes)


def _front_matter_warnings(post: Post) -> tuple[str, ...]:
    """The front matter's problem, if Jekyll cannot read it (checked only when there is one)."""
    if not post.head:
        return ()
    from .frontmatter import problem

    found = problem(post.head)
    return (f"front matter is not valid YAML ({found}): Jekyll will not read it",) if found else ()


def entities(
    text: str, options: Options | None = None, *, name: str | None = None, file: str | None = None
) -> tuple[Entity, ...]:
    """The entity links of one document (as `convert` would unwrap them), with their line and
    context, each flagged if doubtful: the one answer `emclean entities` gives too.

    `name` is the file's name, as for `convert`; the records name `file` (default: `name`, or
    "-" when there is none).
    """
    from .suspicion import flag

    file = file or name or "-"
    options = options or Options()
    if "\x00" in text:
        raise InputError("binary data (NUL bytes), not a text document")
    kind = kind_of(text, name, options.input_kind)
    if kind == "html-post":
        post = split_post(text)
        first = len(lines_of(post.head)) + 1
        return tuple(flag(_entities_of(post.body, page=False, first_line=first, where=post.body, file=file)))
    if is_markdown(kind):
        post = split_post(text) if kind == "post" else Post("", text)
        lines = lines_of(post.body)
        found: list[Entity] = []
        for piece in _pieces(post, text, lines):
            found.extend(
                _entities_of(piece.html, page=False, first_line=piece.first_line, where=piece.source, file=file)
            )
        return tuple(flag(found))
    return tuple(flag(_entities_of(text, page=kind == "page", first_line=1, where=text, file=file)))


def _entities_of(html: str, *, page: bool, first_line: int, where: str, file: str) -> list[Entity]:
    tree = dom.parse(html)
    root = dom.root(tree)
    article = (dom.first(tree, ARTICLE_SELECTOR) or root) if page else root
    clean.apply(article, clean.State(Options(), codec_for(html), Tokens()), clean.REMOVALS)
    found = find(article)
    return describe(article, found, where, first_line, file=file) if found else []


def _join_blocks(first: str, second: str) -> str:
    return f"{first}\n\n{second}" if first else second


def _convert_html(
    html: str,
    options: Options,
    *,
    liquid: bool,
    page: bool,
    first_line: int,
    where: str | None = None,
    details: bool = False,
    form: str = "markdown",
    numbers: dict[str, int] | None = None,
) -> tuple[Part, list[Entity], dict[str, str], list[str]]:
    """Convert one piece of HTML: the rules, then the Markdown renderer and finisher, or
    (`form` "html", "html-block") the safe HTML writer.

    Returns the part, its entity links, a page's meta and the footnote definitions (Markdown
    lines, or HTML list items numbered by `numbers`, shared over one document).
    `where` is the source text the HTML came from, to number the lines of entity links.
    A page gives its article to Markdown; HTML keeps the whole page.
    """
    codec = codec_for(html)
    tokens = Tokens()
    tree = dom.parse(html)
    root = dom.root(tree)
    meta: dict[str, str] = {}
    article = root
    if page:
        if details or options.front_matter:
            meta = _page_meta(tree, options)
        if form == "markdown":
            article = dom.first(tree, ARTICLE_SELECTOR) or root
    state = clean.State(
        options,
        codec,
        tokens,
        base_url=options.url,
        source=html if where is None else where,
        first_line=first_line,
        details=details,
    )
    if details or (options.annotate is not Annotate.NONE and not options.annotate_suspicious):
        from .suspicion import flag

        state.doubt = flag
    if form != "markdown":
        numbers = {} if numbers is None else numbers
        part, notes = _write_html(html, tree, state, liquid=liquid, form=form, numbers=numbers)
        return part, state.entities, meta, notes
    source_text = dom.text(article)
    clean.apply(article, state)
    if options.front_matter and meta.get("title"):
        _drop_title(article, meta["title"], state)
    expected = codec.token.sub("", dom.text(article))
    from . import render  # (not for entities: listing links renders nothing)
    from .markup import Finisher

    finisher = Finisher(codec, tokens, liquid=liquid)
    markdown = finisher.finish(render.render(dom.events(article), codec, tokens))
    limits.check_output(len(html), len(markdown))
    notes = [finisher.footnote(ref, entity) for ref, entity in state.footnotes.items()]
    part = Part(
        markdown,
        source_text,
        expected,
        tuple(state.removed),
        tuple(state.added),
        state.repeated,
        tuple(state.footnotes),
        definitions=tuple(notes),
    )
    return part, state.entities, meta, notes


def _write_html(
    html: str, tree: dom.Tree, state: clean.State, *, liquid: bool, form: str, numbers: dict[str, int]
) -> tuple[Part, list[str]]:
    """The rules for HTML, then the safe HTML writer: footnote references become numbered
    `<sup>`s (their numbers are text the reader sees, counted as added), a whole page stays
    a whole page."""
    from . import safehtml

    body = dom.root(tree)
    source_text = dom.text(body)
    clean.apply(body, state, safehtml.RULES)
    for ref in state.footnotes:
        numbers.setdefault(ref, len(numbers) + 1)
    codec, values = state.codec, state.tokens.values
    refs = {
        f"{codec.tok_open}{n}{codec.tok_close}": str(numbers[value])
        for n, (kind, value) in enumerate(values)
        if kind == "raw" and value in numbers
    }
    shown = dom.text(body)
    added = [*state.added, *(refs.get(m.group(), "") for m in codec.token.finditer(shown))]
    expected = codec.token.sub(lambda m: refs.get(m.group(), ""), shown)
    if form == "html" and is_document(html):
        written = safehtml.page(tree, refs, html, liquid=liquid)
    else:
        written = safehtml.fragment(body, refs, liquid=liquid, embedded=form == "html-block")
    notes = [safehtml.note(entity) for entity in state.footnotes.values()]
    part = Part(written, source_text, expected, tuple(state.removed), tuple(added), state.repeated, (), form)
    return part, notes


_TITLE_BLOCKS = "h1, h2, h3, h4, h5, h6, p, div, center, section, article, blockquote"


def _drop_title(article: dom.Node, title: str, state: clean.State) -> None:
    """Drop the article's first block when it only repeats the title that the front matter
    gives (their visible text compared without whitespace)."""
    wanted = clean.squeeze(title)
    if not clean.squeeze(dom.text(article)).startswith(wanted):
        return
    container: dom.Node | None = None  # the block that starts with the title, holding it
    for node in dom.select(article, _TITLE_BLOCKS):
        shown = clean.squeeze(dom.text(node))
        if not shown:
            continue
        if container is not None and not any(dom.same(up, container) for up in dom.ancestors(node)):
            return
        if shown == wanted:
            state.drop(node, "title")
            return
        if not shown.startswith(wanted):
            return
        container = node


def _post_meta(post: Post) -> dict[str, str]:
    meta: dict[str, str] = {}
    for key, raw in _FRONT_KEY.findall(post.head):
        value = _yaml_scalar(raw.strip())
        if value:
            meta[key] = value
    return meta


def _yaml_scalar(raw: str) -> str:
    """A one-line YAML scalar: double-quoted (JSON escapes), single-quoted, or plain."""
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        import json

        try:
            return str(json.loads(raw))
        except ValueError:
            return raw[1:-1]
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1].replace("''", "'")
    return raw


def _post_meta_from_parts(parts: list[Part], body: str) -> dict[str, str]:
    meta: dict[str, str] = {}
    for link in _AUTOLINK.finditer(body):
        if link.start() == 0 or body[link.start() - 1] == "\n":
            meta["url"] = link.group(1)
            break
    for part in parts:
        source = _source_of(part.expected_text.splitlines()[-1] if part.expected_text else "")
        if source:
            meta["source"] = source
    return meta


def _source_of(line: str) -> str | None:
    m = _SOURCE_LINE.match(line.strip().replace("\u3000", ""))
    if m is None:
        return None
    value = m.group(1).strip()
    if value.endswith(("）", ")")):
        value = value[:-1].rstrip()
    return value or None


# What YAML 1.1 (Jekyll's Psych, PyYAML) refuses in a document even in quotes: DEL, C1 controls,
# surrogates and U+FFFE/U+FFFF (JSON leaves them as they are; C0 controls it escapes already).
_NOT_YAML = re.compile("[\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def _yaml_string(value: str) -> str:
    """`value` as a double-quoted YAML string Jekyll reads back as it is (JSON's escapes are
    YAML's, for the characters YAML takes only escaped too)."""
    import json

    return _NOT_YAML.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))


def _page_meta(tree: dom.Tree, options: Options) -> dict[str, str]:
    """Title, date, source and URL of an article page, where the page says them."""
    meta: dict[str, str] = {}

    def first_text(css: str) -> str | None:
        for node in dom.select(tree, css):
            value = " ".join(dom.text(node).split())
            if value:
                return value
        return None

    def first_attr(css: str, name: str) -> str | None:
        node = dom.first(tree, css)
        value = dom.get(node, name) if node is not None else None
        return value.strip() if value and value.strip() else None

    title = (
        first_text(".newsContent h1, .title h1, #zwconttbt, .zwtitle, h1")
        or first_attr('meta[property="og:title"]', "content")
        or first_text("title")
    )
    if title:
        meta["title"] = re.split(r"_(?:[^_]*_)?东方财富网", title)[0].strip()
    when = first_attr('meta[name="publishdate"], meta[property="article:published_time"]', "content") or first_text(
        ".newsContent .time, .infos .item, .time, .zwfbtime, .publish-time"
    )
    if when:
        m = _CN_DATE.search(when)
        if m:
            y, mo, d, hh, mm, ss = m.groups()
            meta["date"] = f"{y}-{int(mo):02d}-{int(d):02d}" + (f" {int(hh):02d}:{mm}:{ss or '00'} +0800" if hh else "")
    source = first_attr(".source [data-source], [data-source]", "data-source")
    if not source:
        media = first_text(".em_media")
        source = _source_of(media) if media else None
    if source:
        meta["source"] = source
    url = options.url or first_attr('link[rel="canonical"]', "href") or first_attr('meta[property="og:url"]', "content")
    url = urls.link(url) if url else None
    if url:
        meta["url"] = url
    return meta
