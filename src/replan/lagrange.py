"""A bound above the LP's: the rows that join item-locations priced at the LP's duals, and each
item-location's own MIP solved whole.

Row duals y of the LP (HiGHS's sign: reduced costs d = c − Aᵀy) give a lower bound on every
plan by weak duality, for any y of the right signs: the dual objective

    D(y) = Σ_i r_i(y) + Σ_j min_{lb_j ≤ x_j ≤ ub_j} d_j·x_j,   r_i(y) = y_i·lo_i if y_i > 0, y_i·hi_i if y_i < 0,

which at the LP's optimal duals is the LP bound. Cut the rows into those whose columns belong
to one item-location k (besides shared columns such as its suppliers' shipments), R_k, and
those that join several (supplier capacity, budget, storage), J. Keep R_k whole and price J at
y: P_k is k's MIP over its own columns, costed c_j − Σ_{i∈J} y_i·A_ij, and a copy of every
shared column in R_k, costed Σ_{i∈R_k} y_i·A_ij (what k's rows pay for it at y). For a plan x,

    c·x = Σ_{i∈J} y_i·(Ax)_i + Σ_{shared j} d_j·x_j + Σ_k P_k(x) ≥ Σ_{i∈J} r_i + Σ_{shared j} min d_j·x_j + Σ_k β_k

with β_k any lower bound on P_k's optimum: D_k(y), its share of D(y) (rows R_k, its own
columns), or the bound of its MIP, run for a while. So the bound is D(y) + Σ_k (β_k − D_k(y)):
the LP's, raised by what each item-location's whole decisions (MOQs, packs, price tiers,
shipments) cost beyond its LP. The sum of the (l,S) inequalities the rounds add closes part of
that; this closes the rest item-location by item-location. On the 200-item benchmark's largest
part (171 item-locations, after 5 rounds), every P_k solved raised the bound from 3,651,772
to 3,664,967 (+0.36%), past what HiGHS's own MIP proved in 40 minutes (3,659,697).

Each P_k is a small MIP that HiGHS still takes about a second on (0.5 s to 5 s), and 2 s
reaches most of its bound, so they go in the order of what the plan pays above the LP
(`improve.excess`) until the time is spent: on that part the first 20 took 21 s and
raised the bound by 7,545. Without presolve: the six slowest closed in 9.7 s without it,
16.2 s with it.

The planner does not run it: in the time its limits leave, a process solving these MIPs
raises the bound about as much as it would have lowered the plan in fix and optimize. Given
the rest of the time after the resumed rounds, beside the search in the other process, it
raised the bound by 2,000–3,200 on the 200-item benchmark and the plan ended as much dearer
(0.77, 0.61, 0.60% against 0.79, 0.57, 0.60%; 1,000 items 1.14, 1.15% against 1.17, 1.12%).
`benchmarks/bound.py` uses it to say how much of a gap is the bound's.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from . import clock
from .improve import excess, owners
from .model.build import Built
from .model.linear import Compiled
from .solvers import Engine, Result

SUB_LIMIT = 2.0
"""The most time one item-location's MIP may take."""
SUB_GAP = 1e-4
"""The gap each item-location's MIP is solved to."""
REDUCED_TOL = 1e-7
"""Reduced costs within HiGHS's dual feasibility tolerance count as 0 (an LP at its optimum
has none beyond it; its own bound takes the same liberty)."""


class Priced(NamedTuple):
    """The bound, and of how many item-locations the MIP ran."""

    bound: float
    solved: int


