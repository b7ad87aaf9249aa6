"""`emclean entities`: every link variant decoded, every format, and the corpus counted."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import FIXTURES, need_corpus
from selectolax.lexbor import LexborHTMLParser
from typer.testing import CliRunner

import emclean
from emclean.cli import app
from emclean.entities import FIELDS

runner = CliRunner()
CONVERT = FIXTURES / "convert"
VARIANTS = [
    "stock-keytip.in.html",  # span#stock_ + a.keytip + empty span#quote_
    "board-bk.in.html",  # span#bk_ + a.keytip + span#bkquote_
    "glossary-infokey.in.html",  # span#Info.* + a.infokey (C<PPI>B)
    "hk-info116.in.html",  # span#Info.116.* keytip (HK), 106/105/107 US
    "em-stock-key-common.in.html",  # .em_stock_key_common as <span href> and as <a>
    "zwstock-nested.in.html",  # guba span.zwstock, nested
    "old-keytip.in.html",  # a.keytip href=SZ300104.html, span#stock_3001042
    "data-code-no-market.in.html",  # data-code without market prefix
    "kline-chart.in.html",  # a K-line chart link is a widget, not an entity
]


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_golden_variants(update_golden: bool) -> None:
    """Every link variant decodes to the recorded JSON (exactly the documented keys)."""
    code, out, err = run("entities", *[str(CONVERT / v) for v in VARIANTS], "--format", "json")
    assert code == 0, err
    records = json.loads(out)
    for record in records:
        record["file"] = Path(record["file"]).name
        assert tuple(record) == FIELDS
    expected = FIXTURES / "entities" / "variants.json"
    text = json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    if update_golden:
        expected.write_text(text, encoding="utf-8")
    assert text == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("data_code", "code", "market", "kind"),
    [
        ("0,300832", "300832.SZ", "SZ", "stock"),
        ("0,430047", "430047.BJ", "BJ", "stock"),
        ("0,920001", "920001.BJ", "BJ", "stock"),
        ("1,600519", "600519.SH", "SH", "stock"),
        ("116,00700", "00700.HK", "HK", "stock"),
        ("105,PDD", "PDD.O", "US", "stock"),
        ("106,BABA", "BABA.N", "US", "stock"),
        ("107,SPY", "SPY.A", "US", "stock"),
        ("90,BK0474", "BK0474", "BK", "board"),
        ("150,000001", "150.000001", "150", "fund"),
        ("8,123456", "8.123456", "8", "other"),
        ("600519", "600519.SH", "SH", "stock"),
        ("002353", "002353.SZ", "SZ", "stock"),
    ],
)
def test_codes(data_code: str, code: str, market: str, kind: str) -> None:
    """Market numbers decode as documented; an unknown market keeps market.code."""
    html = f'<p>甲<a class="keytip" data-code="{data_code}">名字</a>乙</p>'
    (entity,) = emclean.list_entities(html)
    assert (entity.code, entity.market, entity.kind) == (code, market, kind)


def test_secid_and_url() -> None:
    """secid is Eastmoney's market.code; url is the https quote page."""
    (e,) = emclean.list_entities('<p><a class="keytip" data-code="116,00700">腾讯控股</a></p>')
    assert e.secid == "116.00700"
    assert e.url == "https://quote.eastmoney.com/unify/r/116.00700"


def test_glossary_has_no_code_and_an_https_url() -> None:
    """A glossary link (infokey) has no code; its url is https."""
    (e,) = emclean.list_entities('<p><a href="http://data.eastmoney.com/cjsj/xzxd.html" class="infokey">信贷</a></p>')
    assert (e.kind, e.code, e.secid, e.url) == ("glossary", None, None, "https://data.eastmoney.com/cjsj/xzxd.html")


