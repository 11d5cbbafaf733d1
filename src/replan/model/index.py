"""The sparse index of the model: which order lines, tiers, demand classes and moves exist.

Everything is filtered before a variable is created: an order line exists only
for an offer and a period whose arrival falls inside the horizon and that can
order at least one pack; a price tier only where its quantity range is not
empty; a move only on a lane whose arrival falls inside the horizon.

Symbols follow docs/model.md: K stock-keeping units k = (item, location),
T periods, O offers, lines ℓ = (o, t), demand classes c = (k, customer, priority).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..instance import Instance

INF = np.inf
EPS = 1e-9


@dataclass(frozen=True)
class Index:
    """Index tables of one instance; row position = the symbol's number."""

    T: int
    skus: pd.DataFrame        # items table; k = row
    suppliers: pd.DataFrame   # suppliers table; s = row
    offers: pd.DataFrame      # offers + k, s, max_break; o = row
    lines: pd.DataFrame       # o, t, arrival, k, s, price, order_cost, packs_ub, moq_packs, pack
    tiers: pd.DataFrame       # line, lo, hi (units), price
    classes: pd.DataFrame     # k, item, location, customer, priority, lost, backlog
    backlog_lines: pd.DataFrame  # c, since_period, quantity
    demand: np.ndarray        # C × T units due in period t
    window: np.ndarray        # C × T most that may be owed at the end of t (service limit)
    supplier_capacity: np.ndarray  # S × T
    receipts: np.ndarray      # K × T open orders arriving
    lanes: pd.DataFrame       # row (transfers row), item, k_from, k_to, lead_time, unit_cost, capacity
    moves: pd.DataFrame       # lane, t, arrival
    storage: pd.DataFrame     # location, capacity: the locations with a storage limit
    whole: bool               # every input quantity is whole, so the plan's are too

    @property
    def K(self) -> int:
        return len(self.skus)

    @property
    def C(self) -> int:
        return len(self.classes)


def build_index(instance: Instance) -> Index:
    """Derive the model's index sets and data arrays from a validated instance."""
    T = instance.horizon
    skus = instance["items"].reset_index(drop=True)
    sku_of = _lookup(skus, ["item", "location"])
    suppliers = instance["suppliers"].reset_index(drop=True)
    offers = instance["offers"].reset_index(drop=True).copy()
    offers["k"] = sku_of(offers)
    offers["s"] = _lookup(suppliers, ["supplier"])(offers)
    breaks = instance["price_breaks"]
    offers["max_break"] = offers[["supplier", "item", "location", "mode"]].merge(
        breaks.groupby(["supplier", "item", "location", "mode"], as_index=False)["min_quantity"].max(),
        how="left").fillna({"min_quantity": 0.0})["min_quantity"].to_numpy()

    classes, backlog_lines, demand = _classes(instance, skus, sku_of, T)
    supplier_capacity = _supplier_capacity(instance, suppliers, T)
    lanes = _lanes(instance, skus, sku_of)
    need = _need(skus, classes, demand, lanes, T)
    lines = _lines(instance, offers, supplier_capacity, need, T)
    tiers = _tiers(offers, lines, breaks)
    receipts = np.zeros((len(skus), T))
    if len(instance["open_orders"]):
        orders = instance["open_orders"]
        np.add.at(receipts, (sku_of(orders), orders["arrival_period"].to_numpy(int) - 1),
                  orders["quantity"].to_numpy())
    moves = _moves(lanes, T)
    locations = instance["locations"]
    storage = locations.loc[np.isfinite(locations["capacity"].to_numpy(float)),
                            ["location", "capacity"]].reset_index(drop=True)
    return Index(T, skus, suppliers, offers, lines, tiers, classes, backlog_lines, demand,
                 _window(skus, classes, backlog_lines, demand), supplier_capacity, receipts,
                 lanes, moves, storage, _whole(instance))


def _lookup(table: pd.DataFrame, columns: list[str]):
    """A function mapping rows of another frame to row positions of `table` by `columns`."""
    keys = pd.MultiIndex.from_frame(table[columns])

    def positions(frame: pd.DataFrame) -> np.ndarray:
        found = keys.get_indexer(pd.MultiIndex.from_frame(frame[columns]))
        assert (found >= 0).all(), f"unvalidated reference in {columns}"
        return found

    return positions


