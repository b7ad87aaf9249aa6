"""Tables: pyarrow Tables and RecordBatches, pandas DataFrames, Parquet files.

The only module that imports pyarrow and pandas (optional: `pip install 'emclean[parquet]'`);
both are imported on first use, and their absence is one line naming the extra. Rows are
converted by `records` (the one per-record path); this module moves columns in and out.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from typing import IO, Any

from . import records
from .entities import FIELDS
from .errors import InputError, UsageError
from .limits import MAX_RECORD
from .options import Options
from .records import ERROR, Fields, Settings, added_fields

#: the column of a Parquet shard's failed rows that gives their row number (from 0)
ROW = "row"
# Rows of a Parquet shard written as one row group.
_ROW_GROUP = 8192


@cache
def arrow() -> Any:
    """pyarrow, or a UsageError naming the extra that installs it."""
    try:
        import pyarrow
    except ImportError:
        raise UsageError("Parquet and Arrow tables need pyarrow: pip install 'emclean[parquet]'") from None
    return pyarrow


@cache
def _parquet() -> Any:
    arrow()
    import pyarrow.parquet

    return pyarrow.parquet


@cache
def entities_type() -> Any:
    """The Arrow type of the `entities` column: a list of the entity records' structs."""
    pa = arrow()
    types = {"line": pa.int64(), "suspicious": pa.bool_()}
    return pa.list_(pa.struct([(name, types.get(name, pa.string())) for name in FIELDS]))


def convert_batch(
    batch: Any,
    options: Options | None = None,
    *,
    html_field: str = "html",
    id_field: str = "id",
    url_field: str | None = None,
    max_record_size: int = MAX_RECORD,
) -> Any:
    """Convert a partition of records, as a data engine hands it over; the same kind comes back.

    `batch` is a list (or iterable) of dicts, a pandas DataFrame, or a pyarrow Table or
    RecordBatch. Each
    record loses its HTML field and gains `markdown`, `text` and `entities` (the records
    `emclean entities --format json` prints); one that cannot be converted gets `error`
    instead (tables have all four columns, null where they do not apply). Other fields are
    kept, in order. A table without the HTML column raises InputError.
    """
    settings = Settings(options or Options(), Fields(html_field, id_field, url_field), max_bytes=max_record_size)
    if type(batch).__module__.split(".")[0] in ("pandas", "pyarrow"):
        return convert_table(batch, settings)
    if isinstance(batch, (str, bytes, Mapping)) or not isinstance(batch, Iterable):
        raise _not_a_batch(batch)
    return [records.convert_one(record, settings)[0] for record in batch]


def _not_a_batch(batch: object) -> TypeError:
    return TypeError(
        "convert_batch takes a list of dicts, a pandas DataFrame or a pyarrow Table or RecordBatch, "
        f"not {type(batch).__name__}"
    )


def convert_table(data: Any, settings: Settings) -> Any:
    """`convert_batch` for a pandas DataFrame or a pyarrow Table or RecordBatch."""
    if type(data).__module__.split(".")[0] == "pandas" and hasattr(data, "columns"):
        return convert_frame(data, settings)
    pa = arrow()
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        return convert_arrow(data, settings)[0]
    raise _not_a_batch(data)


def require_column(name: str, columns: Sequence[str]) -> None:
    """Raise InputError unless `columns` has `name` (the HTML column of a table)."""
    if name not in columns:
        raise InputError(f'no "{name}" column (its columns: {", ".join(columns) or "none"})')


def check_schema(schema: Any, settings: Settings) -> None:
    """Raise InputError unless `schema` has the HTML field as a text column."""
    pa = arrow()
    name = settings.fields.html
    require_column(name, schema.names)
    kind = schema.field(name).type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)):
        raise InputError(f'the "{name}" column holds {kind}, not text')


def _added(settings: Settings) -> tuple[str, ...]:
    """The columns a conversion adds (a table has one column for the document: not `to=auto`)."""
    fields = added_fields(settings.options)
    if len(fields) != 3:
        raise UsageError("a table takes one document column: convert to markdown or to html, not auto")
    return fields


def output_schema(schema: Any, settings: Settings, *, rows: bool) -> Any:
    """The schema `convert_arrow` gives a table of `schema` (with the row column if `rows`)."""
    pa = arrow()
    document = _added(settings)[0]
    added = [*_added(settings), ERROR, *([ROW] if rows else [])]
    kept = [f for f in schema if f.name != settings.fields.html and f.name not in added]
    new = [
        pa.field(document, pa.string()),
        pa.field("text", pa.string()),
        pa.field("entities", entities_type()),
        pa.field(ERROR, pa.string()),
    ]
    if rows:
        new.append(pa.field(ROW, pa.int64()))
    return pa.schema([*kept, *new])