def test_line_and_context() -> None:
    """line is the 1-based line of the link; context is up to 10 characters either side."""
    html = (
        "<p>一二三四五六七八九十甲乙\n<a class='keytip' data-code='1,600519'>贵州茅台</a>子丑寅卯辰巳午未申酉戌亥</p>"
    )
    (e,) = emclean.list_entities(html)
    assert e.line == 2
    assert e.context == "三四五六七八九十甲乙贵州茅台子丑寅卯辰巳午未申酉"


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "tsv", "table"])
def test_every_format(fmt: str) -> None:
    """Each --format prints the links (json/jsonl/csv: occurrences; tsv/table: aggregated)."""
    code, out, _ = run("entities", str(CONVERT / "hk-info116.in.html"), "--format", fmt)
    assert code == 0
    if fmt == "json":
        assert [r["code"] for r in json.loads(out)] == ["00700.HK", "BABA.N", "PDD.O", "XYZ.A"]
    elif fmt == "jsonl":
        assert [json.loads(line)["name"] for line in out.splitlines()] == ["腾讯控股", "阿里巴巴", "拼多多", "某公司"]
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert tuple(rows[0]) == FIELDS
        assert len(rows) == 5
    elif fmt == "tsv":
        rows = [line.split("\t") for line in out.splitlines()]
        assert rows[0] == ["name", "code", "kind", "market", "count", "files", "suspicious"]
        assert ["腾讯控股", "00700.HK", "stock", "HK", "1", "1", "0"] in rows
    else:
        assert "腾讯控股" in out
        assert "4 links in 1 files" in out


def test_piped_default_is_tsv() -> None:
    """Without --format and not on a terminal, the output is tab-separated with a header."""
    out = run("entities", str(CONVERT / "board-bk.in.html"))[1]
    assert out.splitlines()[0] == "name\tcode\tkind\tmarket\tcount\tfiles\tsuspicious"


def test_by_file_kind_and_suspicious_filters() -> None:
    """--by-file lists occurrences; --kind and --suspicious narrow them."""
    files = [str(CONVERT / "stock-keytip.in.html"), str(CONVERT / "glossary-infokey.in.html")]
    out = run("entities", *files, "--by-file")[1]
    assert out.splitlines()[0].split("\t") == list(FIELDS)
    assert len(out.splitlines()) == 1 + 4
    glossary = json.loads(run("entities", *files, "--kind", "glossary", "--format", "json")[1])
    assert {e["name"] for e in glossary} == {"基金", "PPI"}
    doubtful = json.loads(run("entities", *files, "--suspicious", "--format", "json")[1])
    assert {(e["name"], e["reason"]) for e in doubtful} == {
        ("新产业", "glued into a longer word"),
        ("PPI", "glued into a longer word"),
    }


def test_stdin_and_folders() -> None:
    """`-` reads stdin (file "-"); a folder is walked."""
    data = json.loads(run("entities", "-", "--format", "json", stdin=(CONVERT / "board-bk.in.html").read_text())[1])
    assert data[0]["file"] == "-"
    walked = json.loads(run("entities", str(CONVERT), "--format", "json")[1])
    assert len({e["file"] for e in walked}) > 10


def test_no_links_is_an_empty_list() -> None:
    """No entity links: an empty list and exit 0."""
    assert run("entities", "-", "--format", "json", stdin="<p>没有链接</p>") == (0, "[]\n", "")


def test_unreadable_input_exits_123(tmp_path: Path) -> None:
    """A missing or binary input is one clear line and exit 123 (some inputs failed)."""
    binary = tmp_path / "b.md"
    binary.write_bytes(b"\x00\x01<p>keytip eastmoney.com</p>")
    code, _, err = run("entities", str(tmp_path / "missing.md"), str(binary), "--format", "json")
    assert code == 123
    assert "missing.md: no such file" in err
    assert "b.md: binary data" in err


def test_convert_and_entities_agree() -> None:
    """convert's entity records are the ones `entities` lists."""
    html = (CONVERT / "zwstock-nested.in.html").read_text(encoding="utf-8")
    converted = [(e.name, e.code) for e in emclean.convert(html).entities]
    listed = [(e.name, e.code) for e in emclean.list_entities(html)]
    assert converted == listed


