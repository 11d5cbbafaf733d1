"""Read a solution back onto the data's keys: the contract's output tables.

Every value comes from the solution vector through the index tables that
made the variables; nothing is parsed back from names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .model.build import Built

TOL = 1e-6


def values(x: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The solution value of every column in `cols` (0 where the column is -1)."""
    out = np.where(cols >= 0, x[np.maximum(cols, 0)], 0.0) if cols.size else np.zeros(cols.shape)
    return snap(out)


def snap(a: np.ndarray) -> np.ndarray:
    """Round solver noise away: values within TOL of a whole number become whole."""
    rounded = np.round(a)
    return np.where(np.abs(a - rounded) < TOL, rounded, np.round(a, 6)) + 0.0


def orders(built: Built, x: np.ndarray) -> pd.DataFrame:
    """orders.csv: one row per order line that orders, with the price that applies."""
    index, v, inst = built.index, built.vars, built.instance
    lines = index.lines
    packs = values(x, v.order)
    price = lines["price"].to_numpy(float).copy()
    tiers = index.tiers
    if len(tiers):
        chosen = values(x, v.tier_on) > 0.5
        price[tiers["line"].to_numpy(int)[chosen]] = tiers["price"].to_numpy(float)[chosen]
    on = packs > 0
    offer = index.offers.iloc[lines["o"].to_numpy(int)[on]].reset_index(drop=True)
    quantity = packs[on] * lines["pack"].to_numpy(float)[on]
    frame = pd.DataFrame({
        "supplier": offer["supplier"], "item": offer["item"], "location": offer["location"],
        "mode": offer["mode"], "order_period": lines["t"].to_numpy(int)[on],
        "arrival_period": lines["arrival"].to_numpy(int)[on], "quantity": snap(quantity),
        "packs": packs[on].astype(int), "unit_price": price[on],
    })
    frame["cost"] = snap(frame["quantity"] * frame["unit_price"])
    frame.insert(5, "order_date", inst.date(frame["order_period"]))
    frame.insert(7, "arrival_date", inst.date(frame["arrival_period"]))
    return frame.sort_values(["order_period", "supplier", "item", "location", "mode"],
                             ignore_index=True)


def transfers(built: Built, x: np.ndarray) -> pd.DataFrame:
    """transfers.csv: one row per move that ships."""
    index, inst = built.index, built.instance
    qty = values(x, built.vars.move)
    on = qty > 0
    moves = index.moves[on]
    lane = index.lanes.iloc[moves["lane"].to_numpy(int)].reset_index(drop=True)
    frame = pd.DataFrame({
        "item": lane["item"], "from_location": lane["from_location"],
        "to_location": lane["to_location"], "ship_period": moves["t"].to_numpy(int),
        "arrival_period": moves["arrival"].to_numpy(int), "quantity": qty[on],
    })
    frame["cost"] = snap(frame["quantity"] * lane["unit_cost"].to_numpy(float))
    frame.insert(4, "ship_date", inst.date(frame["ship_period"]))
    frame.insert(6, "arrival_date", inst.date(frame["arrival_period"]))
    return frame.sort_values(["ship_period", "item", "from_location", "to_location"],
                             ignore_index=True)


def inventory(built: Built, x: np.ndarray) -> pd.DataFrame:
    """inventory.csv: every item, location and period, with the flows that explain on hand."""
    index, v = built.index, built.vars
    K, T = index.K, index.T
    lines, moves, lanes = index.lines, index.moves, index.lanes
    receipts = index.receipts.copy()
    np.add.at(receipts, (lines["k"].to_numpy(int), lines["arrival"].to_numpy(int) - 1),
              values(x, v.order) * lines["pack"].to_numpy(float))
    moved = values(x, v.move)
    lane = moves["lane"].to_numpy(int)
    t_in, t_out = np.zeros((K, T)), np.zeros((K, T))
    np.add.at(t_in, (lanes["k_to"].to_numpy(int)[lane], moves["arrival"].to_numpy(int) - 1), moved)
    np.add.at(t_out, (lanes["k_from"].to_numpy(int)[lane], moves["t"].to_numpy(int) - 1), moved)
    k = index.classes["k"].to_numpy(int)

    def per_sku(matrix: np.ndarray) -> np.ndarray:
        out = np.zeros((K, T))
        np.add.at(out, k, matrix)
        return snap(out)

    skus = index.skus
    frame = pd.DataFrame({
        "item": np.repeat(skus["item"].to_numpy(object), T),
        "location": np.repeat(skus["location"].to_numpy(object), T),
        "period": np.tile(np.arange(1, T + 1), K),
        "receipts": snap(receipts).ravel(), "transfers_in": t_in.ravel(),
        "transfers_out": t_out.ravel(), "demand": per_sku(index.demand).ravel(),
        "served": per_sku(values(x, v.serve)).ravel(), "on_hand": values(x, v.stock).ravel(),
        "backorder": per_sku(values(x, v.owed)).ravel(), "lost": per_sku(values(x, v.lost)).ravel(),
        "safety_stock": np.repeat(skus["safety_stock"].to_numpy(float), T),
    })
    frame.insert(3, "date", built.instance.date(frame["period"]))
    return frame