def convert_arrow(
    data: Any, settings: Settings, first_row: int | None = None
) -> tuple[Any, list[tuple[int, Any, str]]]:
    """A Table or RecordBatch converted (same kind), and its failures as (index, id, reason).

    With `first_row`, failed rows also get their row number (`first_row` + index) in `row`.
    """
    pa = arrow()
    check_schema(data.schema, settings)
    fields = settings.fields
    names = data.schema.names
    htmls = data.column(fields.html).to_pylist()
    ids = data.column(fields.id).to_pylist() if fields.id in names else [None] * len(htmls)
    urls = data.column(fields.url).to_pylist() if fields.url and fields.url in names else [None] * len(htmls)
    added = _added(settings)
    columns: dict[str, list[Any]] = {name: [] for name in (*added, ERROR)}
    failures: list[tuple[int, Any, str]] = []
    for n, (html, url) in enumerate(zip(htmls, urls, strict=True)):
        outcome = records.added(html, url, settings)
        if isinstance(outcome, str):
            failures.append((n, ids[n], outcome))
            outcome = dict.fromkeys(added)
            columns[ERROR].append(failures[-1][2])
        else:
            columns[ERROR].append(None)
        for name in added:
            columns[name].append(outcome[name])
    drop = (fields.html, *added, ERROR, *([ROW] if first_row is not None else []))
    out = data.drop_columns([name for name in dict.fromkeys(drop) if name in names])
    new = {
        added[0]: pa.array(columns[added[0]], pa.string()),
        "text": pa.array(columns["text"], pa.string()),
        "entities": pa.array(columns["entities"], entities_type()),
        ERROR: pa.array(columns[ERROR], pa.string()),
    }
    if first_row is not None:
        rows: list[int | None] = [None] * len(htmls)
        for n, _, _ in failures:
            rows[n] = first_row + n
        new[ROW] = pa.array(rows, pa.int64())
    for name, column in new.items():
        out = out.append_column(name, column)
    return out, failures


def convert_frame(frame: Any, settings: Settings) -> Any:
    """A pandas DataFrame converted: the same index, its columns but the HTML, then
    markdown, text, entities and error (missing where they do not apply)."""
    import pandas as pd

    fields = settings.fields
    require_column(fields.html, [str(c) for c in frame.columns])

    def values(name: str | None) -> list[Any]:
        if name is None or name not in frame.columns:
            return [None] * len(frame)
        return [None if _missing(v, pd) else v for v in frame[name].tolist()]

    added = _added(settings)
    columns: dict[str, list[Any]] = {name: [] for name in (*added, ERROR)}
    for html, url in zip(values(fields.html), values(fields.url), strict=True):
        outcome = records.added(html, url, settings)
        columns[ERROR].append(outcome if isinstance(outcome, str) else None)
        for name in added:
            columns[name].append(None if isinstance(outcome, str) else outcome[name])
    kept = frame.drop(columns=[c for c in dict.fromkeys((fields.html, *added, ERROR)) if c in frame.columns])
    text = "str" if int(pd.__version__.split(".")[0]) >= 3 else object
    new = {
        name: pd.Series(columns[name], index=frame.index, dtype=object if name == "entities" else text)
        for name in (*added, ERROR)
    }
    return kept.assign(**new)


def arrow_typed(frame: Any) -> Any:
    """A converted pandas DataFrame with its `entities` column typed for Arrow (lists of the
    entity structs, `pd.ArrowDtype`), so that Parquet writers need not guess its type
    (Dask's `to_parquet` cannot guess it from an empty partition)."""
    import pandas as pd

    kind = pd.ArrowDtype(entities_type())
    return frame.assign(entities=pd.Series(frame["entities"].tolist(), index=frame.index, dtype=kind))


def _missing(value: Any, pd: Any) -> bool:
    """True for pandas' missing values (None, NaN, NA, NaT)."""
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


class ParquetIn:
    """A Parquet file read in small batches (row groups are not read whole)."""

    def __init__(self, path: str, settings: Settings) -> None:
        pq = _parquet()
        try:
            self.file = pq.ParquetFile(path, buffer_size=1 << 20, pre_buffer=False)
        except (OSError, arrow().ArrowException) as e:
            raise InputError(f"not a readable Parquet file: {_one_line(e)}") from None
        self.schema = self.file.schema_arrow
        self.rows: int = self.file.metadata.num_rows
        check_schema(self.schema, settings)

    def batches(self, size: int, max_bytes: int) -> Iterator[Any]:
        """RecordBatches of at most `size` rows, split further to about `max_bytes` each."""
        pa = arrow()
        try:
            for batch in self.file.iter_batches(batch_size=size, use_threads=False):
                if batch.nbytes <= max_bytes or batch.num_rows == 1:
                    yield batch
                    continue
                step = max(1, batch.num_rows * max_bytes // batch.nbytes)
                for start in range(0, batch.num_rows, step):
                    # a copy, not a slice: a pickled slice would carry the whole batch's buffers
                    yield batch.take(pa.array(range(start, min(start + step, batch.num_rows))))
        except (OSError, pa.ArrowException) as e:
            raise InputError(f"cannot read Parquet data: {_one_line(e)}") from None


class ParquetOut:
    """Record batches written as a Parquet file to an open binary file, in row groups."""

    def __init__(self, sink: IO[bytes], schema: Any) -> None:
        self.schema = schema
        self.writer = _parquet().ParquetWriter(sink, schema)
        self.pending: list[Any] = []
        self.rows = 0

    def write(self, batch: Any) -> None:
        """Add rows; a row group is written whenever enough have come."""
        self.pending.append(batch)
        self.rows += batch.num_rows
        if self.rows >= _ROW_GROUP:
            self._flush()

    def close(self) -> None:
        """Write what is left and the file's footer."""
        self._flush()
        self.writer.close()

    def abandon(self) -> None:
        """Stop writing (the file is to be thrown away)."""
        self.pending = []
        with contextlib.suppress(OSError, ValueError, arrow().ArrowException):
            self.writer.close()

    def _flush(self) -> None:
        if self.pending:
            table = arrow().Table.from_batches(self.pending, schema=self.schema)
            self.writer.write_table(table, row_group_size=max(1, table.num_rows))
        self.pending, self.rows = [], 0


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
