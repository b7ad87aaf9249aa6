"""Untrusted HTML in, inert Markdown out: no raw HTML, no event handler, no URL outside
the allow-list, in markdown-it, pulldown-cmark and kramdown; the check that says so; and
`--sanitize` for a post's own Markdown."""

from __future__ import annotations

import dataclasses
import html as htmllib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import STRICT, have_kramdown
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from inert import MD, Kramdown, active, raw_html_tokens, renderings, unsafe, url_ok
from selectolax.lexbor import LexborHTMLParser
from typer.testing import CliRunner

import emclean
from emclean import commonmark, urls, verify
from emclean.cli import app

PROFILE = settings(max_examples=250, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
FRAGMENT = emclean.InputKind.FRAGMENT
runner = CliRunner()


@pytest.fixture(scope="module")
def kramdown() -> Iterator[Callable[[str], str] | None]:
    """kramdown as Jekyll runs it, or None when Ruby kramdown is not installed (then the
    properties hold for the CommonMark renderers only; in CI it must be there)."""
    if not have_kramdown():
        if STRICT:
            pytest.fail("ruby with kramdown and kramdown-parser-gfm is required in CI")
        yield None
        return
    server = Kramdown()
    yield server
    server.close()


def md(html: str, **options: object) -> str:
    return emclean.convert(html, emclean.Options(input_kind=FRAGMENT, **options)).markdown  # type: ignore[arg-type]


# -- urls.py ------------------------------------------------------------------------------


SAME = "same as the link"


@pytest.mark.parametrize(
    ("given_url", "link", "image"),
    [
        ("https://x.example/a b", "https://x.example/a%20b", SAME),
        ("HTTP://X.example/", "http://X.example/", SAME),
        ("//x.example/a.png", "https://x.example/a.png", SAME),
        ("mailto:a@b.example", "mailto:a@b.example", None),
        ("javascript:alert(1)", None, None),
        (" \x01java\tscr\nipt:alert(1)", None, None),
        ("JaVaScRiPt:alert(1)", None, None),
        ("vbscript:msgbox(1)", None, None),
        ("data:text/html,<script>alert(1)</script>", None, None),
        ("data:image/png;base64,iVBORw0KGgo=", None, "data:image/png;base64,iVBORw0KGgo="),
        ("data:image/svg+xml,<svg onload=alert(1)>", None, None),
        ("data: image/SVG+xml;base64,PHN2Zz4=", None, None),
        ("data:image/png ;x,<svg onload=alert(1)>", None, None),  # (a space: written %20, no type)
        ("data:image/png; base64,AAAA", None, "data:image/png;%20base64,AAAA"),
        ("/relative.png", "/relative.png", None),  # a link stays relative, an image goes
        ("../a b.html?q=中", "../a%20b.html?q=中", None),
        ("\\\\evil.example/x", "%5C%5Cevil.example/x", None),
        ("#top", None, None),
        ("https://a.example\n\n[x]:javascript:alert(1)//", "https://a.example[x]:javascript:alert%281%29//", SAME),
        ("https://x.example/a)b(c", "https://x.example/a%29b%28c", SAME),
        ('https://x.example/<b>`c`{{d}}|e\\f"g^', "https://x.example/%3Cb%3E%60c%60%7B%7Bd%7D%7D%7Ce%5Cf%22g%5E", SAME),
        ("https://x.example/a&copy;b&#10;c", "https://x.example/a&copy%3Bb&#10%3Bc", SAME),
        (
            "https://x.example/\u2028\u202e\u200b\u3000\xa0\x85",
            "https://x.example/%E2%80%A8%E2%80%AE%E2%80%8B%E3%80%80%C2%A0%C2%85",
            SAME,
        ),
        ("https://x.example/股票?q=贵州茅台", "https://x.example/股票?q=贵州茅台", SAME),
    ],
)
def test_urls(given_url: str, link: str | None, image: str | None) -> None:
    """Links: http(s)/mailto or relative; images: http(s), raster data (relative ones need the
    page's URL).
    What is written is allowed when read back (one rule for the writer and the check)."""
    assert urls.link(given_url) == link
    assert urls.image(given_url) == (link if image == SAME else image)
    for written, image_src in ((urls.link(given_url), False), (urls.image(given_url), True)):
        assert written is None or (
            urls.allowed(written, image=image_src) and urls.allowed(unquote(written), image=image_src)
        )


def test_relative_urls_resolve_against_the_page() -> None:
    """With the page's URL, relative links and images resolve; a base that is not http(s) is ignored."""
    base = "https://finance.eastmoney.com/a/1.html"
    assert urls.link("/b/2.html", base) == "https://finance.eastmoney.com/b/2.html"
    assert urls.link("#top", base) == "https://finance.eastmoney.com/a/1.html#top"
    assert urls.image("p.png", base) == "https://finance.eastmoney.com/a/p.png"
    assert urls.link("javascript:alert(1)", base) is None
    assert urls.link("/b", "javascript:alert(1)") == "/b"  # (that base is ignored)


urls_text = st.text(
    alphabet=st.sampled_from(list("htps:/mailoj vcr.x()<>[]{}|`\\\"'&#;%*_~$!\t\n\r\x00\x01\x7f\x85\u2028\u202e中")),
    max_size=30,
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.sampled_from(["https://x.example/", "mailto:", "//x.example/", "", "java"]), urls_text)
def test_written_urls_are_allowed_idempotent_and_read_back(
    kramdown: Callable[[str], str] | None, head: str, tail: str
) -> None:
    """A URL emclean writes is on the allow-list, has no space or control character, comes
    back unchanged when written again, and pulldown-cmark and kramdown read it as written."""
    written = urls.link(head + tail)
    if written is None:
        return
    assert url_ok(written, image=False)
    assert not any(ch.isspace() or ord(ch) < 0x20 or ch in '<>()`{}|\\"^' for ch in written)
    assert urls.link(written) == written
    for name, rendered in renderings(f"[t]({written})", kramdown):
        link = LexborHTMLParser(rendered).css_first("a")
        assert link is not None, name
        href = link.attributes["href"] or ""
        assert url_ok(href, image=False), name
        if name != "markdown-it":  # (mdurl normalises `mailto:::` to `mailto::`)
            assert unquote(href) == unquote(written), name


# -- the examples of the issue --------------------------------------------------------------


def test_alt_text_is_text() -> None:
    """Alt text cannot open raw HTML, a code span, or close the image early."""
    out = md('<img src="https://x.example/a.png" alt="<img src=x onerror=alert(1) y=">')
    assert out == "![\\<img src=x onerror=alert(1) y=](https://x.example/a.png)\n"
    out = md('<img src="https://x.example/a&#10;.png" alt="<script>alert(1)</script>">')
    assert out == "![\\<script>alert(1)\\</script>](https://x.example/a.png)\n"
    assert (
        md('<img src="https://x.example/a.png" alt="a`b ]c \\">') == "![a&#96;b \\]c \\\\](https://x.example/a.png)\n"
    )
    for html in (
        '<p><img src="https://x.example/a.png" alt="a`b"> c`d</p>',
        '<p>a` <img src="https://x.example/a.png" alt="b``c<b>d">`</p>',
    ):
        out = md(html)
        assert unsafe(out, None) == []
        image = LexborHTMLParser(MD.render(out)).css_first("img")
        assert image is not None
        assert image.attributes["alt"] == LexborHTMLParser(html).css_first("img").attributes["alt"]  # type: ignore[union-attr]


def test_newline_in_href_cannot_start_a_definition() -> None:
    """`&#10;` in an href or src is removed as a browser removes it: no definition follows."""
    for tag in (
        '<a href="https://a.example&#10;&#10;[x]:javascript:alert(1)//">t</a> [x]',
        '<a href="mailto:a@b&#13;&#13;[x]:javascript:alert(1)">t</a> [x]',
        '<img src="https://a.example/&#10;&#10;[x]:javascript:alert(1)//" alt="x"> [x]',
    ):
        out = md(f"<p>{tag}</p>")
        assert "\n\n[x]:" not in out
        assert unsafe(out, None) == []


@pytest.mark.parametrize("mode", ["link", "footnote", "inline"])
def test_data_code_cannot_escape(mode: str) -> None:
    """A `)`, `<` or newline in data-code stays inside the quote URL it builds."""
    code = "1,600519)&#10;&#10;[x]:javascript:alert(1)//&lt;img src=x onerror=alert(1)&gt;"
    out = md(f'<p><a class="keytip" data-code="{code}">贵州茅台</a> [x]</p>', annotate=emclean.Annotate(mode))
    assert unsafe(out, None) == []
    assert "\n[x]:" not in out


def test_footnotes_are_never_link_definitions() -> None:
    """A footnote definition without a quote URL ends with the code, so that CommonMark
    without footnotes never reads `[^x]: javascript:…` as a link definition; a reference
    at the start of a line followed by `:` is not one either."""
    footnote = emclean.Annotate.FOOTNOTE
    out = md(
        '<p>a <a class="keytip" data-code="zz">javascript:alert(1)</a> b <a class="keytip" data-code="zz">c</a></p>',
        annotate=footnote,
        annotate_suspicious=True,
    )
    assert out == "a javascript:alert(1)[^zz] b c[^zz]\n\n[^zz]: javascript:alert(1) （zz）\n"
    assert unsafe(out, None) == []
    link = '<a class="keytip" data-code="1,600519">{}</a>'
    html = f"<p>{link.format('')}: javascript:alert(1)</p><p>{link.format('x')}</p>"
    out = md(html, annotate=footnote, annotate_suspicious=True)
    assert out.startswith("[^600519-SH]\\: javascript:alert(1)\n")
    assert unsafe(out, None) == []


def test_footnote_definition_is_one_piece_of_text() -> None:
    """A backtick in the name and one in the code do not make a code span of the definition."""
    link = '<a class="keytip" data-code="zz`&lt;b&gt;">名`称</a>'
    out = md(f"<p>{link}</p>", annotate=emclean.Annotate.FOOTNOTE, annotate_suspicious=True)
    assert out.endswith(": 名\\`称 （zz\\`\\<b>）\n")
    assert commonmark.hazards(out) == []


def test_entity_record_urls_follow_the_rule() -> None:
    """The `url` of an entity record (JSON, CSV, --annotate link) is allowed and inert."""
    html = (
        '<p><a class="keytip" data-code="1,600519)&#10;&#10;[x]:javascript:alert(1)">茅台</a>'
        '<span id="Info.1"><a class="infokey" href="javascript:alert(1)">PPI</a></span></p>'
    )
    found = emclean.list_entities(html)
    assert [e.url for e in found] == [
        "https://quote.eastmoney.com/unify/r/1.600519%29[x]:javascript:alert%281%29",
        None,
    ]


def test_front_matter_url_is_allowed_only() -> None:
    """A page's canonical URL goes through the same rule."""
    page = '<html><head><link rel="canonical" href="javascript:alert(1)"></head><body><p>x</p></body></html>'
    assert "url" not in emclean.convert(page, emclean.Options(front_matter=True)).meta
    out = emclean.convert(page, emclean.Options(front_matter=True, url="https://x.example/a b")).markdown
    assert 'url: "https://x.example/a%20b"' in out


def test_footnote_names_cannot_pair_as_emphasis() -> None:
    """A hostile code (`data-code="0,_"`) makes footnote names of ASCII letters, digits and
    hyphens only: two `[^_-SZ]` would pair their `_` as emphasis and the references vanish."""
    html = '<p><a class="keytip" data-code="0,_">&lt;b&gt;</a>: x <a class="keytip" data-code="0,_">y</a></p>'
    result = emclean.convert(html, emclean.Options(annotate=emclean.Annotate.FOOTNOTE, input_kind=FRAGMENT))
    assert verify.check(result) == []
    assert "[^--SZ]" in result.markdown


def test_heading_attributes_stay_text(kramdown: Callable[[str], str] | None) -> None:
    """A heading ending in `{…}` is text: pulldown-cmark's heading attributes (mdBook, Zola)
    would read `{#id onclick=…}`, even as `\\{`."""
    for heading in ("x {#id onclick=alert(1)}", "y {: onclick=alert(1)}", "z {.a onmouseover=alert(1)} "):
        out = md(f"<h2>{heading}</h2><p>KT</p>")
        assert out.startswith("## ")
        assert unsafe(out, kramdown) == []
        assert out.split("\n")[0].replace("&#123;", "{").replace("\\", "") == "## " + heading.strip()
    assert md("<h2>a {b} c</h2>").startswith("## a {b} c")


def test_unsafe_schemes_become_text() -> None:
    """javascript:, vbscript:, data: links, also split by tabs, newlines and entities, are text."""
    for href in ("javascript:alert(1)", "java&#9;script:alert(1)", "&#1;javascript:alert(1)", "JaVa&#10;ScRiPt:x"):
        assert md(f'<p><a href="{href}">t</a></p>') == "t\n"
    assert md('<p><img src="data:image/svg+xml,&lt;svg onload=alert(1)&gt;" alt="x">y</p>') == "y\n"


# -- the check ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "markdown",
    [
        "a <img src=x onerror=alert(1)>",
        "<div>\nx\n</div>",
        "![<b>x</b>](https://x.example/a.png)",
        "[t](javascript:alert(1))",
        "[t](java&#115;cript:alert(1))",
        "<javascript:alert(1)>",
        "![x](data:image/svg+xml,x)",
        "[t][x]\n\n[x]: javascript:alert(1)",
        "[x]: javascript:alert(1)",
        "[x]:\n  vbscript:x",
        "> [x]: javascript:alert(1)",
        "[^x]: javascript:alert(1)",
        "a {: onclick=alert(1)}",
        "{::nomarkdown}&lt;b&gt;{:/}",
        "[t](java\tscript:alert(1))",
        "x <img\nsrc=x onerror=alert(1)",
        "``` a <i>x</i>\n```",  # kramdown takes no fence with a spaced info string: raw HTML
        "`<b>`",  # code holding a tag: reported, as kramdown may not agree it is code
    ],
)
def test_hazards_are_found(markdown: str) -> None:
    """Raw HTML, unsafe links, images, autolinks, definitions and kramdown-only markup."""
    assert commonmark.hazards(markdown)


