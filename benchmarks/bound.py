"""How much of a benchmark's gap is the bound's: the tightened LP beside the priced bound.

    python benchmarks/bound.py --sizes 200                  # every part, every item-location's MIP
    python benchmarks/bound.py --sizes 200,1000 --rounds 10 --solve
    python benchmarks/bound.py --sizes 200 --families      # which integer decisions it is

For each independent part of a generated instance (`replan.decompose`), the LP bound after
`--rounds` rounds of (l,S) and MIR inequalities and `replan.lagrange.bound` from that LP's duals with
every item-location's own MIP solved (2 s at most each): a lower bound that the planner's
time limits leave no room for, and that says where the optimum is at least. With `--solve`,
also the planner's plan and bound within the size's limit (as `run.py` runs it, 2 workers)
and its gap against each bound: what is left above the priced bound is the most a better
search could gain; the rest is the bound's. With `--families`, the priced bound again with
only one block of integer columns kept integer at a time (packs, order lines, price tiers,
shipments): how much of the lift each kind of decision brings alone.
"""

from __future__ import annotations

import argparse
import time
from typing import NamedTuple

import numpy as np

import replan
from replan import lagrange, relaxation, split
from replan.model.build import Built, build_model
from replan.model.index import build_index
from replan.report import gap
from replan.solvers import Engine, Result, engine

from generate import SIZES, generate
from run import GAP, GAPS, LIMITS


def parts(instance: replan.Instance) -> list[replan.Instance]:
    """The instance's independent parts, as the planner cuts them (`split.cut`)."""
    return [split.subset(instance, block) for block in split.cut(build_index(instance), instance.settings.budget)]


def part_bounds(tight: PartLP) -> tuple[float, float, int, float]:
    """A part's LP bound (`part_lp`), its priced bound, the item-location MIPs solved and the
    seconds they took."""
    began = time.perf_counter()
    priced = lagrange.bound(*tight, lambda: None)
    return tight.lp.objective, priced.bound, priced.solved, time.perf_counter() - began


def family_lifts(tight: PartLP) -> dict[str, float]:
    """Per block of integer columns (packs, order lines, price tiers, shipments), what the
    priced bound rises above a part's LP (`part_lp`) with only that block kept integer in the
    item-locations' MIPs: which decisions the LP's bound misses."""
    model = tight.built.model
    lifts = {}
    for name, block in model.var_blocks.items():
        integer = np.zeros_like(model.integer)
        integer[block] = model.integer[block]
        if integer.any():
            priced = lagrange.bound(*tight, lambda: None, integer=integer)
            lifts[name] = priced.bound - tight.lp.objective
    return lifts


class PartLP(NamedTuple):
    """A part's model after rounds of inequalities, its LP and duals, and the engine: the
    arguments of `lagrange.bound`, in its order."""

    built: Built
    lp: Result
    duals: np.ndarray
    x: np.ndarray
    engine: Engine


def part_lp(part: replan.Instance, rounds: int) -> PartLP:
    """The part's model after `rounds` rounds of (l,S) and MIR inequalities, and its LP's duals."""
    highs = engine("highs")
    built = build_model(part)
    kept = highs.relaxation(built.model)
    steps = relaxation.Rounds(built, kept, kept.solve(None))
    for _ in range(rounds):
        steps.run(lambda: None, lambda moved: True)
    lp = kept.solve(None)  # the duals of the LP as it is, without the rows the last round dropped
    return PartLP(steps.built, lp, kept.duals(), lp.x, highs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="200", help="item counts of generate.SIZES, comma-separated")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of (l,S) and MIR inequalities before pricing")
    parser.add_argument("--solve", action="store_true", help="also the planner's plan within the size's limit")
    parser.add_argument("--families", action="store_true",
                        help="also the lift of each block of integer decisions alone (a priced bound per block)")
    args = parser.parse_args()
    known = {str(s[0]): s for s in SIZES}
    unknown = [part for part in args.sizes.split(",") if part not in known]
    if unknown:
        parser.error(f"--sizes: {', '.join(unknown)} not among the generated sizes {', '.join(known)}")
    for size in (known[part] for part in args.sizes.split(",")):
        items = size[0]
        instance = replan.from_tables(*generate(*size))
        lp_total = priced_total = 0.0
        for part in parts(instance):
            tight = part_lp(part, args.rounds)
            lp, priced, solved, seconds = part_bounds(tight)
            lp_total, priced_total = lp_total + lp, priced_total + priced
            print(f"{'x'.join(map(str, size))} part of {len(part['items']):,} item-locations: "
                  f"LP {lp:,.0f}, priced {priced:,.0f} (+{priced / lp - 1:.2%}) "
                  f"with {solved:,} MIPs in {seconds:.0f} s", flush=True)
            if args.families:
                lifts = family_lifts(tight)
                print("  alone: " + ", ".join(f"{name} +{lift:,.0f}" for name, lift in lifts.items()), flush=True)
        print(f"{'x'.join(map(str, size))}: LP {lp_total:,.0f}, priced {priced_total:,.0f} "
              f"(+{priced_total / lp_total - 1:.2%})")
        if args.solve:
            plan = replan.solve(instance, time_limit=LIMITS[items], mip_gap=GAPS.get(items, GAP), workers=2)
            print(f"  plan {plan.objective:,.0f}, its bound {plan.kpis['bound']:,.0f} "
                  f"({plan.kpis['mip_gap']:.2%}); against the priced bound {gap(plan.objective, priced_total):.2%}")


if __name__ == "__main__":
    main()
