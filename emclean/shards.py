"""Dataset shards on disk: finding them, sniffing their format, reading their records, and
writing output shards atomically.

A shard is a JSON Lines file (plain, gzip or zstd; the compression is known by the magic
bytes or the name) or a Parquet file. Output files go through `files.create`/`commit`:
a temp file next to the target, renamed into place when whole.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from . import files
from .errors import InputError, UsageError

#: names a folder is searched for (a `.json` file is read when named, not found in a folder)
SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz", ".jsonl.zst", ".ndjson.zst", ".parquet", ".pq")
_MAGIC = {b"\x1f\x8b": "gzip", b"\x28\xb5\x2f\xfd": "zstd"}
_PARQUET_MAGIC = b"PAR1"
_EXTENSIONS = {".gz": "gzip", ".zst": "zstd"}
_BOM = b"\xef\xbb\xbf"
# How many bytes of a line are kept of a record over the size limit (to read its id).
_HEAD = 1 << 16


@dataclass(frozen=True, slots=True)
class Shard:
    """One input: a file (or "-" for stdin), its name under an output folder, its format."""

    path: str
    name: str
    kind: str  # "jsonl" | "parquet"
    compression: str | None = None  # "gzip" | "zstd" | None
    stream: bool = False  # stdin, or a FIFO named by the user: read once, as it comes

    @property
    def named(self) -> bool:
        """True if its name is a shard's (`x.jsonl`): stdin and `/dev/fd/63` have none to write under."""
        return self.path != "-" and is_shard_name(self.name)

    @property
    def size(self) -> int:
        """Bytes on disk (0 for stdin or when unknown)."""
        if self.stream:
            return 0
        try:
            return os.stat(self.path).st_size
        except OSError:
            return 0


def find(paths: list[str], skip: Path | None = None) -> tuple[list[Shard], list[str]]:
    """The shards named by `paths` (folders searched in sorted order), and one message per
    path that cannot be used. Nothing under `skip` (the output folder) is taken."""
    found: list[Shard] = []
    problems: list[str] = []
    for arg in paths:
        if arg == "-":
            found.append(Shard("-", "-", "jsonl", stream=True))
            continue
        path = Path(arg)
        if path.is_dir():
            unreadable = len(problems)
            names = list(_walk(path, skip, problems))
            found.extend(_sniffed(str(path / name), name, problems) for name in names)
            if not names and len(problems) == unreadable:
                problems.append(f"{arg}: no shards in this folder (looked for {', '.join(SUFFIXES)})")
        elif (kind := files.special(path)) == "a FIFO":  # (`<(zcat x.jsonl.gz)`): read once, as stdin is
            found.append(Shard(arg, path.name, "jsonl", _EXTENSIONS.get(path.suffix.lower()), stream=True))
        elif kind:
            problems.append(f"{arg}: {kind}, not a file")
        elif path.exists():
            found.append(_sniffed(arg, path.name, problems))
        else:
            problems.append(f"{arg}: no such file or folder")
    return found, problems


def is_shard_name(name: str) -> bool:
    """True for a name a folder search takes as a shard (`x.jsonl`, `x.JSONL.gz`, `x.parquet`)."""
    return name.lower().endswith(SUFFIXES)


def _walk(top: Path, skip: Path | None, problems: list[str]) -> Iterator[str]:
    """Shard files under `top` as paths relative to it, in sorted order (hidden names skipped;
    a FIFO, a device or a symlink to one never opened). A folder that cannot be read is a problem."""
    skipped = skip.resolve() if skip is not None else None

    def unreadable(error: OSError) -> None:
        where = files.shown(error.filename) if error.filename else str(top)
        why = "permission denied (read)" if isinstance(error, PermissionError) else error.strerror or str(error)
        problems.append(f"{where}: {why}")

    for folder, dirs, names in os.walk(top, onerror=unreadable):
        base = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (base / d).resolve() != skipped)
        for name in sorted(names):
            if is_shard_name(name) and not name.startswith(".") and not files.special(base / name):
                yield (base / name).relative_to(top).as_posix()


def _sniffed(path: str, name: str, problems: list[str]) -> Shard:
    try:
        with files.open_file(Path(path)) as f:
            head = f.read(4)
    except InputError as e:
        problems.append(f"{path}: {e}")
        return Shard(path, name, "jsonl")
    if head == _PARQUET_MAGIC:
        return Shard(path, name, "parquet")
    compression = _MAGIC.get(head[:2]) or _MAGIC.get(head) or _EXTENSIONS.get(Path(path).suffix)
    if Path(path).suffix in (".parquet", ".pq") and compression is None and head:
        problems.append(f"{path}: not a Parquet file (it does not start with PAR1)")
    return Shard(path, name, "jsonl", compression)


