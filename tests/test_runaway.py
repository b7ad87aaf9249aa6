"""Hostile input: small documents that once took minutes and gigabytes. Each converts in
time and memory linear in its size (see benchmarks/runaway.py), or is refused with one line.

Nothing here is timed, but for one hang guard: the tests count work (cells, lines, depth,
characters searched) or bound the output.
"""

from __future__ import annotations

import html as htmllib
import re
import subprocess
import sys
import textwrap

import pytest
from conftest import CORPUS, ROOT
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

import emclean
from emclean import entities, limits, nesting, verify
from emclean.codec import codec_for
from emclean.document import split_post

PROFILE = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
FRAGMENT = emclean.Options(input_kind=emclean.InputKind.FRAGMENT)
KEYTIP = (
    '<span id="stock_1.600519"><a href="http://quote.eastmoney.com/unify/r/1.600519" class="keytip" '
    'data-code="1,600519">贵州茅台</a></span>'
)


def convert(html: str) -> emclean.Result:
    """Convert a fragment and check it: faithful (verify), and stable on a second pass."""
    result = emclean.convert(html, FRAGMENT)
    assert verify.check(result) == []
    assert emclean.convert(result.markdown, name="again.md").markdown == result.markdown
    return result


def refused(html: str) -> str:
    """The one-line message a refused fragment gets."""
    with pytest.raises(emclean.InputError) as caught:
        emclean.convert(html, FRAGMENT)
    message = str(caught.value)
    assert "\n" not in message
    return message


def real_depth(html: str) -> int:
    """How deep lexbor nests `html`: elements from <html> down to the deepest one."""
    deepest = 0
    for node in LexborHTMLParser(html).root.traverse(include_text=False):
        depth, up = 0, node
        while up is not None and up.tag != "-undef":
            depth, up = depth + 1, up.parent
        deepest = max(deepest, depth)
    return deepest


# -- nesting depth, and formatting elements the parser re-opens ---------------------------


def test_nesting_past_the_cap_is_refused() -> None:
    """HTML nested deeper than MAX_DEPTH is refused, whatever the element."""
    for open_tag in ("<div>", "<span>", "<b>", "<ul><li>", "<blockquote>", "<table><tr><td>x", "<font>"):
        assert "levels deep" in refused(open_tag * limits.MAX_DEPTH)


def test_nesting_under_the_cap_converts() -> None:
    """A document as deep as the cap allows converts, faithfully."""
    for open_tag, close_tag in (("<div>", "</div>"), ("<span>", "</span>"), ("<b><i>", "</i></b>")):
        depth = (limits.MAX_DEPTH - 20) // open_tag.count("<")
        convert((open_tag * depth + "文字" + close_tag * depth) * 3)


def test_an_element_with_too_many_attributes_is_refused() -> None:
    """lexbor checks each attribute against all before it: past MAX_ATTRIBUTES, refused
    (however the values are quoted); long values are fine."""
    many = limits.MAX_ATTRIBUTES + 1
    assert "attributes" in refused("<p " + " ".join(f"a{n}" for n in range(many)) + ">x</p>")
    assert "attributes" in refused("<p " + " ".join(f'a{n}="<"' for n in range(many)) + ">x</p>")
    convert("<p " + " ".join(f"a{n}=x" for n in range(limits.MAX_ATTRIBUTES - 1)) + ">x</p>")
    convert('<p style="' + "color: red; " * 10_000 + '">x</p>')


def test_formatting_left_open_for_every_paragraph_is_refused() -> None:
    """Unclosed <b id=N> copied into each later paragraph (millions of elements) is refused."""
    opened = "<p>" + "".join(f"<b id={n}>" for n in range(300)) + "</p>"
    assert "formatting elements" in refused(opened + "<p>x</p>" * 2000)
    convert(opened + "<p>x</p>" * 5)  # a few paragraphs are fine


def test_a_few_unclosed_tags_in_many_paragraphs_convert() -> None:
    """Sloppy but real HTML: an unclosed <font> or <b> in each paragraph is not refused."""
    convert('<p><font color="red">红色<p>x</p>' * 3000)
    convert("<p><b>粗<p>x" * 3000)


