"""Time budgets: every step of a solve draws on one time limit.

A step is handed a `Remaining`, a function that gives the seconds it has
left (None: no limit), and hands a share of it on to the steps it calls.
"""

from __future__ import annotations

import time
from typing import Callable

Remaining = Callable[[], "float | None"]
MIN_SECONDS = 0.05
"""The least time a step gets once its time is spent: enough to return, not to overrun."""


def budget(seconds: float | None) -> Remaining:
    """The seconds left of `seconds` from now, never below `MIN_SECONDS` (None: no limit)."""
    if seconds is None:
        return lambda: None
    until = time.perf_counter() + seconds
    return lambda: max(until - time.perf_counter(), MIN_SECONDS)


def share(remaining: Remaining, fraction: float) -> Remaining:
    """A budget of `fraction` of the time `remaining` has left now."""
    left = remaining()
    return budget(None if left is None else fraction * left)


def spent(remaining: Remaining) -> bool:
    """Whether the budget `remaining` has no time left."""
    left = remaining()
    return left is not None and left <= MIN_SECONDS


def fits(remaining: Remaining, seconds: float) -> bool:
    """Whether the budget `remaining` has `seconds` left: a step expected to take that long
    would end in time."""
    left = remaining()
    return left is None or left >= seconds
