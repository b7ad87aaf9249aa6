"""The file-system edge: what is read (regular files, a size cap, FIFOs), how names are
printed, what is written back (the same encoding; never over an edit), what goes wrong
writing the output, and which files a walk selects."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

import emclean
from emclean import files
from emclean.cli import app

runner = CliRunner()
POSTS = FIXTURES / "site" / "_posts"
MARKED = "2022-05-30-202205302396671645.md"
PLAIN = "2021-12-08-202112082206928461.md"
ENCODINGS = FIXTURES / "encodings"
KEYTIP = '<p>要以<span id="stock_1.600519"><a class="keytip" data-code="1,600519">贵州茅台</a></span>为例。</p>\n'


def run(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def emclean_cmd(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    """The real command in a subprocess (bytes in and out)."""
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("timeout", 60)
    return subprocess.run([sys.executable, "-m", "emclean", *args], check=False, **kwargs)


@pytest.fixture
def posts(tmp_path: Path) -> Path:
    target = tmp_path / "_posts"
    shutil.copytree(POSTS, target)
    return target


def fixed(name: str = MARKED) -> str:
    return emclean.convert((POSTS / name).read_text(encoding="utf-8")).markdown


# --- only regular files are read, and only so much -------------------------------------------


def test_a_fifo_in_a_tree_is_not_read(posts: Path) -> None:
    """A FIFO named like a post, found by walking, is skipped: `fix` ends (in-process and with
    workers) and fixes the rest."""
    os.mkfifo(posts / "x.md")
    for jobs in ("1", "2"):
        done = emclean_cmd("fix", "--check", "--jobs", jobs, str(posts), timeout=30)
        assert done.returncode == 1, done.stderr
        assert b"x.md" not in done.stderr
    assert run("fix", "-q", str(posts))[0] == 0
    assert (posts / MARKED).read_text(encoding="utf-8") == fixed()


def test_a_fifo_named_to_fix_is_reported(tmp_path: Path) -> None:
    """`fix FIFO`: a FIFO cannot be rewritten in place: one line, exit 123, no wait."""
    fifo = tmp_path / "x.md"
    os.mkfifo(fifo)
    done = emclean_cmd("fix", str(fifo), timeout=30)
    assert done.returncode == 123
    assert f"emclean: {fifo}: not a regular file (a FIFO)\n".encode() in done.stderr


def test_convert_reads_a_named_fifo_as_a_stream(tmp_path: Path) -> None:
    """`convert FIFO` reads what a writer sends; with no writer it says so instead of waiting."""
    fifo = tmp_path / "in.html"
    os.mkfifo(fifo)
    done = emclean_cmd("convert", str(fifo), timeout=30)
    assert done.returncode == 2
    assert b"no program is writing to" in done.stderr

    def writer() -> None:
        with fifo.open("wb") as f:  # waits for the reader
            f.write(KEYTIP.encode())

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        # the writer is waiting in open() before the reader comes (as in `cmd > fifo & emclean convert fifo`)
        done = emclean_cmd("convert", str(fifo), timeout=30)
    finally:
        thread.join(timeout=30)
    assert (done.returncode, done.stdout) == (0, "要以贵州茅台为例。\n".encode())


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_dev_zero_is_refused_at_the_cap(tmp_path: Path) -> None:
    """`convert /dev/zero` stops at the read limit with one line (no MemoryError traceback)."""
    done = emclean_cmd("convert", "/dev/zero", "--max-size", "2M")
    assert done.returncode == 2
    assert done.stderr.decode() == (
        "emclean: /dev/zero: too large: more than the 2 MiB limit (--max-size or EMCLEAN_MAX_SIZE raise it)\n"
    )
    done = emclean_cmd("convert", "/dev/zero", env={**os.environ, "EMCLEAN_MAX_SIZE": "1M"})
    assert b"more than the 1 MiB limit" in done.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_symlink_to_a_device_in_a_tree_is_not_read(posts: Path) -> None:
    """A symlink to /dev/zero named like a post is never opened by a walk."""
    count = len(list(posts.iterdir()))
    (posts / "zero.md").symlink_to("/dev/zero")
    code, _, err = run("fix", "--check", "--max-size", "100M", str(posts))
    assert code == 1
    assert "zero.md" not in err
    assert f"{count} scanned" in err


def test_the_size_cap(posts: Path) -> None:
    """A file over --max-size is one failure line naming the limit; the others are fixed;
    the default (64 MiB) is raised or lowered by --max-size or EMCLEAN_MAX_SIZE."""
    size = max(p.stat().st_size for p in posts.iterdir())
    (posts / "big.md").write_bytes((posts / MARKED).read_bytes() + b"\n" * size)
    code, _, err = run("fix", "--max-size", str(size), str(posts))
    assert code == 123
    assert f"{posts / 'big.md'}: too large: " in err
    assert b"keytip" in (posts / "big.md").read_bytes()
    assert b"keytip" not in (posts / MARKED).read_bytes()
    assert run("fix", "--max-size", str(2 * size + 1000), str(posts))[0] == 0
    assert files.max_size() == 64 * 1024 * 1024
    code, _, err = run("convert", str(posts / MARKED), "--max-size", "lots")
    assert (code, err.count("\n")) == (2, 1)
    assert "--max-size: not a size" in err


def test_the_size_cap_applies_to_stdin() -> None:
    """stdin is read only as far as the cap."""
    code, out, err = run("convert", "-", "--max-size", "10", stdin="<p>" + "x" * 100 + "</p>")
    assert (code, out) == (2, "")
    assert "-: too large" in err


# --- an edit made while fix runs is never lost -------------------------------------------------


def test_a_file_edited_during_fix_keeps_the_edit(posts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A post appended to after it was read is left as the user left it, reported as changed
    underneath (a failure: exit 123); the other posts are fixed."""
    target = posts / MARKED
    real_flush = files.flush

    def edit_then_flush(staged: list[files.Staged]) -> None:
        with target.open("a", encoding="utf-8") as f:
            f.write("\n用户刚写的一句。\n")
        real_flush(staged)

    monkeypatch.setattr(files, "flush", edit_then_flush)
    code, _, err = run("fix", "-j", "1", str(posts))
    assert code == 123
    assert f"emclean: {target}: changed underneath" in err
    assert target.read_text(encoding="utf-8") == (POSTS / MARKED).read_text(encoding="utf-8") + "\n用户刚写的一句。\n"
    assert not [p for p in posts.iterdir() if p.name.endswith(".emclean-tmp")]
    assert "1 failed" in err


