"""What a planner must look at: KPIs and the exceptions list, worst first."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import Problem
from .extract import snap, values
from .model.build import Built
from .model.index import Index
from .model.orders import purchase_terms
from .model.stock import service_cells

SEVERITY = ["critical", "action", "warning", "info"]
COLUMNS = ["severity", "kind", "item", "location", "supplier", "period", "date", "message"]


def fill_rate(fulfillment: pd.DataFrame) -> float:
    """Demand units served in their own period ÷ demand units (backlog lines excluded)."""
    demand = fulfillment[fulfillment["demand_period"] >= 1]
    total = demand["quantity"].sum()
    if total <= 0:
        return 1.0
    on_time = demand.loc[(demand["outcome"] == "served") & (demand["delay_periods"] == 0), "quantity"]
    return float(on_time.sum() / total)


def gap(objective: float, bound: float | None) -> float | None:
    """The relative gap |objective − bound| / |objective| (0 when they agree; None with no bound)."""
    if bound is None:
        return None
    if abs(objective - bound) <= 1e-9:
        return 0.0
    return abs(objective - bound) / max(abs(objective), 1e-9)


def exceptions(rows: list[dict], built: Built | None = None) -> pd.DataFrame:
    """The exceptions table from row dicts, worst first, with dates."""
    frame = pd.DataFrame(rows, columns=COLUMNS)
    if built is not None and len(frame):
        frame["date"] = built.instance.date(frame["period"].astype("float64"))
    return sort_exceptions(frame)


def sort_exceptions(frame: pd.DataFrame) -> pd.DataFrame:
    """Worst first, then by period and item."""
    rank = frame["severity"].map({s: i for i, s in enumerate(SEVERITY)})
    frame = frame.assign(period=frame["period"].astype("Int64"))
    return frame.assign(_rank=rank).sort_values(["_rank", "period", "item"], kind="stable",
                                                na_position="first").drop(columns="_rank") \
        .reset_index(drop=True)


def plan_exceptions(built: Built, x: np.ndarray, orders: pd.DataFrame,
                    inventory: pd.DataFrame) -> list[dict]:
    """Stockouts, orders to place now, and the capacities and budget that bind."""
    rows = [*_stockouts(inventory, built.index.T), *_orders_now(orders),
            *binding_suppliers(built, x), *binding_budget(built, x),
            *_binding_storage(built, inventory)]
    return rows + input_warnings(built.instance.warnings)


def input_warnings(warnings: tuple[Problem, ...]) -> list[dict]:
    return [exception_row("info", "input", message=str(p).replace("expected ", "")) for p in warnings]


def exception_row(severity: str, kind: str, item=None, location=None, supplier=None, period=None,
         message: str = "") -> dict:
    return {"severity": severity, "kind": kind, "item": item, "location": location,
            "supplier": supplier, "period": period, "date": None, "message": message}


def _stockouts(inventory: pd.DataFrame, T: int) -> list[dict]:
    rows = []
    short = inventory[(inventory["backorder"] > 0) | (inventory["lost"] > 0)]
    for (item, location), group in short.groupby(["item", "location"], sort=True):
        first, last = int(group["period"].min()), int(group["period"].max())
        lost = group["lost"].sum()
        peak = group["backorder"].max()
        open_end = group.loc[group["period"] == T, "backorder"].sum()
        parts = []
        if peak > 0:
            parts.append(f"up to {peak:g} units backordered")
        if lost > 0:
            parts.append(f"{lost:g} units lost")
        if open_end > 0:
            parts.append(f"{open_end:g} units still owed at the end of the horizon")
        severity = "critical" if lost > 0 or open_end > 0 else "warning"
        rows.append(exception_row(severity, "stockout", item, location, period=first,
                         message=f"Short in periods {first}–{last}: {', '.join(parts)}."))
    return rows


def _orders_now(orders: pd.DataFrame) -> list[dict]:
    now = orders[orders["order_period"] == 1]
    return [exception_row("action", "order_now", o.item, o.location, o.supplier, 1,
                 f"Place now: {o.quantity:g} units ({o.packs} packs, {o.mode}) of {o.item} "
                 f"from {o.supplier}, arriving in period {o.arrival_period}.")
            for o in now.itertuples()]


def binding_suppliers(built: Built, x: np.ndarray) -> list[dict]:
    index = built.index
    lines = index.lines
    used = np.zeros(index.supplier_capacity.shape)
    np.add.at(used, (lines["s"].to_numpy(int), lines["t"].to_numpy(int) - 1),
              values(x, built.vars.order) * lines["pack"].to_numpy(float))
    cap = index.supplier_capacity
    binding = np.argwhere((cap > 0) & np.isfinite(cap) & (used >= cap - 1e-6))
    names = index.suppliers["supplier"].to_numpy(object)
    return [exception_row("warning", "capacity", supplier=names[s], period=t + 1,
                 message=f"{names[s]} is ordered to its capacity of {cap[s, t]:g} units "
                         f"in period {t + 1}.")
            for s, t in binding]


def binding_budget(built: Built, x: np.ndarray) -> list[dict]:
    limit = built.instance.settings.budget
    if limit is None:
        return []
    t, cols, coefs = purchase_terms(built.index, built.vars)
    spend = np.bincount(t - 1, coefs * values(x, cols), minlength=built.index.T)
    return [exception_row("warning", "budget", period=p + 1,
                 message=f"Purchases in period {p + 1} use the whole budget of {limit:g}.")
            for p in np.flatnonzero(spend >= limit - 1e-6 * max(limit, 1))]


def _binding_storage(built: Built, inventory: pd.DataFrame) -> list[dict]:
    limited = built.index.storage
    if limited.empty:
        return []
    volume = built.index.skus.set_index(["item", "location"])["volume"]
    used = inventory.assign(volume=inventory["on_hand"].to_numpy() *
                            volume.reindex(pd.MultiIndex.from_frame(inventory[["item", "location"]]))
                            .to_numpy()).groupby(["location", "period"])["volume"].sum()
    rows = []
    for loc, cap in zip(limited["location"], limited["capacity"]):
        if loc not in used.index.get_level_values(0):
            continue
        for period, level in used.loc[loc].items():
            if level >= cap - 1e-6:
                rows.append(exception_row("warning", "storage", location=loc, period=int(period),
                                 message=f"Storage at {loc} is full ({snap(np.array(level))[()]:g} "
                                         f"of {cap:g}) at the end of period {period}."))
    return rows


def overdue_backlog(index: Index) -> list[dict]:
    """Backlog lines that have waited longer than `max_backorder_periods` before period 1
    (`since_period` + limit < 1): no plan can keep to the limit, which has to give."""
    lines = index.backlog_lines
    classes = index.classes.iloc[lines["c"].to_numpy(int)].reset_index(drop=True)
    limit = index.skus["max_backorder_periods"].to_numpy(float)[classes["k"].to_numpy(int)]
    late = (lines["since_period"].to_numpy() + limit < 1) & ~classes["lost"].to_numpy(bool) \
        & (lines["quantity"].to_numpy() > 0)
    return [exception_row("critical", "service_limit", cls.item, cls.location, period=1,
                          message=f"{line.quantity:g} units of backlog for {cls.customer}, due in period "
                                  f"{line.since_period}, have waited longer than max_backorder_periods = "
                                  f"{m:g} before period 1: raise the limit.")
            for cls, line, m in zip(classes[late].itertuples(), lines[late].itertuples(), limit[late])]


def violations(built: Built, x: np.ndarray) -> list[dict]:
    """From an elastic solve: each hard limit that has to give, and by how much."""
    rows = []
    blocks = built.model.var_blocks
    index = built.index
    if "service_slack" in blocks:
        slack = snap(x[blocks["service_slack"]])
        cells = service_cells(index, built.vars)
        for (c, t), amount in zip(cells, slack):
            if amount > 0:
                cls = index.classes.iloc[c]
                limit = index.skus["max_backorder_periods"].iat[int(cls["k"])]
                rows.append(exception_row("critical", "service_limit", cls["item"], cls["location"],
                                 period=int(t) + 1,
                                 message=f"{amount:g} units for {cls['customer']} would wait longer "
                                         f"than max_backorder_periods = {limit:g} at the end of "
                                         f"period {t + 1}: raise the limit, or add supply or capacity."))
    if "storage_slack" in blocks:
        slack = snap(x[blocks["storage_slack"]])
        limited = index.storage
        T = index.T
        for i, amount in enumerate(slack):
            if amount > 0:
                loc = limited["location"].iat[i // T]
                rows.append(exception_row("critical", "storage", location=loc, period=i % T + 1,
                                 message=f"Storage at {loc} would need {amount:g} more volume units "
                                         f"at the end of period {i % T + 1}."))
    return rows
