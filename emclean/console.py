"""The terminal views: the only module that imports rich.

Used only when a person is watching (a TTY); NO_COLOR is honoured by rich itself.
Markdown is never passed through rich markup: every line is a `Text` built piece by piece.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from rich.cells import cell_len, chop_cells
from rich.console import Console, JustifyMethod
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
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

    A line longer than the terminal is cut into rows of its width, each row starting with
    the line's `-`/`+`/space gutter: nothing is truncated, and no row of a Chinese paragraph
    (one long line) reads as a line of its own.
    """
    console = _console()
    width = console.width
    removed: list[str] = []
    added: list[str] = []

    def show(line: Text, header: bool = False) -> None:
        for row in _rows(line, width, header):
            console.print(row, no_wrap=True, overflow="ignore", crop=False)

    def flush() -> None:
        for k in range(max(len(removed), len(added))):
            left = removed[k] if k < len(removed) else None
            right = added[k] if k < len(added) else None
            if left is not None and right is not None:
                old, new = _char_diff(left, right)
                show(old)
                show(new)
            elif left is not None:
                show(Text("-" + left, style=_OLD))
            elif right is not None:
                show(Text("+" + right, style=_NEW))
        removed.clear()
        added.clear()

    for line in lines_of(diff):
        body = line.rstrip("\r\n")
        if body.startswith(("--- ", "+++ ")) and not removed and not added:
            show(Text(body, style="bold"), header=True)
        elif body.startswith("@@"):
            flush()
            show(Text(body, style="cyan"), header=True)
        elif body.startswith("-"):
            if added:
                flush()
            removed.append(body[1:])
        elif body.startswith("+"):
            added.append(body[1:])
        else:
            flush()
            show(Text(body, style="dim"))
    flush()


def _rows(line: Text, width: int, header: bool) -> list[Text]:
    """`line` (gutter character first) cut into rows of at most `width` cells, each row
    starting with the gutter again; a header line (`---`, `+++`, `@@`) continues unmarked."""
    if "\t" in line.plain:  # as the terminal would show them, so that the rows fit
        line = line.copy()
        line.expand_tabs(8)
    if cell_len(line.plain) <= width or width < 2:
        return [line]
    gutter, body = (Text(" ") if header else line[:1]), line[1:]
    offsets = []
    at = 0
    for piece in chop_cells(body.plain, width - 1):
        at += len(piece)
        offsets.append(at)
    rows = []
    for n, part in enumerate(body.divide(offsets[:-1])):
        row = line[:1].copy() if n == 0 else gutter.copy()
        row.append_text(part)
        rows.append(row)
    return rows


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
    bar = _bar(MofNCompleteColumn(), TextColumn("{task.fields[rate]}"))
    bar.add_task(label, total=total, rate="")
    with bar:
        yield bar


