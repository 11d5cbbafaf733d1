"""What-if scenarios: change a copy of the input tables, and compare two plans.

The changes work on the contract's input tables as DataFrames (the app's
edited tables, or an analyst's), and return new tables; nothing is changed
in place. `compare` puts two plans side by side: costs, service, the orders
that differ and the promise dates that move.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import pandas as pd

from .plan import Plan

Tables = Mapping[str, pd.DataFrame]


def shut_supplier(tables: Tables, supplier: str, first: int, last: int) -> dict[str, pd.DataFrame]:
    """`supplier` takes no orders placed in periods `first`..`last` (a holiday, a disruption)."""
    closed = pd.DataFrame({"supplier": supplier, "period": range(first, last + 1), "capacity": 0})
    current = tables.get("supplier_capacity", pd.DataFrame(columns=["supplier", "period", "capacity"]))
    kept = current[~((current["supplier"].astype(str) == supplier)
                     & pd.to_numeric(current["period"], errors="coerce").between(first, last))]
    return {**tables, "supplier_capacity": pd.concat([kept, closed], ignore_index=True)}


def scale_demand(tables: Tables, factor: float, items: list[str] | None = None,
                 first: int | None = None, last: int | None = None) -> dict[str, pd.DataFrame]:
    """Demand × `factor` for `items` (all when None) in periods `first`..`last` (all when None),
    rounded to whole units."""
    demand = tables["demand"].copy()
    period = pd.to_numeric(demand["period"], errors="coerce")
    hit = pd.Series(True, index=demand.index)
    if items is not None:
        hit &= demand["item"].astype(str).isin(items)
    if first is not None:
        hit &= period >= first
    if last is not None:
        hit &= period <= last
    quantity = pd.to_numeric(demand["quantity"], errors="coerce")
    demand["quantity"] = quantity.where(~hit, (quantity * factor).round()).astype(quantity.dtype)
    return {**tables, "demand": demand}


def drop_mode(tables: Tables, mode: str) -> dict[str, pd.DataFrame]:
    """Offers (and their price breaks and calendar rows) of delivery mode `mode` withdrawn."""
    changed = dict(tables)
    for name in ("offers", "price_breaks", "offer_calendar"):
        if name in tables and "mode" in tables[name].columns:
            frame = tables[name]
            changed[name] = frame[frame["mode"].fillna("standard").astype(str) != mode].reset_index(drop=True)
    return changed


@dataclass(frozen=True)
class Comparison:
    """Two plans side by side."""

    kpis: pd.DataFrame      # measure, a, b, change
    orders: pd.DataFrame    # order lines whose quantity differs: keys, quantity_a, quantity_b
    promises: pd.DataFrame  # late customer lines whose promise moved: keys, promise_a, promise_b


ORDER_KEY = ["supplier", "item", "location", "mode", "order_period"]
LINE_KEY = ["item", "location", "customer", "priority", "demand_period"]


def compare(a: Plan, b: Plan) -> Comparison:
    """Costs by bucket, total, fill rate and backorders; changed orders; moved promise dates."""
    rows = [("total cost", a.objective, b.objective)]
    for bucket in (a.kpis.get("costs") or {}):
        rows.append((f"cost: {bucket}", a.kpis["costs"][bucket], (b.kpis.get("costs") or {}).get(bucket)))
    rows += [("fill rate", a.kpis.get("fill_rate"), b.kpis.get("fill_rate")),
             ("backorder unit-periods", a.kpis.get("backorder_unit_periods"),
              b.kpis.get("backorder_unit_periods"))]
    kpis = pd.DataFrame(rows, columns=["measure", "a", "b"])
    kpis["change"] = pd.to_numeric(kpis["b"]) - pd.to_numeric(kpis["a"])
    return Comparison(kpis, _orders(a, b), _promises(a, b))


def _orders(a: Plan, b: Plan) -> pd.DataFrame:
    empty = pd.DataFrame(columns=ORDER_KEY + ["quantity"])
    left = (a.orders if a.orders is not None else empty)[ORDER_KEY + ["quantity"]]
    right = (b.orders if b.orders is not None else empty)[ORDER_KEY + ["quantity"]]
    both = left.merge(right, on=ORDER_KEY, how="outer", suffixes=("_a", "_b"))
    both[["quantity_a", "quantity_b"]] = both[["quantity_a", "quantity_b"]].fillna(0)
    return both[both["quantity_a"] != both["quantity_b"]].sort_values(ORDER_KEY).reset_index(drop=True)


def _promises(a: Plan, b: Plan) -> pd.DataFrame:
    """Customer lines late in either plan whose completion period differs (blank: not complete)."""
    def completion(plan: Plan) -> pd.DataFrame:
        parts = plan.fulfillment
        if parts is None or parts.empty:
            return pd.DataFrame(columns=LINE_KEY + ["promise", "late"])
        parts = parts.assign(done=parts["fulfilled_period"].where(parts["outcome"] == "served"),
                             late=(parts["outcome"] != "served") | (parts["delay_periods"] > 0))
        lines = parts.groupby(LINE_KEY, as_index=False).agg(
            promise=("done", "max"), missing=("done", lambda d: d.isna().any()), late=("late", "any"))
        lines.loc[lines["missing"], "promise"] = float("nan")
        return lines.drop(columns="missing")

    both = completion(a).merge(completion(b), on=LINE_KEY, how="outer", suffixes=("_a", "_b"))
    late = both["late_a"].fillna(False).astype(bool) | both["late_b"].fillna(False).astype(bool)
    moved = both["promise_a"].fillna(-1) != both["promise_b"].fillna(-1)
    return (both[late & moved].drop(columns=["late_a", "late_b"])
            .sort_values(LINE_KEY).reset_index(drop=True))
