"""Laws that hold for all inputs: checked on generated instances."""

from __future__ import annotations

import dataclasses
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import replan
from audit import audit
from conftest import ENGINES, instance
from reference import optimum
from replan import planner
from replan.model import index as index_module
from replan.model.build import build_model
from replan.solvers import engine as get_engine
from replan.solvers.base import Status


def wagner_whitin(demand: list[int], setup: float, holding: float) -> float:
    """The uncapacitated single-item lot-sizing optimum by the Wagner–Whitin recursion.

    f(j) = min over i ≤ j of f(i-1) + setup + holding · Σ_{τ=i..j} (τ-i)·d_τ,
    where an order in period i covers periods i..j (zero-demand periods need no order).
    """
    T = len(demand)
    best = [0.0] + [np.inf] * T
    for j in range(1, T + 1):
        if demand[j - 1] == 0:
            best[j] = best[j - 1]
            continue
        for i in range(1, j + 1):
            carry = sum((tau - i) * demand[tau - 1] for tau in range(i, j + 1))
            best[j] = min(best[j], best[i - 1] + setup + holding * carry)
    return best[T]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(demand=st.lists(st.integers(0, 40), min_size=1, max_size=10).filter(any),
       setup=st.integers(1, 200), holding=st.integers(1, 5))
def test_single_item_reaches_the_wagner_whitin_optimum(demand, setup, holding):
    T = max(i + 1 for i, d in enumerate(demand) if d > 0)
    inst = instance(items={"item": ["A"], "holding_cost": [holding], "backorder_cost": [10_000]},
                    suppliers={"supplier": ["S"]},
                    offers={"supplier": ["S"], "item": ["A"], "unit_price": [0], "lead_time": [0],
                            "order_cost": [setup]},
                    demand={"item": ["A"] * T, "period": list(range(1, T + 1)), "quantity": demand[:T]})
    plan = replan.solve(inst, mip_gap=1e-9)
    assert plan.objective == pytest.approx(wagner_whitin(demand[:T], setup, holding))


