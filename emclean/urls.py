"""Every URL emclean writes: read as a browser reads it, allow-listed, written back inert.

The rule: a link is http, https or mailto; an image is http, https or an inline raster
picture (`data:image/...`, not SVG: an SVG opened on its own runs its scripts).
`//host/...` becomes `https://host/...`; a relative reference is resolved against the page's
URL when one is known; otherwise a link stays relative (it has no scheme of its own: a page of
the site that publishes the Markdown, followed only if the reader chooses to) and an image goes
(it would load unasked from that site, where a path such as `/logout` is a request made with
the reader's cookies). Whatever is written is percent-encoded where
Markdown or a browser could read it
otherwise: whitespace, control and format characters (line and paragraph separators, bidi
controls, zero-width marks) and the ASCII that CommonMark, GFM tables or kramdown read
inside a link destination.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import urljoin

LINK_SCHEMES = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES = frozenset({"http", "https"})

# What a browser removes before it parses a URL: C0 controls and spaces at either end,
# and tabs and line breaks anywhere (`java\tscript:` is `javascript:`).
_ENDS = "".join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = re.compile("[\t\n\r]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# `data:image/png;base64,...`: the media type before the first comma
_DATA_IMAGE = re.compile(r"data:([^,]*),", re.I)
_IMAGE_TYPE = re.compile(r"image/[a-z0-9!#$&^_.+-]+")
# ASCII a Markdown reader takes for markup in a destination (or a browser strips):
# whitespace and controls, `<>` (autolinks, HTML), `()` (the destination's end), `"`
# (a title), `\` and `` ` `` (escapes, code), `{}` (kramdown's attribute lists, Liquid),
# `|` (a GFM/kramdown table cell), `^` (not a URL character)
_ASCII_SPECIAL = re.compile(r'[\x00-\x20\x7f<>()"\\`{}|^]')
# `&name;` / `&#10;`: CommonMark decodes a character reference in a destination, kramdown
# passes it to the browser, which decodes it; its `;` is encoded so that it stays text
_REFERENCE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")


def link(url: str, base: str | None = None) -> str | None:
    """`url` (an href) as emclean writes it, or None if it must not be a link."""
    return _absolute(url, base, LINK_SCHEMES, image=False)


def image(url: str, base: str | None = None) -> str | None:
    """`url` (an image src) as emclean writes it, or None if it must not be an image."""
    return _absolute(url, base, IMAGE_SCHEMES, image=True)


def _absolute(url: str, base: str | None, schemes: frozenset[str], *, image: bool) -> str | None:
    """`url` resolved, checked and encoded; None if it is not to be written."""
    url = _as_browser_reads(url)
    if not url:
        return None
    if url.startswith("//"):
        url = "https:" + url
    name = scheme(url)
    if name is None:
        root = link(base) if base else None
        if root is not None and scheme(root) in IMAGE_SCHEMES:
            try:
                url = urljoin(root, url)
            except ValueError:  # e.g. a broken IPv6 host
                return None
            name = scheme(url)
        elif image or url.startswith("#"):  # (an image would load, unasked, from the site that
            return None  # publishes the Markdown; an anchor of the page is not in the Markdown)
        else:  # a link to a page of that site: followed only if the reader chooses to
            return destination(url)
    if name is None or not (name in schemes or (image and _data_image(url))):
        return None
    return destination(name + url[len(name) :])


def scheme(url: str) -> str | None:
    """The scheme of `url` as a browser reads it (lower case), None for a relative reference."""
    m = _SCHEME.match(_as_browser_reads(url))
    return m.group(1).lower() if m else None


def allowed(url: str, *, image: bool = False) -> bool:
    """True if a browser following `url` (a destination as a Markdown reader decoded it)
    stays on an allowed scheme; relative references are allowed."""
    name = scheme(url)
    if name is None:
        return True
    if image:
        return name in IMAGE_SCHEMES or _data_image(_as_browser_reads(url))
    return name in LINK_SCHEMES


def _as_browser_reads(url: str) -> str:
    url = url.strip(_ENDS)
    return _TAB_OR_NEWLINE.sub("", url) if ("\t" in url or "\n" in url or "\r" in url) else url


def _data_image(url: str) -> bool:
    """True for `data:image/<raster type>...,`: a picture, never SVG (nor XML). The media
    type exactly, no space around it: as written (`%20`) and as read back it is the same."""
    m = _DATA_IMAGE.match(url)
    if m is None:
        return False
    media = m.group(1).split(";")[0].lower()
    return _IMAGE_TYPE.fullmatch(media) is not None and "svg" not in media and "xml" not in media


def destination(url: str) -> str:
    """`url` with every character a Markdown reader or a browser could read otherwise
    percent-encoded (idempotent: an encoded URL comes back unchanged)."""
    if "&" in url:
        url = _REFERENCE.sub(r"&\1%3B", url)
    if _ASCII_SPECIAL.search(url):
        url = _ASCII_SPECIAL.sub(_encode, url)
    if not url.isascii():
        url = "".join(_encode_char(ch) if not ch.isascii() else ch for ch in url)
    return url


def _encode(m: re.Match[str]) -> str:
    return f"%{ord(m.group()):02X}"


@lru_cache(maxsize=4096)
def _encode_char(ch: str) -> str:
    """A non-ASCII character: kept if it is visible, else its UTF-8 bytes percent-encoded.

    Encoded: other (Cc, Cf, Cs, Co, Cn: C1 controls, bidi controls, zero-width marks,
    unassigned) and separators (Zs, Zl, Zp: no-break and ideographic spaces, U+2028/2029).
    """
    if unicodedata.category(ch)[0] not in "CZ":
        return ch
    return "".join(f"%{byte:02X}" for byte in ch.encode("utf-8", "surrogatepass"))
