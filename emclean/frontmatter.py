"""Is a post's front matter YAML that Jekyll can read? The only module that imports PyYAML.

Jekyll reads front matter with Psych (YAML 1.1); when it cannot, it says so, ignores the
front matter and publishes the file under another URL, without its layout. PyYAML reads
YAML 1.1 too. Most front matter is plain `key: value` lines that cannot be wrong; only the
rest is parsed (PyYAML's import costs about 20 ms, a post's parse a few µs with libyaml).
"""

from __future__ import annotations

import re

# A line that is valid YAML whatever other such lines surround it: blank, a comment, or
# `key: value` at the margin where the value is empty, a double-quoted string without `"`
# or `\` in it, a single-quoted one without `'`, or a plain scalar that starts with no
# indicator and has no `: `, no final `:`, no ` #`, no tab or control character.
_SIMPLE_LINE = re.compile(
    r"""
    [ ]* (?: \#[^\x00-\x08\x0a-\x1f\x7f]* )?                  # blank, or a comment
    | [A-Za-z_][A-Za-z0-9_-]* :                               # key:
      (?: [ ]+ (?: "[^"\\\x00-\x1f\x7f]*"                    #   "double-quoted"
               | '[^'\x00-\x1f\x7f]*'                         #   'single-quoted'
               | [^\s\-?:,\[\]{}\#&*!|>'"%@`\x00-\x1f\x7f]      #   plain: no indicator first,
                 (?: [^:\#\x00-\x1f\x7f] | :(?=[^\s]) | (?<=[^\s])\# )*  # then no ": ", ":$", " #"
               ) )?
      [ ]*
    """,
    re.X,
)
_OPENING = re.compile(r"\A\ufeff?[ \t\r\n]*---[ \t]*(?:\r\n|\r|\n)")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CLOSING = re.compile(r"(?:\r\n|\r|\n)(?:---|\.\.\.)[ \t]*(?:\r\n|\r|\n)?\Z")


def problem(head: str) -> str | None:
    """Why the front matter `head` (with its fences) is not valid YAML, or None if it is.

    The answer names the line of the file, as in `line 3: did not find expected key`.
    """
    opening = _OPENING.match(head)
    skipped = head[: opening.end()] if opening else ""
    inside = _CLOSING.sub("", head[len(skipped) :], count=1)
    lines = inside.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if all(_SIMPLE_LINE.fullmatch(line) for line in lines):
        return None
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        yaml.load(inside, Loader=loader)  # a safe loader
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        what = getattr(e, "problem", None) or str(e)
        if mark is None:
            return " ".join(what.split())
        line = len(_LINE_BREAK.findall(skipped)) + mark.line + 1
        return f"line {line}: {' '.join(what.split())}"
    return None