@st.composite
def instances(draw, shared: bool = False):
    """Small valid instances that switch every feature of the contract on or off. With
    `shared`, two or three items that S1, with a capacity of 15 a period, offers: a
    capacity that plans made apart (blocks, queues) must share."""
    T = draw(st.integers(2, 5))
    n_items = draw(st.integers(2 if shared else 1, 3))
    two_locations = draw(st.booleans())
    locations = ["main", "branch"] if two_locations else ["main"]
    items = {"item": [], "location": [], "holding_cost": [], "backorder_cost": [], "initial_inventory": [],
             "safety_stock": [], "lost_sales": [], "max_backorder_periods": [], "safety_stock_penalty": [],
             "lost_sale_cost": [], "volume": []}
    service_limits = draw(st.booleans())
    for i in range(n_items):
        for loc in locations:
            items["item"].append(f"I{i}")
            items["location"].append(loc)
            items["holding_cost"].append(draw(st.sampled_from([0.0, 0.5, 1.0, 2.0])))
            items["backorder_cost"].append(draw(st.sampled_from([1.0, 5.0, 20.0])))
            items["initial_inventory"].append(draw(st.integers(0, 20)))
            items["safety_stock"].append(draw(st.sampled_from([0, 0, 5])))
            items["lost_sales"].append(draw(st.booleans()))
            items["max_backorder_periods"].append(draw(st.sampled_from([None, 0, 1, 2])) if service_limits else None)
            items["safety_stock_penalty"].append(draw(st.sampled_from([None, 0.5, 3.0])))
            items["lost_sale_cost"].append(draw(st.sampled_from([None, 5.0, 40.0])))
            items["volume"].append(draw(st.sampled_from([1.0, 2.0])))
    suppliers = {"supplier": ["S1", "S2"], "capacity": [15 if shared else draw(st.sampled_from([None, 15, 40])), None],
                 "order_cost": [draw(st.sampled_from([0, 10])), 0],
                 "max_share": [1.0, draw(st.sampled_from([1.0, 0.7]))]}
    offers = {k: [] for k in ("supplier", "item", "location", "mode", "unit_price", "lead_time", "moq",
                              "order_multiple", "order_cost", "capacity")}
    offer_capacities = draw(st.booleans())
    for i in range(n_items):
        for s, mode in [("S1", "standard"), ("S2", "standard"), ("S2", "express")]:
            if s != "S1" and not draw(st.booleans()):
                continue
            offers["supplier"].append(s)
            offers["item"].append(f"I{i}")
            offers["location"].append("main")
            offers["mode"].append(mode)
            offers["unit_price"].append(draw(st.sampled_from([1.0, 2.0, 3.0])) + (1 if mode == "express" else 0))
            offers["lead_time"].append(0 if mode == "express" else draw(st.integers(0, 2)))
            offers["moq"].append(draw(st.sampled_from([0, 0, 10])))
            offers["order_multiple"].append(draw(st.sampled_from([1, 1, 4])))
            offers["order_cost"].append(draw(st.sampled_from([0, 0, 5])))
            offers["capacity"].append(draw(st.sampled_from([None, 12, 25])) if offer_capacities else None)
    breaks = {"supplier": [], "item": [], "min_quantity": [], "unit_price": [], "mode": []}
    for s, item, mode, price in zip(offers["supplier"], offers["item"], offers["mode"], offers["unit_price"]):
        if mode == "standard" and draw(st.booleans()):
            breaks["supplier"].append(s)
            breaks["item"].append(item)
            breaks["mode"].append(mode)
            breaks["min_quantity"].append(draw(st.sampled_from([12, 30])))
            breaks["unit_price"].append(price * 0.8)
    demand = {"item": [], "location": [], "period": [], "quantity": [], "customer": [], "priority": []}
    for i in range(n_items):
        for loc in locations:
            for t in range(1, T + 1):
                for customer, priority in [("C1", 1), ("C2", draw(st.sampled_from([2, 3.5])))]:
                    qty = draw(st.sampled_from([0, 0, 3, 8, 15]))
                    if qty:
                        for k, v in zip(demand, (f"I{i}", loc, t, qty, customer, priority)):
                            demand[k].append(v)
    if not demand["item"]:
        for k, v in zip(demand, ("I0", "main", 1, 5, "C1", 1)):
            demand[k].append(v)
    tables = dict(items=items, suppliers=suppliers, offers=offers, demand=demand)
    if breaks["item"]:
        tables["price_breaks"] = breaks
    if two_locations:
        tables["transfers"] = {"from_location": ["main"], "to_location": ["branch"], "lead_time": [1],
                               "unit_cost": [0.5], "capacity": [draw(st.sampled_from([None, 10]))], "item": [""]}
        if draw(st.booleans()):  # I0's own row of the lane overrides the all-items row
            for k, v in zip(("from_location", "to_location", "lead_time", "unit_cost", "capacity", "item"),
                            ("main", "branch", 0, 2.0, draw(st.sampled_from([None, 5])), "I0")):
                tables["transfers"][k].append(v)
    if draw(st.booleans()):  # a price change, a promotion, a quota, in one period of one offer
        line = draw(st.integers(0, len(offers["item"]) - 1))
        tables["offer_calendar"] = {**{k: [offers[k][line]] for k in ("supplier", "item", "location", "mode")},
                                    "period": [draw(st.integers(1, T))],
                                    "unit_price": [draw(st.sampled_from([None, 0.5, 6.0]))],
                                    "order_cost": [draw(st.sampled_from([None, 0.0, 20.0]))],
                                    "capacity": [draw(st.sampled_from([None, 0.0, 8.0]))]}
    if draw(st.booleans()):
        tables["backlog"] = {"item": ["I0"], "quantity": [6], "customer": ["C1"], "since_period": [-1]}
    if draw(st.booleans()):
        tables["open_orders"] = {"supplier": ["S1"], "item": ["I0"], "quantity": [7], "arrival_period": [2]}
    if draw(st.booleans()):
        tables["supplier_capacity"] = {"supplier": ["S1"], "period": [1], "capacity": [0]}
    if draw(st.booleans()):
        tables["locations"] = {"location": ["main"], "capacity": [200]}
    settings = {"horizon": T, "end_inventory": draw(st.sampled_from(["safety_stock", "none"]))}
    if draw(st.booleans()):
        settings["budget"] = 150
    return instance(settings, **tables)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances())
def test_every_plan_passes_the_independent_audit(inst):
    plan = replan.solve(inst, mip_gap=1e-6)
    assert plan.status in ("optimal", "infeasible"), plan.kpis
    if plan.status == "optimal":
        assert audit(inst, plan) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances())