def _classes(instance: Instance, skus: pd.DataFrame, sku_of, T: int):
    """Demand classes (sku, customer, priority), their demand matrix and backlog lines."""
    key = ["item", "location", "customer", "priority"]
    demand, backlog = instance["demand"], instance["backlog"]
    classes = pd.concat([demand[key], backlog[key]]).drop_duplicates().sort_values(key)
    classes = classes.reset_index(drop=True)
    classes["k"] = sku_of(classes)
    classes["lost"] = skus["lost_sales"].to_numpy(bool)[classes["k"]]
    class_of = _lookup(classes, key)
    matrix = np.zeros((len(classes), T))
    if len(demand):
        np.add.at(matrix, (class_of(demand), demand["period"].to_numpy(int) - 1),
                  demand["quantity"].to_numpy())
    lines = pd.DataFrame({"c": class_of(backlog) if len(backlog) else np.empty(0, int),
                          "since_period": backlog["since_period"].to_numpy(int),
                          "quantity": backlog["quantity"].to_numpy(float)})
    classes["backlog"] = np.bincount(lines["c"], lines["quantity"], minlength=len(classes))
    return classes, lines, matrix


def _window(skus, classes, backlog_lines, demand) -> np.ndarray:
    """Service limit: owed at the end of t ≤ what fell due in the last m periods.

    With first-in first-out service inside a class, the units owed at the end
    of t are the newest ones; none is older than m periods exactly when the
    amount owed is at most the demand of periods t-m+1..t (backlog lines count
    in their `since_period`).
    """
    C, T = demand.shape
    m = skus["max_backorder_periods"].to_numpy(float)[classes["k"].to_numpy(int)]
    window = np.full((C, T), INF)
    limited = np.isfinite(m)
    if not limited.any():
        return window
    cum = np.concatenate([np.zeros((C, 1)), np.cumsum(demand, axis=1)], axis=1)
    t = np.arange(1, T + 1)
    start = np.clip(t[None, :] - m[:, None], 0, T).astype(int)      # periods ≤ t-m excluded
    recent = cum[:, 1:] - np.take_along_axis(cum, start, axis=1)
    # a backlog line counts while t < since_period + m
    owed = np.zeros((C, T + 1))
    if len(backlog_lines):
        c = backlog_lines["c"].to_numpy(int)
        last = backlog_lines["since_period"].to_numpy(float) + m[c] - 1   # last period it counts
        last = np.clip(last, 0, T).astype(int)
        np.add.at(owed, (c, np.zeros_like(c)), backlog_lines["quantity"].to_numpy())
        np.add.at(owed, (c, last), -backlog_lines["quantity"].to_numpy())
    recent += np.cumsum(owed, axis=1)[:, :T]
    window[limited] = recent[limited]
    return window


def _supplier_capacity(instance: Instance, suppliers: pd.DataFrame, T: int) -> np.ndarray:
    capacity = np.repeat(suppliers["capacity"].to_numpy(float)[:, None], T, axis=1)
    overrides = instance["supplier_capacity"]
    if len(overrides):
        s = _lookup(suppliers, ["supplier"])(overrides)
        capacity[s, overrides["period"].to_numpy(int) - 1] = overrides["capacity"].to_numpy()
    return capacity


def _lanes(instance: Instance, skus: pd.DataFrame, sku_of) -> pd.DataFrame:
    """One lane per (transfers row, item): an item row overrides the lane's all-items row."""
    rows = instance["transfers"].reset_index(drop=True).rename_axis("row").reset_index()
    columns = ["row", "item", "from_location", "to_location", "lead_time", "unit_cost", "capacity"]
    specific = rows[rows["item"] != ""]
    general = rows[rows["item"] == ""].drop(columns="item")
    at = skus[["item", "location"]]
    expanded = (general.merge(at.rename(columns={"location": "from_location"}))
                .merge(at.rename(columns={"location": "to_location"})))
    overridden = expanded.merge(specific[["item", "from_location", "to_location"]],
                                how="left", indicator=True)["_merge"].eq("both").to_numpy()
    lanes = pd.concat([specific[columns], expanded.loc[~overridden, columns]], ignore_index=True)
    lanes = lanes.sort_values(["row", "item"]).reset_index(drop=True)
    lanes["k_from"] = sku_of(lanes.rename(columns={"from_location": "location"})) if len(lanes) else []
    lanes["k_to"] = sku_of(lanes.rename(columns={"to_location": "location"})) if len(lanes) else []
    return lanes


