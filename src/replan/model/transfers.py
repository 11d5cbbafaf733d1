"""Transfers between locations: cost and lane capacity.

A move r[m] ships units of one item on one lane in period t; they arrive
lead_time periods later (the terms in the inventory balance). A lane row of
the transfers table may carry many items (an all-items row); its capacity
holds over all of them.
"""

from __future__ import annotations

import numpy as np

from .index import Index
from .linear import LinearModel


def lanes(model: LinearModel, index: Index, v) -> None:
    """Cost c_lane·r[m]; Σ_{m on row ρ, shipped in t} r[m] ≤ capacity_ρ for every t."""
    moves, lanes_ = index.moves, index.lanes
    lane = moves["lane"].to_numpy(int)
    model.add_cost("transfer", v.move, lanes_["unit_cost"].to_numpy(float)[lane])
    capacity = lanes_["capacity"].to_numpy(float)[lane]
    limited = np.isfinite(capacity)
    if not limited.any():
        return
    cell = lanes_["row"].to_numpy(int)[lane] * index.T + moves["t"].to_numpy(int) - 1
    cells, row = np.unique(cell[limited], return_inverse=True)
    first = np.zeros(len(cells), int)
    first[row] = np.flatnonzero(limited)
    rows = model.rows(len(cells), hi=capacity[first])
    rows.add(row, v.move[limited], 1.0)
    model.add_rows("lane_capacity", rows)
