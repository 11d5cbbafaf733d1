"""One interface for every MILP engine: arrays in, a `Result` with one `Status` out."""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import os
import sys
from dataclasses import dataclass
from typing import Iterator, Protocol

import numpy as np
import scipy.sparse as sp

from ..model.linear import Compiled


class Status(str, enum.Enum):
    """How a solve ended, the same words for every engine (contract: kpis.status)."""

    OPTIMAL = "optimal"        # proven within the relative gap asked for
    FEASIBLE = "feasible"      # a plan, stopped by the time limit before the gap closed
    INFEASIBLE = "infeasible"  # no plan meets the hard limits
    ERROR = "error"            # the engine failed, or found no plan in time


@dataclass(frozen=True)
class Result:
    """What an engine returns: status, the solution (when there is one), objective and bound."""

    status: Status
    x: np.ndarray | None = None
    objective: float | None = None
    bound: float | None = None
    seconds: float = 0.0
    message: str = ""


@dataclass(frozen=True)
class Basis:
    """Which of an LP's columns and rows are basic or at a bound, as small integers an engine
    reads back (`Engine.relaxation`): picklable, so a process can start another LP of the
    same shape from it."""

    cols: np.ndarray
    rows: np.ndarray


class Engine(Protocol):
    """A solver adapter. `solve` must honour `time_limit` (seconds) and `mip_gap`."""

    name: str

    def available(self) -> bool: ...

    def solve(self, model: Compiled, time_limit: float | None, mip_gap: float,
              start: np.ndarray | None = None, presolve: bool = True, restart: bool = True) -> Result:
        """Solve `model` from plan `start`, if given; `presolve` False skips presolve, which
        costs more than it saves on the many small MIPs of `lagrange`; `restart` False keeps
        the MIP from starting over after its root (presolve and root again, with the columns
        the root fixed), which costs more than it saves on fix and optimize's steps (HiGHS and
        SCIP turn their restarts off; CBC ignores `restart`)."""
        ...

    def relaxation(self, model: Compiled, basis: Basis | None = None) -> Relaxation:
        """`model`'s LP relaxation, kept for a series of solves with rows or costs changed;
        the first solve starts from `basis` (of an LP with the same rows and columns), if
        the engine can."""
        ...


class Relaxation(Protocol):
    """An LP solved again and again with rows added, costs or column bounds changed (cut
    rounds, slope scaling and the plans it fixes). An engine that can keep its last basis
    restarts from it."""

    def solve(self, time_limit: float | None) -> Result: ...

    def add_rows(self, A: sp.csr_matrix, lo: np.ndarray, hi: np.ndarray) -> None: ...

    def delete_rows(self, rows: np.ndarray) -> None:
        """Drop `rows` (row numbers, all among the rows added)."""
        ...

    def set_costs(self, c: np.ndarray) -> None: ...

    def set_bounds(self, lb: np.ndarray, ub: np.ndarray) -> None:
        """Every column's lower and upper bound."""
        ...

    def duals(self) -> np.ndarray | None:
        """The row duals of the last solve, before any row changed since (None if the engine
        keeps none); `lagrange` prices with them."""
        ...

    def basis(self) -> Basis | None:
        """The basis of the last solve (None if the engine keeps none)."""
        ...


@dataclass
class ColdRelaxation:
    """A `Relaxation` for engines that keep nothing between solves: each solve starts anew."""

    engine: Engine
    model: Compiled

    def solve(self, time_limit: float | None) -> Result:
        return self.engine.solve(self.model.relaxed(), time_limit, 0.0)

    def add_rows(self, A: sp.csr_matrix, lo: np.ndarray, hi: np.ndarray) -> None:
        self.model = self.model.with_rows("added", A, lo, hi)

    def delete_rows(self, rows: np.ndarray) -> None:
        self.model = self.model.without_rows("added", rows)

    def set_costs(self, c: np.ndarray) -> None:
        self.model = dataclasses.replace(self.model, c=c)

    def set_bounds(self, lb: np.ndarray, ub: np.ndarray) -> None:
        self.model = dataclasses.replace(self.model, lb=lb, ub=ub)

    def duals(self) -> None:
        return None

    def basis(self) -> None:
        return None


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Silence a C library that prints to the process's stdout (HiGHS's banner)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