def test_commit_refuses_a_replaced_file(tmp_path: Path) -> None:
    """`files.commit` checks size, mtime, inode and device: a file replaced by another (same
    size, by rename) is not overwritten; one removed is not recreated."""
    path = tmp_path / "a.md"
    path.write_text("old", encoding="utf-8")
    text = files.read(path)
    staged = files.stage(path, "new", "utf-8", expect=text.stamp)
    other = tmp_path / "b.md"
    other.write_text("odd", encoding="utf-8")
    os.replace(other, path)
    with pytest.raises(emclean.InputError, match="changed underneath"):
        files.commit(staged)
    assert path.read_text(encoding="utf-8") == "odd"
    text = files.read(path)
    staged = files.stage(path, "new", "utf-8", expect=text.stamp)
    path.unlink()
    with pytest.raises(emclean.InputError, match="removed while emclean ran"):
        files.commit(staged)
    assert list(tmp_path.iterdir()) == []


# --- file names are printed safely ----------------------------------------------------------


def test_shown_names() -> None:
    """Printable names as they are; others quoted, with \\xNN for bytes that are not UTF-8."""
    assert files.shown("_posts/2022 年.md") == "_posts/2022 年.md"
    assert files.shown(os.fsdecode(b"a\xff.md")) == "'a\\xff.md'"
    assert files.shown("new\nline's.md") == "'new\\nline\\'s.md'"
    assert files.shown("tab\there\x7f") == "'tab\\there\\x7f'"


@pytest.fixture
def odd_names(tmp_path: Path) -> Path:
    """A folder with a post whose name is not UTF-8 and one with a newline in its name."""
    folder = tmp_path / "odd"
    folder.mkdir()
    shutil.copy(POSTS / MARKED, os.fsdecode(bytes(folder) + b"/a\xff.md"))
    shutil.copy(POSTS / MARKED, folder / "new\nline.md")
    return folder


