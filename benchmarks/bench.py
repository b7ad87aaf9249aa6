"""emclean's speed and memory, side by side with html2text and markdownify, as ratios.

    python benchmarks/bench.py [--quick] [--only convert,cold,big,fix] [--markdown OUT]

Inputs come from ../shared/corpus (skipped with a message when absent). Everything is
measured in one run on the same machine, so the ratios mean something even when the
absolute times do not travel. Nothing here is a test: it prints a table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(ROOT))

import html2text  # noqa: E402
from markdownify import markdownify  # noqa: E402

import emclean  # noqa: E402
from emclean.document import split_post  # noqa: E402

BIN = Path(sys.executable).parent
ROWS: list[tuple[str, str, str, str]] = []  # (measure, emclean, baseline, ratio or bar)


def row(measure: str, ours: str, base: str, ratio: str) -> None:
    ROWS.append((measure, ours, base, ratio))
    print(f"  {measure}: emclean {ours} | baseline {base} | {ratio}", flush=True)


def corpus_docs() -> list[tuple[str, str]]:
    """(whole file, body) of every corpus document."""
    docs = []
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix not in (".md", ".html") or path.name == "README.md":
            continue
        text = path.read_text(encoding="utf-8")
        docs.append((text, split_post(text).body))
    return docs


def html2text_convert(body: str) -> str:
    h = html2text.HTML2Text()
    h.body_width = 0
    h.unicode_snob = True
    return h.handle(body)


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_convert(quick: bool) -> None:
    print("in-process conversion (same inputs)")
    docs = corpus_docs()
    many = (docs * (10000 // len(docs) + 1))[: (1000 if quick else 10000)]
    for name, items, repeat in (
        ("corpus bodies (×20)", docs * 20, 7),
        (f"corpus replicated to {len(many):,} docs", many, 3),
    ):
        # interleaved rounds, best of each: a slower moment of the machine hits all three
        base = ours = mdfy = float("inf")
        for _ in range(repeat):
            base = min(base, best_of(lambda items=items: [html2text_convert(b) for _, b in items], 1))
            ours = min(ours, best_of(lambda items=items: [emclean.convert(t) for t, _ in items], 1))
            mdfy = min(mdfy, best_of(lambda items=items: [markdownify(b, heading_style="ATX") for _, b in items], 1))
        row(f"convert, {name}", f"{ours:.3f}s", f"html2text {base:.3f}s", f"**{ours / base:.2f}×** html2text")
        row(f"markdownify, {name}", "", f"markdownify {mdfy:.3f}s", f"{mdfy / base:.2f}× html2text")


def bench_cold(quick: bool) -> None:
    print("cold start: one command, one file (interleaved rounds, best of each)")
    # as after `pip install`: bytecode compiled (this also holds with PYTHONDONTWRITEBYTECODE set)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "emclean")], check=True)
    files = [
        CORPUS / "posts" / "2022-05-30-202205302396671645.md",
        CORPUS / "pages" / "idx67475179252__test_news.py.html",
    ]
    runs = 10 if quick else 30
    emclean_bin = str(BIN / "emclean")
    for path in files:
        if not path.exists():
            continue
        name = path.name
        commands = {
            "`html2text`": [str(BIN / "html2text"), str(path)],
            f"`emclean convert {name}`": [emclean_bin, "convert", str(path)],
            f"`emclean convert {name} --annotate inline`": [emclean_bin, "convert", str(path), "--annotate", "inline"],
            f"`emclean entities {name}`": [emclean_bin, "entities", str(path)],
        }
        best = _best_interleaved(commands, runs)
        base = best.pop("`html2text`")
        for command, ours in best.items():
            ratio = f"**{ours / base:.2f}×**"
            row(f"cold start {command}", f"{ours * 1000:.0f} ms", f"`html2text` {base * 1000:.0f} ms", ratio)


def _best_interleaved(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Wall seconds of each command, best of `runs` rounds that run every command in turn
    (so that a busy moment of the machine slows all of them), after two rounds to warm up."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for n in range(runs + 2):
        for name, cmd in commands.items():
            seconds = _time(cmd, check=True)
            if n >= 2:
                times[name].append(seconds)
    return {name: min(values) for name, values in times.items()}


def bench_big(quick: bool) -> None:
    print("one big page: time and peak memory against size")
    from selectolax.lexbor import LexborHTMLParser

    # the corpus's article paragraphs (balanced elements: a long article, not nested junk)
    paragraphs = [p.html or "" for _, body in corpus_docs() for p in LexborHTMLParser(body).css("p, table, center")]
    paragraph_html = "".join(paragraphs)
    sizes = (2, 20) if quick else (5, 50)
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for mb in sizes:
            page = Path(tmp, f"big{mb}.html")
            with page.open("w", encoding="utf-8") as out:
                out.write('<div class="txtinfos" id="ContentBody">')
                written = 0
                while written < mb * 1_000_000:
                    out.write(paragraph_html)
                    written += len(paragraph_html.encode())
                out.write("</div>")
            seconds, peak = _measure([str(BIN / "emclean"), "convert", str(page)])
            results[mb] = (seconds, peak)
            row(f"convert a {mb} MB page", f"{seconds:.1f}s, peak memory {peak:.0f} MB", "", "")
        (s1, _), (s2, _) = results[sizes[0]], results[sizes[1]]
        row(
            f"time ratio {sizes[1]} MB / {sizes[0]} MB",
            f"{s2 / s1:.1f}×",
            f"size ratio {sizes[1] / sizes[0]:.0f}×",
            "linear" if s2 / s1 < sizes[1] / sizes[0] * 1.3 else "**not linear**",
        )


def _measure(cmd: list[str], cwd: str | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a command and all its processes together."""
    peak = 0.0
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            done.wait(0.02)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    proc.wait()
    seconds = time.perf_counter() - start
    done.set()
    watcher.join()
    return seconds, peak


