"""Hostile shapes: time and peak memory against size, to show that each grows linearly.

    python benchmarks/runaway.py [--quick] [--only NAME,NAME] [--base BYTES] [--rounds N] [--markdown OUT]

Each shape (a small document that once took minutes or gigabytes, or one of its kin) is
written at 1×, 2× and 4× a base size (256 KB) and converted and verified, as `fix` does
(the `sanitize-` shapes as `fix --sanitize` does), each time in a fresh process: wall time
(best of the interleaved rounds) and peak RSS. The table gives the growth from 1× to 4×
(4 means linear) and the cost per MB of input beyond the fixed start (the difference
between 4× and 1×, per MB). Refused shapes say so. For comparison, html2text alone on the
4× input. Nothing here is a test: it prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

KEYTIP = (
    '<span id="stock_1.600519"><a href="http://quote.eastmoney.com/unify/r/1.600519" class="keytip" '
    'data-code="1,600519">贵州茅台</a></span>'
)
POST = "---\ntitle: x\n---\n\n"
Shape = Callable[[int], str]


def repeat(unit: str, head: str = "", tail: str = "") -> Shape:
    """`unit` as many times as fit in `size` bytes, between `head` and `tail`."""

    def make(size: int) -> str:
        count = max(1, (size - len(head.encode()) - len(tail.encode())) // len(unit.encode()))
        return head + unit * count + tail

    return make


def text(unit: str) -> Shape:
    """A paragraph of `unit` repeated."""
    return repeat(unit, "<p>", "</p>")


def nested(open_tag: str, close_tag: str, depth: int, inner: str = "x") -> Shape:
    """`depth` levels of `open_tag` (as deep as the caps allow), again and again."""
    return repeat(open_tag * depth + inner + close_tag * depth)


# name → (what it is, how to make it at a size); the shapes first
SHAPES: dict[str, tuple[str, Shape]] = {
    "nested-tables": ("`<table><tr><td>x` × N (issue)", repeat("<table><tr><td>x")),
    "spans": (
        "rows of `<td rowspan=65534 colspan=1000>` (issue)",
        repeat("<tr><td rowspan=65534 colspan=1000>x</td></tr>", "<table>", "</table>"),
    ),
    "run-of-[": ("a run of `[` (issue)", text("[")),
    "[]-pairs": ("`[]` × N (issue)", text("[]")),
    "run-of-]": ("a run of `]` (issue)", text("]")),
    "raw-&": ("raw `&` (issue)", text("&")),
    "nested-lists": ("`<ul><li>x` × N (issue)", repeat("<ul><li>x")),
    "deep-lists": ("`<ul><li>` 240 deep, repeated", nested("<ul><li>x", "</li></ul>", 240)),
    "deep-quotes": ("`<blockquote>` 480 deep, repeated", nested("<blockquote>x", "</blockquote>", 480)),
    "deep-tables": ("tables 120 deep, repeated", nested("<table><tr><td>x", "</td></tr></table>", 120)),
    "deep-divs": ("`<div>` 480 deep, repeated", nested("<div>", "</div>", 480)),
    "deep-b-i": ("`<b><i>` 240 deep, repeated", nested("<b><i>", "</i></b>", 240)),
    "deep-links": ("`<span><a>` 240 deep, repeated", nested('<span><a href="http://x.cn/">x', "</a></span>", 240)),
    "deep-keytips": ("keytips in spans 240 deep", nested("<span>" + KEYTIP, "</span>", 240)),
    "reopened-b": (
        "200 unclosed `<b id=N>`, then `<p>x` × N",
        repeat("<p>x</p>", "<p>" + "".join(f"<b id={n}>" for n in range(200)) + "</p>"),
    ),
    "unclosed-h2": ("`<h2>x` × N (unclosed)", repeat("<h2>x")),
    "colspan-1000": (
        "rows of one `colspan=1000` cell",
        repeat("<tr><td colspan=1000>x</td></tr>", "<table>", "</table>"),
    ),
    "ragged-table": (
        "a 2,000-cell row over rows of one cell",
        repeat("<tr><td>x</td></tr>", "<table><tr>" + "<td>h</td>" * 2000 + "</tr>", "</table>"),
    ),
    "wide-table": ("one row of N cells", repeat("<td>x</td>", "<table><tr>", "</tr></table>")),
    "many-tables": ("N small tables", repeat("<table><tr><td>x</td><td>y</td></tr></table>")),
    "stars": ("a run of `*`", text("*")),
    "stars-words": ("`*a` × N", text("*a")),
    "underscores": ("a run of `_`", text("_")),
    "tildes": ("a run of `~`", text("~")),
    "backticks": ("a run of `` ` ``", text("`")),
    "lt": ("`&lt;a` × N", text("&lt;a")),
    "bangs": ("`![a]` × N", text("![a]")),
    "backslashes": ("a run of `\\`", text("\\")),
    "braces": ("`{{` × N", text("{{")),
    "hashes": ("`# ` × N in a heading", repeat("# ", "<h2>", "</h2>")),
    "pipes": ("a run of `|`", text("|")),
    "entities": ("`&#91;&#93;` × N", text("&#91;&#93;")),
    "amp-names": ("`&ampx` × N", text("&ampx")),
    "bold-flat": ("`<b>粗</b>` × N", text("<b>粗</b>")),
    "bold-punct": ("`以<b>“七”</b>为` × N", text("以<b>“七”</b>为")),
    "bold-italic": ("`<b>x</b><i>y</i>` × N", text("<b>x</b><i>y</i>")),
    "breaks": ("`x<br>` × N", text("x<br>")),
    "breaks-in-bold": ("`<b>x` + `<br>` × N + `y</b>`", repeat("<br>", "<p><b>x", "y</b></p>")),
    "long-line": ("one Chinese paragraph", text("中文股价上涨，")),
    "long-word": ("`a` × N", text("a")),
    "paragraphs": ("`<p>x</p>` × N", repeat("<p>x</p>")),
    "keytips": ("keytip links × N", text(KEYTIP)),
    "images": ("images × N", text('<img src="http://x.cn/a.png" alt="图">')),
    "private-use": ("text in 100 private-use blocks", text("".join(chr(0xE000 + 64 * n) for n in range(100)) + "x")),
    "cjk-brackets": ("`中[文]` × N", text("中[文]")),
    "post-blocks": (
        "a post of many small HTML blocks",
        repeat("<div>x</div>\n\n", "---\ntitle: x\n---\n\n", f"<p>{KEYTIP}</p>\n"),
    ),
    "post-block": (
        "a post with one huge HTML block",
        repeat("<p>中文" + KEYTIP + "</p>", "---\ntitle: x\n---\n\n<div>", "</div>\n"),
    ),
    # mixed bold and italic in one line: each line's emphasis is checked by reading it back
    "p-bold-italic": ("`<p><b>a</b><i>b` × N", repeat("<p><b>a</b><i>b")),
    "li-bold-italic": ("`<ul>` + `<li><b>a</b><i>b` × N", repeat("<li><b>a</b><i>b", "<ul>")),
    "td-bold-italic": ("`<table><tr>` + `<td><b>a</b><i>b` × N", repeat("<td><b>a</b><i>b", "<table><tr>")),
    "row-bold-italic": (
        "`<td><b>x</b><i>y</i></td>` × N in one row",
        repeat("<td><b>x</b><i>y</i></td>", "<table><tr>", "</tr></table>"),
    ),
    # posts converted with --sanitize: every block that is not inert is converted
    "sanitize-bold": ("post, `--sanitize`: `<b>x</b>\\n\\n` × N", repeat("<b>x</b>\n\n", POST)),
    "sanitize-list-code": (
        "post, `--sanitize`: `- x\\n\\n<b>y</b>\\n\\n    z\\n\\n` × N",
        repeat("- x\n\n<b>y</b>\n\n    z\n\n", POST),
    ),
    "sanitize-ial": ("post, `--sanitize`: `x\\n{: .a}\\n\\n` × N", repeat("x\n{: .a}\n\n", POST)),
}
# shapes converted with `Options(sanitize=True)` (as `fix --sanitize` does)
SANITIZED = frozenset(name for name in SHAPES if name.startswith("sanitize-"))

CHILD = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (4_000_000_000, 4_000_000_000))
text = open(sys.argv[1], encoding="utf-8").read()
if sys.argv[2] == "html2text":
    import html2text
    start = time.perf_counter()
    converter = html2text.HTML2Text(bodywidth=0)
    converter.handle(text)
    result = {"ok": True}
else:
    import emclean
    from emclean import verify
    start = time.perf_counter()
    try:
        done = emclean.convert(text, emclean.Options(sanitize=sys.argv[2] == "sanitize"))
        result = {"ok": verify.check(done) == [], "out": len(done.markdown)}
    except emclean.InputError as e:
        result = {"refused": str(e)}
    except MemoryError:
        result = {"refused": "MemoryError"}
result["seconds"] = time.perf_counter() - start
result["mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""


def measure(path: Path, tool: str, timeout: float) -> dict[str, object]:
    """Convert one file in a fresh process: seconds, peak MB, and what came out."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), tool],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"crashed": f"over {timeout:.0f}s", "seconds": timeout, "mb": 0.0}
    if done.returncode:
        last = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        return {"crashed": last, "seconds": float("inf"), "mb": 0.0}
    result: dict[str, object] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="64 KB base, one round")
    parser.add_argument("--only", help="comma-separated shape names")
    parser.add_argument("--base", type=int, default=256 * 1024, help="bytes at 1× (default 256 KB)")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds; the best time counts")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a run counts as runaway")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    base, rounds = (64 * 1024, 1) if args.quick else (args.base, args.rounds)
    names = args.only.split(",") if args.only else list(SHAPES)
    scales = (1, 2, 4)
    with tempfile.TemporaryDirectory() as tmp:
        files: dict[tuple[str, int], Path] = {}
        for name in names:
            for scale in scales:
                path = Path(tmp, f"{name}.{scale}.html")
                path.write_text(SHAPES[name][1](base * scale), encoding="utf-8")
                files[name, scale] = path
        empty = Path(tmp, "empty.html")
        empty.write_text("<p>x</p>", encoding="utf-8")
        start_mb = float(measure(empty, "emclean", args.timeout)["mb"])  # type: ignore[arg-type]
        best: dict[tuple[str, int], dict[str, object]] = {}
        for _ in range(rounds):  # interleaved: a slow moment of the machine hits every shape
            for name in names:
                for scale in scales:
                    tool = "sanitize" if name in SANITIZED else "emclean"
                    result = measure(files[name, scale], tool, args.timeout)
                    key = (name, scale)
                    if key not in best or float(result["seconds"]) < float(best[key]["seconds"]):  # type: ignore[arg-type]
                        best[key] = result
                times = ", ".join(f"{float(best[name, s]['seconds']):.2f}s" for s in scales)  # type: ignore[arg-type]
                print(f"  {name}: {times}", flush=True)
        baseline = {name: measure(files[name, 4], "html2text", args.timeout) for name in names}
    rows = table(names, base, best, baseline, start_mb)
    print()
    print("\n".join(rows))
    if args.markdown:
        args.markdown.write_text("\n".join(rows) + "\n", encoding="utf-8")