@pytest.mark.parametrize(
    "markdown",
    [
        "a \\<img src=x onerror=alert(1)> b",
        "[t](https://x.example/) <https://x.example/> <a@b.example> [m](mailto:a@b.example)",
        "![x](data:image/png;base64,AAAA) ![y](/a.png)",
        "[t][x]\n\n[x]: https://x.example/",
        "[^600519-SH]: 贵州茅台 <https://quote.eastmoney.com/unify/r/1.600519>",
        "a \\{: b\\](c) `b` &lt;b&gt;",
        "```\nalert(1)\n```",
        "[^x]: javascript:alert(1) <https://x.example/>",
    ],
)
def test_inert_markdown_has_no_hazards(markdown: str) -> None:
    """Escaped markup, allowed URLs, footnote definitions and plain code are inert."""
    assert commonmark.hazards(markdown) == []


def test_check_reports_unsafe_output() -> None:
    """`emclean.check` reports active content in what was converted, first, on one line."""
    result = emclean.convert("<p>x</p>", emclean.Options(input_kind=FRAGMENT))
    part = result.parts[0]
    bad = dataclasses.replace(part, markdown="x <img src=y onerror=alert(1)>\n")
    problems = emclean.check(dataclasses.replace(result, parts=(bad,)))
    assert str(problems[0]).startswith("unsafe output: raw HTML '<img src=y onerror=alert(1)>'")
    assert "\n" not in str(problems[0])


