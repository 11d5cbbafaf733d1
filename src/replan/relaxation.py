"""The LP relaxation, tightened by rounds of (l,S) and MIR inequalities before the MIP starts.

Each round solves the LP, finds the inequalities its solution breaks
(`separate`: the (l,S) inequalities of `model.cuts` and the MIR inequalities of
`model.rounding`) and adds them to the model, and drops those its LP
leaves slack; the engine keeps the LP between rounds (`Engine.relaxation`),
so each round starts from the last basis. The inequalities are valid for
every plan, so those kept stay in the model the MIP engine gets: its root
bound starts where the rounds ended. The last LP solution seeds the warm start
(where the time is short, the cold LP's does, before the rounds or beside them in
another process, and the rounds end once their bound proves its plan:
`planner.WARM_APART`).

The first rounds stop while each still raises the bound a little, so that the
search for plans starts early; `Rounds.more` resumes them on the same LP once
that search has found its best plans.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Callable, NamedTuple

import numpy as np
import scipy.sparse as sp

from . import clock
from .model import cuts, rounding
from .model.build import Built
from .model.linear import Compiled
from .solvers import Basis, Engine, Relaxation, Result, Status

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
"""Of the time left at the cold LP's start, the most the cold LP and the rounds may take (a plan
sought between them, `tighten`'s `before_rounds`, does not count). A round's LP is stopped when it is spent:
on a 500-item block of the 10,000-item benchmark one round took 5 s and the next 14 s (with
0.45, two rounds took 25 of the block's 27.5 s and its plan ended 9.7% above the bound, against
3.6% with one round)."""
GROWTH = 1.5
"""A round starts only if the time left holds this many LPs as long as the last round's: each
round's LP has more rows and takes longer, and one stopped by the time limit adds nothing
until the rounds resume (`Rounds.pending`). On the 1,000-item benchmark's largest part the
rounds' LPs took 11–13 s, then 15–16 s, 15 s (the first rounds' time ran out 14 s after the
first, and the second, started, was stopped 12 s later in one run of two); on a 500-item
block of the 10,000-item benchmark 5 s, then 14 s."""
MORE_PROGRESS = 2e-5
"""Resumed rounds stop when one raises the bound by less than this fraction. They tail off:
on the 1,000-item benchmark's largest part the first 5 resumed rounds raised the bound by
0.042%, 0.030%, 0.025%, 0.019% and 0.016% (6 s each), the 20th by 0.002%; on the 200-item
benchmark's, 10 rounds (10 s) by 0.13% in all, the 15 after by 0.03%."""
MORE_BATCH = 4
"""Where fewer than this many rounds as long as the last would fit in the time given, resumed
rounds add 1/MORE_BATCH of the first rounds' inequalities per family each. Re-solving the LP
takes longer the more rows come at once, and a round cut short by the time limit adds nothing
until it is resumed. On the 1,000-item benchmark's largest part, a full batch (about 21,000
rows) took 10.7–13.6 s alone; with fix and optimize running beside it, the one round did not
finish in the 17 s it had and the bound did not move. Alone, in 17 s, a full batch raised the
bound by 6,340 in one round, a quarter (about 7,700 rows, 4.7–5.6 s a round) by 8,466 in three.
Where rounds are quick (1–2 s at 200 items), quarter batches raised the bound less: 4,138,402,
4,137,962, 4,138,184 against 4,138,717, 4,138,764, 4,139,086 (interleaved runs)."""


BeforeRounds = Callable[[Result, "Basis | None", Callable[[], None]], Callable[[Result], bool]]
"""What `tighten` hands the cold LP, its basis and a release of the engine's LP to; it gives
back whether the LP of a round ends the rounds."""


