"""Is rendered Markdown inert? Three renderers, read as a browser reads their HTML.

Independent of emclean's own code: markdown-it-py (html=True), pulldown-cmark (pyromark)
and Ruby kramdown (GFM input, as Jekyll renders), then lexbor parses each one's HTML
the way a browser would (entities decoded, attribute values as a browser sees them).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterator

import pyromark
from markdown_it import MarkdownIt
from selectolax.lexbor import LexborHTMLParser

MD = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")
PYROMARK = pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH
EXTENDED = (
    PYROMARK
    | pyromark.Options.ENABLE_FOOTNOTES
    | pyromark.Options.ENABLE_TASKLISTS
    | pyromark.Options.ENABLE_HEADING_ATTRIBUTES
)

# The elements Markdown itself produces (kramdown's footnotes, abbreviations and
# definition lists included); anything else in the HTML came from raw HTML.
MARKDOWN_TAGS = frozenset(
    "html head body p a img strong em del s h1 h2 h3 h4 h5 h6 ul ol li blockquote table thead tbody tfoot "
    "tr th td br hr code pre sup div abbr dl dt dd".split()
)
# Attributes whose value a browser follows as a URL.
URL_ATTRIBUTES = frozenset(
    "href src action formaction data poster background srcset xlink:href cite longdesc ping manifest codebase "
    "dynsrc lowsrc".split()
)
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_RASTER = re.compile(r"data:image/(?:png|jpeg|jpg|gif|webp|avif|bmp|x-icon)[;,]", re.I)


def url_ok(url: str, *, image: bool) -> bool:
    """As the WHATWG URL parser reads it: http, https, mailto (links), a raster data image
    (images), or no scheme at all."""
    url = re.sub("[\t\n\r]", "", url.strip("".join(map(chr, range(0x21)))))
    m = _SCHEME.match(url)
    if m is None:
        return True
    name = m.group(1).lower()
    if image:
        return name in ("http", "https") or _RASTER.match(url) is not None
    return name in ("http", "https", "mailto")


def active(html: str) -> list[str]:
    """What in rendered HTML is not inert: elements Markdown does not make, event handler
    attributes, URLs outside the allow-list."""
    found = []
    tree = LexborHTMLParser(html)
    top = tree.root
    assert top is not None
    for node in top.traverse(include_text=False):
        tag = node.tag or ""
        if tag.startswith("-"):
            continue
        if tag not in MARKDOWN_TAGS:
            found.append(f"<{tag}>")
        for name, value in node.attributes.items():
            lowered = name.lower()
            if (
                lowered.startswith("on")
                or (lowered == "style" and "expression" in (value or ""))
                or (lowered in URL_ATTRIBUTES and not url_ok(value or "", image=tag == "img" and lowered == "src"))
            ):
                found.append(f"<{tag} {name}={value!r}>")
    return found


def raw_html_tokens(markdown: str) -> list[str]:
    """The raw HTML markdown-it and pulldown-cmark find in `markdown`."""
    found = [
        c.content
        for t in MD.parse(markdown)
        for c in [t, *(t.children or [])]
        if c.type in ("html_block", "html_inline")
    ]
    for event in pyromark.events(markdown, options=PYROMARK):
        if isinstance(event, dict) and ("InlineHtml" in event or "Html" in event):
            found.append(str(next(iter(event.values()))))
    return found


KRAMDOWN_SERVER = (
    "require 'kramdown'; require 'kramdown-parser-gfm'; require 'json'; STDOUT.sync = true; "
    "STDIN.each_line { |l| STDOUT.puts(JSON.dump("
    "Kramdown::Document.new(JSON.parse(l), input: 'GFM', hard_wrap: false).to_html)) }"
)


class Kramdown:
    """One Ruby process rendering Markdown with kramdown, a line of JSON each way."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            ["ruby", "-e", KRAMDOWN_SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def __call__(self, markdown: str) -> str:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(markdown) + "\n")
        self.process.stdin.flush()
        return str(json.loads(self.process.stdout.readline()))

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()


def renderings(markdown: str, kramdown: Callable[[str], str] | None) -> Iterator[tuple[str, str]]:
    """(renderer, HTML) for each renderer."""
    yield "markdown-it", MD.render(markdown)
    yield "pulldown-cmark", pyromark.html(markdown, options=PYROMARK)
    # footnotes and the rest of pulldown-cmark's extensions, as some sites render
    yield "pulldown-cmark+extensions", pyromark.html(markdown, options=EXTENDED)
    if kramdown is not None:
        yield "kramdown", kramdown(markdown)


def unsafe(markdown: str, kramdown: Callable[[str], str] | None) -> list[str]:
    """Everything not inert in `markdown`, as any of the renderers shows it."""
    found = [f"raw HTML {h!r}" for h in raw_html_tokens(markdown)]
    for name, html in renderings(markdown, kramdown):
        found.extend(f"{name}: {a}" for a in active(html))
    return found
