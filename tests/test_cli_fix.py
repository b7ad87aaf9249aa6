"""`emclean fix`: check, diff, write; only HTML changes; nothing is ever half-written."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, need
from typer.testing import CliRunner

import emclean
from emclean.cli import app
from emclean.fix import Settings, Status, WriteBack, process
from emclean.options import Options

runner = CliRunner()
POSTS = FIXTURES / "site" / "_posts"
PLAIN = "2021-12-08-202112082206928461.md"  # a digest without Eastmoney markup
CRLF = "2022-04-21-202204212352227421.md"
MARKED = "2022-05-30-202205302396671645.md"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def posts(tmp_path: Path) -> Path:
    target = tmp_path / "_posts"
    shutil.copytree(POSTS, target)
    return target


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_check_fix_check(posts: Path) -> None:
    """--check exits 1 and writes nothing; fix exits 0; a second --check exits 0."""
    before = snapshot(posts)
    code, out, err = run("fix", "--check", str(posts))
    assert code == 1
    assert out == ""
    assert "would change" in err
    assert snapshot(posts) == before
    assert run("fix", str(posts))[0] == 0
    assert snapshot(posts) != before
    assert run("fix", "--check", str(posts))[0] == 0


def test_second_run_changes_nothing(posts: Path) -> None:
    """Fixing a fixed tree leaves every byte and mtime alone."""
    run("fix", str(posts))
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in posts.iterdir()}
    assert run("fix", str(posts))[0] == 0
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in posts.iterdir()} == before


def test_files_without_markup_are_untouched(posts: Path) -> None:
    """A post without Eastmoney markup keeps its bytes and its mtime."""
    plain = posts / PLAIN
    data, mtime = plain.read_bytes(), plain.stat().st_mtime_ns
    run("fix", str(posts))
    assert (plain.read_bytes(), plain.stat().st_mtime_ns) == (data, mtime)


def test_front_matter_and_line_endings_are_kept(posts: Path) -> None:
    """Front matter bytes, CRLF endings and the missing final newline survive."""
    crlf = posts / CRLF
    original = crlf.read_bytes()
    head = original[: original.index(b"---\r\n>") + 5]
    run("fix", str(posts))
    fixed = crlf.read_bytes()
    assert fixed.startswith(head)
    assert b"\n" not in fixed.replace(b"\r\n", b"")
    assert not fixed.endswith(b"\n")
    assert fixed.endswith(original[original.rindex(b"\r\n") + 2 :])


def test_diff_applies_with_patch_to_what_fix_writes(
    posts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`fix --diff | patch -p0` gives exactly the bytes `fix` writes (CRLF files included)."""
    need("patch", "the round trip test applies the diff with GNU patch")
    copy = tmp_path / "copy"
    shutil.copytree(posts, copy)
    monkeypatch.chdir(copy)  # relative paths, as a user runs it inside the folder
    result = runner.invoke(app, ["fix", "--diff", "."])
    assert result.exit_code == 1
    diff = result.stdout_bytes  # bytes: CliRunner's text view folds CRLF
    assert diff.startswith(b"--- ")
    subprocess.run(["patch", "-p0", "-s"], input=diff, check=True, cwd=copy)
    assert run("fix", str(posts))[0] == 0
    assert snapshot(copy) == snapshot(posts)


def test_check_and_diff_together(posts: Path) -> None:
    """--check --diff prints the diff, writes nothing, exits 1."""
    before = snapshot(posts)
    code, out, _ = run("fix", "--check", "--diff", str(posts))
    assert (code, snapshot(posts)) == (1, before)
    assert "+加拿大" not in out or out.count("+++ ") >= 1


def test_backup(posts: Path) -> None:
    """--backup .orig keeps each original next to the file it changed (only those)."""
    original = (posts / MARKED).read_bytes()
    run("fix", "--backup", ".orig", str(posts))
    assert (posts / (MARKED + ".orig")).read_bytes() == original
    assert not (posts / (PLAIN + ".orig")).exists()


def test_file_mode_is_kept(posts: Path) -> None:
    """A changed file keeps its permission bits."""
    target = posts / MARKED
    target.chmod(0o640)
    run("fix", str(posts))
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_symlinked_file_is_written_through(posts: Path, tmp_path: Path) -> None:
    """A symlink to a post stays a symlink; its target is fixed."""
    real = tmp_path / "real.md"
    shutil.move(posts / MARKED, real)
    (posts / MARKED).symlink_to(real)
    run("fix", str(posts))
    assert (posts / MARKED).is_symlink()
    assert b"keytip" not in real.read_bytes()


