"""The pure core: a document's text in, its Markdown and entity records out. No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import clean, dom
from .codec import Tokens, codec_for
from .document import (
    ARTICLE_SELECTOR,
    Post,
    is_eastmoney,
    lines_of,
    newline_of,
    sniff,
    split_post,
    strip_newline,
)
from .entities import Entity, describe, find
from .errors import InputError
from .options import Annotate, Options

_FRONT_KEY = re.compile(r"^(title|date)\s*:\s*(.*?)\s*$", re.M)
# `<http://…>` alone on a line (found by its `<`: a search anchored at each line start is slow)
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>[^\S\n]*$", re.M)
_SOURCE_LINE = re.compile(r"^[（(]?\s*(?:文章)?来源[：:]\s*(.*?)\s*[）)]?$")
_CN_DATE = re.compile(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})(?:\D{1,3}(\d{1,2}):(\d{2})(?::(\d{2}))?)?")


@dataclass(frozen=True, slots=True)
class Part:
    """One piece of HTML that was converted, and the text its Markdown must show."""

    markdown: str
    source_text: str  # all text of the HTML as parsed
    expected_text: str  # the text left after the rules ran (annotations included)
    removed: tuple[tuple[str, str], ...]  # (reason, text) of what the rules dropped
    added: tuple[str, ...]  # annotation text the rules inserted
    repeated: int  # characters repeated by expanding table spans
    notes: tuple[str, ...]  # footnote references inserted as Markdown


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of converting one document."""

    markdown: str
    kind: str  # post | page | fragment | markdown
    entities: tuple[Entity, ...] = ()
    parts: tuple[Part, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)
    source: str = ""

    @property
    def changed(self) -> bool:
        """True if the Markdown differs from the input."""
        return self.markdown != self.source

    @property
    def removed(self) -> tuple[tuple[str, str], ...]:
        """Everything the rules dropped, as (reason, text)."""
        return tuple(r for part in self.parts for r in part.removed)


def convert(text: str, options: Options | None = None, *, details: bool = False) -> Result:
    """Convert one document (a Jekyll post, an article page, or an HTML fragment).

    Posts keep every byte outside their HTML blocks. Pages give their article body.
    `result.entities` name what each unwrapped link pointed at; with `details=True` they
    also carry their line, the text around them and whether they are doubtful, and a page's
    `meta` is read (this costs a tenth of the conversion; `list_entities` always gives them).
    Raises InputError for input that cannot be a document (binary, broken front matter).
    """
    options = options or Options()
    if "\x00" in text:
        raise InputError("binary data (NUL bytes), not a text document")
    kind = sniff(text, options.input_kind)
    if kind in ("post", "markdown"):
        return _convert_markdown(text, options, kind, details)
    return _convert_page(text, options, kind, details)


def _convert_page(text: str, options: Options, kind: str, details: bool) -> Result:
    if not text.strip():
        return Result("", kind, source=text)
    liquid = bool(options.liquid)
    part, entities, meta, notes = _convert_html(
        text, options, liquid=liquid, page=kind == "page", first_line=1, details=details
    )
    markdown = part.markdown
    if notes:
        markdown = _join_blocks(markdown, "\n".join(notes))
    if options.front_matter:
        import json

        front = "".join(f"{key}: {json.dumps(meta[key], ensure_ascii=False)}\n" for key in meta)
        markdown = f"---\n{front}---\n\n{markdown}" if markdown else f"---\n{front}---"
    markdown = markdown + "\n" if markdown else ""
    return Result(markdown, kind, tuple(entities), (part,), meta, source=text)


@dataclass(frozen=True, slots=True)
class _Piece:
    """One HTML block of a Markdown document, ready to convert."""

    start: int  # 0-based line of the block in the body
    end: int
    html: str  # the HTML to convert
    source: str  # the block as written (HTML, or Markdown with inline HTML)
    first_line: int  # 1-based line of the block in the whole file


def _pieces(post: Post, text: str, lines: list[str]) -> list[_Piece]:
    """The HTML blocks of a post body, found as a CommonMark parser finds them."""
    if not is_eastmoney(text):
        return []
    from . import commonmark

    head_lines = len(lines_of(post.head))
    pieces = []
    for block in commonmark.html_blocks(post.body):
        source = "".join(lines[block.start : block.end])
        html = source if block.html else commonmark.to_html(source)
        pieces.append(_Piece(block.start, block.end, html, source, head_lines + block.start + 1))
    return pieces


def _convert_markdown(text: str, options: Options, kind: str, details: bool) -> Result:
    post = split_post(text) if kind == "post" else Post("", text)
    meta = _post_meta(post)
    lines = lines_of(post.body)
    pieces = _pieces(post, text, lines)
    if not pieces:
        return Result(text, kind, meta=meta, source=text)
    liquid = kind == "post" if options.liquid is None else options.liquid
    newline = newline_of(text)
    out: list[str] = []
    parts: list[Part] = []
    entities: list[Entity] = []
    notes: list[str] = []
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
        )
        parts.append(part)
        entities.extend(found)
        notes.extend(x for x in piece_notes if x not in notes)
        markdown = part.markdown
        if n == len(pieces) - 1 and notes:
            markdown = _join_blocks(markdown, "\n".join(notes))
        _, ending = strip_newline(lines[piece.end - 1])
        pos = piece.end
        if not markdown:
            if out and not out[-1].strip() and pos < len(lines) and not lines[pos].strip():
                pos += 1  # do not leave two blank lines where the block was
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
    return Result(markdown, kind, tuple(entities), tuple(parts), meta, source=text)


def entities(text: str, options: Options | None = None, *, file: str = "-") -> tuple[Entity, ...]:
    """The entity links of one document (as `convert` would unwrap them), with their line and
    context, each flagged if doubtful: the one answer `emclean entities` gives too. Their
    records name `file`."""
    from .suspicion import flag

    options = options or Options()
    if "\x00" in text:
        raise InputError("binary data (NUL bytes), not a text document")
    kind = sniff(text, options.input_kind)
    if kind in ("post", "markdown"):
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
) -> tuple[Part, list[Entity], dict[str, str], list[str]]:
    """Convert one piece of HTML: rules, renderer, finisher.

    `where` is the source text the HTML came from, to number the lines of entity links.
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
        article = dom.first(tree, ARTICLE_SELECTOR) or root
    source_text = dom.text(article)
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
    clean.apply(article, state)
    if options.front_matter and meta.get("title"):
        _drop_title(article, meta["title"], state)
    expected = codec.token.sub("", dom.text(article))
    from . import render  # (not for entities: listing links renders nothing)
    from .markup import Finisher

    finisher = Finisher(codec, tokens, liquid=liquid)
    markdown = finisher.finish(render.render(dom.events(article), codec, tokens))
    notes = [finisher.footnote(ref, entity) for ref, entity in state.footnotes.items()]
    part = Part(
        markdown,
        source_text,
        expected,
        tuple(state.removed),
        tuple(state.added),
        state.repeated,
        tuple(state.footnotes),
    )
    return part, state.entities, meta, notes


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
        value = _yaml_scalar(raw)
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
    return m.group(1) if m and m.group(1) else None


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
    if url:
        meta["url"] = url
    return meta
