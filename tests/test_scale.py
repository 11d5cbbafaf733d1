"""The means to scale keep the plan exact: strong formulation, decomposition, warm start."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import pickle
import re
import sys
import time
import weakref
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import highspy
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, assume, event, given, settings, strategies as st
from threadpoolctl import threadpool_info, threadpool_limits

import replan
from audit import audit
from conftest import instance
from replan import (clock, decompose, improve, lagrange, planner, processes, relaxation, report, solvers, split,
                    warmstart)
from replan.model import cuts
from replan.model.build import build_model, with_capacities
from replan.model.index import build_index
from replan.model.linear import LinearModel
from replan.relaxation import tighten
from replan.solvers import engine
from replan.improve import fix_and_optimize
from replan.warmstart import fit_orders, fix_orders, slope_scaling, warm_start
from test_properties import instances

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bound import family_lifts, part_bounds, part_lp, parts  # noqa: E402
from generate import generate  # noqa: E402
from lotsizing import clsp  # noqa: E402


def _every_inequality(built) -> tuple:
    """Every singleton (l,S) inequality of the model: each piece with each of its indicators
    (and with Y ≡ 1), each period l ≥ its arrival, with the owed term B_k[a-1] and with
    B̄_k[a-1]·Y in its place, each in its plain and its safety-stock form, and all of them
    again in the lost-sales form with every lost-sales class."""
    sep = cuts.separator(built.index, built.vars)
    forms = [sep] + ([cuts.lost_served(sep, np.arange(len(sep.lost.k)))] if len(sep.lost.k) else [])
    blocks = [_every_singleton(form, built) for form in forms]
    return sp.vstack([A for A, _ in blocks], format="csr"), np.concatenate([hi for _, hi in blocks])


def _every_singleton(sep, built) -> tuple:
    """`_every_inequality` of one separator."""
    pieces, T = sep.pieces, built.index.T
    on = np.column_stack([pieces.on, np.full(len(pieces.qty), cuts.NONE)])
    p, j, last, most, floor = (a.ravel() for a in np.meshgrid(
        np.arange(len(pieces.qty)), np.arange(3), np.arange(1, T + 1), [False, True], [False, True],
        indexing="ij"))
    keep = (last >= pieces.arrival[p]) & ((on[p, j] >= 0) | (j == 2))
    p, j, last, most, floor = p[keep], j[keep], last[keep], most[keep], floor[keep]
    members = pd.DataFrame({"r": np.arange(len(p)), "p": p, "on": on[p, j], "most": most})
    return cuts.rows(sep, cuts.Cuts(pieces.k[p], last, floor, members), built.model.shape[1])


def _separated(built, x) -> tuple:
    """The set, singleton and MIR inequalities separated at `x` (any point, not only the LP's)."""
    return relaxation.separate(cuts.separator(built.index, built.vars), x, 10**6)


def _lot_sizing(demand: list[int], unit_price: float = 1.0):
    """One item, order cost 100 a line, holding 1 a unit-period, no lead time."""
    return instance({"horizon": len(demand)},
                    items={"item": ["A"], "holding_cost": [1.0], "backorder_cost": [50.0]},
                    suppliers={"supplier": ["S"]},
                    offers={"supplier": ["S"], "item": ["A"], "unit_price": [unit_price], "lead_time": [0],
                            "order_cost": [100.0]},
                    demand={"item": ["A"] * len(demand), "period": range(1, len(demand) + 1),
                            "quantity": demand})


def _lp_reaches_the_optimum(inst, optimum: float, monkeypatch, **fields) -> float:
    """Assert that `inst`'s optimum is `optimum` and that the tightened LP reaches it; return
    the tightened LP's bound with the separator's `fields` replaced (a form taken away)."""
    built = build_model(inst)
    highs = engine("highs")
    assert highs.solve(built.model, None, 1e-9).objective == pytest.approx(optimum)
    assert tighten(built, highs, lambda: None).lp.objective == pytest.approx(optimum, rel=1e-6)
    separator = cuts.separator
    monkeypatch.setattr(cuts, "separator", lambda *a: dataclasses.replace(separator(*a), **fields))
    return tighten(built, highs, lambda: None).lp.objective


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances())
def test_strong_and_plain_formulations_reach_the_same_optimum(inst):
    strong = replan.solve(inst, mip_gap=1e-7, formulation="strong")
    plain = replan.solve(inst, mip_gap=1e-7, formulation="plain")
    assert strong.status == plain.status
    if strong.status == "optimal":
        assert strong.objective == pytest.approx(plain.objective, rel=1e-6, abs=1e-6)
        assert audit(inst, strong) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances())
def test_every_inequality_holds_at_the_plain_optimum(inst):
    """Validity: the inequalities cut off no integer plan, checked at the plain model's optimum:
    every singleton, and the sets separated at the LP solution and at random points."""
    built = build_model(inst)
    highs = engine("highs")
    result = highs.solve(built.model, None, 1e-9)
    if result.x is None:
        return
    x = built.model.clean(result.x)
    lp = highs.solve(built.model.relaxed(), None, 0.0).x
    rng = np.random.default_rng(0)
    points = [lp] + [rng.uniform(0, 1, len(x)) * np.minimum(built.model.ub, 2 * x.max() + 10)
                     for _ in range(3)]
    for A, hi in [_every_inequality(built)] + [_separated(built, p) for p in points]:
        activity = A @ x
        assert np.all(activity <= hi + 1e-6 * np.maximum(1, np.abs(hi))), (activity - hi).max()


def test_set_inequalities_close_the_gap_that_singletons_leave(monkeypatch):
    """Demand 20, 5, 30, 10, 5, 40: the optimum orders in periods 1 and 6 (200 for two setups,
    115 holding, 110 purchase: 425). Singletons alone stop below it; the sets (the convex hull
    of uncapacitated lot sizing) reach it."""
    built = build_model(_lot_sizing([20, 5, 30, 10, 5, 40]))
    highs = engine("highs")
    optimum = highs.solve(built.model, None, 1e-9).objective
    both = tighten(built, highs, lambda: None)[1].objective
    monkeypatch.setattr(cuts, "_sets", lambda *_: cuts._no_cuts())
    singletons = tighten(built, highs, lambda: None)[1].objective
    assert singletons < optimum - 1
    assert both == pytest.approx(optimum, rel=1e-6)


def test_inequalities_raise_the_lp_bound_on_lot_sizing_with_setup_costs():
    """One item, setup cost 100, demand 10 a period: the plain LP pays a sliver of each setup."""
    built = build_model(_lot_sizing([10] * 4))
    highs = engine("highs")
    plain = highs.solve(built.model.relaxed(), None, 0)
    strong, lp, *_ = tighten(built, highs, lambda: None)
    assert plain.objective < lp.objective
    optimum = highs.solve(built.model, None, 1e-9).objective
    assert lp.objective <= optimum + 1e-6
    # uncapacitated lot sizing without backlog: these inequalities close the gap
    assert lp.objective == pytest.approx(optimum, rel=1e-6)


def test_a_price_tier_above_the_demand_pays_the_stock_its_minimum_holds(monkeypatch):
    """Demand 10 in periods 1–3, lead time 1, 2.00 a unit or 1.00 from 100 units, holding 0.1,
    backorder 5 a unit-period. The optimum buys 20 then 10 at 2.00 and owes period 1's 10 once:
    60 + 50 = 110 (100 units at 1.00 would leave 80 and 70 in stock: 115 + 50). The LP buys
    at the tier with u = w/100; with the owed B[1] as the backlog term it stops at 97.6, with
    its bound B̄[1] = 10 times u it reaches the optimum."""
    inst = instance({"horizon": 3},
                    items={"item": ["A"], "holding_cost": [0.1], "backorder_cost": [5.0]},
                    suppliers={"supplier": ["S"]},
                    offers={"supplier": ["S"], "item": ["A"], "unit_price": [2.0], "lead_time": [1]},
                    price_breaks={"supplier": ["S"], "item": ["A"], "min_quantity": [100], "unit_price": [1.0]},
                    demand={"item": ["A"] * 3, "period": [1, 2, 3], "quantity": [10, 10, 10]})
    without = _lp_reaches_the_optimum(inst, 110.0, monkeypatch, owed_most=np.full((1, 4), np.inf))
    assert without < 100.0


def test_rounding_counts_the_tier_minimums_the_demand_can_take(monkeypatch):
    """Demand 60 in periods 1–4, 2.00 a unit or 1.00 from 100 units, holding 0.5, no lead
    time. Every order at 1.00 covers two periods at least, so the optimum buys 120 in periods
    1 and 3 and holds 60 twice: 240 + 60 = 300. The (l,S) inequalities stop below it; with the
    MIR inequalities (over periods 1–2, b = 120, δ = 100, f = 0.2: I[2] ≥ 80·(u_1 + u_2 − 1))
    the LP reaches it."""
    inst = instance({"horizon": 4},
                    items={"item": ["A"], "holding_cost": [0.5], "backorder_cost": [50.0]},
                    suppliers={"supplier": ["S"]},
                    offers={"supplier": ["S"], "item": ["A"], "unit_price": [2.0], "lead_time": [0]},
                    price_breaks={"supplier": ["S"], "item": ["A"], "min_quantity": [100], "unit_price": [1.0]},
                    demand={"item": ["A"] * 4, "period": [1, 2, 3, 4], "quantity": [60] * 4})
    built = build_model(inst)
    highs = engine("highs")
    assert highs.solve(built.model, None, 1e-9).objective == pytest.approx(300.0)
    assert tighten(built, highs, lambda: None).lp.objective == pytest.approx(300.0, rel=1e-6)
    monkeypatch.setattr(relaxation.rounding, "separate",
                        lambda sep, x, limit: (sp.csr_matrix((0, len(x))), np.empty(0)))
    assert tighten(built, highs, lambda: None).lp.objective < 299.0


def test_safety_stock_is_no_room_for_an_order(monkeypatch):
    """Demand 10 in periods 1–4, safety stock 10 (100 a unit short), opening stock 10, order
    cost 100, holding 1. The optimum orders 40 at once: 100 + 40 + holding 40, 30, 20, 10 =
    240. Without the safety-stock form the LP orders 10 a period at a fraction of the order
    cost, the stock it holds for safety counted as what each order leaves; with it the LP is
    the optimum: safety stock as demand, this is uncapacitated lot sizing again."""
    inst = instance({"horizon": 4},
                    items={"item": ["A"], "holding_cost": [1.0], "backorder_cost": [50.0],
                           "initial_inventory": [10], "safety_stock": [10], "safety_stock_penalty": [100.0]},
                    suppliers={"supplier": ["S"]},
                    offers={"supplier": ["S"], "item": ["A"], "unit_price": [1.0], "lead_time": [0],
                            "order_cost": [100.0]},
                    demand={"item": ["A"] * 4, "period": [1, 2, 3, 4], "quantity": [10] * 4})
    assert _lp_reaches_the_optimum(inst, 240.0, monkeypatch, floor=np.zeros((1, 5))) < 200.0


def test_demand_the_plan_would_rather_lose_leaves_no_room_for_an_order(monkeypatch):
    """A lost-sales item, two customers with 10 a period over 4 periods: losing one's unit
    costs 20 (priority 4), the other's 5 (priority 1), buying a unit 8, an order 100, holding
    1. The optimum buys the first customer's 40 at once and loses the other's: 100 + 320 +
    holding 30, 20, 10 + 200 lost = 680. Counting the lost customer's demand as room for
    the order, the LP opens it by half; counting what that customer is served (nothing)
    instead, it reaches the optimum."""
    inst = instance({"horizon": 4, "end_inventory": "none"},
                    items={"item": ["A"], "holding_cost": [1.0], "backorder_cost": [50.0], "lost_sales": [True],
                           "lost_sale_cost": [5.0]},
                    suppliers={"supplier": ["S"]},
                    offers={"supplier": ["S"], "item": ["A"], "unit_price": [8.0], "lead_time": [0],
                            "order_cost": [100.0]},
                    demand={"item": ["A"] * 8, "customer": ["keep"] * 4 + ["lose"] * 4,
                            "priority": [4] * 4 + [1] * 4, "period": [1, 2, 3, 4] * 2,
                            "quantity": [10] * 8})
    none = np.empty(0, int)
    no_lost = cuts.LostClasses(none, np.empty((0, 5)), np.empty((0, 4), int))
    assert _lp_reaches_the_optimum(inst, 680.0, monkeypatch, lost=no_lost) < 650.0