def _tree_rss(pid: int) -> float:
    """Memory of a process and its descendants in MB: the sum of their PSS (from /proc)."""
    total = 0
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    todo = [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        total += _pss(p)
    return total / 1e6


def _pss(pid: int) -> int:
    """Proportional set size in bytes: pages shared after fork counted once across processes."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _time(cmd: list[str], cwd: str | None = None, *, check: bool = False) -> float:
    """Wall seconds of one run of a command (`check`: a failure raises)."""
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=check)
    return time.perf_counter() - start


def _fresh_tree(folder: Path, count: int) -> list[str]:
    """`make_tree` again, in place of the tree a run has fixed."""
    shutil.rmtree(folder / "_posts")
    return make_tree(folder, count)


def make_tree(folder: Path, count: int) -> list[str]:
    """`count` posts under folder/_posts, replicated from the corpus posts; their bodies."""
    posts = sorted((CORPUS / "posts").glob("*.md"))
    target = folder / "_posts"
    target.mkdir(parents=True)
    bodies = []
    for n in range(count):
        source = posts[n % len(posts)]
        data = source.read_bytes()
        (target / f"{n:05d}-{source.name.lstrip('-')}").write_bytes(data)
        text = data.decode("utf-8")
        bodies.append(split_post(text).body)
    os.sync()  # on disk, as a user's tree is: no run pays for writing out the copies just made
    return bodies


def bench_fix(quick: bool) -> None:
    print("emclean fix on a Jekyll tree replicated from ../shared/corpus/posts")
    counts = (500, 5000) if quick else (2000, 20000)
    fix = [str(BIN / "emclean"), "fix", "-q", "_posts"]
    peaks = {}
    for count in counts:
        with tempfile.TemporaryDirectory() as tmp:
            # memory in runs of its own: the sampler reads /proc, which would slow a timed run
            make_tree(Path(tmp), count)
            peaks[count] = max(_measure(fix, cwd=tmp)[1], _measure(fix, cwd=tmp)[1])
            if count != counts[-1]:
                continue
            # interleaved rounds, best of each: a slower moment of the machine hits both sides
            rounds = 1 if quick else 3
            bases, firsts = [], []
            for _ in range(rounds):
                bodies = _fresh_tree(Path(tmp), count)
                bases.append(best_of(lambda bodies=bodies: [html2text_convert(b) for b in bodies], 1))
                firsts.append(_time(fix, cwd=tmp))
            base, first = min(bases), min(firsts)
            again = min(_time(fix, cwd=tmp) for _ in range(rounds))
            row(
                f"first `emclean fix`, {count:,} posts",
                f"{first:.1f}s",
                f"html2text in-process {base:.1f}s",
                f"**{first / base:.2f}×**",
            )
            row(
                f"`emclean fix` again on the fixed tree, {count:,} posts",
                f"{again:.2f}s",
                f"first run {first:.1f}s",
                f"**{first / again:.0f}× faster**",
            )
            _fresh_tree(Path(tmp), count)
            checks, listings = [], []
            for _ in range(rounds):  # neither writes: the same tree serves every round
                checks.append(_time([*fix, "--check"], cwd=tmp))
                listings.append(
                    _time(["sh", "-c", f"{BIN / 'emclean'} entities --format json _posts > /dev/null"], cwd=tmp)
                )
            check, listing = min(checks), min(listings)
            row(
                f"`emclean entities --format json`, {count:,} posts",
                f"{listing:.1f}s",
                f"`emclean fix --check` {check:.1f}s",
                f"**{listing / check:.2f}×**",
            )
            # the floor: what reading, parsing, html2text and atomic writes alone cost here
            floors = (([], "read + parse + html2text + atomic write"), (["--no-write"], "same, no write"))
            for flags, what in floors:
                runs = []
                for _ in range(rounds):
                    _fresh_tree(Path(tmp), count)
                    runs.append(
                        _time([sys.executable, str(ROOT / "benchmarks" / "floor.py"), "_posts", *flags], cwd=tmp)
                    )
                floor = min(runs)
                row(
                    f"floor ({what}; no rules, no verify), {count:,} posts",
                    f"{floor:.1f}s",
                    f"html2text in-process {base:.1f}s",
                    f"{floor / base:.2f}×",
                )
    small, big = peaks[counts[0]], peaks[counts[1]]
    row(
        f"peak memory of `emclean fix` (PSS of all its processes), {counts[0]:,} → {counts[1]:,} posts",
        f"{small:.0f} MB → {big:.0f} MB",
        "",
        f"**+{(big / small - 1) * 100:.0f}%**",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller inputs, fewer repeats")
    parser.add_argument("--only", default="convert,cold,big,fix", help="comma-separated sections")
    parser.add_argument("--markdown", help="write the result table to this file")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"skipped: the corpus is not at {CORPUS}")
        return
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, emclean {emclean.__version__}, "
        f"html2text {'.'.join(map(str, html2text.__version__))}"
    )
    sections = {"convert": bench_convert, "cold": bench_cold, "big": bench_big, "fix": bench_fix}
    for name in args.only.split(","):
        sections[name.strip()](args.quick)
    table = ["| measure | emclean | baseline | ratio |", "|---|---|---|---|"]
    table += [f"| {m} | {o} | {b} | {r} |" for m, o, b, r in ROWS]
    print("\n".join(table))
    if args.markdown:
        Path(args.markdown).write_text("\n".join(table) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
