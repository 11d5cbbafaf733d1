"""The independent audit finds what it exists to find: a check that said nothing would let
every "passes the audit" test pass. Each case breaks one rule of a real plan of the demo."""

from __future__ import annotations

import dataclasses
from typing import Callable

import pandas as pd
import pytest

import replan
from audit import audit


@pytest.fixture(scope="module")
def demo() -> tuple[replan.Instance, replan.Plan]:
    inst = replan.load(replan.sample_path("demo"))
    plan = replan.solve(inst, time_limit=8)  # any plan will do: the audit checks it, not its cost
    assert plan.status in ("optimal", "feasible")
    return inst, plan


def changed(plan: replan.Plan, table: str, change: Callable[[pd.DataFrame], None]) -> replan.Plan:
    frame = getattr(plan, table).copy()
    change(frame)
    return dataclasses.replace(plan, **{table: frame})


def first(frame: pd.DataFrame, where: pd.Series, column: str, value) -> None:
    frame.loc[frame.index[where.to_numpy()][0], column] = value


def test_a_plan_as_solved_passes(demo):
    assert audit(*demo) == []


@pytest.mark.parametrize("table, change, finding", [
    ("orders", lambda o: first(o, o.quantity > 1, "quantity", o.quantity[o.quantity > 1].iloc[0] - 0.5),
     "not whole packs"),
    ("orders", lambda o: first(o, o.quantity > 0, "arrival_period", o.arrival_period.iloc[0] + 1), "lead"),
    ("inventory", lambda i: first(i, i.on_hand > 1, "on_hand", i.on_hand[i.on_hand > 1].iloc[0] - 1),
     "balance gives"),
    ("inventory", lambda i: first(i, i.served > 1, "served", i.served[i.served > 1].iloc[0] - 0.5),
     "not whole units"),
    ("fulfillment", lambda f: first(f, f.outcome == "served", "quantity", 0.0), "parts for"),
    ("transfers", lambda t: first(t, t.quantity > 0, "cost", t.cost.iloc[0] + 1), "cost"),
    ("orders", lambda o: first(o, o.quantity > 0, "order_date", pd.Timestamp(o.order_date.iloc[0]) + pd.Timedelta(days=1)),
     "orders.order_date"),
    ("fulfillment", lambda f: f.pop("delay_periods"), "lacks the columns"),
], ids=["pack", "lead time", "balance", "whole units", "every unit due", "transfer cost", "date", "columns"])
def test_a_plan_that_breaks_a_rule_is_found_out(demo, table, change, finding):
    inst, plan = demo
    broken = changed(plan, table, change)
    assert any(finding in problem for problem in audit(inst, broken)), audit(inst, broken)


def test_costs_that_do_not_add_up_are_found_out(demo):
    inst, plan = demo
    kpis = {**plan.kpis, "objective": plan.kpis["objective"] + 1}
    assert "objective is not the sum of the cost buckets" in audit(inst, dataclasses.replace(plan, kpis=kpis))
    costs = {k: v for k, v in plan.kpis["costs"].items() if k != "transfer"}
    assert any("not the contract's buckets" in p for p in audit(inst, dataclasses.replace(plan, kpis={
        **plan.kpis, "costs": costs})))
    costs = {**plan.kpis["costs"], "holding": plan.kpis["costs"]["holding"] + 1}
    kpis = {**plan.kpis, "costs": costs, "objective": plan.kpis["objective"] + 1}
    assert any(p.startswith("cost holding") for p in audit(inst, dataclasses.replace(plan, kpis=kpis)))
