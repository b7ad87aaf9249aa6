"""The terminal views: the only module that imports rich.

Used only when a person is watching (a TTY); NO_COLOR is honoured by rich itself.
Markdown is never passed through rich markup: every line is a `Text` built piece by piece.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from .document import lines_of

_OLD = "red"
_NEW = "green"
_OLD_CHANGE = "bold white on red"
_NEW_CHANGE = "bold black on green"


def _console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False, emoji=False, markup=False)


def show_diff(diff: str) -> None:
    """A unified diff, colored, with the characters that changed in a line highlighted.

    Lines wrap at the terminal width and are never truncated.
    """
    console = _console()
    removed: list[str] = []
    added: list[str] = []

    def flush() -> None:
        for k in range(max(len(removed), len(added))):
            left = removed[k] if k < len(removed) else None
            right = added[k] if k < len(added) else None
            if left is not None and right is not None:
                old, new = _char_diff(left, right)
                console.print(old)
                console.print(new)
            elif left is not None:
                console.print(Text("-" + left, style=_OLD))
            elif right is not None:
                console.print(Text("+" + right, style=_NEW))
        removed.clear()
        added.clear()

    for line in lines_of(diff):
        body = line.rstrip("\r\n")
        if body.startswith(("--- ", "+++ ")) and not removed and not added:
            console.print(Text(body, style="bold"))
        elif body.startswith("@@"):
            flush()
            console.print(Text(body, style="cyan"))
        elif body.startswith("-"):
            if added:
                flush()
            removed.append(body[1:])
        elif body.startswith("+"):
            added.append(body[1:])
        else:
            flush()
            console.print(Text(body, style="dim"))
    flush()


def _char_diff(old: str, new: str) -> tuple[Text, Text]:
    """Two lines with the characters that differ highlighted."""
    left, right = Text("-", style=_OLD), Text("+", style=_NEW)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            left.append(old[i1:i2], style=_OLD)
            right.append(new[j1:j2], style=_NEW)
        else:
            left.append(old[i1:i2], style=_OLD_CHANGE)
            right.append(new[j1:j2], style=_NEW_CHANGE)
    return left, right


@contextmanager
def progress(total: int, label: str) -> Iterator[Progress]:
    """A progress bar on stderr, refreshed by the caller (no thread: safe with fork)."""
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=_console(stderr=True),
        auto_refresh=False,
        transient=True,
    )
    bar.add_task(label, total=total, rate="")
    with bar:
        yield bar


def advance(bar: Progress, done: int, seconds: float) -> None:
    """Move the bar; show files per second."""
    task = bar.tasks[0].id
    rate = f"{done / seconds:,.0f} files/s" if seconds > 0 else ""
    bar.update(task, completed=done, rate=rate)
    bar.refresh()


def summary(rows: Sequence[tuple[str, str]], style: str = "bold") -> None:
    """`label value` lines on stderr."""
    console = _console(stderr=True)
    line = Text()
    for n, (label, value) in enumerate(rows):
        if n:
            line.append(", ")
        line.append(value, style=style)
        line.append(f" {label}")
    console.print(line)


def entity_table(headers: Sequence[str], rows: Sequence[Sequence[str]], total: str) -> None:
    """The entity inventory as a table on stdout, with a one-line total."""
    console = _console()
    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    numeric = ("count", "files", "line", "suspicious")
    for h in headers:
        table.add_column(h, justify="right" if h in numeric else "left", overflow="fold")
    for row in rows:
        cells = [Text(c) for c in row]
        if row and row[-1] == "!":
            cells = [Text(c, style="yellow") for c in row]
        table.add_row(*cells)
    console.print(table)
    console.print(Text(total, style="dim"))


def error(message: str) -> None:
    """One error line on stderr, in red on a terminal."""
    _console(stderr=True).print(Text(message, style="red"))


@contextmanager
def record_progress(total: int | None, label: str) -> Iterator[Progress]:
    """A progress bar on stderr for a stream of records: the bytes read of `total` (a pulse
    when it is unknown), records per second and errors; refreshed by the caller."""
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=_console(stderr=True),
        auto_refresh=False,
        transient=True,
    )
    bar.add_task(label, total=total or None, counts="")
    with bar:
        yield bar


def advance_records(bar: Progress, position: int, records: int, errors: int, seconds: float) -> None:
    """Move the record bar to `position` (bytes read) and show the counts."""
    task = bar.tasks[0].id
    rate = f", {records / seconds:,.0f} records/s" if seconds > 0 else ""
    bar.update(task, completed=position, counts=f"{records:,} records{rate}, {errors:,} errors")
    bar.refresh()