def test_symlinked_folder_and_loops_are_not_followed(posts: Path, tmp_path: Path) -> None:
    """A symlinked folder (even a loop) inside the tree is skipped; the run ends."""
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(POSTS / MARKED, outside / MARKED)
    (posts / "link").symlink_to(outside, target_is_directory=True)
    (posts / "loop").symlink_to(posts, target_is_directory=True)
    assert run("fix", str(posts))[0] == 0
    assert (outside / MARKED).read_bytes() == (POSTS / MARKED).read_bytes()


def test_skipped_folders(posts: Path) -> None:
    """.git, _site, node_modules, .jekyll-cache and hidden folders are not walked."""
    for name in (".git", "_site", "node_modules", ".jekyll-cache", ".hidden"):
        (posts / name).mkdir()
        shutil.copy(POSTS / MARKED, posts / name / MARKED)
    run("fix", str(posts))
    for name in (".git", "_site", "node_modules", ".jekyll-cache", ".hidden"):
        assert (posts / name / MARKED).read_bytes() == (POSTS / MARKED).read_bytes()


def test_include_and_exclude(posts: Path) -> None:
    """--include and --exclude select files by glob."""
    err = run("fix", "--check", "--exclude", "2022-05-*", str(posts))[2]
    assert "4 would change" in err
    err = run("fix", "--check", "--include", "*-05-30-*", str(posts))[2]
    assert "1 would change" in err
    assert "1 scanned" in err


def test_verbose_and_quiet(posts: Path) -> None:
    """--verbose names each changed file; --quiet prints nothing when all is well."""
    _, _, err = run("fix", "--check", "-v", str(posts))
    assert f"would fix {posts / MARKED}" in err
    assert run("fix", "-q", str(posts))[2] == ""


def test_stdin_is_not_a_path() -> None:
    """`-` is a usage error for fix."""
    code, _, err = run("fix", "-")
    assert code == 2
    assert "stdin" in err


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    """A path that does not exist: exit 2 before anything is done."""
    code, _, err = run("fix", str(tmp_path / "nope"))
    assert code == 2
    assert "no such file or folder" in err


BAD: dict[str, bytes] = {
    "gb18030.md": '---\ntitle: x\n---\n<p class="em_media">中文（文章来源：东方财富）</p>\n'.encode("gb18030"),
    "binary.md": b"\x89PNG\r\n\x1a\n\x00\x00<p class='keytip'>eastmoney.com</p>",
    "unterminated.md": b'---\ntitle: x\n<p class="em_media">x</p>\n',
    "deep.md": b"---\ntitle: x\n---\n" + b"<div>" * 100_000 + b'<p class="em_media">x</p>' + b"</div>" * 100_000,
}


def test_bad_files_are_reported_and_the_rest_fixed(posts: Path) -> None:
    """Each bad file: one stderr line naming it; it is left untouched; the others are fixed; exit 123."""
    for name, data in BAD.items():
        (posts / name).write_bytes(data)
    (posts / "empty.md").write_bytes(b"")
    code, _, err = run("fix", str(posts))
    assert code == 123
    for name, data in BAD.items():
        assert (posts / name).read_bytes() == data
        assert sum(str(posts / name) in line for line in err.splitlines()) == 1, name
    assert "looks like GB18030" in err
    assert "binary data" in err
    assert "unterminated front matter" in err
    assert "levels deep" in err
    assert (posts / "empty.md").read_bytes() == b""
    assert b"keytip" not in (posts / MARKED).read_bytes()
    assert "4 failed" in err


def test_gb18030_with_encoding_flag_is_converted_and_kept_gb18030(posts: Path) -> None:
    """--encoding gb18030 converts such a file and writes it back in GB18030."""
    path = posts / "gb.md"
    path.write_bytes(BAD["gb18030.md"])
    assert run("fix", "--encoding", "gb18030", str(path))[0] == 0
    assert path.read_bytes().decode("gb18030").endswith("中文（文章来源：东方财富）\n")


def test_deleted_file_is_reported() -> None:
    """A file that vanished between listing and reading is a failure with a reason."""
    settings = Settings(Options(), WriteBack.YES, None, None)
    outcome = process(("/nonexistent/deleted.md", settings))
    assert outcome.status is Status.FAILED
    assert "no such file" in outcome.message


