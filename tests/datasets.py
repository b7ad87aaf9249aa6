"""Datasets for the batch tests: records made from the real corpus bodies (or, when the
corpus is absent, from the golden fixtures), written as JSON Lines or Parquet shards."""

from __future__ import annotations

import gzip
import importlib
import json
from pathlib import Path
from types import ModuleType

import pytest
from conftest import CORPUS, FIXTURES, STRICT

from emclean.document import split_post


def need_module(name: str, extra: str) -> ModuleType:
    """Import an optional dependency, or skip (in CI: fail) naming the extra that installs it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        if STRICT:
            pytest.fail(f"{name} is required in CI: pip install -e '.[{extra}]'")
        pytest.skip(f"{name} not installed: pip install -e '.[{extra}]'")


def bodies() -> list[str]:
    """The HTML-bearing bodies of the real corpus, or of the golden fixtures without it."""
    if CORPUS.is_dir():
        paths = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".md", ".html") and p.name != "README.md")
    else:
        paths = sorted((FIXTURES / "convert").glob("*.in.*"))
    return [split_post(p.read_text(encoding="utf-8")).body for p in paths]


def records(count: int, start: int = 0) -> list[dict[str, object]]:
    """`count` records {"id", "html", "source"} cycling through `bodies()`."""
    texts = bodies()
    return [
        {"id": f"r{n:06d}", "html": texts[n % len(texts)], "source": f"crawl-{n % 3}"}
        for n in range(start, start + count)
    ]


def write_jsonl(path: Path, items: list[dict[str, object]], extra_lines: dict[int, str] | None = None) -> Path:
    """Records as JSON Lines (gzip if the name ends in .gz); `extra_lines` puts raw lines
    at given 0-based positions."""
    lines = [json.dumps(item, ensure_ascii=False) for item in items]
    for at, line in sorted((extra_lines or {}).items()):
        lines.insert(at, line)
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path.write_bytes(gzip.compress(data, mtime=0) if path.name.endswith(".gz") else data)
    return path


def read_jsonl(path: Path) -> list[dict[str, object]]:
    """The records of a JSON Lines file (gzip by its magic bytes)."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def write_shards(folder: Path, shards: int, per_shard: int, *, bad: bool = True) -> list[Path]:
    """A multi-shard JSON Lines dataset (every other shard gzipped), with a broken line and a
    record without HTML in each shard when `bad`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(shards):
        name = f"part-{n:03d}.jsonl" + (".gz" if n % 2 else "")
        extra = {3: '{"id": "broken", "html": "<p>半', 7: json.dumps({"id": f"nohtml-{n}"})} if bad else None
        paths.append(write_jsonl(folder / name, records(per_shard, n * per_shard), extra))
    return paths
