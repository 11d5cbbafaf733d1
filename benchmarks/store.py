"""Time the plan database against the plan folder: save, read back and write seconds per plan size.

    python benchmarks/store.py                       # demo, 1,000 and 10,000 items, 3 repeats
    python benchmarks/store.py --items 10000 --repeat 5

A plan of N items is the demo's plan (38 item-locations, 26 weeks) copied under new item
names until it holds N item-locations, then stretched to the horizon asked (52 weeks for
10,000 items, as in benchmarks/run.py): the row counts of a real plan of that size, without
solving one. Each figure is the median of the repeats, on a fresh SQLite file each time.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

import replan
from replan import store

WEEKS = {1000: 26, 10000: 52}


def tiled(plan: replan.Plan, items: int, weeks: int) -> replan.Plan:
    """`plan`'s tables copied under new item names up to `items` item-locations; the inventory
    repeated over `weeks` periods when longer than the plan's own horizon."""
    copies = -(-items // len(plan.inventory[["item", "location"]].drop_duplicates()))
    inventory = plan.inventory
    if weeks > inventory["period"].max():
        stretch = -(-weeks // inventory["period"].max())
        inventory = pd.concat([inventory.assign(period=inventory["period"] + k * inventory["period"].max())
                               for k in range(stretch)], ignore_index=True)
        inventory = inventory[inventory["period"] <= weeks]

    def copied(frame: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([frame.assign(item=frame["item"] + f"-{k}") for k in range(copies)], ignore_index=True)

    return dataclasses.replace(plan, orders=copied(plan.orders), inventory=copied(inventory),
                               fulfillment=copied(plan.fulfillment), transfers=copied(plan.transfers),
                               exceptions=copied(plan.exceptions))


def timed(plan: replan.Plan) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "plans.db"
        began = time.perf_counter()
        plan_id = store.save(plan, db)
        saved = time.perf_counter() - began
        began = time.perf_counter()
        store.load(plan_id, db)
        loaded = time.perf_counter() - began
        began = time.perf_counter()
        plan.write(Path(folder) / "plan")
        written = time.perf_counter() - began
        return {"save": saved, "load": loaded, "folder": written, "mb": db.stat().st_size / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", default="38,1000,10000", help="item-locations per plan")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    demo = replan.solve(replan.load(replan.sample_path("demo")), time_limit=5)
    print("| item-locations × weeks | rows | save s | read back s | plan folder s | database MB |")
    print("|---|---|---|---|---|---|")
    for items in map(int, args.items.split(",")):
        plan = tiled(demo, items, WEEKS.get(items, 26))
        runs = [timed(plan) for _ in range(args.repeat)]
        median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        rows = sum(len(table) for table in plan.tables().values())
        weeks = plan.inventory["period"].max()
        print(f"| {items:,} × {weeks} | {rows:,} | {median['save']:.2f} | {median['load']:.2f} | "
              f"{median['folder']:.2f} | {median['mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
