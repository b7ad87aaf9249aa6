"""Checks that a conversion kept what a reader sees, and nothing that could run.

The output must be inert: Markdown has no raw HTML and no link or image outside the
allow-list (see urls.py and `commonmark.hazards`); HTML output holds nothing the safe HTML
writer would not write. Its visible text (as a CommonMark renderer reads Markdown, or a
browser reads HTML) must equal the text of the HTML after the rules ran, and that text
must account for every character of the input:
input = kept + removed (ads, widgets, scripts, hidden) − added (annotations).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from . import commonmark
from .clean import squeeze
from .pipeline import Part, Result


@dataclass(frozen=True, slots=True)
class Problem:
    """One way an output fails to show its input."""

    reason: str

    def __str__(self) -> str:
        return self.reason


def check_part(part: Part, *, hazards: bool = True) -> list[Problem]:
    """Problems of one converted piece of HTML (empty when it is faithful and inert);
    without `hazards`, whether its Markdown is inert is left to a check of the whole."""
    problems: list[Problem] = []
    if part.form == "markdown":
        if hazards:
            written = part.markdown + "".join("\n\n" + d for d in part.definitions)
            problems.extend(Problem(f"unsafe output: {hazard}") for hazard in commonmark.hazards(written))
        text = commonmark.read(part.markdown, jekyll=False).text
    else:
        text = _html_problems(part, problems)
    shown, expected = squeeze(text), squeeze(part.expected_text)
    for note in part.notes:  # footnote references: shown as written without their definitions
        shown = shown.replace(squeeze(note), "")
    if shown != expected:
        problems.append(Problem("output text differs from the article text: " + _first_difference(expected, shown)))
    kept = len(expected) - sum(len(squeeze(a)) for a in part.added) - part.repeated
    dropped = sum(len(squeeze(text)) for _, text in part.removed)
    source = len(squeeze(part.source_text))
    if kept + dropped != source:
        problems.append(Problem(f"{source - kept - dropped} character(s) of article text unaccounted for"))
    return problems


def _html_problems(part: Part, problems: list[Problem]) -> str:
    """Add the problems of HTML output to `problems`; return the text it shows."""
    from . import safehtml

    if part.form == "html-block" and commonmark.read(part.markdown).text:
        problems.append(Problem("HTML output read as Markdown: it does not start an HTML block"))
    problems.extend(Problem(f"not safe HTML: {what}") for what in safehtml.unsafe(part.markdown)[:1])
    return safehtml.shown(part.markdown)


def check(result: Result) -> list[Problem]:
    """Problems of a whole conversion (empty when it is faithful and inert)."""
    whole = result.sanitized and result.to == "markdown"  # (the whole output is read: once is enough)
    problems = [p for part in result.parts for p in check_part(part, hazards=not whole)]
    if whole:
        problems[:0] = [Problem(f"unsafe output: {hazard}") for hazard in unsafe(result)]
    return problems


def unsafe(result: Result) -> list[commonmark.Hazard]:
    """What could be active content in the whole output (its front matter left out, and the
    HTML blocks emclean wrote, which `check_part` checks as HTML)."""
    from .document import newline_of, split_post
    from .errors import InputError

    body = result.markdown
    if result.kind == "post" or body.startswith("---"):
        with contextlib.suppress(InputError):
            body = split_post(body).body
    newline = newline_of(body)
    for part in result.parts:
        if part.form == "html-block" and part.markdown:
            body = body.replace(part.markdown.replace("\n", newline), "")
    return commonmark.hazards(body)


def _first_difference(expected: str, shown: str) -> str:
    n = 0
    while n < min(len(expected), len(shown)) and expected[n] == shown[n]:
        n += 1
    return f"at character {n}: expected {expected[n : n + 12]!r}, shown {shown[n : n + 12]!r}"
