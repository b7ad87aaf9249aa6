"""Golden cases: each fixtures/convert/NAME.in.* converts to exactly NAME.out.*.

NAME.flags holds the command-line flags. With `--to html`, an .html input gives NAME.out.html
(cleaned HTML) and a Markdown post NAME.out.md (its HTML blocks cleaned as HTML).
Run `pytest tests/test_golden.py --update-golden` to rewrite the expected files, then
read the change as a plain git diff before committing it.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from conftest import FIXTURES
from rendering import MD, Seen, seen_html, seen_markdown
from typer.testing import CliRunner

import emclean
from emclean import verify
from emclean.cli import app

CASES = sorted((FIXTURES / "convert").glob("*.in.*"))
runner = CliRunner()


def flags_of(case: Path) -> list[str]:
    flags = case.with_name(case.name.split(".in.")[0] + ".flags")
    return shlex.split(flags.read_text(encoding="utf-8")) if flags.exists() else []


def option(flags: list[str], name: str) -> str | None:
    return flags[flags.index(name) + 1] if name in flags else None


def html_out(case: Path) -> bool:
    """True for cases converted with --to html (HTML stays HTML)."""
    return option(flags_of(case), "--to") == "html"


def expected_of(case: Path) -> Path:
    flags = flags_of(case)
    document = ".html" if html_out(case) and case.suffix == ".html" else ".md"
    ext = {"json": ".json", "text": ".txt"}.get(option(flags, "--format") or "", document)
    return case.with_name(case.name.split(".in.")[0] + ".out" + ext)


def convert_cli(case: Path) -> str:
    result = runner.invoke(app, ["convert", str(case), *flags_of(case)])
    assert result.exit_code == 0, result.output
    return result.stdout


def markdown_cases() -> list[Path]:
    return [c for c in CASES if expected_of(c).suffix == ".md" and not html_out(c)]


def html_cases() -> list[Path]:
    """Cases whose output is HTML, or a Markdown post with cleaned HTML blocks."""
    return [c for c in CASES if html_out(c) and expected_of(c).suffix in (".html", ".md")]


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_golden(case: Path, update_golden: bool) -> None:
    """The CLI prints exactly the expected output for each fixture."""
    out = convert_cli(case)
    expected = expected_of(case)
    if update_golden:
        expected.write_text(out, encoding="utf-8", newline="")
    assert expected.exists(), f"no expected output: run pytest --update-golden, then review {expected.name}"
    assert out == expected.read_bytes().decode("utf-8")


@pytest.mark.parametrize("case", markdown_cases(), ids=lambda p: p.name)
def test_second_pass_changes_nothing(case: Path) -> None:
    """Converting the output again gives the output back."""
    first = expected_of(case).read_bytes().decode("utf-8")
    assert emclean.convert(first, name="out.md").markdown == first


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_verify_holds(case: Path) -> None:
    """The output shows the input's text, minus what the rules removed."""
    text = case.read_bytes().decode("utf-8")
    options = _options(flags_of(case))
    assert verify.check(emclean.convert(text, options, name=case.name)) == []


def _options(flags: list[str]) -> emclean.Options:
    args: dict[str, object] = {}
    if "--annotate" in flags:
        args["annotate"] = emclean.Annotate(flags[flags.index("--annotate") + 1])
    args["annotate_suspicious"] = "--annotate-suspicious" in flags
    args["keep_charts"] = "--keep-charts" in flags
    args["front_matter"] = "--front-matter" in flags
    if "--liquid" in flags:
        args["liquid"] = True
    if "--to" in flags:
        args["to"] = emclean.Target(flags[flags.index("--to") + 1])
    return emclean.Options(**args)  # type: ignore[arg-type]


def source_seen(case: Path) -> Seen:
    text = case.read_text(encoding="utf-8")
    if case.suffix == ".md":
        body = text.split("---", 2)[2] if text.lstrip().startswith("---") else text
        return seen_markdown(body)
    return seen_html(text)


