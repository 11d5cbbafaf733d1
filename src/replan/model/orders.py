"""Constraint families of purchasing: lot sizing, price breaks, supplier limits, budget, mix.

Symbols (docs/model.md): order line ℓ = (o, t) of offer o in period t, with
pack size q_ℓ, packs n[ℓ] ∈ ℤ₊ (so x[ℓ] = q_ℓ·n[ℓ] units), on/off y[ℓ] ∈ {0,1},
tier quantities w[ℓ,j] ≥ 0 and tier choices u[ℓ,j] ∈ {0,1}, and the supplier's
shipment indicator z[s,t] ∈ {0,1}.
"""

from __future__ import annotations

import numpy as np

from .index import Index
from .linear import LinearModel


def lot_sizing(model: LinearModel, index: Index, v) -> None:
    """MOQ, case packs and order-line costs.

        n[ℓ] ≤ N_ℓ · y[ℓ]              (no units without the line; N_ℓ = packs_ub)
        n[ℓ] ≥ ⌈moq_ℓ / q_ℓ⌉ · y[ℓ]    (an order line is 0 or at least its MOQ)

    N_ℓ is the tightest bound valid for every feature (see index._order_bound),
    never a hand-picked big-M. Costs: purchase p_ℓ·q_ℓ·n[ℓ] (lines without
    price breaks), ordering f_ℓ·y[ℓ].
    """
    lines = index.lines
    has = v.order_on >= 0
    n, y = v.order[has], v.order_on[has]
    rows = np.arange(has.sum())
    upper = model.rows(len(rows), hi=0.0).add(rows, n, 1.0).add(rows, y, -lines["packs_ub"][has])
    model.add_rows("lot_upper", upper)
    moq = lines["moq_packs"].to_numpy()[has]
    binding = moq > 1
    r = np.arange(binding.sum())
    model.add_rows("lot_moq", model.rows(len(r), lo=0.0).add(r, n[binding], 1.0)
                   .add(r, y[binding], -moq[binding]))
    model.add_cost("ordering", y, lines["order_cost"].to_numpy()[has])
    _, cols, coefs = purchase_terms(index, v)
    model.add_cost("purchase", cols, coefs)