def _wide(head: bytes) -> str | None:
    """UTF-16 or UTF-32, told by its BOM or by the NUL bytes around ASCII ({ is ASCII); else None."""
    for bom, name in ((b"\xff\xfe\x00\x00", "UTF-32LE"), (b"\x00\x00\xfe\xff", "UTF-32BE")):
        if head.startswith(bom):
            return name
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16LE" if head[:1] == b"\xff" else "UTF-16BE"
    if head[:1] == b"{" and head[1:2] == b"\x00":
        return "UTF-32LE" if head[1:4] == b"\x00\x00\x00" else "UTF-16LE"
    if head[:1] == b"\x00" and b"{" in head[:4]:
        return "UTF-32BE" if head[:3] == b"\x00\x00\x00" else "UTF-16BE"
    return None


#: the names of output files (any other name given to -o is a folder)
OUTPUT_SUFFIXES = (".jsonl", ".ndjson", ".json", ".parquet", ".pq")


def is_file_name(path: str) -> bool:
    """True if `path` names an output file, not a folder: it ends like a shard's name."""
    name = path.lower()
    for compressed in _EXTENSIONS:
        name = name.removesuffix(compressed)
    return name.endswith(OUTPUT_SUFFIXES) and not path.endswith(("/", os.sep)) and not Path(path).is_dir()


def output_problem(path: str) -> str | None:
    """Why `path` names neither an output file nor a folder (None if it names one): a new name
    with a suffix of another kind (`out.txt`, `clean.jsonl.bz2`) is more likely a mistake than
    a folder."""
    if is_file_name(path) or path.endswith(("/", os.sep)) or Path(path).is_dir() or not Path(path).suffix:
        return None
    return (
        f"-o {path}: not an output name: a file ends in .jsonl, .ndjson or .json (optionally .gz or .zst), "
        ".parquet or .pq; a folder ends in / (or exists)"
    )


def output_kind(path: str) -> tuple[str, str | None]:
    """(format, compression) an output file's name asks for."""
    name = path.lower()
    if name.endswith((".parquet", ".pq")):
        return "parquet", None
    return "jsonl", _EXTENSIONS.get(Path(name).suffix)


class Opened:
    """An open JSON Lines shard: its decompressed stream, and where it stands in the file."""

    def __init__(self, shard: Shard, stdin: BinaryIO | None = None) -> None:
        self.shard = shard
        self.raw: BinaryIO | None = None
        if shard.stream:
            if shard.path == "-":
                source: BinaryIO = stdin or sys.stdin.buffer
            else:
                source = self.raw = files.open_stream(Path(shard.path))  # (closed by close())
            if not hasattr(source, "peek"):  # look at the first bytes without losing them
                source = io.BufferedReader(source)  # type: ignore[type-var]
            compression = shard.compression or _stdin_compression(source)
        else:
            self.raw = files.open_file(Path(shard.path))  # (closed by close())
            source = self.raw
            compression = shard.compression
        self.compression = compression
        self.stream: IO[bytes] = _decompressed(source, compression) if compression else source

    def position(self) -> int:
        """How far into the file (compressed bytes) the reading has come."""
        if self.raw is None:
            return 0
        with contextlib.suppress(OSError, ValueError):
            return self.raw.tell()
        return 0

    def close(self) -> None:
        """Close the file (stdin stays open)."""
        if self.raw is not None:
            with contextlib.suppress(OSError):
                self.stream.close()
            self.raw.close()

    def first_problem(self) -> str | None:
        """Why the shard is not JSON Lines, judged from its first bytes (None if it may be)."""
        try:
            head = _peek(self.stream)
        except (OSError, EOFError, zlib.error) as e:
            return f"not {self.compression} data: {' '.join(str(e).split())}"
        wide = _wide(head)
        if wide:
            return f"not JSON Lines: {wide} text (JSON Lines are UTF-8: iconv -f {wide} -t UTF-8 converts it)"
        body = head.removeprefix(_BOM).lstrip(b" \t\r\n")
        if not body or body.startswith(b"{"):
            return None
        if body.startswith(_PARQUET_MAGIC):
            return "Parquet data in a stream: give the file's path (Parquet is read from its end)"
        start = body.split(b"\n", 1)[0][:40].decode("utf-8", "backslashreplace").strip()
        what = "a JSON array" if start.startswith("[") else f"it starts with {start!r}"
        return f'not JSON Lines ({what}); each line must be one JSON object such as {{"id": 1, "html": "<p>…</p>"}}'

    def lines(self, max_bytes: int) -> Iterator[tuple[int, bytes, int]]:
        """(line number, bytes, size) of each non-blank line. A line over `max_bytes` is
        skipped through, not held: only its head is given, with its whole size. A truncated or
        corrupt compressed stream raises InputError naming the offset, after the lines before it."""
        stream = self.stream
        number = 0
        try:
            first = True
            while line := stream.readline(max_bytes + 1):
                number += 1
                if first:
                    line = line.removeprefix(_BOM)
                    first = False
                size = len(line)
                if size > max_bytes and not line.endswith(b"\n"):
                    head = line[:_HEAD]
                    while more := stream.readline(1 << 20):
                        size += len(more)
                        if more.endswith(b"\n"):
                            break
                    yield number, head, size
                elif not line.isspace():
                    yield number, line, size
        except (OSError, EOFError, zlib.error) as e:
            raise InputError(self._broken(e, number)) from None

    def _broken(self, error: BaseException, lines: int) -> str:
        where = f"byte {self.position():,} of the file" if self.raw is not None else "the end of the input"
        kept = f"the {lines:,} lines before it were kept"
        if isinstance(error, EOFError):
            return f"truncated {self.compression} data: it ends at {where} without its end marker; {kept}"
        return f"corrupt {self.compression} data near {where} ({' '.join(str(error).split())}); {kept}"


