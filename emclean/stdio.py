"""The process's edge: data to stdout, messages to stderr, and exit codes.

`exit_code` is the one place where an error becomes an exit code; `cli` and `entry` both
import from here (and never each other's internals).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, field

from .errors import EmcleanError, OutputError, WorkerDied, reason

#: done / `--check` found changes / usage or unusable input or output / some inputs failed / stopped
EXIT_OK, EXIT_CHANGES, EXIT_USAGE, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 2, 123, 130


@dataclass
class Run:
    """What every run's report knows besides its counts: when it started, whether it was stopped."""

    started: float = field(default_factory=time.monotonic)
    interrupted: bool = False

    @property
    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.monotonic() - self.started


def write_out(text: str) -> None:
    """Data to stdout as UTF-8, whatever the locale (never through rich).

    A failed write (a full disk, a closed terminal) is an OutputError; a reader that went
    away (`| head`) stays a BrokenPipeError, which ends the run quietly.
    """
    buffer = getattr(sys.stdout, "buffer", None)
    try:
        if buffer is None:
            sys.stdout.write(text)
            return
        sys.stdout.flush()
        buffer.write(text.encode("utf-8"))
        buffer.flush()
    except BrokenPipeError:
        raise
    except OSError as e:
        _drop_stdout()
        raise OutputError(f"cannot write the output: {e.strerror or e}") from None


def say(message: str) -> None:
    """One message line on stderr."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def exit_code(error: BaseException) -> int:
    """The exit code an error that ended a command means (the one mapping)."""
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(error, BrokenPipeError):
        return EXIT_OK  # the reader has all it wanted
    return EXIT_USAGE  # bad usage, unusable input, an output that cannot be written


def ending(error: BaseException, about: str = "") -> int:
    """Say (on one line, naming the file it is `about`) why the command ends on `error`; its exit code."""
    if isinstance(error, BrokenPipeError):
        _drop_stdout()
    elif isinstance(error, KeyboardInterrupt):
        _quietly("emclean: interrupted")
    elif isinstance(error, (OutputError, WorkerDied)):  # about the run, not one input: no file named
        _quietly(f"emclean: {error}")
    elif isinstance(error, EmcleanError):
        _quietly(f"emclean: {about}: {error}" if about else f"emclean: {error}")
    elif isinstance(error, OSError):  # standard streams: every file error is named where it happens
        _quietly(f"emclean: {error.strerror or error}")
    else:  # a bug, or nesting or memory past what Python holds: one line all the same
        _quietly(f"emclean: {about}: {reason(error)}" if about else f"emclean: {reason(error)}")
    return exit_code(error)


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so that the flush at exit cannot fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


def _quietly(message: str) -> None:
    """Say `message` unless stderr itself cannot be written."""
    with contextlib.suppress(OSError, ValueError):
        say(message)
