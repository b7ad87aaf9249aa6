"""The command line: parses flags, calls the library; errors become exit codes in `stdio`.

Exit codes: 0 ok, 1 `fix --check`/`--diff` found changes, 2 usage, unreadable input
(convert), unwritable output or a worker that died, 123 some file or record failed (the others were still
processed), 130 interrupted. Each command's --help lists the codes it can return.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, NoReturn

import typer

from . import limits
from .errors import UsageError
from .files import shown
from .options import Annotate, InputKind, OutputFormat, Target
from .stdio import EXIT_CHANGES, EXIT_FAILED, EXIT_OK, EXIT_USAGE, ending, write_out

__all__ = ["EXIT_CHANGES", "EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "app"]

# Shown under the --help of the program and of each command (click keeps the lines of a
# paragraph that starts with \b): each command lists only the codes it can return.
EXIT_CODES = (
    "\b\nExit codes: 0 ok; 1 --check found changes; 2 usage error, unreadable input,\n"
    "unwritable output or a worker that died; 123 some file or record failed (the others\n"
    "were still done); 130 interrupted."
)
CONVERT_EXIT_CODES = (
    "\b\nExit codes: 0 ok; 2 usage error or unreadable input;\n"
    "123 some record failed (--format jsonl; the others were still done); 130 interrupted."
)
FIX_EXIT_CODES = (
    "\b\nExit codes: 0 ok; 1 --check or --diff found changes; 2 usage error;\n"
    "123 some file failed (the others were still done); 130 interrupted."
)
ENTITIES_EXIT_CODES = (
    "\b\nExit codes: 0 ok; 2 usage error;\n123 some input could not be read (the others were still listed); "
    "130 interrupted."
)
BATCH_EXIT_CODES = (
    "\b\nExit codes: 0 ok; 2 usage error or an input that cannot be used;\n"
    "123 some record failed (the others were still done); 130 interrupted."
)
HELP = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="emclean",
    help="Eastmoney (东方财富) article HTML → clean Markdown.",
    epilog=EXIT_CODES + "\n\nShell completion: emclean --install-completion (or --show-completion to see it).",
    context_settings=HELP,
    add_completion=True,
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


def fail(message: str) -> NoReturn:
    """A usage error: one line on stderr, exit 2."""
    raise typer.Exit(ending(UsageError(message)))


def finish(run: Callable[[], int], about: str = "") -> NoReturn:
    """Run a command's work and exit with its code; any error ends it as `stdio.ending` says
    (one line naming `about`; a reader that went away, `| head`, is exit 0 on every path)."""
    try:
        code = run()
    except typer.Exit:
        raise
    except Exception as e:  # (KeyboardInterrupt goes on up: 130)
        raise typer.Exit(ending(e, about=about)) from None
    raise typer.Exit(code)


def read_limit(max_size: str | None) -> int:
    """The read limit that --max-size (or $EMCLEAN_MAX_SIZE) asks for; a usage error if unreadable."""
    from .files import max_size as resolve

    try:
        return resolve(max_size)
    except UsageError as e:
        fail(str(e))


def record_limit(max_record_size: str | None) -> int:
    """The record size limit that --max-record-size asks for; a usage error if unreadable."""
    if max_record_size is None:
        return limits.MAX_RECORD
    try:
        return limits.parse_size(max_record_size)
    except ValueError as e:
        fail(f"--max-record-size: {e}")


def refuse(*rules: tuple[bool, str]) -> None:
    """A usage error for the first combination of flags that means nothing (rules: (applies, why))."""
    for applies, why in rules:
        if applies:
            fail(why)


def stdin_or_usage(ctx: typer.Context) -> str:
    """No input named: stdin when something is piped in; on a terminal, the usage instead of a
    silent wait for typed input (`-` still reads the terminal)."""
    if sys.stdin is None or not sys.stdin.isatty():
        return "-"
    sys.stderr.write(
        f"{ctx.get_usage()}\nTry '{ctx.command_path} -h' for help.\n\n"
        "emclean: no input: name a file, pipe one in, or give - to type it\n"
    )
    raise typer.Exit(EXIT_USAGE)


def _suspicious_needs_annotate(annotate: Annotate, annotate_suspicious: bool) -> tuple[bool, str]:
    return (
        annotate_suspicious and annotate is Annotate.NONE,
        "--annotate-suspicious needs --annotate inline, link or footnote (nothing is annotated without it)",
    )


AnnotateOpt = Annotated[
    Annotate,
    typer.Option("--annotate", case_sensitive=False, help="How to mark unwrapped entity links."),
]
AnnotateSuspiciousOpt = Annotated[
    bool, typer.Option("--annotate-suspicious", help="Annotate links flagged as suspicious too.")
]
EncodingOpt = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="Read input in this encoding (default: a BOM, else the HTML's <meta charset>, else UTF-8).",
    ),
]
MaxSizeOpt = Annotated[
    str | None,
    typer.Option(
        "--max-size",
        metavar="SIZE",
        help=f"Refuse an input larger than this, e.g. 200M (default {limits.MAX_INPUT >> 20}M, or $EMCLEAN_MAX_SIZE).",
    ),
]
MaxRecordSizeOpt = Annotated[
    str | None,
    typer.Option(
        "--max-record-size",
        metavar="SIZE",
        help=f"A record larger than this (64M, 500K, 1G or bytes) is an error record, skipped through unread "
        f"(default {limits.MAX_RECORD >> 20}M).",
    ),
]
FrontMatterOpt = Annotated[
    bool, typer.Option("--front-matter", help="Pages: emit title, date, source and url as YAML front matter.")
]
KeepChartsOpt = Annotated[bool, typer.Option("--keep-charts", help="Keep live K-line quote charts.")]
LiquidOpt = Annotated[
    bool | None,
    typer.Option(
        "--liquid/--no-liquid", help="Write {{ and {% so that Liquid does not run them (default: for Jekyll posts)."
    ),
]
JobsOpt = Annotated[
    int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: CPU count; 1: in-process).")
]
SanitizeOpt = Annotated[
    bool,
    typer.Option(
        "--sanitize",
        help="Posts: convert every HTML block, and neutralise raw HTML and unsafe links in their own Markdown too.",
    ),
]


@app.command(epilog=CONVERT_EXIT_CODES, context_settings=HELP)
def convert(
    ctx: typer.Context,
    source: Annotated[
        str | None,
        typer.Argument(help="A post, page or fragment file; - for stdin (the default when input is piped in)."),
    ] = None,
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
        OutputFormat,
        typer.Option(
            "--format",
            case_sensitive=False,
            help='What to print. jsonl reads JSON Lines, one {"id", "html"} object per line, and prints one '
            '{"id", "markdown", "text", "entities"} record per line (see `emclean batch`).',
        ),
    ] = OutputFormat.MARKDOWN,
    diff: Annotated[bool, typer.Option("--diff", help="Show what would change instead of the output.")] = False,
    front_matter: FrontMatterOpt = False,
    keep_charts: KeepChartsOpt = False,
    url: Annotated[str | None, typer.Option("--url", help="The page's URL (front matter, relative links).")] = None,
    liquid: LiquidOpt = None,
    sanitize: SanitizeOpt = False,
    encoding: EncodingOpt = None,
    max_size: MaxSizeOpt = None,
    max_record_size: MaxRecordSizeOpt = None,
) -> None:
    """Convert one document to Markdown (or cleaned HTML) on stdout.

    --format jsonl reads JSON Lines instead: one {"id", "html"} object per line in, one
    {"id", "markdown", "text", "entities"} object per line out (`emclean batch` on one input).
    """
    from . import commands
    from .options import Options

    refuse(
        (
            diff and output is not OutputFormat.MARKDOWN,
            f"--diff prints a diff: it cannot be combined with --format {output}",
        ),
        _suspicious_needs_annotate(annotate, annotate_suspicious),
        (front_matter and output is OutputFormat.TEXT, "--format text shows no front matter: drop --front-matter"),
        (
            to is not Target.MARKDOWN and output is OutputFormat.TEXT,
            f"--format text prints what a reader sees, not the document: --to does not apply (drop --to {to})",
        ),
        (
            max_size is not None and output is OutputFormat.JSONL,
            "--max-size limits one document: the records of --format jsonl are limited by --max-record-size",
        ),
        (
            max_record_size is not None and output is not OutputFormat.JSONL,
            "--max-record-size limits the records of --format jsonl: one document is limited by --max-size",
        ),
    )
    source = source if source is not None else stdin_or_usage(ctx)
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
        if encoding:
            fail("--encoding does not apply to --format jsonl: JSON Lines are UTF-8")
        from .records import Settings

        settings = Settings(options, max_bytes=record_limit(max_record_size))
        finish(lambda: commands.convert_jsonl(source, settings, jobs=os.cpu_count() or 1))
    limit = read_limit(max_size)

    def one() -> int:
        commands.convert_one(source, options, output, diff=diff, encoding=encoding, write=write_out, limit=limit)
        return EXIT_OK

    finish(one, about=shown(source))


@app.command(epilog=FIX_EXIT_CODES, context_settings=HELP)
def fix(
    paths: Annotated[list[str], typer.Argument(help="Posts, or folders to walk for *.md, *.markdown, *.html, *.htm.")],
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 if any file would change.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Write nothing; print what would change.")] = False,
    jobs: JobsOpt = None,
    backup: Annotated[
        str | None, typer.Option("--backup", help="Keep each original next to it with this suffix, e.g. .orig.")
    ] = None,
    annotate: AnnotateOpt = Annotate.NONE,
    annotate_suspicious: AnnotateSuspiciousOpt = False,
    include: Annotated[
        list[str] | None,
        typer.Option(
            "--include",
            help="Only files whose path from the folder given matches this glob (a name without / matches any part).",
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            help="Skip files (and folders) matching this glob, as --include does; e.g. pages, '*.html', _posts/old.",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also name each file left unchanged or skipped.")
    ] = False,
    sanitize: SanitizeOpt = False,
    encoding: EncodingOpt = None,
    max_size: MaxSizeOpt = None,
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
    refuse(
        (quiet and verbose, "--quiet and --verbose cannot be combined"),
        _suspicious_needs_annotate(annotate, annotate_suspicious),
        (
            diff and html_to_markdown,
            "--diff cannot show --html-to-markdown's renames (a patch would write Markdown into the .html "
            "files): use --check, or run fix --html-to-markdown",
        ),
        (
            backup is not None and (check or diff),
            "--backup keeps the originals of files written: --check and --diff write none",
        ),
    )
    if backup is not None and (not backup or "/" in backup):
        fail("--backup takes a file-name suffix such as .orig")
    options = Options(annotate=annotate, annotate_suspicious=annotate_suspicious, to=Target.AUTO, sanitize=sanitize)
    limit = read_limit(max_size)
    finish(
        lambda: commands.fix(
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
            limit=limit,
        )
    )


@app.command(epilog=ENTITIES_EXIT_CODES, context_settings=HELP)
def entities(
    ctx: typer.Context,
    sources: Annotated[
        list[str] | None,
        typer.Argument(help="Posts, pages, fragments or folders; - for stdin (the default when input is piped in)."),
    ] = None,
    output: Annotated[
        TableFormat | None,
        typer.Option("--format", case_sensitive=False, help="table on a terminal, tsv when piped (default)."),
    ] = None,
    by_file: Annotated[bool, typer.Option("--by-file", help="One row per link occurrence.")] = False,
    kind: Annotated[list[Kind] | None, typer.Option("--kind", case_sensitive=False, help="Only these kinds.")] = None,
    suspicious: Annotated[bool, typer.Option("--suspicious", help="Only links flagged as doubtful.")] = False,
    jobs: JobsOpt = None,
    encoding: EncodingOpt = None,
    max_size: MaxSizeOpt = None,
) -> None:
    """Inventory the entity links (stocks, boards, glossary...): decoded, counted, doubted.

    An input that cannot be read is named on stderr and the rest still listed; exit 123.
    """
    from . import commands

    refuse(
        (
            by_file and output in (TableFormat.JSON, TableFormat.JSONL, TableFormat.CSV),
            f"--by-file is for the table and tsv views: --format {output} lists every occurrence already",
        ),
    )
    sources = sources or [stdin_or_usage(ctx)]
    finish(
        lambda: commands.entities(
            sources,
            output=output.value if output else None,
            by_file=by_file,
            kinds=[k.value for k in kind or []],
            suspicious_only=suspicious,
            jobs=jobs or os.cpu_count() or 1,
            encoding=encoding,
            write=write_out,
            limit=read_limit(max_size),
        )
    )


@app.command(epilog=BATCH_EXIT_CODES, context_settings=HELP)
def batch(
    ctx: typer.Context,
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="JSON Lines (.jsonl, .ndjson, .json; gzip or zstd) or Parquet files, folders of them "
            "(taken in sorted order), or - for stdin (the default when input is piped in).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="A file (.jsonl, .jsonl.gz, .jsonl.zst, .parquet), or a folder (an existing one, a path ending in /, "
            "or a name without a suffix) for one output shard per input shard, of the same name and format. "
            "Default: JSON Lines on stdout.",
        ),
    ] = None,
    html_field: Annotated[str, typer.Option("--html-field", help="The field holding each record's HTML.")] = "html",
    id_field: Annotated[
        str, typer.Option("--id-field", help="The field naming each record (kept in error records and messages).")
    ] = "id",
    url_field: Annotated[
        str | None, typer.Option("--url-field", help="A field with each record's URL (relative links resolve).")
    ] = None,
    jobs: JobsOpt = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Skip the shards whose output is already there (outputs are whole).")
    ] = False,
    max_record_size: MaxRecordSizeOpt = None,
    input_kind: Annotated[
        InputKind,
        typer.Option(
            "--input",
            case_sensitive=False,
            help="What each record is (default: HTML unless it starts with front matter).",
        ),
    ] = InputKind.AUTO,
    to: Annotated[
        Target,
        typer.Option(
            "--to",
            case_sensitive=False,
            help="What each record's HTML becomes: markdown (the markdown field), html (cleaned, safe HTML, the html "
            "field), or auto (HTML stays HTML; JSON Lines output only).",
        ),
    ] = Target.MARKDOWN,
    annotate: AnnotateOpt = Annotate.NONE,
    annotate_suspicious: AnnotateSuspiciousOpt = False,
    front_matter: FrontMatterOpt = False,
    keep_charts: KeepChartsOpt = False,
    liquid: LiquidOpt = None,
    sanitize: SanitizeOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors (no progress, no summary).")] = False,
) -> None:
    """Convert dataset records (JSON Lines or Parquet) on every core: each record keeps its fields,
    its HTML becomes markdown, text and entities; a record that fails gets error instead.

    Output keeps the input order. Exit 123 if any record failed, 2 if an input cannot be used."""
    from . import commands
    from .options import Options
    from .records import Fields, Settings

    refuse(_suspicious_needs_annotate(annotate, annotate_suspicious))
    inputs = inputs or [stdin_or_usage(ctx)]
    options = Options(
        annotate=annotate,
        annotate_suspicious=annotate_suspicious,
        keep_charts=keep_charts,
        input_kind=input_kind,
        front_matter=front_matter,
        liquid=liquid,
        to=to,
        sanitize=sanitize,
    )
    settings = Settings(options, Fields(html_field, id_field, url_field), max_bytes=record_limit(max_record_size))
    finish(
        lambda: commands.batch(inputs, output, settings, jobs=jobs or os.cpu_count() or 1, resume=resume, quiet=quiet)
    )
