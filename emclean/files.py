"""Reading and writing documents: encodings, binary data, atomic in-place writes."""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

# Bytes of a file looked at to decide that it is binary.
_SNIFF = 8192


@dataclass(frozen=True, slots=True)
class Text:
    """A decoded document and how to encode it back byte for byte."""

    content: str
    encoding: str


def decode(data: bytes, encoding: str | None = None) -> Text:
    """Bytes → text. UTF-8 unless told; binary and non-UTF-8 data raise InputError."""
    if b"\x00" in data[:_SNIFF]:
        raise InputError("binary data (NUL bytes), not a text document")
    if encoding:
        try:
            return Text(data.decode(encoding), encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as e:
            raise InputError(f"not valid {encoding}: byte 0x{data[e.start]:02x} at offset {e.start}") from None
    try:
        return Text(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as e:
        hint = _guess(data)
        if hint:
            raise InputError(f"not UTF-8: looks like {hint}; convert it or pass --encoding {hint.lower()}") from None
        raise InputError(f"not UTF-8: byte 0x{data[e.start]:02x} at offset {e.start}") from None


def _guess(data: bytes) -> str | None:
    """Name the legacy Chinese encoding `data` decodes as, if any."""
    for name in ("GB18030", "Big5"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
        if cjk and cjk * 4 >= sum(1 for ch in text if ord(ch) > 127):
            return name
    return None


def read(path: Path, encoding: str | None = None) -> Text:
    """Read a document from disk; every failure is an InputError naming the cause."""
    return decode(read_bytes(path), encoding)


def read_bytes(path: Path) -> bytes:
    """A file's bytes; every failure is an InputError naming the cause."""
    try:
        if path.is_symlink() and not path.exists():
            raise InputError("broken symlink")
        return path.read_bytes()
    except IsADirectoryError:
        raise InputError("is a directory") from None
    except FileNotFoundError:
        raise InputError("no such file") from None
    except PermissionError:
        raise InputError("permission denied (read)") from None
    except OSError as e:
        raise InputError(e.strerror or str(e)) from None


def write_atomic(
    path: Path, content: str, encoding: str, *, backup: str | None = None, sync_folder: bool = True
) -> Path:
    """Replace `path` with `content`: temp file in the same folder, fsync, rename.

    Keeps the file's permission bits; writes through a symlink to its target. A kill at
    any moment leaves the old file or the new one, never a mix; a failure leaves no temp.
    With `sync_folder=False` the caller syncs the folder (once for many files). Returns
    the file actually written (the symlink's target for a symlink).
    """
    target = path.resolve() if path.is_symlink() else path
    data = content.encode(encoding)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except OSError as e:
        raise InputError(e.strerror or str(e)) from None
    if backup:
        _copy(target, target.with_name(target.name + backup), mode)
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".emclean-tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise InputError(f"cannot write: {e.strerror or e}") from None
        raise
    if sync_folder:
        fsync_folder(target.parent)
    return target


def _copy(source: Path, backup: Path, mode: int) -> None:
    write_atomic_bytes(backup, source.read_bytes(), mode)


def write_atomic_bytes(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write bytes atomically (used for backups)."""
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".emclean-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def fsync_folder(folder: Path) -> None:
    """Make the renames in `folder` durable."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
