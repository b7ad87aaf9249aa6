"""The real corpus (../shared/corpus and ../shared/seed): every document converts faithfully."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from conftest import CORPUS, SEED
from markdown_it import MarkdownIt
from rendering import seen_html, seen_markdown

import emclean
from emclean import verify

MD = MarkdownIt("commonmark", {"html": True})
ENTITY_LINK = re.compile(r"\]\(https?://(?:quote|data|fund|guba)\.eastmoney\.com", re.I)


def documents() -> list[Path]:
    found = [p for folder in (CORPUS, SEED) if folder.is_dir() for p in sorted(folder.rglob("*"))]
    return [p for p in found if p.suffix in (".md", ".html") and p.name != "README.md"]


DOCS = documents()
pytestmark = pytest.mark.skipif(
    not DOCS, reason=f"the real corpus is not here ({CORPUS}); it lives outside the repository"
)


def body_of(text: str) -> str:
    return text.split("---\n", 2)[2] if text.startswith("---\n") else text


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_document_converts_faithfully(path: Path) -> None:
    """verify holds; no entity link and no raw HTML is left; a second pass changes nothing."""
    text = path.read_text(encoding="utf-8")
    result = emclean.convert(text, name=path.name)
    assert verify.check(result) == []
    assert not ENTITY_LINK.search(result.markdown)
    assert emclean.convert(result.markdown, name="again.md").markdown == result.markdown
    if result.changed:
        assert seen_markdown(body_of(result.markdown)).raw_html == 0


@pytest.mark.parametrize("path", [p for p in DOCS if p.suffix == ".md"], ids=lambda p: p.name)
def test_post_keeps_every_byte_outside_its_html(path: Path) -> None:
    """Front matter and every line before the first and after the last HTML block are unchanged."""
    text = path.read_text(encoding="utf-8")
    out = emclean.convert(text, name=path.name).markdown
    if out == text:
        return
    head = text[: text.index("\n---\n", 4) + 5]
    lines = body_of(text).splitlines(keepends=True)
    blocks = [t.map for t in MD.parse(body_of(text)) if t.type == "html_block" and t.map]
    before = head + "".join(lines[: blocks[0][0]])
    after = "".join(lines[blocks[-1][1] :])
    assert out.startswith(before)
    assert out.endswith(after)


@pytest.mark.kramdown
def test_kramdown_shows_what_markdown_it_shows(kramdown_render: Callable[[Sequence[str]], list[str]]) -> None:
    """Jekyll's kramdown reads every document emclean changed as markdown-it does.

    (Untouched Markdown is the authors' own: kramdown's smart quotes apply to it.)
    """
    results = [(p, emclean.convert(p.read_text(encoding="utf-8"), name=p.name)) for p in DOCS]
    changed = [(p, body_of(r.markdown)) for p, r in results if r.changed]
    outs = [out for _, out in changed]
    for (path, out), html in zip(changed, kramdown_render(outs), strict=True):
        by_kramdown, by_markdown_it = seen_html(html), seen_markdown(out)
        assert by_kramdown.text == by_markdown_it.text, path.name
        assert by_kramdown.strong == by_markdown_it.strong, path.name
        assert by_kramdown.images == by_markdown_it.images, path.name
        assert by_kramdown.tables == by_markdown_it.tables, path.name
