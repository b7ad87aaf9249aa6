"""Properties of the file-system edge: names print safely, encodings round-trip, the prescan
never fails (hypothesis, derandomized)."""

from __future__ import annotations

import os
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from emclean import charset, files

PROFILE = settings(max_examples=400, deadline=None, derandomize=True)
# Any file name a POSIX file system can hold, as Python sees it (bytes that are not UTF-8
# become surrogate escapes).
names = st.one_of(
    st.binary(min_size=1, max_size=30).map(os.fsdecode),
    st.text(min_size=1, max_size=30),
).filter(lambda n: "/" not in n and "\x00" not in n)
_ESCAPE = re.compile(r"\\(x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8}|.)")
texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=200)


@PROFILE
@given(names)
def test_a_shown_name_is_one_printable_utf8_line(name: str) -> None:
    """Whatever its bytes, a name is shown on one line, printable, encodable as UTF-8; a
    printable name as it is."""
    shown = files.shown(name)
    assert shown.isprintable()
    shown.encode("utf-8")
    if name.isprintable():
        assert shown == name
    else:
        assert shown[0] == shown[-1] == "'"


def unshow(shown: str) -> str:
    """The name a quoted name stands for (\\xNN from 80 up is a byte that is not UTF-8)."""

    def one(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc[0] == "x":
            code = int(esc[1:], 16)
            return chr(0xDC00 + code) if code >= 0x80 else chr(code)
        if esc[0] in "uU":
            return chr(int(esc[1:], 16))
        return {"n": "\n", "r": "\r", "t": "\t"}.get(esc, esc)

    return _ESCAPE.sub(one, shown[1:-1])


@PROFILE
@given(names)
@example("\udc85.md")  # the byte 0x85, not UTF-8
@example("\x85.md")  # U+0085, NEXT LINE, which is UTF-8 (c2 85)
@example("a\\x41'\n")
def test_a_quoted_name_says_exactly_which_name(name: str) -> None:
    """A quoted name reads back as the name it stands for: two names never look the same."""
    if not name.isprintable():
        assert unshow(files.shown(name)) == name


@PROFILE
@given(texts, st.sampled_from(["utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"]), st.booleans())
def test_unicode_round_trips_byte_for_byte(text: str, codec: str, bom: bool) -> None:
    """Text written in a Unicode encoding (with its BOM, or named with --encoding) reads back
    as the same text, and writes back as the same bytes."""
    data = charset.encode(text, codec, bom)
    told = None if bom or codec == "utf-8" else codec
    if told is None and "<meta" in text.lower():
        return  # a declaration of its own: decided by it
    decoded, how, had_bom = charset.decode(data, told)
    assert (decoded, had_bom) == (text, bom)
    assert charset.encode(decoded, how, had_bom) == data


@PROFILE
@given(st.text(alphabet="东方财富网中文股票<p>a1 ", max_size=200))
def test_gb18030_round_trips_byte_for_byte(text: str) -> None:
    """A GB18030 document named by --encoding (gbk and gb2312 read as GB18030) writes back as
    the same bytes."""
    data = text.encode("gb18030")
    for told in ("gb18030", "gbk", "gb2312"):
        decoded, how, _ = charset.decode(data, told)
        assert decoded == text
        assert charset.encode(decoded, how) == data


@PROFILE
@given(st.binary(max_size=300), st.sampled_from([b"", b"<meta charset=gbk>", b"<meta http-equiv=content-type "]))
def test_the_prescan_never_fails(data: bytes, prefix: bytes) -> None:
    """Any bytes: the prescan answers a codec or None, never an exception."""
    found = charset.declared(prefix + data)
    assert found is None or isinstance(found, str)
