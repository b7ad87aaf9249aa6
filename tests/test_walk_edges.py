"""Walks never skip a folder unsaid and never open a FIFO or a device; `batch` as `fix` does.

An unreadable folder is one line naming it (`permission denied (read)`) and a failed run: 123
for `fix` and `entities` (as an unreadable file), 2 for `batch` (as an unusable input, before
any work). A FIFO or a device is never opened by a walk; named to `batch`, a FIFO is read once
as stdin is (`batch <(zcat x.jsonl.gz)`), without a writer it is refused at once (it would wait
for ever), and a device is refused.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES

POST = FIXTURES / "site" / "_posts" / "2022-05-30-202205302396671645.md"  # carries keytips
RECORD = '{"id": 1, "html": "<p>x</p>"}\n'


def unprivileged() -> list[str]:
    """The command prefix that makes permissions count: root without the capabilities that
    let it read every folder (it still reads its own checkout, wherever that is)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv(1): permissions cannot be tested")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def emclean(*args: str, cwd: Path, user: list[str] | None = None) -> tuple[int, str]:
    done = subprocess.run(
        [*(user or []), sys.executable, "-m", "emclean", *args],
        cwd=cwd,
        capture_output=True,
        check=False,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    return done.returncode, done.stderr.decode("utf-8", "replace")


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder any user can enter (pytest's own are private to the user running it)."""
    root = Path(tempfile.mkdtemp(prefix="emclean-walk-"))
    root.chmod(0o755)
    yield root
    for folder, _, _ in os.walk(root):
        os.chmod(folder, 0o755)
    shutil.rmtree(root)


def site_with_locked_folder(root: Path) -> Path:
    posts = root / "s" / "_posts"
    (posts / "sub").mkdir(parents=True)
    shutil.copy(POST, posts / "sub" / "2024-01-01-x.md")
    (posts / "2024-01-01-ok.md").write_text("ok\n", encoding="utf-8")
    for path in (root / "s", posts, posts / "sub"):
        path.chmod(0o755)
    for path in (posts / "2024-01-01-ok.md", posts / "sub" / "2024-01-01-x.md"):
        path.chmod(0o644)
    (posts / "sub").chmod(0)
    return posts / "sub"


@pytest.mark.parametrize(
    "command", [["fix", "--check", "-q"], ["fix", "-q"], ["entities"]], ids=["check", "fix", "entities"]
)
def test_unreadable_folder_fails_the_tree_walk(shared: Path, command: list[str]) -> None:
    user = unprivileged()
    locked = site_with_locked_folder(shared)
    code, err = emclean(*command, "s", cwd=shared, user=user)
    assert "emclean: s/_posts/sub: permission denied (read)" in err.splitlines(), err
    assert code == 123, err
    locked.chmod(0o755)
    assert b"keytip" in (locked / "2024-01-01-x.md").read_bytes()  # not touched


def test_unreadable_folder_is_an_unusable_batch_input(shared: Path) -> None:
    user = unprivileged()
    (shared / "in" / "sub").mkdir(parents=True)
    for folder in ("in", "in/sub"):
        (shared / folder / "a.jsonl").write_text(RECORD, encoding="utf-8")
        (shared / folder / "a.jsonl").chmod(0o644)
        (shared / folder).chmod(0o755)
    (shared / "in" / "sub").chmod(0)
    code, err = emclean("batch", "in", cwd=shared, user=user)
    assert (code, err) == (2, "emclean: in/sub: permission denied (read)\n")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_batch_walk_never_opens_a_fifo_or_a_device(tmp_path: Path) -> None:
    """A FIFO named like a shard (no writer: opening it would wait) and a symlink to
    /dev/urandom (it would never end) are left alone; the real shard is converted."""
    folder = tmp_path / "d"
    folder.mkdir()
    os.mkfifo(folder / "a.jsonl")
    (folder / "b.jsonl").symlink_to("/dev/urandom")
    (folder / "ok.jsonl").write_text(RECORD, encoding="utf-8")
    code, err = emclean("batch", "d", "-o", "out/", cwd=tmp_path)
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["ok.jsonl"]
    assert stat.S_ISFIFO((folder / "a.jsonl").lstat().st_mode)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_batch_refuses_a_fifo_without_a_writer_and_a_device_at_once(tmp_path: Path) -> None:
    """Named, a FIFO with no writer (it would wait) or a device is one line and exit 2."""
    os.mkfifo(tmp_path / "f.jsonl")
    code, err = emclean("batch", "f.jsonl", cwd=tmp_path)
    assert (code, err) == (
        2,
        "emclean: f.jsonl: a FIFO that no program is writing to: nothing to read (start the writer first)\n",
    )
    code, err = emclean("batch", "/dev/zero", cwd=tmp_path)
    assert (code, err) == (2, "emclean: /dev/zero: a character device, not a file\n")


def in_bash(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`emclean COMMAND` run by bash (for its process substitution, `<(…)`)."""
    return subprocess.run(
        ["bash", "-c", f"{sys.executable} -m emclean {command}"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.skipif(not Path("/dev/fd").is_dir(), reason="needs /dev/fd (bash process substitution)")
def test_batch_reads_a_named_fifo_once_as_stdin(tmp_path: Path) -> None:
    """`batch <(zcat x.jsonl.gz)`: the pipe is looked at and converted in one read, gzip
    or not; under an output folder it has no shard name (`/dev/fd/63`), so -o FILE is needed."""
    (tmp_path / "x.jsonl").write_text(RECORD + RECORD.replace('"id": 1', '"id": 2'), encoding="utf-8")
    subprocess.run(["gzip", "-k", "x.jsonl"], cwd=tmp_path, check=True)
    for source in ("cat x.jsonl", "cat x.jsonl.gz"):
        done = in_bash(f"batch <({source}) -q", tmp_path)
        assert (done.returncode, done.stderr) == (0, ""), source
        assert [line.split(",")[0] for line in done.stdout.splitlines()] == ['{"id": 1', '{"id": 2']
    done = in_bash("batch <(cat x.jsonl) -o out/ -q", tmp_path)
    assert done.returncode == 2
    assert done.stderr.endswith("has no name to write under an output folder: use -o FILE\n")
