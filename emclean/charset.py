"""Which encoding a document's bytes are in, decided as a browser decides it.

A byte order mark wins; then `--encoding`; then, for HTML, its own declaration
(`<meta charset>` or `<meta http-equiv="Content-Type" content="…; charset=…">`, found by the
WHATWG prescan of the first 1,024 bytes); then UTF-8. Labels are read as the WHATWG Encoding
Standard reads them (webencodings): `gb2312` and `gbk` name the GBK decoder, which is
GB18030's. A BOM is not part of the text: `decode` says it was there, so that it is written back.

One departure from a browser: bytes that are valid UTF-8 and not all ASCII are read as UTF-8
whatever the page declares. A page saved by a scraper as UTF-8 keeps its old `gb2312`
declaration; GBK text is practically never valid UTF-8, so this guess cannot misread one.
"""

from __future__ import annotations

import codecs
import contextlib
import re
from typing import TYPE_CHECKING, cast

from .errors import InputError

if TYPE_CHECKING:  # imported when a label is to be read (not on the hot path of UTF-8 posts)
    import webencodings

# Bytes of a document looked at to decide that it is binary.
SNIFF = 8192
# Where the WHATWG prescan stops looking for a declaration.
PRESCAN = 1024

# Byte order marks and the codec of the document that follows. UTF-32 first: its LE mark
# starts with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Codecs that are not ASCII-compatible: their bytes cannot be searched for ASCII markers.
_WIDE = ("utf-16", "utf-32")
# WHATWG decodes GBK with the GB18030 decoder (a superset; Python's gbk codec rejects some).
_SUPERSETS = {"gbk": "gb18030", "gb2312": "gb18030"}
_ANY_META = re.compile(rb"<meta", re.I)
_LEAD = re.compile(rb"[\t\n\f\r ]*")
_SPACE = b"\t\n\f\r "
_META = re.compile(rb"<meta[\t\n\f\r /]", re.I)
_TAG = re.compile(rb"</?[A-Za-z]")
_CHARSET = re.compile(rb"charset", re.I)


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str, bool]:
    """Bytes → (text, the codec that encodes it back, whether a BOM came first). Binary data,
    unknown encodings and bytes that are not valid in the encoding decided on raise InputError."""
    mark = _bom(data)
    codec = mark[1] if mark else (_codec(encoding) if encoding else None)
    wide = codec is not None and codec.startswith(_WIDE)
    if not wide and binary(data):
        raise InputError("binary data (NUL bytes), not a text document")
    label = encoding if codec and not mark else None
    if mark:
        data = data[len(mark[0]) :]
    if codec is None:
        codec = label = declared(data)
        if codec not in (None, "utf-8") and not data.isascii():
            with contextlib.suppress(UnicodeDecodeError):
                return data.decode("utf-8"), "utf-8", False  # re-saved as UTF-8 (see above)
    if codec is None:
        return _utf8(data), "utf-8", False
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as e:
        raise InputError(f"not valid {label or codec}: byte 0x{data[e.start]:02x} at offset {e.start}") from None
    if wide and "\x00" in text[:SNIFF]:
        raise InputError("binary data (NUL characters), not a text document")
    return text, codec, mark is not None


def encode(text: str, codec: str, bom: bool = False) -> bytes:
    """Text → bytes in `codec`, after its BOM if `bom`; InputError for a character that the
    codec has no code for (nothing is ever replaced)."""
    try:
        data = text.encode(codec)
    except UnicodeEncodeError as e:
        ch = e.object[e.start]
        raise InputError(f"cannot be written back in {codec}: it has no code for {ch!r} (U+{ord(ch):04X})") from None
    return "\ufeff".encode(codec) + data if bom else data


def binary(data: bytes) -> bool:
    """True if the first bytes hold a NUL (no text document in an ASCII-based encoding does)."""
    return data.find(b"\x00", 0, SNIFF) >= 0