# -- properties over hostile HTML -----------------------------------------------------------

SCHEMES = st.sampled_from(["javascript", "JaVaScRiPt", "vbscript", "data", "livescript"])
SPLITTERS = st.sampled_from(["", "\t", "\n", "\r", "\x01", " ", "\x0b", "\x0c", "\u2028", "\u200b", "\u202e", "&"])
PAYLOADS = st.sampled_from(
    [
        "<img src=x onerror=alert(1)>",
        "<img src=x onerror=alert(1) y=",
        "<script>alert(1)</script>",
        "<svg/onload=alert(1)>",
        "</p><iframe src=javascript:alert(1)>",
        "<a href='javascript:alert(1)'>x</a>",
        "<!-- x -->",
        "<![CDATA[x]]>",
        "<?php x ?>",
        "[x](javascript:alert(1))",
        "![x](javascript:alert(1))",
        "<javascript:alert(1)>",
        "\n\n[x]: javascript:alert(1)\n\n",
        "[x]",
        "[x]: javascript:alert(1)",
        '{: onclick="alert(1)"}',
        "{::nomarkdown}<img src=x onerror=alert(1)>{:/}",
        "`<img src=x onerror=alert(1)>`",
        "&lt;script&gt;",
        "&#106;avascript:alert(1)",
        "javascript:alert(1)",
        ": javascript:alert(1)",
        "{{ site.title }}",
        "{% raw %}",
        "{% endraw %}",
        "|",
        "`",
        "\\",
        "]",
        "[",
        ")",
        "*",
        "_",
        '"',
        "'",
        "&",
        "<",
        ">",
        "\n",
        "\u2028",
        "东方财富",
        " ",
    ]
)
text = st.lists(PAYLOADS, min_size=1, max_size=4).map("".join)


