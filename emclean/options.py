"""The options of a conversion: one frozen dataclass and its enums."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Annotate(StrEnum):
    """How an unwrapped entity link is annotated in the output."""

    NONE = "none"
    INLINE = "inline"
    LINK = "link"
    FOOTNOTE = "footnote"


class InputKind(StrEnum):
    """What the input is; AUTO decides from the file name and the text (`document.kind_of`).

    MARKDOWN and HTML name the language (a front matter is still found); POST is a front
    matter and a body in the language of the file name (Markdown when there is none); PAGE
    and FRAGMENT are HTML without front matter (a page gives its article body).
    """

    AUTO = "auto"
    POST = "post"
    PAGE = "page"
    FRAGMENT = "fragment"
    MARKDOWN = "markdown"
    HTML = "html"


class Target(StrEnum):
    """What converted HTML becomes: Markdown, cleaned HTML, or the document's own language
    (AUTO: HTML documents stay HTML, HTML blocks of Markdown documents become Markdown;
    what `emclean fix` writes)."""

    MARKDOWN = "markdown"
    HTML = "html"
    AUTO = "auto"


class OutputFormat(StrEnum):
    """What `emclean convert` prints."""

    MARKDOWN = "markdown"
    TEXT = "text"
    JSON = "json"
    JSONL = "jsonl"


@dataclass(frozen=True, slots=True)
class Options:
    """Everything that changes what a conversion produces.

    Variants are made with `dataclasses.replace`, never by mutation.
    """

    annotate: Annotate = Annotate.NONE
    #: annotate links flagged as suspicious too (they are plain text otherwise)
    annotate_suspicious: bool = False
    #: keep live K-line quote charts (dropped by default: they are widgets, not images)
    keep_charts: bool = False
    input_kind: InputKind = InputKind.AUTO
    #: pages only: emit title, date, source and url as YAML front matter
    front_matter: bool = False
    #: write `{{`/`{%` so that Liquid does not run them; None means "for Jekyll posts only"
    liquid: bool | None = None
    #: the page's own URL, for the front matter of a page (and to resolve relative links)
    url: str | None = None
    #: what converted HTML becomes (Markdown by default)
    to: Target = Target.MARKDOWN
    #: posts: convert every HTML block, and neutralise raw HTML and unsafe links in the
    #: post's own Markdown too (by default only HTML with Eastmoney markup is converted)
    sanitize: bool = False