def _moves(lanes: pd.DataFrame, T: int) -> pd.DataFrame:
    count = np.clip(T - lanes["lead_time"].to_numpy(int), 0, None)
    lane = np.repeat(np.arange(len(lanes)), count)
    t = _ranges(count) + 1
    return pd.DataFrame({"lane": lane, "t": t,
                         "arrival": t + lanes["lead_time"].to_numpy(int)[lane]})


def _ranges(count: np.ndarray) -> np.ndarray:
    """0..n-1 for each n in `count`, concatenated."""
    count = np.asarray(count, dtype=np.int64)
    starts = np.repeat(np.cumsum(count) - count, count)
    return np.arange(count.sum()) - starts


def _need(skus, classes, demand, lanes, T) -> np.ndarray:
    """K × T: the most units an order arriving at the sku in period a can ever put to use.

    Demand from a on, plus (for backorder items) everything earlier and the
    backlog, which may still be owed at a, plus the safety stock. An item that
    can move between locations pools the need of all its locations.
    """
    K = len(skus)
    per_sku = np.zeros((K, T))
    np.add.at(per_sku, classes["k"].to_numpy(int), demand)
    backlog = np.bincount(classes["k"], classes["backlog"], minlength=K)
    from_a = np.cumsum(per_sku[:, ::-1], axis=1)[:, ::-1]
    total = per_sku.sum(axis=1)
    lost = skus["lost_sales"].to_numpy(bool)
    first = np.zeros(T)
    first[0] = 1.0
    need = np.where(lost[:, None], from_a + backlog[:, None] * first[None, :],
                    (total + backlog)[:, None])
    need += skus["safety_stock"].to_numpy(float)[:, None]
    if len(lanes):
        pooled = skus["item"].isin(set(lanes["item"])).to_numpy()
        item_codes = pd.factorize(skus["item"])[0]
        sums = np.zeros((item_codes.max() + 1, T))
        np.add.at(sums, item_codes, need)
        need = np.where(pooled[:, None], sums[item_codes], need)
    return need


def _lines(instance: Instance, offers: pd.DataFrame, supplier_capacity: np.ndarray,
           need: np.ndarray, T: int) -> pd.DataFrame:
    """Order lines (o, t) with period prices, costs and the tightest valid pack bound."""
    O = len(offers)
    price = np.repeat(offers["unit_price"].to_numpy(float)[:, None], T, axis=1)
    order_cost = np.repeat(offers["order_cost"].to_numpy(float)[:, None], T, axis=1)
    capacity = np.repeat(offers["capacity"].to_numpy(float)[:, None], T, axis=1)
    calendar = instance["offer_calendar"]
    if len(calendar):
        o = _lookup(offers, ["supplier", "item", "location", "mode"])(calendar)
        t = calendar["period"].to_numpy(int) - 1
        for column, matrix in (("unit_price", price), ("order_cost", order_cost),
                               ("capacity", capacity)):
            value = calendar[column].to_numpy(float)
            given = ~np.isnan(value)
            matrix[o[given], t[given]] = value[given]
    lead = offers["lead_time"].to_numpy(int)
    count = np.clip(T - lead, 0, None)
    o = np.repeat(np.arange(O), count)
    t = _ranges(count) + 1
    k, s = offers["k"].to_numpy(int)[o], offers["s"].to_numpy(int)[o]
    arrival = t + lead[o]
    pack = offers["order_multiple"].to_numpy(float)[o]
    moq = offers["moq"].to_numpy(float)[o]
    bound = _order_bound(instance, offers, need)[o, arrival - 1]
    units = np.minimum.reduce([capacity[o, t - 1], supplier_capacity[s, t - 1], bound])
    packs_ub = np.floor(units / pack + EPS)
    moq_packs = np.ceil(moq / pack - EPS)
    lines = pd.DataFrame({"o": o, "t": t, "arrival": arrival, "k": k, "s": s, "pack": pack,
                          "price": price[o, t - 1], "order_cost": order_cost[o, t - 1],
                          "packs_ub": packs_ub, "moq_packs": moq_packs})
    usable = packs_ub >= np.maximum(moq_packs, 1)
    return lines.loc[usable].reset_index(drop=True)


