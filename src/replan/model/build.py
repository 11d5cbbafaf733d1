"""Build the replenishment MILP: a table of contents of its constraint families.

`build_model` creates the variables on the index's own sparse sets, then
calls one function per family of constraints (each in `orders.py`,
`stock.py` or `transfers.py`, each with its formula in its docstring).
Every cost term goes into one of the contract's buckets, so that a plan's
`costs` are read from the model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..instance import Instance
from . import orders, stock, transfers
from .index import EPS, Index, build_index
from .linear import Compiled, LinearModel

BUCKETS = ("purchase", "ordering", "holding", "backorder", "lost_sales", "safety_stock", "transfer")
VIOLATION = "violation"


@dataclass(frozen=True)
class Variables:
    """Column index of every variable, on the index's own shape; -1 where none exists."""

    order: np.ndarray       # lines: packs ordered, n[ℓ]
    order_on: np.ndarray    # lines: 1 if the line orders (for MOQ and order costs), y[ℓ]
    tier_qty: np.ndarray    # tiers: units bought in the tier, w[ℓ,j]
    tier_on: np.ndarray     # tiers: 1 if the tier is the one that applies, u[ℓ,j]
    shipment: np.ndarray    # S × T: 1 if anything is ordered from s in t, z[s,t]
    stock: np.ndarray       # K × T: on hand at the end of t, I[k,t]
    owed: np.ndarray        # C × T: owed at the end of t (backorder classes), B[c,t]
    lost: np.ndarray        # C × T: lost in t (lost-sales classes), L[c,t]
    serve: np.ndarray       # C × T: served in t, s[c,t]
    shortfall: np.ndarray   # K × T: below safety stock at the end of t, e[k,t]
    move: np.ndarray        # moves: units shipped on a lane in a period, r[m]

    def line_shipments(self, lines: pd.DataFrame) -> np.ndarray:
        """Each order line's supplier shipment column (its supplier and period); -1 where
        the supplier charges nothing a shipment."""
        return self.shipment[lines["s"].to_numpy(int), lines["t"].to_numpy(int) - 1]


@dataclass(frozen=True)
class Built:
    """A model ready to solve, with the maps back to the data."""

    instance: Instance
    index: Index
    vars: Variables
    model: Compiled
    elastic: bool = False


def build_model(instance: Instance, elastic: bool = False, index: Index | None = None) -> Built:
    """Build the model of `instance`.

    With `elastic`, the limits that can make a plan impossible (the service
    limit `max_backorder_periods` and storage capacity) get a priced slack and
    the objective is the total slack: the smallest violation that makes the
    data feasible, which tells the planner which limit has to give.
    """
    index = index or build_index(instance)
    model = LinearModel()
    v = _variables(model, index, instance, elastic)
    orders.lot_sizing(model, index, v)
    orders.price_breaks(model, index, v)
    orders.supplier_orders(model, index, v)
    orders.supplier_capacity(model, index, v)
    orders.budget(model, index, v, instance.settings.budget)
    orders.diversification(model, index, v)
    stock.inventory_balance(model, index, v)
    stock.backlog_balance(model, index, v)
    stock.holding_and_service_costs(model, index, v)
    stock.safety_stock(model, index, v)
    stock.storage(model, index, v, elastic)
    stock.service_limit(model, index, v, elastic)
    transfers.lanes(model, index, v)
    objective = (VIOLATION,) if elastic else BUCKETS
    return Built(instance, index, v, model.compile(BUCKETS, objective), elastic)


