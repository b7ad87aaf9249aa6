"""emclean on a Dask cluster: a real 2-worker LocalCluster (processes) over a multi-shard dataset
made from the corpus bodies; every record equals what `emclean batch` writes for it."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from datasets import need_module, read_jsonl, records, write_shards
from typer.testing import CliRunner

from emclean.cli import app

SHARDS, PER_SHARD = 4, 40


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    distributed = need_module("distributed", "dask")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, worker_dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def reference(source: Path, out: Path) -> tuple[int, str]:
    """`emclean batch SOURCE -o OUT/`: its exit code and stderr."""
    result = CliRunner().invoke(app, ["batch", str(source), "-o", f"{out}/", "-j", "1", "-q"])
    return result.exit_code, result.stderr


def test_convert_shards_writes_what_emclean_batch_writes(tmp_path: Path, client: Any) -> None:
    """One task per shard on two worker processes: each output shard is byte for byte the one
    `emclean batch` writes, and the failures come back as the messages it prints."""
    from emclean.dask import convert_shards

    write_shards(tmp_path / "in", SHARDS, PER_SHARD)
    code, err = reference(tmp_path / "in", tmp_path / "ref")
    assert code == 123
    summary = convert_shards(str(tmp_path / "in"), str(tmp_path / "out"), client=client)
    ref = sorted(p.name for p in (tmp_path / "ref").iterdir())
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ref
    for name in ref:
        assert read_jsonl(tmp_path / "out" / name) == read_jsonl(tmp_path / "ref" / name)
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "ref" / name).read_bytes()
    assert summary.records == SHARDS * (PER_SHARD + 2)
    assert summary.failed == SHARDS * 2
    assert len({s.path for s in summary.shards}) == SHARDS  # the tasks ran on the workers, one per shard
    messages = [m.replace(str((tmp_path / "in").absolute()), str(tmp_path / "in")) for m in summary.messages]
    assert [f"emclean: {m}" for m in messages] == err.splitlines()  # without the command's prefix
    again = convert_shards(str(tmp_path / "in"), str(tmp_path / "out"), client=client, resume=True)
    assert (again.skipped, again.shards) == (SHARDS, ())
    (tmp_path / "out" / ref[0]).unlink()
    rerun = convert_shards(str(tmp_path / "in"), str(tmp_path / "out"), client=client)  # a second run runs again
    assert rerun.records == summary.records
    assert (tmp_path / "out" / ref[0]).read_bytes() == (tmp_path / "ref" / ref[0]).read_bytes()


def test_convert_shards_refuses_bad_input_before_any_task(tmp_path: Path, client: Any) -> None:
    """A shard that is not JSON Lines raises InputError naming it; no task runs, nothing is written."""
    from emclean import InputError
    from emclean.dask import convert_shards

    write_shards(tmp_path / "in", 2, 5)
    (tmp_path / "in" / "zz.jsonl").write_text("<p>not json lines</p>\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"zz\.jsonl: not JSON Lines"):
        convert_shards(str(tmp_path / "in"), str(tmp_path / "out"), client=client)
    assert not (tmp_path / "out").exists()


def with_reference(tmp_path: Path, count: int, broken: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`count` records (number `broken` without its HTML) and what `emclean batch` writes for them."""
    items: list[dict[str, Any]] = records(count)
    items[broken]["html"] = None
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in items), encoding="utf-8")
    reference(source, tmp_path / "ref")
    return items, read_jsonl(tmp_path / "ref" / "in.jsonl")


def test_dask_dataframe_recipe(tmp_path: Path, client: Any) -> None:
    """`convert_frame` on a dask DataFrame of 3 partitions: every row equals the record `emclean
    batch` writes for it (error rows included)."""
    dd = need_module("dask.dataframe", "dask")
    pd = need_module("pandas", "dask")
    from emclean.dask import convert_frame

    items, expected = with_reference(tmp_path, 60, broken=7)

    frame = dd.from_pandas(pd.DataFrame(items), npartitions=3)
    rows = convert_frame(frame).compute().to_dict("records")
    assert len(rows) == len(expected)
    for row, record in zip(rows, expected, strict=True):
        record.pop("line", None)
        got = {k: v for k, v in row.items() if not (v is None or (isinstance(v, float) and math.isnan(v)))}
        assert got == record


def test_dask_bag_recipe(client: Any) -> None:
    """`bag.map_partitions(emclean.convert_batch)` on a dask.bag of dicts gives the records of `convert_batch`."""
    db = need_module("dask.bag", "dask")
    import emclean

    items = records(30)
    got = db.from_sequence(items, npartitions=3).map_partitions(emclean.convert_batch).compute()
    assert got == emclean.convert_batch(items)


def test_dask_dataframe_to_parquet_recipe(tmp_path: Path, client: Any) -> None:
    """The README's line: `convert_frame(dd.read_parquet(...), html_field="content").to_parquet(...)`
    writes Parquet (entities typed as lists of structs), and what it wrote reads back as the
    records `emclean batch` writes."""
    dd = need_module("dask.dataframe", "dask")
    pd = need_module("pandas", "dask")
    pq = need_module("pyarrow.parquet", "parquet")
    from emclean.dask import convert_frame
    from emclean.tables import entities_type

    items, expected = with_reference(tmp_path, 40, broken=5)
    (tmp_path / "pq").mkdir()
    frame = pd.DataFrame([{("content" if k == "html" else k): v for k, v in r.items()} for r in items])
    for n in range(2):  # two Parquet files: two partitions
        frame.iloc[n * 20 : (n + 1) * 20].to_parquet(tmp_path / "pq" / f"part-{n}.parquet", index=False)

    out = convert_frame(dd.read_parquet(str(tmp_path / "pq")), html_field="content")
    out.to_parquet(str(tmp_path / "out"))

    table = pq.read_table(tmp_path / "out")
    assert table.schema.field("entities").type == entities_type()
    rows = table.to_pylist()
    assert len(rows) == len(expected)
    for row, record in zip(rows, expected, strict=True):
        record.pop("line", None)
        if "error" in record:  # the reference read the HTML from "html"
            record["error"] = str(record["error"]).replace('"html"', '"content"')
        assert {k: v for k, v in row.items() if v is not None and not k.startswith("__")} == record
