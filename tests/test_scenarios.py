"""What-if changes on the input tables, and two plans side by side, on cases worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

import replan
from conftest import solved
from replan import scenarios

ITEM = {"item": ["A"], "holding_cost": [1.0], "backorder_cost": [10.0]}


def tables(**extra: dict) -> dict[str, pd.DataFrame]:
    """One item; a cheap supplier C (1.00) and a dear one D (2.00), both lead time 0, standard
    and, for C, an express mode (1.50); 10 due in each of periods 1 to 3."""
    base = {"items": ITEM,
            "suppliers": {"supplier": ["C", "D"]},
            "offers": {"supplier": ["C", "C", "D"], "item": ["A"] * 3, "mode": ["standard", "express", "standard"],
                       "unit_price": [1.0, 1.5, 2.0], "lead_time": [0, 0, 0]},
            "demand": {"item": ["A"] * 3, "period": [1, 2, 3], "quantity": [10, 10, 10]}}
    return {name: pd.DataFrame(columns) for name, columns in {**base, **extra}.items()}


def plan(frames: dict[str, pd.DataFrame]) -> replan.Plan:
    return solved(replan.from_tables(frames, {"start_date": "2026-01-05"}))


def test_a_supplier_shut_takes_no_orders_in_its_window_and_keeps_its_other_rows():
    before = tables(supplier_capacity={"supplier": ["C", "C"], "period": [2, 3], "capacity": [4, 20]})
    shut = scenarios.shut_supplier(before, "C", 1, 2)
    assert shut["supplier_capacity"].sort_values("period").to_dict("list") == {
        "supplier": ["C", "C", "C"], "period": [1, 2, 3], "capacity": [0, 0, 20]}
    assert before["supplier_capacity"]["capacity"].tolist() == [4, 20]  # nothing changed in place
    # periods 1 and 2 from D at 2.00 (held stock costs 1 a period: not worth buying early from C)
    orders = plan(shut).orders
    assert orders.groupby("order_period")["supplier"].apply(set).to_dict() == {1: {"D"}, 2: {"D"}, 3: {"C"}}


def test_demand_scales_for_the_items_and_periods_asked_in_whole_units():
    frames = tables()
    frames["demand"] = pd.DataFrame({"item": ["A", "A", "A", "B"], "period": [1, 2, 3, 2],
                                     "quantity": [10, 10, 10, 5]})
    scaled = scenarios.scale_demand(frames, 1.26, items=["A"], first=2, last=3)
    assert scaled["demand"]["quantity"].tolist() == [10, 13, 13, 5]
    assert scenarios.scale_demand(frames, 0.5)["demand"]["quantity"].tolist() == [5, 5, 5, 2]  # 2.5: to even
    assert frames["demand"]["quantity"].tolist() == [10, 10, 10, 5]


def test_a_mode_dropped_takes_its_price_breaks_and_calendar_rows_with_it():
    key = {"supplier": ["C", "C"], "item": ["A", "A"], "mode": ["express", "standard"]}
    frames = tables(price_breaks={**key, "min_quantity": [5, 5], "unit_price": [1.4, 0.9]},
                    offer_calendar={**key, "period": [1, 1], "unit_price": [1.2, 0.8]})
    dropped = scenarios.drop_mode(frames, "express")
    for name in ("offers", "price_breaks", "offer_calendar"):
        assert "express" not in set(dropped[name]["mode"]), name
    assert len(dropped["price_breaks"]) == len(dropped["offer_calendar"]) == 1
    # C's standard offer is capped at 5 a period: without express, the rest comes from D
    frames["offers"]["capacity"] = [5, None, None]
    with_express, without = plan(frames), plan(scenarios.drop_mode(frames, "express"))
    assert set(with_express.orders["mode"]) == {"standard", "express"}
    assert set(without.orders["supplier"]) == {"C", "D"} and set(without.orders["mode"]) == {"standard"}


def test_two_plans_side_by_side_show_the_cost_the_orders_and_the_promises_that_move():
    frames = tables()
    a = plan(frames)
    changed = scenarios.drop_mode(frames, "express")
    b = plan(scenarios.shut_supplier(scenarios.shut_supplier(changed, "D", 1, 3), "C", 1, 1))
    # a: C standard, 10 a period at 1.00 = 30. b: C is shut in period 1 and D always, so
    # period 1's 10 units wait: 20 ordered in period 2 (10 owed one period: 100) and 10 in 3.
    assert (a.objective, b.objective) == (pytest.approx(30), pytest.approx(130))
    compared = scenarios.compare(a, b)
    kpis = compared.kpis.set_index("measure")
    assert kpis.loc["total cost", "change"] == pytest.approx(100)
    assert kpis.loc["cost: backorder", "b"] == pytest.approx(100)
    assert kpis.loc["backorder unit-periods", ["a", "b"]].tolist() == [0, 10]
    assert compared.orders[["order_period", "quantity_a", "quantity_b"]].to_numpy().tolist() == [
        [1, 10, 0], [2, 10, 20]]
    promise = compared.promises.iloc[0]
    assert len(compared.promises) == 1 and (promise.demand_period, promise.promise_a, promise.promise_b) == (1, 1, 2)
