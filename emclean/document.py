"""Documents: what a file is (`kind_of`); split a post; find and rejoin its HTML.

A Jekyll post body is Markdown with HTML blocks. Only the HTML is rewritten: every other
byte (front matter, the `> summary` line, autolinks, footers, line endings, the final
newline or its absence) is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .errors import InputError
from .options import InputKind

# The article container of an Eastmoney page (the first match in document order wins).
ARTICLE_SELECTOR = (
    "#ContentBody, .txtinfos, #zwconbody, .zwconbody, .xeditor, #newsContent, .newsContent, "
    ".article-body, #article_content"
)
# A line break in any convention (as CommonMark splits lines).
_NEWLINE = re.compile(r"\r\n|\r|\n")
_FENCE = re.compile(r"---[ \t]*(?:\r\n|\r|\n)")
_FENCE_END = re.compile(r"(?:\r\n|\r|\n)(?:---|\.\.\.)[ \t]*(?:\r\n|\r|\n|$)")
# Markers of Eastmoney's article markup; a document without them is left alone.
SIGNATURE = re.compile(
    r"eastmoney\.com|dfcfw\.com|keytip|infokey|em_stock_key_common|zwstock|em_media|EM_StockImg|"
    r"EmImageRemark|ContentBody|txtinfos|zwconbody|[\"']stock_\d|[\"']bk_\d|[\"']Info\.\d"
)
# A tag that can only be HTML (not an autolink such as <http://...>).
_TAG = re.compile(r"<(?:[A-Za-z][A-Za-z0-9-]*[\s/>]|/[A-Za-z]|!--)")
_PAGE = re.compile(r"<(?:html|body|head)[\s>]|<!doctype", re.I)
_ARTICLE_HINT = re.compile(r"ContentBody|txtinfos|zwconbody|xeditor|newsContent|article-body|article_content")


@dataclass(frozen=True, slots=True)
class Post:
    """A Markdown document split at the end of its front matter."""

    head: str  # front matter with its fences and final line break ("" if none)
    body: str


Kind = Literal["post", "markdown", "html-post", "page", "fragment"]
#: file-name suffixes and the language they mean (any other name, or none, means HTML)
MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")


def kind_of(text: str, name: str | None = None, forced: InputKind = InputKind.AUTO) -> Kind:
    """What a document is: the one place that decides what a file's type means.

    `name` is the file's name or path (only its suffix counts), None for stdin and the API.

    - `.md`/`.markdown`: Markdown: a "post" with front matter, else "markdown";
    - `.html`/`.htm`: HTML: an "html-post" (front matter and an HTML body), else a "page"
      (a whole page or an article container) or a "fragment";
    - anything else, stdin and the API: HTML as above, except that text with front matter
      is a Markdown "post" (Jekyll's default).

    `forced` (`--input`) overrides: MARKDOWN or HTML name the language; POST is a post in
    the language of the name; PAGE and FRAGMENT are HTML without front matter.
    """
    suffix = _suffix(name)
    if forced is InputKind.PAGE:
        return "page"
    if forced is InputKind.FRAGMENT:
        return "fragment"
    front = _FENCE.match(text.lstrip("\ufeff \t\r\n")) is not None
    if forced is InputKind.POST:
        return "html-post" if suffix in HTML_SUFFIXES else "post"
    if forced is InputKind.MARKDOWN or (forced is InputKind.AUTO and suffix in MARKDOWN_SUFFIXES):
        return "post" if front else "markdown"
    if front and (forced is InputKind.HTML or suffix in HTML_SUFFIXES):
        return "html-post"
    if front and forced is InputKind.AUTO:
        return "post"
    return "page" if is_page(text) else "fragment"


def _suffix(name: str | None) -> str:
    if not name:
        return ""
    dot = name.rfind(".")
    return name[dot:].lower() if dot > max(name.rfind("/"), name.rfind("\\")) else ""


def is_page(text: str) -> bool:
    """True for HTML that is a whole page, or holds an Eastmoney article container."""
    return is_document(text) or _ARTICLE_HINT.search(text) is not None


def is_document(text: str) -> bool:
    """True for HTML written as a whole document (`<!doctype>`, `<html>`, `<head>`, `<body>`)."""
    return _PAGE.search(text[:4096]) is not None


def is_markdown(kind: Kind) -> bool:
    """True for the kinds whose body is Markdown."""
    return kind in ("post", "markdown")


def split_post(text: str) -> Post:
    """Split front matter from body; raise InputError if the front matter never ends."""
    lead = len(text) - len(text.lstrip("\ufeff \t\r\n"))
    fence = _FENCE.match(text, lead)
    if fence is None:
        return Post("", text)
    end = _FENCE_END.search(text, fence.end() - 1)
    if end is None:
        raise InputError("unterminated front matter (no closing ---)")
    return Post(text[: end.end()], text[end.end() :])


def is_eastmoney(text: str) -> bool:
    """True if `text` carries Eastmoney markup (a cheap test, no parsing)."""
    return _TAG.search(text) is not None and SIGNATURE.search(text) is not None


_TAG_BYTES = re.compile(_TAG.pattern.encode())
_SIGNATURE_BYTES = re.compile(SIGNATURE.pattern.encode())


def might_be_eastmoney(data: bytes) -> bool:
    """The same cheap test on raw bytes, before decoding: a clean tree is skipped unread."""
    return _TAG_BYTES.search(data) is not None and _SIGNATURE_BYTES.search(data) is not None


def lines_of(text: str) -> list[str]:
    """Split into lines, each keeping its own line ending."""
    out: list[str] = []
    pos = 0
    for m in _NEWLINE.finditer(text):
        out.append(text[pos : m.end()])
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


def newline_of(text: str) -> str:
    """The line ending `text` uses most (LF when it has none)."""
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    return max((lf, "\n"), (crlf, "\r\n"), (cr, "\r"))[1] if (crlf or lf or cr) else "\n"


def strip_newline(line: str) -> tuple[str, str]:
    """(line without its ending, the ending)."""
    if line.endswith("\r\n"):
        return line[:-2], "\r\n"
    if line.endswith(("\n", "\r")):
        return line[:-1], line[-1]
    return line, ""
