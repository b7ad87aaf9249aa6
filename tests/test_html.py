""".html stays HTML: what a file is, HTML output from `convert`, `fix` on HTML files, safety."""

from __future__ import annotations

import html as htmllib
import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, need_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rendering import seen_html
from selectolax.lexbor import LexborHTMLParser
from typer.testing import CliRunner

import emclean
from emclean import safehtml, verify
from emclean.cli import app
from emclean.document import kind_of
from emclean.options import InputKind

runner = CliRunner()
POST_HTML = (FIXTURES / "convert" / "html-post.in.html").read_text(encoding="utf-8")
KEYTIP = (
    '<p>要以<span id="stock_1.600519"><a href="http://quote.eastmoney.com/unify/r/1.600519" '
    'class="keytip" data-code="1,600519">贵州茅台</a></span>为<b>重点</b>。</p>'
)
FRONT = '---\nlayout: post\ntitle: "t"\n---\n'
HTML_TO = emclean.Options(to=emclean.Target.HTML)


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


# -- what a file is ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "forced", "kind"),
    [
        ("# 标题", "a.md", InputKind.AUTO, "markdown"),
        (FRONT + "正文", "a.markdown", InputKind.AUTO, "post"),
        (FRONT + "<p>正文</p>", "a.md", InputKind.AUTO, "post"),
        (FRONT + "<p>正文</p>", "_posts/2022-01-01-a.html", InputKind.AUTO, "html-post"),
        (FRONT + "<p>正文</p>", "A.HTM", InputKind.AUTO, "html-post"),
        ("<p>正文</p>", "a.html", InputKind.AUTO, "fragment"),
        ("正文 *ST", "a.html", InputKind.AUTO, "fragment"),
        ("<html><body><p>x</p></body></html>", "a.htm", InputKind.AUTO, "page"),
        ('<div id="ContentBody"><p>x</p></div>', "a.html", InputKind.AUTO, "page"),
        ("Hello <img src=x onerror=alert(1)>", None, InputKind.AUTO, "fragment"),
        ("# 标题\n\n*ST", None, InputKind.AUTO, "fragment"),
        (FRONT + "正文", None, InputKind.AUTO, "post"),
        ("\ufeff\n" + FRONT + "正文", None, InputKind.AUTO, "post"),
        (FRONT + "正文", "notes.txt", InputKind.AUTO, "post"),
        ("正文", "notes.txt", InputKind.AUTO, "fragment"),
        ("# 标题", None, InputKind.MARKDOWN, "markdown"),
        (FRONT + "正文", None, InputKind.MARKDOWN, "post"),
        (FRONT + "<p>x</p>", "a.html", InputKind.MARKDOWN, "post"),
        (FRONT + "<p>x</p>", None, InputKind.HTML, "html-post"),
        ("# 标题", "a.md", InputKind.HTML, "fragment"),
        (FRONT + "<p>x</p>", "a.html", InputKind.POST, "html-post"),
        (FRONT + "<p>x</p>", None, InputKind.POST, "post"),
        ("<p>x</p>", "a.md", InputKind.FRAGMENT, "fragment"),
        ("<p>x</p>", "a.md", InputKind.PAGE, "page"),
        ("# x", "dir.md/file", InputKind.AUTO, "fragment"),
    ],
)
def test_kind_of(text: str, name: str | None, forced: InputKind, kind: str) -> None:
    """The file name's suffix decides the language; stdin and the API are HTML unless a post."""
    assert kind_of(text, name, forced) == kind


def test_api_takes_a_name() -> None:
    """`convert(text, name=...)` reads the text as that file would be read."""
    text = "# 标题 *ST\n"
    assert emclean.convert(text, name="a.md").markdown == text
    assert emclean.convert(text).markdown == "\\# 标题 *ST\n"


# -- convert --to html ---------------------------------------------------------------------


def test_convert_to_html_from_stdin() -> None:
    """--to html prints the cleaned HTML: links unwrapped, bold kept, nothing else."""
    code, out, err = run("convert", "-", "--to", "html", stdin=KEYTIP + "<script>x()</script>\n")
    assert (code, err) == (0, "")
    assert out == "<p>要以贵州茅台为<b>重点</b>。</p>\n"


def test_convert_html_file_defaults_to_markdown(tmp_path: Path) -> None:
    """Without --to, an .html post is converted to a Markdown post (what --html-to-markdown writes)."""
    path = tmp_path / "2022-01-01-a.html"
    path.write_text(FRONT + KEYTIP + "\n", encoding="utf-8")
    assert run("convert", str(path))[1] == FRONT + "要以贵州茅台为**重点**。\n"
    assert run("convert", str(path), "--to", "auto")[1] == FRONT + "<p>要以贵州茅台为<b>重点</b>。</p>\n"