def with_capacities(built: Built, capacity: np.ndarray) -> Built:
    """`built` with each supplier's capacity lowered to `capacity` (S × T) where that is lower.

    For a plan that must leave other parts of one whole what they ordered
    already (`planner.solve_queue`): each lowered cell's lines get their packs
    bounded by it and one row keeps their sum to it. The rows go last, after
    any (l,S) inequalities, which stay valid as they hold for any capacity;
    the index says the lowered capacities, for the warm start to fit orders into.
    """
    index, v = built.index, built.vars
    lower = capacity < index.supplier_capacity - EPS
    if not lower.any():
        return built
    lines = index.lines
    pack = lines["pack"].to_numpy(float)
    capacity = np.where(lower, capacity, index.supplier_capacity)
    packs_ub = np.minimum(lines["packs_ub"].to_numpy(float),
                          np.floor(capacity.ravel()[orders.line_cells(index)] / pack + EPS))
    ub = built.model.ub.copy()
    ub[v.order] = np.minimum(ub[v.order], packs_ub)
    cells = np.flatnonzero(lower.ravel())
    row, on = orders.cell_rows(index, cells)
    A = sp.csr_matrix((pack[on], (row[on], v.order[on])), shape=(len(cells), built.model.shape[1]))
    model = dataclasses.replace(built.model, ub=ub).with_rows(
        "capacity_left", A, np.full(len(cells), -np.inf), capacity.ravel()[cells])
    index = dataclasses.replace(index, supplier_capacity=capacity, lines=lines.assign(packs_ub=packs_ub))
    return dataclasses.replace(built, index=index, model=model)


def _variables(model: LinearModel, index: Index, instance: Instance, elastic: bool) -> Variables:
    T, lines, tiers, classes = index.T, index.lines, index.tiers, index.classes
    tiered = np.zeros(len(lines), bool)
    tiered[tiers["line"].to_numpy(int)] = True
    needs_on = ~tiered & ((lines["order_cost"] > 0) | (lines["moq_packs"] > 1)).to_numpy()
    supplier_cost = index.suppliers["order_cost"].to_numpy(float) > 0
    has_line = np.zeros((len(index.suppliers), T), bool)
    has_line[lines["s"].to_numpy(int), lines["t"].to_numpy(int) - 1] = True
    lost = classes["lost"].to_numpy(bool)
    ss = index.skus["safety_stock"].to_numpy(float)
    penalty = index.skus["safety_stock_penalty"].to_numpy(float)
    counted = T if instance.settings.end_inventory == "safety_stock" else T - 1
    shortfall = ((ss > 0) & (penalty > 0))[:, None] & (np.arange(1, T + 1) <= counted)[None, :]
    owed_ub = index.window if not elastic else np.full(index.window.shape, np.inf)
    return Variables(
        order=model.add_vars("order", len(lines), ub=lines["packs_ub"].to_numpy(), integer=True),
        order_on=_block(model, "order_on", needs_on, ub=1.0, integer=True),
        tier_qty=model.add_vars("tier_qty", len(tiers), ub=tiers["hi"].to_numpy(float)),
        tier_on=model.add_vars("tier_on", len(tiers), ub=1.0, integer=True),
        shipment=_block(model, "shipment", supplier_cost[:, None] & has_line, ub=1.0, integer=True),
        stock=_block(model, "stock", np.ones((index.K, T), bool)),
        owed=_block(model, "owed", np.repeat(~lost[:, None], T, axis=1), ub=owed_ub),
        lost=_block(model, "lost", np.repeat(lost[:, None], T, axis=1)),
        serve=_block(model, "serve", np.ones((index.C, T), bool)),
        shortfall=_block(model, "shortfall", shortfall, ub=np.repeat(ss[:, None], T, axis=1)),
        move=model.add_vars("move", len(index.moves), integer=index.whole),
    )


def _block(model: LinearModel, name: str, mask: np.ndarray, ub: float | np.ndarray = np.inf,
           integer: bool = False) -> np.ndarray:
    """Variables for the cells of `mask`; an array of `mask`'s shape, -1 where none."""
    cols = np.full(mask.shape, -1, dtype=np.int64)
    upper = np.broadcast_to(np.asarray(ub, dtype=float), mask.shape)[mask]
    cols[mask] = model.add_vars(name, int(mask.sum()), ub=upper, integer=integer)
    return cols
