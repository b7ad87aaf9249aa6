"""Dataset records: one record (a mapping with an HTML field) in, its clean forms out.

`emclean batch`, `convert --format jsonl`, the Python batch function and the Dask adapter
all convert a record here, through `pipeline.convert` (no second conversion path). A
record that cannot be converted becomes an error record; nothing here raises for bad
input. Pure: no I/O.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from . import limits
from .errors import InputError, reason
from .options import Options, Target
from .pipeline import Result, convert

#: the field of a failed record that says why
ERROR = "error"


@dataclass(frozen=True, slots=True)
class Fields:
    """Where a record keeps its HTML, its id and (optionally) its own URL."""

    html: str = "html"
    id: str = "id"
    #: a field holding the article's URL: relative links and images resolve against it
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything that decides what one record becomes (sent to each worker with its work)."""

    options: Options = field(default_factory=Options)
    fields: Fields = field(default_factory=Fields)
    #: a record whose HTML is larger than this (UTF-8 bytes) is an error record
    max_bytes: int = limits.MAX_RECORD


def visible_text(result: Result) -> str:
    """What a reader sees of the converted document (its front matter left out)."""
    from . import commonmark
    from .document import split_post

    body = result.markdown
    if result.kind in ("post", "html-post") or body.startswith("---"):
        with contextlib.suppress(InputError):
            body = split_post(body).body
    if result.to == "html" or any(part.form == "html-block" for part in result.parts):
        from . import safehtml

        text = safehtml.shown(body if result.to == "html" else commonmark.to_html(body))
    else:
        text = commonmark.read(body).text
    return text + "\n" if text else ""


def entity_records(result: Result, file: str = "-") -> list[dict[str, object]]:
    """The entity records of a conversion of `file` (made with details: flagged if doubtful),
    as `emclean entities --format json` prints them."""
    return [{**e.as_dict(), "file": file} for e in result.entities]


def convert_html(html: str, options: Options) -> dict[str, object]:
    """The fields a conversion adds: markdown (or html, with `Options.to`), text and entities
    (raises for bad input). A record has no file name: it is HTML unless it starts with front
    matter or `Options.input_kind` says otherwise, as stdin is."""
    result = convert(html, options, details=True)
    return {result.to: result.markdown, "text": visible_text(result), "entities": entity_records(result)}


def added_fields(options: Options) -> tuple[str, ...]:
    """The fields a conversion with `options` adds: the document's (markdown, or html with
    `to=html`; either with `to=auto`, record by record), text and entities."""
    if options.to is Target.AUTO:
        return ("markdown", "html", "text", "entities")
    return ("html" if options.to is Target.HTML else "markdown", "text", "entities")


def added(html: object, url: object, settings: Settings) -> dict[str, object] | str:
    """The added fields of one record's HTML, or the one-line reason it cannot be converted."""
    name = settings.fields.html
    if not isinstance(html, str):
        return f'no "{name}" field' if html is _MISSING else f'"{name}" is {json_type(html)}, not a string'
    # UTF-8 takes 1 to 4 bytes a character: encode only when the length cannot tell
    if len(html) > settings.max_bytes // 4 and (
        len(html) > settings.max_bytes or len(html.encode("utf-8", "surrogatepass")) > settings.max_bytes
    ):
        return too_large(len(html.encode("utf-8", "surrogatepass")), settings)
    options = settings.options
    if settings.fields.url is not None and isinstance(url, str) and url.strip():
        options = replace(options, url=url.strip())
    try:
        return convert_html(html, options)
    except Exception as e:  # one bad record never stops the others
        return reason(e)


def too_large(size: int, settings: Settings) -> str:
    """The reason given for a record over the size limit (`--max-record-size`, `max_record_size=`)."""
    shown, most = limits.sizes(size, settings.max_bytes)
    return f"record of {shown} is over the record size limit ({most})"


class _Missing:
    """The value of a field a record does not have."""


_MISSING: Any = _Missing()


def convert_record(record: object, settings: Settings | None = None) -> dict[str, object]:
    """One output record: every field of the input but the HTML, then markdown, text and
    entities; or, when it cannot be converted, its fields (the id always) and `error`."""
    return convert_one(record, settings or Settings())[0]


def convert_one(record: object, settings: Settings) -> tuple[dict[str, object], str | None]:
    """`convert_record`, and the reason it failed (None if it did not)."""
    fields = settings.fields
    if not isinstance(record, Mapping):
        reason = f"not a JSON object but {json_type(record)}"
        return {fields.id: None, ERROR: reason}, reason
    kept = {key: value for key, value in record.items() if key != fields.html}
    outcome = added(record.get(fields.html, _MISSING), record.get(fields.url) if fields.url else None, settings)
    if isinstance(outcome, str):
        return failed(kept, outcome, settings), outcome
    for name in (*added_fields(settings.options), ERROR):  # replaced (an earlier run's error too)
        kept.pop(name, None)
    kept.update(outcome)
    return kept, None


def failed(kept: dict[str, object], reason: str, settings: Settings) -> dict[str, object]:
    """An error record: the record's other fields, its id (null if it has none), `error`."""
    out = {settings.fields.id: None, **kept}
    for name in added_fields(settings.options):
        out.pop(name, None)
    out[ERROR] = reason
    return out


def json_type(value: object) -> str:
    """The JSON name of a value's type, with its article ("a number", "null")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "an array"
    return f"a {type(value).__name__}"


# The first key of a JSON object and its scalar value: the id of a record too broken or too
# large to be parsed whole can still be read from its start.
_FIRST_KEY = re.compile(rb'\s*\{\s*("(?:[^"\\]|\\.)*")\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)')


def leading_id(line: bytes, fields: Fields) -> object:
    """The id of a JSON object read from its first key, when that key is the id field."""
    m = _FIRST_KEY.match(line)
    if m is None:
        return None
    try:
        if json.loads(m.group(1)) != fields.id:
            return None
        value: object = json.loads(m.group(2))
    except ValueError:
        return None
    return value
