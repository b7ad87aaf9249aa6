"""Shared test helpers: fixture paths, the golden-update flag, renderers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
SEED = SHARED / "seed"
# In CI every optional tool must be present: a missing one fails instead of skipping.
STRICT = os.environ.get("EMCLEAN_STRICT_TOOLS") == "1"

KRAMDOWN_RB = (
    "require 'kramdown'; require 'kramdown-parser-gfm'; require 'json'; "
    "STDOUT.write(JSON.dump(JSON.parse(STDIN.read).map { |t| "
    "Kramdown::Document.new(t, input: 'GFM', hard_wrap: false).to_html }))"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite fixtures/*/*.out.* from the current output instead of comparing",
    )


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def need(tool: str, why: str) -> None:
    """Skip (or, in CI, fail) when an external tool is missing."""
    if shutil.which(tool) is None:
        if STRICT:
            pytest.fail(f"{tool} is required in CI: {why}")
        pytest.skip(f"{tool} not installed: {why}")


def need_corpus() -> Path:
    """The shared corpus folder, or skip with the reason."""
    if not CORPUS.is_dir():
        pytest.skip(f"the real corpus is not here ({CORPUS}); it lives outside the repository")
    return CORPUS


def have_kramdown() -> bool:
    if shutil.which("ruby") is None:
        return False
    probe = subprocess.run(
        ["ruby", "-e", "require 'kramdown'; require 'kramdown-parser-gfm'"], capture_output=True, check=False
    )
    return probe.returncode == 0


_kramdown_cache: dict[str, str] = {}


def kramdown(texts: Sequence[str]) -> list[str]:
    """Render Markdown texts with Ruby kramdown (GFM input, as Jekyll does), in one process."""
    missing = [t for t in dict.fromkeys(texts) if t not in _kramdown_cache]
    if missing:
        done = subprocess.run(
            ["ruby", "-e", KRAMDOWN_RB], input=json.dumps(missing), capture_output=True, text=True, check=True
        )
        _kramdown_cache.update(zip(missing, json.loads(done.stdout), strict=True))
    return [_kramdown_cache[t] for t in texts]


@pytest.fixture(scope="session")
def kramdown_render() -> Callable[[Sequence[str]], list[str]]:
    if not have_kramdown():
        if STRICT:
            pytest.fail("ruby with kramdown and kramdown-parser-gfm is required in CI")
        pytest.skip("ruby kramdown not installed (apt-get install ruby-kramdown-parser-gfm)")
    return kramdown