def test_markdown_post_to_html_keeps_its_markdown(tmp_path: Path) -> None:
    """--to html on a Markdown post: its Markdown stays, its HTML blocks are cleaned as HTML."""
    path = tmp_path / "a.md"
    path.write_text(FRONT + "> 摘要 *ST\n\n" + KEYTIP + "\n\n尾 **粗**\n", encoding="utf-8")
    out = run("convert", str(path), "--to", "html")[1]
    assert out == FRONT + "> 摘要 *ST\n\n<p>要以贵州茅台为<b>重点</b>。</p>\n\n尾 **粗**\n"


def test_to_html_json_and_text() -> None:
    """--format json names the document "html"; --format text shows what a browser shows (--to is refused there)."""
    data = json.loads(run("convert", "-", "--to", "html", "--format", "json", stdin=KEYTIP)[1])
    assert data["html"] == "<p>要以贵州茅台为<b>重点</b>。</p>"  # (the input's final newline, or none, is kept)
    assert "markdown" not in data
    assert data["text"] == "要以贵州茅台为重点。\n"
    assert run("convert", "-", "--format", "text", stdin=KEYTIP)[1] == "要以贵州茅台为重点。\n"
    assert run("convert", "-", "--to", "html", "--format", "text", stdin=KEYTIP)[0] == 2  # --to does not apply


def test_to_html_jsonl() -> None:
    """A dataset stream converts each record to cleaned HTML."""
    out = run("convert", "-", "--to", "html", "--format", "jsonl", stdin=json.dumps({"id": 1, "html": KEYTIP}))[1]
    assert json.loads(out)["html"] == "<p>要以贵州茅台为<b>重点</b>。</p>"


def test_crlf_html_post_keeps_its_line_endings() -> None:
    """An .html post written with CRLF keeps CRLF (front matter and body) and its missing final newline."""
    text = FRONT.replace("\n", "\r\n") + KEYTIP + "\r\n<p>二</p>"
    out = emclean.convert(text, HTML_TO, name="a.html").markdown
    assert out == FRONT.replace("\n", "\r\n") + "<p>要以贵州茅台为<b>重点</b>。</p>\r\n<p>二</p>"


def test_html_post_without_markup_is_left_alone() -> None:
    """An .html post without Eastmoney markup is the site owner's HTML: byte for byte."""
    text = FRONT + '<p onclick="x()">我的 <span class="c">HTML</span></p>\n'
    result = emclean.convert(text, HTML_TO, name="a.html")
    assert (result.markdown, result.changed) == (text, False)


# -- fix on .html files --------------------------------------------------------------------


def test_fix_keeps_html_posts_html_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    """fix cleans an .html post as HTML (front matter bytes kept, no Markdown in it); a second
    run, and --check, find nothing to change (every byte and the mtime stay)."""
    post = tmp_path / "_posts" / "2022-07-01-a.html"
    post.parent.mkdir()
    post.write_text(POST_HTML, encoding="utf-8")
    assert run("fix", str(tmp_path))[0] == 0
    fixed = post.read_text(encoding="utf-8")
    head = POST_HTML[: POST_HTML.index("---\n", 4) + 4]
    assert fixed.startswith(head + "<p>　　要以<strong>“七条链”</strong>为<strong>重点</strong>，贵州茅台与")
    assert "**" not in fixed
    assert "keytip" not in fixed
    assert "<table>" in fixed
    assert "<img " in fixed
    before = (post.read_bytes(), post.stat().st_mtime_ns)
    assert run("fix", str(tmp_path))[0] == 0
    assert run("fix", "--check", str(tmp_path))[0] == 0
    assert (post.read_bytes(), post.stat().st_mtime_ns) == before


def test_fix_writes_what_convert_to_auto_prints(tmp_path: Path) -> None:
    """`fix` on an .html file writes exactly what `convert FILE --to auto` prints."""
    post = tmp_path / "a.html"
    post.write_text(POST_HTML, encoding="utf-8")
    shown = run("convert", str(post), "--to", "auto")[1]
    run("fix", str(post))
    assert post.read_text(encoding="utf-8") == shown


