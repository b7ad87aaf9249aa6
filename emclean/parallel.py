"""Running one function over many files on all cores, stoppable at any moment.

Workers ignore SIGINT/SIGTERM; the parent, on either, stops handing out work and waits
for the files in progress to finish, so nothing is left half-done.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _quiet_worker() -> None:
    """Workers leave signals to the parent, which lets running files finish."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


class Stop(BaseException):
    """Raised in the parent when SIGINT or SIGTERM arrives (not an Exception: nothing swallows it)."""


def run(
    func: Callable[[T], R],
    jobs: Sequence[T],
    workers: int,
    on_result: Callable[[R], None],
) -> bool:
    """Call `func` on every job (in order of jobs), then `on_result`; False if stopped early."""

    def stop(signum: int, frame: object) -> None:
        raise Stop

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        if workers <= 1 or len(jobs) < 8:
            for job in jobs:
                on_result(func(job))
            return True
        chunk = max(1, min(256, len(jobs) // (workers * 8)))
        executor = ProcessPoolExecutor(max_workers=workers, initializer=_quiet_worker)
        try:
            for result in executor.map(func, jobs, chunksize=chunk):
                on_result(result)
        except Stop:
            executor.shutdown(wait=True, cancel_futures=True)
            return False
        executor.shutdown(wait=True)
        return True
    except Stop:
        return False
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
