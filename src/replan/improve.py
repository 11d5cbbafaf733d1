"""Fix and optimize: improve a plan one item-location at a time.

A MIP engine given the whole model spends its time on the bound and finds
few better plans in it. Holding every other item-location at the plan and
freeing one item-location's every decision (its order lines, price tiers,
stock, service, and its suppliers' shipments) leaves a MIP of a few hundred
columns (`Compiled.restricted`), solved in 0.3–4 s or stopped at its share of
the time (without restarts: starting over after the root with the columns it
fixed took HiGHS 1.6 times as long to the same optima); its plan can only be
as good as the plan or better, since the plan is feasible for it. The
item-locations the plan pays most above the LP relaxation go first, counting
their share of the supplier shipments they order in: there the rounding and
slope scaling left the most, e.g. weekly orders just below a price break that
a larger order every few weeks would reach, or a supplier brought in for one
item's order.

The steps go to SCIP where it is installed (`step_engine`), whatever engine
solves the whole model: it closes these small MIPs sooner than HiGHS. They are
independent MIPs, so a process pool solves several at once, each against the
plan as it was when sent; `Incumbent` merges what they change and refuses a
change that no longer fits beside those taken since.
"""

from __future__ import annotations

import dataclasses
import heapq
import threading
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import clock
from .model.build import Built
from .model.linear import Compiled
from .solvers import Engine, Result, Status, engine as named_engine, installed_or

STEP_GAP = 1e-4
"""The gap each neighbourhood's MIP is solved to."""
STEP_SHARE = 0.25
"""Of the time left, the most one neighbourhood may take."""
POLL = 0.05
"""How often, in seconds, a search that can be stopped looks whether it is (steps in flight
are then left to finish on their own)."""
MIN_STEP = 1.0
"""The least time a neighbourhood gets: below it HiGHS seldom gets past its root's cuts to the
heuristics that find its plans. From the same plan, in 40 s with two processes, the
1,000-item benchmark's largest part gained 73,000–76,000 with 0.5 s a step (148–149 steps,
17–19 closed), 102,000–105,000 with 0.75–1.5 s (67–110 steps) and 93,000 with 2 s; the
200-item one's, in 30 s, 46,000 with 0.5 s and 51,000–53,000 with 1–1.5 s. (0.25 s found a
third of what 0.5 s found.) With the steps in SCIP (`STEP_ENGINE`), the 1,000-item part gained
90,000 with 0.5 s, 115,000–118,000 with 0.75–1 s and 121,000 with 1.5 s; end to end, 1.5 s
gave plans no cheaper than 1 s (three interleaved pairs at 1,000 items)."""
STEP_ENGINE = "scip"
"""The engine for the steps' MIPs where it is installed. On twelve steps of the 1,000-item
benchmark's largest part (250–410 columns, 90–190 integer, from the plan its search starts
from, one process), SCIP took 12.7 s to the same optima as HiGHS's 17.9 s (without restarts,
both), and given 1 s each it closed 8 of them against 3, and found a cheaper plan on 3 (one,
29,446 against 33,758), a dearer one on 1. End to end, interleaved, three pairs each, the
plans were cheaper in every pair: 1,000 items by 9,000–42,000, 200 items by 1,400–4,000."""
RETRY = 5.0
"""A neighbourhood stopped at its time limit with no cheaper plan is queued once more with
this many times its time, ranked as if it weighed this many times less. HiGHS finds most
steps' plans at the end of its root, which some take seconds to reach: on the 1,000-item
benchmark's largest part, 4 of the 25 neighbourhoods ranked first found nothing in 0.5 s
and 10,200 together in 2.2–3.1 s, a sixth of what the 25 could gain, at a rate (3,500 a
second) that the neighbourhoods ranked 20th to 30th no longer reach (2,200 a second). (Measured
with the steps in HiGHS, before `STEP_ENGINE`; not measured again with SCIP.)"""


