"""The real client: a GitHub-Pages-like Jekyll site (kramdown, GFM input, safe mode) builds
after `emclean fix` and shows the same article, minus the Eastmoney markup."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, need
from rendering import seen_html
from selectolax.lexbor import LexborHTMLParser
from typer.testing import CliRunner

from emclean.cli import app

LIQUID_POST = "2022-06-01-202206011000000001.md"
ADS = ["在东方财富看资讯行情，选东方财富证券一站式开户交易>>"]
ENTITY_LINK = re.compile(r"https?://(?:quote|data)\.eastmoney\.com", re.I)


def build(source: Path, target: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["jekyll", "build", "--safe", "--quiet", "-s", str(source), "-d", str(target)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def articles(site: Path) -> dict[str, str]:
    """The article HTML of every post page, by page path."""
    out = {}
    for page in sorted(site.rglob("index.html")):
        article = LexborHTMLParser(page.read_text(encoding="utf-8")).css_first("article.post-content")
        if article is not None:
            out[str(page.relative_to(site))] = article.html or ""
    return out


@pytest.mark.jekyll
@pytest.mark.slow
def test_site_builds_after_fix_and_shows_the_same_articles(tmp_path: Path) -> None:
    """Before fix a Liquid tag in article text breaks the build; after, the site builds and
    every page shows the same bold runs, images, tables and text, with no quote links."""
    need("jekyll", "the Jekyll build test needs Debian's jekyll (apt-get install jekyll)")
    site = tmp_path / "site"
    shutil.copytree(FIXTURES / "site", site)

    broken = build(site, tmp_path / "broken")
    assert broken.returncode != 0
    assert "include" in broken.stdout + broken.stderr

    parked = tmp_path / LIQUID_POST
    shutil.move(site / "_posts" / LIQUID_POST, parked)
    assert build(site, tmp_path / "before").returncode == 0
    shutil.move(parked, site / "_posts" / LIQUID_POST)
    before = articles(tmp_path / "before")

    result = CliRunner().invoke(app, ["fix", str(site / "_posts")])
    assert result.exit_code == 0, result.output

    after_build = build(site, tmp_path / "after")
    assert after_build.returncode == 0, after_build.stderr
    after = articles(tmp_path / "after")
    assert set(before) < set(after)

    for page, html in before.items():
        old, new = seen_html(html), seen_html(after[page])
        assert not ENTITY_LINK.search(after[page]), page
        assert new.strong == old.strong, page
        assert new.images == old.images, page
        assert new.tables == old.tables, page
        assert new.cells == old.cells, page
        expected = old.text
        for ad in ADS:
            expected = expected.replace(ad, "")
        assert new.text == expected, page

    liquid_page = next(p for p in after if "202206011000000001" in p)
    text = LexborHTMLParser(after[liquid_page]).text()
    assert "{% include x %}" in text
    assert "{{ site.title }}" in text
