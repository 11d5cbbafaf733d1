"""Solve an instance: build the model, run an engine, read the plan back, report.

The one function every door calls (`replan.solve`): the app, the CLI and an
analyst's notebook all get the same Plan from the same code.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Callable

import numpy as np

from . import extract, report
from .instance import Instance
from .model.build import BUCKETS, Built, build_model
from .model.linear import Compiled
from .plan import Plan
from .solvers import Result, Status, engine
from .warmstart import warm_start

Progress = Callable[[str], None]


def solve(instance: Instance, solver: str | None = None, time_limit: float | None = None,
          mip_gap: float | None = None, progress: Progress | None = None) -> Plan:
    """Plan `instance` at least cost.

    Parameters
    ----------
    instance : Instance
        From `replan.load` or `replan.from_tables`.
    solver : {"highs", "cbc", "scip"}, optional
        The engine; default the instance's `settings.solver` (HiGHS).
    time_limit : float, optional
        Seconds for the solve; the best plan found by then is returned with
        status "feasible" and its proven gap.
    mip_gap : float, optional
        Relative gap at which a plan counts as optimal; default `settings.mip_gap`.
    progress : callable, optional
        Called with a line of text at each step.

    Returns
    -------
    Plan
        Status optimal or feasible with every table; infeasible (with the
        limits that must give in `exceptions`) or error otherwise.

    Examples
    --------
    >>> import replan
    >>> plan = replan.solve(replan.load(replan.sample_path("peak-season")))
    >>> plan.status, round(plan.objective) == round(sum(plan.kpis["costs"].values()))
    ('optimal', True)
    """
    settings = instance.settings
    name = (solver or settings.solver).lower()
    limit = time_limit if time_limit is not None else settings.time_limit
    gap = mip_gap if mip_gap is not None else settings.mip_gap
    say = progress or (lambda _: None)
    say(f"building the model ({len(instance['items'])} item-locations, {instance.horizon} periods)")
    began = time.perf_counter()
    built = build_model(instance)
    build_seconds = time.perf_counter() - began
    rows, cols = built.model.shape
    say(f"built {cols:,} variables and {rows:,} constraints in {build_seconds:.2f} s; solving with {name}")
    result = _run(built, name, limit, gap)
    say(f"{result.status.value} in {result.seconds:.2f} s")
    kpis = {"status": result.status.value, "objective": None, "bound": None, "mip_gap": None,
            "costs": None, "fill_rate": None, "backorder_unit_periods": None, "solver": name,
            "build_seconds": round(build_seconds, 3), "solve_seconds": round(result.seconds, 3),
            "start_date": settings.start_date.isoformat(), "input_digest": instance.digest,
            "horizon": instance.horizon, "message": result.message}
    if result.status == Status.INFEASIBLE:
        return _infeasible(instance, name, limit, gap, kpis, say)
    if result.x is None:
        rows_ = report.input_warnings(instance.warnings) + [report.exception_row(
            "critical", "solver", message=f"No plan: {result.message}")]
        return Plan(kpis, report.exceptions(rows_))
    return _plan(built, result, kpis)


def _run(built: Built, name: str, limit: float | None, gap: float) -> Result:
    """Solve; make served quantities whole if need be; never come back empty-handed in time.

    Every solve of the run (warm start, MIP, whole-units re-solve) draws on one
    time budget, so the run as a whole keeps to `limit`.
    """
    solver = engine(name)
    began = time.perf_counter()

    def remaining() -> float | None:
        return None if limit is None else max(limit - (time.perf_counter() - began), 1.0)

    start = warm_start(built, solver, remaining)
    result = solver.solve(built.model, remaining(), gap, start=start)
    result = dataclasses.replace(result, seconds=time.perf_counter() - began)
    if result.x is None and result.status == Status.ERROR:
        fallback = solver.solve(_order_nothing(built.model), None, gap)
        if fallback.x is not None:
            return dataclasses.replace(
                fallback, status=Status.FEASIBLE, bound=result.bound,
                seconds=result.seconds + fallback.seconds,
                message=f"{result.message}; showing the plan that orders nothing")
        return result
    if result.x is not None and built.index.whole and not _whole(built, result.x):
        # rare: a vertex with fractional service (storage with fractional volumes); make it whole
        serve = built.model.var_blocks["serve"]
        integer = built.model.integer.copy()
        integer[serve] = True
        again = solver.solve(dataclasses.replace(built.model, integer=integer), remaining(), gap,
                             start=built.model.clean(result.x))
        if again.x is not None:
            return dataclasses.replace(again, seconds=time.perf_counter() - began)
    return result


def _whole(built: Built, x: np.ndarray) -> bool:
    cols = np.concatenate([c[c >= 0].ravel() for c in
                           (built.vars.serve, built.vars.stock, built.vars.owed, built.vars.lost)])
    return bool(np.all(np.abs(x[cols] - np.round(x[cols])) < extract.TOL))


def _order_nothing(model: Compiled) -> Compiled:
    """The LP in which every ordering and shipping decision is 0: a plan that always exists
    unless a service limit or storage makes the data infeasible."""
    ub = np.where(model.integer, 0.0, model.ub)
    return dataclasses.replace(model, ub=ub, integer=np.zeros_like(model.integer))


def _plan(built: Built, result: Result, kpis: dict) -> Plan:
    x = built.model.clean(result.x)
    orders = extract.orders(built, x)
    inventory = extract.inventory(built, x)
    fulfillment = extract.fulfillment(built, x)
    costs = {name: float(np.round(value, 6)) for name, value in built.model.bucket_values(x).items()
             if name in BUCKETS}
    objective = float(sum(costs.values()))
    bound = None if result.bound is None else float(min(result.bound, objective))
    gap = None if bound is None else (0.0 if abs(objective - bound) <= 1e-9
                                      else abs(objective - bound) / max(abs(objective), 1e-9))
    kpis.update(objective=objective, bound=bound, mip_gap=gap, costs=costs,
                fill_rate=report.fill_rate(fulfillment),
                backorder_unit_periods=float(inventory["backorder"].sum()))
    rows = report.plan_exceptions(built, x, orders, inventory)
    return Plan(kpis, report.exceptions(rows, built), orders, inventory, fulfillment,
                extract.transfers(built, x))


def _infeasible(instance: Instance, name: str, limit: float | None, gap: float, kpis: dict,
                say: Progress) -> Plan:
    """Re-solve with priced slack on the limits that can conflict; name what must give."""
    say("no plan meets every hard limit; finding the limits that must give")
    elastic = build_model(instance, elastic=True)
    result = engine(name).solve(elastic.model, limit, gap)
    rows = []
    if result.x is not None:
        x = elastic.model.clean(result.x)
        rows = (report.violations(elastic, x) + report.binding_suppliers(elastic, x)
                + report.binding_budget(elastic, x))
    if not rows:
        rows.append(report.exception_row("critical", "infeasible",
                                         message="No plan meets every hard limit (capacities, budget, "
                                                 "max_share, max_backorder_periods, storage)."))
    return Plan(kpis, report.exceptions(rows + report.input_warnings(instance.warnings), elastic))
