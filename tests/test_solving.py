"""How a solve ends: warm start, the plan of last resort, honest statuses."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import replan
from audit import audit
from conftest import instance
from replan import cli, planner, solvers
from replan.solvers import ColdRelaxation, Result, Status, cbc
from replan.model.build import build_model
from replan.relaxation import tighten
from replan.warmstart import ROUNDINGS, warm_start


def test_rounding_ignores_solver_noise_in_both_directions():
    down, up = ROUNDINGS
    packs = np.array([3.0, 2.9999999, 3.0000001, 2.5])
    assert up(packs).tolist() == [3, 3, 3, 3]
    assert down(packs).tolist() == [3, 3, 3, 2]


class NoIncumbent:
    """An engine that, like one stopped early, finds no plan for any model with integers and
    proves nothing about an LP (its solution comes back as merely feasible, with no bound)."""

    name = "stub"

    def __init__(self, bound: float | None):
        self.bound = bound

    def available(self) -> bool:
        return True

    def relaxation(self, model, basis=None) -> ColdRelaxation:
        return ColdRelaxation(self, model.relaxed())

    def solve(self, model, time_limit, mip_gap, start=None, presolve=True, restart=True) -> Result:
        if model.integer.any():
            return Result(Status.ERROR, bound=self.bound, message="Time limit reached")
        result = solvers.engine("highs").solve(model, time_limit, mip_gap)
        return dataclasses.replace(result, status=Status.FEASIBLE, bound=None)


def use_stub(monkeypatch, bound: float | None) -> None:
    """`NoIncumbent` for the whole model and for its LPs, which would otherwise go to HiGHS."""
    monkeypatch.setitem(solvers.ENGINES, "stub", NoIncumbent(bound))
    monkeypatch.setattr(planner, "LP_ENGINE", "stub")


def shortage() -> replan.Instance:
    return instance(items={"item": ["A"], "holding_cost": [1], "backorder_cost": [2], "initial_inventory": [3]},
                    suppliers={"supplier": ["S"]},
                    offers={"supplier": ["S"], "item": ["A"], "unit_price": [1], "lead_time": [0],
                            "order_cost": [5]},
                    demand={"item": ["A"], "period": [1], "quantity": [5]})


def test_no_plan_in_time_returns_the_plan_that_orders_nothing(monkeypatch):
    use_stub(monkeypatch, bound=12.0)
    inst = shortage()
    plan = replan.solve(inst, solver="stub")
    assert plan.status == "feasible"
    assert plan.orders.empty
    assert plan.inventory.served.tolist() == [3]     # what is on hand is still served
    assert plan.kpis["bound"] == 12.0 and "orders nothing" in plan.kpis["message"]
    assert audit(inst, plan) == []


def test_cli_reports_a_plan_without_a_proven_bound(monkeypatch, tmp_path):
    use_stub(monkeypatch, bound=None)
    folder = tmp_path / "in"
    folder.mkdir()
    files = {"items": "item,holding_cost,backorder_cost,initial_inventory\nA,1,2,3\n",
             "suppliers": "supplier\nS\n",
             "offers": "supplier,item,unit_price,lead_time,order_cost\nS,A,1,0,5\n",
             "demand": "item,period,quantity\nA,1,5\n"}
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text)
    done = CliRunner().invoke(cli.app, ["solve", str(folder), "--out", str(tmp_path / "plan"),
                                        "--solver", "stub"])
    assert done.exit_code == 0, done.output
    assert "feasible: total cost" in done.output and "(no bound)" in done.output


def test_a_plan_with_fractional_service_is_solved_again_in_whole_units():
    """Served quantities are continuous in the model; where a plan serves part of a unit
    although every input is whole, the run solves again with whole service, from that plan,
    and keeps the better of the two bounds."""
    inst = instance(items={"item": ["A"], "holding_cost": [0], "backorder_cost": [5], "volume": [3],
                           "lost_sale_cost": [0]},
                    suppliers={"supplier": ["S"]},
                    offers={"supplier": ["S"], "item": ["A"], "unit_price": [1], "lead_time": [0],
                            "order_cost": [20]},
                    locations={"location": ["main"], "capacity": [10]},  # 3⅓ units
                    demand={"item": ["A", "A"], "period": [1, 2], "quantity": [4, 4]},
                    backlog={"item": ["A"], "since_period": [0], "quantity": [2]}, settings={"horizon": 2})
    built = build_model(inst)
    highs = solvers.engine("highs")
    fractional = highs.solve(built.model.relaxed(), None, 1e-9).x.copy()
    fractional[built.vars.serve[0, 0]] -= 0.5
    assert not planner._whole(built, fractional)
    given = Result(Status.FEASIBLE, fractional, 40.0, bound=33.5, seconds=1.0)
    whole = planner._made_whole(built, highs, given, None, 1e-9, engine_bound=True)
    assert planner._whole(built, whole.x)
    # the optimum by hand: order 9 in period 1, serve 6, keep 3 (9 of 10 volume units), serve 3
    assert whole.objective == pytest.approx(20 + 9 + 5 * 1)
    assert whole.bound == pytest.approx(34.0) and whole.seconds > 1.0
    # with capacities lowered below the model's, the re-solve's bound is not the model's
    assert planner._made_whole(built, highs, given, None, 1e-9, engine_bound=False).bound == 33.5


def test_the_tightened_lp_bound_counts_when_the_mip_proves_none(monkeypatch):
    """A MIP stopped before its root LP has no bound of its own; the LP relaxation's is valid."""
    class NoMipBound:
        name = "nomipbound"

        def available(self) -> bool:
            return True

        def relaxation(self, model, basis=None) -> ColdRelaxation:
            return ColdRelaxation(self, model.relaxed())

        def solve(self, model, time_limit, mip_gap, start=None, presolve=True, restart=True) -> Result:
            result = solvers.engine("highs").solve(model, time_limit, mip_gap, start, presolve, restart)
            return dataclasses.replace(result, status=Status.FEASIBLE, bound=None) \
                if model.integer.any() else result

    monkeypatch.setitem(solvers.ENGINES, "nomipbound", NoMipBound())
    inst = shortage()
    plan = replan.solve(inst, solver="nomipbound", mip_gap=1e-9)
    exact = replan.solve(inst, mip_gap=1e-9)
    assert plan.kpis["bound"] is not None
    assert plan.kpis["bound"] <= exact.objective + 1e-9 <= plan.objective + 1e-9