def _bom(data: bytes) -> tuple[bytes, str] | None:
    """(the byte order mark at the start of `data`, the codec it names), if any."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return bom, codec
    return None


def _codec(label: str) -> str:
    """The Python codec for an encoding the user named (WHATWG labels first, then Python's
    text encodings); InputError for a name that is neither."""
    found = _lookup(label.encode("ascii", "replace"))
    name: str = _whatwg(found) if found is not None else label
    try:
        info = codecs.lookup(name)
    except LookupError:
        info = None
    if info is None or not info._is_text_encoding:  # e.g. base64, rot13: not a text encoding
        raise InputError(f"unknown encoding {label!r}")
    name = info.name
    if name in ("utf-16", "utf-32"):  # no BOM: little-endian, as WHATWG reads the label
        name += "-le"
    return _SUPERSETS.get(name, name)


def _whatwg(found: webencodings.Encoding) -> str:
    """The Python codec that decodes a WHATWG encoding (as far as Python has one)."""
    if found.name == "x-user-defined":
        return "cp1252"  # as the prescan reads it; Python has no x-user-defined codec
    name: str = found.codec_info.name
    return _SUPERSETS.get(name, name)


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        hint = _guess(data)
        if hint:
            raise InputError(f"not UTF-8: looks like {hint}; convert it or pass --encoding {hint.lower()}") from None
        raise InputError(f"not UTF-8: byte 0x{data[e.start]:02x} at offset {e.start}") from None


def _guess(data: bytes) -> str | None:
    """Name the legacy Chinese encoding `data` decodes as, if any."""
    for name in ("GB18030", "Big5"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
        if cjk and cjk * 4 >= sum(1 for ch in text if ord(ch) > 127):
            return name
    return None


def declared(data: bytes) -> str | None:
    """The codec an HTML document declares in its first 1,024 bytes (None for a Jekyll post:
    its front matter says it is Markdown, read as UTF-8 as Jekyll reads it)."""
    lead = _LEAD.match(data)
    if (lead and data.startswith(b"---", lead.end())) or not _ANY_META.search(data, 0, PRESCAN):
        return None
    found = prescan(data[:PRESCAN])
    if found is None:
        return None
    if found.name in ("utf-16be", "utf-16le"):
        return "utf-8"  # the spec: a document that declares itself in ASCII is not UTF-16
    return _whatwg(found)


def prescan(head: bytes) -> webencodings.Encoding | None:
    """The encoding a `<meta>` declares, found as the WHATWG prescan finds it (comments and
    other tags' attributes skipped; `charset`, or `http-equiv` with a `content` charset)."""
    pos = 0
    while pos < len(head):
        if head.startswith(b"<!--", pos):
            end = head.find(b"-->", pos + 2)
            if end < 0:
                return None
            pos = end + 3
            continue
        if _META.match(head, pos):
            found, pos = _meta(head, pos + 6)
            if found is not None:
                return found
        elif _TAG.match(head, pos):
            pos = _skip_tag(head, pos)
            continue
        elif head.startswith((b"<!", b"</", b"<?"), pos):
            pos = head.find(b">", pos + 1)
            if pos < 0:
                return None
        pos += 1
    return None


_FAILURE = object()  # a charset attribute whose label names no encoding


def _meta(head: bytes, pos: int) -> tuple[webencodings.Encoding | None, int]:
    """The encoding one `<meta>` element declares, and where its attributes end."""
    seen: set[bytes] = set()
    got_pragma, need_pragma = False, None
    charset: object = None
    while True:
        attr, pos = _attribute(head, pos)
        if attr is None:
            break
        name, value = attr
        if name in seen:
            continue
        seen.add(name)
        if name == b"http-equiv":
            got_pragma = got_pragma or value == b"content-type"
        elif name == b"content" and charset is None:
            label = _from_content(value)
            found = _lookup(label) if label is not None else None
            if found is not None:
                charset, need_pragma = found, True
        elif name == b"charset" and charset is None:
            charset, need_pragma = _lookup(value) or _FAILURE, False
    if need_pragma is None or (need_pragma and not got_pragma) or charset is None or charset is _FAILURE:
        return None, pos
    return cast("webencodings.Encoding", charset), pos


def _lookup(label: bytes) -> webencodings.Encoding | None:
    """The encoding a label names (WHATWG "get an encoding"); None for none or "replacement"."""
    import webencodings

    found = webencodings.lookup(label.decode("ascii", "replace"))
    return None if found is None or found.name == "replacement" else found


def _skip_tag(head: bytes, pos: int) -> int:
    """Past a tag other than `<meta>` and its attributes."""
    while pos < len(head) and head[pos : pos + 1] not in (b"\t", b"\n", b"\f", b"\r", b" ", b">"):
        pos += 1
    while True:
        attr, pos = _attribute(head, pos)
        if attr is None:
            return pos + 1


def _attribute(head: bytes, pos: int) -> tuple[tuple[bytes, bytes] | None, int]:
    """The WHATWG "get an attribute" steps: ((name, value) lowercased, next position), or
    (None, position of the `>` or the end)."""
    n = len(head)
    while pos < n and (head[pos] in _SPACE or head[pos] == 0x2F):  # spaces and "/"
        pos += 1
    if pos >= n or head[pos] == 0x3E:  # ">"
        return None, pos
    name = bytearray()
    while pos < n:
        c = head[pos]
        if c == 0x3D and name:  # "="
            pos += 1
            break
        if c in _SPACE:
            while pos < n and head[pos] in _SPACE:
                pos += 1
            if pos >= n or head[pos] != 0x3D:
                return (bytes(name).lower(), b""), pos
            pos += 1
            break
        if c in (0x2F, 0x3E):  # "/" or ">"
            return (bytes(name).lower(), b""), pos
        name.append(c)
        pos += 1
    while pos < n and head[pos] in _SPACE:
        pos += 1
    if pos >= n:
        return (bytes(name).lower(), b""), pos
    if head[pos] in (0x22, 0x27):  # a quoted value
        end = head.find(head[pos : pos + 1], pos + 1)
        if end < 0:
            return None, n
        return (bytes(name).lower(), head[pos + 1 : end].lower()), end + 1
    if head[pos] == 0x3E:
        return (bytes(name).lower(), b""), pos
    start = pos
    while pos < n and head[pos] not in _SPACE and head[pos] != 0x3E:
        pos += 1
    return (bytes(name).lower(), head[start:pos].lower()), pos


def _from_content(value: bytes) -> bytes | None:
    """The charset in a `content="text/html; charset=…"` value (the WHATWG extraction steps)."""
    pos = 0
    while (m := _CHARSET.search(value, pos)) is not None:
        pos = m.end()
        while pos < len(value) and value[pos] in _SPACE:
            pos += 1
        if pos >= len(value) or value[pos] != 0x3D:
            continue
        pos += 1
        while pos < len(value) and value[pos] in _SPACE:
            pos += 1
        if pos >= len(value):
            return None
        if value[pos] in (0x22, 0x27):
            end = value.find(value[pos : pos + 1], pos + 1)
            return value[pos + 1 : end] if end >= 0 else None
        end = pos
        while end < len(value) and value[end] not in _SPACE and value[end] != 0x3B:
            end += 1
        return value[pos:end]
    return None
