"""Fix and optimize: improve a plan one item-location at a time.

A MIP engine given the whole model spends its time on the bound and finds
few better plans in it. Holding every other item-location at the plan and
freeing one item-location's every decision (its order lines, price tiers,
stock, service, and its suppliers' shipments) leaves a MIP of a few hundred
columns (`Compiled.restricted`), which HiGHS mostly solves to optimality in
well under a second; its optimum can only be as good as the plan or better,
since the plan is feasible for it. The item-locations the plan pays most
above the LP relaxation go first: there the rounding and slope scaling left
the most, e.g. weekly orders just below a price break that a larger order
every few weeks would reach.
"""

from __future__ import annotations

import numpy as np

from . import clock
from .model.build import Built
from .solvers import Engine

STEP_GAP = 1e-4
"""The gap each neighbourhood's MIP is solved to."""
STEP_SHARE = 0.25
"""Of the time left, the most one neighbourhood may take."""
MIN_STEP = 0.5
"""The least time a neighbourhood gets: below it HiGHS seldom gets past its first heuristics
(on the 200-item benchmark's largest part, 0.25 s a step found a third of what 0.5 s found)."""


def fix_and_optimize(built: Built, engine: Engine, x: np.ndarray, remaining: clock.Remaining,
                     relaxed: np.ndarray | None = None, passes: int = 2) -> np.ndarray:
    """A plan at least as good as `x` (a feasible solution of `built.model`), improved by
    solving the neighbourhood of each item-location in turn (`neighbourhoods`, ordered by
    what `x` pays above the LP solution `relaxed`), `passes` times over or until
    `remaining()` is spent; a pass that improves nothing ends the search."""
    model = built.model
    best, cost = x, float(model.c @ x)
    owner = owners(built)
    hoods = neighbourhoods(built, owner, x, relaxed)
    for _ in range(passes):
        improved = False
        for done, skus in enumerate(hoods):
            left = remaining()
            if clock.spent(remaining) or (left is not None and left < MIN_STEP):
                return best
            step = None if left is None else max(MIN_STEP, min(STEP_SHARE * left, left / (len(hoods) - done)))
            sub, cols = model.restricted(columns(built, owner, skus), best)
            result = engine.solve(sub, step, STEP_GAP, start=best[cols])
            if result.x is None:
                continue
            trial = best.copy()
            trial[cols] = result.x
            trial = model.clean(trial)
            trial_cost = float(model.c @ trial)
            if trial_cost < cost - 1e-6 * max(1.0, abs(cost)):
                best, cost, improved = trial, trial_cost, True
        if not improved:
            break
    return best


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
                   relaxed: np.ndarray | None) -> list[np.ndarray]:
    """Each item-location with the others it shares a transfer lane with (a move changes
    the stock at both ends), those that `x` pays most above `relaxed` first."""
    K = built.index.K
    ends = [np.array([k]) for k in range(K)]
    if len(built.index.lanes):
        pairs = built.index.lanes[["k_from", "k_to"]].to_numpy(int)
        ends = [np.unique(np.append(pairs[(pairs == k).any(axis=1)], k)) for k in range(K)]
    mine = owner >= 0
    above = built.model.c * (x if relaxed is None else x - relaxed)
    weight = np.bincount(owner[mine], above[mine], minlength=K)
    return [ends[k] for k in np.argsort(-weight, kind="stable")]


def columns(built: Built, owner: np.ndarray, skus: np.ndarray) -> np.ndarray:
    """The columns the item-locations `skus` decide: their own, their lines' supplier
    shipments and the transfers into or out of them."""
    v, index = built.vars, built.index
    free = np.isin(owner, skus)
    lines = index.lines
    mine = np.isin(lines["k"].to_numpy(int), skus)
    shipments = v.shipment[lines["s"].to_numpy(int)[mine], lines["t"].to_numpy(int)[mine] - 1]
    free[shipments[shipments >= 0]] = True
    if len(index.moves):
        lanes = index.lanes
        touches = np.isin(lanes["k_from"].to_numpy(int), skus) | np.isin(lanes["k_to"].to_numpy(int), skus)
        free[v.move[touches[index.moves["lane"].to_numpy(int)]]] = True
    return free
