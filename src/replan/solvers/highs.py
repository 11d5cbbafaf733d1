"""HiGHS through highspy, in process: the default engine."""

from __future__ import annotations

import dataclasses
import time
from typing import Callable

import numpy as np
import scipy.sparse as sp

from ..model.linear import Compiled
from .base import Basis, Result, Status, quiet_stdout


class HighsEngine:
    name = "highs"

    def available(self) -> bool:
        try:
            import highspy  # noqa: F401
        except ImportError:
            return False
        return True

    def relaxation(self, model: Compiled, basis: Basis | None = None) -> HighsRelaxation:
        return HighsRelaxation(model, basis)

    def solve(self, model: Compiled, time_limit: float | None, mip_gap: float,
              start: np.ndarray | None = None, presolve: bool = True, restart: bool = True) -> Result:
        import highspy

        began = time.perf_counter()
        h = _highs(highspy)
        h.setOptionValue("mip_rel_gap", float(mip_gap))
        if not presolve:
            h.setOptionValue("presolve", "off")
        if not restart:
            h.setOptionValue("mip_allow_restart", False)
        if time_limit is not None:
            h.setOptionValue("time_limit", float(time_limit))
            deadline = began + time_limit
            _watchdog(h, highspy, lambda: deadline)
        h.passModel(_lp(model, highspy))
        if start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = list(start)
            solution.value_valid = True
            h.setSolution(solution)
        h.run()
        result = _result(h, highspy, bool(model.integer.any()), began)
        if start is None or not _misreported(model, result):
            return result
        # HiGHS 1.16.0 can score a MIP start wrongly in its presolved space and return it as
        # optimal at that score, below the true optimum; solved again, without the start
        left = None if time_limit is None else max(began + time_limit - time.perf_counter(), 0.0)
        again = self.solve(model, left, mip_gap, presolve=presolve, restart=restart)
        if again.x is not None:
            return dataclasses.replace(again, seconds=time.perf_counter() - began)
        return Result(Status.FEASIBLE, result.x, float(model.c @ result.x), None,
                      time.perf_counter() - began, "HiGHS misreported the plan's cost; no bound")


def _misreported(model: Compiled, result: Result) -> bool:
    """Whether the objective HiGHS reports differs from what its solution costs."""
    if result.x is None or result.objective is None:
        return False
    cost = float(model.c @ result.x)
    return abs(cost - result.objective) > 1e-6 * max(1.0, abs(cost))


class HighsRelaxation:
    """An LP kept in one HiGHS instance, so that each solve after added rows or new bounds
    (dual simplex) or new costs (primal simplex) starts from the last basis: on the 875-item
    part of the 1,000-item benchmark, 3.9 s after a round of cuts and 1.8 s after new costs,
    against 14 s and 6 s from scratch, and 0.15–0.3 s for slope scaling's next plan with
    every order fixed, against 2.1–2.5 s. A new one started from another's `basis` (the
    cold LP's, for slope scaling's costs on that part) took 1.6 s against 7.2 s."""

    def __init__(self, model: Compiled, basis: Basis | None = None) -> None:
        import highspy

        self._highspy = highspy
        self._h = _highs(highspy)
        # the watchdog must not hold self: HiGHS keeps the callback out of Python's sight,
        # so a cycle through it is never collected and leaked every kept LP (gigabytes at
        # 10,000 items)
        self._deadline: list[float | None] = [None]
        deadline = self._deadline
        _watchdog(self._h, highspy, lambda: deadline[0])
        self._h.passModel(_lp(model.relaxed(), highspy))
        if basis is not None and (len(basis.cols), len(basis.rows)) == model.A.shape[::-1]:
            statuses = {int(s): s for s in highspy.HighsBasisStatus.__members__.values()}
            start = highspy.HighsBasis()
            start.col_status = [statuses[s] for s in basis.cols.tolist()]
            start.row_status = [statuses[s] for s in basis.rows.tolist()]
            start.valid = True
            self._h.setBasis(start)

    def solve(self, time_limit: float | None) -> Result:
        began = time.perf_counter()
        self._deadline[0] = None if time_limit is None else began + time_limit
        # HiGHS's time_limit counts the instance's run time over every solve so far
        self._h.setOptionValue("time_limit", np.inf if time_limit is None
                               else self._h.getRunTime() + float(time_limit))
        self._h.run()
        return _result(self._h, self._highspy, False, began)

    def duals(self) -> np.ndarray:
        return np.asarray(self._h.getSolution().row_dual)

    def basis(self) -> Basis | None:
        basis = self._h.getBasis()
        if not basis.valid:
            return None
        cols, rows = basis.col_status, basis.row_status
        return Basis(np.fromiter(map(int, cols), np.int8, len(cols)),
                     np.fromiter(map(int, rows), np.int8, len(rows)))

    def add_rows(self, A: sp.csr_matrix, lo: np.ndarray, hi: np.ndarray) -> None:
        csr = sp.csr_matrix(A)
        self._h.addRows(csr.shape[0], lo, hi, csr.nnz, csr.indptr[:-1].astype(np.int32),
                        csr.indices.astype(np.int32), csr.data)

    def delete_rows(self, rows: np.ndarray) -> None:
        self._h.deleteRows(len(rows), np.asarray(rows, dtype=np.int32))

    def set_costs(self, c: np.ndarray) -> None:
        self._h.changeColsCost(len(c), np.arange(len(c), dtype=np.int32), np.asarray(c, float))

    def set_bounds(self, lb: np.ndarray, ub: np.ndarray) -> None:
        self._h.changeColsBounds(len(lb), np.arange(len(lb), dtype=np.int32),
                                 np.asarray(lb, float), np.asarray(ub, float))


