"""`emclean convert` from the command line: inputs, flags, outputs and errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

from emclean.cli import app

runner = CliRunner()
CASES = FIXTURES / "convert"
KEYTIP = (
    '<p>要以<span id="stock_1.600519"><a href="http://quote.eastmoney.com/unify/r/1.600519" '
    'class="keytip" data-code="1,600519">贵州茅台</a></span>为例。</p>'
)


def run(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_stdin_to_stdout() -> None:
    """A fragment on stdin comes out as Markdown on stdout."""
    code, out, err = run("convert", "-", stdin=KEYTIP)
    assert (code, out, err) == (0, "要以贵州茅台为例。\n", "")


def test_stdin_is_the_default() -> None:
    """With no file, convert reads stdin."""
    assert run("convert", stdin=KEYTIP)[1] == "要以贵州茅台为例。\n"


def test_file_argument() -> None:
    """A file path is read from disk."""
    code, out, _ = run("convert", str(CASES / "board-bk.in.html"))
    assert code == 0
    assert out == "鼓励金融机构开发信贷、保险等金融产品。\n"


def test_post_keeps_everything_outside_the_html(tmp_path: Path) -> None:
    """Front matter, summary, autolink and footer bytes come out unchanged."""
    post = tmp_path / "p.md"
    head = '---\ntitle: "t"\n---\n> 摘要\n\n'
    tail = "\n\n<http://finance.eastmoney.com/news/1,2.html>\n\n[返回](//x/)"
    post.write_text(head + KEYTIP + tail, encoding="utf-8")
    out = run("convert", str(post))[1]
    assert out == head + "要以贵州茅台为例。" + tail


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        ("none", "要以贵州茅台为例。\n"),
        ("inline", "要以贵州茅台（600519.SH）为例。\n"),
        ("link", "要以[贵州茅台](https://quote.eastmoney.com/unify/r/1.600519)为例。\n"),
        (
            "footnote",
            "要以贵州茅台[^600519-SH]为例。\n\n[^600519-SH]: 贵州茅台 <https://quote.eastmoney.com/unify/r/1.600519>\n",
        ),
    ],
)
def test_annotate(flag: str, expected: str) -> None:
    """Each --annotate mode marks the unwrapped link as documented."""
    assert run("convert", "-", "--annotate", flag, stdin=KEYTIP)[1] == expected


def test_input_forced_as_fragment() -> None:
    """--input fragment converts a whole page, chrome included."""
    page = '<div class="menu">菜单</div><div id="ContentBody"><p>正文</p></div>'
    assert run("convert", "-", stdin=page)[1] == "正文\n"
    assert run("convert", "-", "--input", "fragment", stdin=page)[1] == "菜单\n\n正文\n"


def test_keep_charts() -> None:
    """--keep-charts keeps the K-line image that is dropped by default."""
    source = str(CASES / "kline-chart.in.html")
    assert "GetPic.aspx" not in run("convert", source)[1]
    assert "GetPic.aspx" in run("convert", source, "--keep-charts")[1]


def test_front_matter_for_pages() -> None:
    """--front-matter puts title, date, source and url first."""
    out = run("convert", str(CASES / "page-front-matter.in.html"), "--front-matter")[1]
    assert out.startswith('---\ntitle: "霍尼韦尔为蔚来提供制冷剂"\ndate: "2022-05-26 14:30:00 +0800"\n')


def test_url_makes_relative_links_absolute() -> None:
    """--url resolves relative links (without it they stay relative; an image goes)."""
    html = '<p><a href="/a/1.html">相关</a><img src="/p.png"></p>'
    assert run("convert", "-", stdin=html)[1] == "[相关](/a/1.html)\n"
    assert run("convert", "-", "--url", "https://finance.eastmoney.com/a/2.html", stdin=html)[1] == (
        "[相关](https://finance.eastmoney.com/a/1.html)![](https://finance.eastmoney.com/p.png)\n"
    )


def test_liquid_flag() -> None:
    """--liquid writes the `{` of `{{`/`{%` as `&#123;` outside posts too."""
    html = "<p>模板 {{ x }} 文字</p>"
    assert run("convert", "-", stdin=html)[1] == "模板 {{ x }} 文字\n"
    assert run("convert", "-", "--liquid", stdin=html)[1] == "模板 &#123;{ x }} 文字\n"


def test_format_text() -> None:
    """--format text prints what a reader sees, without markup."""
    out = run("convert", str(CASES / "strong-cjk-punct.in.html"), "--format", "text")[1]
    assert out.startswith("要以“七条链”为重点，推动融通创新。\n\n存款方面，")
    assert "*" not in out


def test_format_json() -> None:
    """--format json has markdown, text, entities and meta."""
    data = json.loads(run("convert", "-", "--format", "json", stdin=KEYTIP)[1])
    assert set(data) == {"markdown", "text", "entities", "meta"}
    assert data["markdown"] == "要以贵州茅台为例。\n"
    assert data["text"] == "要以贵州茅台为例。\n"
    assert data["entities"][0]["code"] == "600519.SH"
    assert data["meta"]["kind"] == "fragment"


def test_format_jsonl_stream() -> None:
    """--format jsonl converts one {"id", "html"} record per line."""
    lines = "\n".join(json.dumps({"id": n, "html": KEYTIP}) for n in (1, 2)) + "\n"
    code, out, _ = run("convert", "-", "--format", "jsonl", stdin=lines)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["id"] for r in records] == [1, 2]
    assert records[0]["markdown"] == "要以贵州茅台为例。\n"
    assert records[0]["entities"][0]["name"] == "贵州茅台"


def test_jsonl_bad_record_is_reported_and_the_rest_converted() -> None:
    """A broken line gives an error record and exit 123; the good lines still convert.

    (The broken line is not the first: input whose first line is not a JSON object is refused
    whole as not JSON Lines, issue 11.)"""
    lines = '{"id": 1, "html": "<p>好</p>"}\nnot json\n{"id": 2, "html": "<p>好</p>"}\n'
    code, out, err = run("convert", "-", "--format", "jsonl", stdin=lines)
    assert code == 123
    assert json.loads(out.splitlines()[2])["markdown"] == "好\n"
    assert "-:2:" in err


def test_diff_when_piped_is_a_unified_diff(tmp_path: Path) -> None:
    """--diff prints a plain unified diff (no color) when not on a terminal."""
    path = tmp_path / "a.html"
    path.write_text(KEYTIP, encoding="utf-8")
    out = run("convert", str(path), "--diff")[1]
    assert out.startswith(f"--- {path}\n+++ {path}\n@@ ")
    assert "\x1b[" not in out
    assert "+要以贵州茅台为例。" in out


def test_empty_input_gives_empty_output() -> None:
    """Empty input: empty output, exit 0."""
    assert run("convert", "-", stdin="") == (0, "", "")


def test_plain_markdown_passes_through(tmp_path: Path) -> None:
    """Markdown without HTML is printed unchanged (a .md file, or stdin with --input markdown)."""
    text = "# 标题\n\n*ST康美 段落\n"
    path = tmp_path / "a.md"
    path.write_text(text, encoding="utf-8")
    assert run("convert", str(path))[1] == text
    assert run("convert", "-", "--input", "markdown", stdin=text)[1] == text


def test_stdin_is_html_unless_front_matter() -> None:
    """Stdin without front matter is HTML, whatever it starts with: nothing passes through raw."""
    code, out, _ = run("convert", "-", stdin="Hello <img src=x onerror=alert(1)> <b>粗</b>")
    assert code == 0
    assert "<" not in out
    assert "onerror" not in out
    assert "**粗**" in out
    post = "---\ntitle: t\n---\n*ST 段落 <b>粗</b>\n"
    assert run("convert", "-", stdin=post)[1] == post  # a Markdown post (Jekyll's default); no Eastmoney markup


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "no such file"),
        ("folder", "is a directory"),
        ("binary", "binary data"),
        ("gb18030", "looks like GB18030"),
        ("front", "unterminated front matter"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, setup: str, message: str) -> None:
    """Bad input: one stderr line naming the file and the cause, exit 2, no traceback."""
    path = tmp_path / "in.md"
    if setup == "folder":
        path.mkdir()
    elif setup == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    elif setup == "gb18030":
        path.write_bytes("<p>中文内容，东方财富</p>".encode("gb18030"))
    elif setup == "front":
        path.write_text("---\ntitle: x\n<p>正文</p>\n", encoding="utf-8")
    code, out, err = run("convert", str(path))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert str(path) in err
    assert message in err
    assert "Traceback" not in err


def test_encoding_flag_reads_gb18030(tmp_path: Path) -> None:
    """--encoding gb18030 reads a GB18030 file."""
    path = tmp_path / "gb.html"
    path.write_bytes("<p>中文内容</p>".encode("gb18030"))
    assert run("convert", str(path), "--encoding", "gb18030")[1] == "中文内容\n"


def test_unknown_encoding_is_a_clear_error(tmp_path: Path) -> None:
    """An unknown --encoding name is reported, not a traceback."""
    path = tmp_path / "a.html"
    path.write_text("<p>x</p>", encoding="utf-8")
    code, _, err = run("convert", str(path), "--encoding", "klingon")
    assert code == 2
    assert "unknown encoding" in err


def test_bad_flag_value_is_a_usage_error() -> None:
    """An invalid choice is a usage error (exit 2)."""
    assert run("convert", "-", "--annotate", "bogus", stdin="<p>x</p>")[0] == 2


def test_version() -> None:
    """--version prints the version."""
    code, out, _ = run("--version")
    assert code == 0
    assert out.startswith("emclean ")


@pytest.mark.parametrize("args", [["convert", "{}"], ["convert", "{}", "--format", "json"]], ids=["fast-path", "typer"])
@pytest.mark.parametrize(
    ("error", "said"),
    [(ValueError("boom"), "internal error: ValueError: boom"), (RecursionError(), "nested too deeply to convert")],
    ids=["bug", "recursion"],
)
def test_an_unexpected_error_is_one_line(tmp_path: Path, args: list[str], error: Exception, said: str) -> None:
    """Even a bug in the converter ends in one line naming the file and exit 2, never a traceback
    (in a real process: both the fast path and the typer command)."""
    page = tmp_path / "a.html"
    page.write_text("<p>x</p>", encoding="utf-8")
    raiser = tmp_path / "sitecustomize.py"
    raiser.write_text(
        f"import emclean.pipeline as p\ndef boom(*a, **k):\n    raise {error!r}\np.convert = boom\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "emclean", *(a.replace("{}", str(page)) for a in args)]
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 2
    assert done.stderr == f"emclean: {page}: {said}\n"
    assert done.stdout == ""
