"""Properties over generated Eastmoney-like HTML: no crash, faithful, stable, no raw HTML."""

from __future__ import annotations

import html as htmllib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

import emclean
from emclean import verify

MD = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")
PROFILE = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

# Text that trips Markdown: ASCII punctuation, CJK, full-width punctuation and spaces, Liquid.
ALPHABET = "中文股价上涨新产业链创" + "，。、“”《》（）：；！？　" + "*_~`#[]()<>!&|{}$\\\"'-+.:=^@%/ " + "ab1 \n"
text = st.text(alphabet=ALPHABET, min_size=0, max_size=40).map(htmllib.escape)
code = st.sampled_from(["0,300832", "1,600519", "116,00700", "105,PDD", "106,BABA", "90,BK0474", "002353", "150,1"])
href = st.sampled_from(
    [
        "https://finance.eastmoney.com/a/1.html",
        "http://x.com/a_(b)",
        "javascript:alert(1)",
        "data:text/html,x",
        "#top",
        "mailto:a@b.c",
        "//x.com/y",
        "/relative",
    ]
)


@st.composite
def entity(draw: st.DrawFn) -> str:
    name = draw(st.text(alphabet="新产业贵州茅台保险PPI", min_size=1, max_size=5))
    kind = draw(st.integers(0, 4))
    c = draw(code)
    market, _, number = c.partition(",")
    if kind == 0:
        return (
            f'<span id="stock_{market}.{number}"><a href="http://quote.eastmoney.com/unify/r/{market}.{number}" '
            f'class="keytip" data-code="{c}">{name}</a></span><span id="quote_{market}.{number}"></span>'
        )
    if kind == 1:
        return (
            f'<span web="1" href="http://quote.eastmoney.com/unify/r/{c}" class="em_stock_key_common" '
            f'data-code="{c}">{name}</span>'
        )
    if kind == 2:
        return f'<span id="Info.3293"><a href="http://data.eastmoney.com/zlsj/" class="infokey">{name}</a></span>'
    if kind == 3:
        return (
            '<span data-code="601818,1,1" data-type="1" class="zwstock">'
            f'<span data-type="2" data-code="1" class="zwstock">{name}</span></span>'
        )
    return f'<a class="em_stock_key_common" href="http://quote.eastmoney.com/r/0.002353">{name}</a>'


def inline(depth: int) -> st.SearchStrategy[str]:
    leaf = st.one_of(text, entity(), st.just("<br>"), href.map(lambda h: f'<img src="{h}" alt="图">'))
    if depth == 0:
        return leaf
    inner = st.lists(inline(depth - 1), max_size=3).map("".join)
    return st.one_of(
        leaf,
        inner.map(lambda s: f"<strong>{s}</strong>"),
        inner.map(lambda s: f"<em>{s}</em>"),
        inner.map(lambda s: f"<del>{s}</del>"),
        st.tuples(href, inner).map(lambda t: f'<a href="{t[0]}">{t[1]}</a>'),
        inner.map(lambda s: f'<span style="display:none">{s}</span>'),
    )


content = st.lists(inline(2), min_size=0, max_size=5).map("".join)
cell = content.map(lambda s: f"<td>{s}</td>")
block = st.one_of(
    content.map(lambda s: f"<p>　　{s}</p>"),
    content.map(lambda s: f"<h2>{s}</h2>"),
    st.lists(content, min_size=1, max_size=3).map(lambda xs: "<ul>" + "".join(f"<li>{x}</li>" for x in xs) + "</ul>"),
    content.map(lambda s: f"<blockquote><p>{s}</p></blockquote>"),
    st.lists(st.lists(cell, min_size=1, max_size=3).map("".join), min_size=1, max_size=3).map(
        lambda rows: '<table><tr><td rowspan="2">并</td>' + "</tr><tr>".join(rows) + "</tr></table>"
    ),
    content.map(lambda s: f"<script>var x='{s}';</script>"),
    content.map(lambda s: f"<center>{s}</center>"),
    content,
)
document = st.lists(block, min_size=1, max_size=6).map("".join)


def links_of(markdown: str) -> list[str]:
    out = []
    for token in MD.parse(markdown):
        for child in token.children or []:
            if child.type == "link_open":
                out.append(str(child.attrs.get("href", "")))
            if child.type == "image":
                out.append(str(child.attrs.get("src", "")))
    return out


@PROFILE
@given(document)
def test_fragments(html: str) -> None:
    """Any Eastmoney-like fragment converts faithfully, stably, with no HTML or script links."""
    result = emclean.convert(html, emclean.Options(input_kind=emclean.InputKind.FRAGMENT))
    assert verify.check(result) == []
    again = emclean.convert(result.markdown, name="again.md")
    assert again.markdown == result.markdown
    assert not any(h.lower().startswith(("javascript:", "data:")) for h in links_of(result.markdown))
    assert "<span" not in result.markdown
    assert "keytip" not in result.markdown


@PROFILE
@given(document, st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_posts_keep_their_markdown(html: str, newline: str, final: bool) -> None:
    """In a post, every byte outside the HTML block is kept; the HTML is converted."""
    head = f'---{newline}title: "标题"{newline}---{newline}> 摘要 *ST{newline}{newline}'
    tail = f"{newline}{newline}<http://finance.eastmoney.com/news/1,2.html>{newline}{newline}[返回](//x/)"
    body = '<p class="em_media">（文章来源：测试）</p>' + html.replace("\n", " ")
    post = head + body + tail + (newline if final else "")
    result = emclean.convert(post)
    assert result.markdown.startswith(head)
    assert result.markdown.endswith(tail + (newline if final else ""))
    assert verify.check(result) == []
    assert emclean.convert(result.markdown).markdown == result.markdown


@PROFILE
@given(document, st.sampled_from(["inline", "link", "footnote"]))
def test_annotations_are_faithful(html: str, mode: str) -> None:
    """Annotated output still shows the article text (plus the annotations)."""
    options = emclean.Options(input_kind=emclean.InputKind.FRAGMENT, annotate=emclean.Annotate(mode))
    result = emclean.convert(html, options)
    assert verify.check(result) == []
