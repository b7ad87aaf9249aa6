"""What each command does, between the command line and the library: I/O and output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from . import files
from .errors import InputError
from .options import Options, OutputFormat
from .pipeline import Result, convert

Writer = Callable[[str], None]


def read_source(source: str, encoding: str | None) -> files.Text:
    """A file, or stdin for "-"."""
    if source == "-":
        return files.decode(sys.stdin.buffer.read(), encoding)
    return files.read(Path(source), encoding)


def visible_text(result: Result) -> str:
    """What a reader sees of the converted document (its front matter left out)."""
    from . import commonmark
    from .document import split_post

    body = result.markdown
    if result.kind == "post" or body.startswith("---"):
        try:
            body = split_post(body).body
        except InputError:
            pass
    text = commonmark.read(body).text
    return text + "\n" if text else ""


def record(result: Result) -> dict[str, object]:
    """The JSON form of a conversion."""
    return {
        "markdown": result.markdown,
        "text": visible_text(result),
        "entities": [e.as_dict() for e in result.entities],
        "meta": {"kind": result.kind, **result.meta},
    }


def convert_one(
    source: str, options: Options, output: OutputFormat, *, diff: bool, encoding: str | None, write: Writer
) -> None:
    """`emclean convert`: one document in, its Markdown (or diff, text, JSON) out."""
    text = read_source(source, encoding)
    result = convert(text.content, options)
    if diff:
        show_diff(text.content, result.markdown, source, write)
    elif output is OutputFormat.TEXT:
        write(visible_text(result))
    elif output is OutputFormat.JSON:
        write(json.dumps(record(result), ensure_ascii=False, indent=2) + "\n")
    else:
        write(result.markdown)


def show_diff(old: str, new: str, path: str, write: Writer) -> None:
    """A rich diff on a terminal, a plain unified diff otherwise."""
    from .cli import is_terminal

    if is_terminal():
        from . import console

        console.show_diff(old, new, path)
        return
    from .diffs import unified

    write(unified(old, new, path))


def convert_stream(source: str, options: Options, encoding: str | None, write: Writer) -> int:
    """`emclean convert --format jsonl`: {"id", "html"} per line → {"id", "markdown", "entities"}."""
    text = read_source(source, encoding).content
    failed = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        ident: object = None
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("html"), str):
                raise InputError('expected an object with an "html" string')
            ident = item.get("id")
            result = convert(item["html"], options)
        except (ValueError, InputError) as e:
            failed += 1
            sys.stderr.write(f"emclean: {source}:{number}: {e}\n")
            write(json.dumps({"id": ident, "error": str(e)}, ensure_ascii=False) + "\n")
            continue
        out = {"id": ident, "markdown": result.markdown, "entities": [e.as_dict() for e in result.entities]}
        write(json.dumps(out, ensure_ascii=False) + "\n")
    return 123 if failed else 0
