"""A thin, solver-neutral builder of mixed-integer linear models from arrays.

Variables come in named blocks (contiguous index ranges); constraints in named
blocks of rows given as coordinate triplets; the objective as named cost
buckets, so that each bucket of the contract's `costs` is read from the model.
`compile()` turns it into the CSR matrix and vectors every solver adapter takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import scipy.sparse as sp

INF = np.inf


@dataclass
class Rows:
    """A block of `n` rows `lo ≤ A x ≤ hi` under construction, as triplets."""

    n: int
    lo: np.ndarray
    hi: np.ndarray
    _rows: list[np.ndarray] = field(default_factory=list)
    _cols: list[np.ndarray] = field(default_factory=list)
    _vals: list[np.ndarray] = field(default_factory=list)

    def add(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray | float) -> "Rows":
        """Add coefficient `vals` of variables `cols` to rows `rows` (all broadcast)."""
        rows, cols, vals = np.broadcast_arrays(np.asarray(rows, dtype=np.int64),
                                               np.asarray(cols, dtype=np.int64),
                                               np.asarray(vals, dtype=np.float64))
        self._rows.append(rows.ravel())
        self._cols.append(cols.ravel())
        self._vals.append(vals.ravel())
        return self

    def triplets(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        empty = np.empty(0, dtype=np.int64)
        return (np.concatenate(self._rows or [empty]), np.concatenate(self._cols or [empty]),
                np.concatenate(self._vals or [np.empty(0)]))


@dataclass(frozen=True)
class Compiled:
    """The model as arrays: minimise c·x subject to row_lo ≤ A x ≤ row_hi, lb ≤ x ≤ ub."""

    c: np.ndarray
    A: sp.csr_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    integer: np.ndarray
    buckets: dict[str, sp.csr_matrix]
    var_blocks: dict[str, slice]
    row_blocks: dict[str, slice]

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape

    def clean(self, x: np.ndarray) -> np.ndarray:
        """A solver's vector made exact: clipped to the bounds, integer columns rounded."""
        x = np.clip(x, self.lb, self.ub)
        return np.where(self.integer, np.round(x), x)

    def feasible(self, x: np.ndarray, tol: float = 1e-6) -> bool:
        """Whether `x` keeps every row within its bounds (relative tolerance `tol`)."""
        activity = self.A @ x
        slack = tol * (1.0 + np.abs(activity))
        return bool(np.all(activity >= self.row_lo - slack) and np.all(activity <= self.row_hi + slack))

    def held(self, x: np.ndarray) -> "Compiled":
        """The LP relaxation with every integer column held at its value in `x` made exact (`clean`)."""
        x = self.clean(x)
        return replace(self.relaxed(), lb=np.where(self.integer, x, self.lb), ub=np.where(self.integer, x, self.ub))

    def relaxed(self) -> "Compiled":
        """The LP relaxation: every integer column made continuous."""
        return replace(self, integer=np.zeros_like(self.integer))

    def with_rows(self, name: str, A: sp.csr_matrix, lo: np.ndarray, hi: np.ndarray) -> "Compiled":
        """The model with rows `lo ≤ A x ≤ hi` added to block `name`, which must be the last block
        if it exists already (cut rounds grow one block at the end)."""
        blocks = dict(self.row_blocks)
        start = self._last_block(name).start
        blocks[name] = slice(start, self.A.shape[0] + A.shape[0])
        return replace(self, A=sp.vstack([self.A, A], format="csr"),
                       row_lo=np.concatenate([self.row_lo, lo]), row_hi=np.concatenate([self.row_hi, hi]),
                       row_blocks=blocks)

    def without(self, name: str) -> "Compiled":
        """The model without row block `name` (the rows after it move up)."""
        if name not in self.row_blocks:
            return self
        gone = self.row_blocks[name]
        keep = np.ones(self.A.shape[0], bool)
        keep[gone] = False
        size = gone.stop - gone.start
        blocks = {other: rows if rows.start < gone.start else slice(rows.start - size, rows.stop - size)
                  for other, rows in self.row_blocks.items() if other != name}
        return self._keeping(keep, blocks)

    def without_rows(self, name: str, rows: np.ndarray) -> "Compiled":
        """The model without `rows` (row numbers) of block `name`, which must be the last block
        (cut rounds drop the inequalities their LP no longer needs)."""
        block = self._last_block(name)
        keep = np.ones(self.A.shape[0], bool)
        keep[rows] = False
        if not keep[:block.start].all():
            raise ValueError(f"rows outside block {name!r}")
        return self._keeping(keep, {**self.row_blocks, name: slice(block.start, int(keep.sum()))})

    def _keeping(self, keep: np.ndarray, blocks: dict[str, slice]) -> "Compiled":
        """The model with only the rows where `keep` is set, in `blocks` (renumbered)."""
        return replace(self, A=self.A[keep], row_lo=self.row_lo[keep], row_hi=self.row_hi[keep],
                       row_blocks=blocks)

    def _last_block(self, name: str) -> slice:
        """Row block `name`, which must end the rows (an empty slice there if it does not exist)."""
        end = self.A.shape[0]
        block = self.row_blocks.get(name, slice(end, end))
        if block.stop != end:
            raise ValueError(f"row block {name!r} is not the last one")
        return block

    def restricted(self, free: np.ndarray, x: np.ndarray) -> tuple["Compiled", np.ndarray]:
        """The model in the columns where `free` is set, every other column held at its value
        in `x`, and those columns.

        A row with no free column is left out (`x` decides it); the others carry
        the held columns' share of their activity in their bounds. Any solution
        of it, put back into `x`, solves this model, so a neighbourhood of a few
        items is a MIP of their size, not the size of the whole.
        """
        cols = np.flatnonzero(free)
        part = self._columns[:, cols].tocsr()
        rows = np.flatnonzero(np.diff(part.indptr))
        part = part[rows]
        held = self.A[rows] @ x - part @ x[cols]
        return Compiled(self.c[cols], part, self.row_lo[rows] - held, self.row_hi[rows] - held,
                        self.lb[cols], self.ub[cols], self.integer[cols], {}, {}, {}), cols

    @cached_property
    def _columns(self) -> sp.csc_matrix:
        """A by columns, made once for the many restrictions of one model."""
        return self.A.tocsc()

    def bucket_values(self, x: np.ndarray) -> dict[str, float]:
        """Each cost bucket evaluated at solution `x`."""
        return {name: float((vector @ x)[0]) for name, vector in self.buckets.items()}