def test_components_follow_shared_capacities_order_costs_storage_and_lanes():
    inst = instance(
        {"horizon": 2},
        items={"item": ["A", "B", "C", "D", "E", "E"], "location": ["main"] * 5 + ["north"],
               "holding_cost": [1.0] * 6, "backorder_cost": [5.0] * 6},
        suppliers={"supplier": ["Capped", "Free", "Setup"], "capacity": [100, None, None],
                   "order_cost": [0, 0, 50]},
        offers={"supplier": ["Capped", "Capped", "Free", "Free", "Setup"], "item": ["A", "B", "C", "D", "E"],
                "unit_price": [1.0] * 5, "lead_time": [1] * 5},
        demand={"item": ["A"], "period": [2], "quantity": [5]},
        transfers={"from_location": ["main"], "to_location": ["north"], "lead_time": [1], "unit_cost": [0.1]})
    index = build_index(inst)
    label = dict(zip(index.skus["item"] + "@" + index.skus["location"], decompose.components(index, None)))
    assert label["A@main"] == label["B@main"]            # share a capacity
    assert label["E@main"] == label["E@north"]           # a lane joins both ends
    assert len({label["A@main"], label["C@main"], label["D@main"], label["E@main"]}) == 4
    assert set(decompose.components(index, budget=1000.0)) == {0}  # a budget joins everything


def test_decomposed_plan_equals_one_solve(monkeypatch):
    inst = replan.from_tables(*generate(12, 4, 6))
    options = planner.Options("highs", None, 1e-9)
    whole = planner.solve_whole(inst, options, lambda _: None)
    monkeypatch.setattr(decompose, "PART_SIZE", 1)
    split = replan.solve(inst, mip_gap=1e-9)
    assert split.kpis["parts"] > 3
    assert split.status == whole.status == "optimal"
    assert split.objective == pytest.approx(whole.objective, rel=1e-7)
    assert split.kpis["costs"] == pytest.approx(whole.kpis["costs"], rel=1e-6, abs=1e-6)
    assert split.kpis["bound"] <= split.objective + 1e-6
    assert audit(inst, split) == []
    in_parallel = replan.solve(inst, mip_gap=1e-9, workers=2)
    assert in_parallel.objective == pytest.approx(split.objective, rel=1e-7)
    assert audit(inst, in_parallel) == []


def test_the_smaller_parts_are_solved_beside_the_largest_in_another_process(monkeypatch):
    """With two workers and one part that holds most of the items, the others are solved in
    the step pool's other process while the largest is solved here; the plan is the optimum
    that the parts solved one after another give."""
    inst = replan.from_tables(*generate(12, 4, 6))
    monkeypatch.setattr(decompose, "PART_SIZE", 1)
    alone = replan.solve(inst, mip_gap=1e-9)
    monkeypatch.setattr(planner, "_one_queue", lambda *_: True)  # as if one part held most items
    said: list[str] = []
    beside = replan.solve(inst, mip_gap=1e-9, workers=2, progress=said.append)
    assert "solving the 6 smaller parts in another process meanwhile" in said
    assert beside.kpis["parts"] == alone.kpis["parts"] == 7
    assert beside.status == "optimal"
    assert beside.objective == pytest.approx(alone.objective, rel=1e-7)
    assert audit(inst, beside) == []


def test_the_parts_beside_the_largest_get_their_share_of_the_time_or_the_least_share():
    assert planner._beside_limit(None, 0.1) is None
    assert planner._beside_limit(100.0, 0.6) == pytest.approx(60.0)
    assert planner._beside_limit(100.0, 0.01) == pytest.approx(100.0 * planner.BESIDE_SHARE)


def test_parts_run_on_a_dask_cluster(monkeypatch):
    distributed = pytest.importorskip("distributed")
    inst = replan.from_tables(*generate(12, 4, 6))
    monkeypatch.setattr(decompose, "PART_SIZE", 1)
    alone = replan.solve(inst, mip_gap=1e-9)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                            dashboard_address=None) as client:
        clustered = replan.solve(inst, mip_gap=1e-9, workers=2, executor=client.get_executor())
    assert clustered.kpis["parts"] == alone.kpis["parts"] > 3
    assert clustered.objective == pytest.approx(alone.objective, rel=1e-7)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances())
def test_warm_start_its_improvement_and_every_slope_scaling_plan_are_feasible(inst):
    built = build_model(inst)
    highs = engine("highs")
    built, lp, *_ = tighten(built, highs, lambda: None)
    x = warm_start(built, highs, lp, lambda: None)
    if x is None:  # only when not even the plan that orders nothing is feasible
        assert highs.solve(fix_orders(built, np.zeros(len(built.index.lines))), None, 1e-4).x is None
        return
    _assert_feasible(built.model, x)
    better = fix_and_optimize(built, highs, x, lambda: None)
    _assert_feasible(built.model, better)
    assert built.model.c @ better <= built.model.c @ x + 1e-6 * max(1.0, abs(built.model.c @ x))
    uncut = dataclasses.replace(built, model=built.model.without("cuts"))  # as warm_start runs it
    plans = list(slope_scaling(uncut, highs, lp, lambda: None))
    for plan in plans:  # each solved from the last one's basis, as if from scratch
        _assert_feasible(built.model, built.model.clean(plan.x))
        cold = highs.solve(fix_orders(uncut, plan.x[uncut.vars.order]), None, 1e-9)
        assert plan.objective == pytest.approx(cold.objective, rel=1e-7, abs=1e-6)
    if plans:  # the first round's plan is always a candidate
        assert plans[0].objective >= built.model.c @ x - 1e-6 * max(1.0, abs(plans[0].objective))


class _KeptLP:
    """HiGHS's kept LP (`Engine.relaxation`), for tests to change what its solves report."""

    def __init__(self, model) -> None:
        self.lp, self.solves = engine("highs").relaxation(model), 0

    def rows(self) -> int:
        return self.lp._h.getNumRow()

    def add_rows(self, A, lo, hi) -> None:
        self.lp.add_rows(A, lo, hi)

    def delete_rows(self, rows) -> None:
        self.lp.delete_rows(rows)

    def basis(self) -> None:
        return None


class _KeptBy:
    """HiGHS, its kept LPs made by `kept(model)` (a `_KeptLP`), the last one made `lp`."""

    name = "kept-by"

    def __init__(self, kept: Callable[[object], _KeptLP]) -> None:
        self.kept, self.lp = kept, None

    def solve(self, *args, **kwargs) -> solvers.Result:
        return engine("highs").solve(*args, **kwargs)

    def relaxation(self, model, basis=None) -> _KeptLP:
        self.lp = self.kept(model)
        return self.lp


def test_a_cut_round_stopped_for_time_leaves_the_last_finished_lp_as_the_bound():
    """A round's LP stopped when the rounds' time is spent is no bound; the one before stands."""
    highs = engine("highs")

    class StoppedAfterFirst(_KeptLP):
        """HiGHS's kept LP, every solve after the first stopped short of optimal."""

        def solve(self, time_limit) -> solvers.Result:
            self.solves += 1
            result = self.lp.solve(time_limit)
            return result if self.solves == 1 else dataclasses.replace(
                result, status=solvers.Status.FEASIBLE, bound=None)

    built = build_model(replan.from_tables(*generate(12, 4, 6)))
    cold = highs.solve(built.model.relaxed(), None, 0.0)
    assert tighten(built, highs, lambda: None).lp.objective > cold.objective + 1.0  # rounds matter here
    stopped = tighten(built, _KeptBy(StoppedAfterFirst), lambda: None).lp
    assert stopped.status == solvers.Status.OPTIMAL
    assert stopped.objective == pytest.approx(cold.objective, rel=1e-9)


def test_resumed_rounds_stop_once_the_bound_they_raised_proves_the_plan(monkeypatch):
    """The resumed rounds stop, and the run with them, once the plan is within the gap of the
    bound they have raised so far, not of the bound they started from: on the 200-item
    benchmark the plan was within 0.5% of the bound of the moment 15 s before the rounds ended."""
    inst = replan.from_tables(*generate(40, 4, 12))
    monkeypatch.setattr(planner, "MIP_SETUP", 1e6)
    asked: list[tuple[bool, bool]] = []  # stop() with the bound the rounds resumed from, then raised
    searches, run, resume = [], improve.Search.run, relaxation.Rounds.more

    def search(self, *args, **kwargs):
        searches.append(self)
        return run(self, *args, **kwargs)

    def more(rounds, remaining, stop=lambda: False):
        before, lp = stop(), rounds.lp
        rounds.lp = dataclasses.replace(lp, objective=searches[-1].plan.cost)  # as if a round proved the plan
        asked.append((before, stop()))
        rounds.lp = lp
        return resume(rounds, remaining, stop)

    monkeypatch.setattr(improve.Search, "run", search)
    monkeypatch.setattr(relaxation.Rounds, "more", more)
    plan = replan.solve(inst, time_limit=8, mip_gap=1e-6, workers=2)
    assert asked == [(False, True)]
    assert plan.kpis["bound"] <= plan.objective and audit(inst, plan) == []


def test_a_round_stopped_for_time_goes_on_where_it_stopped_when_the_rounds_resume():
    """A round's LP stopped because the time is spent keeps its rows in the engine, out of the
    model and the bound, and finishes at the next call: the bound is then the one the round
    gives uninterrupted. Stopped in the first rounds (`tighten`), the engine's LP, handed on
    to slope scaling, is the model's again."""
    built = build_model(replan.from_tables(*generate(12, 4, 6)))
    clock_ = {"left": None}

    class Stopped(_KeptLP):
        """HiGHS's kept LP; the `stop`th solve ends at once, out of time."""

        def __init__(self, model, stop: int) -> None:
            super().__init__(model)
            self.stop = stop

        def solve(self, time_limit) -> solvers.Result:
            self.solves += 1
            if self.solves == self.stop:
                clock_["left"] = 0.0
                return solvers.Result(solvers.Status.ERROR, message="time limit reached")
            return self.lp.solve(time_limit)

    def rounds(stop: int) -> tuple[relaxation.Rounds, Stopped]:
        clock_["left"] = None
        lp = Stopped(built.model, stop)
        return relaxation.Rounds(built, lp, lp.solve(None)), lp

    uninterrupted, _ = rounds(0)
    uninterrupted.run(lambda: None, lambda moved: True)
    stopped, lp = rounds(2)
    cold = stopped.lp
    stopped.run(lambda: clock_["left"], lambda moved: True)
    assert stopped.lp is cold and stopped.built is built and lp.rows() > built.model.shape[0]
    clock_["left"] = None
    stopped.run(lambda: None, lambda moved: True)
    assert uninterrupted.lp.objective > cold.objective + 1.0  # the round matters here
    assert stopped.lp.objective == pytest.approx(uninterrupted.lp.objective, rel=1e-9)
    assert lp.rows() == stopped.built.model.shape[0] == uninterrupted.built.model.shape[0]

    clock_["left"] = None
    stopping = _KeptBy(lambda model: Stopped(model, 2))
    first = tighten(built, stopping, lambda: clock_["left"])
    assert first.rounds is None and first.kept is stopping.lp and stopping.lp.rows() == built.model.shape[0]


def test_a_round_starts_only_if_the_time_left_would_fit_one_half_again_as_long_as_the_last():
    """A round cut short adds nothing, and each round's LP takes longer than the last: with
    12 s left after a 10 s round, the rounds stop; with 25 s they go on. Resumed rounds given
    less than four such rounds' time add a quarter of the rows at a time, even where one full
    round would not fit."""
    highs = engine("highs")

    class Slow:
        """HiGHS's kept LP, every solve reported as taking 10 s."""

        def __init__(self, model) -> None:
            self.lp, self.solves, self.rows = highs.relaxation(model), 0, []

        def solve(self, time_limit) -> solvers.Result:
            self.solves += 1
            return dataclasses.replace(self.lp.solve(time_limit), seconds=10.0)

        def add_rows(self, A, lo, hi) -> None:
            self.rows.append(A.shape[0])
            self.lp.add_rows(A, lo, hi)

        def delete_rows(self, rows) -> None:
            self.lp.delete_rows(rows)

    built = build_model(replan.from_tables(*generate(40, 4, 12)))

    def rounds_after(left: float) -> tuple[relaxation.Rounds, Slow]:
        lp = Slow(built.model)
        rounds = relaxation.Rounds(built, lp, lp.solve(None))
        rounds.run(lambda: left, lambda moved: False)
        return rounds, lp

    assert rounds_after(12.0)[1].solves == 2 and rounds_after(25.0)[1].solves > 2
    resumed = {}
    for left in (14.0, 30.0, 50.0):  # 14 s: no full round (15 s with GROWTH), a quarter one
        rounds, lp = rounds_after(5.0)
        rounds.batch = rounds.limit = 40  # as if the first rounds took 40 rows a family at most
        rounds.more(lambda: left)
        assert len(lp.rows) > 1
        resumed[left] = lp.rows[1]
    # five families of a quarter of 40 rows each, or not
    assert resumed[14.0] <= resumed[30.0] <= 5 * 10 < resumed[50.0]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances())
