"""The LP relaxation, tightened by rounds of (l,S) inequalities before the MIP starts.

Each round solves the LP, finds the inequalities its solution breaks
(`model.cuts.separate`) and adds them to the model, and drops those its LP
leaves slack; the engine keeps the LP between rounds (`Engine.relaxation`),
so each round starts from the last basis. The inequalities are valid for
every plan, so those kept stay in the model the MIP engine gets: its root
bound starts where the rounds ended. The last LP solution seeds the warm start.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Callable, NamedTuple

import numpy as np

from . import clock
from .model import cuts
from .model.build import Built
from .model.linear import Compiled
from .solvers import Engine, Relaxation, Result, Status

ROUNDS = 20
"""At most this many rounds; in practice the bound stops moving much sooner."""
PROGRESS = 1e-3
"""Stop when a round raises the LP bound by less than this fraction..."""
FINE_PROGRESS, FINE_SHARE = 2e-4, 0.1
"""...unless it raised it by at least FINE_PROGRESS and the rounds have taken less than
FINE_SHARE of the time: where rounds are cheap beside the limit, the bound they add is worth
more than the search time they take."""
SLACK = 1e-6
"""An inequality whose LP activity stays this far (relative) below its bound is dropped."""
SHARE = 0.3
"""Of the time left, the most the rounds may take. A round's LP is stopped when it is spent:
on a 500-item block of the 10,000-item benchmark one round took 5 s and the next 14 s (with
0.45, two rounds took 25 of the block's 27.5 s and its plan ended 9.7% above the bound, against
3.6% with one round)."""


class Tightened(NamedTuple):
    """The model with the inequalities its LP relaxation needed, that LP's last solution,
    the LP itself if no inequality was added (kept by the engine for slope scaling, which
    runs without them), and the seconds its first, cold solve took (what a MIP engine's
    root LP costs at least)."""

    built: Built
    lp: Result
    kept: Relaxation | None
    cold_seconds: float


def tighten(built: Built, engine: Engine, remaining: Callable[[], float | None],
            strong: bool = True) -> Tightened:
    """Add rounds of (l,S) inequalities to `built`'s model while they raise its LP bound.

    With `strong` False, the plain model and its LP solution (the textbook
    big-M formulation, kept for comparison).
    """
    began, total = time.perf_counter(), remaining()
    rounds = clock.share(remaining, SHARE)
    model = built.model
    relaxation = engine.relaxation(model)
    lp = relaxation.solve(remaining())
    cold = lp.seconds
    if not strong:
        return Tightened(built, lp, relaxation, cold)
    sep = cuts.separator(built.index, built.vars)
    limit = max(1000, len(sep.pieces.qty) // 4)
    base = model.shape[0]
    for _ in range(ROUNDS):
        if lp.x is None or clock.spent(rounds):
            break
        A, hi = cuts.separate(sep, lp.x, limit)
        if not A.shape[0]:
            break
        lo = np.full(len(hi), -np.inf)
        model = model.with_rows("cuts", A, lo, hi)
        relaxation.add_rows(A, lo, hi)
        again = relaxation.solve(rounds())
        if again.status != Status.OPTIMAL:  # out of the rounds' time: the last LP stands
            break
        moved = again.objective - lp.objective
        lp = again
        slack = base + np.flatnonzero(_slack(model, lp.x, base))
        model = model.without_rows("cuts", slack)
        relaxation.delete_rows(slack)
        scale = max(abs(lp.objective), 1.0)
        cheap = total is None or time.perf_counter() - began < FINE_SHARE * total
        if moved <= (FINE_PROGRESS if cheap else PROGRESS) * scale:
            break
    kept = relaxation if model is built.model else None
    return Tightened(dataclasses.replace(built, model=model), lp, kept, cold)


def _slack(model: Compiled, x: np.ndarray, base: int) -> np.ndarray:
    """Which of the rows from `base` on `x` leaves slack: their duals are 0, so the LP's
    optimum stays where it is without them."""
    hi = model.row_hi[base:]
    return model.A[base:] @ x < hi - SLACK * np.maximum(1.0, np.abs(hi))
