"""`emclean batch` (and `convert --format jsonl`): dataset shards in, converted records out.

Records flow from the shards through the workers in small pieces (at most 64 records or
1 MB, a few pieces in flight, `parallel.run`), so memory depends on the piece size and
the largest record, not on the number of records. Output keeps the input order, one
output record per input record. Output files are written to a temp file and renamed
when whole (`files.create`/`commit`), so a killed run leaves no half-written shard.
"""

from __future__ import annotations

import json
import math
import os
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import files, records, shards
from .errors import InputError, UsageError
from .records import Settings
from .shards import Shard, Sink
from .stdio import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, Run

#: a piece of work for one worker call: at most this many records, or about this many bytes
PIECE_RECORDS = 64
PIECE_BYTES = 1 << 20
#: the field of a failed JSON Lines record that gives its line number (from 1)
LINE = "line"

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Lines:
    """A piece of a JSON Lines shard, for a worker."""

    settings: Settings
    numbers: list[int]  # line numbers (from 1)
    lines: list[bytes]
    oversize: dict[int, int]  # index → whole size of a line over the limit (only its head is here)
    compression: str | None  # of the output


@dataclass(frozen=True, slots=True)
class Rows:
    """A piece of a Parquet shard (a pyarrow RecordBatch), for a worker."""

    settings: Settings
    batch: Any
    first_row: int  # row number (from 0) of its first row in the shard
    to_json: bool  # output as JSON Lines (else as an Arrow batch, for Parquet)
    compression: str | None


@dataclass(frozen=True, slots=True)
class Done:
    """A converted piece: its output, how many records, and the failed ones."""

    data: Any  # bytes, a RecordBatch, or None (nothing to write)
    records: int = 0
    failures: tuple[tuple[int, object, str], ...] = ()  # (line or row, id, reason)


def work(pieces: list[Lines | Rows | None]) -> list[Done]:
    """The workers' function: convert pieces (None ends a shard: nothing to do)."""
    return [_work(piece) for piece in pieces]


def _work(piece: Lines | Rows | None) -> Done:
    if piece is None:
        return Done(None)
    if isinstance(piece, Lines):
        return convert_lines(piece)
    return convert_rows(piece)


def convert_lines(piece: Lines) -> Done:
    """JSON Lines in, JSON Lines out (as `records.convert_record` makes each record)."""
    settings = piece.settings
    fields = settings.fields
    out: list[bytes] = []
    failures: list[tuple[int, object, str]] = []
    for n, (number, line) in enumerate(zip(piece.numbers, piece.lines, strict=True)):
        size = piece.oversize.get(n)
        reason: str | None
        if size is not None:
            reason = records.too_large(size, settings)
            record = records.failed({fields.id: records.leading_id(line, fields)}, reason, settings)
        else:
            try:
                value = json.loads(line, parse_constant=_no_constant, parse_float=_finite)
            except (ValueError, RecursionError) as e:
                reason = _not_json(e)
                record = records.failed({fields.id: records.leading_id(line, fields)}, reason, settings)
            else:
                record, reason = records.convert_one(value, settings)
        if reason is not None:
            record[LINE] = number
            failures.append((number, record.get(fields.id), reason))
        out.append(dumps(record))
    return Done(shards.compress(b"".join(out), piece.compression), len(out), tuple(failures))


def convert_rows(piece: Rows) -> Done:
    """Parquet rows in; an Arrow batch (for Parquet) or JSON Lines out."""
    from . import tables

    settings = piece.settings
    if not piece.to_json:
        batch, failed = tables.convert_arrow(piece.batch, settings, piece.first_row)
        return Done(batch, batch.num_rows, tuple((piece.first_row + n, ident, why) for n, ident, why in failed))
    out: list[bytes] = []
    failures: list[tuple[int, object, str]] = []
    for n, row in enumerate(piece.batch.to_pylist()):
        record, reason = records.convert_one(row, settings)
        if reason is not None:
            record[tables.ROW] = piece.first_row + n
            failures.append((piece.first_row + n, record.get(settings.fields.id), reason))
        out.append(dumps(record))
    return Done(shards.compress(b"".join(out), piece.compression), len(out), tuple(failures))