def test_resumed_rounds_raise_the_bound_up_to_the_optimum_and_keep_the_lp_the_models(inst):
    highs = engine("highs")
    built = build_model(inst)
    optimum = highs.solve(built.model, None, 1e-9)
    tightened = tighten(built, highs, lambda: None)
    if optimum.x is None or tightened.rounds is None:
        return
    rounds = tightened.rounds
    rounds.more(lambda: None)
    tol = 1e-6 * max(1.0, abs(optimum.objective))
    assert tightened.lp.objective - tol <= rounds.lp.objective <= optimum.objective + tol
    assert highs.solve(rounds.built.model.relaxed(), None, 0.0).objective == pytest.approx(
        rounds.lp.objective, rel=1e-7, abs=1e-6)


def test_where_the_time_holds_few_cold_lps_the_first_plan_is_found_beside_the_rounds(monkeypatch):
    """With a second process and fewer than `WARM_APART` cold LPs of time left, the warm
    start runs there from the cold LP while the cut rounds run here; with one process, or
    more time, after them. Every plan is feasible."""
    inst = replan.from_tables(*generate(12, 4, 6))

    def apart(workers: int) -> bool:
        said: list[str] = []
        plan = replan.solve(inst, time_limit=5, mip_gap=1e-9, workers=workers, progress=said.append)
        assert audit(inst, plan) == [] and plan.kpis["bound"] <= plan.objective + 1e-6
        return any("beside the rounds" in line for line in said)

    assert not apart(2)  # 5 s hold hundreds of this LP's cold solves
    monkeypatch.setattr(planner, "WARM_APART", 1e9)
    assert not apart(1)
    assert apart(2)


def test_rounds_end_before_any_round_or_after_the_one_whose_lp_proves_the_plan(monkeypatch):
    """`tighten` asks what `before_rounds` returns, with the LP of the moment, whether the
    rounds are done: before the first round (none runs, the cold LP stays the engine's, for
    slope scaling) and after each. Released by it, the engine's LP is made anew from the cold
    basis for the rounds, which then raise the bound as far as without the release."""
    highs = engine("highs")
    built = build_model(replan.from_tables(*generate(12, 4, 6)))
    rounds, separate = [], relaxation.Rounds._separate

    def counted(self, remaining):
        rounds.append(self)
        return separate(self, remaining)

    monkeypatch.setattr(relaxation.Rounds, "_separate", counted)
    full = tighten(built, highs, lambda: None)
    assert len(rounds) > 2  # rounds matter here
    cold: list[solvers.Result] = []

    def first_plan(done, release: bool = False):
        def before_rounds(lp, basis, release_lp):
            assert isinstance(basis, solvers.Basis)
            cold.append(lp)
            if release:
                release_lp()
            return done
        rounds.clear()
        return tighten(built, highs, lambda: None, before_rounds=before_rounds)

    none = first_plan(lambda lp: True)
    assert rounds == [] and none.rounds is None and none.lp is cold[-1] and none.kept is not None
    one = first_plan(lambda lp: lp is not cold[-1])
    assert len(rounds) == 1 and one.lp.objective > cold[-1].objective + 1e-6
    released = first_plan(lambda lp: False, release=True)
    assert len(rounds) > 2
    assert released.lp.objective == pytest.approx(full.lp.objective, rel=1e-6)


@pytest.mark.parametrize("gap", [0.5, 1e-9])
def test_without_a_process_to_spare_a_short_run_finds_its_first_plan_before_the_rounds(monkeypatch, gap):
    """With fewer than `WARM_APART` cold LPs of time left and no second process, the warm start
    runs once, from the cold LP, before the rounds of inequalities: where the cold LP's bound
    proves its plan within the gap asked, no round runs (10,000-item benchmark, 5%: a 484-item
    part took 9.9 s instead of 17.9 s); else the rounds raise the bound and the search goes on."""
    inst = replan.from_tables(*generate(24, 4, 8))
    cold = engine("highs").solve(build_model(inst).model.relaxed(), None, 0.0).objective
    monkeypatch.setattr(planner, "WARM_APART", 1e9)
    starts: list[float] = []

    def warm(built, engine_, relaxed, *args, **kwargs):
        starts.append(relaxed.objective)
        return warm_start(built, engine_, relaxed, *args, **kwargs)

    monkeypatch.setattr(planner, "warm_start", warm)
    said: list[str] = []
    plan = replan.solve(inst, time_limit=30, mip_gap=gap, progress=said.append)
    assert audit(inst, plan) == [] and plan.kpis["bound"] <= plan.objective + 1e-6
    assert starts == [pytest.approx(cold, rel=1e-9)]
    assert any("before any round" in line for line in said)
    added = [int(re.search(r"with ([\d,]+) \(l,S\)", line)[1].replace(",", ""))
             for line in said if line.startswith("LP bound")]
    if gap == 0.5:
        assert added == [0] and plan.status == "optimal" and "proven within the gap" in plan.kpis["message"]
        assert plan.kpis["bound"] == pytest.approx(cold, rel=1e-9)
    else:
        assert added and added[0] > 0 and plan.kpis["bound"] > cold + 1e-6


@pytest.mark.parametrize("gap", [0.5, 1e-9])
def test_with_time_to_spare_a_quick_first_plan_comes_before_the_rounds_and_may_end_them(monkeypatch, gap):
    """Where the time is long (`WARM_APART`), slope scaling's first round alone gives a plan
    from the cold LP before the rounds: proven by the cold LP's bound, it is the plan, with no
    round and no warm start after; else the rounds run, the warm start runs from their LP, and
    the cheaper of the two plans goes on."""
    inst = replan.from_tables(*generate(24, 4, 8))
    cold = engine("highs").solve(build_model(inst).model.relaxed(), None, 0.0).objective
    quick: list[float] = []
    starts: list[float] = []

    def first_round(built, *args, **kwargs):
        x = warmstart.first_round(built, *args, **kwargs)
        quick.append(float(built.model.c @ x))
        return x

    def warm(built, engine_, relaxed, *args, **kwargs):
        starts.append(relaxed.objective)
        return warm_start(built, engine_, relaxed, *args, **kwargs)

    monkeypatch.setattr(planner, "first_round", first_round)
    monkeypatch.setattr(planner, "warm_start", warm)
    said: list[str] = []
    plan = replan.solve(inst, time_limit=300, mip_gap=gap, progress=said.append)
    assert audit(inst, plan) == [] and plan.kpis["bound"] <= plan.objective + 1e-6
    assert len(quick) == 1 and any("quick first plan" in line for line in said)
    if gap == 0.5:
        assert starts == [] and any("with 0 (l,S)" in line for line in said)
        assert plan.status == "optimal" and plan.objective == pytest.approx(quick[0], rel=1e-9)
        assert plan.kpis["bound"] == pytest.approx(cold, rel=1e-9)
    else:
        assert len(starts) == 1 and starts[0] > cold + 1e-6  # from the tightened LP
        assert plan.objective <= quick[0] + 1e-6


class _HeldWarmStart(Executor):
    """A pool that holds back the warm start sent to it (`_Held`, in `held`) and passes
    every other call on to `pool`."""

    def __init__(self, pool: Executor) -> None:
        self.pool, self.held = pool, []

    def submit(self, fn, /, *args, **kwargs) -> Future:
        if fn is not planner._warm_start:
            return self.pool.submit(fn, *args, **kwargs)
        self.held.append(_Held(args))
        return self.held[-1]


class _Held(Future):
    """A warm start left pending until `come()` runs it here, or its result is asked for."""

    def __init__(self, args: tuple) -> None:
        super().__init__()
        self.args = args

    def come(self) -> None:
        if not self.done():
            self.set_result(planner._warm_start(*self.args))

    def result(self, timeout=None):
        self.come()
        return super().result(timeout)


def test_while_the_first_plan_is_found_in_another_process_the_rounds_go_on_here(monkeypatch):
    """Where the cut rounds end before the warm start beside them, this process resumes
    them rather than wait, and starts no round once the plan has come."""
    inst = replan.from_tables(*generate(12, 4, 6))
    pool = None
    stops: list[tuple[bool, bool]] = []
    resume = relaxation.Rounds.more

    @contextlib.contextmanager
    def held_pool(workers):
        nonlocal pool
        with processes.pool(workers) as executor:
            pool = _HeldWarmStart(executor)
            yield planner.StepPool(pool, workers)

    def more(rounds, remaining, stop=lambda: False):
        if not pool.held[0].done():  # the plan comes as the resumed rounds begin
            before = stop()
            pool.held[0].come()
            stops.append((before, stop()))
        return resume(rounds, remaining, stop)

    monkeypatch.setattr(planner, "WARM_APART", 1e9)
    monkeypatch.setattr(planner, "_step_pool", held_pool)
    monkeypatch.setattr(relaxation.Rounds, "more", more)
    plan = replan.solve(inst, time_limit=5, mip_gap=1e-9, workers=2)
    assert len(pool.held) == 1 and stops == [(False, True)]
    assert isinstance(pool.held[0].args[3], solvers.Basis)  # slope scaling starts from the cold LP's
    assert audit(inst, plan) == [] and plan.kpis["bound"] <= plan.objective + 1e-6


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances())
def test_a_plan_found_without_the_rows_of_inequalities_is_made_to_keep_them(inst):
    """`within_rows` hands back a plan that keeps every row of the tightened model: the plan
    itself if it does, else its orders solved again with the rows."""
    highs = engine("highs")
    built = build_model(inst)
    tightened = tighten(built, highs, lambda: None)
    x = warm_start(built, highs, tightened.lp, lambda: None)
    if x is None:
        return
    kept = warmstart.within_rows(tightened.built, highs, x)
    assert kept is not None and tightened.built.model.feasible(kept)
    if tightened.built.model.feasible(x):
        assert kept is x
    shifted = x.copy()
    stock = built.vars.stock[built.vars.stock >= 0]
    shifted[stock] -= 1.0  # breaks the stock balances: only the orders are kept
    again = warmstart.within_rows(tightened.built, highs, shifted)
    assert again is not None and tightened.built.model.feasible(again)
    assert np.array_equal(again[built.vars.order], warmstart.fit_orders(built.index, x[built.vars.order],
                                                                          inst.settings.budget))


def test_where_the_mip_engine_has_no_time_the_rounds_resume_beside_the_search(monkeypatch):
    """With two workers and too little time for the MIP engine's set-up, the rounds of
    inequalities resume after fix and optimize's share, the search going on beside them,
    and may take all the time left."""
    inst = replan.from_tables(*generate(40, 4, 12))
    monkeypatch.setattr(planner, "MIP_SETUP", 1e6)
    monkeypatch.setattr(planner, "MIP_IDLE", 1e6)  # nor once the search has run out
    budgets: list[tuple[float | None, clock.Remaining]] = []  # every time budget made, in order
    handed: list[tuple[clock.Remaining, clock.Remaining]] = []  # (the rounds', the run's) as they resume
    budget, resume = clock.budget, relaxation.Rounds.more

    def recorded(seconds):
        budgets.append((seconds, budget(seconds)))
        return budgets[-1][1]

    def more(rounds, remaining, stop=lambda: False):
        handed.append((remaining, [made for seconds, made in budgets if seconds > 4][1]))  # solve's, the run's
        return resume(rounds, remaining, stop)

    monkeypatch.setattr(clock, "budget", recorded)
    monkeypatch.setattr(relaxation.Rounds, "more", more)
    said: list[str] = []
    plan = replan.solve(inst, time_limit=8, mip_gap=1e-6, workers=2, progress=said.append)
    assert any("more rounds of inequalities" in line for line in said)
    (rounds_clock, run_clock), = handed
    assert rounds_clock is run_clock  # all the time the run has left, not a share of it
    bounds = [float(re.search(r"LP bound ([\d,.]+)", line)[1].replace(",", ""))
              for line in said if line.startswith("LP bound")]
    assert len(bounds) == 2 and bounds[1] >= bounds[0] - 1e-6
    assert plan.kpis["bound"] == pytest.approx(bounds[1], abs=0.01)  # as printed
    assert plan.kpis["bound"] <= plan.objective and audit(inst, plan) == []