def test_the_optimum_is_the_reference_models(inst):
    """replan's optimum is that of the contract written out as a plain MIP (tests/reference.py,
    no code shared), both ways: the model neither cuts off a plan the contract allows nor
    allows one it forbids; and where one finds no plan, neither does the other."""
    expected = optimum(inst)
    for formulation in ("strong", "plain"):
        plan = replan.solve(inst, mip_gap=1e-9, formulation=formulation)
        if expected is None:
            assert plan.status == "infeasible", plan.kpis
        else:
            assert plan.status == "optimal", plan.kpis
            assert plan.objective == pytest.approx(expected, rel=1e-6, abs=1e-6)


@pytest.mark.skipif(len(ENGINES) < 2, reason="needs two engines")
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances())
def test_every_engine_finds_the_same_optimum(inst):
    plans = {name: replan.solve(inst, solver=name, mip_gap=1e-7) for name in ENGINES}
    statuses = {p.status for p in plans.values()}
    assert len(statuses) == 1, {n: p.kpis for n, p in plans.items()}
    if statuses == {"optimal"}:
        objectives = [p.objective for p in plans.values()]
        assert max(objectives) - min(objectives) <= 1e-5 * max(1, abs(objectives[0]))
        for plan in plans.values():
            assert audit(inst, plan) == []


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances(), scale=st.sampled_from([2.0, 10.0]))
def test_order_bounds_cut_off_no_optimum(inst, scale):
    """The data-derived bound on every order line (index._order_bound) must not change the
    optimum. Only that bound is loosened: capacities still cap each line, and a supplier's
    capacity row appears wherever the looser lines could exceed it."""
    derived = index_module._order_bound

    def loosened(instance, offers, need):
        return derived(instance, offers, need) * scale + 5 * offers["order_multiple"].to_numpy()[:, None]

    tight = get_engine("highs").solve(build_model(inst).model, None, 1e-9)
    with mock.patch.object(index_module, "_order_bound", loosened):
        wide = get_engine("highs").solve(build_model(inst).model, None, 1e-9)
    assert tight.status.value == wide.status.value
    if tight.objective is not None:
        assert tight.objective == pytest.approx(wide.objective, rel=1e-6, abs=1e-6)


def _paying_for_nothing(built, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Plan `x` with what an engine stopped early may leave in it: each paid on/off (order
    line, price tier, shipment) turned on where the rows allow it, and shortfalls below
    safety stock raised towards their upper bound; still a plan of the model, dearer."""
    model, v = built.model, built.vars
    x = x.copy()
    for column in np.concatenate([v.order_on[v.order_on >= 0], v.tier_on, v.shipment[v.shipment >= 0]]):
        if x[column] == 0 and rng.random() < 0.5:
            x[column] = 1.0
            if not model.feasible(x):
                x[column] = 0.0
    short = v.shortfall[v.shortfall >= 0]
    x[short] += rng.random(len(short)) * (model.ub[short] - x[short])
    assert model.feasible(x)
    return x


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances(), seed=st.integers(0, 2**32 - 1))
def test_a_plan_is_reported_at_the_cost_of_what_it_does(inst, seed):
    """Whatever plan of the model the engine hands back, the plan reported passes the audit,
    and pays nothing for on/offs that order nothing or for shortfalls its stock does not
    have: the optimum so padded, from an engine that did not prove it, is reported at the
    optimum's cost, and as optimal, since that cost meets the engine's bound."""
    optimum = replan.solve(inst, mip_gap=1e-9)
    rng = np.random.default_rng(seed)
    run = planner._run

    def padded(built, *args, **kwargs):
        result = run(built, *args, **kwargs)
        x = None if result.x is None else _paying_for_nothing(built, built.model.clean(result.x), rng)
        return dataclasses.replace(result, x=x, objective=None if x is None else float(built.model.c @ x),
                                   status=Status.FEASIBLE if result.status == Status.OPTIMAL else result.status)

    with mock.patch.object(planner, "_run", padded):
        plan = replan.solve(inst, mip_gap=1e-9)
    assert plan.status == optimum.status
    if plan.status == "optimal":
        assert audit(inst, plan) == []
        assert plan.objective == pytest.approx(optimum.objective, rel=1e-9, abs=1e-6)