def purchase_terms(index: Index, v) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The purchase cost as terms (order period, column, coefficient).

    p_ℓ·q_ℓ·n[ℓ] for a line without price breaks; Σ_j p_ℓj·w[ℓ,j] for one with.
    """
    lines, tiers = index.lines, index.tiers
    tiered = np.zeros(len(lines), bool)
    tiered[tiers["line"].to_numpy(int)] = True
    plain = ~tiered
    t = np.concatenate([lines["t"].to_numpy(int)[plain],
                        lines["t"].to_numpy(int)[tiers["line"].to_numpy(int)]])
    cols = np.concatenate([v.order[plain], v.tier_qty])
    coefs = np.concatenate([(lines["price"] * lines["pack"]).to_numpy()[plain],
                            tiers["price"].to_numpy(float)])
    return t, cols, coefs


def price_breaks(model: LinearModel, index: Index, v) -> None:
    """All-units quantity discounts as a multiple choice of tiers.

        q_ℓ·n[ℓ] = Σ_j w[ℓ,j]
        lo_ℓj · u[ℓ,j] ≤ w[ℓ,j] ≤ hi_ℓj · u[ℓ,j]
        Σ_j u[ℓ,j] ≤ 1

    Tier j covers whole packs from its break (and the MOQ) up to one pack
    below the next break, at its own price: the LP relaxation cannot buy
    a few units at the lowest tier's price, which keeps the bound strong.
    Ordering cost: f_ℓ·Σ_j u[ℓ,j].
    """
    tiers, lines = index.tiers, index.lines
    if tiers.empty:
        return
    line = tiers["line"].to_numpy(int)
    owners, row = np.unique(line, return_inverse=True)
    split = model.rows(len(owners), lo=0.0, hi=0.0)
    split.add(np.arange(len(owners)), v.order[owners], lines["pack"].to_numpy()[owners])
    split.add(row, v.tier_qty, -1.0)
    model.add_rows("tier_split", split)
    r = np.arange(len(tiers))
    model.add_rows("tier_low", model.rows(len(r), lo=0.0).add(r, v.tier_qty, 1.0)
                   .add(r, v.tier_on, -tiers["lo"].to_numpy(float)))
    model.add_rows("tier_high", model.rows(len(r), hi=0.0).add(r, v.tier_qty, 1.0)
                   .add(r, v.tier_on, -tiers["hi"].to_numpy(float)))
    model.add_rows("tier_choice", model.rows(len(owners), hi=1.0).add(row, v.tier_on, 1.0))
    model.add_cost("ordering", v.tier_on, lines["order_cost"].to_numpy()[line])


def supplier_orders(model: LinearModel, index: Index, v) -> None:
    """Supplier order cost: a fixed cost for each period with any order from s.

        n[ℓ] ≤ N_ℓ · z[s_ℓ, t_ℓ]       for every line of a supplier with an order cost

    Disaggregated per line (rather than one row per supplier and period),
    which gives the tighter LP relaxation. Cost: ordering F_s·z[s,t].
    """
    lines = index.lines
    s, t = lines["s"].to_numpy(int), lines["t"].to_numpy(int) - 1
    z = v.shipment[s, t]
    has = z >= 0
    r = np.arange(has.sum())
    model.add_rows("supplier_link", model.rows(len(r), hi=0.0).add(r, v.order[has], 1.0)
                   .add(r, z[has], -lines["packs_ub"].to_numpy()[has]))
    cells = np.argwhere(v.shipment >= 0)
    cost = index.suppliers["order_cost"].to_numpy(float)[cells[:, 0]]
    model.add_cost("ordering", v.shipment[cells[:, 0], cells[:, 1]], cost)


def supplier_capacity(model: LinearModel, index: Index, v) -> None:
    """Σ_{ℓ of s in t} q_ℓ·n[ℓ] ≤ cap[s,t]   (per-period overrides included).

    Rows only where the lines could together exceed the capacity.
    """
    lines = index.lines
    most = np.bincount(line_cells(index), (lines["packs_ub"] * lines["pack"]).to_numpy(),
                       minlength=index.supplier_capacity.size)
    capacity = index.supplier_capacity.ravel()
    binding = np.flatnonzero(most > capacity + 1e-9)
    if not len(binding):
        return
    row, keep = cell_rows(index, binding)
    rows = model.rows(len(binding), hi=capacity[binding])
    rows.add(row[keep], v.order[keep], lines["pack"].to_numpy()[keep])
    model.add_rows("supplier_capacity", rows)


def idle_off(index: Index, v, x: np.ndarray) -> np.ndarray:
    """Plan `x` (whole packs) with every paid on/off that orders nothing turned off: order
    lines, price tiers and supplier shipments. The same orders, cheaper, and a plan of the
    model still (lot sizing's rows only ask y = 1 of a line that orders); a search stopped
    by its time limit can leave one on, and the plan's costs then count an order cost that
    no order line bears."""
    x = x.copy()
    has = v.order_on >= 0
    x[v.order_on[has & (x[v.order] == 0)]] = 0.0
    if len(index.tiers):
        x[v.tier_on[x[v.tier_qty] <= 0]] = 0.0
    units = np.bincount(line_cells(index), x[v.order], minlength=v.shipment.size).reshape(v.shipment.shape)
    idle = (v.shipment >= 0) & (units == 0)
    x[v.shipment[idle]] = 0.0
    return x


def line_cells(index: Index) -> np.ndarray:
    """Each order line's supplier and period as one number, s·T + t − 1 (a cell of S × T)."""
    return index.lines["s"].to_numpy(int) * index.T + index.lines["t"].to_numpy(int) - 1


def cell_rows(index: Index, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each order line, its row among `cells` (sorted, one row each) and whether its
    cell is among them."""
    cell = line_cells(index)
    row = np.searchsorted(cells, cell)
    return row, (row < len(cells)) & (cells[np.minimum(row, len(cells) - 1)] == cell)


def budget(model: LinearModel, index: Index, v, limit: float | None) -> None:
    """Σ purchase cost of the orders placed in t ≤ budget, for every period t."""
    if limit is None:
        return
    t, cols, coefs = purchase_terms(index, v)
    model.add_rows("budget", model.rows(index.T, hi=limit).add(t - 1, cols, coefs))


def diversification(model: LinearModel, index: Index, v) -> None:
    """max_share: Σ_{ℓ of s,k} x[ℓ] ≤ σ_s · Σ_{ℓ of k} x[ℓ], over the horizon.

    For every item-location k that at least two suppliers offer, and every
    supplier s of k with σ_s < 1. Open orders are not counted.
    """
    offers, lines = index.offers, index.lines
    share = index.suppliers["max_share"].to_numpy(float)
    pairs = offers[["k", "s"]].drop_duplicates()
    count = pairs.groupby("k")["s"].transform("size")
    pairs = pairs[(count >= 2) & (share[pairs["s"]] < 1)].reset_index(drop=True)
    if pairs.empty:
        return
    qty = lines["pack"].to_numpy()
    rows = model.rows(len(pairs), hi=0.0)
    own = lines.reset_index(names="line").merge(pairs.reset_index(names="row"), on=["k", "s"])
    rows.add(own["row"], v.order[own["line"]], qty[own["line"]])
    every = lines.reset_index(names="line").merge(pairs.reset_index(names="row"), on="k",
                                                  suffixes=("", "_pair"))
    rows.add(every["row"], v.order[every["line"]],
             -share[every["s_pair"]] * qty[every["line"]])
    model.add_rows("diversification", rows)