def dumps(record: dict[str, object]) -> bytes:
    """One JSON Lines line, UTF-8 (text that cannot be UTF-8, a lone surrogate, is escaped).
    Always JSON: a NaN or infinite number (a Parquet float) is written as null."""
    try:
        text = json.dumps(record, ensure_ascii=False, default=str, allow_nan=False)
    except ValueError:  # (nothing else raises it: a record read from JSON or Arrow has no cycle)
        record = _nulled(record)
        text = json.dumps(record, ensure_ascii=False, default=str, allow_nan=False)
    try:
        return (text + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(record, default=str, allow_nan=False) + "\n").encode("ascii")


def _nulled(value: Any) -> Any:
    """`value` with every NaN or infinite float (however deep) made None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _nulled(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_nulled(v) for v in value]
    return value


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large a number")
    return value


def _not_json(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        # past the line's newline (a line cut short): the column after its last character
        column = error.colno if error.lineno == 1 else len(error.doc.split("\n", 1)[0].rstrip("\r")) + 1
        return f"not JSON: {error.msg.removesuffix(' at')} at column {column}"
    if isinstance(error, UnicodeDecodeError):
        return f"not UTF-8: byte 0x{error.object[error.start]:02x} at column {error.start + 1}"
    if isinstance(error, RecursionError):
        return "not JSON this tool can read: nested too deeply"
    return f"not JSON: {error}"


@dataclass(frozen=True, slots=True)
class Job:
    """One shard and where its records go."""

    shard: Shard
    target: str | None  # an output file; None for stdout
    kind: str  # output format: "jsonl" | "parquet"
    compression: str | None  # of the output
    closes: bool  # the last shard written to its target: the file is put in place after it
    schema: Any = None  # of the Parquet output


@dataclass
class Plan:
    """What a run will do: its jobs, the shards skipped as done, and the problems found first."""

    jobs: list[Job] = field(default_factory=list)
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    streams: dict[str, shards.Opened] = field(default_factory=dict)  # stdin, FIFOs: opened once


def plan(inputs: list[str], output: str | None, settings: Settings, *, resume: bool = False) -> Plan:
    """Find the shards, decide each one's output, and look at each (its format, its columns)
    before any work: every problem found is listed, and the run should not start if any."""
    result = Plan()
    to_folder = output is not None and not shards.is_file_name(output)
    if output is not None and (problem := shards.output_problem(output)):
        result.problems.append(problem)
        return result
    if output is None and resume:
        result.problems.append("--resume needs -o (a folder or a file to resume into)")
    if inputs.count("-") > 1:
        result.problems.append("- (stdin) can be read only once")
    found, problems = shards.find(inputs, skip=Path(output) if to_folder and output else None)
    result.problems.extend(problems)
    fifos = [shard.path for shard in found if shard.stream and shard.path != "-"]
    result.problems.extend(
        f"{path} (a FIFO) can be read only once" for path in sorted(set(fifos)) if fifos.count(path) > 1
    )
    jobs: list[Job] = []
    if to_folder:
        assert output is not None
        targets: dict[str, str] = {}
        for shard in found:
            if not shard.named:
                what = "- (stdin)" if shard.path == "-" else shard.path
                result.problems.append(f"{what} has no name to write under an output folder: use -o FILE")
                continue
            target = str(Path(output) / shard.name)
            if target in targets:
                result.problems.append(f"{targets[target]} and {shard.path} would both be written to {target}")
                continue
            targets[target] = shard.path
            # compressed as its name says (gzip data named a.jsonl is read, and written plain)
            compression = shards.output_kind(target)[1] if shard.kind == "jsonl" else None
            jobs.append(Job(shard, target, shard.kind, compression, closes=True))
    else:
        kind, compression = shards.output_kind(output) if output else ("jsonl", None)
        for n, shard in enumerate(found):
            if kind == "parquet" and shard.kind != "parquet":
                problem = "Parquet output needs Parquet input (JSON Lines has no fixed columns)"
                result.problems.append(f"{shard.path}: {problem}")
            jobs.append(Job(shard, output, kind, compression, closes=n == len(found) - 1))
    for job in jobs:
        if job.target is not None and job.shard.path != "-" and _same(job.target, job.shard.path):
            result.problems.append(f"{job.shard.path}: the output would overwrite its input")
    if resume and jobs:
        if to_folder:
            todo = [job for job in jobs if not Path(job.target or "").exists()]
        else:
            todo = [] if Path(jobs[0].target or "").exists() else jobs
        result.skipped = len(jobs) - len(todo)
        jobs = todo
    if not result.problems:
        result.jobs = _look(jobs, settings, result)
    return result


def _same(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _look(jobs: list[Job], settings: Settings, result: Plan) -> list[Job]:
    """Each shard opened and looked at: JSON Lines must start like JSON Lines, Parquet must have
    the HTML column. The Parquet output schema is worked out here."""
    looked: list[Job] = []
    schemas: dict[str | None, str] = {}  # one Parquet file written from several shards needs one schema
    for planned in jobs:
        shard, job = planned.shard, planned
        try:
            if shard.kind == "parquet":
                from . import tables

                source = tables.ParquetIn(shard.path, settings)
                if job.kind == "parquet":
                    schema = tables.output_schema(source.schema, settings, rows=True)
                    if schemas.setdefault(job.target, schema.to_string()) != schema.to_string():
                        raise InputError(f"its columns differ from those of the other shards written to {job.target}")
                    job = Job(shard, job.target, job.kind, job.compression, job.closes, schema)
            else:
                opened = shards.Opened(shard)
                problem = opened.first_problem()
                if shard.stream:
                    result.streams[shard.path] = opened
                else:
                    opened.close()
                if problem:
                    raise InputError(problem)
        except (InputError, UsageError) as e:
            result.problems.append(f"{shard.path}: {e}")
            continue
        looked.append(job)
    return looked


@dataclass
class Report(Run):
    """Counts over a run, and the exit code they mean."""

    records: int = 0
    failed: int = 0  # records that became error records
    broken: int = 0  # shards cut short (truncated or corrupt)
    shards: int = 0  # shards done
    skipped: int = 0  # shards whose output was already there (--resume)

    @property
    def return_code(self) -> int:
        """130 if stopped, 123 if a record or a shard failed, else 0."""
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_FAILED if self.failed or self.broken else EXIT_OK

    def rows(self) -> list[tuple[str, str]]:
        """The summary as (label, value) pairs."""
        rate = self.records / self.elapsed if self.elapsed > 0 else 0.0
        shards = "shard" if self.shards == 1 else "shards"
        rows = [("records", f"{self.records:,}"), ("failed", f"{self.failed:,}"), (shards, f"{self.shards:,}")]
        if self.broken:
            rows.append(("cut short", f"{self.broken:,}"))
        if self.skipped:
            rows.append(("skipped as done", f"{self.skipped:,}"))
        if self.interrupted:
            rows.append(("(interrupted)", "stopped"))
        return [*rows, ("s", f"{self.elapsed:.1f}"), ("records/s", f"{rate:,.0f}")]

    def line(self) -> str:
        """The summary, one line."""
        return ", ".join(f"{value} {label}" for label, value in self.rows())


@dataclass(slots=True)
class _Pending:
    """What the parent knows of a piece in flight (results come back in the same order)."""

    job: Job
    sink: Sink
    position: int  # input bytes read when the piece was cut (for the progress bar)
    last: bool = False  # the end of its shard
    error: str | None = None  # why the shard was cut short


def run(
    the_plan: Plan,
    settings: Settings,
    workers: int,
    say: Say,
    progress: Callable[[int, Report], None] | None = None,
    runner: Callable[..., bool] | None = None,
) -> Report:
    """Convert every job's shard, writing each output as its pieces come back in order
    (`runner` is `parallel.run` unless given)."""
    report = Report(skipped=the_plan.skipped)
    pending: deque[_Pending] = deque()
    sinks: dict[str | None, Sink] = {}
    unfinished: list[Sink] = []

    def pieces() -> Iterator[Lines | Rows | None]:
        base = 0
        for job in the_plan.jobs:
            sink = sinks.get(job.target)
            if sink is None:
                if job.target is not None:
                    files.remove_stale_temps(Path(job.target).parent)
                sink = sinks[job.target] = Sink(job.target, job.schema, opened=unfinished.append)
            error = None
            try:
                for piece, offset in _read(job, settings, the_plan.streams.get(job.shard.path)):
                    pending.append(_Pending(job, sink, base + offset))
                    yield piece
            except InputError as e:
                error = str(e)
            base += job.shard.size
            pending.append(_Pending(job, sink, base, last=True, error=error))
            yield None

    def done(result: Done) -> None:
        piece = pending.popleft()
        if result.data is not None:
            piece.sink.write(result.data)
        report.records += result.records
        for where, ident, reason in result.failures:
            report.failed += 1
            say(f"{_where(piece.job.shard, where)}{_ident(ident)}: {reason}")
        if piece.last:
            if piece.error:
                report.broken += 1
                say(f"{piece.job.shard.path}: {piece.error}")
            if piece.job.closes:
                piece.sink.commit()
                unfinished.remove(piece.sink)
            report.shards += 1
        if progress is not None:
            progress(piece.position, report)

    from .parallel import run as run_pieces

    try:  # (a worker that dies: errors.WorkerDied; the shards finished before are whole)
        finished = (runner or run_pieces)(work, pieces(), workers, done, before_pool=_preload, chunk=1)
    finally:
        for sink in unfinished:
            sink.abandon()
        for stream in the_plan.streams.values():
            stream.close()
    report.interrupted = not finished
    return report


def _read(job: Job, settings: Settings, stream: shards.Opened | None) -> Iterator[tuple[Lines | Rows, int]]:
    """The pieces of one shard, each with how far into the file it ends."""
    shard = job.shard
    if shard.kind == "parquet":
        from . import tables

        source = tables.ParquetIn(shard.path, settings)
        row = 0
        size = shard.size
        for batch in source.batches(PIECE_RECORDS, PIECE_BYTES):
            yield Rows(settings, batch, row, job.kind != "parquet", job.compression), size * row // max(1, source.rows)
            row += batch.num_rows
        return
    opened = stream if stream is not None else shards.Opened(shard)
    try:
        for piece in _line_pieces(opened, settings, job.compression):
            yield piece, opened.position()
    finally:
        opened.close()


def _line_pieces(opened: shards.Opened, settings: Settings, compression: str | None) -> Iterator[Lines]:
    numbers: list[int] = []
    lines: list[bytes] = []
    oversize: dict[int, int] = {}
    size = 0
    try:
        for number, line, whole in opened.lines(settings.max_bytes):
            if whole > settings.max_bytes:
                oversize[len(lines)] = whole
            numbers.append(number)
            lines.append(line)
            size += len(line)
            if len(lines) >= PIECE_RECORDS or size >= PIECE_BYTES:
                yield Lines(settings, numbers, lines, oversize, compression)
                numbers, lines, oversize, size = [], [], {}, 0
    except InputError:
        if lines:  # the records read before the damage are kept
            yield Lines(settings, numbers, lines, oversize, compression)
        raise
    if lines:
        yield Lines(settings, numbers, lines, oversize, compression)


def _where(shard: Shard, where: int) -> str:
    return f"{shard.path} row {where}" if shard.kind == "parquet" else f"{shard.path}:{where}"


def _ident(ident: object) -> str:
    if ident is None:
        return ""
    return f" (id {json.dumps(ident, ensure_ascii=False, default=str)})"


def _preload() -> None:
    """Import the converter and load the segmenter once, before the workers fork, instead of
    once in each of them."""
    from .entities import Entity
    from .suspicion import flag

    flag([Entity("产业", "stock", "300832.SZ", "SZ", None, None, before="要创新", after="链供应链")])


@dataclass(frozen=True, slots=True)
class ShardReport:
    """What became of one shard converted by `convert_shard` (small: it crosses to the client)."""

    path: str
    target: str | None
    records: int
    failed: int
    broken: int
    messages: tuple[str, ...]  # the first 100 messages, as `emclean batch` prints them


def convert_shard(job: Job, settings: Settings) -> ShardReport:
    """One shard converted in this process and this thread (no pool, no signal handlers) and
    written exactly as `emclean batch` writes it: what the Dask adapter runs on a worker."""
    messages: list[str] = []

    def keep(message: str) -> None:
        if len(messages) < 100:
            messages.append(message)

    report = run(Plan(jobs=[job]), settings, 1, keep, runner=_in_thread)
    return ShardReport(job.shard.path, job.target, report.records, report.failed, report.broken, tuple(messages))


def _in_thread(
    func: Callable[[list[Any]], list[Done]],
    jobs: Iterator[Any],
    workers: int,
    on_result: Callable[[Done], None],
    **_: Any,
) -> bool:
    """`parallel.run` without workers and without taking over signals (any thread may call it)."""
    for job in jobs:
        for result in func([job]):
            on_result(result)
    return True