@pytest.mark.parametrize("idle_fits", [True, False])
def test_a_search_that_runs_out_leaves_the_time_left_to_the_mip_engine(monkeypatch, idle_fits):
    """Where the MIP engine's set-up would not fit (`MIP_SETUP`) but fix and optimize runs out
    of neighbourhoods with `MIP_IDLE` cold LPs left, the engine starts from the search's plan
    rather than leave the time unused: on peak-season with 8 s, one run ended at 2.45 s 0.3%
    from its bound, another, with just enough time for the set-up, went on to 0.1%. Where
    `MIP_IDLE` does not fit either, the run ends with the search."""
    inst = replan.from_tables(*generate(12, 4, 6))
    monkeypatch.setattr(planner, "MIP_SETUP", 1e6)
    if not idle_fits:
        monkeypatch.setattr(planner, "MIP_IDLE", 1e6)
    started, mip, searches, run = [], planner._mip, [], improve.Search.run

    def spy(built, solver, start, *args, **kwargs):
        started.append((float(built.model.c @ start), searches[-1].plan.cost, searches[-1].exhausted))
        return mip(built, solver, start, *args, **kwargs)

    def search(self, *args, **kwargs):
        searches.append(self)
        return run(self, *args, **kwargs)

    monkeypatch.setattr(planner, "_mip", spy)
    monkeypatch.setattr(improve.Search, "run", search)
    plan = replan.solve(inst, time_limit=60, mip_gap=1e-9)
    assert searches, "the first plan was proven: no search, nothing to test"
    if idle_fits:
        (start, searched, ran_out), = started
        assert start == pytest.approx(searched) and ran_out
        assert plan.status == "optimal"
    else:
        assert started == [] and plan.kpis["solve_seconds"] < 60
    assert plan.objective <= searches[-1].plan.cost + 1e-6 and audit(inst, plan) == []


def _pack_of_twelve(capacity: float | None = None, items: int = 1, periods: int = 1):
    """`items` items, each with demand 10 a period, bought in packs of 12 at 1.00 with no lead
    time, holding 1 a unit-period, from S (`capacity` units a period)."""
    names = [f"I{i}" for i in range(items)]
    return instance({"horizon": periods},
                    items={"item": names, "holding_cost": [1.0] * items, "backorder_cost": [50.0] * items},
                    suppliers={"supplier": ["S"], "capacity": [capacity]},
                    offers={"supplier": ["S"] * items, "item": names, "unit_price": [1.0] * items,
                            "lead_time": [0] * items, "order_multiple": [12] * items},
                    demand={"item": names * periods, "period": np.repeat(np.arange(1, periods + 1), items),
                            "quantity": [10] * items * periods})


def _priced(inst, rounds: int = relaxation.ROUNDS) -> tuple[float, float, float, int] | None:
    """The LP's bound after `rounds` rounds of inequalities (to a standstill), the optimum,
    the priced bound with every item-location's MIP solved (`benchmarks/bound.py`) and how
    many there were; None where the instance has no plan."""
    optimum = engine("highs").solve(build_model(inst).model, None, 1e-9)
    if optimum.x is None:
        return None
    lp, priced, solved, _ = part_bounds(part_lp(inst, rounds=rounds))
    return lp, optimum.objective, priced, solved


def test_an_item_locations_own_mip_lifts_the_bound_to_its_optimum():
    """Demand 10, packs of 12: the optimum buys a pack and holds 2 (12 + 2 = 14); the LP
    without inequalities buys 10/12 of a pack (10). With one item-location no row joins two:
    its own MIP is the model, and the bound is the optimum. (The rounds' MIR inequality of the
    packs, I[1] ≥ 2·n, reaches it too.)"""
    lp, optimum, priced, solved = _priced(_pack_of_twelve(), rounds=0)
    assert lp == pytest.approx(10.0) and optimum == pytest.approx(14.0)
    assert solved == 1 and priced == pytest.approx(14.0)
    assert _priced(_pack_of_twelve())[0] == pytest.approx(14.0)


def test_a_row_that_joins_item_locations_is_priced_and_each_ones_mip_solved():
    """Two such items over two periods, and S ships at most 30 a period: a capacity row joins
    them (each could take two packs a period), slack in the LP (10 + 10), priced at its dual
    0. Each item's own MIP buys a pack a period and holds 2, then 4: 24 + 6 = 30 an item. The
    bound is the optimum, 60, where the LP without inequalities stops at 40."""
    inst = _pack_of_twelve(capacity=30.0, items=2, periods=2)
    assert "supplier_capacity" in build_model(inst).model.row_blocks
    lp, optimum, priced, solved = _priced(inst, rounds=0)
    assert lp == pytest.approx(40.0) and optimum == pytest.approx(60.0)
    assert solved == 2 and priced == pytest.approx(60.0)


def test_without_duals_or_time_there_is_no_lift():
    """An engine that keeps no LP gives no duals: no bound. With no time left no item-location's
    MIP runs: the bound is the LP's, by weak duality from its duals."""
    highs = engine("highs")
    built = build_model(_pack_of_twelve())
    kept = highs.relaxation(built.model)
    lp = kept.solve(None)
    assert solvers.ColdRelaxation(highs, built.model.relaxed()).duals() is None
    assert lagrange.bound(built, lp, None, lp.x, highs, lambda: None) is None
    spent = lagrange.bound(built, lp, kept.duals(), lp.x, highs, lambda: 0.0)
    assert spent.solved == 0 and spent.bound == pytest.approx(lp.objective, rel=1e-9)


def test_the_priced_bound_of_a_generated_instance_lies_between_its_lp_and_its_optimum():
    """`benchmarks/bound.py` on a generated instance (price tiers, shipments, capacities,
    express modes): each part's priced bound above its LP, at or below its optimum."""
    inst = replan.from_tables(*generate(20, 3, 8))
    for part in parts(inst):
        lp, priced, solved, _ = part_bounds(part_lp(part, rounds=2))
        optimum = replan.solve(part, mip_gap=1e-7)
        assert optimum.status == "optimal" and solved == len(part["items"])
        assert lp < priced <= optimum.objective + 1e-6 * optimum.objective


def test_the_benchmark_line_gives_the_medians_the_cheapest_plan_and_every_runs_gap(capsys):
    """`benchmarks/run.py` with `--repeat`: the median gap, the cheapest plan's objective and
    bound, and each run's gap in the order they ran (a run without a plan as '-'); one run
    prints no list."""
    import run

    def kpis(objective, bound, gap):
        return {"build_seconds": 0.5, "wall": 60.0, "mip_gap": gap, "peak_mb": 800.0, "parts": 2,
                "objective": objective, "bound": bound, "status": "feasible"}

    runs = [kpis(4_160_000, 4_139_000, 0.0051), kpis(4_150_000, 4_140_000, 0.0024),
            kpis(None, None, None), kpis(4_170_000, 4_138_000, 0.0077)]
    run._report("200x10x26", "highs", "strong", 60.0, runs)
    run._report("200x10x26", "highs", "strong", 60.0, runs[:1])
    several, one = capsys.readouterr().out.splitlines()
    assert "4,150,000" in several and "4,140,000" in several and " 0.51% " in several  # median of three
    assert several.endswith("  0.51%, 0.24%, -, 0.77%")
    assert one.endswith("feasible")


def test_the_lift_of_a_pack_is_the_packs_alone():
    """In the two items of packs of twelve, packs are the only integer decisions: kept integer
    alone, they lift the bound from the LP's 40 (without inequalities) to the optimum's 60."""
    assert family_lifts(part_lp(_pack_of_twelve(capacity=30.0, items=2, periods=2), rounds=0)) == \
        {"order": pytest.approx(20.0)}


def test_each_kind_of_decision_lifts_the_bound_at_most_as_much_as_all_and_none_lifts_it_not_at_all():
    """On a generated instance: each block of integer columns kept integer alone lifts the
    priced bound by between 0 and the lift of all of them (each item-location's MIP has fewer
    integer columns, so an optimum no higher); with none kept integer, each MIP is its share of
    the LP and the bound is the LP's."""
    inst = replan.from_tables(*generate(20, 3, 8))
    tight = part_lp(max(parts(inst), key=lambda p: len(p["items"])), rounds=2)
    lp, priced, _, _ = part_bounds(tight)
    tol = lagrange.SUB_GAP * priced
    lifts = family_lifts(tight)
    assert {"order", "order_on", "tier_on"} <= set(lifts)
    assert all(-tol <= lift <= priced - lp + tol for lift in lifts.values())
    assert max(lifts.values()) > tol
    none = lagrange.bound(*tight, lambda: None, integer=np.zeros(len(tight.x), bool))
    assert none.bound == pytest.approx(tight.lp.objective, rel=1e-6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances())
def test_the_priced_bound_lies_between_the_lp_and_the_optimum(inst):
    """Validity on every feature: capacities, budgets, storage and transfer lanes priced at the
    duals, each item-location's MIP whole; never above the optimum, never below the LP."""
    found = _priced(inst)
    if found is None:
        return
    lp, optimum, priced, _ = found
    tol = 1e-6 * max(1.0, abs(optimum))
    assert lp - tol <= priced <= optimum + tol


def test_slope_scaling_stops_at_the_first_round_that_finds_no_cheaper_plan():
    costs = [50.0, 40.0, 45.0, 30.0]
    rounds = (solvers.Result(solvers.Status.OPTIMAL, np.zeros(1), cost) for cost in costs)
    assert [r.objective for r in warmstart._while_cheaper(rounds)] == [50.0, 40.0, 45.0]


def test_slope_scaling_stops_at_the_first_plan_that_costs_enough_or_less():
    costs = [50.0, 40.0, 35.0, 30.0]
    rounds = (solvers.Result(solvers.Status.OPTIMAL, np.zeros(1), cost) for cost in costs)
    assert [r.objective for r in warmstart._while_cheaper(rounds, enough=40.0)] == [50.0, 40.0]


def test_a_warm_start_whose_first_plan_is_enough_keeps_it_as_it_is(monkeypatch):
    """Asked for no better than its first slope-scaling plan, the warm start takes no more
    rounds and does not re-optimise that plan's packs: it is the plan it returns."""
    built = build_model(replan.from_tables(*generate(30, 4, 10)))
    highs = engine("highs")
    built, lp, *_ = tighten(built, highs, lambda: None)
    taken, scaling = [], warmstart.slope_scaling

    def counted(*args, **kwargs):
        for plan in scaling(*args, **kwargs):
            taken.append(plan.objective)
            yield plan

    monkeypatch.setattr(warmstart, "slope_scaling", counted)
    best = warm_start(built, highs, lp, lambda: None)
    rounds, taken[:] = len(taken), []
    first = warm_start(built, highs, lp, lambda: None, enough=np.inf)
    assert rounds > 1 and len(taken) == 1
    assert built.model.c @ first == pytest.approx(taken[0], rel=1e-9)
    assert built.model.c @ first > built.model.c @ best
    _assert_feasible(built.model, first)


def test_a_first_plan_within_the_gap_asked_is_the_plan_without_search_or_mip_engine(monkeypatch):
    """Asked for a gap its warm start's plan already meets, a solve neither searches nor starts
    the MIP engine, and says so."""
    inst = replan.from_tables(*generate(20, 3, 8))
    for stage in ("_mip", "Search"):
        monkeypatch.setattr(planner, stage, lambda *args, **kwargs: pytest.fail(f"{stage} was called"))
    plan = replan.solve(inst, mip_gap=0.3, time_limit=60)
    assert plan.kpis["message"] == ("the plan was proven within the gap asked without the MIP engine; "
                                    "the plan is the warm start's")
    assert plan.status == "optimal" and audit(inst, plan) == []
    assert plan.objective <= plan.kpis["bound"] / (1 - 0.3)