def _order_bound(instance: Instance, offers: pd.DataFrame, need: np.ndarray) -> np.ndarray:
    """O × T: units one order line arriving in period a may hold in some optimal plan.

    An order line above max(need, moq, largest price break) can lose its
    excess packs: it stays at or above its MOQ and in the same price tier, and
    the dropped units were of no use (they could never be served), so nothing
    gets worse. That fails only under `max_share`, where buying more from one
    supplier can allow more from another; there the bound is the need plus
    every offer's largest forced quantity, divided by the smallest share.
    """
    pack = offers["order_multiple"].to_numpy(float)
    floor = np.maximum(offers["moq"].to_numpy(float), offers["max_break"].to_numpy(float))
    bound = np.maximum(need[offers["k"].to_numpy(int)], floor[:, None])
    share = instance["suppliers"]["max_share"].to_numpy(float)[offers["s"].to_numpy(int)]
    frame = pd.DataFrame({"k": offers["k"], "s": offers["s"], "share": share,
                          "forced": np.maximum(floor, pack)})
    per_sku = frame.groupby("k").agg(suppliers=("s", "nunique"), share=("share", "min"),
                                     forced=("forced", "sum"))
    diversified = per_sku[(per_sku["suppliers"] >= 2) & (per_sku["share"] < 1)]
    if len(diversified):
        rows = offers["k"].isin(diversified.index).to_numpy()
        ks = offers.loc[rows, "k"].to_numpy(int)
        pooled = (need[ks, 0] + diversified.loc[ks, "forced"].to_numpy()) / \
            diversified.loc[ks, "share"].to_numpy()
        bound[rows] = pooled[:, None]
    return np.ceil(bound / pack[:, None] - EPS) * pack[:, None]


def _tiers(offers: pd.DataFrame, lines: pd.DataFrame, breaks: pd.DataFrame) -> pd.DataFrame:
    """All-units price tiers per order line: tier 0 the offer's price, then each break.

    A tier covers whole packs from max(its break, moq, one pack) up to one pack
    below the next break; its price scales with the period's price.
    """
    columns = ["line", "lo", "hi", "price"]
    if breaks.empty or lines.empty:
        return pd.DataFrame(columns=columns)
    key = ["supplier", "item", "location", "mode"]
    o_of = _lookup(offers, key)
    table = pd.DataFrame({"o": o_of(breaks), "min_quantity": breaks["min_quantity"].to_numpy(),
                          "break_price": breaks["unit_price"].to_numpy()})
    base = pd.DataFrame({"o": table["o"].unique(), "min_quantity": 0.0, "break_price": np.nan})
    table = pd.concat([base, table]).sort_values(["o", "min_quantity"]).reset_index(drop=True)
    table["next"] = table.groupby("o")["min_quantity"].shift(-1)
    rows = lines.reset_index(names="line")[["line", "o", "price", "pack", "packs_ub", "moq_packs"]]
    tiers = rows.merge(table, on="o")
    offer_price = offers["unit_price"].to_numpy(float)[tiers["o"]]
    scale = np.where(offer_price > 0, tiers["price"] / np.where(offer_price > 0, offer_price, 1), 1.0)
    tiers["price"] = np.where(tiers["break_price"].isna(), tiers["price"],
                              tiers["break_price"] * scale)
    pack = tiers["pack"]
    lo_packs = np.maximum.reduce([np.ceil(tiers["min_quantity"] / pack - EPS), tiers["moq_packs"],
                                  np.ones(len(tiers))])
    hi_packs = np.where(tiers["next"].isna(), tiers["packs_ub"],
                        np.minimum(np.ceil(tiers["next"] / pack - EPS) - 1, tiers["packs_ub"]))
    tiers["lo"], tiers["hi"] = lo_packs * pack, hi_packs * pack
    return tiers.loc[lo_packs <= hi_packs, columns].reset_index(drop=True)


def _whole(instance: Instance) -> bool:
    """Whether every quantity in the input is a whole number of units."""
    quantities = [instance["items"][["initial_inventory", "safety_stock"]],
                  instance["offers"][["moq", "order_multiple", "capacity"]],
                  instance["demand"][["quantity"]], instance["backlog"][["quantity"]],
                  instance["open_orders"][["quantity"]], instance["transfers"][["capacity"]],
                  instance["suppliers"][["capacity"]], instance["supplier_capacity"][["capacity"]],
                  instance["price_breaks"][["min_quantity"]]]
    for frame in quantities:
        values = frame.to_numpy(float).ravel()
        values = values[np.isfinite(values)]
        if (values != np.round(values)).any():
            return False
    return True