def test_every_engine_takes_the_settings_of_small_mips_and_finds_the_same_optimum(engine):
    """Presolve and restarts off (the many small MIPs of `lagrange` and of fix and optimize)
    change how an engine works, not what it finds; a setting an engine did not know (SCIP
    rejects an unknown parameter) would leave it with no plan at all."""
    built = build_model(shortage())
    default = solvers.engine(engine).solve(built.model, None, 1e-9)
    small = solvers.engine(engine).solve(built.model, None, 1e-9, presolve=False, restart=False)
    assert default.status == small.status == Status.OPTIMAL
    assert small.objective == pytest.approx(default.objective)


def test_a_mip_start_never_hides_the_optimum():
    """HiGHS 1.16.0, given this plan as its MIP start (66.8, the warm start of the plain
    model), scored it 38.8 in its presolved space and returned it as optimal; the optimum
    costs 56 (express from S2 in week 1 and 30 units from S1 at its break price in week 2,
    6 units owed for a week). Found by hypothesis; every engine must return the optimum."""
    frame = pd.DataFrame
    inst = replan.from_tables({
        "items": frame({"item": ["I0"], "holding_cost": [0.0], "backorder_cost": [1.0]}),
        "suppliers": frame({"supplier": ["S1", "S2"], "order_cost": [10.0, 0.0], "max_share": [1.0, 0.7]}),
        "offers": frame({"supplier": ["S1", "S2", "S2"], "item": ["I0"] * 3,
                         "mode": ["standard", "standard", "express"], "unit_price": [1.0, 2.0, 2.0],
                         "lead_time": [0, 0, 0]}),
        "price_breaks": frame({"supplier": ["S1"], "item": ["I0"], "min_quantity": [12], "unit_price": [0.8]}),
        "supplier_capacity": frame({"supplier": ["S1"], "period": [1], "capacity": [0.0]}),
        "demand": frame({"item": ["I0"] * 4, "period": [1, 2, 3, 3], "quantity": [8.0] * 4,
                         "customer": ["C2", "C2", "C1", "C2"], "priority": [2, 2, 1, 2]}),
        "backlog": frame({"item": ["I0"], "quantity": [6.0], "customer": ["C1"], "priority": [1],
                          "since_period": [-1]}),
    }, {"horizon": 5, "budget": 150.0, "mip_gap": 1e-7})
    highs = solvers.engine("highs")
    built, lp, kept, *_ = tighten(build_model(inst), highs, lambda: None, strong=False)
    start = warm_start(built, highs, lp, lambda: None, kept)
    assert built.model.c @ start == pytest.approx(66.8)
    for name in ("highs", "cbc", "scip"):
        result = solvers.engine(name).solve(built.model, None, 1e-9, start=start)
        assert result.objective == pytest.approx(56.0) == built.model.c @ result.x
    for formulation in ("strong", "plain"):
        plan = replan.solve(inst, formulation=formulation)
        assert plan.status == "optimal" and plan.objective == pytest.approx(56.0)