def test_without_slope_scaling_the_lps_packs_rounded_give_the_plan():
    """An LP that fails after its costs change leaves slope scaling with nothing: the
    roundings of the LP's own packs are the candidates then, and one of them orders."""
    class Failing:
        def set_costs(self, c) -> None:
            pass

        def solve(self, time_limit) -> solvers.Result:
            return solvers.Result(solvers.Status.ERROR, message="failed")

    built = build_model(replan.from_tables(*generate(12, 4, 6)))
    highs = engine("highs")
    built, lp, *_ = tighten(built, highs, lambda: None)
    assert not list(slope_scaling(built, highs, lp, lambda: None, Failing()))
    x = warm_start(built, highs, lp, lambda: None, Failing())
    down, up = (highs.solve(fix_orders(built, rounding(lp.x[built.vars.order])), None, 0.01)
                for rounding in warmstart.ROUNDINGS)
    assert x is not None and x[built.vars.order].sum() > 0
    _assert_feasible(built.model, x)
    assert built.model.c @ x <= min(down.objective, up.objective) + 1e-6 * abs(down.objective)


def test_warm_start_fits_shared_capacities_on_a_generated_instance():
    """Rounding the LP broke supplier capacities here once, leaving the MIP with no plan at all."""
    built = build_model(replan.from_tables(*generate(60, 6, 10)))
    highs = engine("highs")
    built, lp, *_ = tighten(built, highs, lambda: None)
    x = warm_start(built, highs, lp, lambda: None)
    assert x is not None
    _assert_feasible(built.model, x)
    assert built.model.c @ x >= lp.objective - 1e-6


def _assert_feasible(model, x: np.ndarray) -> None:
    activity = model.A @ x
    tol = 1e-6 * np.maximum(1, np.abs(activity))
    assert np.all(activity >= model.row_lo - tol) and np.all(activity <= model.row_hi + tol)
    assert np.all(x >= model.lb - 1e-9) and np.all(x <= model.ub + 1e-9)
    assert np.all(np.abs(x[model.integer] - np.round(x[model.integer])) < 1e-9)


def _sharing(capacity: float | None = None, demand_b: int = 3, moq: int = 0):
    """Items A and B bought only from S (order cost 100 a period it ships, units 1); demand
    10 of A in period 2, 10 of B in period `demand_b`, lead time 1, holding 1 a unit-period,
    backorders 50 (A) and 20 (B) a unit-period."""
    return instance({"horizon": 3},
                    items={"item": ["A", "B"], "holding_cost": [1.0, 1.0], "backorder_cost": [50.0, 20.0]},
                    suppliers={"supplier": ["S"], "order_cost": [100.0], "capacity": [capacity]},
                    offers={"supplier": ["S", "S"], "item": ["A", "B"], "unit_price": [1.0, 1.0],
                            "lead_time": [1, 1], "moq": [moq, moq]},
                    demand={"item": ["A", "B"], "period": [2, demand_b], "quantity": [10, 10]})


def _cut_in_blocks(monkeypatch, inst, **options) -> replan.Plan:
    """`inst` solved with every item-location a block of its own (`split.BLOCK_CELLS` = 1)."""
    monkeypatch.setattr(split, "BLOCK_CELLS", 1)
    return replan.solve(inst, mip_gap=1e-9, **options)


def test_blocks_share_a_supplier_order_cost_and_the_joined_plan_pays_it_in_full(monkeypatch):
    """Whole: one shipment in period 1 (A on time, B held a period): 100 + 10 + 20 = 130.
    Blocks pay 50 each of S's cost: A ships in 1, B in 2 (nothing held), bounds 60 + 60 = 120;
    the two shipments joined cost 200 + 20 = 220."""
    inst = _sharing()
    whole = replan.solve(inst, mip_gap=1e-9)
    assert whole.status == "optimal" and whole.objective == pytest.approx(130.0)
    blocks = _cut_in_blocks(monkeypatch, inst)
    assert blocks.kpis["parts"] == 2
    assert blocks.kpis["bound"] == pytest.approx(120.0) and blocks.kpis["bound"] <= whole.objective
    assert blocks.kpis["costs"]["ordering"] == pytest.approx(200.0)
    assert blocks.objective == pytest.approx(220.0) and blocks.status == "feasible"
    assert audit(inst, blocks) == []


def test_blocks_that_order_together_pay_one_shipment_and_prove_the_optimum(monkeypatch):
    """Both due in period 2: each block ships in period 1 and pays its 50; joined, one shipment."""
    inst = _sharing(demand_b=2)
    blocks = _cut_in_blocks(monkeypatch, inst)
    assert blocks.status == "optimal" and blocks.objective == pytest.approx(120.0)
    assert blocks.kpis["bound"] == pytest.approx(120.0)
    assert audit(inst, blocks) == []


def test_blocks_solved_at_once_over_a_shared_capacity_keep_to_their_queues_shares(monkeypatch):
    """S ships at most 10 a period, so only 10 of the 20 due in period 2 can arrive on time.
    Each block alone would order its 10 in period 1 (bound: each 100·½ + 10 = 60, and the
    backorder of the last period's arrival); solved at once in two processes, each holds half
    of S's offers, so each plans with 5 of its capacity from the start and nothing is scaled
    down after: 5 in period 1 and 5 in period 2 each."""
    inst = _sharing(capacity=10.0, demand_b=2)
    whole = replan.solve(inst, mip_gap=1e-9)
    blocks = _cut_in_blocks(monkeypatch, inst, workers=2)
    assert audit(inst, blocks) == []
    first = blocks.orders[blocks.orders["order_period"] == 1]
    assert first["quantity"].sum() == pytest.approx(10.0)
    assert set(first["quantity"]) == {5.0}
    assert blocks.kpis["bound"] <= whole.objective + 1e-6 <= blocks.objective + 1e-6
    # planned with the share, not scaled down after with the rest of the plan fixed (no order
    # in period 2 then: 4,310 rather than 570)
    second = blocks.orders[blocks.orders["order_period"] == 2]
    assert set(second["quantity"]) == {5.0} and len(second) == 2


def test_each_queue_of_blocks_gets_its_blocks_shares_of_every_supplier_they_share():
    """Shares add up to 1 over the queues for the suppliers the blocks share; a supplier that
    only whole parts buy from stays whole in every queue."""
    blocks = [split.Block(np.arange(2), np.array([0.5, 0.0, 0.0])),
              split.Block(np.arange(2, 3), np.array([0.3, 1.0, 0.0])),
              split.Block(np.arange(3, 4)),
              split.Block(np.arange(4, 6), np.array([0.2, 0.0, 0.0]))]
    shares = split.queue_shares(blocks, [[0, 2], [1, 3]])
    assert np.allclose(shares[0], [0.5, 0.0, 1.0]) and np.allclose(shares[1], [0.5, 1.0, 1.0])
    assert split.queue_shares([split.Block(np.arange(3))], [[0]]) == [None]


def test_a_queues_share_of_a_capacity_is_what_its_plans_may_order():
    """`capacity_left` with a share: the share of each capacity, none (inf) kept as none and
    a share of 0 leaving nothing, less what the plans before ordered."""
    inst = _sharing(capacity=10.0)
    index = build_index(inst)
    assert np.allclose(split.capacity_left(index, [], np.array([0.25])), 2.5)
    unlimited = build_index(_sharing())
    assert np.all(np.isinf(split.capacity_left(unlimited, [], np.array([0.5]))))
    assert np.all(split.capacity_left(unlimited, [], np.array([0.0])) == 0.0)
    before = replan.solve(inst, mip_gap=1e-9)
    used = before.orders.groupby("order_period")["quantity"].sum()
    left = split.capacity_left(index, [before], np.array([0.5]))[0]
    assert np.allclose(left, np.maximum(5.0 - used.reindex([1, 2, 3], fill_value=0.0).to_numpy(), 0.0))


def test_blocks_whose_share_of_a_capacity_is_below_their_moq_drop_those_orders(monkeypatch):
    """MOQ 8: a share of 5 leaves neither block a line in period 1; both order later."""
    inst = _sharing(capacity=10.0, demand_b=2, moq=8)
    blocks = _cut_in_blocks(monkeypatch, inst, workers=2)
    assert audit(inst, blocks) == []
    assert blocks.status == "feasible" and 1 not in set(blocks.orders["order_period"])


@pytest.mark.parametrize("warm_start_before_the_rounds", [False, True])
def test_a_block_keeps_to_the_capacity_that_the_blocks_before_it_left(monkeypatch, warm_start_before_the_rounds):
    """One queue: A's block goes first and ships its 10 in period 1, all of S's capacity then;
    B's block ships in period 2 and owes its 10 for a period (20 each). Joined: 100 + 100
    shipments, 200 owed, 20 bought: 420, the whole's optimum, with no order scaled down.
    The bound stays the blocks' own (each may use all of S), 60 + 60 + B's late period.
    So too where B's warm start runs from its cold LP before the rounds (`WARM_APART`), not
    only its quick first plan."""
    inst = _sharing(capacity=10.0, demand_b=2)
    whole = replan.solve(inst, mip_gap=1e-9)
    assert whole.objective == pytest.approx(420.0)
    said: list[str] = []
    if warm_start_before_the_rounds:
        monkeypatch.setattr(planner, "WARM_APART", 1e9)
    blocks = _cut_in_blocks(monkeypatch, inst, time_limit=60, progress=said.append)
    first = [line for line in said if "before any round" in line]
    assert len(first) == 2 and all(("quick" in line) != warm_start_before_the_rounds for line in first)
    assert audit(inst, blocks) == []
    assert blocks.objective == pytest.approx(420.0)
    assert set(blocks.orders["order_period"]) == {1, 2}
    assert blocks.kpis["bound"] <= whole.objective + 1e-6


def test_lowered_capacities_bound_the_lines_and_their_sum():
    """`with_capacities`: a line's packs fit what is left, the lines of a cell together too,
    and the warm start's index says the same; cells not lowered are left as they were."""
    built = build_model(replan.from_tables(*generate(12, 4, 6)))
    index, v = built.index, built.vars
    capacity = index.supplier_capacity.copy()
    s, t = index.lines["s"].to_numpy(int), index.lines["t"].to_numpy(int) - 1
    capacity[s[0], t[0]] = index.lines["pack"].iloc[0] * 2.5
    lowered = with_capacities(built, capacity)
    assert lowered.model.shape[0] == built.model.shape[0] + 1
    cell = (s == s[0]) & (t == t[0])
    pack = index.lines["pack"].to_numpy(float)
    assert np.all(lowered.model.ub[v.order[cell]] * pack[cell] <= capacity[s[0], t[0]])
    assert np.array_equal(lowered.model.ub[v.order[~cell]], built.model.ub[v.order[~cell]])
    assert np.array_equal(lowered.index.supplier_capacity, capacity)
    x = engine("highs").solve(lowered.model, None, 1e-9).x
    assert x is not None
    assert (x[v.order[cell]] * pack[cell]).sum() <= capacity[s[0], t[0]] + 1e-6
    assert with_capacities(built, index.supplier_capacity + 1) is built


def test_blocks_bound_every_generated_instance_and_their_plans_pass_the_audit(monkeypatch):
    inst = replan.from_tables(*generate(24, 4, 6))
    whole = replan.solve(inst, mip_gap=1e-9)
    monkeypatch.setattr(split, "BLOCK_CELLS", 8 * 6)
    blocks = replan.solve(inst, mip_gap=1e-9)
    assert blocks.kpis["parts"] > _parts(inst)
    assert blocks.kpis["bound"] <= whole.objective * (1 + 1e-9) <= blocks.objective * (1 + 1e-9)
    assert audit(inst, blocks) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(inst=instances())
def test_blocks_bound_the_optimum_and_their_joined_plan_passes_the_audit(inst, monkeypatch):
    """For every instance: cut into one block per item-location, the bound is still a bound
    of the whole's optimum, and the joined plan keeps every rule (capacities shared included)."""
    whole = planner.solve_whole(inst, planner.Options("highs", None, 1e-9), lambda _: None)
    if whole.status != "optimal":
        return
    blocks = _cut_in_blocks(monkeypatch, inst)
    assert blocks.status in ("optimal", "feasible"), blocks.kpis["message"]
    assert blocks.kpis["bound"] <= whole.objective + 1e-6 * max(1.0, whole.objective)
    assert blocks.objective >= whole.objective - 1e-6 * max(1.0, whole.objective)
    assert audit(inst, blocks) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(inst=instances(shared=True))
