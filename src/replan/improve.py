"""Fix and optimize: improve a plan one neighbourhood of items at a time.

A MIP engine given the whole model spends its time on the bound and finds
few better plans in it. Freeing only the order decisions of the items of
one main supplier, with every other decision fixed at the plan's, leaves a
MIP that presolve shrinks to those items, small enough to solve to near
optimality in seconds; its optimum can only be as good as the plan or
better, since the plan is feasible for it. Neighbourhood after
neighbourhood, the plan improves where the LP rounding and slope scaling
left it worse than it need be.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from . import clock
from .model.build import Built
from .model.linear import Compiled
from .solvers import Engine

STEP_GAP = 1e-4
"""The gap each neighbourhood's MIP is solved to."""
STEP_SHARE = 0.25
"""Of the time left, the most one neighbourhood may take."""


def fix_and_optimize(built: Built, engine: Engine, x: np.ndarray, remaining: clock.Remaining,
                     passes: int = 2) -> np.ndarray:
    """A plan at least as good as `x` (a feasible solution of `built.model`), improved by
    solving the neighbourhood of each main supplier's items in turn, `passes` times over or
    until `remaining()` is spent; a pass that improves nothing ends the search."""
    model = built.model
    best, cost, took = x, float(model.c @ x), 0.0
    for _ in range(passes):
        improved = False
        for skus in neighbourhoods(built):
            left = remaining()
            if clock.spent(remaining) or (left is not None and left < took):
                return best  # presolve cannot be interrupted: a step needs the time the last took
            step = None if left is None else max(clock.MIN_SECONDS, STEP_SHARE * left)
            began = time.perf_counter()
            result = engine.solve(free(built, best, skus), step, STEP_GAP, start=best)
            took = time.perf_counter() - began
            if result.x is not None and result.objective < cost - 1e-6 * max(1.0, abs(cost)):
                best, cost, improved = model.clean(result.x), result.objective, True
        if not improved:
            break
    return best


def neighbourhoods(built: Built) -> list[np.ndarray]:
    """The item-locations of each main supplier (the one with most of their offers), the
    suppliers with most items first."""
    offers = built.index.offers
    counts = offers.groupby(["k", "s"]).size().reset_index(name="n")
    home = counts.sort_values(["k", "n", "s"], ascending=[True, False, True]).drop_duplicates("k")
    groups = home.groupby("s")["k"].agg(lambda k: np.sort(k.to_numpy(int)))
    return sorted(groups.tolist(), key=len, reverse=True)


def free(built: Built, x: np.ndarray, skus: np.ndarray) -> Compiled:
    """The model with every integer decision fixed at `x`, but the order lines, price tiers,
    transfers and supplier shipments of the item-locations `skus`."""
    model, v, index = built.model, built.vars, built.index
    lines = index.lines
    loose = np.zeros(model.shape[1], bool)
    mine = np.isin(lines["k"].to_numpy(int), skus)
    loose[v.order[mine]] = True
    on = v.order_on[mine]
    loose[on[on >= 0]] = True
    if len(index.tiers):
        loose[v.tier_on[mine[index.tiers["line"].to_numpy(int)]]] = True
    cells = (lines["s"].to_numpy(int)[mine], lines["t"].to_numpy(int)[mine] - 1)
    shipments = v.shipment[cells]
    loose[shipments[shipments >= 0]] = True
    if len(index.moves):
        lanes = index.lanes
        touches = (np.isin(lanes["k_from"].to_numpy(int), skus) | np.isin(lanes["k_to"].to_numpy(int), skus))
        moving = touches[index.moves["lane"].to_numpy(int)]
        loose[v.move[moving]] = True
    fixed = model.integer & ~loose
    lb, ub = model.lb.copy(), model.ub.copy()
    lb[fixed] = ub[fixed] = np.round(x[fixed])
    return dataclasses.replace(model, lb=lb, ub=ub)
