"""The `emclean` command's entry point.

`emclean convert FILE` (no options) is the hot path of scripts and hooks: it is run
without building the typer app, so a cold start costs little more than the conversion.
Everything else goes through the typer app in `cli.py`.
"""

from __future__ import annotations

import sys

EXIT_OK, EXIT_CHANGES, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 123


def write_out(text: str) -> None:
    """Data to stdout as UTF-8, whatever the locale (never through rich)."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def convert_plain(source: str) -> int:
    """`emclean convert FILE` with no options, exactly as the typer command does it."""
    from . import commands
    from .errors import InputError, UsageError, VerifyError
    from .options import Options, OutputFormat

    try:
        commands.convert_one(source, Options(), OutputFormat.MARKDOWN, diff=False, encoding=None, write=write_out)
    except (InputError, UsageError, VerifyError) as e:
        sys.stderr.write(f"emclean: {source}: {e}\n")
        return EXIT_USAGE
    return EXIT_OK


def main() -> None:
    """Run the `emclean` command (the one place where stray errors become exit codes)."""
    from .errors import EmcleanError

    args = sys.argv[1:]
    try:
        if len(args) == 2 and args[0] == "convert" and (args[1] == "-" or not args[1].startswith("-")):
            sys.exit(convert_plain(args[1]))
        from .cli import app

        app()
    except EmcleanError as e:  # an error a command did not name a file for
        sys.stderr.write(f"emclean: {e}\n")
        sys.exit(EXIT_USAGE)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(EXIT_OK)
    except KeyboardInterrupt:
        sys.stderr.write("emclean: interrupted\n")
        sys.exit(130)
