"""emclean: Eastmoney article HTML → clean, CJK-correct Markdown."""

from __future__ import annotations

from .entities import Entity
from .errors import EmcleanError, InputError, UsageError, VerifyError
from .options import Annotate, InputKind, Options, OutputFormat
from .pipeline import Result, convert

__version__ = "0.1.0"

__all__ = [
    "Annotate",
    "EmcleanError",
    "Entity",
    "InputError",
    "InputKind",
    "Options",
    "OutputFormat",
    "Result",
    "UsageError",
    "VerifyError",
    "__version__",
    "convert",
]
