"""Capacitated lot sizing: replan beside the facility-location model of the literature.

    python benchmarks/lotsizing.py                          # 8 items × 50 weeks, 3 seeds, 60 s
    python benchmarks/lotsizing.py --items 8 --weeks 50 --utilisation 0.85 --seeds 1,2,3 --time-limit 300

The multi-item capacitated lot-sizing problem (CLSP) without set-up times is
replan's contract with one supplier of limited capacity, a set-up cost on
each item's offer, holding costs, free goods, no lead time and demand that
must be met when due (`max_backorder_periods` 0). Its classic strong model
is the facility-location reformulation (Krarup and Bilde 1977): x[i,s,t],
the share of item i's demand of week t made in week s ≤ t, x[i,s,t] ≤ y[i,s].

`clsp` makes seeded instances in the style of the published sets (Trigeiro,
Thomas and McClain 1989; Cattrysse et al. 1990); `facility_location` is the
reference model, written out in PuLP so that it reads as the textbook
states it. The tests check replan's optimum against it on small instances;
this script prints, per seed, replan's plan and bound (strong and plain)
beside the reference model's, each with the same time limit and engine.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import pulp

import replan


def clsp(items: int, weeks: int, utilisation: float, seed: int) -> tuple[dict[str, pd.DataFrame], dict]:
    """The contract's tables and settings of one instance: demand of 0–199 a week (0–49 in
    the first two), set-up costs 50–999, holding costs 1–4, and a capacity each week that
    the average week's demand fills to `utilisation`."""
    rng = np.random.default_rng([items, weeks, seed])
    demand = rng.integers(0, 200, size=(items, weeks))
    demand[:, :2] = rng.integers(0, 50, size=(items, 2))
    tables = clsp_tables(demand, rng.integers(1, 5, items), rng.integers(50, 1000, items),
                         np.ceil(demand.sum(axis=0).mean() / utilisation))
    return tables, {"horizon": weeks, "start_date": "2026-01-05"}


def clsp_tables(demand: np.ndarray, holding: np.ndarray, setup: np.ndarray,
                capacity: float) -> dict[str, pd.DataFrame]:
    """The contract's tables of a CLSP: `demand` items × weeks, each item's holding and set-up
    cost, one plant of `capacity` units a week."""
    codes = [f"I{i:02d}" for i in range(len(demand))]
    item, week = np.nonzero(demand)
    return {
        "items": pd.DataFrame({"item": codes, "holding_cost": holding, "backorder_cost": 1000,
                               "max_backorder_periods": 0}),
        "suppliers": pd.DataFrame({"supplier": ["plant"], "capacity": [capacity]}),
        "offers": pd.DataFrame({"supplier": "plant", "item": codes, "unit_price": 0, "lead_time": 0,
                                "order_cost": setup}),
        "demand": pd.DataFrame({"item": np.array(codes)[item], "period": week + 1,
                                "quantity": demand[item, week]}),
    }


def facility_location(tables: dict[str, pd.DataFrame], horizon: int) -> pulp.LpProblem:
    """The facility-location model of a CLSP in the contract's tables (one capacitated supplier,
    lead time 0, no opening stock, demand met when due): min Σ f_i·y[i,s] + Σ h_i·(t−s)·d[i,t]·x[i,s,t]
    s.t. Σ_{s≤t} x[i,s,t] = 1, x[i,s,t] ≤ y[i,s], Σ_{i,t≥s} d[i,t]·x[i,s,t] ≤ C.

    With whole demands and capacity, fixing the set-ups leaves a transportation problem,
    whose optimum is whole: this model's optimum is also the optimum in whole units."""
    items = tables["items"].set_index("item")
    setup = tables["offers"].set_index("item")["order_cost"]
    capacity = float(tables["suppliers"]["capacity"].iloc[0])
    due = tables["demand"].groupby(["item", "period"])["quantity"].sum()
    problem = pulp.LpProblem("facility_location", pulp.LpMinimize)
    y = {(i, s): pulp.LpVariable(f"y_{i}_{s}", cat="Binary") for i in items.index for s in range(1, horizon + 1)}
    x = {(i, s, t): pulp.LpVariable(f"x_{i}_{s}_{t}", 0, 1)
         for (i, t) in due.index for s in range(1, t + 1)}
    problem += (pulp.lpSum(setup[i] * y[i, s] for i, s in y)
                + pulp.lpSum(items.at[i, "holding_cost"] * (t - s) * due[i, t] * x[i, s, t] for i, s, t in x))
    for i, t in due.index:
        problem += pulp.lpSum(x[i, s, t] for s in range(1, t + 1)) == 1
    for i, s, t in x:
        problem += x[i, s, t] <= y[i, s]
    for s in range(1, horizon + 1):
        problem += pulp.lpSum(due[i, t] * x[i, s_, t] for i, s_, t in x if s_ == s) <= capacity
    return problem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=8)
    parser.add_argument("--weeks", type=int, default=50)
    parser.add_argument("--utilisation", type=float, default=0.85)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--gap", type=float, default=1e-4)
    args = parser.parse_args()
    print(f"{'seed':>4} {'model':18} {'seconds':>8} {'objective':>10} {'bound':>10} {'gap':>7} status", flush=True)
    for seed in map(int, args.seeds.split(",")):
        tables, settings = clsp(args.items, args.weeks, args.utilisation, seed)
        instance = replan.from_tables(tables, settings)
        for formulation in ("strong", "plain"):
            plan = replan.solve(instance, time_limit=args.time_limit, mip_gap=args.gap, formulation=formulation)
            k = plan.kpis
            _line(seed, f"replan {formulation}", k["solve_seconds"], k["objective"], k["bound"], k["status"])
        problem = facility_location(tables, args.weeks)
        began = time.perf_counter()
        problem.solve(pulp.HiGHS(msg=False, timeLimit=args.time_limit, gapRel=args.gap))
        highs = problem.solverModel
        _line(seed, "facility location", time.perf_counter() - began, pulp.value(problem.objective),
              highs.getInfo().mip_dual_bound, highs.modelStatusToString(highs.getModelStatus()).lower())


def _line(seed: int, model: str, seconds: float, objective: float, bound: float, status: str) -> None:
    gap = (objective - bound) / max(abs(objective), 1e-9)
    print(f"{seed:4d} {model:18} {seconds:8.1f} {objective:10,.0f} {bound:10,.0f} {gap:7.2%} {status}",
          flush=True)


if __name__ == "__main__":
    main()