class Counting:
    """HiGHS under another name, counting the LPs it is asked to keep (`relaxation`)."""

    def __init__(self, name: str, installed: bool = True):
        self.name, self.installed, self.lps = name, installed, 0

    def available(self) -> bool:
        return self.installed

    def relaxation(self, model, basis=None):
        self.lps += 1
        return solvers.engine("highs").relaxation(model, basis)

    def solve(self, model, time_limit, mip_gap, start=None, presolve=True, restart=True) -> Result:
        return solvers.engine("highs").solve(model, time_limit, mip_gap, start, presolve, restart)


@pytest.mark.parametrize("installed", [True, False])
def test_the_lps_go_to_the_lp_engine_where_it_is_installed_whatever_solves_the_whole_model(monkeypatch, installed):
    """CBC and SCIP start every LP anew (CBC through files): with CBC for everything, the
    demo's first plan took all of an 8 s limit. Where `LP_ENGINE` is not installed, the
    engine of the whole model solves them."""
    whole, lps = Counting("whole"), Counting("lps", installed)
    monkeypatch.setitem(solvers.ENGINES, "whole", whole)
    monkeypatch.setitem(solvers.ENGINES, "lps", lps)
    monkeypatch.setattr(planner, "LP_ENGINE", "lps")
    inst = shortage()
    plan = replan.solve(inst, solver="whole", mip_gap=1e-9)
    assert plan.status == "optimal" and audit(inst, plan) == []
    assert (lps.lps > 0, whole.lps > 0) == (installed, not installed)


def test_cbc_is_handed_less_than_the_time_left_for_what_it_runs_over():
    """CBC ran up to 1.1 s over its limit on the samples: it gets `OVERRUN` less, a fifth
    less of a short time, and nothing of the time PuLP has taken already."""
    now = time.perf_counter()
    assert cbc._limit(None, now) is None
    assert cbc._limit(12.0, now) == pytest.approx(12.0 - cbc.OVERRUN, abs=0.01)
    assert cbc._limit(3.0, now) == pytest.approx(2.4, abs=0.01)
    assert cbc._limit(3.0, now - 2.0) == pytest.approx(0.8, abs=0.01)
    assert cbc._limit(3.0, now - 5.0) == 0.0