@pytest.mark.parametrize(
    "args",
    [
        ["fix", "--diff"],
        ["entities", "--format", "json"],
        ["entities", "--format", "jsonl"],
        ["entities", "--format", "csv"],
        ["entities", "--by-file"],
    ],
    ids=["fix-diff", "json", "jsonl", "csv", "by-file"],
)
def test_odd_file_names_are_printed_safely(odd_names: Path, args: list[str]) -> None:
    """Names that are not UTF-8, or hold a newline, come out in UTF-8: no UnicodeEncodeError,
    no message split over two lines; messages, diffs and TSV quote and escape them, JSON and
    CSV carry them as they are (a byte that is not UTF-8: `\\udcff` in JSON, quoted in CSV)."""
    done = emclean_cmd(*args, ".", cwd=odd_names)
    assert done.returncode in (0, 1), done.stderr
    assert b"Traceback" not in done.stderr
    out = done.stdout.decode("utf-8")
    names = {"'a\\xff.md'", "'new\\nline.md'"}
    for line in done.stderr.decode("utf-8").splitlines():
        assert line.startswith(("emclean: ", "would fix '")), line
    if "json" in args:
        assert {r["file"] for r in json.loads(out)} == {"a\udcff.md", "new\nline.md"}
    elif "jsonl" in args:
        assert {json.loads(line)["file"] for line in out.splitlines()} == {"a\udcff.md", "new\nline.md"}
    elif "csv" in args:
        assert {row[0] for row in list(csv.reader(io.StringIO(out)))[1:]} == {"'a\\xff.md'", "new\nline.md"}
    elif "--by-file" in args:
        assert {row[0] for row in list(csv.reader(io.StringIO(out), delimiter="\t"))[1:]} == names
    else:  # diff headers quote names as GNU patch and git read them (see test_diff_names.py)
        assert {line[4:] for line in out.splitlines() if line.startswith("--- ")} == {'"a\\377.md"', '"new\\nline.md"'}


def test_convert_diff_of_a_name_that_is_not_utf8(odd_names: Path) -> None:
    """`convert --diff` labels the diff with the name's bytes, C-quoted as git does."""
    done = emclean_cmd("convert", "--diff", os.fsdecode(b"a\xff.md"), cwd=odd_names)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b'--- "a\\377.md"\n+++ "a\\377.md"\n')


def test_a_newline_in_a_name_keeps_each_message_on_one_line(tmp_path: Path) -> None:
    """An unreadable file with a newline in its name: one message line."""
    bad = tmp_path / "bad\nname.md"
    bad.write_bytes(b"\x00\x01<p class='keytip'>eastmoney.com</p>")
    code, _, err = run("fix", str(tmp_path))
    assert code == 123
    assert err.splitlines()[0] == f"emclean: '{tmp_path}/bad\\nname.md': binary data (NUL bytes), not a text document"


# --- encodings: a BOM, --encoding, the HTML's own declaration ----------------------------------


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32", "utf-32-be", "utf-8-sig"])
def test_unicode_with_a_bom_is_fixed_and_written_back_the_same_way(posts: Path, codec: str) -> None:
    """UTF-16/32 (either byte order) and UTF-8 with a BOM are read, fixed, and written back in
    the same encoding with the same BOM; a second run changes nothing."""
    bom = {"utf-16-be": b"\xfe\xff", "utf-32-be": b"\x00\x00\xfe\xff"}.get(codec, b"")
    path = posts / MARKED
    path.write_bytes(bom + path.read_text(encoding="utf-8").encode(codec))
    code, _, err = run("fix", str(path))
    assert code == 0, err
    assert f"fixed {path}" in err
    data = path.read_bytes()
    assert data.startswith(bom or {"utf-16": b"\xff\xfe", "utf-32": b"\xff\xfe\x00\x00"}.get(codec, b"\xef\xbb\xbf"))
    assert data == (bom + fixed().encode(codec)) if bom else data == fixed().encode(codec)
    assert run("fix", "--check", str(path))[0] == 0


