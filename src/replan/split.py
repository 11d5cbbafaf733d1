"""Cut a part too large to solve whole into blocks that share suppliers' costs and capacities.

Items are linked into one part by the suppliers they share (an order cost
or a capacity; see `decompose.components`), and second sources link the
suppliers: in the 10,000-item benchmark one part holds 7,731 items, an LP
of 4.1 M rows that neither dual simplex nor HiGHS's interior point method
solved in 600 s on 2 cores. Such a part is cut into blocks of items with
the same main supplier, each solved alone, as a relaxation of the whole:

- a supplier's order cost F is shared among the blocks that buy from it,
  block b paying α_b·F with Σ_b α_b = 1 (α in proportion to the block's
  offers). Any plan of the whole, cut into blocks, costs them no more than
  it costs whole (each shipment is paid by shares that add up to at most F);
- every block may use a supplier's whole capacity.

So the blocks' optima, and their bounds, add up to a lower bound of the
whole's optimum. Their plans joined pay every shipment in full
(`unpaid_shipments`). For the plans to keep to a capacity together, once
a block has its LP bound its plan keeps to the capacity left to it: blocks
solved at the same time, in parallel queues, each queue keeps to the sum of
its blocks' shares of the supplier's offers (`queue_shares`), and within a
queue each block to what the blocks before it left (`capacity_left`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import decompose
from .instance import Instance
from .model.index import Index
from .plan import Plan

BLOCK_CELLS = 26_000
"""The most item-location periods solved as one model (1,000 items over 26 weeks): the
875-item part of the 1,000-item benchmark gets its LP in 6 s and rounds of slope scaling."""
SUPPLIER_PERIOD = ["supplier", "order_period"]


@dataclass(frozen=True)
class Block:
    """Item-location rows solved together, and what they pay of each supplier's order cost
    (`share`, one value per supplier in the suppliers table's order; None: all of it)."""

    rows: np.ndarray
    share: np.ndarray | None = None


def cut(index: Index, budget: float | None) -> list[Block]:
    """The blocks an instance is solved in: its independent parts (`decompose.parts`), each
    too large one cut into blocks (`blocks`)."""
    return blocks(index, [part.rows for part in parts(index, budget)], budget)


def parts(index: Index, budget: float | None) -> list[Block]:
    """The independent parts of an instance, none cut: where a block found no plan within its
    share of a capacity, the answer for its whole part."""
    return [Block(rows) for rows in decompose.parts(decompose.components(index, budget))]


def blocks(index: Index, groups: list[np.ndarray], budget: float | None) -> list[Block]:
    """`decompose.parts`' groups, each larger than `BLOCK_CELLS` cut into blocks.

    A budget links every item in a way no share keeps exact, so nothing is cut then.
    """
    size = max(1, BLOCK_CELLS // max(index.T, 1))
    if budget is not None or all(len(rows) <= size for rows in groups):
        return [Block(rows) for rows in groups]
    linked = decompose.components(index, None, suppliers=False)
    home = _home(index)
    cut: list[Block] = []
    for rows in groups:
        pieces = _cut(rows, linked[rows], home[rows], size) if len(rows) > size else [rows]
        cut += _shared(index, pieces) if len(pieces) > 1 else [Block(rows)]
    return cut


def _home(index: Index) -> np.ndarray:
    """Each item-location's main supplier: the one with most of its offers (-1: none)."""
    home = np.full(index.K, -1)
    counts = index.offers.groupby(["k", "s"]).size().reset_index(name="n")
    top = counts.sort_values(["k", "n", "s"], ascending=[True, False, True]).drop_duplicates("k")
    home[top["k"].to_numpy(int)] = top["s"].to_numpy(int)
    return home


def _cut(rows: np.ndarray, linked: np.ndarray, home: np.ndarray, size: int) -> list[np.ndarray]:
    """`rows` in blocks of about `size`, never parting rows `linked` by a location's storage
    or a transfer lane, with rows of one main supplier side by side."""
    frame = pd.DataFrame({"row": rows, "linked": linked, "home": home})
    frame["home"] = frame.groupby("linked")["home"].transform("min")
    frame = frame.sort_values(["home", "linked", "row"], kind="stable")
    count = int(np.ceil(len(rows) / size))
    width = frame.groupby("linked", sort=False).size()
    before = width.cumsum() - width  # rows ahead of each linked group, in sorted order
    chunk = (before * count // len(rows)).rename("chunk")
    frame = frame.join(chunk, on="linked")
    return [np.sort(group["row"].to_numpy()) for _, group in frame.groupby("chunk")]


def _shared(index: Index, pieces: list[np.ndarray]) -> list[Block]:
    """Blocks of `pieces`, each paying of a supplier's order cost its share of the offers."""
    block = np.full(index.K, -1)
    for b, rows in enumerate(pieces):
        block[rows] = b
    k, s = index.offers["k"].to_numpy(int), index.offers["s"].to_numpy(int)
    inside = block[k] >= 0
    count = np.zeros((len(pieces), len(index.suppliers)))
    np.add.at(count, (block[k[inside]], s[inside]), 1.0)
    share = count / np.maximum(count.sum(axis=0), 1.0)
    return [Block(rows, share[b]) for b, rows in enumerate(pieces)]


def subset(instance: Instance, block: Block) -> Instance:
    """The sub-instance of `block`: its rows, and its share of the suppliers' order costs."""
    part = decompose.subset(instance, block.rows)
    if block.share is None:
        return part
    tables = dict(part.tables)
    suppliers = tables["suppliers"]
    tables["suppliers"] = suppliers.assign(order_cost=suppliers["order_cost"].to_numpy(float) * block.share)
    return Instance.create(tables, part.settings, [])


def unpaid_shipments(instance: Instance, parts: list[Instance], plans: list[Plan]) -> float:
    """What the joined plans' supplier shipments cost beyond the shares their parts paid."""
    whole = _shipments(pd.concat([p.orders for p in plans]), instance["suppliers"])
    return whole - sum(_shipments(plan.orders, part["suppliers"]) for part, plan in zip(parts, plans))


def _shipments(orders: pd.DataFrame, suppliers: pd.DataFrame) -> float:
    """The supplier order costs of `orders`: one per supplier and period it orders in."""
    cells = orders[SUPPLIER_PERIOD].drop_duplicates()
    return float(cells["supplier"].map(suppliers.set_index("supplier")["order_cost"]).to_numpy(float).sum())


def queue_shares(blocks: list[Block], queues: list[list[int]]) -> list[np.ndarray | None]:
    """For each queue of `blocks` (their numbers) solved at the same time as the others, the
    share of each supplier's capacity its plans keep to (one value per supplier, in the
    suppliers table's order; None for a queue of whole parts): the sum of its blocks' shares of
    the supplier's offers, which add up to 1 over every queue, so that queues that cannot see
    each other's orders never exceed a capacity together. A supplier no block buys from is
    left whole to the queue whose parts buy from it."""
    suppliers = next((len(block.share) for block in blocks if block.share is not None), None)
    if suppliers is None:
        return [None] * len(queues)
    shares = np.array([np.zeros(suppliers) if block.share is None else block.share for block in blocks])
    blocked = shares.sum(axis=0) > 0
    return [np.where(blocked, shares[queue].sum(axis=0), 1.0) for queue in queues]


def capacity_left(index: Index, plans: list[Plan], share: np.ndarray | None = None) -> np.ndarray:
    """S × T: `share` (one per supplier, None: all) of `index`'s supplier capacities less what
    `plans`, of other parts of the same whole, order from each supplier in each period."""
    left = index.supplier_capacity.copy()
    if share is not None:
        with np.errstate(invalid="ignore"):  # no capacity (inf) and a share of 0
            left = np.nan_to_num(left * share[:, None], nan=0.0, posinf=np.inf)
    orders = [plan.orders for plan in plans if plan.orders is not None and len(plan.orders)]
    if not orders:
        return left
    used = pd.concat(orders).groupby(SUPPLIER_PERIOD, as_index=False)["quantity"].sum()
    s = pd.Index(index.suppliers["supplier"]).get_indexer(used["supplier"])
    mine = s >= 0
    np.subtract.at(left, (s[mine], used["order_period"].to_numpy(int)[mine] - 1),
                   used["quantity"].to_numpy(float)[mine])
    return np.maximum(left, 0.0)
