"""The shortcuts taken for speed give the answers of the long way, on generated input: a
search that skips a rewrite when it would change nothing, one loop instead of a generator,
a document with nothing to look for not read at all."""

from __future__ import annotations

import re
from typing import Any

import pyromark
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emclean import commonmark
from emclean.codec import codec_at
from emclean.emphasis import Emphasis

PROFILE = settings(max_examples=2000, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
ALWAYS = re.compile("")  # a guard that always lets the rewrite run

# -- emphasis: a line's markers, with the text around them that moves them -----------------

CODEC = codec_at(0xE000)
MARKERS = [CODEC.strong_open, CODEC.strong_close, CODEC.em_open, CODEC.em_close, CODEC.del_open, CODEC.del_close]
CHARACTERS = [
    *MARKERS,
    *MARKERS,
    CODEC.br,
    CODEC.ideo,
    CODEC.seg,
    " ",
    "\u00a0",
    "\t",
    "a",
    "0",
    "é",
    "中",
    "\u3400",
    "\U00020000",
    "，",
    "“",
    "”",
    "。",
    "€",
    "*",
    "[",
    "]",
    *(CODEC.ph[ch] for ch in "*_~[]().,!-“"[:-1]),
]
LINKS = [
    f"[a]({CODEC.tok_open}0{CODEC.tok_close})",
    f"[中]({CODEC.tok_open}12{CODEC.tok_close})",
    CODEC.tok_open + "3" + CODEC.tok_close,
]
LINE = st.lists(st.sampled_from(CHARACTERS + LINKS), max_size=24).map("".join)


@PROFILE
@given(LINE)
def test_emphasis_guards_skip_only_rewrites_that_change_nothing(line: str) -> None:
    """`resolve` with its guards gives what it gives when every rewrite runs (fails if a
    guard misses a marker next to a space, or to punctuation that moves)."""
    guarded = Emphasis(CODEC)
    every = Emphasis(CODEC)
    every._open_space = every._space_close = every._open_punct = every._punct_close = ALWAYS
    assert guarded.resolve(line) == every.resolve(line)


@pytest.mark.parametrize(
    "line",
    [
        # the closer's punctuation moves out (`以**“七”**为` → `以“**七**”为`)
        f"以{CODEC.strong_open}“七”{CODEC.strong_close}为",
        # an opener's placeholder punctuation moves out after a letter
        f"a{CODEC.em_open}{CODEC.ph['(']}b{CODEC.ph[')']}{CODEC.em_close}c",
        # spaces move outside the markers
        f"a{CODEC.strong_open} b {CODEC.strong_close}c",
    ],
)
def test_emphasis_guards_let_these_rewrites_run(line: str) -> None:
    """The guarded lines that must change do change (the property above would hold too if
    no rewrite ever ran)."""
    every = Emphasis(CODEC)
    every._open_space = every._space_close = every._open_punct = every._punct_close = ALWAYS
    assert Emphasis(CODEC).resolve(line) == every.resolve(line) != line.translate(CODEC.delimiters)


# -- commonmark.read: one loop over the events --------------------------------------------

MARKDOWN = st.lists(
    st.one_of(
        st.text(alphabet="ab中 \n\t*_~`#[]()<>!&|{}\\-+.:=1>", max_size=10),
        st.sampled_from(
            [
                "![a *b*](u)",
                "![x ![y](v) `z`](u)",
                "<div>",
                "</div>\n",
                "<img src=x>",
                "| a | b |\n| --- | --- |\n| c <b>d</b> | ![e](f) |\n",
                "```\ncode\n```",
                "    indented",
                "{% raw %}",
                "{%- endraw -%}",
                "\r\n",
                "\r",
                "  \n",
                "\\\n",
                "<!-- c -->",
                "[a]: /u\n",
                "[a]",
                "- x\n",
                "> q\n",
                "# h\n",
                "a\n===\n",
                "***a**b*",
                "---\n",
            ]
        ),
    ),
    max_size=12,
).map("".join)


def _read_the_long_way(markdown: str, *, jekyll: bool) -> tuple[str, int]:
    """`commonmark.read` as first written: each event split, images skipped by a generator."""
    if jekyll:
        markdown = commonmark._LIQUID_RAW.sub("", markdown)
    markdown = commonmark._lf(markdown)

    def events() -> Any:
        image = 0
        for event in pyromark.events(markdown, options=commonmark._OPTIONS):
            kind, value = commonmark._split(event)
            if kind == "Start" and isinstance(value, dict) and "Image" in value:
                image += 1
            elif kind == "End" and value == "Image":
                image -= 1
            elif not image:
                yield kind, value

    parts: list[str] = []
    raw = 0
    for kind, value in events():
        if kind in {"Text", "Code"}:
            parts.append(value)
        elif kind in {"SoftBreak", "HardBreak"}:
            parts.append(" ")
        elif kind == "InlineHtml" or (kind == "Start" and value == "HtmlBlock"):
            raw += 1
        elif kind == "End":
            name = value if isinstance(value, str) else next(iter(value))
            if name in {"Paragraph", "Heading", "Item", "CodeBlock", "BlockQuote", "Table", "HtmlBlock"}:
                parts.append("\n\n")
            elif name == "TableCell":
                parts.append(" ")
            elif name in ("TableRow", "TableHead"):
                parts.append("\n")
    paragraphs = commonmark._PARAGRAPH_BREAK.split("".join(parts))
    return "\n\n".join(p.strip() for p in paragraphs if p.strip()), raw


@PROFILE
@given(MARKDOWN, st.booleans())
def test_read_gives_what_the_long_way_gives(markdown: str, jekyll: bool) -> None:
    """Text (without image descriptions) and raw HTML count, as the plain walk gives them."""
    reading = commonmark.read(markdown, jekyll=jekyll)
    assert (reading.text, reading.raw_html) == _read_the_long_way(markdown, jekyll=jekyll)


# -- commonmark.html_blocks: a document with nothing to look for is not read ------------------

POST_BODY = st.lists(
    st.one_of(
        st.text(alphabet="ab中 \n*_`#[]()<>!&{}:\\-.1^\r", max_size=10),
        st.sampled_from(
            [
                "<b>x</b>",
                "<div>\n",
                "[a]: javascript:x\n",
                "[a]\n",
                "[^x]: [a](javascript:y)\n",
                "x\n{: .a}\n",
                "`<a>`",
                "```\n<b>\n```\n",
                "    <i>\n",
                "<http://x>",
                "<a@b.c>",
                "[a](u)",
                "![a](javascript:1)",
                "term\n: [x]: javascript:1\n",
                "- x\n\n",
                "\n\n",
            ]
        ),
    ),
    max_size=12,
).map("".join)


@PROFILE
@given(POST_BODY, st.booleans())
def test_html_blocks_shortcut_skips_only_documents_without_blocks(body: str, hazards: bool) -> None:
    """The blocks found are the blocks a full reading finds (fails if the search that skips
    the reading misses a hazard, or HTML)."""
    blocks = commonmark.html_blocks(body, hazards=hazards)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(commonmark, "_may_hold", lambda markdown, *, hazards: True)
        assert blocks == commonmark.html_blocks(body, hazards=hazards)


PLAIN_TEXT = st.one_of(
    st.text(
        alphabet=" \u00a0\u3000\u2028\u0085\u200b\u00ad\ufffd\u0660\uff0e\uff03\u1680" + "09中文ab，。", max_size=20
    ),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.tuples(st.sampled_from(["", "    ", "  "]), st.characters(codec="utf-8")).map("".join),
)


@PROFILE
@given(PLAIN_TEXT)
def test_a_line_of_plain_text_reads_as_itself(line: str) -> None:
    """`read` skips pulldown-cmark for a line without ASCII punctuation or control
    characters: the long way reads the same text (fails if the shortcut takes a mark)."""
    reading = commonmark.read(line)
    assert (reading.text, reading.raw_html) == _read_the_long_way(line, jekyll=True)