def fix_and_optimize(built: Built, engine: Engine, x: np.ndarray, remaining: clock.Remaining,
                     relaxed: np.ndarray | None = None, passes: int = 2) -> np.ndarray:
    """A plan at least as good as `x` (a feasible solution of `built.model`), improved by
    `Search` in this process until `remaining()` is spent."""
    return Search(built, engine, x, relaxed, passes).run(remaining)


def step_engine(fallback: Engine) -> Engine:
    """The engine for fix and optimize's steps: `STEP_ENGINE` where it is installed, else
    `fallback` (the engine of the whole model)."""
    return installed_or(STEP_ENGINE, fallback)


@dataclass(order=True)
class Queued:
    """A neighbourhood waiting to be solved: the lowest `rank` goes first, then the first
    queued (`seq`); a `retry` gets `RETRY` times the usual time."""

    rank: float
    seq: int
    skus: np.ndarray = field(compare=False)
    retry: bool = field(compare=False, default=False)


class Search:
    """Fix and optimize from plan `x`: the neighbourhood of each item-location in turn
    (`neighbourhoods`, ranked by what `x` pays above the LP solution `relaxed`),
    `passes` times over; a pass that improves nothing ends it. A neighbourhood that
    ran out of time before finding a cheaper plan is tried again with more (`RETRY`).
    It can be run in stretches, each going on where the last stopped."""

    def __init__(self, built: Built, engine: Engine, x: np.ndarray, relaxed: np.ndarray | None = None,
                 passes: int = 2) -> None:
        self.built, self.engine, self.passes = built, engine, passes
        self.owner = owners(built)
        self.hoods = neighbourhoods(built, self.owner, x, relaxed)
        self.plan = Incumbent(built.model, x)
        self._queue: list[Queued] = []
        self._seq = 0
        self._queue_pass()
        self._pass_cost, self._sent = self.plan.cost, 0

    def _queue_pass(self) -> None:
        for skus, weight in self.hoods:
            self._push(skus, -weight)

    def _push(self, skus: np.ndarray, rank: float, retry: bool = False) -> None:
        heapq.heappush(self._queue, Queued(rank, self._seq, skus, retry))
        self._seq += 1

    def run(self, remaining: clock.Remaining, pool: Executor | None = None, lanes: int = 1,
            stop: threading.Event | None = None,
            enough: Callable[[float], bool] | None = None) -> np.ndarray:
        """The best plan after searching until `remaining()` is spent, `stop` is set, the
        passes are done or `enough(cost)` says the plan's cost needs no better (proven within
        the gap asked); steps in flight then still come back and count. With a `pool` of
        processes, `lanes` neighbourhoods are solved at once, each against the plan as it was
        when it was sent (`Incumbent.offer`)."""
        if pool is None:
            pool, lanes = InProcess(), 1
        flying: dict[Future, tuple[Queued, Step]] = {}

        def halted() -> bool:
            left = remaining()
            return (stop is not None and stop.is_set()) or clock.spent(remaining) or (
                left is not None and left < MIN_STEP) or (enough is not None and enough(self.plan.cost))

        while self._queue or flying:
            while self._queue and len(flying) < lanes and not halted():
                queued = heapq.heappop(self._queue)
                future, step = self._send(pool, queued, remaining, lanes)
                flying[future] = queued, step
            if not flying:
                break
            done, _ = wait(flying, POLL if stop else None, FIRST_COMPLETED)
            for future in done:
                queued, step = flying.pop(future)
                result = future.result()
                if not self.plan.offer(step, result):  # it clashed with a step taken meanwhile: again
                    heapq.heappush(self._queue, queued)
                elif not queued.retry and _stalled(step, result):
                    self._push(queued.skus, _later(queued.rank), retry=True)
            if stop is not None and stop.is_set():
                break
            if not self._queue and not flying:
                self._next_pass()
        return self.plan.x

    @property
    def exhausted(self) -> bool:
        """Whether no neighbourhood is left to try: the passes are done, or the last improved nothing."""
        return not self._queue

    def _next_pass(self) -> None:
        """Queue every neighbourhood again if this pass made the plan cheaper and passes are left."""
        self.passes -= 1
        if self.passes > 0 and self.plan.cost < self._pass_cost:
            self._queue_pass()
            self._pass_cost, self._sent = self.plan.cost, 0

    def _send(self, pool: Executor, queued: Queued, remaining: clock.Remaining,
              lanes: int) -> tuple[Future, Step]:
        """Submit `queued`'s neighbourhood around the plan, with its share of the time left:
        `lanes` at once over the neighbourhoods still to send this pass (`RETRY` times that
        for a retry)."""
        left = remaining()
        limit = None
        if left is not None:
            todo = max(1, len(self.hoods) - self._sent)
            usual = max(MIN_STEP, min(STEP_SHARE * left, lanes * left / todo))
            limit = max(usual, min(RETRY * usual, STEP_SHARE * left)) if queued.retry else usual
        sub, cols = self.built.model.restricted(columns(self.built, self.owner, queued.skus), self.plan.x)
        step = Step(cols, self.plan.x[cols], self.plan.version, float(sub.c @ self.plan.x[cols]))
        if not queued.retry:
            self._sent += 1
        return pool.submit(solve_step, self.engine, sub, limit, step.base), step


