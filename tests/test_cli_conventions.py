"""Command-line conventions: -h, completion, exit codes in --help, usage errors for flags that
mean nothing together, no silent wait on a terminal, and what JSON output names."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, need
from typer.testing import CliRunner

from emclean.cli import app

runner = CliRunner()
EMCLEAN = str(Path(sys.executable).parent / "emclean")
KEYTIP = FIXTURES / "convert" / "stock-keytip.in.html"


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", [[], ["convert"], ["fix"], ["entities"]])
def test_dash_h_is_help(command: list[str]) -> None:
    """-h prints the same help as --help, for the program and each command."""
    short, long = run(*command, "-h"), run(*command, "--help")
    assert short[0] == 0
    assert short == long
    assert "Usage: emclean" in short[1]


@pytest.mark.parametrize("command", [[], ["convert"], ["fix"], ["entities"]])
def test_exit_codes_are_in_the_help(command: list[str]) -> None:
    """Every --help lists the exit codes."""
    out = " ".join(run(*command, "--help")[1].split())
    assert "Exit codes: 0 ok;" in out
    assert "2 usage error" in out
    assert "123 some" in out
    assert "130 interrupted" in out
    if not command:  # the program's help lists them all (each command's, only its own)
        assert "Exit codes: 0 ok; 1 --check found changes; 2 usage error, unreadable input," in out


def test_completion_options_are_offered() -> None:
    """--install-completion and --show-completion are in the help."""
    out = run("--help")[1]
    assert "--install-completion" in out
    assert "--show-completion" in out


def test_completion_through_the_environment_variable() -> None:
    """`emclean con<TAB>` completes to convert through the _EMCLEAN_COMPLETE protocol, and
    options complete too (a real process, as the shell runs it)."""
    env = {**os.environ, "_EMCLEAN_COMPLETE": "complete_bash", "COMP_WORDS": "emclean con", "COMP_CWORD": "1"}
    done = subprocess.run([EMCLEAN], env=env, capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout.split()) == (0, ["convert"])
    env.update(COMP_WORDS="emclean convert --annot", COMP_CWORD="2")
    done = subprocess.run([EMCLEAN], env=env, capture_output=True, text=True, check=False)
    assert done.stdout.split() == ["--annotate", "--annotate-suspicious"]


def test_the_bash_completion_script_completes_in_bash() -> None:
    """The script --show-completion prints, loaded in bash, completes `emclean con`."""
    need("bash", "the completion script is a bash function")
    script = subprocess.run([EMCLEAN, "--show-completion", "bash"], capture_output=True, text=True, check=True)
    assert "complete -o default -F _emclean_completion emclean" in script.stdout
    probe = (
        'eval "$SCRIPT"; COMP_WORDS=(emclean con); COMP_CWORD=1; _emclean_completion emclean; echo "${COMPREPLY[@]}"'
    )
    env = {**os.environ, "SCRIPT": script.stdout, "PATH": f"{Path(EMCLEAN).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["convert"]


def _on_a_terminal(args: list[str]) -> tuple[int | None, str]:
    """Run emclean with a terminal as stdin; (exit code or None if it waited, stderr)."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([EMCLEAN, *args], stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return None, ""
        return proc.returncode, err.decode()
    finally:
        os.close(master)
        os.close(slave)


@pytest.mark.parametrize("command", ["convert", "entities"])
def test_no_input_on_a_terminal_prints_the_usage(command: str) -> None:
    """With no file and a terminal as stdin, the usage and exit 2, instead of a silent wait."""
    code, err = _on_a_terminal([command])
    assert code == 2
    assert err.startswith(f"Usage: emclean {command} [OPTIONS]")
    assert "no input: name a file, pipe one in, or give - to type it" in err


@pytest.mark.parametrize("command", ["convert", "entities"])
def test_no_input_with_a_pipe_reads_stdin(command: str) -> None:
    """With no file and a pipe as stdin, stdin is read as before."""
    html = KEYTIP.read_text(encoding="utf-8")
    done = subprocess.run([EMCLEAN, command], input=html, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "贵州茅台" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["convert", "--diff", "--format", "json"], "--diff prints a diff: it cannot be combined with --format json"),
        (["convert", "--diff", "--format", "jsonl"], "--diff prints a diff: it cannot be combined with --format jsonl"),
        (["convert", "--diff", "--format", "text"], "--diff prints a diff: it cannot be combined with --format text"),
        (["convert", "--annotate-suspicious"], "--annotate-suspicious needs --annotate inline, link or footnote"),
        (
            ["convert", "--annotate", "none", "--annotate-suspicious"],
            "--annotate-suspicious needs --annotate inline, link or footnote",
        ),
        (["convert", "--front-matter", "--format", "text"], "--format text shows no front matter"),
        (["fix", "--annotate-suspicious"], "--annotate-suspicious needs --annotate inline, link or footnote"),
        (["fix", "--check", "--backup", ".orig"], "--backup keeps the originals of files written"),
        (["fix", "--diff", "--backup", ".orig"], "--backup keeps the originals of files written"),
        (["fix", "--quiet", "--verbose"], "--quiet and --verbose cannot be combined"),
        (["entities", "--by-file", "--format", "json"], "--by-file is for the table and tsv views"),
        (["entities", "--by-file", "--format", "jsonl"], "--by-file is for the table and tsv views"),
        (["entities", "--by-file", "--format", "csv"], "--by-file is for the table and tsv views"),
    ],
)
def test_flags_that_mean_nothing_together_are_a_usage_error(args: list[str], message: str, tmp_path: Path) -> None:
    """Each combination that means nothing: one line on stderr naming it, exit 2, nothing done."""
    target = tmp_path / "post.md"
    target.write_bytes(KEYTIP.read_bytes())
    code, out, err = run(*args, str(target))
    assert (code, out) == (2, "")
    assert err.startswith("emclean: " + message)
    assert err.count("\n") == 1
    assert target.read_bytes() == KEYTIP.read_bytes()
    assert not list(tmp_path.glob("*.orig"))


@pytest.mark.parametrize(
    "args",
    [
        ["convert", "--diff"],
        ["convert", "--annotate", "inline", "--annotate-suspicious"],
        ["convert", "--front-matter", "--format", "json"],
        ["fix", "--check", "--diff"],
        ["entities", "--by-file", "--format", "tsv"],
    ],
)
def test_combinations_that_mean_something_still_run(args: list[str]) -> None:
    """The usage checks refuse only what means nothing."""
    code, _, err = run(*args, str(KEYTIP))
    assert code in (0, 1), err


def test_json_names_the_file_given() -> None:
    """convert --format json FILE names FILE in its entity records (not "-")."""
    data = json.loads(run("convert", str(KEYTIP), "--format", "json")[1])
    assert {e["file"] for e in data["entities"]} == {str(KEYTIP)}
    from_stdin = json.loads(run("convert", "-", "--format", "json", stdin=KEYTIP.read_text(encoding="utf-8"))[1])
    assert {e["file"] for e in from_stdin["entities"]} == {"-"}