def test_a_big_post_converts(posts: Path) -> None:
    """A multi-megabyte post converts like any other."""
    big = posts / "big.md"
    paragraph = (POSTS / MARKED).read_text(encoding="utf-8").split("---\n", 2)[2].split("\n\n")[1]
    big.write_text("---\ntitle: big\n---\n" + paragraph * 3000 + "\n", encoding="utf-8")
    assert big.stat().st_size > 4_000_000
    assert run("fix", str(big))[0] == 0
    assert b"keytip" not in big.read_bytes()


@pytest.mark.parametrize("denied", ["read", "write"])
def test_permission_denied(tmp_path: Path, denied: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that cannot be read, or a folder that cannot be written, is reported; nothing breaks.

    As root (CI) permissions are not enforced, so the denial is simulated at the system call.
    """
    folder = tmp_path / "posts"
    folder.mkdir()
    shutil.copy(POSTS / MARKED, folder / "a.md")
    shutil.copy(POSTS / MARKED, folder / "b.md")
    if os.geteuid() != 0:
        if denied == "read":
            (folder / "a.md").chmod(0o000)
        else:
            folder.chmod(0o555)
    else:
        real_open = os.open
        # reading a.md, or creating the temp file next to a post
        denied_name = "a.md" if denied == "read" else ".emclean-tmp"

        def open_denied(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if str(path).endswith(denied_name):
                raise PermissionError(13, "Permission denied")
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", open_denied)
    try:
        code, _, err = run("fix", "-j", "1", str(folder))
    finally:
        folder.chmod(0o755)
        (folder / "a.md").chmod(0o644)
    assert code == 123
    assert "permission denied" in err.lower()
    assert str(folder / "a.md") in err
    assert not [p for p in folder.iterdir() if p.name.endswith(".emclean-tmp")]
    if denied == "read":
        assert b"keytip" not in (folder / "b.md").read_bytes()
    else:
        assert (folder / "b.md").read_bytes() == (POSTS / MARKED).read_bytes()


def test_pre_commit_hook_definition() -> None:
    """The repository offers a pre-commit hook running `emclean fix`."""
    text = (Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "id: emclean-fix" in text
    assert "entry: emclean fix" in text


def test_library_and_command_agree(posts: Path) -> None:
    """What fix writes is what emclean.convert returns."""
    expected = emclean.convert((posts / MARKED).read_text(encoding="utf-8")).markdown
    run("fix", str(posts))
    assert (posts / MARKED).read_text(encoding="utf-8") == expected


def test_parallel_run_in_this_process_leaves_it_collectable(tmp_path: Path) -> None:
    """With worker processes, the same result as in-process; the heap frozen for the fork
    (so workers do not copy the parent's pages) is unfrozen afterwards (library callers)."""
    import gc

    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(12):
        shutil.copy(POSTS / MARKED, folder / f"{n:02d}.md")
    single = tmp_path / "one.md"
    shutil.copy(POSTS / MARKED, single)
    assert run("fix", "-j", "2", "-q", str(folder))[0] == 0
    assert gc.get_freeze_count() == 0
    assert run("fix", "-j", "1", "-q", str(single))[0] == 0
    assert {p.read_bytes() for p in folder.iterdir()} == {single.read_bytes()}


def test_a_batch_goes_to_disk_at_once_and_each_file_is_still_fsynced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writes of a batch's changed files all start before the first fsync (so one journal
    commit covers them, not one per file); each is then fsynced on its own (its errors
    reported) before its rename."""
    from emclean import files

    folder = tmp_path / "posts"
    folder.mkdir()
    for n in range(5):
        shutil.copy(POSTS / MARKED, folder / f"{n}.md")
    shutil.copy(POSTS / PLAIN, folder / "plain.md")
    calls: list[tuple[str, int]] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        calls.append(("fsync", fd))
        real_fsync(fd)

    monkeypatch.setattr(files, "_start_writeback", lambda: lambda fd: calls.append(("start", fd)))
    monkeypatch.setattr(os, "fsync", fsync)
    assert run("fix", "-j", "1", "-q", str(folder))[0] == 0
    kinds = [kind for kind, _ in calls]
    assert kinds[:5] == ["start"] * 5
    assert kinds[5:10] == ["fsync"] * 5  # then the folder's
    assert [fd for _, fd in calls[:5]] == [fd for _, fd in calls[5:10]]
    expected = emclean.convert((POSTS / MARKED).read_text(encoding="utf-8")).markdown.encode("utf-8")
    assert {(folder / f"{n}.md").read_bytes() for n in range(5)} == {expected}
    assert (folder / "plain.md").read_bytes() == (POSTS / PLAIN).read_bytes()
