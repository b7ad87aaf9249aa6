"""What each command does, between the command line and the library: I/O and output."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from . import files
from .entities import FIELDS
from .errors import InputError
from .files import shown
from .options import Options, OutputFormat
from .pipeline import Result, convert
from .records import entity_records, visible_text
from .stdio import EXIT_FAILED, EXIT_OK, EXIT_USAGE, say

if TYPE_CHECKING:
    from .batch import Report
    from .records import Settings

Writer = Callable[[str], None]


def read_source(source: str, encoding: str | None, limit: int | None = None) -> files.Text:
    """A file (a FIFO or device named here is read as a stream), or stdin for "-"; at most
    `limit` bytes (default: `files.max_size()`)."""
    return files.read_input(source, encoding, limit=files.max_size() if limit is None else limit)


def record(result: Result, file: str = "-") -> dict[str, object]:
    """The JSON form of a conversion of `file` (its links flagged as `emclean entities` flags them)."""
    return {
        result.to: result.markdown,
        "text": visible_text(result),
        "entities": entity_records(result, file),
        "meta": {"kind": result.kind, **result.meta},
    }


def convert_one(
    source: str,
    options: Options,
    output: OutputFormat,
    *,
    diff: bool,
    encoding: str | None,
    write: Writer,
    limit: int | None = None,
) -> None:
    """`emclean convert`: one document in, its Markdown or HTML (or diff, text, JSON) out."""
    text = read_source(source, encoding, limit)
    result = convert(text.content, options, details=output is OutputFormat.JSON, name=_name(source))
    for warning in result.warnings:
        say(f"emclean: {shown(source)}: {warning}")
    if diff:
        show_diff(text.content, result.markdown, source, write)
    elif output is OutputFormat.TEXT:
        write(visible_text(result))
    elif output is OutputFormat.JSON:
        import json

        write(json.dumps(record(result, source), ensure_ascii=False, indent=2) + "\n")
    else:
        write(result.markdown)


def _name(source: str) -> str | None:
    """The file name a document's type is read from (None for stdin)."""
    return None if source == "-" else source


def show_diff(old: str, new: str, path: str, write: Writer) -> None:
    """A rich diff on a terminal, a plain unified diff otherwise."""
    from .diffs import unified

    print_diff(unified(old, new, path), write)


def print_diff(diff: str, write: Writer) -> None:
    """A unified diff: colored on a terminal, as is when piped."""
    if not diff:
        return
    if terminal():
        from . import console

        console.show_diff(diff)
    else:
        write(diff)