@st.composite
def hostile_url(draw: st.DrawFn) -> str:
    """`javascript:` in disguise, a good URL with an injection after it, or payload text."""
    kind = draw(st.integers(0, 3))
    if kind == 0:
        scheme = draw(SCHEMES)
        at = draw(st.integers(0, len(scheme)))
        return draw(SPLITTERS) + scheme[:at] + draw(SPLITTERS) + scheme[at:] + ":alert(1)"
    if kind == 1:
        return draw(st.sampled_from(["https://a.example/", "mailto:a@b.example", "//a.example/"])) + draw(text)
    if kind == 2:
        return draw(text)
    return draw(st.sampled_from(["https://a.example/x.png", "data:image/png;base64,AAAA", "data:image/svg+xml,x"]))


def attr(value: str, numeric: bool) -> str:
    """An attribute value as HTML writes it: references for what must be, or for all."""
    if numeric:
        return "".join(f"&#{ord(ch)};" for ch in value)
    return "".join(f"&#{ord(ch)};" if ord(ch) < 0x20 else htmllib.escape(ch, quote=True) for ch in value)


@st.composite
def hostile_element(draw: st.DrawFn) -> str:
    numeric = draw(st.booleans())
    t = htmllib.escape(draw(text), quote=False)
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return f'<a href="{attr(draw(hostile_url()), numeric)}">{t}</a>'
    if kind == 1:
        return f'<img src="{attr(draw(hostile_url()), numeric)}" alt="{attr(draw(text), numeric)}">'
    if kind == 2:  # an entity link (twice: a second footnote reference to the same code)
        code = attr(draw(st.sampled_from(["1,600519", "0,", "", "116,00700", "zz"])) + draw(text), numeric)
        name = draw(st.sampled_from([t, "", " ", "javascript:alert(1)", "茅台"]))
        after = draw(st.sampled_from([": javascript:alert(1)", "(javascript:alert(1))", "[x]", ""]))
        after = htmllib.escape(after + draw(text), quote=False)
        link = f'<span id="stock_1.600519"><a class="keytip" data-code="{code}">{name}</a></span>'
        return link + after + link.replace(f">{name}<", ">x<")
    if kind == 3:
        return f"<table><tr><td>{t}</td><td>{t}</td></tr></table>"
    if kind == 4:
        return f"{t}<br>{t}"
    if kind == 5:
        return f"<h2>{t}</h2><ul><li>{t}</li></ul><blockquote>{t}</blockquote>"
    if kind == 6:
        return draw(text)  # the payload as HTML itself
    if kind == 7:
        src = attr(draw(hostile_url()), numeric)
        return f'<a href="https://a.example/"><img src="{src}" alt="{attr(t, numeric)}"></a>'
    if kind == 8:
        return (
            f'<img src="https://a.example/x.png" title="{attr(draw(text), numeric)}" alt="{attr(draw(text), numeric)}">'
        )
    return f"<p>{t}</p>"