def test_blocks_solved_in_two_queues_at_once_keep_every_shared_capacity(inst, monkeypatch):
    """For every instance cut into one block per item-location and dealt to two queues that
    run at once (threads here, processes or a cluster otherwise), each queue keeping to its
    share of the capacities: the joined plan keeps every rule, shared capacities included.
    Two or three items share S1's capacity of 15 a period (`instances(shared=True)`)."""
    whole = planner.solve_whole(inst, planner.Options("highs", None, 1e-9), lambda _: None)
    if whole.status != "optimal":
        return
    with ThreadPoolExecutor(2) as threads:
        blocks = _cut_in_blocks(monkeypatch, inst, time_limit=60, workers=2, executor=threads)
    assert blocks.status in ("optimal", "feasible"), blocks.kpis["message"]
    assert blocks.kpis["bound"] <= whole.objective + 1e-6 * max(1.0, whole.objective)
    assert audit(inst, blocks) == []
    event(f"S1's capacity binds in the joined plan: {_binds(blocks, 'S1', 15)}")


def test_where_a_block_finds_no_plan_within_its_share_its_part_is_solved_whole(monkeypatch):
    """A and B share S's 10 a period; A's 10 units are due in period 1 and may not wait. Two
    queues at once get half of S each, so A's block has no plan; the part, solved whole, has
    one (A's 10 in period 1, B's in period 2), and that is the plan, not "infeasible"."""
    inst = instance({"horizon": 2},
                    items={"item": ["A", "B"], "holding_cost": [1, 1], "backorder_cost": [1, 1],
                           "max_backorder_periods": [0, None]},
                    suppliers={"supplier": ["S"], "capacity": [10]},
                    offers={"supplier": ["S", "S"], "item": ["A", "B"], "unit_price": [1, 1], "lead_time": [0, 0]},
                    demand={"item": ["A", "B"], "period": [1, 2], "quantity": [10, 10]})
    whole = replan.solve(inst, mip_gap=1e-9)
    said: list[str] = []
    monkeypatch.setattr(split, "BLOCK_CELLS", 1)
    with ThreadPoolExecutor(2) as threads:
        plan = replan.solve(inst, mip_gap=1e-9, workers=2, executor=threads, progress=said.append)
    assert any("solving the parts whole" in line for line in said)
    assert plan.status == whole.status == "optimal" and plan.objective == pytest.approx(whole.objective)
    assert audit(inst, plan) == []


def _binds(plan: replan.Plan, supplier: str, capacity: float) -> bool:
    """Whether `plan` orders all of `supplier`'s `capacity` in some period from two items or more."""
    orders = plan.orders[plan.orders["supplier"] == supplier].groupby("order_period")
    return bool(((orders["quantity"].sum() >= capacity - 1e-6) & (orders["item"].nunique() > 1)).any())


def _parts(inst) -> int:
    return len(decompose.parts(decompose.components(build_index(inst), None)))


def test_a_warm_start_out_of_time_after_its_lp_still_gives_a_plan_that_orders():
    """A rounding's LP finished past the limit, rather than the plan that orders nothing."""
    inst = replan.from_tables(*generate(12, 4, 6))
    built, highs = build_model(inst), engine("highs")
    lp = highs.solve(built.model.relaxed(), None, 0.0)
    assert highs.solve(fix_orders(built, np.floor(lp.x[built.vars.order])), 0.0, 0.01).status == solvers.Status.ERROR
    late = warm_start(built, highs, lp, lambda: 0.0)
    nothing = highs.solve(fix_orders(built, np.zeros(len(built.index.lines))), None, 0.01)
    assert late is not None and late[built.vars.order].sum() > 0
    assert built.model.c @ late < nothing.objective
    _assert_feasible(built.model, late)


@pytest.mark.parametrize("limit", [None, 1000.0])
def test_the_packs_reoptimisation_takes_at_most_its_multiple_of_a_plans_lp(monkeypatch, limit):
    """Under a time limit, the MIP that re-optimises the chosen plan's packs gets at most
    REOPTIMISE_MOST solves of a plan's LP, however much of the warm start's time is left;
    with no limit it runs to its gap."""
    built, highs = build_model(replan.from_tables(*generate(12, 4, 6))), engine("highs")
    lp = highs.solve(built.model.relaxed(), None, 0.0)
    limits = []

    class Spy:
        name = "spy"
        relaxation = highs.relaxation

        def solve(self, model, time_limit, gap, start=None):
            if model.integer.any():
                limits.append(time_limit)
            return highs.solve(model, time_limit, gap, start)

    monkeypatch.setattr(warmstart, "REOPTIMISE", 0.0)  # never too short for it here
    monkeypatch.setattr(warmstart, "REOPTIMISE_MOST", 1e-9)
    warm_start(built, Spy(), lp, lambda: limit)
    assert len(limits) == 1
    assert limits[0] is None if limit is None else limits[0] < 1e-6


def test_a_queue_counts_the_time_it_took_to_start_against_its_limit(monkeypatch):
    """A spawned worker first imports replan; a queue sent 40 s ago has 20 s of a 60 s limit left."""
    limits = []
    monkeypatch.setattr(planner, "solve_whole", lambda part, options, say, **_: limits.append(options.time_limit))
    parts = [replan.from_tables(*generate(4, 2, 4))] * 2
    planner.solve_queue(parts, planner.Options("highs", 60.0, 0.01), sent=time.time() - 40)
    assert 9 < limits[0] <= 10  # half of the 20 s left, for the first of two equal parts
    planner.solve_queue(parts, planner.Options("highs", 60.0, 0.01))
    assert 29 < limits[2] <= 30


def test_a_plan_of_one_part_counts_the_time_it_took_to_look_for_parts_against_its_limit(monkeypatch):
    """Indexing an instance and cutting it into parts draws on the limit; one part gets the rest."""
    limits = []
    cut = split.cut

    def slow_cut(index, budget):
        time.sleep(2.0)
        return cut(index, budget)

    monkeypatch.setattr(split, "cut", slow_cut)
    monkeypatch.setattr(planner, "solve_whole", lambda part, options, say, *_, **__: limits.append(options.time_limit))
    replan.solve(replan.from_tables(*generate(4, 2, 4)), time_limit=10)
    assert 7 < limits[0] <= 8
    replan.solve(replan.from_tables(*generate(4, 2, 4)))  # no limit stays none
    assert limits[1] is None


def _parts_solved(monkeypatch) -> tuple[replan.Instance, list[replan.Plan]]:
    """A 12-item instance and the optimal plans of its parts, cut as small as they come."""
    inst = replan.from_tables(*generate(12, 4, 6))
    monkeypatch.setattr(decompose, "PART_SIZE", 1)
    rows = decompose.parts(decompose.components(build_index(inst), None))
    return inst, planner.solve_queue([decompose.subset(inst, r) for r in rows],
                                     planner.Options("highs", None, 1e-9))


def test_a_part_without_a_bound_adds_zero_to_the_whole_bound(monkeypatch):
    """0 bounds any part's cost from below, so the whole keeps a valid (if weak) bound."""
    inst, bounded = _parts_solved(monkeypatch)
    plan = replan.solve(inst, mip_gap=1e-9)
    first = bounded[0]
    bounded[0] = dataclasses.replace(first, kpis={**first.kpis, "bound": None})
    joined = decompose.join(inst, bounded, 1.0)
    assert joined.kpis["bound"] == pytest.approx(plan.kpis["bound"] - first.kpis["bound"], abs=1e-6)
    assert joined.kpis["bound"] <= joined.objective
    assert joined.objective == pytest.approx(plan.objective, rel=1e-7)


def test_the_whole_is_optimal_when_its_own_gap_is_within_the_gap_asked(monkeypatch):
    """A part left above the gap asked beside parts well within it: the whole's gap decides."""
    inst, plans = _parts_solved(monkeypatch)
    small = min(range(len(plans)), key=lambda i: plans[i].objective)
    loose = plans[small].kpis["bound"] * 0.9
    plans[small] = dataclasses.replace(plans[small], kpis={**plans[small].kpis, "status": "feasible",
                                                           "bound": loose})
    whole = decompose.join(inst, plans, 1.0).kpis
    assert 0 < whole["mip_gap"] < report.gap(plans[small].objective, loose)
    assert decompose.join(inst, plans, 1.0, mip_gap=whole["mip_gap"] * 1.01).status == "optimal"
    assert decompose.join(inst, plans, 1.0, mip_gap=whole["mip_gap"] * 0.99).status == "feasible"


def test_the_whole_says_which_message_came_from_how_many_parts(monkeypatch):
    """A plan whose parts ended differently says so: "Optimal" alone would read as the whole's."""
    inst, plans = _parts_solved(monkeypatch)
    assert len(plans) >= 3
    same = [dataclasses.replace(p, kpis={**p.kpis, "message": "Optimal"}) for p in plans]
    assert decompose.join(inst, same, 1.0).kpis["message"] == "Optimal"
    late = dataclasses.replace(same[1], kpis={**same[1].kpis, "message": "time limit reached"})
    joined = decompose.join(inst, [same[0], late, *same[2:]], 1.0).kpis["message"]
    n = len(plans)
    assert joined == f"Optimal ({n - 1} of {n} parts); time limit reached (1 of {n} parts)"


def test_lines_below_their_moq_are_gathered_into_moqs_not_each_raised_to_it():
    """MOQ 10, the LP's 6 a week for five weeks: raised, each line would buy 10 (50 units,
    20 left at the end); gathered, a new MOQ starts where the running total passes one:
    weeks 1, 2 and 4 (0.6, 1.2, 1.8, 2.4, 3.0 MOQs), 30 units. Gathering covers the LP's
    units of the offer, never less, and at most one MOQ more."""
    inst = instance({"horizon": 5},
                    items={"item": ["A"], "holding_cost": [1.0], "backorder_cost": [50.0]},
                    suppliers={"supplier": ["S"]},
                    offers={"supplier": ["S"], "item": ["A"], "unit_price": [1.0], "lead_time": [0],
                            "moq": [10]},
                    demand={"item": ["A"] * 5, "period": range(1, 6), "quantity": [6] * 5})
    index = build_index(inst)
    assert fit_orders(index, np.full(5, 6.0), None).tolist() == [10, 10, 0, 10, 0]
    # a line at or above its MOQ stays; the 6s around it still add up to 1.2 MOQs: two of them
    assert fit_orders(index, np.array([0, 12, 6, 0, 6.0]), None).tolist() == [0, 12, 10, 0, 10]
    assert fit_orders(index, np.array([0, 12, 4, 0, 6.0]), None).tolist() == [0, 12, 10, 0, 0]


def test_slope_scaling_gathers_the_orders_that_lp_rounding_splits():
    """Demand 10, 1, 1, 10; 100 an order line, holding 1 a unit-period, units free.
    The plain LP pays 100/22 a unit on every line (22, the whole need, bounds each), so it
    buys just in time: rounded, four lines, 400. Charging each line its cost over what it
    ordered (100/10, 100/1, 100/1, 100/10) moves periods 2 and 3 onto the first line:
    two lines, 200 + 3 holding. (The optimum, one line of 22, costs 100 + 33.)"""
    inst = _lot_sizing([10, 1, 1, 10], unit_price=0.0)
    highs = engine("highs")
    built, lp, *_ = tighten(build_model(inst), highs, lambda: None, strong=False)
    assert lp.x[built.vars.order] == pytest.approx([10, 1, 1, 10])
    rounded = highs.solve(fix_orders(built, np.round(lp.x[built.vars.order])), None, 1e-9)
    assert rounded.objective == pytest.approx(400)
    plans = list(slope_scaling(built, highs, lp, lambda: None))
    assert min(p.objective for p in plans) == pytest.approx(203)
    assert replan.solve(inst, mip_gap=1e-9).objective == pytest.approx(133)



def test_fix_and_optimize_is_skipped_for_a_first_plan_already_within_the_gap(monkeypatch):
    """peak-season's first plan is within 1% of its LP bound: proven, so nothing to improve;
    asked for 0.01%, the same plan is worth improving."""
    calls = []

    def spy(search, remaining, **_):
        calls.append(search.plan.cost)
        return search.plan.x

    monkeypatch.setattr(improve.Search, "run", spy)
    inst = replan.load(replan.sample_path("peak-season"))
    plan = replan.solve(inst, mip_gap=0.01, time_limit=60)
    assert plan.status == "optimal" and calls == []
    replan.solve(inst, mip_gap=1e-4, time_limit=5)
    assert calls  # searched (in one stretch or several)


def test_fix_and_optimize_takes_a_plan_to_the_optimum_of_its_neighbourhood():
    """The same item: the plan of slope scaling (two lines, 203) is one neighbourhood away
    from the optimum (one line of 22: 100 + 33 holding), as the item has one supplier."""
    inst = _lot_sizing([10, 1, 1, 10], unit_price=0.0)
    highs = engine("highs")
    built, lp, *_ = tighten(build_model(inst), highs, lambda: None, strong=False)
    plan = min(slope_scaling(built, highs, lp, lambda: None), key=lambda p: p.objective)
    better = fix_and_optimize(built, highs, built.model.clean(plan.x), lambda: None)
    assert built.model.c @ better == pytest.approx(133)
    _assert_feasible(built.model, better)