def solve_step(engine: Engine, sub: Compiled, limit: float | None, start: np.ndarray) -> Result:
    """`engine`'s plan for a step's MIP `sub` from `start`, to `STEP_GAP`, without restarts, moved
    to a vertex (`on_vertex`)."""
    result = engine.solve(sub, limit, STEP_GAP, start=start, restart=False)
    return result if result.x is None else on_vertex(sub, result)


def on_vertex(model: Compiled, result: Result) -> Result:
    """`result` with its integer columns held and the rest solved again by HiGHS's simplex, which
    ends on a vertex, as cheap or cheaper. SCIP's plans need not lie on one: on the 1,000-item
    benchmark, steps in SCIP left 0.16 of a unit served, held and lost on two lines, and the
    planner then spent 2.2 s past its limit making service whole (`planner._whole`), which on
    a vertex it is wherever the data are whole."""
    again = named_engine("highs").solve(model.held(result.x), None, STEP_GAP)
    if again.x is None or _cheaper(result.objective, again.objective):
        return result
    return dataclasses.replace(result, x=again.x, objective=again.objective)


@dataclass(frozen=True)
class Step:
    """A neighbourhood sent to be solved: its columns, their values in the plan it was solved
    against, that plan's version and what those columns cost in it."""

    cols: np.ndarray
    base: np.ndarray
    version: int
    cost: float


def _later(rank: float) -> float:
    """`rank` as if its neighbourhood weighed `RETRY` times less (ranks are minus weights)."""
    return rank / RETRY if rank < 0 else rank * RETRY


def _stalled(step: Step, result: Result) -> bool:
    """Whether `step` ran out of time (or failed) before it found a cheaper plan."""
    found = result.objective is not None and _cheaper(result.objective, step.cost)
    return result.status != Status.OPTIMAL and not found


def _cheaper(cost: float, than: float) -> bool:
    """Whether `cost` is below `than` by more than the solvers' tolerance."""
    return cost < than - 1e-6 * max(1.0, abs(than))


class Incumbent:
    """The best plan so far, into which the steps' solutions are merged as they come back."""

    def __init__(self, model: Compiled, x: np.ndarray) -> None:
        self.model, self.x, self.cost, self.version = model, x, float(model.c @ x), 0

    def offer(self, step: Step, result: Result) -> bool:
        """Take what `step`'s `result` changed if that makes the plan cheaper; False if it
        would, but no longer fits beside the steps taken since `step` was sent (two
        neighbourhoods that share a supplier's capacity may both have used its slack)."""
        if result.x is None:
            return True
        moved = np.abs(result.x - step.base) > 1e-9
        trial = self.x.copy()
        trial[step.cols[moved]] = result.x[moved]
        trial = self.model.clean(trial)
        cost = float(self.model.c @ trial)
        if not _cheaper(cost, self.cost):
            return True
        if step.version != self.version and not self.model.feasible(trial):
            return False
        self.x, self.cost, self.version = trial, cost, self.version + 1
        return True


