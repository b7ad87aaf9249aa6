"""emclean: Eastmoney article HTML → clean, CJK-correct Markdown.

    >>> from emclean import convert
    >>> convert('<p><span id="stock_1.600519"><a class="keytip" data-code="1,600519">贵州茅台</a></span></p>').markdown
    '贵州茅台\\n'

The converter is imported on first use, so that `emclean --help` and the file walking of
`emclean fix` start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import EmcleanError, InputError, UsageError, VerifyError
from .options import Annotate, InputKind, Options, OutputFormat, Target

if TYPE_CHECKING:
    from .entities import Entity
    from .pipeline import Result, convert
    from .pipeline import entities as list_entities
    from .tables import convert_batch
    from .verify import check

__version__ = "0.1.0"

_LAZY = {
    "convert": ("pipeline", "convert"),
    "convert_batch": ("tables", "convert_batch"),
    "list_entities": ("pipeline", "entities"),
    "Result": ("pipeline", "Result"),
    "Entity": ("entities", "Entity"),
    "check": ("verify", "check"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        module, attr = _LAZY[name]
        value = getattr(import_module(f".{module}", __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'emclean' has no attribute {name!r}")


__all__ = [
    "Annotate",
    "EmcleanError",
    "Entity",
    "InputError",
    "InputKind",
    "Options",
    "OutputFormat",
    "Result",
    "Target",
    "UsageError",
    "VerifyError",
    "__version__",
    "check",
    "convert",
    "convert_batch",
    "list_entities",
]
