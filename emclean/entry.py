"""The `emclean` command's entry point.

`emclean convert FILE` (no options) is the hot path of scripts and hooks: it is run
without building the typer app, so a cold start costs little more than the conversion.
Everything else goes through the typer app in `cli.py`.
"""

from __future__ import annotations

import sys

from .errors import EmcleanError
from .stdio import EXIT_OK, ending, write_out


def convert_plain(source: str) -> int:
    """`emclean convert FILE` with no options, exactly as the typer command does it."""
    from . import commands
    from .errors import InputError, UsageError, VerifyError
    from .files import shown
    from .options import Options, OutputFormat

    try:
        commands.convert_one(source, Options(), OutputFormat.MARKDOWN, diff=False, encoding=None, write=write_out)
    except (InputError, UsageError, VerifyError) as e:
        return ending(e, about=shown(source))
    return EXIT_OK


def main() -> None:
    """Run the `emclean` command; an error no command named a file for ends it here."""
    args = sys.argv[1:]
    try:
        if len(args) == 2 and args[0] == "convert" and (args[1] == "-" or not args[1].startswith("-")):
            sys.exit(convert_plain(args[1]))
        from .cli import app

        app()
    except (EmcleanError, OSError, KeyboardInterrupt) as e:
        sys.exit(ending(e))
