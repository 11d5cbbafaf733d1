"""Optima from the literature: the published example of Wagner and Whitin, and capacitated
lot sizing against the facility-location model (Krarup and Bilde), solved independently."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pulp
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import replan
from conftest import instance, solved

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from lotsizing import clsp_tables, facility_location  # noqa: E402

# Wagner and Whitin (1958), "Dynamic version of the economic lot size model", Management
# Science 5(1): twelve months, a set-up cost that changes by month, holding cost 1.
WW_DEMAND = [69, 29, 36, 61, 61, 26, 34, 67, 45, 67, 79, 56]
WW_SETUP = [85, 102, 102, 101, 98, 114, 105, 86, 119, 110, 98, 114]


def test_wagner_whitin_example_reaches_its_published_optimum(engine):
    # the paper's optimum: 864, ordering in months 1, 3, 5, 8, 10 and 11 (the only optimum)
    months = list(range(1, 13))
    plan = solved(instance(
        items={"item": ["A"], "holding_cost": [1], "backorder_cost": [1000], "max_backorder_periods": [0]},
        suppliers={"supplier": ["S"]},
        offers={"supplier": ["S"], "item": ["A"], "unit_price": [0], "lead_time": [0]},
        offer_calendar={"supplier": ["S"] * 12, "item": ["A"] * 12, "period": months, "order_cost": WW_SETUP},
        demand={"item": ["A"] * 12, "period": months, "quantity": WW_DEMAND}), engine)
    assert plan.objective == pytest.approx(864)
    assert plan.orders.order_period.tolist() == [1, 3, 5, 8, 10, 11]
    assert plan.orders.quantity.tolist() == [98, 97, 121, 112, 67, 135]


@st.composite
def capacitated(draw):
    """A small CLSP in the contract's tables (`lotsizing.clsp_tables`), with a capacity
    that binds in some weeks yet lets every demand be met when due."""
    items, weeks = draw(st.integers(1, 3)), draw(st.integers(2, 6))
    demand = np.array(draw(st.lists(st.lists(st.integers(0, 30), min_size=weeks, max_size=weeks),
                                    min_size=items, max_size=items).filter(lambda d: np.any(d))))
    total = demand.sum(axis=0)
    least = int(np.ceil(max(np.cumsum(total) / np.arange(1, weeks + 1))))
    capacity = draw(st.integers(max(least, 1), max(least, int(total.max()), 1)))
    costs = st.lists(st.integers(1, 5), min_size=items, max_size=items)
    setups = st.lists(st.integers(0, 100), min_size=items, max_size=items)
    tables = clsp_tables(demand, np.array(draw(costs)), np.array(draw(setups)), capacity)
    return tables, weeks


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(capacitated())
@example((clsp_tables(np.array([[1, 0]]), np.array([1]), np.array([0]), 1), 2))  # optimum 0, no demand in week 2
def test_capacitated_lot_sizing_reaches_the_facility_location_optimum(case):
    tables, weeks = case
    reference = facility_location(tables, weeks)
    reference.solve(pulp.PULP_CBC_CMD(msg=False))
    assert pulp.LpStatus[reference.status] == "Optimal"
    plan = solved(replan.from_tables(tables, {"horizon": weeks, "start_date": "2026-01-05"}))
    # PuLP writes an objective whose every cost is 0 as 0·__dummy, a column with no value
    optimum = pulp.value(reference.objective) or 0.0
    assert plan.objective == pytest.approx(optimum, abs=1e-6)
