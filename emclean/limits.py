"""The caps on hostile input, in one place (pure: no I/O), with how sizes are read and written.

A scraped page is untrusted. Every step of a conversion costs time and memory linear in
the input, with these caps on the few shapes that would otherwise grow faster; an input
past a hard cap is refused with an `InputError` (one line; exit 2 on the command line).
"""

from __future__ import annotations

import re

from .errors import InputError

#: The most bytes read from one document (a file, stdin) unless `--max-size` or
#: `$EMCLEAN_MAX_SIZE` says otherwise.
MAX_INPUT = 64 << 20
#: The most bytes of HTML in one dataset record unless `--max-record-size` (`max_record_size=`
#: in Python) says otherwise: a larger record is an error record.
MAX_RECORD = 8 << 20

_SIZE = re.compile(r"\s*([0-9]+)\s*([kmg]?)(?:i?b)?\s*", re.I)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def parse_size(text: str) -> int:
    """`64M`, `500k`, `1G`, `1048576` → bytes (K, M, G are powers of 1,024); ValueError if not."""
    m = _SIZE.fullmatch(text)
    if m is None or int(m.group(1)) == 0:
        raise ValueError(f"not a size: {text!r} (write it as 64M, 500K, 1G or a number of bytes)")
    return int(m.group(1)) * _UNITS[m.group(2).lower()]


def size(n: int) -> str:
    """A size as people read it: `64 MiB`, `5.9 KiB`, `100 bytes` (one decimal at most)."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return f"{round(n / (1 << shift), 1):,g} {unit}"
    return f"{n:,} bytes"


def sizes(a: int, b: int) -> tuple[str, str]:
    """Two sizes compared in one message (`size`), in bytes when rounding would make them look equal."""
    if a != b and size(a) == size(b):
        return f"{a:,} bytes", f"{b:,} bytes"
    return size(a), size(b)


#: Deepest element nesting the HTML parser may build (Blink stops nesting at 512 too).
#: Deeper HTML is refused: no article nests like that, and each level costs every
#: element under it.
MAX_DEPTH = 512

#: Formatting elements (`<b>`, `<font>`...) the HTML parser may re-open on its own, as it
#: does for each paragraph after one left open: at most this many per tag of the input,
#: plus `REOPEN_FLOOR`. Past that the page is refused (a few kilobytes of unclosed
#: `<b id=N>` would otherwise make a tree of millions of elements).
REOPEN_PER_TAG = 2
REOPEN_FLOOR = 10_000
#: Misnested formatting end tags (`<b><div></b>`) make the parser move elements around;
#: at most this many moves per tag (plus `REOPEN_FLOOR`), else the page is refused.
MISNESTING_PER_TAG = 16

#: Attributes of one element: lexbor checks each new one against all before it (100,000
#: attributes took 17 s). An element with more is refused.
MAX_ATTRIBUTES = 1_000


def trivially_within(html: str) -> bool:
    """True if `html` has too few tags and characters to pass any of the parser's caps above
    (then nothing needs to look closer)."""
    tags = html.count("<")
    return len(html) <= 2 * MAX_ATTRIBUTES and 3 * tags + 3 <= MAX_DEPTH and tags * (tags + 1) <= REOPEN_FLOOR


#: Lists and quotes nested deeper than this in the output are written at this depth
#: (every line of a Markdown block repeats its parents' markers: output would grow with
#: the square of the depth).
MAX_OUTPUT_NESTING = 8

#: Row and column spans are expanded (the spanned value repeated into every covered cell)
#: while the expanded grid has at most `SPAN_GROWTH` times the cells, and the text of the
#: table at most `SPAN_GROWTH` times its characters, plus `SPAN_FLOOR`. Past that, a
#: table is written with each cell once, as if it had no spans; short rows are only
#: padded to the width of the table while that also fits.
SPAN_GROWTH = 8
SPAN_FLOOR = 1_000
#: A span larger than this counts as this (browsers cap colspan at 1,000, rowspan at 65,534).
MAX_SPAN = 1_000


def grid_fits(cells: int, area: int) -> bool:
    """True if a table of `cells` cells may be written as a grid of `area` cells."""
    return area <= SPAN_GROWTH * cells + SPAN_FLOOR


def repeat_fits(text: int, repeated: int) -> bool:
    """True if a table of `text` characters may repeat `repeated` more in its grid."""
    return repeated <= SPAN_GROWTH * text + SPAN_FLOOR


#: A backstop for shapes nobody has thought of: the Markdown of a piece of HTML may be at
#: most this many times its size, plus `OUTPUT_FLOOR` characters; else the input is
#: refused. (Spans, the only text that repeats, stay within `SPAN_GROWTH`; escaping at most
#: doubles a character.)
OUTPUT_GROWTH = 16
OUTPUT_FLOOR = 65_536


def check_output(source: int, output: int) -> None:
    """Raise InputError if `output` characters of Markdown are too many for `source` of HTML."""
    if output > OUTPUT_GROWTH * source + OUTPUT_FLOOR:
        raise InputError(
            f"the Markdown would be {output / max(source, 1):.0f} times the size of the HTML "
            f"(at most {OUTPUT_GROWTH}): not an article"
        )