def table(
    names: list[str],
    base: int,
    best: dict[tuple[str, int], dict[str, object]],
    baseline: dict[str, dict[str, object]],
    start_mb: float,
) -> list[str]:
    """The Markdown table of the results."""
    mb = base * 3 / 1e6  # input added from 1× to 4×
    rows = [
        f"Fixed start: {start_mb:.0f} MB. Sizes {base / 1024:.0f} KB, {2 * base / 1024:.0f} KB, "
        f"{4 * base / 1024:.0f} KB; time is the best of the rounds, memory the peak RSS.",
        "",
        "| shape | 1× | 2× | 4× | time 4×/1× | s per MB | MB per MB | html2text 4× |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in names:
        one, two, four = (best[name, s] for s in (1, 2, 4))
        what = SHAPES[name][0].replace("|", "\\|")  # (a table cell: even in code, `|` ends it)
        base_time = f"{float(baseline[name]['seconds']):.2f}s"  # type: ignore[arg-type]
        failed = next((r for r in (one, two, four) if "refused" in r or "crashed" in r), None)
        if failed is not None:
            how = "refused" if "refused" in failed else "**crashed**"
            why = str(failed.get("refused") or failed.get("crashed")).split(": not an article")[0]
            rows.append(f"| {name}: {what} | {how}: {why} ({float(failed['seconds']):.2f}s) | | | | | | {base_time} |")  # type: ignore[arg-type]
            continue
        t1, t2, t4 = (float(r["seconds"]) for r in (one, two, four))  # type: ignore[arg-type]
        m1, m4 = float(one["mb"]), float(four["mb"])  # type: ignore[arg-type]
        flag = "" if all(r.get("ok") for r in (one, two, four)) else " (**not verified**)"
        rows.append(
            f"| {name}: {what}{flag} | {t1:.2f}s {m1:.0f} MB | {t2:.2f}s | {t4:.2f}s {m4:.0f} MB | "
            f"{t4 / max(t1, 0.005):.1f} | {(t4 - t1) / mb:.2f} | {max(m4 - m1, 0) / mb:.0f} | "
            f"{base_time} |"
        )
    return rows


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
