"""The commands scripts and hooks run cold (`convert FILE`, `convert FILE --annotate MODE`,
`entities FILE...`) skip the typer app and jieba, and print exactly what the typer path prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES

EMCLEAN = str(Path(sys.executable).parent / "emclean")
CONVERT = FIXTURES / "convert"
FILES = [str(CONVERT / n) for n in ("stock-keytip.in.html", "glossary-infokey.in.html", "annotate-suspicious.in.html")]


def emclean(*args: str) -> tuple[int, str, str]:
    done = subprocess.run([EMCLEAN, *args], capture_output=True, text=True, check=False)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize(
    ("fast", "typer"),
    [
        (["convert", FILES[0]], ["convert", FILES[0], "--input", "auto"]),
        (["convert", FILES[2], "--annotate", "inline"], ["convert", FILES[2], "--annotate=inline"]),
        (["convert", "--annotate", "FOOTNOTE", FILES[2]], ["convert", FILES[2], "--annotate=footnote"]),
        (["entities", *FILES], ["entities", *FILES, "--format", "tsv"]),
        (["entities", FILES[0], "missing.md"], ["entities", FILES[0], "missing.md", "--format", "tsv"]),
        (["convert", "missing.md", "--annotate", "inline"], ["convert", "missing.md", "--annotate=inline"]),
    ],
)
def test_the_fast_path_prints_what_typer_prints(fast: list[str], typer: list[str]) -> None:
    """Same output, same messages, same exit code, with or without the typer app."""
    assert emclean(*fast) == emclean(*typer)


PROBE = """
import sys
from emclean.entry import fast_path
run = fast_path(sys.argv[1:])
assert run is not None, "not a fast path"
code = run()
print(sorted(m for m in ("typer", "click", "jieba", "rich", "multiprocessing") if m in sys.modules), code)
"""


@pytest.mark.parametrize(
    "args", [["convert", FILES[0]], ["convert", FILES[2], "--annotate", "inline"], ["entities", *FILES]]
)
def test_the_fast_path_loads_neither_typer_nor_jieba(args: list[str]) -> None:
    """What a cold start of these commands imports: no typer, no jieba, no worker pool."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "[] 0"


@pytest.mark.parametrize(
    "args",
    [
        ["convert", FILES[0], "--diff"],
        ["convert", "--annotate", "bogus", FILES[0]],
        ["convert", FILES[0], "--annotate"],
        ["entities", FILES[0], "--by-file"],
        ["entities"],
        ["convert"],
    ],
)
def test_anything_else_goes_through_typer(args: list[str]) -> None:
    """Other arguments are typer's to parse (and to refuse)."""
    from emclean.entry import fast_path

    assert fast_path(args) is None
