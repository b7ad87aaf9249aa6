"""The command line: parses flags, calls the library, maps errors to exit codes.

Exit codes: 0 ok, 1 `--check` found changes, 2 usage or unreadable input,
123 some file failed (the others were still processed).
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from typing import Annotated, NoReturn

import typer

from .entry import EXIT_CHANGES, EXIT_FAILED, EXIT_OK, EXIT_USAGE, write_out
from .errors import InputError, UsageError, VerifyError
from .options import Annotate, InputKind, OutputFormat, Target

__all__ = ["EXIT_CHANGES", "EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "app"]

app = typer.Typer(
    name="emclean",
    help="Eastmoney (东方财富) article HTML → clean Markdown.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from . import __version__

        write_out(f"emclean {__version__}\n")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Eastmoney (东方财富) article HTML → clean Markdown."""


class TableFormat(StrEnum):
    """Output formats of `emclean entities`."""

    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    TSV = "tsv"


class Kind(StrEnum):
    """Entity kinds, for --kind."""

    STOCK = "stock"
    BOARD = "board"
    GLOSSARY = "glossary"
    FUND = "fund"
    OTHER = "other"


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print one line on stderr and exit."""
    sys.stderr.write(f"emclean: {message}\n")
    raise typer.Exit(code)


AnnotateOpt = Annotated[
    Annotate,
    typer.Option("--annotate", case_sensitive=False, help="How to mark unwrapped entity links."),
]
AnnotateSuspiciousOpt = Annotated[
    bool, typer.Option("--annotate-suspicious", help="Annotate links flagged as suspicious too.")
]
EncodingOpt = Annotated[str | None, typer.Option("--encoding", help="Read input in this encoding (default UTF-8).")]
SanitizeOpt = Annotated[
    bool,
    typer.Option(
        "--sanitize",
        help="Posts: convert every HTML block, and neutralise raw HTML and unsafe links in their own Markdown too.",
    ),
]


@app.command()
def convert(
    source: Annotated[str, typer.Argument(help="A post, page or fragment file; - for stdin.")] = "-",
    input_kind: Annotated[
        InputKind,
        typer.Option(
            "--input",
            case_sensitive=False,
            help="What the input is (default: from the file name, then the text; stdin is HTML "
            "unless it starts with front matter).",
        ),
    ] = InputKind.AUTO,
    to: Annotated[
        Target,
        typer.Option(
            "--to",
            case_sensitive=False,
            help="What converted HTML becomes: markdown, html (cleaned, safe HTML), or auto "
            "(HTML stays HTML, as fix writes it).",
        ),
    ] = Target.MARKDOWN,
    annotate: AnnotateOpt = Annotate.NONE,
    annotate_suspicious: AnnotateSuspiciousOpt = False,
    output: Annotated[
        OutputFormat, typer.Option("--format", case_sensitive=False, help="What to print.")
    ] = OutputFormat.MARKDOWN,
    diff: Annotated[bool, typer.Option("--diff", help="Show what would change instead of the output.")] = False,
    front_matter: Annotated[
        bool, typer.Option("--front-matter", help="Pages: emit title, date, source and url as YAML front matter.")
    ] = False,
    keep_charts: Annotated[bool, typer.Option("--keep-charts", help="Keep live K-line quote charts.")] = False,
    url: Annotated[str | None, typer.Option("--url", help="The page's URL (front matter, relative links).")] = None,
    liquid: Annotated[
        bool | None,
        typer.Option(
            "--liquid/--no-liquid", help="Write {{ and {% so that Liquid does not run them (default: for Jekyll posts)."
        ),
    ] = None,
    sanitize: SanitizeOpt = False,
    encoding: EncodingOpt = None,
) -> None:
    """Convert one document to Markdown (or cleaned HTML) on stdout."""
    from . import commands
    from .options import Options

    options = Options(
        annotate=annotate,
        annotate_suspicious=annotate_suspicious,
        keep_charts=keep_charts,
        input_kind=input_kind,
        front_matter=front_matter,
        liquid=liquid,
        url=url,
        to=to,
        sanitize=sanitize,
    )
    if output is OutputFormat.JSONL:
        if diff:
            fail("--diff cannot be combined with --format jsonl")
        code = commands.convert_stream(source, options, encoding, write_out)
        raise typer.Exit(code)
    try:
        commands.convert_one(source, options, output, diff=diff, encoding=encoding, write=write_out)
    except (InputError, UsageError, VerifyError) as e:
        fail(f"{source}: {e}")


@app.command()
def fix(
    paths: Annotated[list[str], typer.Argument(help="Posts, or folders to walk for *.md, *.markdown, *.html.")],
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 if any file would change.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Write nothing; print what would change.")] = False,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: CPU count; 1: in-process).")
    ] = None,
    backup: Annotated[
        str | None, typer.Option("--backup", help="Keep each original next to it with this suffix, e.g. .orig.")
    ] = None,
    annotate: AnnotateOpt = Annotate.NONE,
    annotate_suspicious: AnnotateSuspiciousOpt = False,
    include: Annotated[list[str] | None, typer.Option("--include", help="Only files matching this glob.")] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="Skip files matching this glob.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="One line per changed file.")] = False,
    sanitize: SanitizeOpt = False,
    encoding: EncodingOpt = None,
    html_to_markdown: Annotated[
        bool,
        typer.Option(
            "--html-to-markdown",
            help="Make .html posts (front matter and HTML) Markdown posts, renamed to .md (same URL).",
        ),
    ] = False,
) -> None:
    """Clean a Jekyll site in place: only the HTML of files with Eastmoney markup changes (.html files stay HTML)."""
    from . import commands
    from .options import Options

    if "-" in paths:
        fail("fix works on files in place: - (stdin) is not a path here; use `emclean convert -`")
    if quiet and verbose:
        fail("--quiet and --verbose cannot be combined")
    if backup is not None and (not backup or "/" in backup):
        fail("--backup takes a file-name suffix such as .orig")
    options = Options(annotate=annotate, annotate_suspicious=annotate_suspicious, to=Target.AUTO, sanitize=sanitize)
    code = commands.fix(
        paths,
        options,
        check=check,
        diff=diff,
        jobs=jobs or os.cpu_count() or 1,
        backup=backup,
        include=include or [],
        exclude=exclude or [],
        quiet=quiet,
        verbose=verbose,
        encoding=encoding,
        write=write_out,
        html_to_markdown=html_to_markdown,
    )
    raise typer.Exit(code)


@app.command()
def entities(
    sources: Annotated[
        list[str] | None, typer.Argument(help="Posts, pages, fragments or folders; - for stdin.")
    ] = None,
    output: Annotated[
        TableFormat | None,
        typer.Option("--format", case_sensitive=False, help="table on a terminal, tsv when piped (default)."),
    ] = None,
    by_file: Annotated[bool, typer.Option("--by-file", help="One row per link occurrence.")] = False,
    kind: Annotated[list[Kind] | None, typer.Option("--kind", case_sensitive=False, help="Only these kinds.")] = None,
    suspicious: Annotated[bool, typer.Option("--suspicious", help="Only links flagged as doubtful.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes.")] = None,
    encoding: EncodingOpt = None,
) -> None:
    """Inventory the entity links (stocks, boards, glossary...): decoded, counted, doubted."""
    from . import commands

    code = commands.entities(
        sources or ["-"],
        output=output.value if output else None,
        by_file=by_file,
        kinds=[k.value for k in kind or []],
        suspicious_only=suspicious,
        jobs=jobs or os.cpu_count() or 1,
        encoding=encoding,
        write=write_out,
    )
    raise typer.Exit(code)
