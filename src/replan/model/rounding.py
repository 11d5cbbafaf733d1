"""Mixed-integer rounding (MIR) of the least each order can bring, over a sku's periods a..l.

The (l,S) inequalities (`cuts`) bound what arrives at a sku from above, by the demand;
what they leave is the lower bounds. A price tier's units are at least its minimum
(w ≥ lo·u), a line with an MOQ brings at least that (q·n ≥ ⌈moq/q⌉·q·y), and any other
line whole packs (q·n): each piece p of `cuts.Pieces` brings at least α_p·Y_p, with Y_p a
whole number (`least`, `whole`). Over periods a..l, what arrives at sku k is served (at
most what was owed at a−1 and the demand), shipped out or still on hand at l, beside the
open orders and the stock at a−1, of which at least F_k[a−1] − e[k,a−1] is still there:

    Σ_{p arriving in a..l} α_p·Y_p − s ≤ b,   b = N_k(a..l) − F_k[a−1],
    s = B_k[a−1] + I[k,l] + R_k(a..l) + e[k,a−1] ≥ 0

(N_k the demand less the open orders, not cut at 0 here; F_k and e as in the safety-stock
form of `cuts`, the opening stock at a = 1). The MIR inequality of that row with divisor δ
(Marchand and Wolsey 2001), f = b/δ − ⌊b/δ⌋ > 0, holds for every plan:

    Σ_p δ(1−f)·G(α_p/δ)·Y_p − s ≤ δ(1−f)·⌊b/δ⌋,   G(q) = ⌊q⌋ + max(0, q − ⌊q⌋ − f)/(1−f)

Over one period it is the singleton (l,S) inequality; over several it counts how many
minimums the demand can take. Demand 180 a week and a 240-unit tier, δ = 240: over
two weeks b = 360, f = 0.5, and I[k,l] ≥ 120·(u_1 + u_2 − 1) when nothing is owed, 60
where the LP buys 180 a week at u = 0.75 and, by the singletons, holds 45. On the
200-item benchmark's largest part four rounds of both families raised the LP bound by
6,933 over five rounds of (l,S) inequalities, four more rounds of (l,S) alone by 3,603.

`separate` tries, for each piece the LP leaves fractional, δ = its α_p and a = its
arrival, every l ≥ a, with every piece of its sku arriving in a..l in the row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .cuts import TOL, Levels, Separator, held, levels, same_sku

FRACTION = 1e-6
"""A whole-number column's LP value this close to a whole number is whole."""
CHUNK = 2_000_000
"""At most this many (candidate, piece, period) terms at a time."""


