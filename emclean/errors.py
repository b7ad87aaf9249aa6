"""The exceptions emclean raises; the CLI maps them to exit codes in one place."""

from __future__ import annotations


class EmcleanError(Exception):
    """Base of every error emclean raises on purpose."""


class InputError(EmcleanError):
    """The input cannot be converted: binary, wrong encoding, broken front matter, ...

    `str(error)` is one line that names the cause; the caller adds the file name.
    """


class VerifyError(EmcleanError):
    """The output would not show the text the input shows (minus what the rules remove)."""


class UsageError(EmcleanError):
    """The command line asks for something that cannot be done."""


class OutputError(EmcleanError):
    """The output cannot be written (a full disk, a closed terminal)."""


class WorkerDied(EmcleanError):
    """A worker process died (the OOM killer, `kill -9`): the run cannot go on.

    Like an OutputError, it is about the run, not about one input: no file is named."""


def reason(error: BaseException) -> str:
    """Why converting one input (a file, a record) failed, on one line: the one wording for
    every command. An error that is not emclean's is a bug, reported as such."""
    if isinstance(error, EmcleanError):
        return str(error)
    if isinstance(error, RecursionError):
        return "nested too deeply to convert"
    if isinstance(error, MemoryError):
        return "too large to convert in memory"
    return f"internal error: {type(error).__name__}: {error}"
