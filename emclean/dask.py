"""emclean on a Dask cluster (`dask.distributed`): the only module that imports dask.

Optional: `pip install 'emclean[dask]'`. Two ways, both on the same per-record conversion
as `emclean batch`:

- `convert_shards(inputs, output)`: one task per shard, each converting its shard on a worker
  and writing the output shard exactly as `emclean batch -o FOLDER/` does (same bytes; a temp
  file renamed when whole; the inputs and the output folder must be reachable by every
  worker at the same path: a shared file system);
- `convert_frame(frame)`: a `dask.dataframe` DataFrame converted partition by partition
  (`emclean.convert_batch` on each pandas partition), for data Dask already reads, from a
  bucket for instance (`dd.read_parquet("s3://…")`); a `dask.bag` of dicts takes
  `bag.map_partitions(emclean.convert_batch)`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import batch, limits
from .errors import InputError, UsageError
from .options import Options
from .records import Fields, Settings


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise UsageError("emclean on Dask needs dask.distributed: pip install 'emclean[dask]'") from None
    return distributed


@dataclass(frozen=True, slots=True)
class Summary:
    """What `convert_shards` did: one report per shard, in shard order."""

    shards: tuple[batch.ShardReport, ...]
    skipped: int  # shards whose output was already there (resume)

    @property
    def records(self) -> int:
        """Records converted (failed ones included)."""
        return sum(s.records for s in self.shards)

    @property
    def failed(self) -> int:
        """Records that became error records."""
        return sum(s.failed for s in self.shards)

    @property
    def broken(self) -> int:
        """Shards cut short (truncated or corrupt compressed data)."""
        return sum(s.broken for s in self.shards)

    @property
    def messages(self) -> list[str]:
        """The messages `emclean batch` would print (the first 100 of each shard)."""
        return [m for s in self.shards for m in s.messages]


def convert_shards(
    inputs: list[str] | str,
    output: str,
    *,
    client: Any = None,
    options: Options | None = None,
    html_field: str = "html",
    id_field: str = "id",
    url_field: str | None = None,
    max_record_size: int = limits.MAX_RECORD,
    resume: bool = False,
    retries: int = 1,
) -> Summary:
    """Convert the shards under `inputs` into the folder `output`, one Dask task per shard.

    `client` is a `distributed.Client` (default: the current one). Every shard is looked at
    first, as by `emclean batch`: a problem (not JSON Lines, no HTML column...) raises
    InputError before any task is sent. A failed record is an error record in its output
    shard; a worker that dies is retried `retries` times by Dask (its half-written temp file
    is never renamed into place).
    """
    distributed = _distributed()
    settings = Settings(options or Options(), Fields(html_field, id_field, url_field), max_record_size)
    paths = [inputs] if isinstance(inputs, str) else list(inputs)
    if "-" in paths:
        raise UsageError("convert_shards reads files (the workers have no stdin)")
    # the workers may not share this process's working directory: absolute paths
    plan = batch.plan(
        [str(Path(p).absolute()) for p in paths], str(Path(output).absolute()) + "/", settings, resume=resume
    )
    if plan.problems:
        more = f" (and {len(plan.problems) - 1} more)" if len(plan.problems) > 1 else ""
        raise InputError(plan.problems[0] + more)
    client = client or distributed.default_client()
    run = uuid.uuid4().hex[:12]
    futures = client.map(
        batch.convert_shard,
        plan.jobs,
        settings=settings,
        # keys of their own at each call: while an earlier call's futures of the same keys are
        # held, Dask would hand back their results instead of running the tasks again
        key=[f"emclean-shard-{run}-{n}-{job.shard.name}" for n, job in enumerate(plan.jobs)],
        pure=False,
        retries=retries,
    )
    return Summary(tuple(client.gather(futures)), plan.skipped)


def convert_frame(
    frame: Any,
    options: Options | None = None,
    *,
    html_field: str = "html",
    id_field: str = "id",
    url_field: str | None = None,
    max_record_size: int = limits.MAX_RECORD,
) -> Any:
    """A `dask.dataframe` DataFrame converted partition by partition with `convert_batch`:
    its columns but the HTML, then markdown, text, entities and error."""
    kwargs: dict[str, Any] = {
        "html_field": html_field,
        "id_field": id_field,
        "url_field": url_field,
        "max_record_size": max_record_size,
    }
    meta = _convert_partition(frame._meta, options, **kwargs)
    return frame.map_partitions(_convert_partition, options, meta=meta, **kwargs)


def _convert_partition(partition: Any, options: Options | None, **kwargs: Any) -> Any:
    """`convert_batch` on one pandas partition, its entities typed for Arrow (`to_parquet`)."""
    from . import tables

    return tables.arrow_typed(tables.convert_batch(partition, options, **kwargs))
