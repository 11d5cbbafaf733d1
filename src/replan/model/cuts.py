"""(l,S) inequalities for lot sizing with backlog, separated from the LP relaxation.

The plain model links an order quantity to its on/off decision by
`x ≤ U·y`, with U the most the line could ever need to order. Its LP
relaxation pays a fraction x/U of every fixed cost and of every MOQ, so its
bound is weak.

The units arriving at sku k come in *pieces*: a line's units q·n[ℓ], or, for
a line with price breaks, each tier's units w[ℓ,j]. A piece X_p arrives in
period a_p and has indicators Y that are 0 only when X_p is: the line's y[ℓ]
or tier's u[ℓ,j], and the supplier's shipment z[s,t] (Y ≡ 1 when it has
none). For any period l and any set S of k's pieces arriving in 1..l:

    Σ_{p∈S} X_p ≤ Σ_{p∈S} D_k(a_p..l)·Y_p + Σ_{a∈A(S)} B_k[a-1] + I[k,l] + R_k(min A(S)..l)

with A(S) the arrival periods of S, B_k[t] what k's classes owe at the end
of t (the backlog lines at t = 0), and R_k the moves out of k shipped in a
period. Valid: let a0 be the first arrival of a piece of S that orders
anything; its Y is 1, so the right side holds D_k(a0..l). All of S arrives
in a0..l, and what arrives then is served (at most B_k[a0-1] plus the demand
D_k(a0..l)), shipped out or still on hand at l.

For any arrival period a of S, the term B_k[a-1] may instead move onto the
indicators of a's pieces, as its upper bound B̄_k[a-1] (the backlog lines
plus the demand of 1..a-1 of k's classes that can owe) times each Y_p: the
proof holds as it is, since a0's piece with Y = 1 brings B̄_k[a0-1] ≥
B_k[a0-1]. Without it a price tier's large minimum breaks the bound: its
LP bought a whole horizon's units at the 600-unit tier's price with
u = 0.03, the owed B_k[a-1] soaking up 600·u − D·u, while a real 600-unit
order must sit in stock; with it, such a tier pays the stock an order of
its minimum holds, in proportion to u (on that item alone, the gap between the LP
and the optimum fell from 13.7% to 1.3%).

With S a single piece these are the singleton (l,S) inequalities of Barany,
Van Roy and Wolsey with the backlog term of Pochet and Wolsey; the whole
family, on uncapacitated lot sizing without backlog, is the convex hull.
There are exponentially many, so they are not written out: `separate`
finds, for every sku and period l, the set S its LP solution breaks most
(exactly, since each arrival period's pieces enter or leave together), and
for every piece its most violated singleton.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .index import Index

TOL = 1e-4
NONE = -1


@dataclass(frozen=True)
class Pieces:
    """Disjoint parts of the units arriving at each sku, one row each."""

    qty: np.ndarray       # column of the quantity (packs or tier units)
    unit: np.ndarray      # units per unit of that column
    on: np.ndarray        # P × 2 columns of its indicators; NONE where it has fewer
    k: np.ndarray         # sku the quantity arrives at
    arrival: np.ndarray   # period it arrives in (1..T)


@dataclass(frozen=True)
class Separator:
    """The data the inequalities need, derived once per model."""

    pieces: Pieces
    T: int
    demand_cum: np.ndarray    # K × (T+1): demand of periods 1..t, all classes
    backlog: np.ndarray       # K: owed at the start (backlog lines)
    owed_most: np.ndarray     # K × (T+1): the most k's classes can owe at the end of t, B̄_k[t]
    owed: pd.DataFrame        # k, t, col: owed variables of k's classes at the end of t
    out: pd.DataFrame         # k, t, col: moves out of k shipped in t
    stock: np.ndarray         # K × T columns of I[k,t]


def separator(index: Index, v) -> Separator:
    """Collect the pieces of `v` (a build's Variables) and the data to test them."""
    lines, T = index.lines, index.T
    k, arrival, pack = (lines[c].to_numpy(int) for c in ("k", "arrival", "pack"))
    z = v.shipment[lines["s"].to_numpy(int), lines["t"].to_numpy(int) - 1]
    tiered = np.zeros(len(lines), bool)
    tier_line = index.tiers["line"].to_numpy(int)
    tiered[tier_line] = True
    plain = np.flatnonzero(~tiered)
    pieces = Pieces(
        qty=np.concatenate([v.order[plain], v.tier_qty]),
        unit=np.concatenate([pack[plain], np.ones(len(tier_line), int)]),
        on=np.column_stack([np.concatenate([v.order_on[plain], v.tier_on]),
                            np.concatenate([z[plain], z[tier_line]])]),
        k=np.concatenate([k[plain], k[tier_line]]),
        arrival=np.concatenate([arrival[plain], arrival[tier_line]]))

    classes = index.classes
    cls_k = classes["k"].to_numpy(int)
    class_cum = np.cumsum(index.demand, axis=1)
    demand_cum = np.zeros((index.K, T + 1))
    np.add.at(demand_cum[:, 1:], cls_k, class_cum)
    backlog = np.bincount(cls_k, classes["backlog"].to_numpy(float), minlength=index.K)
    c, t = np.nonzero(v.owed >= 0)
    owed = pd.DataFrame({"k": cls_k[c], "t": t + 1, "col": v.owed[c, t]})
    owed_most = np.zeros((index.K, T + 1))
    owed_most[:, 0] = backlog
    np.add.at(owed_most, (cls_k[c], t + 1), classes["backlog"].to_numpy(float)[c] + class_cum[c, t])
    moves = index.moves
    out = pd.DataFrame({"k": index.lanes["k_from"].to_numpy(int)[moves["lane"].to_numpy(int)],
                        "t": moves["t"].to_numpy(int), "col": v.move})
    return Separator(pieces, T, demand_cum, backlog, owed_most, owed, out, v.stock)


@dataclass(frozen=True)
class Cuts:
    """Inequalities as data: cut r is the sku `k[r]` up to period `last[r]`, over the pieces
    `members.p` with their chosen indicator column `members.on` (NONE: Y ≡ 1); `members.most`
    where the piece's arrival period has its owed term B_k[a-1] as B̄_k[a-1]·Y_p."""

    k: np.ndarray
    last: np.ndarray
    members: pd.DataFrame    # r, p, on, most


def separate(sep: Separator, x: np.ndarray, limit: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """The inequalities `x` violates most: the best set per sku and period, and the best
    singleton per piece, each group at most `limit`.

    Returns (A, hi): rows A·x ≤ hi over all of the model's columns.
    """
    levels = _levels(sep, x)
    found = [c for c in (_sets(sep, x, levels, limit), _singletons(sep, x, levels, limit))
             if len(c.k)]
    if not found:
        return sp.csr_matrix((0, len(x))), np.empty(0)
    blocks = [rows(sep, c, len(x)) for c in found]
    return sp.vstack([A for A, _ in blocks], format="csr"), np.concatenate([hi for _, hi in blocks])


def _indicator(sep: Separator, x: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For pieces `p`: the indicator column with the lower LP value (NONE if none) and that value."""
    on = sep.pieces.on[p]
    value = np.where(on >= 0, x[np.maximum(on, 0)], np.inf)
    pick = value.argmin(axis=1)
    col = on[np.arange(len(p)), pick]
    return col, np.where(col >= 0, value[np.arange(len(p)), pick], 1.0)


@dataclass(frozen=True)
class Levels:
    """What the LP solution holds per sku at the end of each period t = 0..T (K × (T+1))."""

    owed: np.ndarray      # owed by k's classes (the backlog lines at t = 0)
    out_cum: np.ndarray   # moves out of k shipped in 1..t
    stock: np.ndarray     # on hand (0 at t = 0: the opening stock is not a variable)


def _levels(sep: Separator, x: np.ndarray) -> Levels:
    K, T = len(sep.backlog), sep.T
    owed = _per_period(sep.owed, x, K, T)
    owed[:, 0] = sep.backlog
    return Levels(owed, np.cumsum(_per_period(sep.out, x, K, T), axis=1),
                  np.concatenate([np.zeros((K, 1)), x[sep.stock]], axis=1))


def _held(levels: Levels, k: np.ndarray, a: np.ndarray) -> np.ndarray:
    """len(k) × (T+1): I[k,l] + R_k(a..l) for every l (meaningful for l ≥ a)."""
    return levels.stock[k] + levels.out_cum[k] - levels.out_cum[k, a - 1][:, None]


def _demand(sep: Separator, k: np.ndarray, a: np.ndarray) -> np.ndarray:
    """len(k) × (T+1): D_k(a..l) for every l (0 for l < a)."""
    return np.maximum(sep.demand_cum[k] - sep.demand_cum[k, a - 1][:, None], 0.0)


def _singletons(sep: Separator, x: np.ndarray, levels: Levels, limit: int) -> Cuts:
    """Per piece with a fractional indicator, its most violated singleton inequality."""
    s = sep.pieces
    col, y = _indicator(sep, x, np.arange(len(s.qty)))
    qty = x[s.qty] * s.unit
    pick = np.flatnonzero((col >= 0) & (y > 1e-6) & (y < 1 - 1e-6) & (qty > 1e-6))
    if not len(pick):
        return _no_cuts()
    k, a = s.k[pick], s.arrival[pick]
    owed, most = levels.owed[k, a - 1][:, None], sep.owed_most[k, a - 1][:, None] * y[pick, None]
    slack = _demand(sep, k, a) * y[pick, None] + np.minimum(owed, most) + _held(levels, k, a)
    l = np.arange(sep.T + 1)[None, :]
    violation = np.where(l >= a[:, None], qty[pick, None] - slack, -np.inf)
    best = violation.argmax(axis=1)
    worst = violation[np.arange(len(pick)), best]
    keep = np.flatnonzero(worst > TOL * np.maximum(1.0, qty[pick]))
    keep = keep[np.argsort(-worst[keep])][:limit]
    r = np.arange(len(keep))
    return Cuts(k[keep], best[keep], pd.DataFrame({"r": r, "p": pick[keep], "on": col[pick[keep]],
                                                   "most": (most < owed)[keep, 0]}))


def _sets(sep: Separator, x: np.ndarray, levels: Levels, limit: int) -> Cuts:
    """Per sku k and period l, the set S of pieces that maximises the violation.

    A piece p gains v_p = X_p − D_k(a_p..l)·Y_p; an arrival period a enters S
    (with its pieces of positive gain) when their gains exceed B_k[a-1], or
    when, with B̄_k[a-1]·Y_p taken off each gain instead, those gains are
    positive, whichever gains more. The moves term R_k(min A(S)..l) is left
    out of the choice (it only lowers a violation), then counted in the
    violation that decides.
    """
    s, T = sep.pieces, sep.T
    qty = x[s.qty] * s.unit
    p = np.flatnonzero(qty > 1e-6)
    if not len(p):
        return _no_cuts()
    col, y = _indicator(sep, x, p)
    k, a = s.k[p], s.arrival[p]
    l = np.arange(T + 1)[None, :]
    late = l >= a[:, None]
    demand = _demand(sep, k, a) * y[:, None]
    gain = np.where(late, np.maximum(qty[p, None] - demand, 0), 0)
    gain_most = np.where(late, np.maximum(qty[p, None] - demand - (sep.owed_most[k, a - 1] * y)[:, None], 0), 0)
    _, first, group = np.unique(k * (T + 2) + a, return_index=True, return_inverse=True)
    g_k, g_a = k[first], a[first]
    g_gain, g_most = np.zeros((len(first), T + 1)), np.zeros((len(first), T + 1))
    np.add.at(g_gain, group, gain)
    np.add.at(g_most, group, gain_most)
    K = len(sep.backlog)
    g_gain -= levels.owed[g_k, g_a - 1][:, None]
    use_most = g_most > g_gain
    g_gain = np.maximum(g_gain, g_most)
    g_in = (g_gain > 1e-9) & (l >= g_a[:, None])
    total = np.zeros((K, T + 1))
    np.add.at(total, g_k, np.where(g_in, g_gain, 0.0))
    first_a = np.full((K, T + 1), T + 1)
    np.minimum.at(first_a, g_k, np.where(g_in, g_a[:, None], T + 1))
    start = np.minimum(first_a, T) - 1
    violation = (total - levels.stock
                 - (levels.out_cum - np.take_along_axis(levels.out_cum, start, axis=1)))
    size = np.zeros((K, T + 1))
    np.add.at(size, k, np.where(l >= a[:, None], qty[p, None], 0.0))
    ck, cl = np.nonzero((first_a <= T) & (violation > TOL * np.maximum(1.0, size)))
    order = np.argsort(-violation[ck, cl])[:limit]
    ck, cl = ck[order], cl[order]
    if not len(ck):
        return _no_cuts()
    # members: the pieces of positive gain in the chosen arrival periods of each cut
    pairs = pd.DataFrame({"r": np.arange(len(ck)), "k": ck}).merge(
        pd.DataFrame({"i": np.arange(len(p)), "k": k}), on="k")
    r, i = pairs["r"].to_numpy(), pairs["i"].to_numpy()
    most = use_most[group[i], cl[r]]
    keep = g_in[group[i], cl[r]] & (np.where(most, gain_most[i, cl[r]], gain[i, cl[r]]) > 0)
    members = pd.DataFrame({"r": r[keep], "p": p[i[keep]], "on": col[i[keep]], "most": most[keep]})
    return Cuts(ck, cl, members)


def _no_cuts() -> Cuts:
    empty = np.empty(0, int)
    return Cuts(empty, empty, pd.DataFrame({"r": empty, "p": empty, "on": empty, "most": empty.astype(bool)}))


def _per_period(terms: pd.DataFrame, x: np.ndarray, K: int, T: int) -> np.ndarray:
    """Σ x[col] per (k, t) as a K × (T+1) array."""
    grid = np.zeros((K, T + 1))
    np.add.at(grid, (terms["k"].to_numpy(int), terms["t"].to_numpy(int)), x[terms["col"].to_numpy(int)])
    return grid


def rows(sep: Separator, cuts: Cuts, n: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """The inequalities `cuts` as sparse rows A·x ≤ hi over `n` columns."""
    s = sep.pieces
    m = cuts.members
    r, p, on = m["r"].to_numpy(int), m["p"].to_numpy(int), m["on"].to_numpy(int)
    most = m["most"].to_numpy(bool)
    k, last = cuts.k[r], cuts.last[r]
    a = s.arrival[p]
    demand = sep.demand_cum[k, last] - sep.demand_cum[k, a - 1] + np.where(most, sep.owed_most[k, a - 1], 0.0)
    arrivals = pd.DataFrame({"r": r, "k": k, "t": a - 1})
    periods = arrivals[~most].drop_duplicates()
    owed = periods.merge(sep.owed, on=["k", "t"])
    first = arrivals.groupby("r")["t"].min() + 1
    cut = pd.DataFrame({"r": first.index, "k": cuts.k[first.index], "a": first.to_numpy(),
                        "l": cuts.last[first.index]})
    out = cut.merge(sep.out, on="k")
    out = out[(out["t"] >= out["a"]) & (out["t"] <= out["l"])]
    count = len(cuts.k)
    has = on >= 0
    rows_ = np.concatenate([r, r[has], np.arange(count), owed["r"], out["r"]])
    cols = np.concatenate([s.qty[p], on[has], sep.stock[cuts.k, cuts.last - 1], owed["col"], out["col"]])
    vals = np.concatenate([s.unit[p].astype(float), -demand[has], -np.ones(count),
                           -np.ones(len(owed)), -np.ones(len(out))])
    A = sp.csr_matrix((vals, (rows_, cols)), shape=(count, n))
    A.sum_duplicates()
    at_start = periods[periods["t"] == 0]
    hi = (np.bincount(r[~has], demand[~has], minlength=count).astype(float)
          + np.bincount(at_start["r"].to_numpy(int), sep.backlog[at_start["k"].to_numpy(int)],
                        minlength=count))
    return A, hi