def _highs(highspy):
    with quiet_stdout():  # the banner
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def _result(h, highspy, mip: bool, began: float) -> Result:
    """The `Result` of the run that `h` has just finished."""
    status = h.getModelStatus()
    info = h.getInfo()
    seconds = time.perf_counter() - began
    S = highspy.HighsModelStatus
    has_solution = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    if status in (S.kInfeasible, S.kUnboundedOrInfeasible):
        return Result(Status.INFEASIBLE, seconds=seconds, message=h.modelStatusToString(status))
    message = "time limit reached" if status == S.kInterrupt else h.modelStatusToString(status)
    if not has_solution:
        return Result(Status.ERROR, seconds=seconds, message=f"HiGHS found no plan ({message})")
    x = np.asarray(h.getSolution().col_value)
    objective = float(info.objective_function_value)
    optimal = status == S.kOptimal
    if mip:
        bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
    else:
        bound = objective if optimal else None
    return Result(Status.OPTIMAL if optimal else Status.FEASIBLE, x, objective, bound, seconds, message)


def _watchdog(h, highspy, deadline: Callable[[], float | None]) -> None:
    """Stop HiGHS at `deadline()` (time.perf_counter(); None: never) from its interrupt callbacks.

    HiGHS checks its own time_limit only between some steps and was seen to
    overrun it 2.3× on large models; the callbacks run inside simplex, IPM and
    branch and bound, so the run ends on time with the best plan found.
    """
    def interrupt(kind, message, data_out, data_in, user_data) -> None:
        due = deadline()
        # set both ways: highspy hands the same data_in to every later run of this instance,
        # so a flag left True stops each of them at its first callback
        data_in.user_interrupt = due is not None and time.perf_counter() > due

    h.setCallback(interrupt, None)
    kinds = highspy.cb.HighsCallbackType
    for kind in (kinds.kCallbackSimplexInterrupt, kinds.kCallbackIpmInterrupt, kinds.kCallbackMipInterrupt):
        h.startCallback(kind)


def _lp(model: Compiled, highspy):
    csc = model.A.tocsc()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = model.A.shape[1], model.A.shape[0]
    lp.col_cost_ = model.c
    lp.col_lower_, lp.col_upper_ = model.lb, model.ub
    lp.row_lower_, lp.row_upper_ = model.row_lo, model.row_hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr
    lp.a_matrix_.index_ = csc.indices
    lp.a_matrix_.value_ = csc.data
    if model.integer.any():
        lp.integrality_ = np.where(model.integer, highspy.HighsVarType.kInteger,
                                   highspy.HighsVarType.kContinuous).tolist()
    return lp
