"""Reading and writing documents: encodings, binary data, atomic in-place writes."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import functools
import itertools
import os
import stat
import sys
from collections.abc import Callable
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
        return slurp(path)
    except IsADirectoryError:
        raise InputError("is a directory") from None
    except FileNotFoundError:
        raise InputError("broken symlink" if path.is_symlink() else "no such file") from None
    except PermissionError:
        raise InputError("permission denied (read)") from None
    except OSError as e:
        raise InputError(e.strerror or str(e)) from None


def slurp(path: Path) -> bytes:
    """A file's bytes, read with the fewest system calls (a tree of posts is read whole)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)
        if len(data) <= size:  # all of it (less only if the file shrank meanwhile)
            return data
        parts = [data]  # it grew, or it is not a regular file: read on to the end
        while chunk := os.read(fd, 1 << 20):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class Staged:
    """A new version written to a temp file next to its target: not yet durable, not in place.

    Together, `stage` then `commit` replace a file atomically: temp file in the same folder,
    fsync, rename. Permission bits are kept; a symlink is written through to its target. A
    kill at any moment leaves the old file or the new one, never a mix; a failure leaves no
    temp file. The caller syncs the folder afterwards (once for many files).
    """

    target: Path
    tmp: Path
    fd: int
    #: the file a new file takes the place of (removed once the new one is in place)
    replacing: Path | None = None


def stage(
    path: Path, content: str, encoding: str, *, backup: str | None = None, replacing: Path | None = None
) -> Staged:
    """The first half of an atomic write: the backup (if asked) and the temp file, written.

    Finish with `commit` (or `abandon`): it does the waiting (fsync) and the rename; `flush`
    first, for many staged files at once. With `replacing`, `path` is a new file that takes
    the place of that one (its permission bits, its backup); `commit` never overwrites
    an existing `path`, and removes `replacing` only once `path` is in place.
    """
    original = replacing or path
    original = original.resolve() if original.is_symlink() else original
    target = path if replacing else original
    data = content.encode(encoding)
    try:
        mode = stat.S_IMODE(original.stat().st_mode)
    except OSError as e:
        raise InputError(e.strerror or str(e)) from None
    try:
        if backup:
            commit(_temp(original.with_name(original.name + backup), original.read_bytes(), mode))
        return dataclasses.replace(_temp(target, data, mode), replacing=replacing)
    except OSError as e:
        raise _write_error(e) from None


def create(path: Path) -> Staged:
    """The first half of an atomic write of a file made piece by piece (a dataset shard):
    an empty temp file next to `path`, open for writing at `Staged.fd`, with the permission
    bits of the file it replaces (the umask's for a new file). Finish with `commit`, or
    `abandon`; a kill before the rename leaves `path` as it was."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    except OSError as e:
        raise _write_error(e) from None
    try:
        return _temp(path, b"", mode)
    except OSError as e:
        raise _write_error(e) from None


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def flush(staged: list[Staged]) -> None:
    """Hand the data of many staged files to the disk at once (`sync_file_range`, Linux), so
    that the first `commit`'s journal commit covers them all instead of one commit per file.

    Only a speed-up, touching nothing but these files: `commit` still fsyncs each file and
    reports its errors (the idea of git's `core.fsyncMethod=batch`).
    """
    start = _start_writeback()
    if start is None or len(staged) < 2:
        return
    for item in staged:
        start(item.fd)  # a failure shows in the file's fsync


@functools.cache
def _start_writeback() -> Callable[[int], object] | None:
    """`fd` → start writing its dirty pages out, without waiting (Linux's `sync_file_range`)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        sync_file_range = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    sync_file_range.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
    write = 2  # SYNC_FILE_RANGE_WRITE: start writeback of the whole file, do not wait
    return lambda fd: sync_file_range(fd, 0, 0, write)


def commit(staged: Staged) -> Path:
    """Make a staged file durable (fsync) and put it in place (rename); the target's path."""
    try:
        try:
            os.fsync(staged.fd)
        finally:
            os.close(staged.fd)
        if staged.replacing is None:
            os.replace(staged.tmp, staged.target)
        else:
            _place_new(staged.tmp, staged.target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(staged.tmp)
        if isinstance(e, FileExistsError):
            raise InputError(f"{staged.target.name} exists: not replaced") from None
        if isinstance(e, OSError):
            raise _write_error(e) from None
        raise
    if staged.replacing is not None:
        fsync_folder(staged.target.parent)  # the new file is there for good before the old goes
        try:
            os.unlink(staged.replacing)
        except OSError as e:
            raise InputError(f"wrote {staged.target.name}, but could not remove this file: {e.strerror}") from None
    return staged.target


def _place_new(tmp: Path, target: Path) -> None:
    """Give `tmp` the name `target`, which must not exist (a hard link never overwrites)."""
    try:
        os.link(tmp, target)
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS):
            raise
        if os.path.lexists(target):  # a file system without hard links
            raise FileExistsError(errno.EEXIST, "exists", str(target)) from None
        os.rename(tmp, target)
    else:
        os.unlink(tmp)


def abandon(staged: Staged) -> None:
    """Drop a staged file: the target stays as it was."""
    with contextlib.suppress(OSError):
        os.close(staged.fd)
    with contextlib.suppress(OSError):
        os.unlink(staged.tmp)


def _write_error(e: OSError) -> InputError:
    if isinstance(e, PermissionError):
        return InputError("permission denied (write)")
    return InputError(f"cannot write: {e.strerror or e}")


_TEMP_NAMES = itertools.count()


def _temp(path: Path, data: bytes, mode: int) -> Staged:
    """A new temp file next to `path` holding `data` with permission bits `mode`."""
    while True:
        tmp = path.with_name(f".{path.name}.{os.getpid()}-{next(_TEMP_NAMES)}.emclean-tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            break
        except FileExistsError:
            continue
    staged = Staged(path, tmp, fd)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fchmod(fd, mode)
    except BaseException:
        abandon(staged)
        raise
    return staged


def fsync_folder(folder: Path) -> None:
    """Make the renames in `folder` durable."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
