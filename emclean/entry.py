"""The `emclean` command's entry point.

`emclean convert FILE`, `emclean convert FILE --annotate MODE` and `emclean entities FILE...`
(no other options) are the hot paths of scripts and hooks: they run without building the
typer app (a third of a cold start), exactly as the typer commands run them. Everything else
goes through the typer app in `cli.py`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from .stdio import EXIT_OK, ending, write_out


def convert_plain(source: str, annotate: str = "none") -> int:
    """`emclean convert FILE [--annotate MODE]`, exactly as the typer command does it."""
    from . import commands
    from .files import shown
    from .options import Annotate, Options, OutputFormat

    try:
        options = Options(annotate=Annotate(annotate))
        commands.convert_one(source, options, OutputFormat.MARKDOWN, diff=False, encoding=None, write=write_out)
    except Exception as e:  # (every error is one line; KeyboardInterrupt goes on up)
        return ending(e, about=shown(source))
    return EXIT_OK


def entities_plain(sources: list[str]) -> int:
    """`emclean entities FILE...`, exactly as the typer command does it."""
    import os

    from . import commands

    return commands.entities(
        sources,
        output=None,
        by_file=False,
        kinds=[],
        suspicious_only=False,
        jobs=os.cpu_count() or 1,
        encoding=None,
        write=write_out,
    )


_MODES = ("none", "inline", "link", "footnote")  # options.Annotate, not imported for this


def fast_path(args: list[str]) -> Callable[[], int] | None:
    """The command to run without typer for these arguments, or None (typer parses them)."""

    def named(arg: str) -> bool:  # a file, or - for stdin; not an option
        return arg == "-" or not arg.startswith("-")

    if len(args) >= 2 and args[0] == "entities" and all(map(named, args[1:])):
        return lambda: entities_plain(args[1:])
    if args[:1] != ["convert"]:
        return None
    rest = args[1:]
    if len(rest) == 1 and named(rest[0]):
        return lambda: convert_plain(rest[0])
    if len(rest) == 3 and "--annotate" in rest[:2]:
        at = rest.index("--annotate")
        mode, source = rest[at + 1].lower(), rest[2 - 2 * at]
        if mode in _MODES and named(source):
            return lambda: convert_plain(source, mode)
    return None


def main() -> None:
    """Run the `emclean` command; an error no command named a file for ends it here."""
    try:
        fast = fast_path(sys.argv[1:])
        if fast is not None:
            sys.exit(fast())
        from .cli import app

        app()
    except (Exception, KeyboardInterrupt) as e:  # (SystemExit goes on up: it is the exit code)
        sys.exit(ending(e))