@pytest.mark.corpus
def test_fix_over_the_corpus_keeps_pages_html(tmp_path: Path) -> None:
    """`fix` over a copy of the corpus leaves pages/*.html HTML: still their paragraphs and
    tables, no Markdown, no entity link; a second run changes nothing."""
    corpus = need_corpus()
    copy = tmp_path / "corpus"
    shutil.copytree(corpus, copy)
    assert run("fix", str(copy))[0] == 0
    pages = sorted((copy / "pages").glob("*.html"))
    assert pages
    for page in pages:
        old, new = (corpus / "pages" / page.name).read_text(encoding="utf-8"), page.read_text(encoding="utf-8")
        assert "<p>" in new, page.name
        assert "**" not in new, page.name
        assert "keytip" not in new, page.name
        assert safehtml.unsafe(new) == [], page.name
        assert seen_html(new).tables == seen_html(old).tables, page.name
        assert seen_html(new).strong == seen_html(old).strong, page.name
    before = {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    code, _, err = run("fix", str(copy))
    assert code == 0
    assert " 0 changed" in err
    assert {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()} == before


# -- fix --html-to-markdown ----------------------------------------------------------------


def test_html_to_markdown_renames_posts_only(tmp_path: Path) -> None:
    """--html-to-markdown makes an .html post an .md post (same mode); an .html page without
    front matter stays HTML under its name (an .md file without front matter is not a page)."""
    post, page = tmp_path / "2022-07-01-a.html", tmp_path / "page.html"
    post.write_text(POST_HTML, encoding="utf-8")
    post.chmod(0o640)
    page.write_text(KEYTIP, encoding="utf-8")
    code, _, err = run("fix", "-v", "--html-to-markdown", str(tmp_path))
    assert code == 0, err
    assert not post.exists()
    made = post.with_suffix(".md")
    assert made.read_text(encoding="utf-8") == (FIXTURES / "convert" / "html-post-to-markdown.out.md").read_text(
        encoding="utf-8"
    )
    assert made.stat().st_mode & 0o777 == 0o640
    assert f"fixed {post} → {made}" in err
    assert page.read_text(encoding="utf-8") == "<p>要以贵州茅台为<b>重点</b>。</p>"
    assert run("fix", "--html-to-markdown", str(tmp_path))[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2022-07-01-a.md", "page.html"]


def test_html_to_markdown_never_overwrites(tmp_path: Path) -> None:
    """If the .md name is taken, the post is reported and both files stay as they were."""
    post, taken = tmp_path / "2022-07-01-a.html", tmp_path / "2022-07-01-a.md"
    post.write_text(POST_HTML, encoding="utf-8")
    taken.write_text("mine\n", encoding="utf-8")
    code, _, err = run("fix", "--html-to-markdown", str(tmp_path))
    assert code == 123
    assert f"{post}: not made a Markdown post: {taken.name} exists" in err
    assert post.read_text(encoding="utf-8") == POST_HTML
    assert taken.read_text(encoding="utf-8") == "mine\n"


def test_html_to_markdown_check_writes_nothing_and_backup_keeps_the_html(tmp_path: Path) -> None:
    """--check names no new file; --backup keeps the .html post next to the new .md."""
    post = tmp_path / "2022-07-01-a.html"
    post.write_text(POST_HTML, encoding="utf-8")
    assert run("fix", "--check", "--html-to-markdown", str(tmp_path))[0] == 1
    assert [p.name for p in tmp_path.iterdir()] == [post.name]
    assert run("fix", "--backup", ".orig", "--html-to-markdown", str(tmp_path))[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2022-07-01-a.html.orig", "2022-07-01-a.md"]
    assert (tmp_path / "2022-07-01-a.html.orig").read_text(encoding="utf-8") == POST_HTML


# -- entities of an .html post ---------------------------------------------------------------


def test_entities_of_an_html_post_have_their_lines(tmp_path: Path) -> None:
    """`entities` reads an .html post's body as HTML (an indented line is not Markdown code
    there) and numbers lines in the whole file."""
    post = tmp_path / "a.html"
    post.write_text(FRONT + "<div>\n\n    " + KEYTIP + "\n</div>\n", encoding="utf-8")
    rows = [json.loads(line) for line in run("entities", str(post), "--format", "jsonl")[1].splitlines()]
    assert [(r["name"], r["line"]) for r in rows] == [("贵州茅台", 7)]


# -- front matter Jekyll cannot read ---------------------------------------------------------------


BAD_FRONT = '---\nlayout: post\ntitle: "他说"你好""\n---\n'
WARNING = "front matter is not valid YAML (line 3: did not find expected key): Jekyll will not read it"


def test_convert_warns_about_front_matter(tmp_path: Path) -> None:
    """Front matter that is not valid YAML: one warning line naming the file; output and exit as usual."""
    path = tmp_path / "a.md"
    path.write_text(BAD_FRONT + KEYTIP + "\n", encoding="utf-8")
    code, out, err = run("convert", str(path))
    assert (code, out) == (0, BAD_FRONT + "要以贵州茅台为**重点**。\n")
    assert err == f"emclean: {path}: {WARNING}\n"
    good = tmp_path / "b.md"
    good.write_text(FRONT + "title2: 'a: b'\ntags: [x, y]\n---\n正文\n".replace("---\n", "", 1), encoding="utf-8")
    assert run("convert", str(good))[2] == ""


def test_fix_warns_about_front_matter(tmp_path: Path) -> None:
    """fix names each file whose front matter Jekyll cannot read, fixed or not; exit code unchanged."""
    changed, unchanged = tmp_path / "a.md", tmp_path / "b.html"
    changed.write_text(BAD_FRONT + KEYTIP + "\n", encoding="utf-8")
    unchanged.write_text(BAD_FRONT + "<p>东方财富网 eastmoney.com</p>\n", encoding="utf-8")
    code, _, err = run("fix", str(tmp_path))
    assert code == 0
    lines = [line for line in err.splitlines() if "front matter" in line]
    assert lines == [f"emclean: {changed}: {WARNING}", f"emclean: {unchanged}: {WARNING}"]


# -- properties: safe, faithful, stable --------------------------------------------------------

PROFILE = settings(max_examples=250, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
ALPHABET = "中文股价上涨新产业链" + "，。“”（）　" + "*_~`#[]()<>!&|{}%$\\\"'-+.:=/ " + "ab1\n\u00a0"
words = st.text(alphabet=ALPHABET, min_size=0, max_size=25).map(htmllib.escape)
url = st.sampled_from(
    [
        "https://finance.eastmoney.com/a/1.html",
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "java&#9;script:alert(1)",
        "java\nscript:alert(1)",
        "vbscript:x",
        "data:text/html,<script>x</script>",
        "data:image/png;base64,AAAA",
        "//img.dfcfw.com/a.png",
        "mailto:a@b.c",
        "#top",
        "x",
        '"><script>alert(1)</script>',
    ]
)
attribute = st.one_of(
    st.sampled_from(['onclick="alert(1)"', 'style="color:red"', 'class="keytip"', "hidden", 'id="x"']),
    url.map(lambda u: f'href="{htmllib.escape(u)}"'),
    url.map(lambda u: f'src="{htmllib.escape(u)}"'),
    words.map(lambda w: f'title="{w}"'),
    words.map(lambda w: f'alt="{w}"'),
    st.sampled_from(['rowspan="3"', 'colspan="99999"', 'rowspan="x"', 'width="600"', 'start="-2"']),
)
tag = st.sampled_from(
    (
        "p div span a b strong em i img br table tr td th ul ol li h2 blockquote pre font u sup "
        "script style iframe svg math video form input textarea select object template noscript option "
        "meta link base title head body details summary center section xmp noembed noframes plaintext listing "
        "fieldset legend applet marquee button caption colgroup col dl dt dd menu nobr ruby rt frameset mi"
    ).split()
)
entity = st.sampled_from(
    [
        '<span id="stock_1.600519"><a href="http://quote.eastmoney.com/unify/r/1.600519" class="keytip" '
        'data-code="1,600519">贵州茅台</a></span><span id="quote_1.600519"></span>',
        '<span web="1" href="http://quote.eastmoney.com/unify/r/0.000001" class="em_stock_key_common" '
        'data-code="0,000001">平安银行</span>',
        '<span id="Info.3293"><a href="http://data.eastmoney.com/zlsj/" class="infokey">基金</a></span>',
        "<p>在东方财富看资讯行情，选东方财富证券一站式开户交易&gt;&gt;</p>",
    ]
)


@st.composite
def element(draw: st.DrawFn, depth: int = 2) -> str:
    name = draw(tag)
    attrs = "".join(" " + a for a in draw(st.lists(attribute, max_size=3)))
    inner = st.one_of(words, entity) if depth == 0 else st.one_of(words, entity, element(depth - 1))
    children = "".join(draw(st.lists(inner, max_size=3)))
    return f"<{name}{attrs}>{children}" + (f"</{name}>" if draw(st.booleans()) else "")


document = st.lists(st.one_of(element(), words, entity), min_size=1, max_size=5).map("".join)


def _elements_and_attributes(html: str) -> tuple[set[str], set[tuple[str, str]]]:
    tree = LexborHTMLParser(html)
    body = tree.body
    assert body is not None
    names, attrs = set(), set()
    for node in body.traverse():
        if node.tag in ("-text", "body"):
            continue
        names.add(node.tag or "")
        attrs.update((node.tag or "", key) for key in node.attributes)
    return names, attrs


PAGE = '<!DOCTYPE html><html lang="zh"><head><title>题</title><script>x()</script></head><body>{}</body></html>\n'


@PROFILE
@given(
    document,
    st.sampled_from(["none", "inline", "link", "footnote"]),
    st.sampled_from([None, True, False]),
    st.sampled_from(["fragment", "page", "html-post"]),
)
def test_html_output_is_safe_faithful_and_stable(html: str, mode: str, liquid: bool | None, where: str) -> None:
    """Whatever the input (a fragment, a whole page, an .html post), HTML output holds only
    allowed elements and attributes, no unsafe URL and no Liquid (with --liquid, and in a post
    unless --no-liquid); it shows the input's text minus what the rules removed; and a second
    pass gives it back."""
    options = emclean.Options(to=emclean.Target.HTML, annotate=emclean.Annotate(mode), liquid=liquid)
    text = {"fragment": html, "page": PAGE.format(html), "html-post": FRONT + html + "\n"}[where]
    result = emclean.convert(text, options, name="a.html")
    out = result.markdown
    assert verify.check(result) == []
    assert emclean.convert(out, options, name="a.html").markdown == out
    if where == "html-post":
        if not result.changed:  # no Eastmoney markup: the site owner's HTML, left as it is
            return
        out = out.split("---\n", 2)[2]
    assert safehtml.unsafe(out) == []
    names, attrs = _elements_and_attributes(out)
    assert names <= set(safehtml.BODY)
    assert all(key in safehtml.BODY[name] for name, key in attrs)
    if liquid or (where == "html-post" and liquid is None):
        assert "{{" not in out
        assert "{%" not in out


@PROFILE
@given(document)
def test_html_blocks_of_a_markdown_post_stay_html(html: str) -> None:
    """In a Markdown post, HTML cleaned as HTML stays HTML blocks: nothing of it is read as
    Markdown, and a second pass changes nothing."""
    post = FRONT + "> 摘要\n\n" + html.replace("\n", " ") + '\n\n<p class="em_media">（文章来源：测试）</p>\n'
    options = emclean.Options(to=emclean.Target.HTML)
    result = emclean.convert(post, options)
    assert verify.check(result) == []
    assert emclean.convert(result.markdown, options).markdown == result.markdown


def test_sanitized_markdown_post_to_html_passes_the_check() -> None:
    """`--sanitize --to html` on a Markdown post: its HTML blocks become safe HTML blocks (checked
    as HTML), everything else is inert Markdown, and the whole-output check accepts that."""
    post = (
        FRONT + "\nHello <img src=x onerror=alert(1)>\n\n<div><b>b</b><script>x</script></div>\n\n[a](javascript:x)\n"
    )
    result = emclean.convert(post, emclean.Options(sanitize=True, to=emclean.Target.HTML), name="p.md")
    assert "<div><b>b</b></div>" in result.markdown
    assert "onerror" not in result.markdown
    assert "javascript" not in result.markdown
    assert emclean.check(result) == []


@pytest.mark.parametrize("again", [["--annotate", "link"], []], ids=["same-flags", "plain"])
def test_annotation_links_in_html_are_stable(tmp_path: Path, again: list[str]) -> None:
    """`fix --annotate link` on an .html post writes links of its own (marked as emclean's):
    a second run, with the same flags or none, leaves them as they are."""
    post = tmp_path / "2022-01-01-a.html"
    post.write_text(FRONT + KEYTIP + "\n", encoding="utf-8")
    code, _, err = run("fix", "-q", "--annotate", "link", str(post))
    assert code == 0, err
    once = post.read_text(encoding="utf-8")
    assert '<a href="https://quote.eastmoney.com/unify/r/1.600519" data-emclean="annotation">贵州茅台</a>' in once
    code, _, err = run("fix", "--check", "-q", *again, str(post))
    assert code == 0, err
    assert post.read_text(encoding="utf-8") == once


def test_result_output_names_the_html() -> None:
    """`Result.output` is the output document whatever its language (`markdown` holds HTML too)."""
    result = emclean.convert(KEYTIP, emclean.Options(to=emclean.Target.HTML))
    assert (result.to, result.output) == ("html", "<p>要以贵州茅台为<b>重点</b>。</p>")
    assert emclean.convert(KEYTIP).output == "要以贵州茅台为**重点**。\n"
