"""Killing `emclean fix` at any moment leaves every file wholly old or wholly new."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURES

import emclean

POSTS = sorted((FIXTURES / "site" / "_posts").iterdir())
COPIES = 600  # × 5 posts: long enough to be caught in the middle on any machine


def make_tree(root: Path) -> dict[Path, tuple[bytes, bytes]]:
    """A tree of posts; for each file, its bytes before and after `fix`."""
    versions = {}
    for post in POSTS:
        old = post.read_bytes()
        as_fix = emclean.Options(to=emclean.Target.AUTO)  # .html stays HTML, as `fix` writes it
        new = emclean.convert(old.decode("utf-8"), as_fix, name=post.name).markdown.encode("utf-8")
        versions[post.name] = (old, new)
    expected = {}
    for n in range(COPIES):
        folder = root / f"{n // 100:02d}"
        folder.mkdir(exist_ok=True)
        for post in POSTS:
            path = folder / f"{n:04d}-{post.name}"
            path.write_bytes(versions[post.name][0])
            expected[path] = versions[post.name]
    return expected


def stop_midway(root: Path, expected: dict[Path, tuple[bytes, bytes]], sig: int, jobs: str) -> int:
    proc = subprocess.Popen(
        [sys.executable, "-m", "emclean", "fix", "-q", "--jobs", jobs, str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    watched = sorted(p for p, (old, new) in expected.items() if old != new)
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if any(p.read_bytes() != expected[p][0] for p in watched[:: max(1, len(watched) // 50)]):
            break
        time.sleep(0.005)
    if proc.poll() is not None:
        proc.wait()
        pytest.skip("the run finished before it could be interrupted (machine too fast for this tree)")
    os.kill(proc.pid, sig)
    proc.wait(timeout=60)
    return proc.returncode


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "jobs"),
    [(signal.SIGINT, "2"), (signal.SIGTERM, "2"), (signal.SIGKILL, "2"), (signal.SIGINT, "1"), (signal.SIGTERM, "1")],
    ids=["INT", "TERM", "KILL", "INT-in-process", "TERM-in-process"],
)
def test_every_file_is_old_or_new(tmp_path: Path, sig: int, jobs: str) -> None:
    """After the signal, each file holds its old or its new bytes; INT/TERM leave no temp file.

    With `--jobs 1` the signal lands in the middle of a batch in this very process: its staged
    files must be removed, not left behind or half put in place."""
    expected = make_tree(tmp_path)
    code = stop_midway(tmp_path, expected, sig, jobs)
    states = {"old": 0, "new": 0}
    for path, (old, new) in expected.items():
        data = path.read_bytes()
        assert data in (old, new), f"{path} is neither the old nor the new file"
        states["old" if data == old and old != new else "new"] += 1
    assert states["old"], "the run was not stopped in the middle"
    assert states["new"], "the run was not stopped in the middle"
    leftovers = [p for p in tmp_path.rglob("*") if p.name.endswith(".emclean-tmp")]
    if sig != signal.SIGKILL:
        assert code == 130
        assert leftovers == []


def children(parent: int) -> list[int]:
    """The PIDs of the processes whose parent is `parent` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    """True if the process runs (a zombie, dead but not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
@pytest.mark.parametrize("group", [False, True], ids=["parent", "process-group"])
def test_sigkill_leaves_no_worker_and_the_next_run_no_temp_file(tmp_path: Path, group: bool) -> None:
    """SIGKILL of `fix` (of the parent alone, or of its process group as `kill -9 -PGID` does):
    no worker survives it, and the next run removes every temp file left behind (at once:
    their writers' PIDs are gone) and finishes the job."""
    expected = make_tree(tmp_path)
    command = [sys.executable, "-m", "emclean", "fix", "-q", "--jobs", "2", str(tmp_path)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=group)
    watched = sorted(p for p, (old, new) in expected.items() if old != new)[::50]
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if len(workers) < 2:
            workers = children(proc.pid)
        elif any(p.read_bytes() != expected[p][0] for p in watched):
            break
        time.sleep(0.005)
    if proc.poll() is not None:
        pytest.skip("the run finished before it could be killed (machine too fast for this tree)")
    assert len(workers) == 2
    if group:
        os.killpg(proc.pid, signal.SIGKILL)
    else:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    deadline = time.monotonic() + 10
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [w for w in workers if alive(w)], "a worker outlived its parent"
    done = subprocess.run(command, capture_output=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    assert [p for p in tmp_path.rglob("*") if p.name.endswith(".emclean-tmp")] == []
    assert all(path.read_bytes() == new for path, (_, new) in expected.items())
