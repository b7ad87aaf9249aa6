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
