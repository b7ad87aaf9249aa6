"""Reading and writing documents: bounded reads of regular files, atomic in-place writes
that never overwrite an edit made meanwhile, and file names as messages show them."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import functools
import io
import itertools
import os
import re
import stat
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from . import charset, limits
from .document import might_be_eastmoney
from .errors import InputError, UsageError

#: the most bytes read from one input unless told otherwise (`--max-size`, EMCLEAN_MAX_SIZE):
#: a whole Eastmoney page is a few hundred KB; 64 MiB converts in ~9 s within 1 GB of memory
MAX_SIZE = limits.MAX_INPUT
MAX_SIZE_ENV = "EMCLEAN_MAX_SIZE"


@dataclass(frozen=True, slots=True)
class Stamp:
    """What a file was when it was read: if any of it differs later, someone changed it."""

    size: int
    mtime_ns: int
    inode: int
    device: int

    @classmethod
    def of(cls, st: os.stat_result) -> Stamp:
        """The stamp of a stat result."""
        return cls(st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


@dataclass(frozen=True, slots=True)
class Text:
    """A decoded document, how to encode it back byte for byte, and what its file was."""

    content: str  # without its BOM
    encoding: str
    stamp: Stamp | None = None  # None for a stream (stdin, a FIFO)
    bom: bool = False  # the bytes started with a byte order mark (written back with it)


def decode(data: bytes, encoding: str | None = None) -> Text:
    """Bytes → text: a BOM, `encoding`, an HTML declaration, else UTF-8 (see `charset`).
    Binary data and bytes that are not valid in that encoding raise InputError."""
    content, codec, bom = charset.decode(data, encoding)
    return Text(content, codec, bom=bom)


def may_have_markup(data: bytes) -> bool:
    """False only for readable text that surely has no Eastmoney markup, seen from its raw
    bytes (no decoding). Binary data says True, so that reading it reports it; so does
    UTF-16/32: its ASCII (all markup is ASCII) comes with NUL bytes."""
    return charset.binary(data) or might_be_eastmoney(data)


def max_size(value: str | None = None) -> int:
    """The read limit: `value` (a `--max-size`), else $EMCLEAN_MAX_SIZE, else 64 MiB."""
    for given, where in ((value, "--max-size"), (os.environ.get(MAX_SIZE_ENV), MAX_SIZE_ENV)):
        if given:
            try:
                return limits.parse_size(given)
            except ValueError as e:
                raise UsageError(f"{where}: {e}") from None
    return MAX_SIZE


def read(path: Path, encoding: str | None = None, *, limit: int = MAX_SIZE, streams: bool = False) -> Text:
    """Read and decode a document (see `read_bytes`), stamped with what its file was."""
    data, st = _load(path, limit, streams)
    content, codec, bom = charset.decode(data, encoding)
    return Text(content, codec, Stamp.of(st) if st else None, bom)


def read_bytes(path: Path, *, limit: int = MAX_SIZE, streams: bool = False) -> bytes:
    """A file's bytes; every failure is an InputError naming the cause.

    Only a regular file is read, and at most `limit` bytes of it, unless `streams`: then a
    FIFO or a device (a file named on the command line) is read to its end, as far as the
    limit. Opening never waits (a FIFO without a writer is an error, not a hang).
    """
    return _load(path, limit, streams)[0]


def read_input(source: str, encoding: str | None = None, *, limit: int = MAX_SIZE) -> Text:
    """A document named on the command line: a file (or FIFO, or device), or stdin for "-"."""
    if source == "-":
        return decode(read_stream(sys.stdin.buffer, limit), encoding)
    return read(Path(source), encoding, limit=limit, streams=True)


def read_stream(stream: BinaryIO, limit: int = MAX_SIZE) -> bytes:
    """All of a stream, as far as `limit` bytes (InputError beyond)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(_too_big(limit))
    return data


