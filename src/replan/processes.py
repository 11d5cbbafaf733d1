"""Processes that solve or forecast side by side, and the threads each may start.

Pools are spawned, not forked: a forked child inherits HiGHS's thread pool
half-made and hangs. Each process keeps BLAS (and OpenMP) to one thread while
it works (`one_thread`): OpenBLAS starts a thread per core in every process,
and after each call on a long vector, such as a plan's cost `c @ x` over
242,000 columns, its threads spin for tens of milliseconds. Twenty such
products a second kept a second core 84% busy (0.99 s of CPU in 1.18 s),
against 7% with one thread. In a 1,000-item run the main process's spinning
thread took 14 s of the cores on which the pool's processes solved
fix-and-optimize steps; without it the runs ended a median 1.45% from their
bounds against 1.52% (docs/benchmarks.md).
"""

from __future__ import annotations

import functools
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, ParamSpec, TypeVar

from threadpoolctl import threadpool_limits

P = ParamSpec("P")
T = TypeVar("T")


def one_thread() -> threadpool_limits:
    """BLAS and OpenMP kept to one thread in this process until the returned context ends
    (or for good, if it is never entered)."""
    return threadpool_limits(limits=1)


def in_one_thread(function: Callable[P, T]) -> Callable[P, T]:
    """`function`, run with BLAS and OpenMP kept to one thread (`one_thread`): for the
    functions that solve, wherever they run (here, in a pool, on a Dask worker)."""

    @functools.wraps(function)
    def limited(*args: P.args, **kwargs: P.kwargs) -> T:
        with one_thread():
            return function(*args, **kwargs)

    return limited


def pool(n: int) -> ProcessPoolExecutor:
    """`n` processes that each start afresh, import replan and keep to one thread (`one_thread`)."""
    return ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"), initializer=one_thread)
