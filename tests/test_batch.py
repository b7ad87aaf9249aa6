"""`emclean batch` from the command line: shards in, records out, every bad input reported."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from conftest import FIXTURES
from datasets import need_module, read_jsonl, records, write_jsonl, write_shards
from typer.testing import CliRunner

import emclean
from emclean.cli import app

runner = CliRunner()
ARTICLES = FIXTURES / "batch" / "articles.jsonl"
KEYTIP = (FIXTURES / "convert" / "stock-keytip.in.html").read_text(encoding="utf-8")


def run(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def lines_of(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def expected(item: dict[str, object], **options: object) -> dict[str, object]:
    """What one good record becomes, computed with the library."""
    result = emclean.convert(str(item["html"]), emclean.Options(**options), details=True)  # type: ignore[arg-type]
    from emclean.records import entity_records, visible_text

    kept = {k: v for k, v in item.items() if k != "html"}
    return {**kept, "markdown": result.markdown, "text": visible_text(result), "entities": entity_records(result)}


def test_fields_pass_through_and_conversion_is_added() -> None:
    """Each record keeps its other fields in order, loses the HTML and gains markdown, text, entities."""
    code, out, err = run("batch", str(ARTICLES), "--jobs", "1", "-q")
    first = lines_of(out)[0]
    assert list(first) == ["id", "source", "markdown", "text", "entities"]
    assert first["source"] == "东方财富网"
    assert first["markdown"] == "《通知》明确，要创新产业链供应链金融服务方式。其中，贵州茅台被持有。\n"
    assert first["text"] == first["markdown"]
    assert code == 123  # the fixture holds two bad records
    assert err.count("\n") == 2  # one line each (-q: no summary)


def test_entities_are_the_records_of_emclean_entities() -> None:
    """`entities` holds the records `emclean entities --format json` prints for the same HTML."""
    listed = json.loads(run("entities", "-", "--format", "json", stdin=KEYTIP)[1])
    out = run("batch", "-", stdin=json.dumps({"id": 1, "html": KEYTIP}) + "\n")[1]
    assert lines_of(out)[0]["entities"] == listed
    assert listed[0]["suspicious"] is True  # 创[新产业]链 is flagged in both


def test_order_is_kept_across_workers(tmp_path: Path) -> None:
    """With two workers and many pieces, records come out in input order, equal to in-process."""
    items = records(700)
    path = write_jsonl(tmp_path / "in.jsonl", items)
    code, out, _ = run("batch", str(path), "--jobs", "2", "-q")
    assert code == 0
    got = lines_of(out)
    assert [r["id"] for r in got] == [r["id"] for r in items]
    assert got == lines_of(run("batch", str(path), "--jobs", "1", "-q")[1])
    for n in (0, 1, 350, 699):
        assert got[n] == expected(items[n])


@pytest.mark.parametrize(
    ("line", "ident", "message"),
    [
        ('{"id": 9, "html": "<p>断', 9, "not JSON: Invalid control character at column"),
        ("just text", None, "not JSON: Expecting value at column 1"),
        ('{"id": "x", "title": "无正文"}', "x", 'no "html" field'),
        ('{"id": 3, "html": 5}', 3, '"html" is a number, not a string'),
        ('{"id": 4, "html": null}', 4, '"html" is null, not a string'),
        ("[1, 2]", None, "not a JSON object but an array"),
        (b'{"id": 5, "html": "<p>\xff</p>"}', 5, "not UTF-8: byte 0xff at column"),
    ],
    ids=["cut", "text", "no-html", "number", "null", "array", "not-utf8"],
)
def test_bad_record_is_an_error_record_and_the_run_goes_on(
    tmp_path: Path, line: str | bytes, ident: object, message: str
) -> None:
    """A bad line: an error record with its id and line number, one stderr line, the rest converted, exit 123."""
    path = tmp_path / "in.jsonl"
    good = json.dumps({"id": "ok", "html": "<p>好</p>"}).encode()
    raw = line if isinstance(line, bytes) else line.encode()
    path.write_bytes(good + b"\n" + raw + b"\n" + good + b"\n")
    code, out, err = run("batch", str(path), "-q")
    got = lines_of(out)
    assert code == 123
    assert [r.get("markdown") for r in got] == ["好\n", None, "好\n"]
    assert got[1]["id"] == ident
    assert got[1]["line"] == 2
    assert str(got[1]["error"]).startswith(message)
    assert err.count("\n") == 1
    assert err.startswith(f"emclean: {path}:2")
    assert message in err


def test_a_50_mb_record_is_refused_and_the_run_goes_on(tmp_path: Path) -> None:
    """A 50 MB record is an error record naming its size and the limit; the next one converts."""
    path = tmp_path / "in.jsonl"
    with path.open("w", encoding="utf-8") as f:
        f.write('{"id": "huge", "html": "<p>' + "东" * (50 * 1024 * 1024 // 3) + '</p>"}\n')
        f.write('{"id": "next", "html": "<p>好</p>"}\n')
    code, out, err = run("batch", str(path), "-q")
    huge, following = lines_of(out)
    assert code == 123
    assert huge == {"id": "huge", "error": huge["error"], "line": 1}
    assert str(huge["error"]) == "record of 50 MiB is over the record size limit (8 MiB)"
    assert following["markdown"] == "好\n"
    assert err.startswith(f'emclean: {path}:1 (id "huge"): record of 50 MiB')


def test_max_record_size_sets_the_limit(tmp_path: Path) -> None:
    """--max-record-size sets the limit: under it a record converts, over it it fails."""
    path = write_jsonl(tmp_path / "in.jsonl", [{"id": 1, "html": "<p>" + "字" * 2000 + "</p>"}])
    assert run("batch", str(path), "--max-record-size", "1M")[0] == 0
    code, out, _ = run("batch", str(path), "--max-record-size", "5000", "-q")
    assert code == 123
    assert lines_of(out)[0]["error"] == "record of 5.9 KiB is over the record size limit (4.9 KiB)"


def test_convert_jsonl_takes_the_record_size_limit_of_batch(tmp_path: Path) -> None:
    """`convert --format jsonl` limits records with --max-record-size, as batch does (exact
    bytes when rounding would show equal sizes); --max-size keeps its meaning (one document)
    and is refused there, as --max-record-size is without --format jsonl."""
    path = write_jsonl(tmp_path / "two.jsonl", [{"id": 1, "html": "<p>" + "x" * 76 + "</p>"}])  # a line of 105 bytes
    code, out, _ = run("convert", str(path), "--format", "jsonl", "--max-record-size", "100")
    assert code == 123
    assert lines_of(out) == [
        {"id": 1, "error": "record of 105 bytes is over the record size limit (100 bytes)", "line": 1}
    ]
    assert run("convert", str(path), "--format", "jsonl", "--max-record-size", "1K")[0] == 0
    for args in (("--format", "jsonl", "--max-size", "100"), ("--max-record-size", "1M")):
        code, out, err = run("convert", str(path), *args)
        assert (code, out, err.count("\n")) == (2, "", 1)
        assert err.startswith("emclean: --max")
    code, out, err = run("convert", str(path), "--format", "jsonl", "--max-record-size", "lots")
    assert (code, err) == (
        2,
        "emclean: --max-record-size: not a size: 'lots' (write it as 64M, 500K, 1G or a number of bytes)\n",
    )


def test_sizes_in_messages_differ_when_they_do() -> None:
    """Sizes in messages: binary units, one decimal; exact bytes when the rounded ones would be equal."""
    from emclean.limits import parse_size, size, sizes

    assert [size(n) for n in (100, 6007, 8 << 20, 3 << 30)] == ["100 bytes", "5.9 KiB", "8 MiB", "3 GiB"]
    assert sizes(1_048_677, 1 << 20) == ("1,048,677 bytes", "1,048,576 bytes")
    assert sizes(50 << 20, 8 << 20) == ("50 MiB", "8 MiB")
    assert [parse_size(s) for s in ("500k", "64M", "1G", "2MiB", "10")] == [500 << 10, 64 << 20, 1 << 30, 2 << 20, 10]


def test_truncated_gzip_keeps_the_records_before_and_names_the_offset(tmp_path: Path) -> None:
    """A cut gzip shard: the records before the cut are written, one message names the shard and the byte."""
    whole = write_jsonl(tmp_path / "whole.jsonl.gz", records(400))
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    code, out, err = run("batch", str(cut), "-q")
    got = lines_of(out)
    assert code == 123
    assert 0 < len(got) < 400
    assert [r["id"] for r in got] == [f"r{n:06d}" for n in range(len(got))]
    assert err == (
        f"emclean: {cut}: truncated gzip data: it ends at byte {cut.stat().st_size:,} of the file without "
        f"its end marker; the {len(got):,} lines before it were kept\n"
    )


def test_gzip_is_known_by_magic_bytes_or_by_name(tmp_path: Path) -> None:
    """A gzip shard is read whatever its name; a .gz shard that is not gzip is refused before any work."""
    data = gzip.compress(b'{"id": 1, "html": "<p>\xe5\xa5\xbd</p>"}\n')
    (tmp_path / "plain-name.jsonl").write_bytes(data)
    assert lines_of(run("batch", str(tmp_path / "plain-name.jsonl"))[1])[0]["markdown"] == "好\n"
    (tmp_path / "fake.jsonl.gz").write_bytes(b'{"id": 1, "html": "<p>x</p>"}\n')
    code, out, err = run("batch", str(tmp_path / "fake.jsonl.gz"))
    assert (code, out) == (2, "")
    assert err.startswith(f"emclean: {tmp_path / 'fake.jsonl.gz'}: not gzip data")


def test_zstd_shard(tmp_path: Path) -> None:
    """A zstd shard is read, and written zstd-compressed to an output folder."""
    zstandard = need_module("zstandard", "dev")  # (users: the zstd extra)
    data = b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records(20))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(data))
    assert run("batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q")[0] == 0  # a new folder
    out = zstandard.ZstdDecompressor().decompressobj().decompress((tmp_path / "out" / "a.jsonl.zst").read_bytes())
    assert [json.loads(x)["id"] for x in out.splitlines()] == [r["id"] for r in records(20)]


def test_folder_in_folder_out_one_shard_each(tmp_path: Path) -> None:
    """A folder of shards: read in sorted order, one output shard per input, same name and compression."""
    write_shards(tmp_path / "in" / "sub", 2, 30)
    write_shards(tmp_path / "in", 3, 30)
    code, _, err = run("batch", str(tmp_path / "in"), "-o", str(tmp_path / "out") + "/", "--jobs", "2")
    assert code == 123  # each shard holds two bad records
    names = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert names == [
        "part-000.jsonl",
        "part-001.jsonl.gz",
        "part-002.jsonl",
        "sub/part-000.jsonl",
        "sub/part-001.jsonl.gz",
    ]
    assert (tmp_path / "out" / "part-001.jsonl.gz").read_bytes()[:2] == b"\x1f\x8b"
    for name in names:
        assert len(read_jsonl(tmp_path / "out" / name)) == 32
    assert len(err.splitlines()) == 11
    assert "160 records, 10 failed, 5 shards" in err.splitlines()[-1]
    # stdout gets the same records, in the same (sorted) order
    piped = lines_of(run("batch", str(tmp_path / "in"), "-q")[1])
    assert piped == [r for name in names for r in read_jsonl(tmp_path / "out" / name)]


def test_stdin(tmp_path: Path) -> None:
    """`-` reads JSON Lines from stdin (gzip too)."""
    data = json.dumps({"id": 1, "html": "<p>好</p>"}) + "\n"
    assert lines_of(run("batch", "-", stdin=data)[1]) == [{"id": 1, "markdown": "好\n", "text": "好\n", "entities": []}]
    assert lines_of(run("batch", "-", stdin=gzip.compress(data.encode()))[1])[0]["markdown"] == "好\n"


def test_resume_skips_complete_shards(tmp_path: Path) -> None:
    """--resume leaves the outputs already there untouched and writes the missing ones."""
    write_shards(tmp_path / "in", 3, 10, bad=False)
    out = tmp_path / "out"
    assert run("batch", str(tmp_path / "in"), "-o", f"{out}/", "-q")[0] == 0
    (out / "part-001.jsonl.gz").unlink()
    os.utime(out / "part-000.jsonl", (1, 1))
    code, _, err = run("batch", str(tmp_path / "in"), "-o", f"{out}/", "--resume")
    assert code == 0
    assert "10 records, 0 failed, 1 shard, 2 skipped as done" in err
    assert (out / "part-000.jsonl").stat().st_mtime == 1
    assert len(read_jsonl(out / "part-001.jsonl.gz")) == 10


def test_one_output_file_for_many_shards(tmp_path: Path) -> None:
    """-o FILE (not a folder) gets every record of every shard, in order."""
    write_shards(tmp_path / "in", 3, 10, bad=False)
    assert run("batch", str(tmp_path / "in"), "-o", str(tmp_path / "all.jsonl.gz"), "-q")[0] == 0
    assert [r["id"] for r in read_jsonl(tmp_path / "all.jsonl.gz")] == [f"r{n:06d}" for n in range(30)]


@pytest.mark.parametrize(
    ("make", "args", "message"),
    [
        ("html", ["{in}"], "not JSON Lines (it starts with '<p>"),
        ("array", ["{in}"], "not JSON Lines (a JSON array)"),
        ("ok", ["{in}", "-o", "{in}"], "the output would overwrite its input"),
        ("ok", ["-", "-o", "{tmp}/out/"], "- (stdin) has no name to write under an output folder"),
        ("ok", ["{in}", "--resume"], "--resume needs -o"),
        ("ok", ["{tmp}/missing.jsonl"], "missing.jsonl: no such file or folder"),
        ("ok", ["{in}", "-o", "{tmp}/x.parquet"], "Parquet output needs Parquet input"),
    ],
    ids=["html", "array", "overwrite", "stdin-to-folder", "resume-no-output", "missing", "jsonl-to-parquet"],
)
def test_unusable_input_is_exit_2_before_any_work(tmp_path: Path, make: str, args: list[str], message: str) -> None:
    """An input or output that cannot be used: one line each, exit 2, nothing written."""
    path = tmp_path / "in.jsonl"
    if make == "html":
        path.write_text(KEYTIP, encoding="utf-8")
    elif make == "array":
        path.write_text('[{"id": 1}]\n', encoding="utf-8")
    else:
        write_jsonl(path, records(3))
    before = sorted(tmp_path.rglob("*"))
    argv = [a.format(**{"in": path, "tmp": tmp_path}) for a in args]
    code, out, err = run("batch", *argv, stdin="")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert message in err
    assert sorted(tmp_path.rglob("*")) == before


def test_options_pass_through(tmp_path: Path) -> None:
    """--annotate, --front-matter, --input and --url-field act on each record as on `convert`."""
    page = (FIXTURES / "convert" / "page-front-matter.in.html").read_text(encoding="utf-8")
    link = '<p>见<a href="/a/2.html">上文</a></p>'
    items = [
        {"id": 1, "html": KEYTIP, "u": None},
        {"id": 2, "html": page, "u": "https://finance.eastmoney.com/a/1.html"},
        {"id": 3, "html": link, "u": "https://finance.eastmoney.com/a/1.html"},
    ]
    path = write_jsonl(tmp_path / "in.jsonl", items)
    args = ["batch", str(path), "--annotate", "inline", "--front-matter", "--url-field", "u", "-q"]
    got = lines_of(run(*args)[1])
    for item, record in zip(items, got, strict=True):
        options = {"annotate": emclean.Annotate.INLINE, "front_matter": True, "url": item["u"]}
        assert record == expected(item, **options)
    assert "（600519.SH）" in str(got[0]["markdown"])
    assert str(got[1]["markdown"]).startswith('---\ntitle: "霍尼韦尔为蔚来提供制冷剂"')
    assert 'url: "https://finance.eastmoney.com/a/1.html"' in str(got[1]["markdown"])
    assert str(got[2]["markdown"]).endswith("见[上文](https://finance.eastmoney.com/a/2.html)\n")
    fragment = lines_of(run("batch", str(path), "--input", "fragment", "-q")[1])[1]
    assert fragment == expected(items[1], input_kind=emclean.InputKind.FRAGMENT)


def test_html_and_id_fields(tmp_path: Path) -> None:
    """--html-field and --id-field name the fields; messages and error records use them."""
    path = write_jsonl(tmp_path / "in.jsonl", [{"url": "u1", "content": "<p>好</p>"}, {"url": "u2", "body": "x"}])
    code, out, err = run("batch", str(path), "--html-field", "content", "--id-field", "url", "-q")
    assert code == 123
    assert lines_of(out) == [
        {"url": "u1", "markdown": "好\n", "text": "好\n", "entities": []},
        {"url": "u2", "body": "x", "error": 'no "content" field', "line": 2},
    ]
    assert err == f'emclean: {path}:2 (id "u2"): no "content" field\n'


def test_text_that_is_not_utf8_is_escaped(tmp_path: Path) -> None:
    """A lone surrogate (escaped in the input) never breaks the output: valid JSON Lines, exit 0."""
    path = tmp_path / "in.jsonl"
    path.write_text('\ufeff{"id": 1, "title": "\\ud800", "html": "<p>a\\ud800b</p>"}\n', encoding="utf-8")
    code, out, _ = run("batch", str(path), "-q")
    assert code == 0
    assert lines_of(out)[0]["title"] == "\ud800"
    assert out.isascii()


def test_summary_and_quiet(tmp_path: Path) -> None:
    """A summary line on stderr at the end; --quiet prints only the errors."""
    path = write_jsonl(tmp_path / "in.jsonl", records(5))
    code, _, err = run("batch", str(path))
    assert code == 0
    assert err.startswith("emclean: 5 records, 0 failed, 1 shard, ")
    assert err.endswith(" records/s\n")
    assert run("batch", str(path), "-q")[2] == ""


def test_empty_input(tmp_path: Path) -> None:
    """An empty shard or blank lines give no records, exit 0."""
    path = tmp_path / "in.jsonl"
    path.write_text("\n  \n", encoding="utf-8")
    assert run("batch", str(path), "-q") == (0, "", "")


def test_help_lists_the_batch_options() -> None:
    """`batch --help` names the fields, the output choices and the exit codes."""
    out = run("batch", "--help")[1]
    for word in ("--html-field", "--id-field", "--url-field", "--resume", "--jobs", "-o", "123"):
        assert word in out


# --- convert --format jsonl is the same code path ---


def test_convert_jsonl_is_batch() -> None:
    """`convert --format jsonl` prints what `batch` prints for the same input."""
    data = ARTICLES.read_text(encoding="utf-8")
    assert run("convert", "-", "--format", "jsonl", stdin=data)[:2] == run("batch", "-", "-q", stdin=data)[:2]


def test_convert_jsonl_on_an_ordinary_file_says_so_once() -> None:
    """An HTML file given to --format jsonl: one line saying it is not JSON Lines, exit 2."""
    source = str(FIXTURES / "convert" / "strong-cjk-punct.in.html")
    code, out, err = run("convert", source, "--format", "jsonl")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith(f"emclean: {source}: not JSON Lines")
    assert '{"id": 1, "html": "<p>…</p>"}' in err


def test_convert_jsonl_bad_record_keeps_its_id() -> None:
    """A record without HTML comes back with its id (not null)."""
    code, out, err = run("convert", "-", "--format", "jsonl", stdin='{"id": 3}\n')
    assert code == 123
    assert lines_of(out) == [{"id": 3, "error": 'no "html" field', "line": 1}]
    assert err == 'emclean: -:1 (id 3): no "html" field\n'  # and no summary: convert prints none


def test_convert_help_says_what_jsonl_reads() -> None:
    """`convert --help` says that jsonl reads {"id", "html"} lines."""
    assert '{"id", "html"}' in run("convert", "--help")[1]


def test_to_html(tmp_path: Path) -> None:
    """--to html puts the cleaned HTML in `html` instead of Markdown in `markdown`, as `convert --to html`."""
    out = run("batch", "-", "--to", "html", "-q", stdin=json.dumps({"id": 1, "html": KEYTIP}) + "\n")[1]
    record = lines_of(out)[0]
    assert list(record) == ["id", "html", "text", "entities"]
    assert record["html"] == run("convert", "-", "--to", "html", stdin=KEYTIP)[1]
    assert "keytip" not in str(record["html"])