def bound(built: Built, lp: Result, duals: np.ndarray | None, x: np.ndarray, engine: Engine,
          remaining: clock.Remaining, integer: np.ndarray | None = None) -> Priced | None:
    """A lower bound on `built.model`'s optimum from the row `duals` of its LP solution `lp`
    (`Relaxation.duals`), at least the LP's dual objective, raised by the MIPs of
    item-locations in the order of what plan `x` pays for them above `lp.x`, until
    `remaining()` is spent; None without duals.

    `integer` (a mask over the columns; the model's own by default) keeps only those columns
    integer in the item-locations' MIPs: the lift that those decisions bring alone."""
    if duals is None or lp.x is None:
        return None
    model, owner = built.model, owners(built)
    y = _signed(model, duals)
    row_term = _at_bounds(y, model.row_lo, model.row_hi)
    d = model.c - model.A.T @ y
    d[np.abs(d) <= REDUCED_TOL] = 0.0
    col_term = _at_bounds(d, model.lb, model.ub)
    total = float(row_term.sum() + col_term.sum())
    if not np.isfinite(total):
        return None
    row_owner = _row_owners(model.A, owner)
    K = built.index.K
    mine = row_owner >= 0
    shares = np.bincount(row_owner[mine], row_term[mine], minlength=K) + \
        np.bincount(owner[owner >= 0], col_term[owner >= 0], minlength=K)
    joining = np.where(mine, 0.0, y)
    c_own = model.c - model.A.T @ joining
    rows_of = _groups(row_owner, K)
    integer = model.integer if integer is None else integer
    solved = 0
    for k in np.argsort(-excess(built, owner, x, lp.x), kind="stable"):
        if clock.spent(remaining):
            break
        sub = _item_mip(model, owner, int(k), rows_of[k], y, c_own, integer)
        left = remaining()
        result = engine.solve(sub, SUB_LIMIT if left is None else min(SUB_LIMIT, left), SUB_GAP, presolve=False)
        if result.bound is not None and np.isfinite(result.bound):
            total += max(result.bound - shares[k], 0.0)
            solved += 1
    return Priced(total, solved)


def _at_bounds(v: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """v·lo where v > 0, v·hi where v < 0, 0 where v is 0 (whatever the bound, even infinite):
    the least of v·a over lo ≤ a ≤ hi."""
    return v * np.where(v > 0, lo, np.where(v < 0, hi, 0.0))


def _signed(model: Compiled, duals: np.ndarray) -> np.ndarray:
    """`duals` with the sign each row allows: none above 0 on a row without a lower bound, none
    below on a row without an upper one (a stopped LP's may stray)."""
    y = np.asarray(duals, float).copy()
    y[~np.isfinite(model.row_lo) & (y > 0)] = 0.0
    y[~np.isfinite(model.row_hi) & (y < 0)] = 0.0
    return y


def _row_owners(A: sp.csr_matrix, owner: np.ndarray) -> np.ndarray:
    """The item-location each row belongs to: the one that owns every owned column in it; -1 for
    a row that joins several (or has none)."""
    row = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
    own = owner[A.indices]
    owned = own >= 0
    low = np.full(A.shape[0], np.iinfo(np.int64).max)
    high = np.full(A.shape[0], -1)
    np.minimum.at(low, row[owned], own[owned])
    np.maximum.at(high, row[owned], own[owned])
    return np.where(low == high, high, -1)


def _groups(label: np.ndarray, K: int) -> list[np.ndarray]:
    """For each k < K, the positions where `label` is k."""
    order = np.argsort(label, kind="stable")
    starts = np.searchsorted(label[order], np.arange(K + 1))
    return [order[starts[k]:starts[k + 1]] for k in range(K)]


def _item_mip(model: Compiled, owner: np.ndarray, k: int, rows: np.ndarray, y: np.ndarray,
              c_own: np.ndarray, integer: np.ndarray) -> Compiled:
    """P_k: item-location k's rows over its own columns (costed `c_own`: the joining rows
    priced in) and copies of the shared columns in them (costed what k's rows pay for them)."""
    A = model.A[rows]
    cols = np.union1d(np.flatnonzero(owner == k), np.unique(A.indices))
    A = A[:, cols]
    shared = owner[cols] < 0
    c = c_own[cols].copy()
    c[shared] = A[:, np.flatnonzero(shared)].T @ y[rows]
    return Compiled(c, A.tocsr(), model.row_lo[rows], model.row_hi[rows], model.lb[cols], model.ub[cols],
                    integer[cols], {}, {}, {})
