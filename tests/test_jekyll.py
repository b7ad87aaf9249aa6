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

# Posts whose Liquid-looking article text breaks the build until `emclean fix` ran.
LIQUID_POSTS = ("2022-06-01-202206011000000001.md", "2022-06-02-202206021000000004.html")
HTML_POST = "2022-07-01-202207011000000003.html"  # front matter and an HTML body
ADS = ["在东方财富看资讯行情，选东方财富证券一站式开户交易>>", "全新妙想投研助理，立即体验"]
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


def site_before(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the site, and its articles as built before `fix` (the Liquid posts left out:
    they break the build, which is asserted)."""
    need("jekyll", "the Jekyll build test needs Debian's jekyll (apt-get install jekyll)")
    site = tmp_path / "site"
    shutil.copytree(FIXTURES / "site", site)
    broken = build(site, tmp_path / "broken")
    assert broken.returncode != 0
    assert "include" in broken.stdout + broken.stderr
    parked = tmp_path / "parked"
    parked.mkdir()
    for name in LIQUID_POSTS:
        shutil.move(site / "_posts" / name, parked / name)
    done = build(site, tmp_path / "before")
    assert done.returncode == 0, done.stderr
    for name in LIQUID_POSTS:
        shutil.move(parked / name, site / "_posts" / name)
    return site, articles(tmp_path / "before")


def assert_same_articles(before: dict[str, str], after: dict[str, str]) -> None:
    """Every page shows the same bold runs, images, tables and text, minus links and ads."""
    assert set(before) < set(after)
    for page, html in before.items():
        old, new = seen_html(html), seen_html(after[page])
        assert not ENTITY_LINK.search(after[page]), page
        assert new.stars == 0, page
        assert new.strong == old.strong, page
        assert new.images == old.images, page
        assert new.tables == old.tables, page
        assert new.cells == old.cells, page
        expected = old.text
        for ad in ADS:
            expected = expected.replace(ad, "")
        assert new.text == expected, page


def page_of(pages: dict[str, str], post: str) -> str:
    return next(p for p in pages if Path(post).stem.split("-", 3)[3] in p)


@pytest.mark.jekyll
@pytest.mark.slow
def test_site_builds_after_fix_and_shows_the_same_articles(tmp_path: Path) -> None:
    """Before fix a Liquid tag in article text breaks the build; after, the site builds and
    every page shows the same bold runs, images, tables and text, with no quote links. The
    .html post stays HTML (front matter bytes kept), and Liquid runs from no article text."""
    site, before = site_before(tmp_path)
    html_post = site / "_posts" / HTML_POST
    head = html_post.read_text(encoding="utf-8").split("---\n", 2)[1]

    result = CliRunner().invoke(app, ["fix", str(site / "_posts")])
    assert result.exit_code == 0, result.output

    fixed = html_post.read_text(encoding="utf-8")
    assert fixed.startswith(f"---\n{head}---\n<blockquote><p>")
    assert "**" not in fixed
    assert "<strong>" in fixed

    after_build = build(site, tmp_path / "after")
    assert after_build.returncode == 0, after_build.stderr
    after = articles(tmp_path / "after")
    assert_same_articles(before, after)
    assert page_of(before, HTML_POST) == page_of(after, HTML_POST)

    for post in LIQUID_POSTS:
        page = LexborHTMLParser(after[page_of(after, post)])
        assert "{% include x %}" in page.text()
        assert "{{ site.title }}" in page.text()
    image = LexborHTMLParser(after[page_of(after, LIQUID_POSTS[1])]).css_first("img")
    assert image is not None
    assert image.attributes["alt"] == "{{ site.title }}"


@pytest.mark.jekyll
@pytest.mark.slow
def test_html_post_made_markdown_keeps_its_url(tmp_path: Path) -> None:
    """`fix --html-to-markdown` makes the .html posts .md posts: each is published at the same
    URL as before, showing the same text, bold runs, images and tables."""
    site, before = site_before(tmp_path)
    result = CliRunner().invoke(app, ["fix", "--html-to-markdown", str(site / "_posts")])
    assert result.exit_code == 0, result.output
    posts = site / "_posts"
    assert not list(posts.glob("*.html"))
    markdown = (posts / HTML_POST).with_suffix(".md").read_text(encoding="utf-8")
    assert "<" not in markdown.split("---\n", 2)[2]

    after_build = build(site, tmp_path / "after")
    assert after_build.returncode == 0, after_build.stderr
    after = articles(tmp_path / "after")
    assert_same_articles(before, after)
    assert page_of(before, HTML_POST) == page_of(after, HTML_POST)