hostile_html = st.lists(hostile_element(), min_size=1, max_size=4).map(lambda xs: "<p>" + "".join(xs) + "</p>")


@PROFILE
@given(
    hostile_html,
    st.sampled_from(["none", "inline", "link", "footnote"]),
    st.booleans(),
    st.sampled_from(["fragment", "page", "post"]),
)
def test_hostile_html_comes_out_inert(
    kramdown: Callable[[str], str] | None, html: str, annotate: str, suspicious: bool, kind: str
) -> None:
    """Whatever the HTML, the Markdown has no raw HTML, no event handler and no URL outside
    the allow-list in any renderer; it passes `check`; in a post no Liquid can run."""
    options = emclean.Options(
        annotate=emclean.Annotate(annotate), annotate_suspicious=suspicious, input_kind=emclean.InputKind(kind)
    )
    if kind == "page":
        html = f'<html><body><div id="ContentBody">{html}</div></body></html>'
    elif kind == "post":
        html = f'---\ntitle: t\n---\n<div class="em_media">{html.replace(chr(10), " ")}</div>\n'
    result = emclean.convert(html, options)
    assert verify.check(result) == []
    body = result.markdown.split("---\n", 2)[2] if kind == "post" else result.markdown
    assert unsafe(body, kramdown) == []
    if kind == "post":
        assert "{{" not in body
        assert "{%" not in body


# -- --to html in a Markdown post ------------------------------------------------------------