def test_utf16_with_encoding_flag_and_convert(tmp_path: Path) -> None:
    """`convert` reads UTF-16 by its BOM, with or without --encoding utf-16; without a BOM,
    --encoding utf-16 reads little-endian."""
    path = tmp_path / "a.html"
    path.write_bytes(KEYTIP.encode("utf-16"))
    for extra in ([], ["--encoding", "utf-16"]):
        code, out, err = run("convert", str(path), *extra)
        assert (code, out) == (0, "要以贵州茅台为例。\n"), err
    path.write_bytes(KEYTIP.encode("utf-16-le"))
    assert run("convert", str(path), "--encoding", "utf-16")[1] == "要以贵州茅台为例。\n"
    assert "binary data" in run("convert", str(path))[2]


@pytest.mark.parametrize("name", ["meta-http-equiv-gb2312.html", "meta-charset-gbk.html"])
def test_html_declaring_its_charset_is_decoded_as_declared(name: str) -> None:
    """`<meta charset="gbk">` and `<meta http-equiv="Content-Type" content="…charset=gb2312">`
    are read as a browser reads them, with no --encoding."""
    code, out, err = run("convert", str(ENCODINGS / name))
    assert code == 0, err
    assert ("贵州茅台被持有" in out) or ("朱镕基谈保险业" in out)


def test_encoding_flag_wins_over_the_declaration(tmp_path: Path) -> None:
    """An explicit --encoding wins over <meta charset>; a BOM wins over both."""
    path = tmp_path / "a.html"
    path.write_bytes(b'<meta charset="big5">' + KEYTIP.encode("gbk"))
    assert run("convert", str(path), "--encoding", "gbk")[1] == "要以贵州茅台为例。\n"
    assert "贵州茅台" not in run("convert", str(path))[1]  # read as Big5, as a browser would
    path.write_bytes(b"\xef\xbb\xbf" + b'<meta charset="gbk">' + KEYTIP.encode("utf-8"))
    assert run("convert", str(path), "--encoding", "gbk")[1] == "要以贵州茅台为例。\n"


def test_a_utf8_page_declaring_gb2312_is_read_as_utf8(tmp_path: Path) -> None:
    """A page re-saved as UTF-8 that still declares gb2312 (as scrapers leave them) is read as
    the UTF-8 its bytes are, not turned into mojibake."""
    path = tmp_path / "saved.html"
    page = (ENCODINGS / "meta-http-equiv-gb2312.html").read_bytes().decode("gb18030")
    path.write_text(page, encoding="utf-8")
    code, out, err = run("convert", str(path))
    assert (code, out) == (0, "《通知》明确，要创新产业链供应链金融服务方式。贵州茅台被持有。\n"), err


@pytest.mark.parametrize("label", ["klingon", "base64", "rot13"])
def test_an_encoding_that_is_not_one_is_a_clear_error(tmp_path: Path, label: str) -> None:
    """--encoding with a name that is no text encoding: one line, exit 2 (no traceback); a
    WHATWG label Python has no codec for (x-user-defined) is read as the prescan reads it."""
    path = tmp_path / "a.html"
    path.write_text("<p>x</p>", encoding="utf-8")
    code, _, err = run("convert", str(path), "--encoding", label)
    assert code == 2
    assert err == f"emclean: {path}: unknown encoding {label!r}\n"
    assert run("convert", str(path), "--encoding", "x-user-defined")[:2] == (0, "x\n")


def test_fix_writes_a_declared_charset_back_in_it(tmp_path: Path) -> None:
    """`fix` on a GB2312-declared page writes GB18030-compatible bytes back (the same bytes for
    every character it kept), never UTF-8 under a gb2312 declaration."""
    path = tmp_path / "page.html"
    shutil.copy(ENCODINGS / "meta-http-equiv-gb2312.html", path)
    code, _, err = run("fix", str(path))
    assert code == 0, err
    text = path.read_bytes().decode("gb18030")
    assert "贵州茅台被持有" in text
    assert "keytip" not in text


def test_fix_refuses_what_the_encoding_cannot_hold(tmp_path: Path) -> None:
    """A character the file's encoding has no code for is a failure, not a lossy write."""
    path = tmp_path / "a.md"
    original = (
        '---\ntitle: x\n---\n<p>&#x1F600; <span id="stock_1.600519"><a class="keytip" data-code="1,600519">'
        "貴州茅台</a></span></p>\n"
    ).encode("big5")
    path.write_bytes(original)
    code, _, err = run("fix", "--encoding", "big5", str(path))
    assert code == 123
    assert "cannot be written back in big5" in err
    assert path.read_bytes() == original