@pytest.mark.parametrize("case", markdown_cases(), ids=lambda p: p.name)
def test_renders_like_the_source(case: Path) -> None:
    """markdown-it shows the output with the source's bold runs, images and tables, and no raw HTML."""
    out = expected_of(case).read_text(encoding="utf-8")
    body = out.split("---", 2)[2] if out.startswith("---") else out
    if out == case.read_bytes().decode("utf-8"):
        pytest.skip("not Eastmoney markup: left byte for byte as it was")
    seen, source = seen_markdown(body), source_seen(case)
    assert seen.raw_html == 0
    assert seen.stars == source.stars
    assert seen.tables == source.tables
    if "--keep-charts" not in flags_of(case):
        assert seen.images == source.images
    assert seen.strong == source.strong


@pytest.mark.kramdown
def test_kramdown_shows_the_same(kramdown_render: Callable[[Sequence[str]], list[str]]) -> None:
    """Jekyll's kramdown (GFM) shows every golden output as markdown-it does."""
    outs = [expected_of(c).read_text(encoding="utf-8") for c in markdown_cases()]
    bodies = [o.split("---", 2)[2] if o.startswith("---") else o for o in outs]
    for case, body, html in zip(markdown_cases(), bodies, kramdown_render(bodies), strict=True):
        by_kramdown, by_markdown_it = seen_html(html), seen_markdown(body)
        if "footnote" not in flags_of(case):  # markdown-it here has no footnote plugin
            assert by_kramdown.text == by_markdown_it.text, case.name
        assert by_kramdown.strong == by_markdown_it.strong, case.name
        assert by_kramdown.images == by_markdown_it.images, case.name
        assert by_kramdown.tables == by_markdown_it.tables, case.name
        assert by_kramdown.cells == by_markdown_it.cells, case.name
        assert by_kramdown.stars == by_markdown_it.stars, case.name


@pytest.mark.parametrize("case", html_cases(), ids=lambda p: p.name)
def test_html_second_pass_changes_nothing(case: Path) -> None:
    """Cleaning the cleaned HTML again (as a second `fix` does) gives it back."""
    first = expected_of(case).read_bytes().decode("utf-8")
    assert emclean.convert(first, _options(flags_of(case)), name=expected_of(case).name).markdown == first


@pytest.mark.parametrize("case", html_cases(), ids=lambda p: p.name)
def test_html_is_safe_and_shows_the_source(case: Path) -> None:
    """HTML output holds only allowed elements and attributes, and shows the source's bold
    runs, images and tables (rendered as a Markdown post, for an .md input)."""
    from emclean import safehtml

    out = expected_of(case).read_text(encoding="utf-8")
    body = out.split("---", 2)[2] if out.startswith("---") else out
    html = body if case.suffix == ".html" else MD.render(body)
    assert safehtml.unsafe(html) == []
    seen, source = seen_html(html), source_seen(case)
    assert seen.stars == 0
    assert seen.strong == source.strong
    assert seen.tables == source.tables
    if "--keep-charts" not in flags_of(case) and "hostile" not in case.name:  # (a script "image" goes)
        assert seen.images == source.images


@pytest.mark.kramdown
def test_kramdown_reads_html_blocks_as_html(kramdown_render: Callable[[Sequence[str]], list[str]]) -> None:
    """A Markdown post whose HTML was cleaned as HTML shows the same in kramdown as in markdown-it."""
    cases = [c for c in html_cases() if expected_of(c).suffix == ".md"]
    bodies = [expected_of(c).read_text(encoding="utf-8").split("---", 2)[2] for c in cases]
    for case, body, html in zip(cases, bodies, kramdown_render(bodies), strict=True):
        by_kramdown, by_markdown_it = seen_html(html), seen_markdown(body)
        assert by_kramdown.text == by_markdown_it.text, case.name
        assert by_kramdown.strong == by_markdown_it.strong, case.name
        assert by_kramdown.tables == by_markdown_it.tables, case.name
        assert by_kramdown.images == by_markdown_it.images, case.name
