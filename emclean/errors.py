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