@pytest.mark.parametrize(
    ("head", "codec"),
    [
        (b'<meta charset="gb2312">', "gb18030"),
        (b"<meta charset=GBK>", "gb18030"),
        (b'<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=gb2312">', "gb18030"),
        (b"<meta content='text/html; charset=\"big5\"' http-equiv=content-type>", "big5hkscs"),
        (b'<meta content="text/html; charset=gbk">', None),  # no http-equiv: not a declaration
        (b'<!-- <meta charset="gbk"> --><p>', None),
        (b'<meta charset="utf-16">', "utf-8"),
        (b'<meta charset="utf-7">', None),  # not a WHATWG encoding
        (b'<title a="<meta charset=gbk>"></title>', None),  # inside another tag's attribute
        (b" " * 1020 + b'<meta charset="gbk">', None),  # past the first 1,024 bytes
        (b'---\ntitle: x\n---\n<meta charset="gbk">', None),  # a Jekyll post
    ],
)
def test_prescan(head: bytes, codec: str | None) -> None:
    """The WHATWG prescan finds what a browser finds, and nothing else."""
    from emclean.charset import declared

    assert declared(head + b"<p>x</p>") == codec


# --- output that cannot be written: one line, exit 2 -----------------------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
@pytest.mark.parametrize(
    "args",
    [
        ["convert", str(FIXTURES / "convert" / "board-bk.in.html")],
        ["convert", str(FIXTURES / "convert" / "board-bk.in.html"), "--format", "json"],
        ["entities", str(FIXTURES / "convert")],
        ["fix", "--diff", str(POSTS)],
        ["fix", "--diff", "-j", "1", str(POSTS)],
        ["--version"],
    ],
    ids=["convert", "convert-json", "entities", "fix-diff", "fix-diff-j1", "version"],
)
def test_a_full_disk_on_stdout_is_one_line_and_exit_2(args: list[str]) -> None:
    """Writing to /dev/full: `emclean: cannot write the output: No space left on device`, exit 2."""
    with open("/dev/full", "wb") as full:
        done = emclean_cmd(*args, capture_output=False, stdout=full, stderr=subprocess.PIPE)
    assert done.returncode == 2
    lines = done.stderr.decode().splitlines()
    assert lines[-1] == "emclean: cannot write the output: No space left on device"
    assert not [line for line in lines if not line.startswith(("emclean: ", "would fix "))]


def test_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    """`| head`: no message, no traceback."""
    big = tmp_path / "big.html"
    big.write_text("<p>段落</p>\n" * 200_000, encoding="utf-8")
    done = piped(f"convert {big}", "head -c 10 >/dev/null")
    assert done.stderr == b""
    assert done.returncode == 0


def piped(args: str, reader: str) -> subprocess.CompletedProcess[bytes]:
    """`emclean ARGS | READER` in bash; the exit code is emclean's."""
    return subprocess.run(
        f"{sys.executable} -m emclean {args} | {reader}; exit ${{PIPESTATUS[0]}}",
        shell=True,
        executable="bash",
        capture_output=True,
        check=False,
    )


def test_no_import_cycle_between_cli_and_entry() -> None:
    """`entry` runs `cli`'s app; both take the exit codes and output writing from `stdio`, and
    `cli` never imports `entry` (no cycle)."""
    import ast

    def imports(name: str) -> set[str | None]:
        tree = ast.parse((Path(emclean.__file__).parent / f"{name}.py").read_text(encoding="utf-8"))
        return {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}

    assert "entry" not in imports("cli")
    assert "cli" in imports("entry")
    assert "stdio" in imports("cli") & imports("entry")
    assert "entry" not in imports("stdio") | imports("commands")


# --- listings a user can act on ------------------------------------------------------------