def test_fix_and_optimize_solves_its_steps_without_restarts():
    """A step's MIP is small: HiGHS starting over after its root (presolve and root again,
    with the columns the root fixed) took 32 s where 19 s reached the same optima, on twelve
    steps of the 1,000-item benchmark's largest part. Every step asks for none, and the same
    item still comes to its optimum (133)."""
    inst = _lot_sizing([10, 1, 1, 10], unit_price=0.0)
    highs, asked = engine("highs"), []

    class Spy:
        name = "spy"
        relaxation = highs.relaxation

        def solve(self, model, time_limit, gap, start=None, presolve=True, restart=True):
            asked.append(restart)
            return highs.solve(model, time_limit, gap, start, presolve, restart)

    built, lp, *_ = tighten(build_model(inst), highs, lambda: None, strong=False)
    plan = min(slope_scaling(built, highs, lp, lambda: None), key=lambda p: p.objective)
    better = fix_and_optimize(built, Spy(), built.model.clean(plan.x), lambda: None)
    assert asked and not any(asked)
    assert built.model.c @ better == pytest.approx(133)


def test_the_planner_sends_fix_and_optimize_steps_to_scip_or_else_to_its_own_engine(monkeypatch):
    """SCIP closes the steps' small MIPs sooner than HiGHS (`improve.STEP_ENGINE`), so the
    planner hands the search SCIP whatever engine it was asked for; where SCIP is not
    installed, the engine it was asked for. Either way the item comes to its optimum (133)."""
    inst = _lot_sizing([10, 1, 1, 10], unit_price=0.0)
    given = []
    search = improve.Search.__init__

    def spy(self, built, step_engine, *args, **kwargs):
        given.append(step_engine.name)
        search(self, built, step_engine, *args, **kwargs)

    monkeypatch.setattr(improve.Search, "__init__", spy)
    for name in ("highs", "cbc"):
        assert replan.solve(inst, solver=name, mip_gap=1e-9).objective == pytest.approx(133)
    assert given == ["scip", "scip"]
    monkeypatch.setattr(type(engine("scip")), "available", lambda self: False)
    given.clear()
    for name in ("highs", "cbc"):
        assert replan.solve(inst, solver=name, mip_gap=1e-9).objective == pytest.approx(133)
    assert given == ["highs", "cbc"]


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 1), st.floats(0, 10), st.floats(0, 10), st.integers(1, 5))
def test_a_steps_plan_is_moved_to_a_vertex_as_cheap_or_cheaper(share, cost_a, cost_b, units):
    """SCIP's plan for a step need not lie on a vertex: on the 1,000-item benchmark it left
    0.16 of a unit served on two lines. Here `units` are split between two sources at
    `share`, both open (the binary held); solved again with it held, the plan lies on a
    vertex, whole units from each, and costs no more."""
    lm = LinearModel()
    on = lm.add_vars("on", 1, 0.0, 1.0, integer=True)
    buy = lm.add_vars("buy", 2, 0.0, float(units))
    lm.add_rows("demand", lm.rows(1, units, units).add(0, buy, 1.0))
    lm.add_rows("open", lm.rows(2, hi=0.0).add(np.arange(2), buy, 1.0).add(np.arange(2), on, -float(units)))
    lm.add_cost("purchase", buy, [cost_a, cost_b])
    model = lm.compile()
    point = np.array([1.0, share * units, (1 - share) * units])
    moved = improve.on_vertex(model, solvers.Result(solvers.Status.FEASIBLE, point, float(model.c @ point)))
    assert moved.x[0] == 1.0 and model.feasible(moved.x)
    assert moved.x[1:] == pytest.approx(np.round(moved.x[1:]), abs=1e-9)
    assert moved.objective == pytest.approx(model.c @ moved.x)
    assert moved.objective <= model.c @ point + 1e-9


def test_fix_and_optimize_gathers_weekly_orders_to_reach_a_price_break():
    """10 a week for 4 weeks at 10 a unit, 8 from 40 units, holding 1 a unit-week: the plan
    that orders each week (400) is one item-location away from one order of 40
    (320 + 30 + 20 + 10 held = 380), which no LP rounding sees: the LP buys at 8 every week."""
    inst = instance({"horizon": 4},
                    items={"item": ["A"], "holding_cost": [1.0], "backorder_cost": [50.0]},
                    suppliers={"supplier": ["S"]},
                    offers={"supplier": ["S"], "item": ["A"], "unit_price": [10.0], "lead_time": [0]},
                    price_breaks={"supplier": ["S"], "item": ["A"], "min_quantity": [40], "unit_price": [8.0]},
                    demand={"item": ["A"] * 4, "period": [1, 2, 3, 4], "quantity": [10] * 4})
    highs = engine("highs")
    built, lp, *_ = tighten(build_model(inst), highs, lambda: None)
    weekly = highs.solve(fix_orders(built, np.full(len(built.index.lines), 10.0)), None, 1e-9)
    assert weekly.objective == pytest.approx(400)
    better = fix_and_optimize(built, highs, built.model.clean(weekly.x), lambda: None, lp.x)
    assert built.model.c @ better == pytest.approx(380)
    _assert_feasible(built.model, better)


def test_a_shipment_weighs_on_the_item_locations_that_order_in_it():
    """Supplier S charges 100 a shipment; A and B are due in period 2, C in period 4 (one
    unit each, a period's lead time, holding 150 a unit: cheaper to ship twice). The optimum
    ships A and B in period 1 and C alone in period 3; of what the shipments cost, A and B
    weigh 50 each, C the whole 100: freed, C alone can save its shipment."""
    inst = instance({"horizon": 4},
                    items={"item": ["A", "B", "C"], "holding_cost": [150.0] * 3,
                           "backorder_cost": [1000.0] * 3},
                    suppliers={"supplier": ["S"], "order_cost": [100.0]},
                    offers={"supplier": ["S"] * 3, "item": ["A", "B", "C"], "unit_price": [1.0] * 3,
                            "lead_time": [1] * 3},
                    demand={"item": ["A", "B", "C"], "period": [2, 2, 4], "quantity": [1, 1, 1]})
    built = build_model(inst)
    x = engine("highs").solve(built.model, None, 1e-9).x
    assert built.vars.shipment[0, 3] < 0  # nothing ordered in period 4 arrives in time
    assert x[built.vars.shipment[0, :3]].round().tolist() == [1, 0, 1]
    shipments = np.zeros_like(x)
    shipments[built.vars.shipment[0, [0, 2]]] = 100.0
    shares = improve.shipment_shares(built, x, shipments)
    assert dict(zip(built.index.skus["item"], shares)) == pytest.approx({"A": 50, "B": 50, "C": 100})
    ranked = improve.neighbourhoods(built, improve.owners(built), x, np.zeros_like(x))
    assert built.index.skus["item"].iloc[ranked[0][0][0]] == "C"


def _shared_capacity():
    """Items A and B from one supplier that ships at most 10 units a period; 10 of each are due
    in period 2 and cannot be late (lost at 9 a unit for A, 5 for B; 1 a unit to buy)."""
    return instance({"horizon": 2},
                    items={"item": ["A", "B"], "holding_cost": [1.0, 1.0], "backorder_cost": [1.0, 1.0],
                           "lost_sales": [True, True], "lost_sale_cost": [9.0, 5.0]},
                    suppliers={"supplier": ["S"], "capacity": [10]},
                    offers={"supplier": ["S", "S"], "item": ["A", "B"], "unit_price": [1.0, 1.0],
                            "lead_time": [1, 1]},
                    demand={"item": ["A", "B"], "period": [2, 2], "quantity": [10, 10]})


def test_two_steps_sent_at_once_do_not_both_take_a_shared_capacity():
    """From the plan that orders nothing (140 lost), A's and B's steps, solved against that same
    plan, each buy 10 units: the whole capacity. Taking both would order 20 from a supplier
    that ships 10, so the one that comes back second is refused and the plan stays A's (60)."""
    inst = _shared_capacity()
    highs = engine("highs")
    built = build_model(inst)
    model = built.model
    nothing = highs.solve(planner._order_nothing(model), None, 1e-9)
    assert nothing.objective == pytest.approx(140)
    owner = improve.owners(built)
    plan = improve.Incumbent(model, model.clean(nothing.x))
    steps = []
    for k in (0, 1):
        sub, cols = model.restricted(improve.columns(built, owner, np.array([k])), plan.x)
        steps.append((improve.Step(cols, plan.x[cols], plan.version, sub.c @ plan.x[cols]),
                      highs.solve(sub, None, 1e-9)))
    assert [result.objective for _, result in steps] == pytest.approx([10, 10])  # each bought 10
    assert plan.offer(*steps[0]) and plan.cost == pytest.approx(60)  # A: 10 bought + 50 of B lost
    assert not plan.offer(*steps[1])
    assert plan.cost == pytest.approx(60) and model.feasible(plan.x)


def test_a_search_with_steps_in_other_processes_never_takes_both_clashing_steps():
    """The same case searched with two steps at once in a process pool: whichever step comes
    back first is taken (A's plan, 60, or B's, 100, where each neighbourhood alone can gain no
    more); the other clashes and is solved again against it. Both taken would cost 20 and
    order 20 units from a supplier that ships 10."""
    inst = _shared_capacity()
    highs = engine("highs")
    built = build_model(inst)
    nothing = built.model.clean(highs.solve(planner._order_nothing(built.model), None, 1e-9).x)
    with processes.pool(2) as pool:  # the planner's own pool of step processes
        better = improve.Search(built, highs, nothing).run(lambda: None, pool=pool, lanes=2)
    _assert_feasible(built.model, better)
    assert min(abs(built.model.c @ better - cost) for cost in (60, 100)) < 1e-6


def test_a_solve_with_two_workers_searches_beside_the_mip_and_proves_the_gap():
    """peak-season asked for a 0.1% gap (its first plan is 0.7% above the LP bound): with two
    workers fix and optimize runs in two processes, then in one beside the MIP engine, and
    the plan that comes back passes the audit within the gap of its bound (about 10 s)."""
    inst = replan.load(replan.sample_path("peak-season"))
    runs = []
    original = improve.Search.run

    def spy(search, remaining, pool=None, lanes=1, stop=None, enough=None):
        runs.append((pool is not None, lanes, stop is not None))
        return original(search, remaining, pool, lanes, stop, enough)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(improve.Search, "run", spy)
        plan = replan.solve(inst, mip_gap=1e-3, time_limit=120, workers=2)
    assert runs == [(True, 2, False), (True, 1, True)]
    assert plan.status == "optimal" and audit(inst, plan) == []
    assert plan.kpis["bound"] <= plan.objective <= plan.kpis["bound"] * (1 + 1e-3)


def test_a_search_stops_sending_steps_once_its_plan_is_enough():
    """From the plan that orders nothing, fix and optimize on a generated instance takes many
    steps; asked to stop once the plan is cheaper than that, it sends one (in this process) and
    keeps what it found."""
    built = build_model(replan.from_tables(*generate(20, 3, 8)))
    highs = engine("highs")
    nothing = built.model.clean(highs.solve(planner._order_nothing(built.model), None, 1e-9).x)
    sent = []

    def counted(search: improve.Search):
        send = search._send
        search._send = lambda *args: sent.append(1) or send(*args)
        return search

    cost = float(built.model.c @ nothing)
    whole = counted(improve.Search(built, highs, nothing)).run(lambda: None)
    steps, sent[:] = len(sent), []
    cheaper = counted(improve.Search(built, highs, nothing)).run(lambda: None, enough=lambda c: c < cost - 1e-6)
    assert steps > 20 and len(sent) == 1
    assert built.model.c @ whole < built.model.c @ cheaper < cost - 1e-6
    _assert_feasible(built.model, cheaper)


