"""CBC through PuLP: the open-source reference engine."""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

import numpy as np

from ..model.linear import Compiled
from .base import Basis, ColdRelaxation, Result, Status

OVERRUN = 1.0
"""CBC looks at its time limit between steps of its search: it ran 0.1–1.1 s over limits of
3–12 s on the samples' models (18% over 3 s). It is given this much less than the time left,
or a fifth less where that is less, and the time PuLP took to write the model is counted."""


class CbcEngine:
    name = "cbc"

    def available(self) -> bool:
        try:
            import pulp
        except ImportError:
            return False
        return pulp.PULP_CBC_CMD(msg=False).available()

    def relaxation(self, model: Compiled, basis: Basis | None = None) -> ColdRelaxation:
        return ColdRelaxation(self, model.relaxed())

    def solve(self, model: Compiled, time_limit: float | None, mip_gap: float,
              start: np.ndarray | None = None, presolve: bool = True, restart: bool = True) -> Result:
        import pulp

        began = time.perf_counter()
        problem, columns = _problem(model, pulp)
        if start is not None:
            for column, value in zip(columns, start):
                column.setInitialValue(float(value))
        with tempfile.TemporaryDirectory() as folder:
            log = Path(folder) / "cbc.log"
            solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=_limit(time_limit, began), gapRel=mip_gap,
                                       logPath=str(log), warmStart=start is not None,
                                       options=[] if presolve else ["presolve off"])
            try:
                problem.solve(solver)
            except pulp.PulpSolverError as error:
                return Result(Status.ERROR, seconds=time.perf_counter() - began, message=str(error))
            text = log.read_text(errors="replace") if log.exists() else ""
        seconds = time.perf_counter() - began
        # PuLP reports "Optimal" at a time limit too: sol_status says what was proven.
        if problem.status == pulp.LpStatusInfeasible:
            return Result(Status.INFEASIBLE, seconds=seconds, message="CBC: infeasible")
        if problem.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
            return Result(Status.ERROR, seconds=seconds,
                          message=f"CBC found no plan ({pulp.LpStatus[problem.status]})")
        x = np.array([c.varValue or 0.0 for c in columns])
        objective = float(model.c @ x)
        bound = _bound(text, objective)
        optimal = problem.sol_status == pulp.LpSolutionOptimal
        return Result(Status.OPTIMAL if optimal else Status.FEASIBLE, x, objective,
                      bound if bound is not None else (objective if optimal else None), seconds)


def _limit(time_limit: float | None, began: float) -> float | None:
    """The limit to hand CBC for a solve of `time_limit` seconds that `began` (perf_counter)."""
    if time_limit is None:
        return None
    left = time_limit - (time.perf_counter() - began)
    return max(left - min(OVERRUN, 0.2 * left), 0.0)


def _problem(model: Compiled, pulp):
    problem = pulp.LpProblem("replan", pulp.LpMinimize)
    columns = [pulp.LpVariable(f"x{j}", lowBound=_finite(model.lb[j]), upBound=_finite(model.ub[j]),
                               cat=pulp.LpInteger if model.integer[j] else pulp.LpContinuous)
               for j in range(model.A.shape[1])]
    nonzero = np.flatnonzero(model.c)
    problem += pulp.LpAffineExpression([(columns[j], float(model.c[j])) for j in nonzero])
    A = model.A.tocsr()
    for i in range(A.shape[0]):
        start, end = A.indptr[i], A.indptr[i + 1]
        expression = pulp.LpAffineExpression(
            [(columns[j], float(a)) for j, a in zip(A.indices[start:end], A.data[start:end])])
        lo, hi = model.row_lo[i], model.row_hi[i]
        if lo == hi:
            problem += expression == float(lo), f"r{i}"
            continue
        if np.isfinite(lo):
            problem += expression >= float(lo), f"r{i}lo"
        if np.isfinite(hi):
            problem += expression <= float(hi), f"r{i}hi"
    return problem, columns


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _bound(log: str, objective: float) -> float | None:
    """CBC's best bound, read from its closing summary (PuLP does not pass it on)."""
    found = re.findall(r"Lower bound:\s+([-+0-9.eE]+)", log)
    if found:
        return min(float(found[-1]), objective)
    return None