def test_check_names_each_file_that_would_change(posts: Path) -> None:
    """`fix --check` names each file that would change (`would fix PATH`), `fix` each file it
    fixed (`fixed PATH`), `--quiet` none, `--verbose` the others too."""
    code, out, err = run("fix", "--check", str(posts))
    would = sorted(line for line in err.splitlines() if line.startswith("would fix "))
    assert code == 1
    assert out == ""
    assert f"would fix {posts / MARKED}" in would
    assert f"would fix {posts / PLAIN}" not in would
    assert len(would) == 6  # the site's 4 Markdown posts with Eastmoney markup and its 2 .html posts
    code, _, err = run("fix", "-v", "--check", str(posts))
    assert f"skipped {posts / PLAIN}" in err
    assert run("fix", "-q", "--check", str(posts))[2] == ""
    err = run("fix", str(posts))[2]
    fixed_lines = sorted(line for line in err.splitlines() if line.startswith("fixed "))
    assert fixed_lines == ["fixed " + w[len("would fix ") :] for w in would]


@pytest.mark.parametrize("how", ["dot", "relative", "absolute"])
def test_globs_match_paths_relative_to_the_root_however_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """--exclude/--include select the same files for `.`, `site` and `/abs/site`; a bare name
    excludes a folder of that name at any depth; a glob with `/` is anchored at the root."""
    site = tmp_path / "site"
    for folder in ("_posts", "pages", "_posts/pages", "drafts/2022"):
        (site / folder).mkdir(parents=True)
        shutil.copy(POSTS / MARKED, site / folder / "a.md")
    shutil.copy(POSTS / MARKED, site / "_posts" / "b.html")
    monkeypatch.chdir(site if how == "dot" else tmp_path)
    root = {"dot": ".", "relative": "site", "absolute": str(site)}[how]

    def chosen(*flags: str) -> set[str]:
        err = run("fix", "--check", *flags, root)[2]
        return {
            Path(line[len("would fix ") :]).relative_to(site if how == "absolute" else root).as_posix()
            for line in err.splitlines()
            if line.startswith("would fix ")
        }

    every = {"_posts/a.md", "_posts/b.html", "_posts/pages/a.md", "drafts/2022/a.md", "pages/a.md"}
    assert chosen() == every
    assert chosen("--exclude", "pages") == every - {"pages/a.md", "_posts/pages/a.md"}
    assert chosen("--exclude", "pages/") == every - {"pages/a.md", "_posts/pages/a.md"}
    assert chosen("--exclude", "/pages") == every - {"pages/a.md"}
    assert chosen("--exclude", "_posts/*") == {"drafts/2022/a.md", "pages/a.md"}
    assert chosen("--exclude", "drafts/2022") == every - {"drafts/2022/a.md"}
    assert chosen("--exclude", "*.html") == every - {"_posts/b.html"}
    assert chosen("--include", "_posts") == {"_posts/a.md", "_posts/b.html", "_posts/pages/a.md"}
    assert chosen("--include", "*.html") == {"_posts/b.html"}
    assert chosen("--include", "_posts", "--exclude", "pages") == {"_posts/a.md", "_posts/b.html"}


