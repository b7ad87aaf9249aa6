"""Running one function over many files on all cores, stoppable at any moment.

Workers ignore SIGINT/SIGTERM; the parent, on either, stops handing out work and waits
for the files in progress to finish, so nothing is left half-done. Workers never outlive
the parent: killed with it (SIGKILL included), they die too.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import chain, islice
from typing import TYPE_CHECKING, TypeVar

from .errors import WorkerDied

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

T = TypeVar("T")
R = TypeVar("R")


def _start_worker(parent: int) -> None:
    """Workers leave signals to the parent, which lets running files finish, and die with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if not _die_with_parent():
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it died before that was in place
        os._exit(1)


def _die_with_parent() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies (prctl PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        return bool(libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0) == 0)
    return False


def _watch_parent(parent: int) -> None:
    """Elsewhere: end this worker within a second of its parent's death."""
    while os.getppid() == parent:
        threading.Event().wait(1.0)
    os._exit(1)


# How often a wait for results checks that every worker still lives (seconds).
_WATCH = 0.25


class Stop(BaseException):
    """Raised in the parent when SIGINT or SIGTERM arrives (not an Exception: nothing swallows it)."""


def run(
    func: Callable[[list[T]], list[R]],
    jobs: Iterable[T],
    workers: int,
    on_result: Callable[[R], None],
    *,
    before_pool: Callable[[], object] | None = None,
    chunk: int = 32,
) -> bool:
    """Call `func` on batches of jobs and hand each result, in job order, to `on_result`.

    `func` takes a list of jobs and returns their results in the same order. Jobs are
    consumed lazily and only a few batches are in flight at a time, so memory does not
    grow with their number. Fewer than 8 jobs, or `workers` 1, run in this process.
    `before_pool` runs just before the workers start (to import what they will share).
    Returns False if SIGINT/SIGTERM stopped the run (the files in progress are finished).
    """

    def stop(signum: int, frame: object) -> None:
        raise Stop

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        pending = iter(jobs)
        first = list(islice(pending, 8))
        if workers <= 1 or len(first) < 8:
            for batch in _batches(chain(first, pending), chunk):
                for result in func(batch):
                    on_result(result)
            return True
        if before_pool is not None:
            before_pool()
        # The workers' garbage collector would scan the objects they inherit and so copy every
        # page those sit on into each worker (memory growing with the jobs): freeze them first.
        gc.collect()
        gc.freeze()
        try:
            return _pooled(func, chain(first, pending), workers, on_result, chunk)
        finally:
            gc.unfreeze()  # this process may go on (library callers, tests)
    except Stop:
        return False
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _pooled(
    func: Callable[[list[T]], list[R]], jobs: Iterable[T], workers: int, on_result: Callable[[R], None], chunk: int
) -> bool:
    """`run` on worker processes; False if stopped (the batches in progress are finished)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor  # (not imported for a run in this process)
    from concurrent.futures.process import BrokenProcessPool

    # fork: the workers share the parent's imported modules (see `run`), and are its children
    context = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
    executor = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),)
    )
    in_flight: deque[Future[list[R]]] = deque()
    try:
        for batch in _batches(jobs, chunk):
            in_flight.append(executor.submit(func, batch))
            if len(in_flight) >= workers * 3:
                for result in _outcome(in_flight.popleft(), executor):
                    on_result(result)
        while in_flight:
            for result in _outcome(in_flight.popleft(), executor):
                on_result(result)
    except BrokenProcessPool:
        raise _end_broken(executor) from None
    except Stop:
        _wind_down(executor, in_flight)
        return False
    except BaseException:  # a result could not be handled (its output cannot be written...)
        _wind_down(executor, in_flight)
        raise
    executor.shutdown(wait=True)
    return True


def _outcome(future: Future[list[R]], executor: ProcessPoolExecutor) -> list[R]:
    """The results of one batch. Waits while every worker lives: the pool itself may never
    notice a death (a worker killed while sending its result leaves the pool's own thread
    reading a message that never ends, and the others waiting for the lock it held)."""
    from concurrent.futures import TimeoutError as Pending
    from concurrent.futures.process import BrokenProcessPool

    while True:
        try:
            return future.result(timeout=_WATCH)
        except Pending:
            if _a_worker_died(executor):
                raise BrokenProcessPool("a worker process died") from None


def _wind_down(executor: ProcessPoolExecutor, in_flight: Iterable[Future[list[R]]]) -> None:
    """Let the batches in progress finish (the others are dropped), then close the pool; if a
    worker dies meanwhile, WorkerDied."""
    from concurrent.futures import wait
    from concurrent.futures.process import BrokenProcessPool

    futures = list(in_flight)
    for future in futures:
        future.cancel()  # (only one no worker has taken yet)
    pending = set(futures)
    while pending:  # each ends: finished, cancelled, or failed with the pool
        _, pending = wait(pending, timeout=_WATCH)
        if pending and _a_worker_died(executor):
            raise _end_broken(executor)
    if any(not f.cancelled() and isinstance(f.exception(), BrokenProcessPool) for f in futures):
        raise _end_broken(executor)
    executor.shutdown(wait=True)


def _a_worker_died(executor: ProcessPoolExecutor) -> bool:
    processes = (getattr(executor, "_processes", None) or {}).values()  # (stable since 3.2)
    return any(p.exitcode is not None for p in list(processes))


def _end_broken(executor: ProcessPoolExecutor) -> WorkerDied:
    """A worker died: kill the others (never wait on a broken pool: a survivor may be blocked
    writing a result nobody reads, the pool's feeder thread writing a batch no worker will
    read); the error that says so."""
    processes = list((getattr(executor, "_processes", None) or {}).values())  # (stable since 3.2)
    why = "out of memory?"
    deadline = time.monotonic() + 0.5  # the pool's own thread may be reaping the dead one
    while time.monotonic() < deadline:
        codes = [p.exitcode for p in processes if p.exitcode]
        if codes:
            why = _cause(codes[0])
            break
        time.sleep(0.01)
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            process.kill()  # SIGKILL: workers ignore SIGTERM (see _start_worker)
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError, AssertionError):
            process.join(1)
    # The pool's thread may be reading a result its writer died sending: with the parent's own
    # write end of that pipe closed too, it reads the end of it instead of waiting for ever.
    writer = getattr(getattr(executor, "_result_queue", None), "_writer", None)
    with contextlib.suppress(OSError, AttributeError):
        writer.close()  # type: ignore[union-attr]
    executor.shutdown(wait=True, cancel_futures=True)  # quick now: nothing is left to wait for
    return WorkerDied(f"a worker process died ({why}); the run stopped")


def _cause(code: int) -> str:
    """What a worker's exit code (negative: the signal that killed it) says about its death."""
    if code >= 0:
        return f"exit status {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    return f"killed by {name}: out of memory?" if -code == signal.SIGKILL else f"killed by {name}"


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def each(func: Callable[[T], R]) -> Callable[[list[T]], list[R]]:
    """A batch function for `run` that calls `func` on each job (picklable for workers)."""
    return partial(_each, func)


def _each(func: Callable[[T], R], batch: list[T]) -> list[R]:
    return [func(job) for job in batch]
