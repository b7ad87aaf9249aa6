"""Option combinations that mean nothing are usage errors; help says what each command does;
`batch -o` names a file or a folder, never by accident."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

from emclean.cli import app

runner = CliRunner()
KEYTIP = FIXTURES / "convert" / "stock-keytip.in.html"


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def refused(*args: str) -> str:
    """The one stderr line of a usage error (exit 2, nothing on stdout)."""
    code, out, err = run(*args)
    assert (code, out, err.count("\n")) == (2, "", 1), err
    assert err.startswith("emclean: ")
    return err


def test_fix_diff_with_html_to_markdown_is_refused(tmp_path: Path) -> None:
    """`fix --diff --html-to-markdown`: its patch would write Markdown into .html files; refused,
    and nothing is written."""
    site = tmp_path / "site"
    shutil.copytree(FIXTURES / "site", site)
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert "--html-to-markdown" in refused("fix", "--diff", "--html-to-markdown", str(site))
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("to", ["html", "auto"])
def test_convert_to_with_format_text_is_refused(to: str) -> None:
    """--format text shows what a reader sees whatever --to says: --to there is refused."""
    assert f"--to {to}" in refused("convert", str(KEYTIP), "--to", to, "--format", "text")
    assert run("convert", str(KEYTIP), "--format", "text")[0] == 0


def test_help_names_what_the_commands_do() -> None:
    """fix walks *.htm too; batch -o takes .jsonl.zst; each command lists only its exit codes."""
    helps = {name: " ".join(run(name, "--help")[1].split()) for name in ("convert", "fix", "entities", "batch")}
    assert "*.md, *.markdown, *.html, *.htm" in helps["fix"]
    assert ".jsonl.zst" in helps["batch"]
    assert "1 --check or --diff found changes" in helps["fix"]
    for name in ("convert", "entities", "batch"):
        assert "Exit codes: 0 ok; 2 usage error" in helps[name]
        assert "1 --check" not in helps[name]
        assert "130 interrupted" in helps[name]


def test_batch_output_names(tmp_path: Path) -> None:
    """-o: a known file suffix is a file; a trailing /, an existing folder or a name without a
    suffix is a folder; any other suffix (out.txt, .jsonl.bz2) is a usage error naming the forms."""
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": 1, "html": "<p>好</p>"}) + "\n", encoding="utf-8")
    for name in ("out.txt", "clean.jsonl.bz2"):
        err = refused("batch", str(source), "-o", str(tmp_path / name))
        assert err == (
            f"emclean: -o {tmp_path / name}: not an output name: a file ends in .jsonl, .ndjson or .json "
            "(optionally .gz or .zst), .parquet or .pq; a folder ends in / (or exists)\n"
        )
        assert not (tmp_path / name).exists()
    assert run("batch", str(source), "-o", str(tmp_path / "OUT.JSONL"), "-q")[0] == 0
    assert (tmp_path / "OUT.JSONL").is_file()
    for folder in ("out.txt/", "plain"):
        assert run("batch", str(source), "-o", f"{tmp_path}/{folder}", "-q")[0] == 0
        assert (tmp_path / folder / "in.jsonl").is_file()
    (tmp_path / "made.d").mkdir()
    assert run("batch", str(source), "-o", str(tmp_path / "made.d"), "-q")[0] == 0
    assert (tmp_path / "made.d" / "in.jsonl").is_file()


def test_folder_search_ignores_the_case_of_suffixes(tmp_path: Path) -> None:
    """A folder's A.JSONL is found, as -o OUT.JSONL is a file."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "A.JSONL").write_text(json.dumps({"id": 1, "html": "<p>好</p>"}) + "\n", encoding="utf-8")
    code, out, _ = run("batch", str(tmp_path / "in"), "-q")
    assert code == 0
    assert json.loads(out)["markdown"] == "好\n"


def test_output_shards_are_compressed_as_their_names_say(tmp_path: Path) -> None:
    """gzip data in a shard named a.jsonl is read, and its output a.jsonl is plain JSON Lines
    (the name says so); b.jsonl.gz stays gzip."""
    import gzip

    (tmp_path / "in").mkdir()
    line = (json.dumps({"id": 1, "html": "<p>好</p>"}) + "\n").encode()
    (tmp_path / "in" / "a.jsonl").write_bytes(gzip.compress(line))
    (tmp_path / "in" / "b.jsonl.gz").write_bytes(gzip.compress(line))
    assert run("batch", str(tmp_path / "in"), "-o", f"{tmp_path}/out/", "-q")[0] == 0
    assert json.loads((tmp_path / "out" / "a.jsonl").read_bytes())["markdown"] == "好\n"
    assert json.loads(gzip.decompress((tmp_path / "out" / "b.jsonl.gz").read_bytes()))["markdown"] == "好\n"