def terminal(stream: TextIO | None = None) -> bool:
    """True if a person reads `stream` (default stdout)."""
    target = stream or sys.stdout
    return bool(getattr(target, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"


def fix(
    paths: list[str],
    options: Options,
    *,
    check: bool,
    diff: bool,
    jobs: int,
    backup: str | None,
    include: list[str],
    exclude: list[str],
    quiet: bool,
    verbose: bool,
    encoding: str | None,
    write: Writer,
    html_to_markdown: bool = False,
    limit: int | None = None,
) -> int:
    """`emclean fix`: clean every post under `paths` in place; return the exit code.

    Each file that changes (or would) is named on stderr (`fixed PATH`, `would fix PATH`),
    each that fails with its cause; `verbose` names the others too; `quiet` only failures.
    """
    from .files import fsync_folder
    from .fix import SKIPPED, Outcome, Report, Settings, Status, WriteBack, might_need_work, process_batch
    from .parallel import run
    from .tree import check as check_paths
    from .tree import files

    write_back = WriteBack.from_flags(check=check, diff=diff)
    tops = [Path(p) for p in paths]
    problems = check_paths(tops)
    if problems:
        for problem in problems:
            say(f"emclean: {problem}")
        return EXIT_USAGE
    report = Report(check=check or diff)
    settings = Settings(options, write_back, backup, encoding, _limit(limit), html_to_markdown)
    folders: set[str] = set()
    tty = terminal(sys.stderr) and not quiet
    total = sum(1 for _ in files(tops, include, exclude)) if tty else 0
    changed = "fixed " if write_back.writes else "would fix "

    def jobs_to_do() -> Iterator[tuple[str, Settings]]:
        # A look at the raw bytes skips files without Eastmoney markup unparsed: a re-run
        # over a clean tree costs little more than reading it (to sanitize, all are read).
        for path in files(tops, include, exclude):
            if options.sanitize or might_need_work(path, settings):
                yield (str(path), settings)
            else:
                done(Outcome(str(path), Status.SKIPPED) if verbose else SKIPPED)

    def done(outcome: Outcome) -> None:
        report.add(outcome)
        if outcome.folder:
            folders.add(outcome.folder)
        for warning in outcome.warnings:
            say(f"emclean: {shown(outcome.path)}: {warning}")
        if outcome.status is Status.FAILED:
            say(f"emclean: {shown(outcome.path)}: {outcome.message}")
        elif outcome.status is Status.CHANGED:
            if not quiet:
                renamed = f" → {shown(outcome.renamed)}" if outcome.renamed else ""
                say(changed + shown(outcome.path) + renamed)
            if outcome.diff:
                print_diff(outcome.diff, write)
        elif verbose:
            say(f"{outcome.status.value} {shown(outcome.path)}")
        if bar is not None and (report.scanned % 50 == 0 or report.scanned == total):
            from . import console

            console.advance(bar, report.scanned, report.elapsed)

    with _progress(total) if tty and total >= 200 else contextlib.nullcontext() as bar:
        finished = run(process_batch, jobs_to_do(), jobs, done, before_pool=_preload)
    report.interrupted = not finished
    for folder in sorted(folders):  # the renames are durable once their folders are synced
        fsync_folder(Path(folder))
    if not quiet or report.failed:
        _summary(report, write_back.writes, tty)
    return report.return_code


def _limit(limit: int | None) -> int:
    """The read limit to use: the one given, else `files.max_size()` (env or default)."""
    return files.max_size() if limit is None else limit


def _progress(total: int) -> AbstractContextManager[Any]:
    from . import console

    return console.progress(total, "emclean fix")


def _summary(report: Any, writes: bool, tty: bool) -> None:
    changed = "changed" if writes else "would change"
    rows = [
        ("scanned", f"{report.scanned:,}"),
        (changed, f"{report.changed:,}"),
        ("unchanged", f"{report.unchanged:,}"),
        ("failed", f"{report.failed:,}"),
        ("entity links unwrapped" if writes else "entity links", f"{report.entities:,}"),
    ]
    if report.interrupted:
        rows.append(("(interrupted)", "stopped"))
    if tty:
        from . import console

        console.summary([*rows, ("s", f"{report.elapsed:.1f}")])
    else:
        say("emclean: " + ", ".join(f"{v} {k}" for k, v in rows) + f", {report.elapsed:.1f}s")


def entities(
    sources: list[str],
    *,
    output: str | None,
    by_file: bool,
    kinds: list[str],
    suspicious_only: bool,
    jobs: int,
    encoding: str | None,
    write: Writer,
    limit: int | None = None,
) -> int:
    """`emclean entities`: list, decode and doubt the entity links of the inputs.

    An input that cannot be read is named on stderr with its cause and the others are still
    listed; the exit code is then 123 (as `fix`'s for a file that failed).
    """
    from . import inventory
    from .parallel import each, run
    from .suspicion import flag_across
    from .tree import discover

    found: list[inventory.Found] = []
    paths = [s for s in sources if s != "-"]
    limit = _limit(limit)
    failed = 0
    if "-" in sources:
        try:
            text = read_source("-", encoding, limit)
        except InputError as e:
            found.append(inventory.Found("-", error=str(e)))
        else:
            found.append(inventory.scan_text(text.content, "-"))
    if paths:
        files_found, problems = discover([Path(p) for p in paths])
        for problem in problems:
            say(f"emclean: {problem}")
        failed += len(problems)
        named = {str(Path(p)) for p in paths}  # read as streams if FIFOs; what a walk finds never is
        run(
            each(inventory.scan_file),
            [inventory.Job(str(p), encoding, limit, str(p) in named) for p in files_found],
            jobs,
            found.append,
            before_pool=_preload,
        )
    for item in found:
        if item.error:
            say(f"emclean: {shown(item.file)}: {item.error}")
            failed += 1
    everything = flag_across(e for item in found for e in item.entities)
    chosen = inventory.select(everything, kinds, suspicious_only)
    fmt = output or ("table" if terminal() else "tsv")
    if fmt == "json":
        write(inventory.as_json(chosen))
    elif fmt == "jsonl":
        write(inventory.as_jsonl(chosen))
    elif fmt == "csv":
        write(inventory.as_csv(FIELDS, inventory.occurrence_rows(chosen)))
    else:
        headers: Sequence[str] = FIELDS if by_file else inventory.AGGREGATE_HEADERS
        rows = inventory.occurrence_rows(chosen, shown=True) if by_file else inventory.aggregate(chosen)
        if fmt == "table":
            from . import console

            files_with = len({e.file for e in chosen})
            doubtful = sum(e.suspicious is True for e in chosen)
            total = f"{len(chosen):,} links in {files_with:,} files, {len(rows):,} rows, {doubtful:,} suspicious"
            if suspicious_only:  # (every row is doubtful: no column to say so)
                console.entity_table(headers, rows, total)
            else:
                console.entity_table([*headers, "doubt"], [_mark(r, by_file) for r in rows], total)
        else:
            write(inventory.as_csv(headers, rows, delimiter="\t"))
    return EXIT_FAILED if failed else EXIT_OK


def _preload() -> None:
    """Import the converter and its check once, before the workers fork, instead of once in
    each (each worker loads the segmenter itself, at the same time as the others)."""
    from . import pipeline, verify  # noqa: F401


def _mark(row: Sequence[str], by_file: bool) -> tuple[str, ...]:
    doubtful = row[FIELDS.index("suspicious")] == "true" if by_file else row[-1] != "0"
    return (*row, "!" if doubtful else "")


def batch(
    inputs: list[str],
    output: str | None,
    settings: Settings,
    *,
    jobs: int,
    resume: bool,
    quiet: bool,
    summary: bool = True,
) -> int:
    """`emclean batch`: dataset shards in, their records converted; return the exit code.

    Every input is looked at before any work (format, columns): a problem there is a message
    per input and exit 2. Then a message per failed record (each names its shard, line or row,
    and id), a progress bar on a terminal, and a summary line (unless `quiet` or not `summary`)."""
    from . import batch as batching

    plan = batching.plan(inputs, output, settings, resume=resume)
    if plan.problems:
        for problem in plan.problems:
            say(f"emclean: {problem}")
        return 2
    tty = terminal(sys.stderr) and not quiet
    total = sum(job.shard.size for job in plan.jobs)
    with _record_progress(total) if tty else contextlib.nullcontext() as bar:
        shown = [0.0]

        def progress(position: int, report: Report) -> None:
            now = report.elapsed
            if bar is not None and now - shown[0] >= 0.2:
                from . import console

                shown[0] = now
                console.advance_records(bar, position, report.records, report.failed, now)

        report = batching.run(
            plan, settings, jobs, lambda message: say(f"emclean: {message}"), progress if tty else None
        )
    if summary and not quiet:
        if tty:
            from . import console

            console.summary(report.rows())
        else:
            say("emclean: " + report.line())
    return report.return_code


def _said(message: str) -> None:
    say(f"emclean: {message}")


def _record_progress(total: int) -> AbstractContextManager[Any]:
    from . import console

    return console.record_progress(total, "emclean batch")


def convert_jsonl(source: str, settings: Settings, *, jobs: int) -> int:
    """`emclean convert --format jsonl`: `emclean batch` on one input, to stdout, no summary."""
    return batch([source], None, settings, jobs=jobs, resume=False, quiet=False, summary=False)
