"""`emclean fix --diff . | patch -p0` writes exactly what `fix` writes, whatever the names.

Diff headers name files as GNU diff and git do: C-quoted with octal escapes when a name holds
anything but printable ASCII (`"caf\\303\\251.md"`), and a tab after a name with a space.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES

from emclean.diffs import label

POST = FIXTURES / "site" / "_posts" / "2022-05-30-202205302396671645.md"  # carries keytips
NAMES = [
    "2024-01-01- space .md",
    "2024-01-01-café.md",
    "2024-01-01-中文.md",
    "2024-01-01-new\nline.md",
    "2024-01-01-tab\tx.md",
    "2024-01-01-bidi\u202eevil.md",
    "2024-01-01-esc\x1bx.md",
    '2024-01-01-quote"back\\slash.md',
    os.fsdecode(b"2024-01-01-not-utf8-\xff.md"),
    "plain.md",
    "sub dir/a b.md",
]


def tree(root: Path) -> dict[str, bytes]:
    return {os.fsdecode(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs GNU patch")
def test_fix_diff_through_patch_is_what_fix_writes(tmp_path: Path) -> None:
    for name in NAMES:
        path = tmp_path / "patched" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(POST, path)
    shutil.copytree(tmp_path / "patched", tmp_path / "fixed")
    emclean = [sys.executable, "-m", "emclean", "fix"]
    diff = subprocess.run([*emclean, "--diff", "."], cwd=tmp_path / "patched", capture_output=True, check=False)
    assert diff.returncode == 1, diff.stderr
    done = subprocess.run(
        ["patch", "-p0"], input=diff.stdout, cwd=tmp_path / "patched", capture_output=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    fixed = subprocess.run([*emclean, "-q", "."], cwd=tmp_path / "fixed", capture_output=True, check=False)
    assert fixed.returncode == 0, fixed.stderr
    after = tree(tmp_path / "patched")
    assert after == tree(tmp_path / "fixed")
    assert all(b"keytip" not in data for data in after.values())


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("plain.md", "plain.md"),
        ("a b.md", "a b.md\t"),
        ("café.md", '"caf\\303\\251.md"'),
        ("new\nline.md", '"new\\nline.md"'),
        ('q"b\\.md', '"q\\"b\\\\.md"'),
        ("x\x7f y.md", '"x\\177 y.md"\t'),
        (os.fsdecode(b"a\xff.md"), '"a\\377.md"'),
    ],
)
def test_label_quotes_as_git_does(name: str, header: str) -> None:
    assert label(name) == header