KEYTIP_P = '<p><span id="stock_1.600519"><a class="keytip" data-code="1,600519">贵州茅台</a></span></p>'
BLOCK_TEXT = st.sampled_from(
    [
        "b",
        '<p>[a](javascript:alert(1)) x<br>{: onclick="alert(1)"}</p>',
        '<a href="https://x.example/">a</a>{: onmouseover="alert(1)"}',
        "<b>a</b>",
        "[r]: javascript:alert(1)",
        "[t][r] [^n]",
        "{::nomarkdown}<i>x</i>{:/}",
        "*[x]: y",
        "<div>KT</div>",
        "<pre>a\n\n[b](javascript:x)</pre>",
        "<table><tr><td>[c](javascript:x)</td></tr></table>",
    ]
)


@PROFILE
@given(st.lists(BLOCK_TEXT, min_size=1, max_size=4), st.booleans())
def test_html_blocks_written_into_markdown_stay_html(
    kramdown: Callable[[str], str] | None, pieces: list[str], sanitize: bool
) -> None:
    """`--to html` on a Markdown post: the cleaned HTML block is read as HTML by every
    renderer, kramdown included (text after a closing tag is Markdown to kramdown)."""
    line = KEYTIP_P + "".join(piece.replace("KT", KEYTIP_P) for piece in pieces)
    post = f"---\ntitle: t\n---\n\n{line}\n"
    result = emclean.convert(post, emclean.Options(to=emclean.Target.HTML, sanitize=sanitize))
    assert verify.check(result) == []
    body = result.markdown.split("---\n", 2)[2]
    found = [f"{name}: {a}" for name, html in renderings(body, kramdown) for a in active(html)]
    assert [a for a in found if not re.fullmatch(r"[\w+-]+: <(?:div|p|b|i|br|pre|table|tbody|tr|td)>", a)] == []
    assert emclean.convert(result.markdown, emclean.Options(to=emclean.Target.HTML, sanitize=sanitize)).markdown == (
        result.markdown
    )


# -- --sanitize -----------------------------------------------------------------------------

MARKDOWN_PAYLOADS = st.sampled_from(
    [
        "<img src=x onerror=alert(1)>",
        "<div onclick=alert(1)>\nx\n</div>",
        "<script>alert(1)</script>",
        "[t](javascript:alert(1))",
        "[t](JAVASCRIPT:alert(1) 'x')",
        "[t](<javascript:alert(1)>)",
        "[t](java&#115;cript:alert(1))",
        "[t](java\tscript:alert(1))",
        "![t](javascript:alert(1))",
        "![t](data:image/svg+xml,x)",
        "<javascript:alert(1)>",
        "<vbscript:x>",
        "[t][r]",
        "[r]",
        "[r]: javascript:alert(1)",
        "[r]: <javascript:alert(1)>",
        "[r]:\n  javascript:alert(1)",
        "[r]: java\tscript:alert(1) 'x'",
        "[^r]: javascript:alert(1)",
        "> [r]: javascript:alert(1)",
        "- [r]: javascript:alert(1)",
        '[t](https://x.example/){: onclick="alert(1)"}',
        '{: onclick="alert(1)"}',
        "{::nomarkdown}<img src=x onerror=alert(1)>{:/}",
        "a <b onmouseover=alert(1)>b</b>",
        "<!-- x --> <?php ?>",
        "`<img src=x onerror=alert(1)>`",
        "    <img src=x onerror=alert(1)>",
        "```\n<script>alert(1)</script>\n```",
        "[t](https://x.example/) ok",
        "<https://x.example/> <a@b.example>",
        "plain 文字 *x* **y**",
        "| a | <img src=x onerror=alert(1)> |\n|---|---|\n| 1 | 2 |",
        "# 标题 <i>x</i>",
        "",
    ]
)
hostile_markdown = st.lists(MARKDOWN_PAYLOADS, min_size=1, max_size=5).flatmap(
    lambda xs: st.sampled_from(["\n\n", "\n", " "]).map(lambda sep: sep.join(xs))
)


@PROFILE
@given(hostile_markdown)
def test_sanitize_makes_a_post_inert(kramdown: Callable[[str], str] | None, body: str) -> None:
    """With --sanitize, a post's own Markdown and HTML come out inert; safe Markdown and the
    front matter are kept; a second pass changes nothing."""
    post = f"---\ntitle: t\n---\n{body}\n"
    options = emclean.Options(sanitize=True)
    result = emclean.convert(post, options)
    assert result.markdown.startswith("---\ntitle: t\n---\n")
    assert verify.check(result) == []
    out = result.markdown.split("---\n", 2)[2]
    assert unsafe(out, kramdown) == []
    assert emclean.convert(result.markdown, options).markdown == result.markdown