def _stdin_compression(stream: BinaryIO) -> str | None:
    peek = getattr(stream, "peek", None)
    head = peek(4)[:4] if peek is not None else b""
    return _MAGIC.get(head[:2]) or _MAGIC.get(head)


def _peek(stream: IO[bytes]) -> bytes:
    peek = getattr(stream, "peek", None)
    return bytes(peek(1 << 12)) if peek is not None else b""


def _decompressed(source: BinaryIO, compression: str) -> IO[bytes]:
    if compression == "gzip":
        return gzip.GzipFile(fileobj=source, mode="rb")  # type: ignore[return-value]  # (a BinaryIO)
    return io.BufferedReader(_zstd().ZstdDecompressor().stream_reader(source, read_across_frames=True))


def _zstd() -> Any:
    try:
        import zstandard
    except ImportError:
        raise UsageError("zstd shards need the zstandard package: pip install 'emclean[zstd]'") from None
    return zstandard


def compress(data: bytes, compression: str | None) -> bytes:
    """`data` as one gzip member or zstd frame (concatenated, they make a valid file)."""
    if compression == "gzip":
        return gzip.compress(data, compresslevel=6, mtime=0)
    if compression == "zstd":
        return bytes(_zstd().ZstdCompressor(level=3).compress(data))
    return data


class Sink:
    """Where output goes: stdout, or a file written atomically (see `files.create`); a
    Parquet file when given its schema (then `write` takes Arrow record batches)."""

    def __init__(self, path: str | None, schema: Any = None, *, opened: Callable[[Sink], object] | None = None) -> None:
        """`opened` is told of the sink once its temp file exists (the caller abandons it on a
        stop from then on; before, the sink does)."""
        self.path = path
        self.staged: files.Staged | None = None
        self.out: IO[bytes]
        self.table: Any = None
        if path is None:
            self.out = sys.stdout.buffer
            if opened is not None:
                opened(self)
            return
        target = Path(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InputError(f"{target.parent}: cannot create the folder: {e.strerror or e}") from None
        try:
            self.staged = files.create(target)
        except InputError as e:
            raise InputError(f"{path}: {e}") from None
        try:  # (a signal, or a failure, before the caller holds this sink leaves no temp file)
            self.out = open(self.staged.fd, "wb", closefd=False, buffering=1 << 20)  # noqa: SIM115
            if schema is not None:
                from . import tables

                self.table = tables.ParquetOut(self.out, schema)
            if opened is not None:
                opened(self)
        except BaseException:
            self.abandon()
            raise

    def write(self, data: Any) -> None:
        """Append bytes (or a record batch, to a Parquet file)."""
        try:
            if self.table is not None:
                self.table.write(data)
            else:
                self.out.write(data)
        except BrokenPipeError:
            raise  # the reader went away (`| head`): quiet, as for every command
        except OSError as e:
            raise InputError(f"{self.path or 'stdout'}: cannot write: {e.strerror or e}") from None

    def commit(self) -> None:
        """The output is whole: the file is put in place (stdout is flushed)."""
        try:
            if self.table is not None:
                self.table.close()
            self.out.flush()
        except BrokenPipeError:
            raise  # the reader went away (`| head`): quiet, as for every command
        except OSError as e:
            self.abandon()
            raise InputError(f"{self.path or 'stdout'}: cannot write: {e.strerror or e}") from None
        if self.staged is not None:
            self.out.close()
            try:
                written = files.commit(self.staged)
            except InputError as e:
                raise InputError(f"{self.path}: {e}") from None
            finally:
                self.staged = None
            files.fsync_folder(written.parent)

    def abandon(self) -> None:
        """Drop a file never finished: no trace of it is left."""
        if self.table is not None:
            self.table.abandon()
            self.table = None
        if self.staged is not None:
            with contextlib.suppress(OSError):
                self.out.close()
            files.abandon(self.staged)
            self.staged = None