class InProcess(Executor):
    """Runs each call as it is submitted: the steps one after another, in this process."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to whoever reads the future, as a pool does
            future.set_exception(error)
        return future


def owners(built: Built) -> np.ndarray:
    """The item-location (sku) each column belongs to; -1 for columns shared by several
    (supplier shipments, transfers)."""
    v, index = built.vars, built.index
    owner = np.full(built.model.shape[1], -1, dtype=np.int64)
    k_line = index.lines["k"].to_numpy(int)
    for cols, k in ((v.order, k_line), (v.order_on, k_line)):
        owner[cols[cols >= 0]] = k[cols >= 0]
    if len(index.tiers):
        k_tier = k_line[index.tiers["line"].to_numpy(int)]
        owner[v.tier_qty] = owner[v.tier_on] = k_tier
    k_class = index.classes["k"].to_numpy(int)
    for grid, k in ((v.stock, np.arange(index.K)), (v.shortfall, np.arange(index.K)),
                    (v.owed, k_class), (v.lost, k_class), (v.serve, k_class)):
        if grid.size:
            rows = np.broadcast_to(k[:, None], grid.shape)
            owner[grid[grid >= 0]] = rows[grid >= 0]
    return owner


def neighbourhoods(built: Built, owner: np.ndarray, x: np.ndarray,
                   relaxed: np.ndarray | None) -> list[tuple[np.ndarray, float]]:
    """Each item-location with the others it shares a transfer lane with (a move changes
    the stock at both ends), and what `x` pays for it above `relaxed`, with its
    `shipment_shares`; the most first."""
    K = built.index.K
    ends = [np.array([k]) for k in range(K)]
    if len(built.index.lanes):
        pairs = built.index.lanes[["k_from", "k_to"]].to_numpy(int)
        ends = [np.unique(np.append(pairs[(pairs == k).any(axis=1)], k)) for k in range(K)]
    weight = excess(built, owner, x, relaxed)
    return [(ends[k], float(weight[k])) for k in np.argsort(-weight, kind="stable")]


def excess(built: Built, owner: np.ndarray, x: np.ndarray, relaxed: np.ndarray | None) -> np.ndarray:
    """What plan `x` pays for each item-location above the LP solution `relaxed` (above
    nothing if None): its own columns and its `shipment_shares`."""
    mine = owner >= 0
    above = built.model.c * (x if relaxed is None else x - relaxed)
    return np.bincount(owner[mine], above[mine], minlength=built.index.K) + shipment_shares(built, x, above)


def shipment_shares(built: Built, x: np.ndarray, above: np.ndarray) -> np.ndarray:
    """Each item-location's share of `above` (what a plan pays above the LP, by column) on
    supplier shipments: a shipment's, split evenly among the item-locations ordering in it
    in plan `x`. An item-location that brings a supplier in on its own saves the whole
    shipment by moving its order; one of twenty ordering in it saves nothing alone."""
    v, lines = built.vars, built.index.lines
    ship = v.line_shipments(lines)
    ordering = (ship >= 0) & (x[v.order] > 1e-9)
    pairs = np.unique(np.stack([ship[ordering], lines["k"].to_numpy(int)[ordering]]), axis=1)
    count = np.bincount(pairs[0], minlength=len(x))
    return np.bincount(pairs[1], above[pairs[0]] / count[pairs[0]], minlength=built.index.K)


def columns(built: Built, owner: np.ndarray, skus: np.ndarray) -> np.ndarray:
    """The columns the item-locations `skus` decide: their own, their lines' supplier
    shipments and the transfers into or out of them."""
    v, index = built.vars, built.index
    free = np.isin(owner, skus)
    lines = index.lines
    mine = np.isin(lines["k"].to_numpy(int), skus)
    shipments = v.line_shipments(lines)[mine]
    free[shipments[shipments >= 0]] = True
    if len(index.moves):
        lanes = index.lanes
        touches = np.isin(lanes["k_from"].to_numpy(int), skus) | np.isin(lanes["k_to"].to_numpy(int), skus)
        free[v.move[touches[index.moves["lane"].to_numpy(int)]]] = True
    return free
