"""`emclean batch` and the batch library on odd input: options checked as convert checks them,
stdin by default, numbers JSON has not, fields named like the ones written, other encodings."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from datasets import need_module
from typer.testing import CliRunner

import emclean
from emclean.cli import app

runner = CliRunner()
KEYTIP = (
    '<p>要以<a class="keytip" data-code="1,600519">贵州茅台</a>为例，'
    '要创<a class="keytip" data-code="0,300832">新产业</a>链</p>'
)


def run(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def strict(line: str) -> Any:
    """A JSON value, refusing NaN and Infinity as jq does."""

    def refuse(name: str) -> None:
        raise ValueError(f"not JSON: {name}")

    return json.loads(line, parse_constant=refuse)


def test_annotate_suspicious_alone_is_refused_as_convert_refuses_it(tmp_path: Path) -> None:
    """batch --annotate-suspicious without --annotate: exit 2 and the one line convert and fix print."""
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": 1, "html": "<p>x</p>"}\n', encoding="utf-8")
    got = run("batch", str(path), "--annotate-suspicious")
    assert got == run("convert", str(path), "--annotate-suspicious")
    assert (got[0], got[1], got[2].count("\n")) == (2, "", 1)
    assert got[2].startswith("emclean: --annotate-suspicious needs --annotate")


def test_batch_reads_piped_stdin_without_an_argument() -> None:
    """`cat x.jsonl | emclean batch`: stdin is read, as by convert and entities (a real pipe)."""
    done = subprocess.run(
        [sys.executable, "-m", "emclean", "batch", "-q"],
        input='{"id": 1, "html": "<p>好</p>"}\n'.encode(),
        capture_output=True,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, b"")
    assert json.loads(done.stdout)["markdown"] == "好\n"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("NaN", "NaN is not a JSON number"),
        ("-Infinity", "-Infinity is not a JSON number"),
        ("1e400", "1e400 is too large a number"),
    ],
)
def test_numbers_json_has_not_are_error_records(value: str, message: str) -> None:
    """NaN, Infinity and a float too large for a double are not JSON: the record is an error
    record (never written back as bare NaN); the output stays JSON."""
    line = '{"id": 13, "html": "<p>x</p>", "x": ' + value + "}\n"
    code, out, err = run("batch", "-", "-q", stdin=line + '{"id": 14, "html": "<p>y</p>"}\n')
    first, second = (strict(line) for line in out.splitlines())
    assert code == 123
    assert first == {"id": 13, "error": f"not JSON: {message}", "line": 1}
    assert second["markdown"] == "y\n"
    assert err == f"emclean: -:1 (id 13): not JSON: {message}\n"


def test_parquet_nan_becomes_null_in_json_lines(tmp_path: Path) -> None:
    """A Parquet float column's NaN and inf (values Parquet has) are written as null in JSON Lines."""
    pa = need_module("pyarrow", "parquet")
    pq = need_module("pyarrow.parquet", "parquet")
    table = pa.table({"id": [1, 2], "html": ["<p>x</p>", "<p>y</p>"], "score": [math.nan, math.inf]})
    pq.write_table(table, tmp_path / "in.parquet")
    code, out, _ = run("batch", str(tmp_path / "in.parquet"), "-q")
    assert code == 0
    assert [strict(line)["score"] for line in out.splitlines()] == [None, None]


def test_a_line_cut_short_names_its_last_column() -> None:
    """A line missing its closing brace: the column is the end of that line (not 1 of the next)."""
    line = '{"id": 1, "html": "<p>x</p>"'
    code, out, _ = run("batch", "-", "-q", stdin=line + "\n")
    assert code == 123
    assert strict(out)["error"] == f"not JSON: Expecting ',' delimiter at column {len(line) + 1}"


def test_fields_named_like_the_written_ones_are_replaced_as_documented() -> None:
    """Documented precedence: markdown, text, entities and error are what the conversion writes
    (an earlier run's included), so an input field of one of those names is replaced; every other
    field passes through. On an error record, line is the line number."""
    good = {"id": 1, "html": "<p>好</p>", "text": "old", "error": "old", "markdown": "old", "tag": "kept"}
    bad = {"id": 2, "html": None, "line": "mine", "tag": "kept"}
    code, out, _ = run("batch", "-", "-q", stdin=json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    first, second = (strict(line) for line in out.splitlines())
    assert code == 123
    assert first == {"id": 1, "tag": "kept", "markdown": "好\n", "text": "好\n", "entities": []}
    assert second == {"id": 2, "tag": "kept", "error": '"html" is null, not a string', "line": 2}


@pytest.mark.parametrize(
    ("codec", "name"), [("utf-16", "UTF-16LE"), ("utf-16-le", "UTF-16LE"), ("utf-16-be", "UTF-16BE")]
)
def test_utf16_json_lines_are_named_as_such(tmp_path: Path, codec: str, name: str) -> None:
    """UTF-16 JSON Lines (with or without a BOM): one line naming the encoding, no replacement characters."""
    path = tmp_path / "wide.jsonl"
    path.write_bytes('{"id": 1, "html": "<p>x</p>"}\n'.encode(codec))
    code, out, err = run("batch", str(path))
    assert (code, out) == (2, "")
    hint = f"(JSON Lines are UTF-8: iconv -f {name} -t UTF-8 converts it)"
    assert err == f"emclean: {path}: not JSON Lines: {name} text {hint}\n"


def test_library_errors_name_no_command_line_flag() -> None:
    """A table without the HTML column: the same InputError for pandas and Arrow, naming the
    columns and no CLI flag."""
    pa = need_module("pyarrow", "parquet")
    pd = need_module("pandas", "parquet")
    messages = set()
    for table in (pa.table({"x": [1]}), pd.DataFrame({"x": [1]})):
        with pytest.raises(emclean.InputError) as raised:
            emclean.convert_batch(table)
        messages.add(str(raised.value))
    assert messages == {'no "html" column (its columns: x)'}


def test_suspicious_is_none_when_not_checked() -> None:
    """convert() without details does not check the links: suspicious is None (not a False that
    reads as "checked, fine"); with details, and in list_entities, it is True or False."""
    assert [e.suspicious for e in emclean.convert(KEYTIP).entities] == [None, None]
    assert [e.suspicious for e in emclean.convert(KEYTIP, details=True).entities] == [False, True]
    assert [e.suspicious for e in emclean.list_entities(KEYTIP)] == [False, True]
