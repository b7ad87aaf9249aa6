"""`emclean entities`: entity links of many documents, flagged, aggregated, formatted."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from . import files
from .entities import FIELDS, Entity
from .errors import EmcleanError, InputError

AGGREGATE_HEADERS = ("name", "code", "kind", "market", "count", "files", "suspicious")


@dataclass(frozen=True, slots=True)
class Found:
    """The links of one input, or why it could not be read."""

    file: str
    entities: tuple[Entity, ...] = ()
    error: str = ""


class Job(NamedTuple):
    """One file for a worker: how to read it (`streams`: a FIFO named by the user may be read)."""

    path: str
    encoding: str | None
    limit: int = files.MAX_SIZE
    streams: bool = False


def scan_text(text: str, file: str) -> Found:
    """Links of one document's text, each flagged if doubtful (`emclean.list_entities`; `file`
    as records name it)."""
    from .pipeline import entities

    try:
        return Found(file, entities(text, name=None if file == "-" else file, file=file))
    except EmcleanError as e:
        return Found(file, error=str(e))


def scan_file(job: Job) -> Found:
    """Links of one file; an unreadable or binary file gives its error."""
    try:
        data = files.read_bytes(Path(job.path), limit=job.limit, streams=job.streams)
        if not files.may_have_markup(data):
            return Found(job.path)
        text = files.decode(data, job.encoding)
    except InputError as e:
        return Found(job.path, error=str(e))
    return scan_text(text.content, job.path)


def select(entities: Iterable[Entity], kinds: Sequence[str], suspicious_only: bool) -> list[Entity]:
    """The occurrences the user asked for."""
    return [e for e in entities if (not kinds or e.kind in kinds) and (e.suspicious or not suspicious_only)]


def aggregate(entities: Iterable[Entity]) -> list[tuple[str, ...]]:
    """One row per (name, code, kind, market), most frequent first."""
    counts: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    files_of: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
    for e in entities:
        key = (e.name, e.code or "", e.kind, e.market or "")
        counts[key][0] += 1
        counts[key][1] += int(bool(e.suspicious))
        files_of[key].add(e.file)
    rows = sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))
    return [(*key, str(n), str(len(files_of[key])), str(s)) for key, (n, s) in rows]


def occurrence_rows(entities: Iterable[Entity], *, shown: bool = False) -> list[tuple[str, ...]]:
    """One row per occurrence, every field as text; the file's name as it is (a byte that is
    not UTF-8 as a message shows it), or with `shown` as every message shows it (a table, TSV:
    one line, no tab)."""
    rows = []
    for e in entities:
        record = e.as_dict()
        record["file"] = files.shown(e.file) if shown or _SURROGATE.search(e.file) else e.file
        rows.append(tuple(_cell(record[f]) for f in FIELDS))
    return rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# one encoder for every record (json.dumps with options makes a new one per call)
_JSON = json.JSONEncoder(ensure_ascii=False)


# A byte of a file name that is not UTF-8 (os.fsdecode's surrogate escape).
_SURROGATE = re.compile("[\udc80-\udcff]")


def _record(e: Entity) -> str:
    """One occurrence as JSON; the file's name as it is, a byte that is not UTF-8 as the
    escape `\\udcNN` (`os.fsencode(json.loads(...)["file"])` gives the name's bytes back)."""
    text = _JSON.encode(e.as_dict())
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) if _SURROGATE.search(e.file) else text


def as_json(entities: Iterable[Entity]) -> str:
    """One JSON array of occurrences, one occurrence per line."""
    rows = [_record(e) for e in entities]
    return "[\n" + ",\n".join(rows) + "\n]\n" if rows else "[]\n"


def as_jsonl(entities: Iterable[Entity]) -> str:
    """One JSON object per line."""
    return "".join(_record(e) + "\n" for e in entities)


def as_csv(headers: Sequence[str], rows: Iterable[Sequence[str]], delimiter: str = ",") -> str:
    """CSV (or TSV) with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()
