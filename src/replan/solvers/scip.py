"""SCIP through OR-Tools' model_builder, filled straight from the sparse arrays."""

from __future__ import annotations

import time

import numpy as np

from ..model.linear import Compiled
from .base import Basis, ColdRelaxation, Result, Status


class ScipEngine:
    name = "scip"

    def available(self) -> bool:
        try:
            from ortools.linear_solver.python import model_builder
        except ImportError:
            return False
        return model_builder.Solver("scip").solver_is_supported()

    def relaxation(self, model: Compiled, basis: Basis | None = None) -> ColdRelaxation:
        return ColdRelaxation(self, model.relaxed())

    def solve(self, model: Compiled, time_limit: float | None, mip_gap: float,
              start: np.ndarray | None = None, presolve: bool = True, restart: bool = True) -> Result:
        from ortools.linear_solver.python import model_builder as mb

        began = time.perf_counter()
        m = mb.Model()
        m.helper.fill_model_from_sparse_data(model.lb, model.ub, model.c, model.row_lo,
                                             model.row_hi, model.A.tocsr())
        for j in np.flatnonzero(model.integer):
            m.helper.set_var_integrality(int(j), True)
        if start is not None:
            for j, value in enumerate(start):
                m.add_hint(m.var_from_index(j), float(value))
        solver = mb.Solver("scip")
        settings = [f"limits/gap = {mip_gap}"] + ([] if presolve else ["presolving/maxrounds = 0"]) \
            + ([] if restart else ["presolving/maxrestarts = 0"])
        solver.set_solver_specific_parameters("\n".join(settings))
        if time_limit is not None:
            solver.set_time_limit_in_seconds(float(time_limit))
        status = solver.solve(m)
        seconds = time.perf_counter() - began
        S = mb.SolveStatus
        if status == S.INFEASIBLE:
            return Result(Status.INFEASIBLE, seconds=seconds, message="SCIP: infeasible")
        if status not in (S.OPTIMAL, S.FEASIBLE):
            return Result(Status.ERROR, seconds=seconds, message=f"SCIP found no plan ({status.name})")
        x = solver.values(m.get_variables()).to_numpy(float)
        objective = float(model.c @ x)
        bound = float(solver.best_objective_bound)
        return Result(Status.OPTIMAL if status == S.OPTIMAL else Status.FEASIBLE, x, objective,
                      min(bound, objective), seconds)
