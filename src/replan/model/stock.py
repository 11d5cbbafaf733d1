"""Constraint families of stock and service: balances, backorders, safety stock, storage.

Symbols (docs/model.md): on hand I[k,t] ≥ 0 at the end of t; for demand
class c of sku k, owed B[c,t] ≥ 0 (backorder items), lost L[c,t] ≥ 0
(lost-sales items) and served s[c,t] ≥ 0; shortfall e[k,t] below safety stock.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .index import Index
from .linear import LinearModel

VIOLATION = "violation"


def inventory_balance(model: LinearModel, index: Index, v) -> None:
    """I[k,t] = I[k,t-1] + Σ_ℓ→k,t q_ℓ·n[ℓ] + open[k,t] + Σ r_in[t-L] − Σ r_out[t] − Σ_c s[c,t].

    I[k,0] is the initial inventory; an order placed in t with lead time L
    arrives at the start of t+L and can serve that period's demand.
    """
    K, T = index.K, index.T
    rhs = index.receipts.copy()
    rhs[:, 0] += index.skus["initial_inventory"].to_numpy(float)
    rows = model.rows(K * T, lo=rhs.ravel(), hi=rhs.ravel())
    cell = np.arange(K * T).reshape(K, T)
    rows.add(cell, v.stock, 1.0)
    rows.add(cell[:, 1:], v.stock[:, :-1], -1.0)
    lines = index.lines
    arrive = lines["k"].to_numpy(int) * T + lines["arrival"].to_numpy(int) - 1
    rows.add(arrive, v.order, -lines["pack"].to_numpy())
    moves, lanes = index.moves, index.lanes
    lane = moves["lane"].to_numpy(int)
    rows.add(lanes["k_to"].to_numpy(int)[lane] * T + moves["arrival"].to_numpy(int) - 1, v.move, -1.0)
    rows.add(lanes["k_from"].to_numpy(int)[lane] * T + moves["t"].to_numpy(int) - 1, v.move, 1.0)
    rows.add(cell[index.classes["k"].to_numpy(int)], v.serve, 1.0)
    model.add_rows("inventory_balance", rows)


def backlog_balance(model: LinearModel, index: Index, v) -> None:
    """B[c,t] = B[c,t-1] + d[c,t] − s[c,t] − L[c,t],  B[c,0] = the class's backlog lines.

    A backorder class has no L; a lost-sales class has no B (what is not
    served in its period is lost; so is backlog not served in period 1).
    Which classes are served first is the backorder allocation.
    """
    C, T = index.C, index.T
    rhs = index.demand.copy()
    rhs[:, 0] += index.classes["backlog"].to_numpy(float)
    rows = model.rows(C * T, lo=rhs.ravel(), hi=rhs.ravel())
    cell = np.arange(C * T).reshape(C, T)
    rows.add(cell, v.serve, 1.0)
    owed = v.owed >= 0
    rows.add(cell[owed], v.owed[owed], 1.0)
    previous = owed[:, :-1]
    rows.add(cell[:, 1:][previous], v.owed[:, :-1][previous], -1.0)
    lost = v.lost >= 0
    rows.add(cell[lost], v.lost[lost], 1.0)
    model.add_rows("backlog_balance", rows)


def holding_and_service_costs(model: LinearModel, index: Index, v) -> None:
    """holding h_k·I[k,t]; backorder b_k·π_c·B[c,t]; lost sales λ_k·π_c·(L[c,t] + B[c,T]).

    Units still owed at the end of the horizon pay the lost-sale cost on top
    of their last backorder cost: the plan leaves them unserved.
    """
    skus, classes = index.skus, index.classes
    model.add_cost("holding", v.stock, np.repeat(skus["holding_cost"].to_numpy(float)[:, None],
                                                 index.T, axis=1))
    k = classes["k"].to_numpy(int)
    priority = classes["priority"].to_numpy(float)
    backorder = (skus["backorder_cost"].to_numpy(float)[k] * priority)[:, None]
    lost_cost = (skus["lost_sale_cost"].to_numpy(float)[k] * priority)[:, None]
    owed, lost = v.owed >= 0, v.lost >= 0
    model.add_cost("backorder", v.owed[owed], np.broadcast_to(backorder, owed.shape)[owed])
    model.add_cost("lost_sales", v.lost[lost], np.broadcast_to(lost_cost, lost.shape)[lost])
    end = owed[:, -1]
    model.add_cost("lost_sales", v.owed[end, -1], lost_cost[end, 0])


def safety_stock(model: LinearModel, index: Index, v) -> None:
    """I[k,t] + e[k,t] ≥ ss_k, cost p_k·e[k,t], for t = 1..T (1..T−1 with end_inventory none)."""
    k, t, target = _shortfall_cells(index, v)
    r = np.arange(len(k))
    model.add_rows("safety_stock", model.rows(len(r), lo=target).add(r, v.stock[k, t], 1.0)
                   .add(r, v.shortfall[k, t], 1.0))
    model.add_cost("safety_stock", v.shortfall[k, t],
                   index.skus["safety_stock_penalty"].to_numpy(float)[k])


def exact_shortfall(index: Index, v, x: np.ndarray) -> np.ndarray:
    """Plan `x` with each shortfall e[k,t] made what the stock falls short of the safety
    stock, max(0, ss_k − I[k,t]). The same stock, cheaper, and a plan of the model still
    (its rows ask only I + e ≥ ss; the cut rounds' rows are valid for every plan); an engine
    stopped by its time limit can leave e above it (SCIP on the 80-item generated instance,
    16.8 units over 12 cells), and the plan's costs then count a shortfall that its stock
    does not have."""
    x = x.copy()
    k, t, target = _shortfall_cells(index, v)
    x[v.shortfall[k, t]] = np.maximum(target - x[v.stock[k, t]], 0.0)
    return x


def _shortfall_cells(index: Index, v) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sku k and period index t of each shortfall column e[k,t], and k's safety stock."""
    cells = np.argwhere(v.shortfall >= 0)
    k, t = cells[:, 0], cells[:, 1]
    return k, t, index.skus["safety_stock"].to_numpy(float)[k]


def storage(model: LinearModel, index: Index, v, elastic: bool) -> None:
    """Σ_{k at l} volume_k · I[k,t] ≤ capacity_l, for every location with a capacity and t.

    Rows (and, elastic, slacks) are ordered location by location, then period.
    """
    limited = index.storage
    if limited.empty:
        return
    where = pd.Index(limited["location"]).get_indexer(index.skus["location"])
    k = np.flatnonzero(where >= 0)
    T = index.T
    cap = np.repeat(limited["capacity"].to_numpy(float), T)
    rows = model.rows(len(cap), hi=cap)
    row = where[k][:, None] * T + np.arange(T)[None, :]
    rows.add(row, v.stock[k], index.skus["volume"].to_numpy(float)[k][:, None])
    if elastic:
        slack = model.add_vars("storage_slack", len(cap))
        rows.add(np.arange(len(cap)), slack, -1.0)
        model.add_cost(VIOLATION, slack, 1.0)
    model.add_rows("storage", rows)


def service_cells(index: Index, v) -> np.ndarray:
    """(class, period) pairs under a service limit: the rows of the elastic service block."""
    return np.argwhere((v.owed >= 0) & np.isfinite(index.window))


def service_limit(model: LinearModel, index: Index, v, elastic: bool) -> None:
    """B[c,t] ≤ W[c,t]: no unit waits more than max_backorder_periods (index._window).

    A plain upper bound on B, set when the variables are made. In the elastic
    model it becomes a row with a priced slack, so that the smallest
    violation names the demand that cannot be met in time.
    """
    if not elastic:
        return
    cells = service_cells(index, v)
    c, t = cells[:, 0], cells[:, 1]
    r = np.arange(len(cells))
    slack = model.add_vars("service_slack", len(cells))
    model.add_rows("service_limit", model.rows(len(r), hi=index.window[c, t])
                   .add(r, v.owed[c, t], 1.0).add(r, slack, -1.0))
    model.add_cost(VIOLATION, slack, 1.0)