def fulfillment(built: Built, x: np.ndarray) -> pd.DataFrame:
    """fulfillment.csv: each demand or backlog line split into parts by outcome, first in first out.

    Within a class, demand lines queue by the period they fell due; each
    period's service takes from the front of the queue, then (lost-sales
    items) what is lost; whatever is left at the end is open. Queue and
    consumption are laid end to end as cumulative sums, so one merge of their
    breakpoints cuts every line into its parts at once.
    """
    index, v = built.index, built.vars
    C, T = index.C, index.T
    due = pd.concat([
        pd.DataFrame({"c": index.backlog_lines["c"].to_numpy(int),
                      "period": index.backlog_lines["since_period"].to_numpy(int),
                      "quantity": index.backlog_lines["quantity"].to_numpy(float)}),
        pd.DataFrame({"c": np.repeat(np.arange(C), T), "period": np.tile(np.arange(1, T + 1), C),
                      "quantity": index.demand.ravel()}),
    ])
    due = due[due["quantity"] > 0].sort_values(["c", "period"], kind="stable", ignore_index=True)
    served, lost = values(x, v.serve), values(x, v.lost)
    events = pd.DataFrame({
        "c": np.repeat(np.arange(C), 2 * T), "period": np.tile(np.repeat(np.arange(1, T + 1), 2), C),
        "outcome": np.tile(["served", "lost"], C * T),
        "quantity": np.stack([served, lost], axis=2).ravel(),
    })
    total = np.bincount(due["c"], due["quantity"], minlength=C)
    used = np.bincount(events["c"], events["quantity"], minlength=C)
    rest = pd.DataFrame({"c": np.arange(C), "period": T + 1, "outcome": "open",
                         "quantity": np.clip(total - used, 0, None)})
    events = pd.concat([events, rest]).query("quantity > 0")
    events = events.sort_values(["c", "period"], kind="stable", ignore_index=True)
    due_end, event_end = np.cumsum(due["quantity"]), np.cumsum(events["quantity"])
    cuts = np.unique(np.concatenate([[0.0], due_end, event_end]))
    length = np.diff(cuts)
    middle = cuts[:-1] + length / 2
    keep = length > TOL
    d = np.searchsorted(due_end.to_numpy(), middle[keep])
    e = np.searchsorted(event_end.to_numpy(), middle[keep])
    valid = (d < len(due)) & (e < len(events))
    d, e, qty = d[valid], e[valid], length[keep][valid]
    parts = pd.DataFrame({"c": due["c"].to_numpy()[d], "demand_period": due["period"].to_numpy()[d],
                          "outcome": events["outcome"].to_numpy()[e],
                          "period": events["period"].to_numpy()[e], "quantity": qty})
    parts = parts.groupby(["c", "demand_period", "outcome", "period"], as_index=False,
                          sort=False)["quantity"].sum()
    classes = index.classes.iloc[parts["c"].to_numpy(int)].reset_index(drop=True)
    done = parts["outcome"] == "served"
    fulfilled = parts["period"].where(done).astype("Int64")
    frame = pd.DataFrame({
        "item": classes["item"], "location": classes["location"], "customer": classes["customer"],
        "priority": classes["priority"], "demand_period": parts["demand_period"],
        "demand_date": built.instance.date(parts["demand_period"]),
        "quantity": snap(parts["quantity"].to_numpy()), "outcome": parts["outcome"],
        "fulfilled_period": fulfilled,
        "fulfilled_date": built.instance.date(fulfilled.astype("float64")),
        "delay_periods": (fulfilled - parts["demand_period"]).astype("Int64"),
    })
    return frame.sort_values(["item", "location", "customer", "priority", "demand_period"],
                             kind="stable", ignore_index=True)
