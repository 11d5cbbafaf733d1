"""Split an instance into independent parts, and join the parts' plans into one.

Two item-locations are linked when a decision for one can change what is
best or allowed for the other: they share a supplier with a capacity or an
order cost, a location with a storage limit, a transfer lane (the same item
at both ends, or any items on a lane row with a capacity), or a budget. The
connected components of that graph have no constraint and no cost in
common, so solving them one by one gives an optimal plan of the whole, and
a bound that is the sum of theirs. Small components are packed into parts of
about `PART_SIZE` item-locations, so that a thousand one-item components do
not cost a thousand solver starts.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from . import report
from .instance import Instance
from .model.index import Index
from .plan import Plan

PART_SIZE = 100
"""Item-locations per part when small components are packed together."""
SKU = ["item", "location"]
STATUS_ORDER = ("optimal", "feasible", "infeasible", "error")


def components(index: Index, budget: float | None, suppliers: bool = True) -> np.ndarray:
    """The component number of every item-location (row of `index.skus`).

    With `suppliers` False, suppliers link nothing (see `split`).
    """
    K = index.K
    if budget is not None or K == 0:
        return np.zeros(K, int)
    # graph nodes: item-locations 0..K-1, then suppliers, locations and lane rows as hubs
    offers, vendors = index.offers, index.suppliers
    linking = (np.isfinite(index.supplier_capacity).any(axis=1)
               | (vendors["order_cost"].to_numpy(float) > 0)) & suppliers
    pairs = [offers.loc[linking[offers["s"].to_numpy(int)], ["k", "s"]].to_numpy(int)
             + [0, K]]
    locations = index.skus["location"].to_numpy()
    stored = np.isin(locations, index.storage["location"].to_numpy())
    codes = pd.factorize(locations)[0]
    pairs.append(np.column_stack([np.flatnonzero(stored), K + len(vendors) + codes[stored]]))
    lanes = index.lanes
    pairs.append(lanes[["k_from", "k_to"]].to_numpy(int))
    hub = K + len(vendors) + codes.max() + 1 + lanes["row"].to_numpy(int)
    capped = np.isfinite(lanes["capacity"].to_numpy(float))
    pairs.append(np.column_stack([lanes["k_from"].to_numpy(int)[capped], hub[capped]]))
    edges = np.concatenate([p.reshape(-1, 2) for p in pairs])
    n = int(max(edges.max(initial=0), K - 1)) + 1
    graph = sp.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    return pd.factorize(label[:K])[0]


def parts(component: np.ndarray, size: int | None = None) -> list[np.ndarray]:
    """Item-location rows grouped into parts: big components alone, small ones packed.

    Smallest part first: each part gets the time left in proportion to its
    size, and one that finishes early leaves its time to the next, while a
    large part that overruns its share cannot starve the small ones after it.
    """
    size = size or PART_SIZE
    members = pd.Series(np.arange(len(component))).groupby(component).agg(list)
    members = sorted(members, key=len, reverse=True)
    groups: list[list[int]] = []
    for rows in members:
        if groups and len(groups[-1]) + len(rows) <= size and len(rows) < size:
            groups[-1].extend(rows)
        else:
            groups.append(list(rows))
    return [np.sort(np.asarray(g, int)) for g in reversed(groups)]


def subset(instance: Instance, rows: np.ndarray) -> Instance:
    """The instance restricted to item-location rows `rows` of its items table.

    Supplier, location and settings tables are kept whole; all-items
    transfer rows are kept (they only apply where both ends exist).
    """
    keep = instance["items"].iloc[rows][SKU]
    tables = {}
    for name, frame in instance.tables.items():
        if {"item", "location"} <= set(frame.columns):
            frame = frame.merge(keep, on=SKU, how="inner")
        elif name == "transfers":
            items = set(keep["item"])
            frame = frame[(frame["item"] == "") | frame["item"].isin(items)]
        tables[name] = frame
    return Instance.create(tables, instance.settings, [])


def _messages(plans: list[Plan]) -> str:
    """The parts' messages, each once, with how many parts it came from where they differ: a
    bare "Optimal" beside a feasible plan's message read as the whole's."""
    counts = Counter(p.kpis["message"] for p in plans if p.kpis["message"])
    if len(counts) < 2:
        return next(iter(counts), "")
    return "; ".join(f"{message} ({n} of {len(plans)} parts)" for message, n in counts.items())


def join(instance: Instance, plans: list[Plan], seconds: float, unpaid: float = 0.0,
         mip_gap: float | None = None) -> Plan:
    """One plan of the whole from the plans of its parts.

    Costs, objective and bound add up (a part without a bound adds 0, a valid
    bound as costs are never negative); the gap is the whole's. `unpaid`, the
    supplier order costs the parts' plans share but did not pay in full
    (`split.unpaid_shipments`), is added to the ordering cost. Given
    `mip_gap`, the whole is optimal if its gap is within it, else feasible:
    a part left 1.3% from its bound beside one at 0.9% that holds most of the
    cost still leaves the whole within 1%. Without it, the status is the
    worst part's. An infeasible or failed part makes the whole so, with the
    exceptions of every part.
    """
    status = max((p.status for p in plans), key=STATUS_ORDER.index)
    first = plans[0].kpis
    kpis = {**first, "status": status, "solve_seconds": round(seconds, 3),
            "build_seconds": round(sum(p.kpis["build_seconds"] for p in plans), 3),
            "input_digest": instance.digest, "parts": len(plans),
            "message": _messages(plans)}
    warnings = report.input_warnings(instance.warnings)
    exceptions = pd.concat([p.exceptions for p in plans] + [report.exceptions(warnings)],
                           ignore_index=True)
    exceptions = report.sort_exceptions(exceptions)
    if status in ("infeasible", "error"):
        kpis.update(objective=None, bound=None, mip_gap=None, costs=None, fill_rate=None,
                    backorder_unit_periods=None)
        return Plan(kpis, exceptions)
    tables = {name: pd.concat([getattr(p, name) for p in plans], ignore_index=True)
              for name in ("orders", "inventory", "fulfillment", "transfers")}
    costs = {bucket: float(sum(p.kpis["costs"][bucket] for p in plans)) for bucket in first["costs"]}
    costs["ordering"] = float(np.round(costs["ordering"] + unpaid, 6))
    objective = float(sum(costs.values()))
    # a part that proved no bound counts 0: every cost is ≥ 0, so 0 bounds any part from below
    bound = float(min(sum(p.kpis["bound"] or 0.0 for p in plans), objective))
    gap = report.gap(objective, bound)
    if mip_gap is not None:  # proven within the gap or not, whatever each part's own gap
        kpis["status"] = "optimal" if gap <= mip_gap else "feasible"
    kpis.update(objective=objective, bound=bound, mip_gap=gap, costs=costs,
                fill_rate=report.fill_rate(tables["fulfillment"]),
                backorder_unit_periods=float(tables["inventory"]["backorder"].sum()))
    return Plan(kpis, exceptions, **{name: _ordered(name, frame) for name, frame in tables.items()})


def _ordered(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A joined table in the order one solve would give: by item and location, then time."""
    keys = {"orders": ["item", "location", "order_period", "supplier", "mode"],
            "inventory": ["item", "location", "period"],
            "fulfillment": ["item", "location", "customer", "priority", "demand_period"],
            "transfers": ["item", "from_location", "ship_period"]}[name]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)