def test_a_named_file_is_matched_by_its_path_from_the_current_folder(
    posts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file named on the command line (as pre-commit names them) is excluded by the same globs."""
    monkeypatch.chdir(posts.parent)
    assert "0 scanned" in run("fix", "--check", "--exclude", "_posts", f"_posts/{MARKED}")[2]
    assert "1 scanned" in run("fix", "--check", "--exclude", "drafts", f"_posts/{MARKED}")[2]


def test_a_file_reached_twice_is_processed_once(posts: Path, tmp_path: Path) -> None:
    """A file and a symlink (or hard link) to it, or a file named twice: one file, once."""
    before = run("fix", "--check", str(posts))[2]
    (posts / "link.md").symlink_to(posts / MARKED)
    os.link(posts / MARKED, posts / "hard.md")
    after = run("fix", "--check", str(posts), str(posts / MARKED), str(posts / "link.md"))[2]
    assert before.split(", ")[:4] == after.split(", ")[:4]
    assert "7 scanned" in after  # the 7 posts of fixtures/site


# --- entities: a message per unreadable input, the rest listed, exit 123 ---------------------


def test_entities_lists_the_rest_and_exits_123(tmp_path: Path) -> None:
    """A missing file and a binary file (with or without markup) are each one message; the links
    of the other inputs are still listed; exit 123, as `fix` for a file that failed."""
    binary = tmp_path / "b.md"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    good = FIXTURES / "convert" / "board-bk.in.html"
    code, out, err = run("entities", str(tmp_path / "missing.md"), str(binary), str(good), "--format", "json")
    assert code == 123
    assert [r["name"] for r in json.loads(out)] == ["保险"]
    assert err.splitlines() == [
        f"emclean: {tmp_path / 'missing.md'}: no such file or folder",
        f"emclean: {binary}: binary data (NUL bytes), not a text document",
    ]
    code, out, err = run("entities", str(binary))
    assert (code, err.count("\n")) == (123, 1)
    assert out.splitlines() == ["name\tcode\tkind\tmarket\tcount\tfiles\tsuspicious"]


def test_entities_bad_stdin_is_named(tmp_path: Path) -> None:
    """Bad data on stdin is named `-`, with exit 123."""
    code, out, err = run("entities", "-", "--format", "json", stdin=b"\x00\x01\x02")
    assert (code, out) == (123, "[]\n")
    assert err == "emclean: -: binary data (NUL bytes), not a text document\n"


def test_stale_temp_files_are_removed_when_their_writer_is_gone(posts: Path) -> None:
    """A walk removes emclean's temp files whose writer's PID no longer runs (at once), or runs a
    process started after the file was written; a fresh one of a running process, and other
    files, stay."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    dead_pid = int(gone.stdout)
    dead = files.temp_name(posts / MARKED, pid=dead_pid)
    live = files.temp_name(posts / MARKED)
    old = files.temp_name(posts / MARKED)  # older than this process: its PID was reused
    other = posts / ".notes.1-0.tmp"
    for path in (dead, live, old, other):
        path.write_text("half", encoding="utf-8")
    os.utime(old, (0, 0))
    assert run("fix", "--check", str(posts))[0] == 1
    assert (dead.exists(), live.exists(), old.exists(), other.exists()) == (False, True, False, True)


def test_a_site_walk_leaves_templates_alone_and_finds_htm(tmp_path: Path) -> None:
    """`fix .` at a site's root: its layouts and includes (which may link to eastmoney.com and hold
    live Liquid) are never touched; an `.htm` post is found and stays HTML."""
    keytip = (
        '<p>要以<a class="keytip" data-code="1,600519" href="http://quote.eastmoney.com/r/1.600519">茅台</a>为例</p>'
    )
    template = '---\n---\n<html><body><a href="https://quote.eastmoney.com/">行情</a>{{ content }}</body></html>\n'
    for folder in ("_layouts", "_includes"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "default.html").write_text(template, encoding="utf-8")
    (tmp_path / "_posts").mkdir()
    post = tmp_path / "_posts" / "2022-01-01-a.htm"
    post.write_text(f"---\ntitle: a\n---\n{keytip}\n", encoding="utf-8")
    code, _, err = run("fix", str(tmp_path))
    assert code == 0, err
    for folder in ("_layouts", "_includes"):
        assert (tmp_path / folder / "default.html").read_text(encoding="utf-8") == template
    assert post.read_text(encoding="utf-8") == "---\ntitle: a\n---\n<p>要以茅台为例</p>\n"


@pytest.mark.parametrize(
    "command",
    [
        "convert {big} --format markdown",
        "convert {big} --to html",
        "entities --format jsonl {many}",
        "batch {records} -q",
    ],
    ids=["convert-typer", "convert-html", "entities", "batch"],
)
def test_a_closed_pipe_is_exit_0_on_every_path(tmp_path: Path, command: str) -> None:
    """`| head` ends every command the same way, through the typer app too: quiet, exit 0
    (click would say exit 1 for a broken pipe of its own)."""
    big = tmp_path / "big.html"
    big.write_text("<p>段落</p>\n" * 20_000, encoding="utf-8")
    keytip = '<p>要以<a class="keytip" data-code="1,600519">贵州茅台</a>为例</p>\n'
    (tmp_path / "many.html").write_text(keytip * 2_000, encoding="utf-8")
    (tmp_path / "records.jsonl").write_text(json.dumps({"id": 1, "html": keytip}) + "\n", encoding="utf-8")
    with (tmp_path / "records.jsonl").open("a", encoding="utf-8") as more:
        for n in range(2, 1000):
            more.write(json.dumps({"id": n, "html": keytip}) + "\n")
    args = command.format(big=big, many=tmp_path / "many.html", records=tmp_path / "records.jsonl")
    done = piped(args, "(exec 0<&-)")
    assert done.stderr == b""
    assert done.returncode == 0