def open_file(path: Path) -> BinaryIO:
    """A regular file (or a symlink to one) opened for reading, as `read` opens it: anything
    else (a FIFO, a device, a folder) is an InputError, and opening never waits."""
    fd, st = _open(path)
    try:
        if not stat.S_ISREG(st.st_mode):
            raise InputError(_not_regular(st.st_mode))
        os.set_blocking(fd, True)
        return open(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def open_stream(path: Path) -> BinaryIO:
    """A FIFO named by the user, opened for reading as `read` reads one: with no program
    writing to it an InputError, not a wait. The bytes already read stay in the stream."""
    fd, st = _open(path)
    try:
        if not stat.S_ISFIFO(st.st_mode):
            raise InputError(_not_regular(st.st_mode))
        first = _first_of_fifo(fd)
        os.set_blocking(fd, True)
        return io.BufferedReader(_Prefixed(first, open(fd, "rb", buffering=0)))
    except OSError as e:
        os.close(fd)
        raise InputError(e.strerror or str(e)) from None
    except BaseException:
        os.close(fd)
        raise


class _Prefixed(io.RawIOBase):
    """A raw stream that gives `first`, then the rest of `raw`."""

    def __init__(self, first: bytes, raw: BinaryIO) -> None:
        self.first = memoryview(first)
        self.raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.first:
            n = min(len(buffer), len(self.first))
            buffer[:n] = self.first[:n]
            self.first = self.first[n:]
            return n
        return self.raw.readinto(buffer)  # type: ignore[attr-defined,no-any-return]

    def close(self) -> None:
        self.raw.close()
        super().close()


def _first_of_fifo(fd: int) -> bytes:
    """The first bytes of a FIFO opened without waiting (b"" if a writer has written none
    yet); InputError if no program is writing to it."""
    try:
        first = os.read(fd, 1 << 16)
    except BlockingIOError:  # a writer, no data yet: wait for it
        return b""
    if not first:
        raise InputError("a FIFO that no program is writing to: nothing to read (start the writer first)")
    return first


def special(path: Path) -> str | None:
    """What `path` is (or points at) if it is neither a regular file nor a folder: "a FIFO",
    "a character device"...; else None. A walk never opens one (a FIFO would wait, a device
    never end)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # (opening it says why)
    return None if stat.S_ISREG(mode) or stat.S_ISDIR(mode) else _kind(mode)


def _open(path: Path) -> tuple[int, os.stat_result]:
    """`path` opened for reading without waiting (O_NONBLOCK), and its stat; InputError if not."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0))
    except IsADirectoryError:
        raise InputError("is a directory") from None
    except FileNotFoundError:
        raise InputError("broken symlink" if os.path.islink(path) else "no such file") from None
    except PermissionError:
        raise InputError("permission denied (read)") from None
    except OSError as e:
        raise InputError(e.strerror or str(e)) from None
    try:
        return fd, os.fstat(fd)
    except OSError as e:
        os.close(fd)
        raise InputError(e.strerror or str(e)) from None


def _load(path: Path, limit: int, streams: bool) -> tuple[bytes, os.stat_result | None]:
    """The bytes of `path` (see `read_bytes`) and its stat, None for a stream."""
    fd, st = _open(path)
    try:
        if stat.S_ISREG(st.st_mode):
            return _read_file(fd, st.st_size, limit), st
        if stat.S_ISDIR(st.st_mode) or not streams:
            raise InputError(_not_regular(st.st_mode))
        return _read_pipe(fd, st.st_mode, limit), None
    except OSError as e:
        raise InputError(e.strerror or str(e)) from None
    finally:
        os.close(fd)


def _not_regular(mode: int) -> str:
    return "is a directory" if stat.S_ISDIR(mode) else f"not a regular file ({_kind(mode)})"


def _read_file(fd: int, size: int, limit: int) -> bytes:
    """A regular file whole, with the fewest system calls (a tree of posts is read whole)."""
    if size > limit:
        raise InputError(_too_big(limit, size))
    data = os.read(fd, size + 1)
    if len(data) <= size:  # all of it (less only if the file shrank meanwhile)
        return data
    return _read_rest(fd, [data], len(data), limit)  # it grew (or is a /proc file): read on


def _read_pipe(fd: int, mode: int, limit: int) -> bytes:
    """A FIFO or a device, to its end. A FIFO nobody writes to is an error, not a wait."""
    first = _first_of_fifo(fd) if stat.S_ISFIFO(mode) else b""
    os.set_blocking(fd, True)
    return _read_rest(fd, [first], len(first), limit)


def _read_rest(fd: int, parts: list[bytes], total: int, limit: int) -> bytes:
    while total <= limit and (chunk := os.read(fd, min(1 << 20, limit + 1 - total))):
        parts.append(chunk)
        total += len(chunk)
    if total > limit:
        raise InputError(_too_big(limit))
    return b"".join(parts)


def _too_big(limit: int, size: int | None = None) -> str:
    if size is None:
        what, most = "more than", limits.size(limit)
    else:
        shown_size, most = limits.sizes(size, limit)
        what = f"{shown_size}, more than"
    return f"too large: {what} the {most} limit (--max-size or {MAX_SIZE_ENV} raise it)"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


# Characters a message shows escaped inside a quoted name (beyond what is not printable).
_QUOTED = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def shown(name: str | os.PathLike[str]) -> str:
    """A file name as every message and record shows it: as it is when printable; else quoted
    ('…'), with control characters escaped (\\n, \\x1b, \\u0085) and each byte that is not
    UTF-8 as `\\xNN` (80–ff). Always one line, encodable as UTF-8, whatever the name's bytes;
    two quoted names never look the same."""
    text = os.fspath(name)
    if text.isprintable():
        return text
    return "'" + "".join(ch if ch.isprintable() and ch not in _QUOTED else _escape(ch) for ch in text) + "'"


def _escape(ch: str) -> str:
    code = ord(ch)
    if ch in _QUOTED:
        return _QUOTED[ch]
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8 (os.fsdecode's surrogate escape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x80:  # an ASCII control character (a byte below 0x80 is always UTF-8)
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


@dataclass(frozen=True, slots=True)
class Staged:
    """A new version written to a temp file next to its target: not yet durable, not in place.

    Together, `stage` then `commit` replace a file atomically: temp file in the same folder,
    fsync, rename. Permission bits are kept; a symlink is written through to its target. A
    kill at any moment leaves the old file or the new one, never a mix; a failure leaves no
    temp file. If the target is no longer the file that was read (`expect`), it is left as
    it is. The caller syncs the folder afterwards (once for many files).

    This is the one place that writes a document (a rename on write: see the notes of `commit`).
    """

    target: Path
    tmp: Path
    fd: int
    expect: Stamp | None = None
    #: the file a new file takes the place of (removed once the new one is in place)
    replacing: Path | None = None


def stage(
    path: Path,
    content: str,
    encoding: str,
    *,
    bom: bool = False,
    backup: str | None = None,
    expect: Stamp | None = None,
    replacing: Path | None = None,
) -> Staged:
    """The first half of an atomic write: the backup (if asked) and the temp file, written.

    Finish with `commit` (or `abandon`): it does the waiting (fsync) and the rename; `flush`
    first, for many staged files at once. `encoding` and `bom` are the file's (`Text`): a
    character it cannot hold is an InputError, never replaced. `expect` is the stamp of the
    file as it was read (`Text.stamp`): `commit` leaves the file alone if it changed since.
    With `replacing`, `path` is a new file that takes the place of that one (its permission
    bits, its backup, its stamp); `commit` never overwrites an existing `path`, and removes
    `replacing` only once `path` is in place.
    """
    original = replacing or path
    original = original.resolve() if original.is_symlink() else original
    target = path if replacing else original
    data = charset.encode(content, encoding, bom)
    try:
        mode = stat.S_IMODE(original.stat().st_mode)
    except OSError as e:
        raise InputError(e.strerror or str(e)) from None
    try:
        if backup:
            commit(_temp(original.with_name(original.name + backup), original.read_bytes(), mode))
        return dataclasses.replace(_temp(target, data, mode, expect), replacing=replacing)
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
    """Make a staged file durable (fsync) and put it in place (rename); the target's path.

    Just before the rename, the target is checked against the stamp it was read with: if it
    was edited, replaced or removed meanwhile, the new version is dropped and InputError says
    so. (To rename on write, `a.html` → `a.md`: stage and commit the new name, then remove
    the old one only if it still has its stamp; a kill in between leaves both, never neither.)
    """
    try:
        try:
            os.fsync(staged.fd)
        finally:
            os.close(staged.fd)
        if staged.expect is not None:
            _still(staged.replacing or staged.target, staged.expect)
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


def _still(target: Path, expect: Stamp) -> None:
    """Raise InputError unless `target` is still the file stamped `expect`."""
    try:
        now = Stamp.of(os.stat(target))
    except FileNotFoundError:
        raise InputError("removed while emclean ran: not written back") from None
    if now != expect:
        raise InputError("changed underneath (edited while emclean ran): left as it is; run again")


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
#: suffix of emclean's temp files
TEMP_SUFFIX = ".emclean-tmp"
# `.NAME.MACHINE.PID-N.emclean-tmp`: the machine (see `_machine`) and process that wrote it
_TEMP = re.compile(r"\..+\.(?P<machine>[A-Za-z0-9_-]*-[0-9a-f]{8})\.(?P<pid>[0-9]+)-[0-9]+" + re.escape(TEMP_SUFFIX))
# `.NAME.PID-N.emclean-tmp`: written by an earlier emclean, machine unknown
_OLD_TEMP = re.compile(r"\..+\.[0-9]+-[0-9]+" + re.escape(TEMP_SUFFIX))
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
#: a temp file of another machine (or container) untouched this long has no writer left
FOREIGN_STALE_AFTER = 3600.0


def temp_name(path: Path, pid: int | None = None, machine: str | None = None) -> Path:
    """The name of a new temp file for `path`: `.NAME.MACHINE.PID-N.emclean-tmp` beside it."""
    pid = os.getpid() if pid is None else pid
    return path.with_name(f".{path.name}.{machine or _machine()}.{pid}-{next(_TEMP_NAMES)}{TEMP_SUFFIX}")


@functools.cache
def _machine() -> str:
    """Who may judge a temp file by its PID: the host name (its first label, for people to
    read) and a digest of the host name, the boot and the PID namespace (a container, or a
    host after a reboot, differs: its PIDs mean nothing here)."""
    import hashlib
    import socket

    host = socket.gethostname()
    facts = [host]
    with contextlib.suppress(OSError):
        facts.append(Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip())
    with contextlib.suppress(OSError):
        facts.append(os.readlink("/proc/self/ns/pid"))
    digest = hashlib.blake2b("\0".join(facts).encode("utf-8", "replace"), digest_size=4).hexdigest()
    label = re.sub(r"[^A-Za-z0-9_-]", "", host.split(".")[0])[:16]
    return f"{label}-{digest}"


def remove_stale_temps(folder: Path) -> None:
    """Remove the temp files in `folder` that no running writer will finish (see `remove_if_stale`)."""
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX):
                remove_if_stale(Path(entry.path))


def remove_if_stale(path: Path) -> None:
    """Remove emclean's temp file `path` if its writer is surely gone: it was written on this
    machine (and PID namespace) by a process that no longer runs (or is a zombie, or whose PID
    now belongs to a process started after the file was written); or, written elsewhere (or by
    an earlier emclean), it has not been touched for an hour. Anything else is left alone."""
    name = path.name
    m = _TEMP.fullmatch(name)
    if m is None and _OLD_TEMP.fullmatch(name) is None:
        return
    try:
        mtime = path.stat(follow_symlinks=False).st_mtime
        if m is not None and m.group("machine") == _machine():
            stale = _writer_gone(int(m.group("pid")), mtime)
        else:
            stale = time.time() - mtime > FOREIGN_STALE_AFTER
        if stale:
            path.unlink()
    except OSError:
        pass


def _writer_gone(pid: int, written: float) -> bool:
    """True if no process with this PID (of this machine) can be the one that wrote a file at
    `written`: none runs, a zombie, or one that started later (the PID was reused)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, another user's
        pass
    try:
        fields = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
        if fields[0] in (b"Z", b"X"):
            return True
        started = _boot_time() + int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22, starttime
    except (OSError, IndexError, ValueError):
        return False
    return started > written + 2.0  # (the boot time is known to the second)


@functools.cache
def _boot_time() -> float:
    """When this machine booted, in seconds since the epoch (from /proc/stat)."""
    for line in Path("/proc/stat").read_text(encoding="ascii").splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    raise ValueError("no btime in /proc/stat")


def _temp(path: Path, data: bytes, mode: int, expect: Stamp | None = None) -> Staged:
    """A new temp file next to `path` holding `data` with permission bits `mode`."""
    staged = None
    try:  # (a signal while it is being made leaves no temp file)
        while staged is None:
            tmp = temp_name(path)
            with contextlib.suppress(FileExistsError):
                staged = Staged(path, tmp, os.open(tmp, _NEW_FILE, 0o600), expect)
        view = memoryview(data)
        while view:
            view = view[os.write(staged.fd, view) :]
        os.fchmod(staged.fd, mode)
    except BaseException:
        if staged is not None:
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
