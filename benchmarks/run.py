"""Time the planner on the bundled samples: build s, solve s, objective, bound, gap, peak memory.

    python benchmarks/run.py [--solvers highs,cbc,scip] [--time-limit 20] [--repeat 3]

Prints one line per sample and solver with the median of the repeats.
Issue 3 adds the seeded generator for 200 … 10,000 items.
"""

from __future__ import annotations

import argparse
import resource
import statistics
from pathlib import Path

import replan

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--solvers", default=",".join(replan.available_solvers()))
    parser.add_argument("--time-limit", type=float, default=20)
    parser.add_argument("--gap", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'sample':12} {'solver':6} {'build s':>8} {'solve s':>8} {'objective':>12} {'bound':>12} "
          f"{'gap':>7} {'status':>9} {'peak MB':>8}")
    for name in replan.SAMPLES:
        instance = replan.load(ROOT / "data" / name)
        for solver in args.solvers.split(","):
            runs = [replan.solve(instance, solver=solver, time_limit=args.time_limit, mip_gap=args.gap)
                    for _ in range(args.repeat)]
            k = [p.kpis for p in runs]
            best = min(runs, key=lambda p: p.objective)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{name:12} {solver:6} {statistics.median(x['build_seconds'] for x in k):8.2f} "
                  f"{statistics.median(x['solve_seconds'] for x in k):8.2f} {best.objective:12,.0f} "
                  f"{best.kpis['bound']:12,.0f} {statistics.median(x['mip_gap'] for x in k):7.2%} "
                  f"{best.status:>9} {peak:8.0f}", flush=True)


if __name__ == "__main__":
    main()