def _bar(*counts: ProgressColumn) -> Progress:
    """A bar on stderr: the label, the bar, `counts`, the time; refreshed by the caller."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        *counts,
        TimeElapsedColumn(),
        console=_console(stderr=True),
        auto_refresh=False,
        transient=True,
    )


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


# Entity table columns that may be cut at any character (paths, names, Chinese text, URLs),
# columns that wrap at spaces (English phrases); every other column is never wrapped.
_FOLD = frozenset({"file", "name", "url", "context"})
_WRAP = frozenset({"reason"})
_NUMERIC = frozenset({"count", "files", "line", "suspicious"})
# The columns given up, in this order, while the table is wider than the terminal.
_DROP_FIRST = ("url", "secid", "market", "suspicious", "line", "files", "kind", "context", "count", "code", "reason")
_NARROW = 8  # the fewest cells a folding column gets
_PATH = 32  # the cells a file name gets before other columns are dropped


def entity_table(headers: Sequence[str], rows: Sequence[Sequence[str]], total: str) -> None:
    """The entity inventory as a table on stdout, with a one-line total.

    It fits the terminal: wide columns fold, and columns are dropped (least useful first)
    rather than breaking a code or a kind over two lines.
    """
    console = _console()
    if "file" in headers:
        rows, folder = _under_one_folder(headers.index("file"), rows)
        if folder:
            console.print(Text(f"in {folder}", style="dim"), overflow="fold")
    need = _needs(headers, rows)
    keep = _fitting(headers, need, console.width)
    widths = _widths(headers, rows, need, keep, console.width)
    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    for i in keep:
        name = headers[i]
        justify: JustifyMethod = "right" if name in _NUMERIC else "left"
        if name in _FOLD or name in _WRAP:
            table.add_column(name, justify=justify, overflow="fold", width=widths[i])
        else:
            table.add_column(name, justify=justify, no_wrap=True, min_width=need[i])
    for row in rows:
        style = "yellow" if row and row[-1] == "!" else ""
        table.add_row(*(Text(row[i], style=style) for i in keep))
    console.print(table)
    console.print(Text(total, style="dim"))


def _under_one_folder(i: int, rows: Sequence[Sequence[str]]) -> tuple[Sequence[Sequence[str]], str]:
    """The rows with column `i`'s paths relative to the folder they all share, and that
    folder ("" if none: one path per row then stays whole)."""
    paths = {row[i] for row in rows}
    if not paths or any(p.startswith("'") or p == "-" for p in paths):  # (quoted odd names, stdin)
        return rows, ""
    try:
        folder = os.path.commonpath([os.path.dirname(p) or "." for p in paths])
    except ValueError:  # absolute and relative mixed
        return rows, ""
    if folder in ("", ".", os.sep):
        return rows, ""
    cut = len(folder) + 1
    return [(*row[:i], row[i][cut:], *row[i + 1 :]) for row in rows], folder + os.sep


def _natural(i: int, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> int:
    return max(cell_len(headers[i]), *(cell_len(row[i]) for row in rows)) if rows else cell_len(headers[i])


def _needs(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    """The fewest cells each column takes: all of it, a word (wrapping) or a few cells
    (folding; a file name gets more, as one cut into many rows is hard to read)."""
    need = []
    for i, name in enumerate(headers):
        natural = _natural(i, headers, rows)
        if name == "file":
            natural = min(natural, _PATH)
        elif name in _FOLD:
            natural = min(natural, max(_NARROW, cell_len(name)))
        elif name in _WRAP:
            words = [cell_len(w) for row in rows for w in row[i].split()]
            natural = min(natural, max([cell_len(name), *words]))
        need.append(natural)
    return need


def _widths(
    headers: Sequence[str], rows: Sequence[Sequence[str]], need: Sequence[int], keep: Sequence[int], width: int
) -> dict[int, int]:
    """The widths of the folding and wrapping columns kept: what the others leave, shared in
    proportion to their natural widths (rich, left to share it, can squeeze a narrow column
    out of sight)."""
    flexible = [i for i in keep if headers[i] in _FOLD or headers[i] in _WRAP]
    natural = {i: _natural(i, headers, rows) for i in flexible}
    spare = width - 3 * (len(keep) - 1) - sum(need[i] for i in keep)
    wanted = sum(natural[i] - need[i] for i in flexible)
    widths = {}
    for i in flexible:
        extra = (natural[i] - need[i]) * min(1.0, spare / wanted) if wanted > 0 and spare > 0 else 0
        widths[i] = need[i] + int(extra)
    return widths


def _fitting(headers: Sequence[str], need: Sequence[int], width: int) -> list[int]:
    """The columns to show: all of them if they fit `width`, else without the least useful."""
    keep = list(range(len(headers)))
    for name in _DROP_FIRST:
        if sum(need[i] for i in keep) + 3 * (len(keep) - 1) <= width:
            break
        keep = [i for i in keep if headers[i] != name]
    return keep


def error(message: str) -> None:
    """One error line on stderr, in red on a terminal."""
    _console(stderr=True).print(Text(message, style="red"))


@contextmanager
def record_progress(total: int | None, label: str) -> Iterator[Progress]:
    """A progress bar on stderr for a stream of records: the bytes read of `total` (a pulse
    when it is unknown), records per second and errors; refreshed by the caller."""
    bar = _bar(TextColumn("{task.fields[counts]}"))
    bar.add_task(label, total=total or None, counts="")
    with bar:
        yield bar


def advance_records(bar: Progress, position: int, records: int, errors: int, seconds: float) -> None:
    """Move the record bar to `position` (bytes read) and show the counts."""
    task = bar.tasks[0].id
    rate = f", {records / seconds:,.0f} records/s" if seconds > 0 else ""
    bar.update(task, completed=position, counts=f"{records:,} records{rate}, {errors:,} errors")
    bar.refresh()
