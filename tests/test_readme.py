"""The README's console examples run and print what the README shows."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def examples() -> list[tuple[str, str]]:
    """(command, expected output) for each `$ ` line of the README's console blocks."""
    out = []
    for block in BLOCK.findall(README):
        command, expected = "", []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command:
                    out.append((command, "".join(expected)))
                command, expected = line[2:], []
            else:
                expected.append(line + "\n")
        if command:
            out.append((command, "".join(expected)))
    return out


@pytest.mark.parametrize(("command", "expected"), examples(), ids=lambda v: v[:50] if isinstance(v, str) else "")
def test_readme_example(command: str, expected: str) -> None:
    """The command prints exactly the lines shown under it."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("FORCE_COLOR", None)
    done = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.stdout == expected, done.stderr


def test_readme_has_the_test_command() -> None:
    """The README names the test command .ci/run runs."""
    assert "<!-- test-command -->" in README
    assert "pytest" in README.split("<!-- test-command -->")[1].split("```")[1]
