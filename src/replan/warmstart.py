"""A good plan early: order quantities from LPs, fixed, the rest completed.

MIP engines can spend minutes without a decent incumbent on lot-sizing
models with MOQs and fixed costs, while LPs are cheap. Candidate order
quantities come from slope scaling (LPs that charge each line its fixed
cost over what it orders), or, failing that, from the LP relaxation's packs
rounded down and up; each is fitted into MOQs, capacities and the budget
and fixed, which leaves an LP for the rest of the plan. The cheapest, with
its packs re-optimised, seeds the MIP, which can only improve on it.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Callable, Iterator

import numpy as np
import pandas as pd

from . import clock
from .model.build import Built
from .model.index import Index
from .model.linear import Compiled
from .model.orders import line_cells
from .solvers import Basis, Engine, Relaxation, Result, Status

ROUNDINGS = (lambda p: np.floor(p + 1e-6), lambda p: np.ceil(p - 1e-6))
"""Down (opens only the lines the LP fills by a pack or more) and up (opens every line it uses)."""
SLOPE_ROUNDS = 12
"""At most this many rounds of slope scaling."""
SLOPE_SHARE = 0.8
"""Of the warm start's time, the most slope scaling may take; the re-optimisation of packs
has the rest."""
REOPTIMISE = 2.0
"""What re-optimising the packs costs, in solves of a plan's LP from scratch (the slowest of
the candidates', the first): HiGHS took 7.5 s for that MIP (mostly presolve, which no time
limit interrupts) where the LP took 3.7 s, on a 500-item block of the 10,000-item benchmark;
started with 4.2 s left, it overran by 2.7 s."""
REOPTIMISE_MOST = 10.0
"""The most time re-optimising the packs may take, in the same solves, under a time limit
(with none it runs to its gap). Given all the warm start's time left (90 s), it took 65 s
and 111 s on two 986-item blocks of the 5,000-item benchmark, for plans 0.5% cheaper, and
left fix and optimize 23 s and nothing; elsewhere it took 6–18 s."""
REOPTIMISE_GAP = 1e-3
"""The gap the re-optimisation of packs is solved to. Its start, the chosen plan, is often
within 1% of that MIP's bound already: asked for 1%, HiGHS returned it as it was (the
1,000-item benchmark's largest part, after 12 s), asked for 0.1% it found a plan 0.6%
cheaper in 10.5 s (200 items: 0.5% cheaper in 2.9 s); asked for 0.01% it found no more in
35 s on the first and 0.1% more in 12 s on the second."""
NOTHING = np.zeros_like
"""The last resort: order nothing (feasible unless a service limit or storage forbids it)."""


def warm_start(built: Built, engine: Engine, relaxed: Result,
               remaining: Callable[[], float | None], kept: Relaxation | None = None,
               basis: Basis | None = None, enough: float = -np.inf) -> np.ndarray | None:
    """The cheapest plan found from the LP solution `relaxed`; None if none is feasible.

    Candidates fix every order decision, each an LP (fast with any engine):
    every round of slope scaling, or, if it found none (no time for its LP),
    the LP's packs rounded down and up. The cheapest then has its open lines'
    packs re-optimised within MOQs and tier ranges (a short MIP with the
    lines, tiers and shipments that are on kept on). `remaining()` gives the
    seconds left of the warm start's time (None: no limit); `kept`, the LP
    that gave `relaxed`, if the engine kept it and it has no (l,S) rows, else
    `basis`, the basis of the model's LP without them, if there is one. A plan
    that costs `enough` or less (within the gap asked of the bound) needs no
    better: slope scaling stops at it and its packs are not re-optimised
    (10,000-item benchmark: the first round's plan was within the 5% asked on
    a 484-item part, where the rounds and re-optimising took 35 s).

    Slope scaling and the roundings run without the (l,S) rows: they are
    valid for every plan, so each candidate's LP with its orders fixed
    needs them seldom, and the LPs are smaller. On the 200-item benchmark's
    largest part slope scaling's first round then gave 3,750,821 in 1.3 s
    for the rounds, against 3,778,592 in 4.3 s with them; on the 1,000-item
    one, three rounds (18 s, 14,030,515) against one (21 s, 14,053,663).

    Slope scaling goes first because its first round alone beat both
    roundings by 1.7–4.2% on the benchmark parts measured (200, 1,000 and
    10,000 items), and a rounding costs as much as a round (4 s on a
    500-item block of 52 weeks, a sixth of its time). Its rounds stop at the
    first that finds no cheaper plan: on the 200-item benchmark the first
    round's plan was the cheapest of ten, and the time goes to fix and
    optimize instead.
    """
    model, v = built.model, built.vars
    if relaxed.x is None:
        return None
    packs = relaxed.x[v.order]
    uncut = dataclasses.replace(built, model=model.without("cuts"))
    found = list(_while_cheaper(slope_scaling(uncut, engine, relaxed, remaining, kept, basis), enough))
    if not found:
        found = _roundings(uncut, engine, packs, remaining)
    if not found:  # e.g. a max_share that the roundings break
        last = engine.solve(fix_orders(built, NOTHING(packs)), remaining(), 0.01)
        return None if last.x is None else model.clean(last.x)
    best = within_rows(built, engine, model.clean(min(found, key=lambda r: r.objective).x))
    if best is None:
        return None
    cold = max(r.seconds for r in found)
    if model.c @ best <= enough or _too_short(remaining, REOPTIMISE * cold):
        return best
    left = remaining()
    limit = None if left is None else min(left, REOPTIMISE_MOST * cold)
    free = engine.solve(fix_orders(built, best[v.order], free_packs=True), limit, REOPTIMISE_GAP, start=best)
    return model.clean(free.x) if free.x is not None and free.objective < model.c @ best else best


def first_round(built: Built, engine: Engine, relaxed: Result, remaining: Callable[[], float | None],
                basis: Basis | None = None) -> np.ndarray | None:
    """Slope scaling's first plan from the LP solution `relaxed` alone (None if none): two LPs,
    the first started from `basis`, for a plan early where the warm start is to wait for a
    tighter LP (`planner._FirstPlan`)."""
    uncut = dataclasses.replace(built, model=built.model.without("cuts"))
    plan = next(slope_scaling(uncut, engine, relaxed, remaining, basis=basis), None)
    return None if plan is None else within_rows(built, engine, built.model.clean(plan.x))


def within_rows(built: Built, engine: Engine, x: np.ndarray) -> np.ndarray | None:
    """Plan `x`, found without `built`'s rows of inequalities, if it keeps them; else the
    plan with its orders solved again with them (its LP part can break one, within the
    solver's tolerances); None if that finds none."""
    if built.model.feasible(x):
        return x
    again = engine.solve(fix_orders(built, x[built.vars.order]), None, 0.01)
    return None if again.x is None else built.model.clean(again.x)


def _while_cheaper(plans: Iterator[Result], enough: float = -np.inf) -> Iterator[Result]:
    """`plans` up to and including the first that is no cheaper than every one before it,
    or that costs `enough` or less."""
    best = np.inf
    for plan in plans:
        yield plan
        if plan.objective >= best or plan.objective <= enough:
            return
        best = plan.objective


def _roundings(built: Built, engine: Engine, packs: np.ndarray,
               remaining: Callable[[], float | None]) -> list[Result]:
    """The plans with the LP's `packs` rounded down and up; if neither LP finished in time,
    the first run to its end, seconds late, which beats a plan that orders nothing."""
    results = [engine.solve(fix_orders(built, rounding(packs)), remaining(), 0.01) for rounding in ROUNDINGS]
    found = [r for r in results if r.x is not None]
    late = [rounding for rounding, r in zip(ROUNDINGS, results) if r.status == Status.ERROR]
    if found or not late:
        return found
    again = engine.solve(fix_orders(built, late[0](packs)), None, 0.01)
    return [again] if again.x is not None else []


def slope_scaling(built: Built, engine: Engine, relaxed: Result,
                  remaining: Callable[[], float | None], kept: Relaxation | None = None,
                  basis: Basis | None = None) -> Iterator[Result]:
    """Plans from dynamic slope scaling (Kim & Pardalos 1999), one per round.

    The LP relaxation charges a fixed cost f only in proportion n / N to the
    big-M N, so it spreads small orders over many periods. Each round instead
    charges every pack the fixed cost shared over the packs the last round
    ordered on that line (f / n̄), or in that supplier's shipment; the LP then
    gathers orders into fewer, fuller lines, as a good plan does. Each
    round's packs, fitted (`fit_orders`) and fixed, give a plan (an LP). Rounds stop when
    the packs repeat, after `SLOPE_ROUNDS`, or when their time share is spent.
    Each LP starts from the last one's basis; `kept`, the LP that gave
    `relaxed`, is taken over for that (its costs change), or else the first
    starts from `basis` (the cold LP's, where the rounds of inequalities kept
    that LP): 1.6 s against 7.2 s from scratch on the 875-item part of the
    1,000-item benchmark. Each plan's LP starts from the last plan's
    (`FixedPlans`).
    """
    model, v, lines = built.model, built.vars, built.index.lines
    remaining = clock.share(remaining, SLOPE_SHARE)
    has_on = v.order_on >= 0
    line_cost = np.where(has_on, model.c[np.where(has_on, v.order_on, 0)], 0.0)
    cell = (lines["s"].to_numpy(int), lines["t"].to_numpy(int) - 1)
    has_ship = v.shipment[cell] >= 0
    ship_cost = np.where(has_ship, model.c[np.where(has_ship, v.shipment[cell], 0)], 0.0)
    pack = lines["pack"].to_numpy(float)
    bound = np.maximum(lines["packs_ub"].to_numpy(float), 1.0)
    per_line, per_ship = line_cost / bound, ship_cost / bound  # the LP relaxation's own slopes
    cost = model.c.copy()
    cost[v.order_on[has_on]] = 0.0
    cost[v.shipment[v.shipment >= 0]] = 0.0
    x, last, took = relaxed.x, None, 0.0
    lp = kept if kept is not None else engine.relaxation(model, basis)
    plans = FixedPlans(built, engine)
    for _ in range(SLOPE_ROUNDS):
        if x is None or clock.spent(remaining) or _too_short(remaining, took):
            return
        began = time.perf_counter()
        packs = x[v.order]
        units = np.zeros(v.shipment.shape)
        np.add.at(units, cell, packs * pack)
        used = packs > 1e-6
        per_line = np.where(used, line_cost / np.maximum(packs, 1e-6), per_line)
        shipped = units[cell] > 1e-6
        per_ship = np.where(shipped, ship_cost * pack / np.maximum(units[cell], 1e-6), per_ship)
        scaled = cost.copy()
        scaled[v.order] += per_line + per_ship
        lp.set_costs(scaled)
        x = lp.solve(remaining()).x
        if x is None:
            return
        rounded = np.round(x[v.order])
        if last is not None and np.array_equal(rounded, last):
            return
        last = rounded
        plan = plans.solve(x[v.order], remaining())
        took = time.perf_counter() - began
        if plan.x is not None:
            yield plan


class FixedPlans:
    """The plans of `built` with every order fixed to given packs (`fix_orders`), one after
    another. Where that leaves an LP, the engine keeps it and only its column bounds change
    from one plan to the next, so each LP starts from the last one's basis: 0.15–0.3 s
    against 2.1–2.5 s from scratch for slope scaling's rounds on the 875-item part of the
    1,000-item benchmark, whose warm start they took two thirds of."""

    def __init__(self, built: Built, engine: Engine) -> None:
        self.built, self.engine = built, engine
        self.lp: Relaxation | None = None

    def solve(self, packs: np.ndarray, time_limit: float | None) -> Result:
        """The cheapest plan with `packs` fitted and fixed, within `time_limit` seconds; its
        seconds count handing the LP to the engine, as a solve from scratch does."""
        began = time.perf_counter()
        fixed = fix_orders(self.built, packs)
        if fixed.integer.any():  # whole transfers are still to be decided: a MIP
            return self.engine.solve(fixed, time_limit, 0.01)
        if self.lp is None:
            self.lp = self.engine.relaxation(fixed)
        else:
            self.lp.set_bounds(fixed.lb, fixed.ub)
        left = None if time_limit is None else max(0.0, time_limit - (time.perf_counter() - began))
        result = self.lp.solve(left)
        return dataclasses.replace(result, seconds=time.perf_counter() - began)


def _too_short(remaining: clock.Remaining, seconds: float) -> bool:
    """Whether less time is left than a step like one that took `seconds`: an engine's
    presolve cannot be interrupted, so a step started without its time overruns the limit."""
    left = remaining()
    return left is not None and left < seconds


def fix_orders(built: Built, packs: np.ndarray, free_packs: bool = False) -> Compiled:
    """The model with every order decision fixed to `packs`, made to fit (see `fit_orders`).

    Line indicators, price tiers and supplier shipments follow from the
    packs; transfers and everything continuous stay free.
    """
    model, v, index = built.model, built.vars, built.index
    lines = index.lines
    packs = fit_orders(index, packs, built.instance.settings.budget)
    lb, ub = model.lb.copy(), model.ub.copy()

    def fix(cols: np.ndarray, values: np.ndarray) -> None:
        lb[cols] = ub[cols] = values

    if free_packs:
        integer = model.integer.copy()
        ub[v.order] = np.where(packs > 0, ub[v.order], 0.0)
    else:
        fix(v.order, packs)
        integer = np.zeros_like(model.integer)
        integer[model.var_blocks["move"]] = model.integer[model.var_blocks["move"]]
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
    return dataclasses.replace(model, lb=lb, ub=ub, integer=integer)


def fit_orders(index: Index, packs: np.ndarray, budget: float | None) -> np.ndarray:
    """Whole packs within each line's MOQ and bound, each supplier's capacity and the budget.

    `packs` may be fractional: lines below their MOQ (or below one pack) are
    gathered into MOQs (`_gather_below_moq`), the others rounded; where a supplier's capacity or a
    period's budget is exceeded, every line there is scaled down by the same
    factor and rounded down, and a line that falls below its MOQ is dropped.
    """
    lines = index.lines
    ub = lines["packs_ub"].to_numpy(float)
    moq = lines["moq_packs"].to_numpy(float)
    pack = lines["pack"].to_numpy(float)
    packs = np.clip(np.round(packs, 6), 0, ub)
    packs = _gather_below_moq(lines, packs, np.maximum(moq, 1.0), ub)
    t = lines["t"].to_numpy(int) - 1
    limits = [(line_cells(index), index.supplier_capacity.ravel(), pack)]
    if budget is not None:
        limits.append((t, np.full(index.T, budget), pack * _top_price(index)))
    for where, limit, per_pack in limits:
        used = np.bincount(where, packs * per_pack, minlength=len(limit))
        factor = np.minimum(1.0, limit / np.maximum(used, 1e-12))
        packs = np.floor(packs * factor[where] + 1e-9)
        packs = np.where(packs < moq, 0.0, packs)
    return packs


def _gather_below_moq(lines: pd.DataFrame, packs: np.ndarray, moq: np.ndarray,
                      ub: np.ndarray) -> np.ndarray:
    """Each offer's lines below their MOQ gathered, in time order, into orders of one MOQ,
    each placed at the first line it covers; the other lines rounded.

    An LP spreads small orders over many periods, as its MOQ rows bind only in part;
    raising each to the MOQ bought one MOQ a week for an item whose demand was two thirds
    of that, and left the surplus in stock at the end. Gathered, an offer buys less than
    one MOQ more than the LP, and earlier rather than later.
    """
    small = (packs > 0) & (packs < moq)
    if not small.any():
        return np.round(packs)
    o, t = lines["o"].to_numpy(int), lines["t"].to_numpy(int)
    order = np.lexsort((t, o))
    share = np.where(small, packs / np.maximum(moq, 1.0), 0.0)[order]
    covered = pd.Series(share).groupby(o[order]).cumsum().to_numpy()
    opened = np.ceil(covered - 1e-9) - np.ceil(covered - share - 1e-9)  # 1 where a new MOQ starts
    gathered = np.empty_like(packs)
    gathered[order] = opened * moq[order]
    return np.where(small, np.where(moq <= ub, gathered, 0.0), np.round(packs))


def _top_price(index: Index) -> np.ndarray:
    """Each line's highest unit price over its tiers: an upper bound of what it costs."""
    price = index.lines["price"].to_numpy(float).copy()
    tiers = index.tiers
    if len(tiers):
        np.maximum.at(price, tiers["line"].to_numpy(int), tiers["price"].to_numpy(float))
    return price