def test_corpus_is_within_the_caps() -> None:
    """No document of the real corpus comes near a cap."""
    if not CORPUS.is_dir():
        pytest.skip(f"the real corpus is not here ({CORPUS}); it lives outside the repository")
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix in (".md", ".html") and path.name != "README.md":
            body = split_post(path.read_text(encoding="utf-8")).body
            model = nesting.scan(body, limits.MAX_DEPTH, 10**9, 10**9)
            assert model.deepest < 32, path.name
            assert model.reopened < 100, path.name


TAGS = (
    "<div>",
    "</div>",
    "<p>",
    "</p>",
    "<b>",
    "</b>",
    "<b id=1>",
    "<i>",
    "</i>",
    "<a href=x>",
    "</a>",
    "<span>",
    "</span>",
    "<li>",
    "<ul>",
    "</ul>",
    "<table>",
    "<tr>",
    "<td>",
    "</td>",
    "</table>",
    "<svg>",
    "<g>",
    "<g/>",
    "</svg>",
    "<foreignObject>",
    "<math>",
    "<mi>",
    "<h2>",
    "<button>",
    "<select>",
    "<option>",
    "<nobr>",
    "<form>",
    "</form>",
    "<frameset>",
    "<template>",
    "</template>",
    "<object>",
    "<script>",
    "</script>",
    "<!--",
    "-->",
    "<textarea>",
    "</textarea>",
    "<dd>",
    "<rt>",
    "<ruby>",
    "<title>",
    "x",
    "<x>",
    "</x>",
    "<div title='</div>'>",
    '<a b"c=">',
)


@PROFILE
@given(st.lists(st.sampled_from(TAGS), min_size=1, max_size=40), st.integers(1, 12))
def test_the_model_is_as_deep_as_lexbor(pattern: list[str], times: int) -> None:
    """The tag model nests at least about as deep as lexbor, on any tag soup (it may guess
    deeper; on exotic misnesting it may see up to half less, hence the margin of the caps)."""
    html = "".join(pattern) * times
    model = nesting.scan(html, 10**9, 10**18, 10**18)
    assert real_depth(html) <= 2 * model.deepest + 2
    if nesting._well_nested(html, 10**9):  # the fast path is exact or deeper
        plain = next(n for n in range(10**6) if nesting._well_nested(html, n))
        assert real_depth(html) <= plain + 3


