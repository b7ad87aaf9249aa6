"""`emclean fix`: find posts, convert them in parallel, write back safely, report.

Safety: every file is either left untouched or replaced atomically (temp file in the same
folder, fsync, rename), only after `verify` passed. A stop signal lets the files being
written finish; nothing half-written and no temp file stays behind.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from . import files
from .errors import EmcleanError, InputError
from .options import Options
from .stdio import EXIT_CHANGES, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK


class WriteBack(Enum):
    """What to do with a file that would change."""

    YES = "write"
    CHECK = "check"
    DIFF = "diff"
    CHECK_DIFF = "check+diff"

    @classmethod
    def from_flags(cls, *, check: bool, diff: bool) -> WriteBack:
        """The one write-back mode the flags ask for."""
        if check and diff:
            return cls.CHECK_DIFF
        if diff:
            return cls.DIFF
        if check:
            return cls.CHECK
        return cls.YES

    @property
    def writes(self) -> bool:
        """True if files are rewritten."""
        return self is WriteBack.YES

    @property
    def diffs(self) -> bool:
        """True if a diff is printed."""
        return self in (WriteBack.DIFF, WriteBack.CHECK_DIFF)


class Status(Enum):
    """What happened to one file."""

    UNCHANGED = "unchanged"
    SKIPPED = "skipped"  # no Eastmoney markup: not even parsed
    CHANGED = "changed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one file (small: it crosses process boundaries)."""

    path: str
    status: Status
    message: str = ""
    entities: int = 0
    diff: str = ""
    folder: str = ""  # where a file was rewritten (the folder to sync at the end)


@dataclass
class Report:
    """Counts over a run, and the exit code they mean."""

    check: bool = False
    scanned: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    entities: int = 0
    started: float = field(default_factory=time.monotonic)
    interrupted: bool = False

    def add(self, outcome: Outcome) -> None:
        """Count one file."""
        self.scanned += 1
        self.entities += outcome.entities
        if outcome.status is Status.CHANGED:
            self.changed += 1
        elif outcome.status is Status.FAILED:
            self.failed += 1
        else:
            self.unchanged += 1

    @property
    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.monotonic() - self.started

    @property
    def return_code(self) -> int:
        """123 if any file failed, 1 if --check found changes, else 0 (130 if stopped)."""
        if self.interrupted:
            return EXIT_INTERRUPTED
        if self.failed:
            return EXIT_FAILED
        if self.check and self.changed:
            return EXIT_CHANGES
        return EXIT_OK


@dataclass(frozen=True, slots=True)
class Settings:
    """What every file of one run is processed with (sent to each worker once)."""

    options: Options
    write_back: WriteBack
    backup: str | None
    encoding: str | None
    limit: int = files.MAX_SIZE  # bytes read from one file at most


SKIPPED = Outcome("", Status.SKIPPED)


def might_need_work(path: Path, settings: Settings) -> bool:
    """False only for a readable file without Eastmoney markup (it cannot change)."""
    try:
        return files.may_have_markup(files.read_bytes(path, limit=settings.limit))
    except InputError:
        return True  # let `process` report why it cannot be read


def process(job: tuple[str, Settings]) -> Outcome:
    """Convert, verify and (maybe) write back one file that `might_need_work`. Never raises for bad input."""
    return process_batch([job])[0]


def process_batch(jobs: list[tuple[str, Settings]]) -> list[Outcome]:
    """`process` over several files, in order. Each new version is staged (written to its
    temp file) as its file is converted; then all go to disk at once (`files.flush`) and
    each is fsynced and renamed in turn."""
    steps: list[Outcome | tuple[str, files.Staged, int]] = []
    done: list[Outcome] = []
    try:
        for job in jobs:
            steps.append(_prepare(job))
        files.flush([step[1] for step in steps if not isinstance(step, Outcome)])
        for step in steps:
            done.append(step if isinstance(step, Outcome) else _commit(*step))
    except BaseException:  # stopped (in-process runs): no temp file left behind
        for step in steps[len(done) :]:
            if not isinstance(step, Outcome):
                files.abandon(step[1])
        raise
    return done


def _prepare(job: tuple[str, Settings]) -> Outcome | tuple[str, files.Staged, int]:
    """Everything but the fsync and rename: an Outcome, or (name, staged file, entity count)."""
    name, settings = job
    try:
        text = files.read(Path(name), settings.encoding, limit=settings.limit)
        from . import verify
        from .pipeline import convert

        result = convert(text.content, settings.options)
        if not result.changed:
            return Outcome(name, Status.UNCHANGED, entities=len(result.entities))
        problems = verify.check(result)
        if problems:
            raise InputError(f"left untouched: {problems[0]}")
        if settings.write_back.writes:
            staged = files.stage(
                Path(name), result.markdown, text.encoding, bom=text.bom, backup=settings.backup, expect=text.stamp
            )
            return name, staged, len(result.entities)
        diff = ""
        if settings.write_back.diffs:
            from .diffs import unified

            diff = unified(text.content, result.markdown, files.shown(name))
        return Outcome(name, Status.CHANGED, entities=len(result.entities), diff=diff)
    except Exception as e:
        return _failed(name, e)


def _commit(name: str, staged: files.Staged, entities: int) -> Outcome:
    """Put one staged file in place (fsync, rename); a failure leaves the old file."""
    try:
        written = files.commit(staged)
        return Outcome(name, Status.CHANGED, entities=entities, folder=str(written.parent))
    except Exception as e:
        return _failed(name, e)


def _failed(name: str, error: Exception) -> Outcome:
    """The report line for a file that could not be processed."""
    if isinstance(error, EmcleanError):
        return Outcome(name, Status.FAILED, str(error))
    if isinstance(error, RecursionError):
        return Outcome(name, Status.FAILED, "nested too deeply to convert")
    if isinstance(error, MemoryError):
        return Outcome(name, Status.FAILED, "too large to convert in memory")
    # a bug: report it for this file, keep going with the others
    return Outcome(name, Status.FAILED, f"internal error: {type(error).__name__}: {error}")