ENTITY_HOSTS = ("quote.eastmoney.com", "data.eastmoney.com", "fund.eastmoney.com", "guba.eastmoney.com")


def count_links(html: str, page: bool) -> int:
    """Entity link elements in the (article of the) HTML, counted independently."""
    tree = LexborHTMLParser(html)
    root = tree.css_first("#ContentBody, .txtinfos, #zwconbody, .zwconbody, .xeditor") if page else None
    root = root or tree.body
    assert root is not None
    n = 0
    for node in root.css("a, span"):
        cls = (node.attributes.get("class") or "").split()
        href = node.attributes.get("href") or ""
        if "EmImageRemark" in cls:
            continue
        if {"keytip", "infokey", "em_stock_key_common", "zwstock"} & set(cls) or (
            node.tag == "a" and any(h in href for h in ENTITY_HOSTS)
        ):
            n += 1
    return n


def test_corpus_counts_every_link_element() -> None:
    """In every corpus file, the links found equal the entity link elements in it."""
    corpus = need_corpus()
    for path in sorted(corpus.rglob("*")):
        if path.suffix not in (".md", ".html") or path.name == "README.md":
            continue
        text = path.read_text(encoding="utf-8")
        assert len(emclean.list_entities(text)) == count_links(text, path.suffix == ".html"), path.name


def test_seed_like_post_entities() -> None:
    """The seed-like post yields the documented codes, with PPI flagged."""
    corpus = need_corpus()
    out = run("entities", str(corpus / "posts" / "2022-05-30-202205302396671645.md"), "--format", "json")[1]
    found = {(e["name"], e["code"]) for e in json.loads(out)}
    for pair in [
        ("腾讯控股", "00700.HK"),
        ("美的集团", "000333.SZ"),
        ("阿里巴巴", "BABA.N"),
        ("拼多多", "PDD.O"),
        ("证券", "BK0473"),
    ]:
        assert pair in found
    ppi = [e for e in json.loads(out) if e["name"] == "PPI"]
    assert ppi[0]["suspicious"] is True


def test_machine_formats_carry_the_real_file_name(tmp_path: Path) -> None:
    """JSON, JSON Lines and CSV name each file as it is (a byte that is not UTF-8 as `\\udcNN`,
    which os.fsencode turns back into it), so a consumer can open it; TSV shows it as messages
    do, on one line."""
    import os
    import subprocess
    import sys

    keytip = '<p><span id="stock_1.600519"><a class="keytip" data-code="1,600519">贵州茅台</a></span></p>'
    names = [b"a\nb.html", "bidi\u202eevil.html".encode(), b"x\xff.html", b"it's.html"]
    for name in names:
        (tmp_path / os.fsdecode(name)).write_bytes(keytip.encode())

    def emclean_out(*args: str) -> bytes:
        command = [sys.executable, "-m", "emclean", "entities", *args, "."]
        return subprocess.run(command, cwd=tmp_path, capture_output=True, check=True).stdout

    for fmt in ("json", "jsonl"):
        out = emclean_out("--format", fmt).decode("utf-8")
        records = json.loads(out) if fmt == "json" else [json.loads(line) for line in out.splitlines()]
        assert sorted(os.fsencode(r["file"]) for r in records) == sorted(names)
    rows = list(csv.DictReader(io.StringIO(emclean_out("--format", "csv").decode("utf-8"))))
    assert {r["file"] for r in rows} >= {"a\nb.html", "bidi\u202eevil.html", "it's.html"}
    tsv = emclean_out("--by-file").decode("utf-8").splitlines()
    assert len(tsv) == 1 + len(names)
    assert {line.split("\t")[0] for line in tsv[1:]} == {
        "'a\\nb.html'",
        "'bidi\\u202eevil.html'",
        "'x\\xff.html'",
        "it's.html",
    }