class LinearModel:
    """Collects variable blocks, row blocks and cost buckets, then compiles them."""

    def __init__(self) -> None:
        self.n = 0
        self._lb: list[np.ndarray] = []
        self._ub: list[np.ndarray] = []
        self._int: list[np.ndarray] = []
        self.var_blocks: dict[str, slice] = {}
        self._row_blocks: list[tuple[str, Rows]] = []
        self._costs: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}

    def add_vars(self, name: str, n: int, lb: np.ndarray | float = 0.0,
                 ub: np.ndarray | float = INF, integer: bool = False) -> np.ndarray:
        """Add a block of `n` variables; returns their column indices."""
        if name in self.var_blocks:
            raise ValueError(f"variable block {name!r} exists already")
        index = np.arange(self.n, self.n + n, dtype=np.int64)
        self._lb.append(np.broadcast_to(np.asarray(lb, dtype=float), (n,)).copy())
        self._ub.append(np.broadcast_to(np.asarray(ub, dtype=float), (n,)).copy())
        self._int.append(np.full(n, integer))
        self.var_blocks[name] = slice(self.n, self.n + n)
        self.n += n
        return index

    def rows(self, n: int, lo: np.ndarray | float = -INF, hi: np.ndarray | float = INF) -> Rows:
        """Start a block of `n` rows with bounds `lo`, `hi`."""
        return Rows(n, np.broadcast_to(np.asarray(lo, dtype=float), (n,)).copy(),
                    np.broadcast_to(np.asarray(hi, dtype=float), (n,)).copy())

    def add_rows(self, name: str, rows: Rows) -> None:
        """Add a finished row block under `name` (empty blocks are skipped)."""
        if rows.n:
            self._row_blocks.append((name, rows))

    def add_cost(self, bucket: str, cols: np.ndarray, coefs: np.ndarray | float) -> None:
        """Add `coefs · x[cols]` to cost bucket `bucket` (and so to the objective)."""
        cols, coefs = np.broadcast_arrays(np.asarray(cols, dtype=np.int64),
                                          np.asarray(coefs, dtype=float))
        self._costs.setdefault(bucket, []).append((cols.ravel(), coefs.ravel()))

    def compile(self, buckets: tuple[str, ...] = (), objective: tuple[str, ...] | None = None) -> Compiled:
        """The arrays of the model.

        `buckets` names buckets to report even when empty; `objective` the
        buckets that make up the objective (default: all of them).
        """
        lb, ub = np.concatenate(self._lb or [np.empty(0)]), np.concatenate(self._ub or [np.empty(0)])
        integer = np.concatenate(self._int or [np.empty(0, dtype=bool)])
        parts, lo, hi, row_blocks, offset = [], [], [], {}, 0
        for name, block in self._row_blocks:
            r, c, v = block.triplets()
            parts.append((r + offset, c, v))
            lo.append(block.lo)
            hi.append(block.hi)
            row_blocks[name] = slice(offset, offset + block.n)
            offset += block.n
        r, c, v = (np.concatenate([p[i] for p in parts]) if parts else np.empty(0)
                   for i in range(3))
        A = sp.csr_matrix((v, (r.astype(np.int64), c.astype(np.int64))), shape=(offset, self.n))
        A.sum_duplicates()
        vectors = {}
        for name in dict.fromkeys((*buckets, *self._costs)):
            terms = self._costs.get(name, [])
            cols = np.concatenate([t[0] for t in terms]) if terms else np.empty(0, dtype=np.int64)
            coefs = np.concatenate([t[1] for t in terms]) if terms else np.empty(0)
            vectors[name] = sp.csr_matrix((coefs, (np.zeros_like(cols), cols)), shape=(1, self.n))
        chosen = vectors if objective is None else {b: vectors[b] for b in objective if b in vectors}
        c = np.zeros(self.n)
        for vector in chosen.values():
            c += vector.toarray().ravel()
        return Compiled(c, A, np.concatenate(lo or [np.empty(0)]), np.concatenate(hi or [np.empty(0)]),
                        lb, ub, integer, vectors, dict(self.var_blocks), row_blocks)
