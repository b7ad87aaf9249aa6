"""emclean at dataset scale: `emclean batch`, Parquet and Dask against the in-process loop, as ratios.

    python benchmarks/scale.py [--records 200000] [--rounds 3] [--shards 8] [--markdown OUT]

Records are the corpus bodies (../shared/corpus) replicated to `--records`, written as
JSON Lines shards and as the same Parquet shards. Every timed row is the best of
interleaved rounds (a slower moment of the machine hits every side); peak memory is the
PSS of all the processes of a run, sampled in runs of their own. Needs the parquet and
dask extras. Nothing here is a test: it prints a table, and the load of the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import BIN, CORPUS, _measure, corpus_docs

import emclean
from emclean import records

ROWS: list[tuple[str, str, str, str]] = []


def row(measure: str, ours: str, base: str, ratio: str) -> None:
    ROWS.append((measure, ours, base, ratio))
    print(f"  {measure}: {ours} | {base} | {ratio}", flush=True)


def load() -> str:
    """The machine's load averages (1, 5, 15 min), as `uptime` says them."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def bodies() -> list[str]:
    return [body for _, body in corpus_docs()]


def make_dataset(folder: Path, count: int, shards: int) -> tuple[Path, Path]:
    """`count` records in `shards` JSON Lines shards and the same in Parquet shards."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = bodies()
    jsonl, parquet = folder / "jsonl", folder / "parquet"
    jsonl.mkdir(parents=True)
    parquet.mkdir()
    per = -(-count // shards)
    for s in range(shards):
        numbers = range(s * per, min(count, (s + 1) * per))
        items = [{"id": n, "html": texts[n % len(texts)]} for n in numbers]
        with (jsonl / f"part-{s:03d}.jsonl").open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
        pq.write_table(pa.Table.from_pylist(items), parquet / f"part-{s:03d}.parquet", row_group_size=10_000)
    os.sync()
    return jsonl, parquet


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


#: CPU seconds (user + system, every process of a run) of the last run of each kind: unlike wall
#: time, they hardly move when other programs load the machine
CPU: dict[str, float] = {}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_batch(key: str, source: Path, out: Path, jobs: int) -> float:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [str(BIN / "emclean"), "batch", str(source), "-o", f"{out}/", "-q", "--jobs", str(jobs)]
    before = _children_cpu()  # the workers are waited for by the command, so they count too
    seconds = timed(lambda: subprocess.run(cmd, check=True))
    CPU[key] = _children_cpu() - before
    shutil.rmtree(out, ignore_errors=True)
    return seconds


def in_process(key: str, items: list[dict[str, Any]], per_record: Callable[[dict[str, Any]], object]) -> float:
    before = time.process_time()
    seconds = timed(lambda: all(per_record(item) is not None for item in items))  # nothing kept
    CPU[key] = time.process_time() - before
    return seconds


def profile(texts: list[str]) -> None:
    """Per-record costs of the path a record takes, in µs (2,000 records, best of 3)."""
    print("per-record profile")
    items = [{"id": n, "html": texts[n % len(texts)]} for n in range(2000)]
    lines = [json.dumps(i, ensure_ascii=False).encode() for i in items]
    results = [emclean.convert(i["html"], details=True) for i in items]
    outs = [records.convert_record(i) for i in items]
    encoded = [(json.dumps(o, ensure_ascii=False) + "\n").encode() for o in outs]
    steps: list[tuple[str, Callable[[], object]]] = [
        ("convert()", lambda: [emclean.convert(i["html"]) for i in items]),
        ("convert(details=True)", lambda: [emclean.convert(i["html"], details=True) for i in items]),
        ("text (visible_text)", lambda: [records.visible_text(r) for r in results]),
        ("entities (flagged records)", lambda: [records.entity_records(r) for r in results]),
        ("json.loads of the input line", lambda: [json.loads(line) for line in lines]),
        ("json.dumps of the output record", lambda: [json.dumps(o, ensure_ascii=False).encode() for o in outs]),
        ("pickle to and from a worker", lambda: [pickle.loads(pickle.dumps(x)) for x in (lines, encoded)]),
    ]
    best = dict.fromkeys((name for name, _ in steps), float("inf"))
    for _ in range(3):  # interleaved rounds, best of each
        for name, fn in steps:
            best[name] = min(best[name], timed(fn))
    for name, seconds in best.items():
        row(f"per record: {name}", f"{seconds / len(items) * 1e6:.1f} µs", "", "")


def _rss() -> int:
    import psutil  # a dependency of distributed

    return int(psutil.Process().memory_info().rss)


def dask_cluster() -> tuple[Any, Any, float]:
    import distributed

    start = time.perf_counter()
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, worker_dashboard_address=None
    )
    client = distributed.Client(cluster)
    client.run(lambda: records.convert_record({"html": '<p><a class="keytip" data-code="1,600519">贵州茅台</a></p>'}))
    return cluster, client, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--only", default="profile,time,memory", help="comma-separated: profile,time,memory")
    parser.add_argument("--markdown", help="write the result table to this file")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"skipped: the corpus is not at {CORPUS}")
        return
    only = set(args.only.split(","))
    print(f"python {sys.version.split()[0]}, emclean {emclean.__version__}, {load()}")
    texts = bodies()
    if "profile" in only:
        profile(texts)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if "time" in only:
            bench_time(folder / "big", args.records, args.shards, args.rounds, texts)
        if "memory" in only:
            bench_memory(folder, args.records, args.shards)
    print(f"after: {load()}")
    table = ["| measure | emclean | baseline | ratio |", "|---|---|---|---|"]
    table += [f"| {m} | {o} | {b} | {r} |" for m, o, b, r in ROWS]
    print("\n".join(table))
    if args.markdown:
        Path(args.markdown).write_text("\n".join(table) + "\n", encoding="utf-8")


def bench_time(folder: Path, count: int, shards: int, rounds: int, texts: list[str]) -> None:
    from emclean.dask import convert_shards

    print(f"{count:,} records in {shards} shards: making them")
    jsonl, parquet = make_dataset(folder, count, shards)
    items = [{"id": n, "html": texts[n % len(texts)]} for n in range(count)]
    cluster, client, started = dask_cluster()
    best: dict[str, float] = {}
    cpu: dict[str, float] = {}  # of the best run of each kind
    try:
        for n in range(rounds):
            print(f"round {n + 1}/{rounds}, {load()}", flush=True)
            times = {
                "loop": in_process("loop", items, lambda i: emclean.convert(i["html"])),
                "records": in_process("records", items, records.convert_record),
                "jobs1": run_batch("jobs1", jsonl, folder / "out", 1),
                "jobs2": run_batch("jobs2", jsonl, folder / "out", 2),
                "parquet2": run_batch("parquet2", parquet, folder / "out", 2),
                "dask": timed(lambda: convert_shards(str(jsonl), str(folder / "out"), client=client)),
            }
            shutil.rmtree(folder / "out", ignore_errors=True)
            for key, seconds in times.items():
                if seconds < best.get(key, float("inf")):
                    best[key], cpu[key] = seconds, CPU.get(key, 0.0)
            print("  wall " + ", ".join(f"{k} {v:.1f}s" for k, v in times.items()), flush=True)
            print("  CPU  " + ", ".join(f"{k} {v:.1f}s" for k, v in CPU.items()), flush=True)
        worker_mb = max(client.run(_rss).values()) / 1e6
    finally:
        client.close()
        cluster.close()
    rate1, rate2 = count / best["jobs1"], count / best["jobs2"]
    row(f"`batch --jobs 1`, {count:,} records", f"{best['jobs1']:.1f}s ({rate1:,.0f}/s)", "", "")
    row(
        f"`batch --jobs 2`, {count:,} records",
        f"{best['jobs2']:.1f}s ({rate2:,.0f}/s)",
        f"`--jobs 1` {best['jobs1']:.1f}s",
        f"**{rate2 / rate1:.2f}×** records/s",
    )
    row(
        "CPU time of `batch --jobs 2` (all processes) against `--jobs 1`",
        f"{cpu['jobs2']:.1f}s",
        f"{cpu['jobs1']:.1f}s",
        f"{cpu['jobs2'] / cpu['jobs1']:.2f}× (the most `--jobs 2` can gain: {2 * cpu['jobs1'] / cpu['jobs2']:.2f}×)",
    )
    row(
        "`batch --jobs 1` against the in-process `convert()` loop",
        f"{best['jobs1']:.1f}s",
        f"loop {best['loop']:.1f}s",
        f"**{best['jobs1'] / best['loop']:.2f}×** (CPU {cpu['jobs1'] / cpu['loop']:.2f}×)",
    )
    row(
        "`batch --jobs 1` against the in-process loop making the same records",
        f"{best['jobs1']:.1f}s",
        f"`records.convert_record` loop {best['records']:.1f}s",
        f"**{best['jobs1'] / best['records']:.2f}×** (CPU {cpu['jobs1'] / cpu['records']:.2f}×)",
    )
    row(
        "Parquet in and out, `--jobs 2`",
        f"{best['parquet2']:.1f}s",
        f"JSON Lines {best['jobs2']:.1f}s",
        f"**{best['parquet2'] / best['jobs2']:.2f}×** (CPU {cpu['parquet2'] / cpu['jobs2']:.2f}×)",
    )
    row(
        "Dask, 2-worker LocalCluster, `convert_shards` (cluster up)",
        f"{best['dask']:.1f}s",
        f"`batch --jobs 2` {best['jobs2']:.1f}s",
        f"**{best['dask'] / best['jobs2']:.2f}×**",
    )
    row("Dask LocalCluster start (2 workers, segmenter loaded)", f"{started:.1f}s", "", "")
    row("Dask worker memory after the runs (RSS, largest worker)", f"{worker_mb:.0f} MB", "", "")
    five = 5_000_000
    row(
        "5,000,000 records, projected from `--jobs 1`",
        f"{five / rate1 / 3600:.1f} h on one core",
        f"{five / rate2 / 3600:.1f} h on 2 (`--jobs 2`)",
        f"{rate1:,.0f} records/s per core",
    )


def bench_memory(folder: Path, count: int, shards: int) -> None:
    small = max(1, count // 10)
    peaks = {}
    for n in (small, count):
        data = folder / f"mem{n}"
        jsonl, _ = make_dataset(data, n, shards)
        cmd = [str(BIN / "emclean"), "batch", str(jsonl), "-o", f"{data / 'out'}/", "-q", "--jobs", "2"]
        runs = []
        for _ in range(2):
            shutil.rmtree(data / "out", ignore_errors=True)
            runs.append(_measure(cmd)[1])
        peaks[n] = max(runs)
        shutil.rmtree(data, ignore_errors=True)
    a, b = peaks[small], peaks[count]
    row(
        f"peak memory of `batch --jobs 2` (PSS of all its processes), {small:,} → {count:,} records",
        f"{a:.0f} MB → {b:.0f} MB",
        "",
        f"**{(b / a - 1) * 100:+.0f}%**",
    )


if __name__ == "__main__":
    main()
