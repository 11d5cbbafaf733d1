"""The means to scale keep the plan exact: strong formulation, decomposition, warm start."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import replan
from audit import audit
from conftest import instance
from replan import decompose, planner
from replan.model import cuts
from replan.model.build import build_model
from replan.model.index import build_index
from replan.relaxation import tighten
from replan.solvers import engine
from replan.warmstart import fix_orders, warm_start
from test_properties import instances

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from generate import generate  # noqa: E402


def _every_inequality(built) -> tuple:
    """All (l,S) singleton inequalities of the model: every setup, every period l ≥ its arrival."""
    sep = cuts.separator(built.index, built.vars)
    n, T = len(sep.setups.qty), built.index.T
    which, last = np.repeat(np.arange(n), T), np.tile(np.arange(1, T + 1), n)
    keep = last >= sep.setups.arrival[which]
    return cuts._rows(sep, which[keep], last[keep], built.model.shape[1])


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
    """Validity: the inequalities cut off no integer plan, checked at the plain model's optimum."""
    built = build_model(inst)
    result = engine("highs").solve(built.model, None, 1e-9)
    if result.x is None:
        return
    A, hi = _every_inequality(built)
    activity = A @ built.model.clean(result.x)
    assert np.all(activity <= hi + 1e-6 * np.maximum(1, np.abs(hi))), (activity - hi).max()


def test_inequalities_raise_the_lp_bound_on_lot_sizing_with_setup_costs():
    """One item, setup cost 100, demand 10 a period: the plain LP pays a sliver of each setup."""
    inst = instance({"horizon": 4},
                    items={"item": ["A"], "holding_cost": [1.0], "backorder_cost": [50.0]},
                    suppliers={"supplier": ["S"]},
                    offers={"supplier": ["S"], "item": ["A"], "unit_price": [1.0], "lead_time": [0],
                            "order_cost": [100.0]},
                    demand={"item": ["A"] * 4, "period": [1, 2, 3, 4], "quantity": [10] * 4})
    built = build_model(inst)
    highs = engine("highs")
    plain = highs.solve(built.model.relaxed(), None, 0)
    strong, lp = tighten(built, highs, lambda: None)
    assert plain.objective < lp.objective
    optimum = highs.solve(built.model, None, 1e-9).objective
    assert lp.objective <= optimum + 1e-6
    # uncapacitated lot sizing without backlog: these inequalities close the gap
    assert lp.objective == pytest.approx(optimum, rel=1e-6)


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
def test_warm_start_is_a_feasible_plan(inst):
    built = build_model(inst)
    highs = engine("highs")
    built, lp = tighten(built, highs, lambda: None)
    x = warm_start(built, highs, lp, lambda: None)
    if x is None:  # only when not even the plan that orders nothing is feasible
        assert highs.solve(fix_orders(built, np.zeros(len(built.index.lines))), None, 1e-4).x is None
        return
    _assert_feasible(built.model, x)


def test_warm_start_fits_shared_capacities_on_a_generated_instance():
    """Rounding the LP broke supplier capacities here once, leaving the MIP with no plan at all."""
    built = build_model(replan.from_tables(*generate(60, 6, 10)))
    highs = engine("highs")
    built, lp = tighten(built, highs, lambda: None)
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


def test_a_part_without_a_bound_adds_zero_to_the_whole_bound(monkeypatch):
    """0 bounds any part's cost from below, so the whole keeps a valid (if weak) bound."""
    inst = replan.from_tables(*generate(12, 4, 6))
    monkeypatch.setattr(decompose, "PART_SIZE", 1)
    plan = replan.solve(inst, mip_gap=1e-9)
    bounded = [dataclasses.replace(p, kpis={**p.kpis}) for p in
               planner.solve_queue([decompose.subset(inst, rows) for rows in
                                    decompose.parts(decompose.components(build_index(inst), None))],
                                   planner.Options("highs", None, 1e-9))]
    first = bounded[0]
    bounded[0] = dataclasses.replace(first, kpis={**first.kpis, "bound": None})
    joined = decompose.join(inst, bounded, 1.0)
    assert joined.kpis["bound"] == pytest.approx(plan.kpis["bound"] - first.kpis["bound"], abs=1e-6)
    assert joined.kpis["bound"] <= joined.objective
    assert joined.objective == pytest.approx(plan.objective, rel=1e-7)
