"""Time the forecasting step: many series of two years' weekly sales, one and several processes.

    python benchmarks/forecast.py                       # 1,000 series, 1 and 2 processes
    python benchmarks/forecast.py --series 5000 --workers 1,2 --repeat 3

Each run is a fresh process (so peak memory is its own). Prints seconds,
series per second, peak memory, overall WAPE and bias, and how many series
each method won. The series mix smooth, seasonal, trending and intermittent
demand, promotions, stockout spells and new items.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

WEEKS = 104


def sales(series: int, seed: int = 1) -> pd.DataFrame:
    """A seeded sales table of `series` items at one location, weekly, ending 2025-12-29."""
    rng = np.random.default_rng(seed)
    mondays = pd.date_range(end="2025-12-29", periods=WEEKS, freq="7D")
    week = np.arange(WEEKS)
    frames = []
    for s in range(series):
        level = rng.lognormal(3, 1)
        shape = 1 + rng.uniform(0, 0.8) * np.sin(2 * np.pi * (week / 52 + rng.uniform()))
        trend = 1 + rng.normal(0, 0.2) * week / WEEKS
        mean = level * shape * np.clip(trend, 0.2, None)
        promo = rng.random(WEEKS) < 0.04
        mean = np.where(promo, mean * 1.8, mean)
        if rng.random() < 0.2:  # intermittent
            chance = rng.uniform(0.1, 0.5)
            quantity = rng.poisson(mean / chance) * (rng.random(WEEKS) < chance)
        else:
            quantity = rng.poisson(mean)
        stockout = np.zeros(WEEKS, dtype=bool)
        if rng.random() < 0.05:
            start = rng.integers(0, WEEKS - 4)
            stockout[start:start + 4] = True
            quantity = np.where(stockout, quantity // 5, quantity)
        first = rng.integers(40, WEEKS - 10) if rng.random() < 0.05 else 0  # a new item
        frames.append(pd.DataFrame({"item": f"SKU-{s:05d}", "date": mondays.date.astype(str),
                                    "quantity": quantity, "stockout": stockout}).iloc[first:])
    return pd.concat(frames, ignore_index=True)


def one_run(series: int, workers: int) -> dict:
    import replan

    table = sales(series)
    began = time.perf_counter()
    result = replan.forecast(table, horizon=26, workers=workers)
    seconds = time.perf_counter() - began
    return {"seconds": seconds, "summary": result.summary,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", default="1000", help="comma-separated counts")
    parser.add_argument("--workers", default="1,2", help="comma-separated process counts")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(f"{'series':>7} {'workers':>7} {'seconds':>8} {'series/s':>9} {'peak MB':>8} {'WAPE':>6} "
          f"{'bias':>6}  methods", flush=True)
    context = multiprocessing.get_context("spawn")
    for series in map(int, args.series.split(",")):
        for workers in map(int, args.workers.split(",")):
            runs = []
            for _ in range(args.repeat):
                with ProcessPoolExecutor(1, mp_context=context) as pool:
                    runs.append(pool.submit(one_run, series, workers).result())
            seconds = statistics.median(r["seconds"] for r in runs)
            s = runs[0]["summary"]
            peak = statistics.median(r["peak_mb"] for r in runs)
            methods = ", ".join(f"{k} {v}" for k, v in s["methods"].items())
            print(f"{series:>7} {workers:>7} {seconds:>8.1f} {series / seconds:>9.1f} {peak:>8.0f} "
                  f"{s['wape']:>6.1%} {s['bias']:>+6.1%}  {methods}", flush=True)


if __name__ == "__main__":
    main()
