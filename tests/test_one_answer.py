"""One answer wherever it is asked: the library and the command line agree on each link and
its doubt; annotations do not repeat what the article says; the title is not written twice."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

import emclean
from emclean.cli import app

runner = CliRunner()
CONVERT = FIXTURES / "convert"


def cli_entities(path: str) -> list[dict[str, object]]:
    result = runner.invoke(app, ["entities", path, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    records: list[dict[str, object]] = json.loads(result.stdout)
    return records


@pytest.mark.parametrize("name", ["stock-keytip.in.html", "glossary-infokey.in.html", "annotate-suspicious.in.html"])
def test_list_entities_flags_as_the_command_does(name: str) -> None:
    """emclean.list_entities marks the links `emclean entities` marks, with the same reasons;
    so does convert(details=True)."""
    path = CONVERT / name
    text = path.read_text(encoding="utf-8")
    expected = [(e["name"], e["suspicious"], e["reason"]) for e in cli_entities(str(path))]
    assert any(suspicious for _, suspicious, _ in expected)
    listed = [(e.name, e.suspicious, e.reason) for e in emclean.list_entities(text)]
    converted = [(e.name, e.suspicious, e.reason) for e in emclean.convert(text, details=True).entities]
    assert listed == expected
    assert converted == expected


def test_inline_annotation_is_not_repeated_where_the_article_gives_the_code() -> None:
    """`乐视网（300104.SZ）` stays as written (the golden case has every form); a footnote is
    still added there: it brings the quote link, which the article does not give."""
    path = str(CONVERT / "annotate-inline-code-given.in.html")
    inline = runner.invoke(app, ["convert", path, "--annotate", "inline"]).stdout
    assert "乐视网（300104.SZ）发布" in inline
    assert "昇兴股份(002752)1月" in inline
    assert "中国平安（601318.SH）（601988.SH）" in inline  # another code in brackets: annotated
    footnote = runner.invoke(app, ["convert", path, "--annotate", "footnote"]).stdout
    assert "乐视网[^300104-SZ]（300104.SZ）" in footnote
    assert "[^300104-SZ]: 乐视网 <https://quote.eastmoney.com/unify/r/0.300104>" in footnote


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        ("<h1>霍尼韦尔为蔚来提供制冷剂</h1><p>正文。</p>", "正文。\n"),
        ("<p>霍尼韦尔为蔚来\n 提供制冷剂</p><p>正文。</p>", "正文。\n"),
        ("<div><p><strong>霍尼韦尔为蔚来提供制冷剂</strong></p></div><p>正文。</p>", "正文。\n"),
        ("<p>霍尼韦尔为蔚来提供制冷剂：续</p><p>霍尼韦尔为蔚来提供制冷剂</p>", None),  # not the first block
        ("<p>正文。</p><h2>霍尼韦尔为蔚来提供制冷剂</h2>", None),
    ],
)
def test_front_matter_does_not_repeat_the_title(body: str, kept: str | None) -> None:
    """--front-matter: a first block that only repeats the title (whitespace aside) is dropped,
    as a removal verify accounts for; any other block stays."""
    page = (
        "<html><head><title>霍尼韦尔为蔚来提供制冷剂_东方财富网</title></head>"
        f'<body><div id="ContentBody">{body}</div></body></html>'
    )
    result = emclean.convert(page, emclean.Options(front_matter=True))
    head, _, shown = result.markdown.partition("---\n\n")
    assert head == '---\ntitle: "霍尼韦尔为蔚来提供制冷剂"\n'
    assert emclean.check(result) == []
    if kept is not None:
        assert shown == kept
        assert ("title", result.removed[-1][1].strip()) == result.removed[-1]
    else:
        assert emclean.convert(page).markdown == shown


@pytest.mark.parametrize(
    ("code", "after", "given"),
    [
        ("300104.SZ", "（300104.SZ）发布", True),
        ("002752.SZ", "(002752)1月21日", True),
        ("600519.SH", " （股票代码：600519）公告", True),
        ("000333.SZ", "（SZ000333，下同）", True),
        ("600519.SH", "(sh600519)", True),
        ("SHOP.O", "(SHOP)", True),  # a ticker that starts like a market prefix
        ("601318.SH", "（601988.SH）", False),  # another code
        ("000001.SZ", "（深圳）", False),
        ("000001.SZ", "等银行", False),
    ],
)
def test_gives_code(code: str, after: str, given: bool) -> None:
    """The forms of a code written right after the name, and what is not one."""
    from emclean.entities import Entity, gives_code

    assert gives_code(Entity("名称", "stock", code, None, None, None, after=after)) is given
