"""Liquid in article text never runs: one Jekyll site whose posts hold generated hostile
lines (Liquid tags and outputs, `endraw`, entities, in every place text leaves emclean),
`emclean fix`, then the real `jekyll build --safe`: the build succeeds with no Liquid
warning, no title is printed, and every line shows literally."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, need
from selectolax.lexbor import LexborHTMLParser
from typer.testing import CliRunner

from emclean.cli import app

LEAK = "LEAKED-TITLE"
# What Liquid could read in article text (each shown literally when it is not run).
PAYLOADS = [
    "写法 {{ page.title }}，结束标签叫 endraw，站点 {{ site.title }}",
    "值{{ endraw 尾",
    "{% endraw %}",
    "{%endraw%}{{ site.title }}",
    "{%- endraw -%} {{- site.title -}}",
    "{% raw %}{{ site.title }}",
    "{% raw %}{{ site.title }}{% endraw %}",
    "&#123;% endraw %&#125;{{ site.title }}",
    "&#x7b;{ site.title }}",
    "&lbrace;&lbrace; site.title &rbrace;&rbrace;",
    "&amp;#123;{ 字面 }}",
    "{{{ site.title }}}",
    "{%{% x %}%}",
    "{ { site.title } }",
    "{{ 'x' | append: site.title }}",
    "{% include /etc/passwd %}",
    "{% comment %} 未闭合",
    "{% if true %}{{ site.title }}",
    "{% assign x = site.title %}{{ x }}",
    "{{-",
    "{%-",
    "}}{{",
    "%}{%",
    "{",
    "{{",
    "{%",
    "站点{{site.title}}尾",
    "a{{b}}c{%d%}e",
    "{{\nsite.title }}",
    "\"{{ site.title }}\" '{% raw %}'",
    "`{{ site.title }}`",
    "\\{{ site.title }}",
    "*{{ site.title }}*",
    "[{{ site.title }}](x)",
    "| {{ site.title }} |",
]


def text_of(html: str) -> str:
    """What a browser shows of an HTML snippet, without whitespace."""
    body = LexborHTMLParser(f"<div>{html}</div>").css_first("div")
    assert body is not None
    return squeeze(body.text())


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def esc(payload: str) -> str:
    """The payload as HTML text: `<`, `>` and a lone `&` escaped, its entities kept."""
    return re.sub(r"&(?![#A-Za-z][A-Za-z0-9]*;)", "&amp;", payload).replace("<", "&lt;").replace(">", "&gt;")


# Every place text leaves emclean: `{m}` is the line's marker, `{p}` the payload (HTML text).
CONTAINERS: list[Callable[[str, str], str]] = [
    lambda m, p: f"<p>{m} {p}</p>",
    lambda m, p: f"<h2>{m} {p}</h2>",
    lambda m, p: f"<ul><li>{m} {p}</li></ul>",
    lambda m, p: f"<blockquote><p>{m} {p}</p></blockquote>",
    lambda m, p: f"<table><tr><th>{m}</th><th>h</th></tr><tr><td>{p}</td><td>{p}</td></tr></table>",
    lambda m, p: f"<p>{m} <strong>{p}</strong> 后</p>",
    lambda m, p: f'<p>{m} <a href="https://x.example/{{{{site.title}}}}">{p}</a> 后</p>',
    lambda m, p: f"<p>{m} {p}<br>{p}</p>",
    lambda m, p: f"<p>{m} <strong>{p}<br>{p}</strong></p>",
    lambda m, p: f"<p>{m} {{<br>{{ {p}</p>",
]


def entity(m: str, p: str, n: int) -> str:
    """An entity link named by the payload (its footnote definition or annotation repeats it)."""
    return f'<p>{m} <a class="keytip" data-code="1,6{n:05d}">{p}</a> 后</p>'


def image(m: str, p: str) -> str:
    return f'<p>{m} <img src="https://x.example/a.png" alt="{p.replace(chr(34), "&quot;")}"></p>'


def post(lines: list[str]) -> str:
    """A post whose body is the lines, one HTML block each."""
    return (
        f'---\nlayout: post\ntitle: "{LEAK}"\n---\n<p class="em_media">（文章来源：测试）</p>\n\n'
        + "\n\n".join(line.replace("\n", " ") for line in lines)
        + "\n"
    )


def build(source: Path, target: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["jekyll", "build", "--safe", "-s", str(source), "-d", str(target)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.jekyll
@pytest.mark.slow
def test_hostile_lines_show_literally_after_a_jekyll_build(tmp_path: Path) -> None:
    """Every generated line shows as written; Liquid runs nowhere; the build is clean."""
    need("jekyll", "the Jekyll build test needs Debian's jekyll (apt-get install jekyll)")
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    shutil.copytree(FIXTURES / "site" / "_layouts", site / "_layouts")
    config = (FIXTURES / "site" / "_config.yml").read_text(encoding="utf-8")
    (site / "_config.yml").write_text(re.sub(r"(?m)^title:.*$", f"title: {LEAK}", config), encoding="utf-8")

    expected: dict[str, str] = {}  # marker → the text its line must show
    lines: list[str] = []
    alts: list[str] = []
    names: list[str] = []
    for n, (payload, container) in enumerate(itertools.product(PAYLOADS, CONTAINERS)):
        marker = f"L{n:03d}"
        lines.append(container(marker, esc(payload)))
        expected[marker] = text_of(lines[-1])
    for n, payload in enumerate(PAYLOADS):
        alts.append(image(f"A{n:03d}", esc(payload)))
        names.append(entity(f"E{n:03d}", esc(payload), n))
    # the Jekyll "title" of a payload with a line break inside is what a browser shows
    want_alts = [" ".join(LexborHTMLParser(a).css_first("img").attributes["alt"].split()) for a in alts]  # type: ignore[union-attr]
    want_names = [text_of(esc(p)) for p in PAYLOADS]
    (site / "_posts" / "2024-01-01-lines.md").write_text(post(lines + alts), encoding="utf-8")
    (site / "_posts" / "2024-01-02-footnotes.md").write_text(post(names), encoding="utf-8")
    (site / "_posts" / "2024-01-03-inline.md").write_text(post(names), encoding="utf-8")

    runner = CliRunner()
    for name, flags in (
        ("2024-01-01-lines.md", ["--annotate", "none"]),
        ("2024-01-02-footnotes.md", ["--annotate", "footnote", "--annotate-suspicious"]),
    ):
        done = runner.invoke(app, ["fix", "-q", *flags, str(site / "_posts" / name)])
        assert done.exit_code == 0, done.output
    done = runner.invoke(app, ["fix", "-q", "--annotate", "inline", str(site / "_posts" / "2024-01-03-inline.md")])
    assert done.exit_code == 0, done.output

    built = build(site, tmp_path / "_site")
    assert built.returncode == 0, built.stdout + built.stderr
    assert "Liquid" not in built.stdout + built.stderr

    pages = {}
    for page in (tmp_path / "_site").rglob("index.html"):
        article = LexborHTMLParser(page.read_text(encoding="utf-8")).css_first("article.post-content")
        if article is not None:
            pages[page.parent.name] = article
    assert set(pages) == {"lines", "footnotes", "inline"}
    for article in pages.values():
        assert LEAK not in (article.html or "")

    shown = squeeze(pages["lines"].text())
    missing = [m for m, text in expected.items() if text not in shown]
    assert missing == [], [(m, expected[m]) for m in missing[:5]]
    shown_alts = [img.attributes.get("alt") for img in pages["lines"].css("img")]
    assert shown_alts == want_alts

    notes = pages["footnotes"].css_first(".footnotes")
    assert notes is not None
    definitions = [squeeze(li.text()) for li in notes.css("li")]
    assert len(definitions) == len(PAYLOADS)
    for definition, name in zip(definitions, want_names, strict=True):
        assert definition.startswith(name), (definition, name)
    shown = squeeze(pages["inline"].text())
    for n, name in enumerate(want_names):
        assert f"E{n:03d}{name}" in shown