def test_sanitize_keeps_safe_markdown() -> None:
    """A post with nothing unsafe is left byte for byte, with --sanitize too."""
    post = "---\ntitle: t\n---\n> 摘要\n\n[返回](//x.example/) <https://x.example/>\n\n[r]: https://x.example/\r\n"
    assert emclean.convert(post, emclean.Options(sanitize=True)).markdown == post


def test_without_sanitize_the_owners_markdown_stays() -> None:
    """By default a post's own raw HTML (no Eastmoney markup) is the site owner's."""
    post = "---\ntitle: t\n---\n<iframe src=https://x.example/></iframe>\n\n[t](javascript:void(0))\n"
    assert emclean.convert(post).markdown == post
    sanitized = emclean.convert(post, emclean.Options(sanitize=True)).markdown
    assert sanitized == "---\ntitle: t\n---\nt\n"


@pytest.mark.parametrize(
    "body",
    [
        # removing the definition and the script joined the code span line and the indented code
        "```\n<script>alert(1)</script>\n```\n[r]: <javascript:alert(1)>\n`<img src=x onerror=alert(1)>`\n"
        "<script>alert(1)</script>\n    <img src=x onerror=alert(1)>",
        # removing the HTML block made the indented code a paragraph of the list item
        "- item\n\n<div><script>x</script></div>\n\n    <img src=x onerror=alert(1)>",
        # kramdown takes no fence with a spaced info string: its "info" is HTML to it
        "<img src=x onerror=alert(1)> ```\n<script>alert(1)</script>\n``` # 标题 <i>x</i>",
    ],
)
def test_sanitize_sees_what_removing_a_block_uncovers(kramdown: Callable[[str], str] | None, body: str) -> None:
    """What a removed block leaves behind, and code kramdown does not read as code, is inert too."""
    result = emclean.convert(f"---\ntitle: t\n---\n{body}\n", emclean.Options(sanitize=True))
    assert verify.check(result) == []
    assert unsafe(result.markdown.split("---\n", 2)[2], kramdown) == []


@pytest.mark.parametrize(
    "body",
    [
        "注释[^x]\n\n[^x]: [点我](javascript:alert(document.domain))",
        "注释[^x]\n\n[^x]: ![a](javascript:alert(1))",
        "[^x]: *[a](javascript:alert(1))*",
        "[^x]: `x`[a](javascript:alert(1))",
        "- [^x]: [a](javascript:alert(1))",
        "> [^x]: [a](javascript:alert(1))",
        "[^f]: [a](<javascript:alert(1)>)",
        "[^f]: [a](https://x.example/)[b](javascript:alert(1))",
        '[^x]: <img src=x onerror=alert(1)> "t"',
        "[^x]: x<javascript:alert(1)>",
        "[^x]:\n<img src=x onerror=alert(1)>",
        "term\n: [x]: javascript:alert(1)\n\n点[x]",
    ],
)
def test_sanitize_reads_footnotes_and_definitions_as_kramdown_does(
    kramdown: Callable[[str], str] | None, body: str
) -> None:
    """A footnote's text is Markdown to kramdown (and to CommonMark renderers with footnotes),
    where CommonMark without them reads a link definition; `: ` starts a kramdown definition.
    With --sanitize, their links and HTML are inert too."""
    result = emclean.convert(f"---\ntitle: t\n---\n\n{body}\n", emclean.Options(sanitize=True))
    assert verify.check(result) == []
    assert unsafe(result.markdown.split("---\n", 2)[2], kramdown) == []


def test_sanitize_keeps_a_safe_footnote() -> None:
    """A footnote without anything unsafe stays as it was."""
    post = "---\ntitle: t\n---\n\n正文[^ok]\n\n[^ok]: 安全的脚注 [链接](https://x.example/)\n"
    assert emclean.convert(post, emclean.Options(sanitize=True)).markdown == post


def test_sanitize_drops_unsafe_definitions() -> None:
    """A link definition to javascript: is removed; a safe one stays."""
    post = "---\ntitle: t\n---\na\n\n[x]: javascript:alert(1)\n[y]: https://x.example/\n\nb\n"
    out = emclean.convert(post, emclean.Options(sanitize=True)).markdown
    assert out == "---\ntitle: t\n---\na\n\n[y]: https://x.example/\n\nb\n"


# -- the command line -----------------------------------------------------------------------

HOSTILE_POST = (
    "---\ntitle: t\n---\n"
    '<p class="em_media"><img src="https://x.example/a.png" alt="<img src=x onerror=alert(1)>">'
    '<a href="https://a.example&#10;&#10;[x]:javascript:alert(1)//">t</a> [x]</p>\n'
)


