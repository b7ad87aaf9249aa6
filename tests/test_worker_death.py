"""A worker process that dies (the OOM killer, `kill -9`) ends every command at once, on one line.

Real runs, real workers: each test starts `emclean` on enough input to keep its two workers
busy, kills one of them with SIGKILL and expects the parent to end within seconds with exit 2
and one line on stderr naming the cause, never a hang or a traceback.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from test_interrupt import alive, children, make_tree

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the workers in /proc"),
]

KEYTIP = '<span id="stock_1.600519"><a class="keytip" data-code="1,600519">贵州茅台</a></span>'
#: how long the parent may take to end once a worker is dead (it used to hang for ever)
PROMPTLY = 30.0


def start(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    """`emclean ARGS` with two workers, in its own process group (to clean up after a hang)."""
    return subprocess.Popen(
        [sys.executable, "-m", "emclean", *args, "--jobs", "2"],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def kill_a_worker(proc: subprocess.Popen[bytes], busy: Callable[[], bool] = lambda: True) -> int:
    """Wait for both workers (and `busy()`), then SIGKILL one of them; its PID."""
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while proc.poll() is None and time.monotonic() < deadline:
        workers = [w for w in children(proc.pid) if alive(w)]
        if len(workers) >= 2 and busy():
            break
        time.sleep(0.01)
    if proc.poll() is not None:
        pytest.skip("the run finished before a worker could be killed (machine too fast for this input)")
    assert len(workers) >= 2, "no workers started"
    time.sleep(0.3)  # well into the work: pieces queued for both workers
    os.kill(workers[-1], signal.SIGKILL)
    return workers[-1]


def ending(proc: subprocess.Popen[bytes]) -> tuple[int, str]:
    """The exit code and stderr of a run that must end promptly (killed, and failed, if not)."""
    try:
        _, err = proc.communicate(timeout=PROMPTLY)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"still running {PROMPTLY:.0f} s after a worker died")
    return proc.returncode, err.decode("utf-8", "replace")


def assert_one_line(code: int, err: str) -> None:
    assert err.splitlines() == ["emclean: a worker process died (killed by SIGKILL: out of memory?); the run stopped"]
    assert code == 2, err


def test_fix(tmp_path: Path) -> None:
    """`fix`: exit 2 and one line; every file wholly old or wholly new; the next run removes the
    temp files the dead workers left and finishes the job."""
    expected = make_tree(tmp_path)
    watched = sorted(p for p, (old, new) in expected.items() if old != new)[::50]
    proc = start(["fix", "-q", "."], tmp_path)
    kill_a_worker(proc, lambda: any(p.read_bytes() != expected[p][0] for p in watched))
    code, err = ending(proc)
    assert_one_line(code, err)
    for path, (old, new) in expected.items():
        assert path.read_bytes() in (old, new), f"{path} is neither the old nor the new file"
    again = subprocess.run(
        [sys.executable, "-m", "emclean", "fix", "-q", "."], cwd=tmp_path, capture_output=True, check=False
    )
    assert again.returncode == 0, again.stderr
    assert [p for p in tmp_path.rglob("*") if p.name.endswith(".emclean-tmp")] == []


def test_entities(tmp_path: Path) -> None:
    """`entities` (the workers only read): the same one line, exit 2, nothing half printed."""
    make_tree(tmp_path)
    proc = start(["entities", "--format", "jsonl", "."], tmp_path)
    kill_a_worker(proc)
    assert_one_line(*ending(proc))


def big_shard(path: Path, records: int = 1200) -> None:
    """A JSON Lines shard of ~16 KB records: pieces of ~1 MB, larger than a pipe holds."""
    body = "<p>" + ("正文的一段文字，" * 60 + KEYTIP) * 12 + "</p>"
    with path.open("w", encoding="utf-8") as f:
        for n in range(records):
            f.write(json.dumps({"id": n, "html": body}, ensure_ascii=False) + "\n")


def test_batch(tmp_path: Path) -> None:
    """`batch`: the same line and exit code; no output shard half written, no temp file left."""
    (tmp_path / "in").mkdir()
    for n in range(2):
        big_shard(tmp_path / "in" / f"part-{n}.jsonl")
    proc = start(["batch", "in", "-o", "out/", "-q"], tmp_path)
    kill_a_worker(proc)
    assert_one_line(*ending(proc))
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".emclean-tmp")]
    for shard in (tmp_path / "out").glob("*.jsonl"):  # a shard written before is whole
        assert len(shard.read_bytes().splitlines()) == 1200


def test_sigterm_still_stops_a_run(tmp_path: Path) -> None:
    """The parent still ends on SIGTERM (exit 130) with its workers alive and busy."""
    (tmp_path / "in").mkdir()
    big_shard(tmp_path / "in" / "part.jsonl")
    proc = start(["batch", "in", "-o", "out/", "-q"], tmp_path)
    deadline = time.monotonic() + 60
    while proc.poll() is None and len(children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    if proc.poll() is not None:
        pytest.skip("the run finished before it could be stopped")
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGTERM)
    code, err = ending(proc)
    assert code == 130, err
    assert "Traceback" not in err, err


POISONED = textwrap.dedent(
    """
    import os, signal, struct, sys, time
    from emclean import parallel
    from emclean.errors import WorkerDied

    def work(batch):
        if batch == [0]:  # dies while sending its result: a header, half a message, the lock held
            frame = sys._getframe(1)
            while frame.f_code.co_name != "_process_worker":
                frame = frame.f_back
            queue = frame.f_locals["result_queue"]
            queue._wlock.acquire()
            queue._writer._send(struct.pack("!i", 1000) + b"x" * 10)
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.05)
        return batch

    try:
        parallel.run(work, list(range(40)), 2, lambda r: None, chunk=1)
    except WorkerDied as e:
        print(e)
    """
)


def test_a_worker_killed_while_sending_its_result() -> None:
    """The pool's own thread never notices that death (it waits for the rest of the message,
    and the other worker for the lock the dead one held): the run still ends at once."""
    command = [sys.executable, "-c", POISONED]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=PROMPTLY)
    assert done.stdout == "a worker process died (killed by SIGKILL: out of memory?); the run stopped\n", done.stderr
    assert done.returncode == 0, done.stderr
