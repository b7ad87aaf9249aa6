"""The least any `emclean fix` has to do, timed: a lower bound for `bench.py`'s fix row.

    python benchmarks/floor.py DIR [--no-write]

Like `emclean fix` (same sniff, same worker count and batches, same write path), but
each file is only read, parsed with lexbor and rendered with html2text, and, unless
`--no-write`, written back atomically (staged, flushed, fsynced, renamed). No HTML-block
search, no rules, no finishing, no verify: the result is not a usable post, only a
measure of what reading, parsing, html2text and safe writing cost on this machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from emclean import dom, files, render  # noqa: E402
from emclean.codec import Tokens, codec_for  # noqa: E402
from emclean.document import split_post  # noqa: E402
from emclean.fix import Settings, WriteBack, might_need_work  # noqa: E402
from emclean.options import Options  # noqa: E402
from emclean.tree import files as walk  # noqa: E402


def _batch(job: tuple[list[str], bool]) -> int:
    paths, write = job
    staged = []
    for name in paths:
        post = split_post(files.read(Path(name)).content)
        codec = codec_for(post.body)
        markdown = render.render(dom.events(dom.root(dom.parse(post.body))), codec, Tokens())
        if write:
            staged.append(files.stage(Path(name), post.head + markdown, "utf-8"))
    files.flush(staged)
    for item in staged:
        files.commit(item)
    return len(paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--no-write", action="store_true", help="read, parse and render only")
    args = parser.parse_args()
    start = time.perf_counter()
    settings = Settings(Options(), WriteBack.YES, None, None)
    paths = (str(p) for p in walk([Path(args.folder)], [], []) if might_need_work(p, settings))
    batches = iter(lambda: list(islice(paths, 32)), [])
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        count = sum(pool.map(_batch, ((batch, not args.no_write) for batch in batches)))
    print(f"{count} files in {time.perf_counter() - start:.2f}s")


if __name__ == "__main__":
    main()
