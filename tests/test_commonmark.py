"""emclean's Markdown reader (pulldown-cmark) against markdown-it-py, the referee's reader."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from emclean import commonmark
from emclean.document import lines_of

MD = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")
PROFILE = settings(max_examples=1500, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

# Lines as Jekyll posts of Eastmoney articles hold them: Markdown around HTML blocks.
LINE = st.sampled_from(
    [
        "",
        "",
        "> 摘要：要以“七条链”为重点",
        "<http://finance.eastmoney.com/a/202112082206735975.html>",
        '<p>　　创<a href="http://quote.eastmoney.com/unify/r/0.300832">新产业</a>链</p>',
        '<div class="b-review">',
        "</div>",
        '<span id="stock_0.300832"><a class="keytip" data-code="0,300832">新产业</a></span>',
        "正文 <span>内联</span> 文字",
        "[返回东方财富](http://finance.eastmoney.com/)",
        "# 标题",
        "- 项目 <b>粗</b>",
        "1. 第一",
        "**粗体**",
        "<!-- EM_StockImg_Start -->",
        '<img src="//webquoteklinepic.eastmoney.com/GetPic.aspx?nid=0.300832">',
        "    缩进",
        "<table><tr><td>1</td></tr></table>",
        "---",
        "  - 嵌套 <em>x</em>",
        "<br>",
    ]
)
BODY = st.lists(LINE, max_size=14).map("\n".join)


def reference_blocks(markdown: str) -> list[tuple[int, int, bool]]:
    """markdown-it-py's top-level blocks holding raw HTML (trailing blank lines left out)."""
    lines = lines_of(markdown)
    found: list[tuple[int, int, bool]] = []
    top: tuple[int, int, bool] | None = None
    has_html = False
    for token in MD.parse(markdown):
        if token.level == 0 and token.map is not None and token.nesting >= 0:
            if top is not None and has_html:
                found.append(top)
            top, has_html = (token.map[0], token.map[1], token.type == "html_block"), token.type == "html_block"
        elif token.type == "html_block" or any(c.type == "html_inline" for c in token.children or []):
            has_html = True
    if top is not None and has_html:
        found.append(top)
    trimmed = []
    for start, stop, html in found:
        end = stop
        while end - 1 > start and end - 1 < len(lines) and not lines[end - 1].strip():
            end -= 1
        trimmed.append((start, end, html))
    return trimmed


@PROFILE
@given(BODY)
def test_html_blocks_are_found_where_markdown_it_finds_them(body: str) -> None:
    """Same top-level blocks with HTML, same lines, same kind (raw block or Markdown with inline HTML)."""
    assert [(b.start, b.end, b.html) for b in commonmark.html_blocks(body)] == reference_blocks(body)


@PROFILE
@given(BODY)
def test_reading_matches_markdown_it(body: str) -> None:
    """The text a reader sees and the raw HTML count agree with markdown-it-py."""
    text: list[str] = []
    raw = 0
    for token in MD.parse(body):
        raw += token.type == "html_block"
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                text.append(child.content)
            raw += child.type == "html_inline"
        if token.type in ("code_block", "fence"):
            text.append(token.content)
    reading = commonmark.read(body)
    assert re.sub(r"\s", "", reading.text) == re.sub(r"\s", "", "".join(text))
    assert reading.raw_html == raw


def test_a_list_ends_at_its_last_line() -> None:
    """pulldown-cmark's range of a list runs into the next line's indent; the block does not."""
    body = "  - 嵌套 <b>x</b>\n\n 段落\n"
    assert [(b.start, b.end, b.html) for b in commonmark.html_blocks(body)] == [(0, 1, False)]


def test_lone_cr_line_endings() -> None:
    """Old Mac line endings: an HTML block after indented code is still found."""
    assert [(b.start, b.end, b.html) for b in commonmark.html_blocks("    code\r<p>x</p>\r")] == [(1, 2, True)]
    assert [(b.start, b.end, b.html) for b in commonmark.html_blocks("a\r\n\r\n<div>\r\nb\r\n</div>\r\n")] == [
        (2, 5, True)
    ]


def test_reading_leaves_out_image_descriptions_and_liquid_raw() -> None:
    """Alt text is not visible text; Jekyll removes `{% raw %}` tags; cells are separated."""
    reading = commonmark.read("![图](x.png) 文{% raw %}字{% endraw %}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert reading.text.split() == ["文字", "a", "b", "1", "2"]
    assert reading.raw_html == 0
    assert commonmark.read("a <b>x</b>\n\n<div>\n</div>\n").raw_html == 3