def test_a_solve_whose_search_proves_the_gap_stops_there_without_the_mip_engine():
    """A generated instance asked for 2%: its first plan is 3.6% above the LP bound, and fix and
    optimize brings it within 2% with neighbourhoods still queued. The run stops there (a
    MIP solver stops at the gap asked, and so does the planner): the search leaves the rest
    of its queue, the MIP engine never starts, and the plan passes the audit within 2%."""
    inst = replan.from_tables(*generate(20, 3, 8))
    searches = []
    original = improve.Search.run

    def spy(search, *args, **kwargs):
        searches.append(search)
        return original(search, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(improve.Search, "run", spy)
        plan = replan.solve(inst, mip_gap=0.02, time_limit=60)
    assert searches and all(search._queue for search in searches)  # neighbourhoods left unsolved
    assert plan.status == "optimal" and "proven within the gap asked without the MIP engine" in plan.kpis["message"]
    assert audit(inst, plan) == [] and plan.objective <= plan.kpis["bound"] / (1 - 0.02)


def _blas_threads(info: list[dict] | None = None) -> set[int]:
    """The thread counts of the BLAS libraries loaded in this process (or those `info` lists)."""
    return {lib["num_threads"] for lib in info or threadpool_info() if lib["user_api"] == "blas"}


def test_a_solve_and_its_processes_keep_blas_to_one_thread():
    """OpenBLAS's idle threads spin after each product of long vectors and take the core
    the other process's HiGHS needs: a solve keeps BLAS to one thread while it runs (seen
    from its progress lines) and gives the threads back after; a pool's processes keep to
    one for good."""
    with threadpool_limits(limits=2, user_api="blas"):
        seen = []
        replan.solve(replan.load(replan.sample_path("peak-season")), time_limit=5,
                     progress=lambda _: seen.append(_blas_threads()))
        assert seen and all(threads == {1} for threads in seen)
        assert _blas_threads() == {2}
    with processes.pool(2) as pool:
        infos = [pool.submit(threadpool_info) for _ in range(4)]
        assert all(_blas_threads(info.result()) == {1} for info in infos)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances())
def test_a_restricted_model_solved_and_put_back_solves_the_whole(inst):
    """Holding all but one item-location's columns at a plan: the restricted MIP's plan, put
    back, is feasible for the whole and costs what the restricted model says plus what is held;
    restricted to every column it is the whole model."""
    highs = engine("highs")
    built = build_model(inst)
    model = built.model
    x = warm_start(built, highs, highs.solve(model.relaxed(), None, 0.0), lambda: None)
    if x is None:
        return
    owner = improve.owners(built)
    assert (owner[model.var_blocks["order"]] >= 0).all()
    for skus, _ in improve.neighbourhoods(built, owner, x, None):
        sub, cols = model.restricted(improve.columns(built, owner, skus), x)
        result = highs.solve(sub, None, 1e-9, start=x[cols])
        assert result.x is not None  # x[cols] is a plan of it
        put = x.copy()
        put[cols] = result.x
        put = model.clean(put)
        _assert_feasible(model, put)
        held = np.delete(np.arange(len(x)), cols)
        assert model.c @ put == pytest.approx(result.objective + model.c[held] @ x[held], rel=1e-6, abs=1e-6)
        assert model.c @ put <= model.c @ x + 1e-6 * max(1.0, abs(model.c @ x))
    whole, cols = model.restricted(np.ones(len(x), bool), x)
    assert len(cols) == len(x) and whole.shape[0] <= model.shape[0]
    assert highs.solve(whole, None, 1e-9).objective == pytest.approx(
        highs.solve(model, None, 1e-9).objective, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("name", solvers.available())
def test_a_kept_relaxation_is_freed_once_dropped(name):
    """HiGHS holds its callbacks out of the garbage collector's sight: a watchdog that held
    the relaxation kept every LP of a run alive (12.7 GB at 10,000 items)."""
    kept = engine(name).relaxation(build_model(_lot_sizing([10, 1, 1, 10])).model)
    kept.solve(10.0)
    alive = weakref.ref(kept)
    del kept
    gc.collect()
    assert alive() is None


@pytest.mark.parametrize("name", solvers.available())
def test_an_lp_started_from_another_ones_basis_solves_as_the_model_it_stands_for(name):
    """Slope scaling's LP starts from the cold LP's basis, sent to another process: the basis
    survives pickling, HiGHS restarts from it (the same LP again takes no simplex iteration),
    and with new costs, or a basis of another shape, every engine solves the LP it is given."""
    built = build_model(replan.from_tables(*generate(12, 4, 6)))
    e = engine(name)
    cold = e.relaxation(built.model)
    first = cold.solve(None)
    basis = pickle.loads(pickle.dumps(cold.basis()))
    assert (basis is not None) == (name == "highs")
    again = e.relaxation(built.model, basis)
    assert again.solve(None).objective == pytest.approx(first.objective, rel=1e-9)
    if name == "highs":
        assert again._h.getInfo().simplex_iteration_count == 0
    costs = built.model.c * np.random.default_rng(2).uniform(0.5, 1.5, len(built.model.c))
    scaled = e.relaxation(built.model, basis)
    scaled.set_costs(costs)
    assert scaled.solve(None).objective == pytest.approx(
        e.solve(dataclasses.replace(built.model.relaxed(), c=costs), None, 0.0).objective, rel=1e-7)
    other = build_model(replan.from_tables(*generate(8, 3, 6))).model
    assert e.relaxation(other, basis).solve(None).objective == pytest.approx(
        e.solve(other.relaxed(), None, 0.0).objective, rel=1e-7)


@pytest.mark.parametrize("name", solvers.available())
def test_a_kept_relaxation_solves_as_the_model_it_stands_for(name):
    """After added rows, new costs and new bounds, a kept LP (warm for HiGHS) gives what a cold
    solve does."""
    built = build_model(replan.from_tables(*generate(12, 4, 6)))
    e = engine(name)
    kept = e.relaxation(built.model)
    first = kept.solve(None)
    assert first.objective == pytest.approx(e.solve(built.model.relaxed(), None, 0.0).objective, rel=1e-7)
    A, hi = cuts.separate(cuts.separator(built.index, built.vars), first.x, 10**6)
    assert A.shape[0] > 0
    lo = np.full(len(hi), -np.inf)
    kept.add_rows(A, lo, hi)
    model = built.model.with_rows("cuts", A, lo, hi)
    assert kept.solve(None).objective == pytest.approx(
        e.solve(model.relaxed(), None, 0.0).objective, rel=1e-7)
    costs = model.c * np.random.default_rng(1).uniform(0.5, 1.5, len(model.c))
    kept.set_costs(costs)
    assert kept.solve(None).objective == pytest.approx(
        e.solve(dataclasses.replace(model.relaxed(), c=costs), None, 0.0).objective, rel=1e-7)
    kept.delete_rows(np.arange(built.model.shape[0], model.shape[0]))
    assert kept.solve(None).objective == pytest.approx(
        e.solve(dataclasses.replace(built.model.relaxed(), c=costs), None, 0.0).objective, rel=1e-7)
    fixed = fix_orders(built, np.ceil(first.x[built.vars.order]))
    kept.set_bounds(fixed.lb, fixed.ub)
    assert kept.solve(None).objective == pytest.approx(
        e.solve(dataclasses.replace(fixed, c=costs), None, 0.0).objective, rel=1e-7)


def test_cut_rounds_keep_only_the_inequalities_that_their_last_lp_holds_tight():
    """Rounds drop what their LP leaves slack, so the LP stays small; the LP of the model
    they hand on is still the one whose bound they report."""
    built = build_model(replan.from_tables(*generate(24, 4, 6)))
    tight, lp, *_ = tighten(built, engine("highs"), lambda: None)
    rows = tight.model.row_blocks["cuts"]
    A, hi = tight.model.A[rows], tight.model.row_hi[rows]
    assert A.shape[0] > 0
    assert np.all(A @ lp.x >= hi - 1e-6 * np.maximum(1.0, np.abs(hi)))
    cold = engine("highs").solve(tight.model.relaxed(), None, 0.0)
    assert cold.objective == pytest.approx(lp.objective, rel=1e-7)


def _round_bounds(monkeypatch, inst, limit: float | None) -> list[float]:
    """The LP bound after each cut round of `tighten` within `limit` seconds."""
    bounds = []
    solve = solvers.highs.HighsRelaxation.solve

    def recorded(self, time_limit):
        result = solve(self, time_limit)
        bounds.append(result.objective)
        return result

    monkeypatch.setattr(solvers.highs.HighsRelaxation, "solve", recorded)
    tighten(build_model(inst), engine("highs"), clock.budget(limit))
    return bounds


@pytest.mark.parametrize("cheap", [True, False])
def test_cut_rounds_go_on_for_small_raises_only_while_they_are_cheap(monkeypatch, cheap):
    """Rounds stop at a raise below PROGRESS, or, while they have taken less than FINE_SHARE
    of the time (always, with no limit), below FINE_PROGRESS."""
    if not cheap:
        monkeypatch.setattr(relaxation, "FINE_SHARE", 0.0)
    inst = replan.from_tables(*clsp(6, 30, 0.85, 1))
    bounds = np.array(_round_bounds(monkeypatch, inst, None if cheap else 1000.0))
    raises = np.diff(bounds) / np.maximum(np.abs(bounds[1:]), 1.0)
    assert len(raises) >= 2
    assert np.all(raises[:-1] > (relaxation.FINE_PROGRESS if cheap else relaxation.PROGRESS))
    if cheap:  # rounds the coarse rule alone would not have made
        assert np.any(raises[:-1] <= relaxation.PROGRESS)


def test_a_model_without_a_block_before_others_keeps_the_others_whole():
    """The warm start drops the (l,S) rows, which lowered capacities follow."""
    model = build_model(replan.from_tables(*generate(12, 4, 6))).model
    n = model.shape[1]
    first = sp.csr_matrix(np.eye(2, n))
    after = sp.csr_matrix(np.eye(3, n, k=1))
    both = model.with_rows("cuts", first, np.zeros(2), np.ones(2)).with_rows(
        "capacity_left", after, np.full(3, -np.inf), np.array([4.0, 5.0, 6.0]))
    out = both.without("cuts")
    assert out.shape[0] == model.shape[0] + 3 and "cuts" not in out.row_blocks
    kept = out.row_blocks["capacity_left"]
    assert np.array_equal(out.row_hi[kept], [4.0, 5.0, 6.0])
    assert (out.A[kept] != after).nnz == 0
    assert (out.A[:model.shape[0]] != model.A).nnz == 0


def test_a_kept_relaxation_gives_each_solve_its_own_time_limit():
    """HiGHS counts its time limit over an instance's whole run time: a kept LP solved again
    and again must not run out of time because earlier solves used it."""
    built = build_model(replan.from_tables(*generate(12, 4, 6)))
    kept = engine("highs").relaxation(built.model)
    rng = np.random.default_rng(2)
    began = time.perf_counter()
    while time.perf_counter() - began < 1.0:
        kept.set_costs(built.model.c * rng.uniform(0.5, 1.5, len(built.model.c)))
        assert kept.solve(0.2).status == "optimal"


def test_a_kept_relaxation_stopped_by_its_watchdog_solves_again():
    """highspy hands every run of an instance the same callback input: a stop flag the watchdog
    left set ended each later solve at once (a stopped cut round left slope scaling no LP, and
    100-item parts of the 10,000-item benchmark ended 6–10% above their bound, not 3%)."""
    built = build_model(replan.from_tables(*generate(12, 4, 6)))
    kept = engine("highs").relaxation(built.model)
    kept._h.setOptionValue("time_limit", np.inf)  # the watchdog, not HiGHS's own limit, stops it
    kept._deadline[0] = time.perf_counter() - 1.0
    kept._h.run()
    assert kept._h.getModelStatus() == highspy.HighsModelStatus.kInterrupt
    again = kept.solve(None)
    assert again.status == "optimal"
    assert again.objective == pytest.approx(engine("highs").solve(built.model.relaxed(), None, 0.0).objective,
                                            rel=1e-7)


@given(bound=st.floats(0, 1e9), above=st.floats(0, 1e9), gap=st.floats(0, 0.99))
def test_a_plan_costs_enough_exactly_where_its_gap_to_an_optimal_lps_bound_is_the_gap_asked(bound, above, gap):
    """`planner._enough`, the cost at which every stage stops, agrees with `report.gap` (away
    from the rounding at the boundary); an LP stopped before its optimum gives no bound."""
    cost = bound + above
    lp = solvers.Result(solvers.Status.OPTIMAL, np.zeros(1), bound)
    assume(abs(report.gap(cost, bound) - gap) > 1e-9)
    assert (cost <= planner._enough(lp, gap)) == (report.gap(cost, bound) <= gap)
    assert planner._enough(dataclasses.replace(lp, status=solvers.Status.FEASIBLE), gap) == -np.inf