def test_nested_tables_are_one_line_on_the_command_line() -> None:
    """5,000 nested tables (once a lexbor error and a traceback): one line, exit 2."""
    done = subprocess.run(
        [sys.executable, "-m", "emclean", "convert", "-"],
        input="<table><tr><td>x" * 5000,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("emclean: -: HTML nested more than")


# -- tables --------------------------------------------------------------------------------


def cells_of(markdown: str) -> list[list[int]]:
    """For each table in the Markdown: the number of cells with text in each row."""
    tables: list[list[int]] = []
    previous = ""
    for line in markdown.splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|( --- \|)+", line):
            if not previous.startswith("|"):
                tables.append([])
            tables[-1].append(sum(bool(cell.strip()) for cell in line.strip("|").split(" | ")))
        previous = line
    return tables


def widths_of(markdown: str) -> list[int]:
    """The width of each table's header row: a reader's renderer pads every row to it."""
    return [line.count(" --- |") for line in markdown.splitlines() if re.fullmatch(r"\|( --- \|)+", line)]


def test_spans_past_the_cap_write_each_cell_once() -> None:
    """100 rows of rowspan=65534 colspan=1000 (35 MB of output once): each cell once."""
    result = convert("<table>" + "<tr><td rowspan=65534 colspan=1000>x</td></tr>" * 100 + "</table>")
    assert sum(map(sum, cells_of(result.markdown))) == 100


def test_spans_within_the_cap_are_repeated() -> None:
    """A header cell over ten columns is repeated into each (the grid is ten times its cells)."""
    header = "<tr><th colspan=10>合计</th></tr>"
    body = "<tr>" + "<td>1</td>" * 10 + "</tr>"
    result = convert(f"<table>{header}{body * 3}</table>")
    assert result.markdown.count("合计") == 10


def test_a_row_with_no_cells_of_its_own_keeps_what_spans_into_it() -> None:
    """An empty <tr> under a rowspan is a row of the grid (as in a browser); one that
    nothing covers goes."""
    html = "<table><tr><td rowspan=2>甲</td><td>1</td></tr><tr></tr><tr><td>2</td><td>3</td></tr><tr></tr></table>"
    assert convert(html).markdown == "| 甲 | 1 |\n| --- | --- |\n| 甲 |  |\n| 2 | 3 |\n"


def test_nested_spanned_tables_do_not_multiply() -> None:
    """Spanned tables in spanned cells: the copies stay within SPAN_GROWTH times the input."""
    html = "x"
    for _ in range(12):
        html = f"<table><tr><td colspan=5>{html}</td></tr><tr>{'<td>y</td>' * 5}</tr></table>"
    result = convert(html)
    assert len(result.markdown) <= limits.SPAN_GROWTH * len(html) + limits.SPAN_FLOOR


def test_table_caption_is_kept() -> None:
    """A caption's text is written before its table (it was dropped)."""
    markdown = convert("<table><caption>标题</caption><tr><td>a</td></tr></table>").markdown
    assert markdown.startswith("标题\n\n|  |\n| --- |\n| a |")


def test_a_wide_row_over_many_short_rows_is_split() -> None:
    """A reader's renderer pads every row to the header's width: the table is split so that
    the padded grid stays within SPAN_GROWTH times its cells (it was quadratic)."""
    html = "<table><tr>" + "<td>h</td>" * 2000 + "</tr>" + "<tr><td>x</td></tr>" * 2000 + "</table>"
    markdown = convert(html).markdown
    tables = cells_of(markdown)
    assert sum(map(sum, tables)) == 4000
    for rows, width in zip(tables, widths_of(markdown), strict=True):
        assert limits.grid_fits(sum(rows), width * len(rows))


def test_output_past_the_backstop_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever repeats text (here spans, once their own cap is lifted), Markdown more than
    OUTPUT_GROWTH times the HTML is refused."""
    html = "<table><tr><td colspan=500>" + "文" * 2000 + "</td></tr><tr>" + "<td>y</td>" * 500 + "</tr></table>"
    convert(html)  # within the span cap: each cell once
    monkeypatch.setattr(limits, "SPAN_GROWTH", 10_000)
    assert "times the size of the HTML" in refused(html)


# -- lists and quotes ----------------------------------------------------------------------


def test_deep_lists_are_written_at_the_cap() -> None:
    """Lists nested past MAX_OUTPUT_NESTING are written at that depth: output linear in size."""
    html = "<ul><li>项" * 200
    result = convert(html)
    indents = {len(line) - len(line.lstrip()) for line in result.markdown.splitlines()}
    assert max(indents) == 2 * (limits.MAX_OUTPUT_NESTING - 1)
    assert result.markdown.count("项") == 200


def test_deep_quotes_are_written_at_the_cap() -> None:
    """Quotes nested past MAX_OUTPUT_NESTING get no more `>`."""
    result = convert("<blockquote><p>引</p>" * 100)
    assert max(len(line) - len(line.lstrip(">")) for line in result.markdown.splitlines()) == limits.MAX_OUTPUT_NESTING
    assert result.markdown.count("引") == 100


def test_lists_in_quotes_share_the_cap() -> None:
    """Lists and quotes count together."""
    result = convert("<blockquote><ul><li>x" * 40)
    assert max(len(line) for line in result.markdown.splitlines()) < 4 * limits.MAX_OUTPUT_NESTING


# -- escaping ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        ("a[b[c]d]e", r"a\[b\[c\]d\]e"),
        ("x]y[z", "x]y[z"),
        ("[[[[", "[[[["),
        ("]]]][", "]]]]["),
        ("[" * 50 + "]", "\\[" * 50 + "\\]"),
        ("*" * 30, "\\*" * 30),
        ("a" + "_" * 30 + "b", "a" + "\\_" * 30 + "b"),
        ("&" * 30 + "amp;", "&" * 29 + "&amp;amp;"),
        ("<" * 30 + "a", "\\<" * 30 + "a"),
    ],
)
def test_runs_are_escaped_like_single_characters(html: str, markdown: str) -> None:
    """A run of one punctuation mark is escaped as each of its characters would be."""
    assert convert(f"<p>{htmllib.escape(html, quote=False)}</p>").markdown == markdown + "\n"


def test_heading_closing_hashes() -> None:
    """Only a heading's closing sequence of `#` is escaped, however long the heading."""
    assert convert("<h2>热点 ##</h2>").markdown == "## 热点 \\##\n"
    assert convert("<h2>" + "# " * 5000 + "热点</h2>").markdown.count("\\#") == 0


# -- the codec -----------------------------------------------------------------------------


def test_private_use_characters_in_every_block_are_refused() -> None:
    """The codec needs one free block of private-use characters: all used is refused."""
    areas = ((0xE000, 100), (0xF0000, 1023), (0x100000, 1023))
    every = "".join(chr(start + 64 * n) for start, count in areas for n in range(count))
    assert "private-use" in refused(f"<p>{every}</p>")


def test_a_codec_outside_the_bmp_does_not_collide() -> None:
    """With the BMP's blocks all used, the codec's markers come from plane 15, never from the text."""
    bmp = "".join(chr(0xE000 + 64 * n) for n in range(100))
    text = bmp + chr(0xF0000) + chr(0xF0041)
    assert ord(codec_for(text).br) >= 0xF0080
    result = convert(f"<p>{text}<b>粗</b>*a*</p>")
    assert result.markdown == f"{text}**粗**\\*a\\*\n"


# -- entity links ----------------------------------------------------------------------------


class Counting(str):
    """A source text that counts the characters its searches cover."""

    scanned = 0

    def find(self, key: str, start: int = 0, end: int | None = None) -> int:  # type: ignore[override]
        end = len(self) if end is None else min(end, len(self))
        Counting.scanned += max(0, end - start)
        return str.find(self, key, start, end)


def test_links_not_found_in_the_source_cost_a_bounded_search() -> None:
    """Links whose text is not written as such in the source (A&#32;B) are not each searched
    for through the whole rest of it (that was quadratic)."""
    html = "<p>" + "x" * 30_000 + "</p><p>" + '<a class="keytip">A&#32;B</a>' * 3000 + "</p>"
    Counting.scanned = 0
    found = emclean.list_entities(html)
    assert len(found) == 3000
    source = Counting(html)
    lines = entities._Lines(source, 1)
    for entity in found:
        lines.find(entity)
    assert Counting.scanned <= 8 * len(html) + 2_000_000


# -- generated shapes ------------------------------------------------------------------------

UNITS = [
    "[",
    "]",
    "[]",
    "&",
    "&amp;",
    "*",
    "_",
    "~",
    "`",
    "&lt;",
    "!",
    "\\",
    "{",
    "{{",
    "#",
    "|",
    "-",
    ".",
    "&gt;",
    "&#91;",
    "中*文",
    "中[文]",
    "<br>",
    "x<br>",
    "<b>粗</b>",
    "<b>x<br></b>",
    "以<b>“七”</b>为",
    "<b>x</b><i>y</i>",
    "&nbsp;",
    "　",
    "<p>x</p>",
    "<p></p>",
    "<td>x</td>",
    "<tr><td>x</td></tr>",
    "<tr><td rowspan=65534 colspan=1000>x</td></tr>",
    "<table><tr><td>x</td></tr></table>",
    '<img src="http://x.cn/a.png" alt="图">',
    '<a href="http://x.cn/a">链接</a>',
    KEYTIP,
    "\ue000",
]
WRAPS = [
    ("<ul><li>", "</li></ul>"),
    ("<blockquote>", "</blockquote>"),
    ("<b><i>", "</i></b>"),
    ("<span>", "</span>"),
    ("<table><tr><td>", "</td></tr></table>"),
    ("<div>", "</div>"),
    ("<p>", ""),
    ("<font color=red>", ""),
    ("<h2>", ""),
]


@st.composite
def shape(draw: st.DrawFn) -> str:
    """A hostile shape, scaled: a run of one unit, in a run of nested wrappers."""
    unit = draw(st.sampled_from(UNITS))
    body = unit * draw(st.integers(1, 2000))
    if draw(st.booleans()):
        open_tag, close_tag = draw(st.sampled_from(WRAPS))
        depth = draw(st.integers(1, 700 // open_tag.count("<")))
        body = open_tag * depth + body + close_tag * depth
    if draw(st.booleans()):
        body = body * draw(st.integers(2, 20))
    return "<div>" + body + "</div>"


@PROFILE
@given(shape())
@example("<div>" + "<ul><li>x" * 300 + "</div>")
@example("<div>" + "<blockquote>x" * 300 + "</div>")
@example("<div><table>" + "<tr><td rowspan=65534 colspan=1000>x</td></tr>" * 30 + "</table></div>")
@example("<div><table><tr>" + "<td>h</td>" * 300 + "</tr>" + "<tr><td>x</td></tr>" * 300 + "</table></div>")
def test_hostile_shapes_convert_or_are_refused(html: str) -> None:
    """Every shape converts faithfully and stably, with output at most SPAN_GROWTH times
    the input; or it is refused with one line."""
    try:
        result = emclean.convert(html, FRAGMENT)
    except emclean.InputError as e:
        message = str(e)
    else:
        message = ""
        assert verify.check(result) == []
        assert emclean.convert(result.markdown, name="again.md").markdown == result.markdown
        assert len(result.markdown) <= limits.SPAN_GROWTH * len(html) + limits.SPAN_FLOOR
    assert "\n" not in message


# -- the shapes of the issue, at their size --------------------------------------------------

ISSUE_SHAPES = {
    "nested tables": "<table><tr><td>x" * 3000,
    "nested tables ×5000": "<table><tr><td>x" * 5000,
    "spans": "<table>" + "<tr><td rowspan=65534 colspan=1000>x</td></tr>" * 100 + "</table>",
    "run of [": "<p>" + "[" * 1_000_000 + "</p>",
    "[] pairs": "<p>" + "[]" * 500_000 + "</p>",
    "run of ]": "<p>" + "]" * 1_000_000 + "</p>",
    "raw &": "<p>" + "&" * 500_000 + "</p>",
    "nested lists": "<ul><li>x" * 10_000,
}


# and shapes found while fixing those (each took 17 s to 75 s before)
FOUND_SHAPES = {
    "150,000 attributes": "<p " + " ".join(f"a{n}=x" for n in range(150_000)) + ">x</p>",
    "spaces before a line break": "<p>a" + " " * 120_000 + "x\nb</p>",
    "autolinks that never close, in a post": "---\ntitle: x\n---\n\n" + "<http://a" * 40_000 + f"\n\n<p>{KEYTIP}</p>\n",
    "link names not in the source": "<p>"
    + "x" * 30_000
    + "</p><p>"
    + '<a class="keytip">A&#32;B</a>' * 30_000
    + "</p>",
    # (found by the adversarial run: two regexes of the post's meta, quadratic on runs of spaces)
    "a source line of spaces": f"---\ntitle: x\n---\n<p>{KEYTIP}</p>\n<p>来源：a" + "\u2003" * 100_000 + "b</p>\n",
    "a front matter value of spaces": "---\ntitle: a" + " " * 100_000 + f"b\n---\n<p>{KEYTIP}</p>\n",
}
DRIVER = textwrap.dedent(
    """
    import sys, emclean
    from emclean import verify
    try:
        result = emclean.convert(sys.stdin.read(), details=True)
        print("ok" if verify.check(result) == [] else "unfaithful")
    except emclean.InputError:
        print("refused")
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("name", [*ISSUE_SHAPES, *FOUND_SHAPES])
def test_the_runaway_shapes_finish(name: str) -> None:
    """The shapes of issue 9 at their size (20 s to 119 s each, or a traceback, before), and
    those found since: each converts (with entity details) or is refused, in a fresh
    process; 20 s is only a hang guard."""
    html = ISSUE_SHAPES.get(name) or FOUND_SHAPES[name]
    done = subprocess.run(
        [sys.executable, "-c", DRIVER], input=html, capture_output=True, text=True, timeout=20, cwd=ROOT, check=True
    )
    assert done.stdout.strip() in ("ok", "refused")


def test_a_post_of_many_small_blocks_is_converted_in_one_pass() -> None:
    """Blocks with only blank lines between them are one conversion (not one per block: 20,000
    tiny blocks cost 6 s a MB that way), and still come out as the blocks they were: an
    inline-started block stays its own paragraph, a block converting to nothing leaves none."""
    blocks = [f'<p>段{i}<a class="keytip" data-code="1,600519">茅台</a></p>' for i in range(300)]
    blocks[5] = "<span>行内开头的块</span>"
    blocks[6] = "<script>x()</script>"
    post = "---\ntitle: t\n---\n\n" + "\n\n".join(blocks) + "\n\n正文 *Markdown*\n\n<p>后一块</p>\n"
    result = emclean.convert(post, name="p.md")
    assert len(result.parts) == 2  # the run of 300 blocks, then the block after the Markdown
    body = split_post(result.markdown).body
    assert body.startswith("\n段0茅台\n\n段1茅台\n")
    assert "段4茅台\n\n行内开头的块\n\n段7茅台\n" in body
    assert body.endswith("段299茅台\n\n正文 *Markdown*\n\n后一块\n")
    assert verify.check(result) == []
