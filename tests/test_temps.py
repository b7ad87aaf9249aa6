"""Temp files a killed run left are removed only when their writer is surely gone.

One rule (`files.remove_if_stale`) for the temp files of `fix` (found by a walk) and of
`batch` (in an output folder): a temp file written on this machine, in this PID namespace,
goes as soon as its writer's PID is gone; one written on another machine or in another
container (its name says which) is never judged by the PIDs here, only by its age.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURES

from emclean import files

POST = FIXTURES / "site" / "_posts" / "2022-05-30-202205302396671645.md"
OTHER = "buildbox-0123abcd"  # another machine's (or container's) name in a temp file
HOUR = 3600


def dead_pid() -> int:
    """A PID that ran a moment ago and is gone now."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    return int(done.stdout)


def temp(folder: Path, *, pid: int, machine: str | None = None, age: float = 0) -> Path:
    path = files.temp_name(folder / "a.jsonl", pid=pid, machine=machine)
    path.write_bytes(b"half")
    if age:
        then = time.time() - age
        os.utime(path, (then, then))
    return path


def test_this_machine_dead_writer_removed_at_once_live_kept(tmp_path: Path) -> None:
    gone = temp(tmp_path, pid=dead_pid())
    mine = temp(tmp_path, pid=os.getpid())
    files.remove_stale_temps(tmp_path)
    assert (gone.exists(), mine.exists()) == (False, True)


def test_reused_pid_is_not_the_writer(tmp_path: Path) -> None:
    """The PID runs, but a process started after the file was last written: not its writer."""
    reused = temp(tmp_path, pid=os.getpid(), age=10 * 365 * 86400)
    files.remove_stale_temps(tmp_path)
    assert not reused.exists()


def test_another_machine_is_judged_by_age_only(tmp_path: Path) -> None:
    """Its PID means nothing here (dead here, alive there): kept while it may be written; gone
    once untouched for an hour."""
    live = temp(tmp_path, pid=dead_pid(), machine=OTHER, age=HOUR - 60)
    stale = temp(tmp_path, pid=dead_pid(), machine=OTHER, age=HOUR + 60)
    files.remove_stale_temps(tmp_path)
    assert (live.exists(), stale.exists()) == (True, False)


def test_old_names_are_judged_by_age_only(tmp_path: Path) -> None:
    """A temp file named by an earlier emclean (no machine): which machine wrote it is unknown."""
    fresh = tmp_path / f".a.jsonl.{dead_pid()}-0.emclean-tmp"
    old = tmp_path / f".b.jsonl.{dead_pid()}-0.emclean-tmp"
    for path in (fresh, old):
        path.write_bytes(b"half")
    os.utime(old, (0, 0))
    files.remove_stale_temps(tmp_path)
    assert (fresh.exists(), old.exists()) == (True, False)


def test_other_files_are_never_touched(tmp_path: Path) -> None:
    kept = [tmp_path / ".x.1-0.tmp", tmp_path / "a.jsonl", tmp_path / ".emclean-tmp", tmp_path / ".a.b.c.emclean-tmp"]
    for path in kept:
        path.write_bytes(b"x")
        os.utime(path, (0, 0))
    files.remove_stale_temps(tmp_path)
    assert all(path.exists() for path in kept)


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare(1)")
def test_another_pid_namespace_is_another_machine() -> None:
    """A container (here: a new PID namespace, same host name and boot) names its temp files
    differently, so neither side judges the other's by its own PIDs."""
    code = "from emclean import files; print(files._machine())"
    inside = subprocess.run(
        ["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-c", code],
        capture_output=True,
        check=False,
    )
    if inside.returncode != 0:
        pytest.skip(f"cannot make a PID namespace here: {inside.stderr.decode().strip()}")
    assert inside.stdout.decode().strip() != files._machine()


def emclean(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "emclean", *args], cwd=cwd, capture_output=True, check=False)


def test_batch_keeps_another_machines_temp_in_a_shared_output_folder(tmp_path: Path) -> None:
    """The Dask set-up: machines writing into one output folder. A run here removes its own
    machine's dead temp file and leaves the other machine's in-progress one alone."""
    out = tmp_path / "out"
    out.mkdir()
    theirs = temp(out, pid=dead_pid(), machine=OTHER)
    ours = temp(out, pid=dead_pid())
    shutil.copy(FIXTURES / "batch" / "articles.jsonl", tmp_path / "in.jsonl")
    done = emclean("batch", "in.jsonl", "-o", "out/", "-q", cwd=tmp_path)
    assert done.returncode in (0, 123), done.stderr
    assert (theirs.exists(), ours.exists()) == (True, False)


def test_fix_walk_keeps_another_machines_temp(tmp_path: Path) -> None:
    """`fix` (even `--check`) removes the same files, by the same rule."""
    shutil.copy(POST, tmp_path / POST.name)
    theirs = temp(tmp_path, pid=dead_pid(), machine=OTHER)
    ours = temp(tmp_path, pid=dead_pid())
    done = emclean("fix", "--check", "-q", ".", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert (theirs.exists(), ours.exists()) == (True, False)