def separate(sep: Separator, x: np.ndarray, limit: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """The MIR inequalities `x` violates most, at most `limit`: per fractional piece (its sku,
    arrival a and δ = α_p), the period l it is violated most in. Returns (A, hi): A·x ≤ hi."""
    s = sep.pieces
    y = x[s.whole]
    frac = np.abs(y - np.round(y)) > FRACTION
    cand = pd.DataFrame({"k": s.k[frac], "a": s.arrival[frac], "d": s.least[frac]})
    cand = cand[cand["d"] > 0].drop_duplicates().reset_index(drop=True)
    if cand.empty:
        return sp.csr_matrix((0, len(x))), np.empty(0)
    lv = levels(sep, x)
    found = [_violated(sep, lv, y, cand.iloc[lo:lo + step]) for lo, step in _chunks(sep, cand)]
    c = np.concatenate([f[0] for f in found])
    l = np.concatenate([f[1] for f in found])
    violation = np.concatenate([f[2] for f in found])
    keep = np.flatnonzero(violation > TOL * np.maximum(1.0, cand["d"].to_numpy(float)[c]))
    keep = keep[np.argsort(-violation[keep])][:limit]
    return rows(sep, cand["k"].to_numpy(int)[c[keep]], cand["a"].to_numpy(int)[c[keep]],
                l[keep], cand["d"].to_numpy(float)[c[keep]], len(x))


def _chunks(sep: Separator, cand: pd.DataFrame) -> list[tuple[int, int]]:
    """Slices of the candidates whose (candidate, piece, period) terms stay near `CHUNK`."""
    per_sku = np.bincount(sep.pieces.k, minlength=len(sep.backlog))
    cost = np.cumsum(per_sku[cand["k"].to_numpy(int)] * (sep.T + 1))
    starts = np.searchsorted(cost, np.arange(0, cost[-1], CHUNK), side="right")
    bounds = np.unique(np.concatenate([[0], starts, [len(cand)]]))
    return [(lo, hi - lo) for lo, hi in zip(bounds[:-1], bounds[1:]) if hi > lo]


def _divided(sep: Separator, k: np.ndarray, a: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each (k, a, δ) and every period l (rows × (T+1)): ⌊b/δ⌋ and f, with b = N_k(a..l) − F_k[a−1]."""
    T = sep.T
    b = sep.net_cum[k] - sep.net_cum[k, a - 1][:, None] - sep.floor[k, a - 1][:, None]
    beta = b / d[:, None]
    whole = np.floor(beta)
    f = np.where(np.arange(T + 1)[None, :] >= a[:, None], beta - whole, 0.0)
    return whole, f


def _coefficient(alpha: np.ndarray, d: np.ndarray, f: np.ndarray) -> np.ndarray:
    """δ(1−f)·G(α/δ) for pieces `alpha` (rows) and their candidates' δ and f (rows × periods)."""
    q = (alpha / d)[:, None]
    lower = np.floor(q)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = lower + np.where(f < 1 - FRACTION, np.maximum(0.0, q - lower - f) / (1 - f), 0.0)
    return d[:, None] * (1 - f) * g


def _violated(sep: Separator, lv: Levels, y: np.ndarray, cand: pd.DataFrame):
    """Per candidate of `cand` (its row in the whole list), the period l of its most
    violated inequality at the LP solution (`lv`, and `y` its whole-number columns) and
    that violation."""
    s, T = sep.pieces, sep.T
    k, a, d = (cand[c].to_numpy() for c in ("k", "a", "d"))
    whole, f = _divided(sep, k, a, d)
    c, p = same_sku(k, s.k)
    later = (s.arrival[p] >= a[c]) & (y[p] > FRACTION)
    c, p = c[later], p[later]
    coef = _coefficient(s.least[p], d[c], f[c])
    coef = np.where(np.arange(T + 1)[None, :] >= s.arrival[p][:, None], coef, 0.0)
    lhs = np.zeros((len(cand), T + 1))
    np.add.at(lhs, c, coef * y[p, None])
    slack = held(lv, k, a) + lv.owed[k, a - 1][:, None] + lv.short[k, a - 1][:, None]  # s at every l
    usable = (np.arange(T + 1)[None, :] >= a[:, None]) & (f > FRACTION) & (f < 1 - FRACTION)
    violation = np.where(usable, lhs - slack - d[:, None] * (1 - f) * whole, -np.inf)
    best = violation.argmax(axis=1)
    return cand.index.to_numpy(), best, violation[np.arange(len(cand)), best]


def rows(sep: Separator, k: np.ndarray, a: np.ndarray, l: np.ndarray, d: np.ndarray,
         n: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """The MIR inequalities of skus `k` over periods `a`..`l` with divisors `d`, as rows
    A·x ≤ hi over `n` columns: every piece of k arriving in a..l, and the terms of s."""
    s = sep.pieces
    count = len(k)
    whole, f = _divided(sep, k, a, d)
    r_all = np.arange(count)
    f_l, whole_l = f[r_all, l], whole[r_all, l]
    r, p = same_sku(k, s.k)
    inside = (s.arrival[p] >= a[r]) & (s.arrival[p] <= l[r])
    r, p = r[inside], p[inside]
    coef = _coefficient(s.least[p], d[r], f_l[r][:, None])[:, 0]
    owed = pd.DataFrame({"r": r_all, "k": k, "t": a - 1}).merge(sep.owed, on=["k", "t"])
    span = pd.DataFrame({"r": r_all, "k": k, "a": a, "l": l}).merge(sep.out, on="k")
    out = span[(span["t"] >= span["a"]) & (span["t"] <= span["l"])]
    short = sep.short[k, a - 1]
    has = short >= 0
    rows_ = np.concatenate([r, r_all, owed["r"], out["r"], r_all[has]])
    cols = np.concatenate([s.whole[p], sep.stock[k, l - 1], owed["col"], out["col"], short[has]])
    vals = np.concatenate([coef, -np.ones(count + len(owed) + len(out) + has.sum())])
    A = sp.csr_matrix((vals, (rows_, cols)), shape=(count, n))
    A.sum_duplicates()
    A.eliminate_zeros()
    hi = d * (1 - f_l) * whole_l + np.where(a == 1, sep.backlog[k], 0.0)
    return A, hi
