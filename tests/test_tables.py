"""Parquet shards and the Python batch function (a list of dicts, a DataFrame, an Arrow table)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from datasets import need_module, read_jsonl, records, write_jsonl
from typer.testing import CliRunner

import emclean
from emclean.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def pa() -> Any:
    return need_module("pyarrow", "parquet")


@pytest.fixture
def pq(pa: Any) -> Any:
    return need_module("pyarrow.parquet", "parquet")


def mixed(count: int) -> list[dict[str, Any]]:
    """Records from the corpus with, at rows 2 and 5, a null HTML and a cut one."""
    items: list[dict[str, Any]] = records(count)
    items[2]["html"] = None
    items[5]["html"] = '<p>半截<span id="stock_1.600519"><a class="keytip" data-code="1,600519">贵州'
    return items


def test_parquet_round_trip_equals_json_lines(tmp_path: Path, pa: Any, pq: Any) -> None:
    """Parquet in, Parquet out: the other columns kept with their types, and every record equal to
    what the same record gives through JSON Lines; a null HTML is an error row with its row number."""
    items = mixed(600)  # pieces enough for the workers to run
    table = pa.Table.from_pylist(items).append_column("n", pa.array(range(600), pa.int32()))
    pq.write_table(table, tmp_path / "in.parquet", row_group_size=250)
    code, _, err = run("batch", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "out.parquet"), "-j", "2")
    assert code == 123
    assert f'emclean: {tmp_path / "in.parquet"} row 2 (id "r000002"): "html" is null, not a string\n' in err
    out = pq.read_table(tmp_path / "out.parquet")
    assert out.schema.names == ["id", "source", "n", "markdown", "text", "entities", "error", "row"]
    assert out.schema.field("n").type == pa.int32()
    rows = out.to_pylist()
    write_jsonl(tmp_path / "in.jsonl", [{**item, "n": n} for n, item in enumerate(items)])
    code, _, _ = run("batch", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "out.jsonl"))
    via_json = read_jsonl(tmp_path / "out.jsonl")
    for row, record in zip(rows, via_json, strict=True):
        line = record.pop("line", None)
        assert row == {"markdown": None, "text": None, "entities": None, "error": None, "row": None} | record | (
            {"row": line - 1} if isinstance(line, int) else {}
        )
    assert rows[2]["error"] == '"html" is null, not a string'
    assert rows[2]["row"] == 2
    assert rows[5]["markdown"] == "半截贵州\n"


def test_parquet_to_json_lines(tmp_path: Path, pa: Any, pq: Any) -> None:
    """Parquet in, JSON Lines out (stdout): the same records as from JSON Lines, `row` for failures."""
    items = mixed(12)
    pq.write_table(pa.Table.from_pylist(items), tmp_path / "in.parquet")
    write_jsonl(tmp_path / "in.jsonl", items)
    from_parquet = [json.loads(x) for x in run("batch", str(tmp_path / "in.parquet"), "-q")[1].splitlines()]
    from_json = [json.loads(x) for x in run("batch", str(tmp_path / "in.jsonl"), "-q")[1].splitlines()]
    assert from_parquet[2] == {"id": "r000002", "source": "crawl-2", "error": '"html" is null, not a string', "row": 2}
    assert [r for n, r in enumerate(from_parquet) if n != 2] == [r for n, r in enumerate(from_json) if n != 2]


def test_parquet_without_the_column_is_exit_2_before_any_work(tmp_path: Path, pa: Any, pq: Any) -> None:
    """A Parquet shard without the HTML column: exit 2, one line naming it and its columns, no
    output shard written, not even for the good shard before it."""
    (tmp_path / "in").mkdir()
    pq.write_table(pa.Table.from_pylist(records(5)), tmp_path / "in" / "a.parquet")
    pq.write_table(pa.Table.from_pylist([{"id": 1, "content": "<p>x</p>"}]), tmp_path / "in" / "b.parquet")
    code, out, err = run("batch", str(tmp_path / "in"), "-o", str(tmp_path / "out") + "/")
    assert (code, out) == (2, "")
    assert err == (f'emclean: {tmp_path / "in" / "b.parquet"}: no "html" column (its columns: id, content)\n')
    assert not (tmp_path / "out").exists()
    assert run("batch", str(tmp_path / "in" / "b.parquet"), "--html-field", "content", "-q")[0] == 0


def test_parquet_column_of_another_type_is_exit_2(tmp_path: Path, pa: Any, pq: Any) -> None:
    """An HTML column that does not hold text is refused before any work."""
    pq.write_table(pa.Table.from_pylist([{"id": 1, "html": 5}]), tmp_path / "a.parquet")
    code, _, err = run("batch", str(tmp_path / "a.parquet"))
    assert code == 2
    assert 'the "html" column holds int64, not text' in err


def test_not_parquet_data_under_a_parquet_name(tmp_path: Path) -> None:
    """A .parquet file that is not Parquet is one line, exit 2."""
    (tmp_path / "a.parquet").write_text('{"id": 1}\n', encoding="utf-8")
    code, _, err = run("batch", str(tmp_path / "a.parquet"))
    assert code == 2
    assert "not a Parquet file" in err


# --- the Python batch function ---


def test_batch_function_on_a_list_of_dicts() -> None:
    """A list of dicts in, a list of dicts out: the same records as `emclean batch` writes."""
    items = mixed(8)
    out = emclean.convert_batch(items)
    assert isinstance(out, list)
    assert [r["id"] for r in out] == [r["id"] for r in items]
    assert out[0]["markdown"] == emclean.convert(str(items[0]["html"])).markdown
    assert out[2] == {"id": "r000002", "source": "crawl-2", "error": '"html" is null, not a string'}
    assert emclean.convert_batch(iter(items[:2])) == out[:2]  # a dask.bag partition may be an iterator


def test_batch_function_on_a_dataframe() -> None:
    """A DataFrame in, a DataFrame out: same index, columns but the HTML, then the four added ones."""
    pd = need_module("pandas", "dask")
    items = mixed(8)
    frame = pd.DataFrame(items, index=[f"k{n}" for n in range(8)])
    out = emclean.convert_batch(frame, html_field="html")
    assert list(out.columns) == ["id", "source", "markdown", "text", "entities", "error"]
    assert list(out.index) == list(frame.index)
    as_list = emclean.convert_batch(items)
    assert out.loc["k0", "markdown"] == as_list[0]["markdown"]
    assert out.loc["k0", "entities"] == as_list[0]["entities"]
    assert out.loc["k2", "error"] == '"html" is null, not a string'
    assert pd.isna(out.loc["k2", "markdown"])
    assert pd.isna(out.loc["k0", "error"])
    empty = emclean.convert_batch(frame.iloc[:0])
    assert list(empty.columns) == list(out.columns)
    assert list(empty.dtypes) == list(out.dtypes)


@pytest.mark.parametrize("kind", ["Table", "RecordBatch"])
def test_batch_function_on_arrow(pa: Any, kind: str) -> None:
    """An Arrow Table (or RecordBatch) in, the same kind out, equal to the list-of-dicts result."""
    items = mixed(8)
    data = getattr(pa, kind).from_pylist(items)
    out = emclean.convert_batch(data)
    assert isinstance(out, getattr(pa, kind))
    assert out.schema.names == ["id", "source", "markdown", "text", "entities", "error"]
    for row, record in zip(out.to_pylist(), emclean.convert_batch(items), strict=True):
        assert row == {"markdown": None, "text": None, "entities": None, "error": None} | record


def test_batch_function_without_the_column_raises(pa: Any) -> None:
    """A table without the HTML column raises InputError naming it."""
    with pytest.raises(emclean.InputError, match='no "content" column'):
        emclean.convert_batch(pa.table({"html": ["<p>x</p>"]}), html_field="content")


def test_batch_function_refuses_other_kinds() -> None:
    """A string or a dict is not a partition: TypeError saying what is."""
    with pytest.raises(TypeError, match="list of dicts, a pandas DataFrame or a pyarrow Table"):
        emclean.convert_batch({"html": "<p>x</p>"})


def test_parquet_to_html_and_auto(tmp_path: Path, pa: Any, pq: Any) -> None:
    """--to html gives Parquet an `html` column; --to auto (a column per record) is refused, exit 2."""
    pq.write_table(pa.Table.from_pylist(records(3)), tmp_path / "in.parquet")
    code, _, _ = run("batch", str(tmp_path / "in.parquet"), "--to", "html", "-o", str(tmp_path / "out.parquet"), "-q")
    assert code == 0
    assert pq.read_schema(tmp_path / "out.parquet").names[2:] == ["html", "text", "entities", "error", "row"]
    code, _, err = run("batch", str(tmp_path / "in.parquet"), "--to", "auto", "-o", str(tmp_path / "x.parquet"))
    assert code == 2
    assert "a table takes one document column" in err
