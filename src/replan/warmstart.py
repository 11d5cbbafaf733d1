"""A good plan early: round the LP relaxation's orders, fix them, complete the rest.

MIP engines can spend minutes without a decent incumbent on lot-sizing
models with MOQs and fixed costs, while the LP relaxation is cheap and its
order quantities are close to a good plan. Rounding each line's packs (up,
or failing that down), choosing the tier and shipment indicators that fit,
and re-solving with those decisions fixed gives a feasible plan in seconds;
it seeds the MIP, which can only improve on it.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from .model.build import Built
from .solvers import Engine

ROUNDINGS = (lambda p: np.ceil(p - 1e-6), lambda p: np.floor(p + 1e-6))
"""Up first (covers the LP's need), then down (keeps within capacities and budget)."""


def warm_start(built: Built, engine: Engine, remaining: Callable[[], float | None]) -> np.ndarray | None:
    """A feasible solution of `built`, or None if rounding finds none.

    `remaining()` gives the seconds left of the whole solve's time limit (None: no limit).
    """
    model = built.model
    relaxed = engine.solve(dataclasses.replace(model, integer=np.zeros_like(model.integer)),
                           remaining(), 0.0)
    if relaxed.x is None:
        return None
    packs = relaxed.x[built.vars.order]
    for rounding in ROUNDINGS:
        result = engine.solve(fix_orders(built, rounding(packs)), remaining(), 0.01)
        if result.x is not None:
            return model.clean(result.x)
    return None


def fix_orders(built: Built, packs: np.ndarray) -> object:
    """The model with every order decision fixed to `packs` (moved up to the MOQ, down to the bound).

    Line indicators, price tiers and supplier shipments follow from the
    packs; transfers and everything continuous stay free.
    """
    model, v, index = built.model, built.vars, built.index
    lines = index.lines
    ub_packs = lines["packs_ub"].to_numpy(float)
    moq = lines["moq_packs"].to_numpy(float)
    packs = np.clip(packs, 0, ub_packs)
    packs = np.where((packs > 0) & (packs < moq), np.where(moq <= ub_packs, moq, 0), packs)
    lb, ub = model.lb.copy(), model.ub.copy()

    def fix(cols: np.ndarray, values: np.ndarray) -> None:
        lb[cols] = ub[cols] = values

    fix(v.order, packs)
    on = v.order_on >= 0
    fix(v.order_on[on], (packs[on] > 0).astype(float))
    tiers = index.tiers
    if len(tiers):
        units = (packs * lines["pack"].to_numpy(float))[tiers["line"].to_numpy(int)]
        chosen = ((units >= tiers["lo"].to_numpy(float) - 1e-9)
                  & (units <= tiers["hi"].to_numpy(float) + 1e-9))
        fix(v.tier_on, chosen.astype(float))
    shipped = np.zeros(v.shipment.shape, bool)
    ordered = packs > 0
    shipped[lines["s"].to_numpy(int)[ordered], lines["t"].to_numpy(int)[ordered] - 1] = True
    has = v.shipment >= 0
    fix(v.shipment[has], shipped[has].astype(float))
    integer = np.zeros_like(model.integer)
    integer[model.var_blocks["move"]] = model.integer[model.var_blocks["move"]]
    return dataclasses.replace(model, lb=lb, ub=ub, integer=integer)
