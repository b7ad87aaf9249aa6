"""pre-commit: the hook manifest is valid and its entries run; the README's snippet works
as written, in a real repository, with pre-commit itself."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ROOT, STRICT, need

BIN = Path(sys.executable).parent
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
MARKED = FIXTURES / "site" / "_posts" / "2022-05-30-202205302396671645.md"
# The README's snippet (its yaml block with `repo: local` is used instead once it is there).
SNIPPET = """\
repos:
  - repo: local
    hooks:
      - id: emclean-fix
        name: emclean fix
        entry: emclean fix
        language: system
        files: \\.(md|markdown|html)$
"""


def run(args: list[str], **how: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False, **how)


def readme_snippet() -> str:
    blocks = re.findall(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    local = [block for block in blocks if "repo: local" in block]
    return local[0] if local else SNIPPET


def pre_commit() -> str:
    found = shutil.which("pre-commit", path=str(BIN)) or shutil.which("pre-commit")
    if found is None:
        (pytest.fail if STRICT else pytest.skip)("pre-commit is not installed (it comes with the dev extras)")
    return found


def env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}


def test_the_manifest_is_valid() -> None:
    """pre-commit validate-manifest accepts .pre-commit-hooks.yaml."""
    done = run([pre_commit(), "validate-manifest", str(MANIFEST)])
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(("hook", "code", "changed"), [("emclean-fix", 0, True), ("emclean-check", 1, False)])
def test_each_hook_entry_runs(hook: str, code: int, changed: bool, tmp_path: Path) -> None:
    """Each hook's entry, given a post with Eastmoney markup as pre-commit gives it."""
    text = MANIFEST.read_text(encoding="utf-8")
    entry = re.search(rf"- id: {hook}\n(?:  .*\n)*?  entry: (.*)\n", text)
    assert entry is not None
    post = tmp_path / MARKED.name
    shutil.copy(MARKED, post)
    done = run([*shlex.split(entry.group(1)), str(post)], env=env())
    assert done.returncode == code, done.stderr
    assert (post.read_bytes() != MARKED.read_bytes()) is changed


def test_the_readme_snippet_works_as_written(tmp_path: Path) -> None:
    """In a git repository with the README's .pre-commit-config.yaml, `pre-commit run` fixes
    the post and fails (a hook that changes files fails the commit); a second run passes."""
    need("git", "pre-commit runs in a git repository")
    tool = pre_commit()
    repo = tmp_path / "site"
    (repo / "_posts").mkdir(parents=True)
    shutil.copy(MARKED, repo / "_posts" / MARKED.name)
    (repo / ".pre-commit-config.yaml").write_text(readme_snippet(), encoding="utf-8")
    run_env = {**env(), "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_CONFIG_GLOBAL": os.devnull}
    for command in (["git", "init", "-q"], ["git", "add", "."]):
        subprocess.run(command, cwd=repo, env=run_env, check=True)
    first = run([tool, "run", "--all-files"], cwd=repo, env=run_env)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert (repo / "_posts" / MARKED.name).read_bytes() != MARKED.read_bytes()
    subprocess.run(["git", "add", "."], cwd=repo, env=run_env, check=True)
    second = run([tool, "run", "--all-files"], cwd=repo, env=run_env)
    assert second.returncode == 0, second.stdout + second.stderr
