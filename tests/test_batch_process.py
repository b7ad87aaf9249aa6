"""`emclean batch` as a real process: killed midway it leaves no half shard; on a terminal it
shows a progress bar."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from datasets import write_shards

SHARDS, PER_SHARD = 5, 200


def batch(*args: str) -> list[str]:
    return [sys.executable, "-m", "emclean", "batch", *args]


def shard_files(folder: Path) -> dict[str, bytes]:
    """The output shards in a folder (temp files, hidden, left out)."""
    return {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".")} if folder.exists() else {}


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["KILL", "INT"])
def test_a_stopped_run_leaves_whole_shards_and_resume_finishes(tmp_path: Path, sig: int) -> None:
    """Stopped midway, every output shard present is whole (byte for byte the shard a full run
    writes); SIGINT also leaves no temp file. --resume then writes exactly the missing shards."""
    write_shards(tmp_path / "in", SHARDS, PER_SHARD)
    subprocess.run(batch(str(tmp_path / "in"), "-o", f"{tmp_path / 'ref'}/", "-q", "-j", "2"), check=False)
    reference = shard_files(tmp_path / "ref")
    assert len(reference) == SHARDS

    out = tmp_path / "out"
    proc = subprocess.Popen(
        batch(str(tmp_path / "in"), "-o", f"{out}/", "-q", "-j", "2"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # SIGKILL takes the workers too, as a crash of the machine would
    )
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        names = [p.name for p in out.iterdir()] if out.exists() else []
        if len(names) >= 2 and any(not n.startswith(".") for n in names):  # a shard out, another begun
            break
        time.sleep(0.002)
    if proc.poll() is not None:
        pytest.skip("the run finished before it could be stopped (machine too fast for this dataset)")
    if sig == signal.SIGKILL:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    code = proc.wait(timeout=60)

    done = shard_files(out)
    assert 0 < len(done) < SHARDS, "the run was not stopped in the middle"
    for name, data in done.items():
        assert data == reference[name], f"{name} is not whole"
    temps = [p.name for p in out.iterdir() if p.name.endswith(".emclean-tmp")]
    if sig == signal.SIGINT:
        assert code == 130
        assert temps == []

    before = {name: (out / name).stat().st_mtime_ns for name in done}
    resumed = subprocess.run(
        batch(str(tmp_path / "in"), "-o", f"{out}/", "--resume", "-j", "2"), capture_output=True, check=False
    )
    assert resumed.returncode == 123  # the dataset's bad records, in the shards written now
    assert f"{len(done)} skipped as done" in resumed.stderr.decode()
    assert shard_files(out) == reference
    assert {name: (out / name).stat().st_mtime_ns for name in done} == before
    assert [p.name for p in out.iterdir() if p.name.endswith(".emclean-tmp")] == []  # stale temps removed


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    """With stderr on a terminal, a progress bar shows records per second and errors."""
    write_shards(tmp_path / "in", 2, 800)
    main, secondary = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        batch(str(tmp_path / "in"), "-o", f"{tmp_path / 'out'}/", "-j", "1"),
        stdout=subprocess.DEVNULL,
        stderr=secondary,
        env=env,
    )
    os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    os.close(main)
    assert proc.wait(timeout=60) == 123
    screen = seen.decode("utf-8", "replace")
    bar = [line for line in screen.split("\r") if "emclean batch" in line and " errors" in line]
    assert bar, screen
    assert " records/s, " in bar[-1]
