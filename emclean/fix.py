"""`emclean fix`: find posts, convert them in parallel, write back safely, report.

Safety: every file is either left untouched or replaced atomically (temp file in the same
folder, fsync, rename), only after `verify` passed. A stop signal lets the files being
written finish; nothing half-written and no temp file stays behind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path

from . import files
from .document import kind_of
from .errors import InputError, reason
from .options import Options, Target
from .stdio import EXIT_CHANGES, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, Run


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
    warnings: tuple[str, ...] = ()  # problems the file keeps (front matter Jekyll cannot read)
    renamed: str = ""  # the new name of a file made Markdown (--html-to-markdown)


@dataclass
class Report(Run):
    """Counts over a run, and the exit code they mean."""

    check: bool = False
    scanned: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    entities: int = 0

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
    #: .html posts become Markdown posts named .md
    html_to_markdown: bool = False


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
    steps: list[Outcome | tuple[str, files.Staged, Outcome]] = []
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


def _prepare(job: tuple[str, Settings]) -> Outcome | tuple[str, files.Staged, Outcome]:
    """Everything but the fsync and rename: an Outcome, or (name, staged file, its outcome)."""
    name, settings = job
    try:
        text = files.read(Path(name), settings.encoding, limit=settings.limit)
        from . import verify
        from .pipeline import convert

        options, renamed = _markdown_instead(name, text.content, settings)
        result = convert(text.content, options, name=name)
        done = Outcome(name, Status.CHANGED, entities=len(result.entities), warnings=result.warnings)
        if renamed is not None:
            done = replace(done, renamed=str(renamed))
        elif not result.changed:
            return replace(done, status=Status.UNCHANGED)
        problems = verify.check(result)
        if problems:
            raise InputError(f"left untouched: {problems[0]}")
        if settings.write_back.writes:
            staged = files.stage(
                renamed or Path(name),
                result.markdown,
                "utf-8" if renamed else text.encoding,  # Jekyll reads a Markdown post as UTF-8
                bom=False if renamed else text.bom,
                backup=settings.backup,
                expect=text.stamp,
                replacing=None if renamed is None else Path(name),
            )
            return name, staged, done
        diff = ""
        if settings.write_back.diffs:
            from .diffs import unified

            diff = unified(text.content, result.markdown, name)
        return replace(done, diff=diff)
    except Exception as e:
        return _failed(name, e)


def _markdown_instead(name: str, text: str, settings: Settings) -> tuple[Options, Path | None]:
    """With --html-to-markdown, an .html post is made a Markdown post under the .md name
    (Jekyll takes a post's URL from its name's date and slug, not from its extension)."""
    if not settings.html_to_markdown or kind_of(text, name, settings.options.input_kind) != "html-post":
        return settings.options, None
    path = Path(name)
    if path.is_symlink():
        raise InputError("a symlink: not made a Markdown post")
    target = path.with_suffix(".md")
    if os.path.lexists(target):
        raise InputError(f"not made a Markdown post: {target.name} exists")
    return replace(settings.options, to=Target.MARKDOWN), target


def _commit(name: str, staged: files.Staged, done: Outcome) -> Outcome:
    """Put one staged file in place (fsync, rename); a failure leaves the old file."""
    try:
        written = files.commit(staged)
        return replace(done, folder=str(written.parent))
    except Exception as e:
        return _failed(name, e)


def _failed(name: str, error: Exception) -> Outcome:
    """The report line for a file that could not be processed (a bug too: reported for this
    file, the others still done)."""
    return Outcome(name, Status.FAILED, reason(error))
