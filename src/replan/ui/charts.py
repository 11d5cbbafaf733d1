"""Altair charts of a plan; each takes the plan's tables and returns a chart."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..plan import Plan


def cost_buckets(plans: dict[str, Plan]) -> alt.Chart:
    """Cost per bucket, one bar per plan (scenarios side by side)."""
    rows = [{"scenario": name, "bucket": bucket, "cost": value}
            for name, plan in plans.items() for bucket, value in (plan.kpis.get("costs") or {}).items()]
    data = pd.DataFrame(rows, columns=["scenario", "bucket", "cost"])
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("cost:Q", title="cost", axis=alt.Axis(format=",.0f")),
        y=alt.Y("bucket:N", title=None, sort="-x"),
        yOffset="scenario:N", color=alt.Color("scenario:N", legend=alt.Legend(orient="bottom")),
        tooltip=["scenario", "bucket", alt.Tooltip("cost:Q", format=",.2f")],
    ).properties(height=alt.Step(14))


def item_profile(plan: Plan, item: str, location: str) -> alt.LayerChart:
    """On hand, backorder and safety stock over time (lines), receipts (bars), for one item-location."""
    inv = plan.inventory
    inv = inv[(inv["item"] == item) & (inv["location"] == location)]
    lines = inv.melt(id_vars=["date"], value_vars=["on_hand", "backorder", "safety_stock"],
                     var_name="measure", value_name="units")
    line = alt.Chart(lines).mark_line(point=True).encode(
        x=alt.X("date:T", title="week"), y=alt.Y("units:Q"),
        color=alt.Color("measure:N", scale=alt.Scale(domain=["on_hand", "backorder", "safety_stock"],
                                                     range=["#1f77b4", "#d62728", "#7f7f7f"])),
        strokeDash=alt.condition("datum.measure == 'safety_stock'", alt.value([4, 3]), alt.value([1, 0])),
        tooltip=["date:T", "measure", "units"])
    bars = alt.Chart(inv).mark_bar(opacity=0.35, color="#2ca02c").encode(
        x="date:T", y="receipts:Q", tooltip=["date:T", "receipts", "demand"])
    return alt.layer(bars, line).properties(height=280)


def supplier_mix(plan: Plan) -> alt.Chart:
    """Units ordered per item, split by supplier and mode."""
    orders = plan.orders.assign(source=plan.orders["supplier"] + " · " + plan.orders["mode"])
    data = orders.groupby(["item", "source"], as_index=False)["quantity"].sum()
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("sum(quantity):Q", stack="normalize", title="share of units ordered",
                axis=alt.Axis(format="%")),
        y=alt.Y("item:N", title=None), color=alt.Color("source:N", title="supplier · mode"),
        tooltip=["item", "source", "quantity"],
    ).properties(height=alt.Step(16))


def spend(plan: Plan) -> alt.Chart:
    """Purchase spend per supplier and order week."""
    data = plan.orders.groupby(["supplier", "order_date"], as_index=False)["cost"].sum()
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("order_date:T", title="order week"), y=alt.Y("cost:Q", title="spend", stack=True),
        color="supplier:N", tooltip=["supplier", "order_date:T", alt.Tooltip("cost:Q", format=",.2f")],
    ).properties(height=260)


def forecast(history: pd.DataFrame, forecast: pd.DataFrame, item: str, location: str) -> alt.LayerChart:
    """Demand history (stockout weeks marked), the forecast and its interval, for one item-location."""
    past = history[(history["item"] == item) & (history["location"] == location)]
    ahead = forecast[(forecast["item"] == item) & (forecast["location"] == location)]
    x = alt.X("date:T", title="week")
    band = alt.Chart(ahead).mark_area(opacity=0.25, color="#ff7f0e").encode(
        x=x, y=alt.Y("lower:Q", title="units"), y2="upper:Q",
        tooltip=["date:T", "lower", "upper"])
    line = alt.Chart(ahead).mark_line(color="#ff7f0e").encode(
        x=x, y="forecast:Q", tooltip=["date:T", "forecast", "method"])
    sold = alt.Chart(past).mark_line(color="#1f77b4").encode(
        x=x, y="demand:Q", tooltip=["date:T", "sales", "demand", "stockout"])
    short = alt.Chart(past[past["stockout"]]).mark_point(color="#d62728", filled=True).encode(
        x=x, y="sales:Q", tooltip=["date:T", "sales", "demand"])
    return alt.layer(band, sold, short, line).properties(height=300)
