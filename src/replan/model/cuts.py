"""(l,S) inequalities for lot sizing with backlog, separated from the LP relaxation.

The plain model links an order quantity to its on/off decision by
`x ≤ U·y`, with U the most the line could ever need to order. Its LP
relaxation pays a fraction x/U of every fixed cost and of every MOQ, so its
bound is weak. For an order quantity X (a line's units q·n[ℓ], or a price
tier's units w[ℓ,j]) whose indicator Y (y[ℓ], u[ℓ,j] or the supplier's
shipment z[s,t]) is 0 only when X is, arriving at sku k in period a, and any
later period l ≥ a:

    X ≤ D_k(a..l)·Y + Σ_c B[c,a-1] + I[k,l] + Σ_{moves out of k shipped in a..l} r

Valid: with Y = 0, X = 0 and the right side is ≥ 0; with Y = 1, the units
arriving in a..l are served (at most what was owed at a-1 plus the demand
D_k(a..l)), shipped out, or still on hand at l. These are the singleton
(l,S) inequalities of Barany, Van Roy and Wolsey, with the backlog term of
Pochet and Wolsey; on uncapacitated lot sizing without backlog their full
family gives the facility-location relaxation. There are lines × T of them,
so they are not written out: `separate` finds the ones the LP solution breaks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .index import Index

TOL = 1e-4


@dataclass(frozen=True)
class Setups:
    """Every (quantity, indicator) pair the inequalities apply to, one row each."""

    qty: np.ndarray       # column of the quantity (packs or tier units)
    unit: np.ndarray      # units per unit of that column
    on: np.ndarray        # column of the indicator
    k: np.ndarray         # sku the quantity arrives at
    arrival: np.ndarray   # period it arrives in (1..T)


@dataclass(frozen=True)
class Separator:
    """The data the inequalities need, derived once per model."""

    setups: Setups
    T: int
    demand_cum: np.ndarray    # K × (T+1): demand of periods 1..t, all classes
    backlog: np.ndarray       # K: owed at the start (backlog lines)
    owed: pd.DataFrame        # k, t, col: owed variables of k's classes at the end of t
    out: pd.DataFrame         # k, t, col: moves out of k shipped in t
    stock: np.ndarray         # K × T columns of I[k,t]


def separator(index: Index, v) -> Separator:
    """Collect the setups of `v` (a build's Variables) and the data to test them."""
    lines, T = index.lines, index.T
    k, arrival, pack = (lines[c].to_numpy(int) for c in ("k", "arrival", "pack"))
    parts = []
    on = v.order_on >= 0
    parts.append((v.order[on], pack[on], v.order_on[on], k[on], arrival[on]))
    if len(index.tiers):
        line = index.tiers["line"].to_numpy(int)
        parts.append((v.tier_qty, np.ones(len(line), int), v.tier_on, k[line], arrival[line]))
    z = v.shipment[lines["s"].to_numpy(int), lines["t"].to_numpy(int) - 1]
    has = z >= 0
    parts.append((v.order[has], pack[has], z[has], k[has], arrival[has]))
    setups = Setups(*(np.concatenate([p[i] for p in parts]) for i in range(5)))

    classes = index.classes
    cls_k = classes["k"].to_numpy(int)
    demand_cum = np.zeros((index.K, T + 1))
    np.add.at(demand_cum[:, 1:], cls_k, np.cumsum(index.demand, axis=1))
    backlog = np.bincount(cls_k, classes["backlog"].to_numpy(float), minlength=index.K)
    c, t = np.nonzero(v.owed >= 0)
    owed = pd.DataFrame({"k": cls_k[c], "t": t + 1, "col": v.owed[c, t]})
    moves = index.moves
    out = pd.DataFrame({"k": index.lanes["k_from"].to_numpy(int)[moves["lane"].to_numpy(int)],
                        "t": moves["t"].to_numpy(int), "col": v.move})
    return Separator(setups, T, demand_cum, backlog, owed, out, v.stock)


def separate(sep: Separator, x: np.ndarray, limit: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """The inequalities `x` violates most (at most one per setup, at most `limit`).

    Returns (A, hi): rows A·x ≤ hi over all of the model's columns.
    """
    s, T = sep.setups, sep.T
    y = x[s.on]
    qty = x[s.qty] * s.unit
    pick = np.flatnonzero((y > 1e-6) & (y < 1 - 1e-6) & (qty > 1e-6))
    if not len(pick):
        return sp.csr_matrix((0, len(x))), np.empty(0)
    k, a, y, qty = s.k[pick], s.arrival[pick], y[pick], qty[pick]
    owed = _per_period(sep.owed, x, len(sep.backlog), T)           # K × (T+1), column 0 unused
    owed[:, 0] = sep.backlog
    out_cum = np.cumsum(_per_period(sep.out, x, len(sep.backlog), T), axis=1)
    stock = np.concatenate([np.zeros((len(sep.backlog), 1)), x[sep.stock]], axis=1)
    l = np.arange(T + 1)[None, :]
    slack = ((sep.demand_cum[k] - sep.demand_cum[k, a - 1][:, None]) * y[:, None]
             + owed[k, a - 1][:, None] + stock[k] + out_cum[k] - out_cum[k, a - 1][:, None])
    violation = np.where(l >= a[:, None], qty[:, None] - slack, -np.inf)
    best = violation.argmax(axis=1)
    worst = violation[np.arange(len(pick)), best]
    keep = np.flatnonzero(worst > TOL * np.maximum(1.0, qty))
    keep = keep[np.argsort(-worst[keep])][:limit]
    return _rows(sep, pick[keep], best[keep], len(x))


def _per_period(terms: pd.DataFrame, x: np.ndarray, K: int, T: int) -> np.ndarray:
    """Σ x[col] per (k, t) as a K × (T+1) array."""
    grid = np.zeros((K, T + 1))
    np.add.at(grid, (terms["k"].to_numpy(int), terms["t"].to_numpy(int)), x[terms["col"].to_numpy(int)])
    return grid


def _rows(sep: Separator, which: np.ndarray, last: np.ndarray, n: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """The inequalities of setups `which`, each up to its period `last`, as sparse rows."""
    s = sep.setups
    k, a = s.k[which], s.arrival[which]
    r = np.arange(len(which))
    demand = sep.demand_cum[k, last] - sep.demand_cum[k, a - 1]
    cuts = pd.DataFrame({"r": r, "k": k, "a": a, "l": last})
    owed = cuts.merge(sep.owed, on="k")
    owed = owed[owed["t"] == owed["a"] - 1]
    out = cuts.merge(sep.out, on="k")
    out = out[(out["t"] >= out["a"]) & (out["t"] <= out["l"])]
    rows = np.concatenate([r, r, r, owed["r"], out["r"]])
    cols = np.concatenate([s.qty[which], s.on[which], sep.stock[k, last - 1], owed["col"], out["col"]])
    vals = np.concatenate([s.unit[which].astype(float), -demand, -np.ones(len(r)),
                           -np.ones(len(owed)), -np.ones(len(out))])
    A = sp.csr_matrix((vals, (rows, cols)), shape=(len(r), n))
    A.sum_duplicates()
    return A, np.where(a == 1, sep.backlog[k], 0.0)