def test_fix_writes_inert_posts(tmp_path: Path) -> None:
    """fix turns a hostile post into inert Markdown."""
    post = tmp_path / "2024-01-01-x.md"
    post.write_text(HOSTILE_POST, encoding="utf-8")
    result = runner.invoke(app, ["fix", "-q", "--jobs", "1", str(tmp_path)])
    assert result.exit_code == 0, result.output
    body = post.read_text(encoding="utf-8").split("---\n", 2)[2]
    assert unsafe(body, None) == []


def test_fix_refuses_to_write_unsafe_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the conversion ever wrote active content, fix leaves the file and says why, on one line."""
    from emclean import escape

    monkeypatch.setattr(escape, "alt", lambda codec, value: value)  # alt text written raw
    post = tmp_path / "2024-01-01-x.md"
    post.write_text(HOSTILE_POST, encoding="utf-8")
    result = runner.invoke(app, ["fix", "-q", "--jobs", "1", str(tmp_path)])
    assert result.exit_code == 123
    assert post.read_text(encoding="utf-8") == HOSTILE_POST
    lines = result.stderr.splitlines()
    assert len(lines) == 2  # the file's line and the summary
    assert lines[0].startswith(
        f"emclean: {post}: left untouched: unsafe output: raw HTML '<img src=x onerror=alert(1)>'"
    )


def test_convert_sanitize_flag() -> None:
    """convert --sanitize neutralises a post's own raw HTML and unsafe links."""
    post = "---\ntitle: t\n---\nHello <img src=x onerror=alert(1)> [t](javascript:alert(1))\n"
    plain = runner.invoke(app, ["convert", "-"], input=post)
    assert plain.stdout == post
    clean = runner.invoke(app, ["convert", "-", "--sanitize"], input=post)
    assert clean.exit_code == 0, clean.output
    assert clean.stdout == "---\ntitle: t\n---\nHello t\n"


def test_convert_fragment_input_is_inert() -> None:
    """HTML given explicitly (`--input fragment`, what stdin will be) comes out inert."""
    result = runner.invoke(app, ["convert", "-", "--input", "fragment"], input="Hello <img src=x onerror=alert(1)>")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Hello\n"


def test_fix_sanitize_reads_files_without_eastmoney_markup(tmp_path: Path) -> None:
    """fix --sanitize rewrites a post that has no Eastmoney markup but raw HTML."""
    post = tmp_path / "2024-01-01-x.md"
    post.write_text("---\ntitle: t\n---\na <img src=x onerror=alert(1)>\n", encoding="utf-8")
    assert runner.invoke(app, ["fix", "-q", "--jobs", "1", str(tmp_path)]).exit_code == 0
    assert "onerror" in post.read_text(encoding="utf-8")
    result = runner.invoke(app, ["fix", "-q", "--jobs", "1", "--sanitize", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert post.read_text(encoding="utf-8") == "---\ntitle: t\n---\na\n"


def test_markdown_it_and_pyromark_agree_on_raw_html() -> None:
    """The test's own readers find raw HTML (so a clean result means something)."""
    assert raw_html_tokens("a <b>x</b>")
    assert active(MD.render("<img src=x onerror=alert(1)>"))
    assert active('<a href="&#1;java&#9;script:x">x</a>')


def test_a_page_given_front_matter_is_a_post_whose_liquid_is_inert() -> None:
    """`--front-matter` makes a page a Jekyll post: its article's Liquid is written inert, and
    the front matter is YAML that Jekyll reads back (DEL and C1 controls escaped)."""
    import yaml

    page = (
        "<html><head><title>标题\x7f\x9b</title></head><body><div id='ContentBody'>"
        "<p>正文 {{ site.title }} {% if true %}IF{% endif %}</p></div></body></html>"
    )
    out = emclean.convert(page, emclean.Options(front_matter=True, url="https://x.example/a")).markdown
    head, body = out.split("---\n")[1:3]
    assert yaml.safe_load(head) == {"title": "标题\x7f\x9b", "url": "https://x.example/a"}
    assert "{{" not in body
    assert "{%" not in body
    assert "&#123;{ site.title }}" in body
    fragment = emclean.convert("<p>片段</p>", emclean.Options(front_matter=True, url="https://x.example/b")).markdown
    assert fragment == '---\nurl: "https://x.example/b"\n---\n\n片段\n'