class Tightened(NamedTuple):
    """The model with the inequalities its LP relaxation needed, that LP's last solution,
    the LP itself if no inequality was added and it was not released (kept by the engine
    for slope scaling, which runs without them), the seconds its first, cold solve took (what a MIP engine's root LP
    costs at least), the rounds, to resume, if any inequality was added, and the cold LP's
    basis (None if the engine keeps none), from which slope scaling starts its own LP then."""

    built: Built
    lp: Result
    kept: Relaxation | None
    cold_seconds: float
    rounds: Rounds | None = None
    basis: Basis | None = None


class Rounds:
    """Rounds of (l,S) and MIR inequalities on one LP that the engine keeps between them."""

    def __init__(self, built: Built, relaxation: Relaxation, lp: Result) -> None:
        self.built, self.relaxation, self.lp = built, relaxation, lp
        self.sep = cuts.separator(built.index, built.vars)
        self.batch = self.limit = max(1000, len(self.sep.pieces.qty) // 4)
        self.base = built.model.shape[0]
        self.seconds = 0.0  # the last round's LP, or what the next is expected to take (`more`)
        self.pending: Compiled | None = None  # with a round whose LP ran out of time (`run`)
        self.paused = 0.0  # the seconds that LP has run so far

    def run(self, remaining: clock.Remaining, enough: Callable[[float], bool],
            stop: Callable[[], bool] = lambda: False) -> None:
        """Add the inequalities the LP solution breaks and solve again, until `remaining()` is
        too short for another round `GROWTH` times as long as the last, none is broken, `enough(raise)`
        says a round's raise of the bound was too small, or `stop()` before a round; drop
        those the new solution leaves slack. A round whose LP runs out of time keeps its rows
        in the engine and its LP goes on where it stopped at the next call (`pending`)."""
        for _ in range(ROUNDS):
            if self.lp.x is None or stop() or clock.spent(remaining):
                return
            if self.pending is None and not self._separate(remaining):
                return
            again = self.relaxation.solve(remaining())
            if again.status != Status.OPTIMAL:
                self.paused += again.seconds
                if not clock.spent(remaining):  # failed, not stopped: the last LP stands
                    self.abandon()
                return
            model, self.pending = self.pending, None
            moved, self.lp = again.objective - self.lp.objective, again
            self.seconds, self.paused = self.paused + again.seconds, 0.0
            slack = self.base + np.flatnonzero(_slack(model, again.x, self.base))
            self.built = dataclasses.replace(self.built, model=model.without_rows("cuts", slack))
            self.relaxation.delete_rows(slack)
            if enough(moved / max(abs(again.objective), 1.0)):
                return

    def abandon(self) -> None:
        """Drop the round whose LP ran out of time, if any: the engine's LP is the last one solved."""
        if self.pending is not None:
            self.relaxation.delete_rows(np.arange(self.built.model.shape[0], self.pending.shape[0]))
            self.pending, self.paused = None, 0.0

    def _separate(self, remaining: clock.Remaining) -> bool:
        """Add the inequalities the LP solution breaks to the engine's LP and to `pending`, if
        a round `GROWTH` times as long as the last fits in `remaining()` and any is broken."""
        if not clock.fits(remaining, GROWTH * self.seconds):
            return False
        A, hi = separate(self.sep, self.lp.x, self.limit)
        if not A.shape[0]:
            return False
        lo = np.full(len(hi), -np.inf)
        self.pending = self.built.model.with_rows("cuts", A, lo, hi)
        self.relaxation.add_rows(A, lo, hi)
        return True

    def more(self, remaining: clock.Remaining, stop: Callable[[], bool] = lambda: False) -> None:
        """Resume the rounds until `remaining()` is spent or `stop()`, while each raises the
        bound by `MORE_PROGRESS` or more; with a `MORE_BATCH`th of the inequalities each if fewer
        than `MORE_BATCH` rounds as long as the last would fit. Such a round is expected to take a
        `MORE_BATCH`th of the last one's time, which `GROWTH` then weighs: measured against a
        full round's, none started where one full round did not fit, which is where they are
        for (the 1,000-item benchmark's resumed rounds: 6.6 s and 5.6 s where 19.5–21 s were
        left after a 15–17 s round). A round stopped for time (`pending`) is finished first,
        whatever the time left: what its LP has done is not lost."""
        if self.limit == self.batch and not clock.fits(remaining, MORE_BATCH * self.seconds):
            self.limit = -(-self.batch // MORE_BATCH)
            self.seconds /= MORE_BATCH
        self.run(remaining, lambda moved: moved < MORE_PROGRESS, stop)


def separate(sep: cuts.Separator, x: np.ndarray, limit: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """The (l,S) and the MIR inequalities that `x` violates most, as rows A·x ≤ hi: on the
    200-item benchmark's largest part, four rounds with both raised the bound by 6,933, with
    the (l,S) inequalities alone by 3,603."""
    ls, mir = cuts.separate(sep, x, limit), rounding.separate(sep, x, limit)
    return sp.vstack([ls[0], mir[0]], format="csr"), np.concatenate([ls[1], mir[1]])


def tighten(built: Built, engine: Engine, remaining: Callable[[], float | None],
            strong: bool = True, before_rounds: BeforeRounds = lambda lp, basis, release: _never) -> Tightened:
    """Add rounds of (l,S) and MIR inequalities to `built`'s model while they raise its LP bound.

    With `strong` False, the plain model and its LP solution (the textbook
    big-M formulation, kept for comparison). `before_rounds` is handed the
    cold LP's solution and basis, and `release`, which frees the engine's LP
    while it runs (the rounds then start on a new one from that basis), for a
    warm start there that would hold a second LP beside it (10,000-item benchmark:
    1.26 GB → 1.48 GB on a 484-item part); what it returns is asked, with the
    LP of the moment, whether the rounds are done (a plan found meanwhile is
    proven by their bound), before each round, the first too.
    """
    began, total = time.perf_counter(), remaining()
    relaxation = engine.relaxation(built.model)
    lp = relaxation.solve(remaining())
    cold = lp.seconds
    if not strong:
        return Tightened(built, lp, relaxation, cold)
    basis = relaxation.basis()
    held = [relaxation]
    del relaxation
    paused = time.perf_counter()
    done = before_rounds(lp, basis, held.clear)
    began += time.perf_counter() - paused  # the rounds' time and share leave out a plan found there
    if done(lp):
        return Tightened(built, lp, held[0] if held else None, cold, basis=basis)
    relaxation = held[0] if held else engine.relaxation(built.model, basis)

    def enough(moved: float) -> bool:
        cheap = total is None or time.perf_counter() - began < FINE_SHARE * total
        return moved <= (FINE_PROGRESS if cheap else PROGRESS)

    rounds = Rounds(built, relaxation, lp)
    rounds.run(_share_from(remaining, total, began), enough, stop=lambda: done(rounds.lp))
    if rounds.built.model is built.model:  # slope scaling gets the LP as built
        rounds.abandon()
        return Tightened(built, rounds.lp, relaxation, cold)
    return Tightened(rounds.built, rounds.lp, None, cold, rounds, basis)


def _share_from(remaining: clock.Remaining, total: float | None, began: float) -> clock.Remaining:
    """`SHARE` of `total` seconds from `began` (`time.perf_counter()`), within `remaining()`."""
    if total is None:
        return remaining
    until = began + SHARE * total
    return lambda: min(remaining(), max(until - time.perf_counter(), clock.MIN_SECONDS))


def _never(lp: Result) -> bool:
    return False


def _slack(model: Compiled, x: np.ndarray, base: int) -> np.ndarray:
    """Which of the rows from `base` on `x` leaves slack: their duals are 0, so the LP's
    optimum stays where it is without them."""
    hi = model.row_hi[base:]
    return model.A[base:] @ x < hi - SLACK * np.maximum(1.0, np.abs(hi))
