"""Solve an instance: build the model, run an engine, read the plan back, report.

The one function every door calls (`replan.solve`): the app, the CLI and an
analyst's notebook all get the same Plan from the same code.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterator, TypeVar

import numpy as np

from . import clock, decompose, extract, processes, report, split
from .improve import Search, step_engine
from .instance import Instance
from .model.build import BUCKETS, Built, build_model, with_capacities
from .model.index import Index, build_index
from .model.orders import idle_off
from .model.stock import exact_shortfall
from .model.linear import Compiled
from .plan import Plan
from .solvers import Basis, Engine, Result, Status, engine, installed_or
from .relaxation import tighten
from .warmstart import first_round, warm_start, within_rows

T = TypeVar("T")
Progress = Callable[[str], None]
WARM_SHARE = 0.6
"""Of the time left after the LP rounds, what the warm start may take when the MIP follows."""
MIP_SETUP = 50.0
"""The least time, in cold LP solves, for which a MIP engine is worth starting. HiGHS spent
27 s on presolve and set-up before its root LP where the cold LP took 6 s (the 875-item
part of the 1,000-item benchmark), overran a 20 s limit to get there, and improved nothing
with 30 s; slope scaling improves the plan with every round it gets. Given 25 s (45 cold
LPs) on the 200-item benchmark's largest part, its bound never passed the LP's and fix and
optimize beside it gained less than with both processes, next to resumed rounds of
inequalities: 0.80% → 0.74% (medians of three, interleaved); at 10, it followed there.
The samples' parts (about 200 cold LPs) keep it."""
MIP_IDLE = 10.0
"""Where fix and optimize runs out of neighbourhoods with the time left under `MIP_SETUP` cold
LPs, the MIP engine still starts if this many fit: nothing else would use the time. Peak-season
with 8 s and a gap of 0.05% asked ended at 2.45 s, 0.3% from its bound; the MIP engine takes
it to 0.1% in the 5.5 s left (50 cold LPs). Its presolve, which cannot be interrupted, took 4.5
cold LPs on the 1,000-item benchmark's largest part: 10 leaves it time to get past it."""
LP_ENGINE = "highs"
"""The engine for the LPs (cut rounds, slope scaling's plans, the first plan) where it is
installed, whatever engine solves the whole model: it keeps its last basis between solves
(`HighsRelaxation`), where CBC and SCIP start each LP anew, CBC through files. With CBC for
everything, the first plan of the demo took 8.2 s of an 8 s limit and left no time for a
round of inequalities: a plan 4.7% from its bound; with HiGHS's LPs, 1.4% (SCIP: 3.4%, 1.3%)."""
IMPROVE_SHARE = 0.5
"""Of the time left after the warm start, what fix and optimize may take when the MIP or resumed
rounds of inequalities follow."""
BESIDE_SHARE = 0.25
"""The least share of the time limit for the parts solved beside the largest (`_beside_the_largest`).
Until the largest part's search starts, its LPs and warm start leave the other core to them:
25–30% of the limit on the 200- and 1,000-item benchmarks. With their share by size (15% and
12.5%) the smaller parts ended 0.73% and 2.2% from their bounds; with 25%, 0.50% and 1.4%, and
the largest part's plan was as dear (one run each); with 40% it was 0.02% and 0.06% dearer."""
WARM_APART = 30.0
"""Where the time left after the cold LP is under this many cold LPs, the warm start runs from
the cold LP (`_FirstPlan`): in a process of the pool, if it has one to spare, while the cut
rounds run here (`_warm_start`), else here before them; the rounds stop once their bound
proves its plan, and do not start if the cold LP's does. On the 10,000-item benchmark (5%
asked, no process to spare) a 484-item part took 9.9 s where rounds, then the warm start,
took 17.9 s. On the 1,000-item benchmark's largest part (about 20 cold LPs) the rounds
took 29 s and the warm start after them 16 s more; beside them the plans ended 2,200–16,900
cheaper, a median 0.95% from their bounds against 0.99% (five interleaved runs each).
On the 200-item benchmark's (50–100 cold LPs, rounds of 5 s) the plans from the cold LP
ended 0.3% dearer, 0.73% against 0.44%: there the warm start waits for the rounds' LP."""


@dataclass(frozen=True)
class Options:
    """How to solve: engine, time limit (seconds, None: none), relative gap, formulation."""

    solver: str
    time_limit: float | None
    mip_gap: float
    strong: bool = True


@processes.in_one_thread
def solve(instance: Instance, solver: str | None = None, time_limit: float | None = None,
          mip_gap: float | None = None, progress: Progress | None = None,
          formulation: str | None = None, workers: int = 1, executor: Executor | None = None) -> Plan:
    """Plan `instance` at least cost.

    Parameters
    ----------
    instance : Instance
        From `replan.load` or `replan.from_tables`.
    solver : {"highs", "cbc", "scip"}, optional
        The engine of the whole model; default the instance's `settings.solver` (HiGHS).
        Its LPs go to HiGHS (`lp_engine`) and fix and optimize's small MIPs to SCIP
        (`improve.step_engine`) where they are installed.
    time_limit : float, optional
        Seconds for the solve; the best plan found by then is returned with
        status "feasible" and its proven gap.
    mip_gap : float, optional
        Relative gap at which a plan counts as optimal; default `settings.mip_gap`.
    progress : callable, optional
        Called with a line of text at each step.
    formulation : {"strong", "plain"}, optional
        Default the instance's `settings.formulation` ("strong": the LP
        relaxation tightened by (l,S) inequalities; "plain": the textbook
        big-M model, kept to measure the difference).
    workers : int, optional
        Processes that solve at once; default 1, everything in this process.
        Independent parts of the instance (see `replan.decompose`) are dealt
        to `workers` queues; when there is one part, or one holds most of the
        items, the parts are solved here and the fix-and-optimize steps of
        each run `workers` at once in as many processes, then beside the MIP
        engine in all but one.
    executor : concurrent.futures.Executor, optional
        Where the `workers` queues of parts run instead of a local process
        pool, e.g. a Dask cluster's `distributed.Client(address).get_executor()`.

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
    form = (formulation or settings.formulation).lower()
    if form not in ("strong", "plain"):
        raise ValueError(f"formulation must be 'strong' or 'plain', not {formulation!r}")
    options = Options((solver or settings.solver).lower(),
                      time_limit if time_limit is not None else settings.time_limit,
                      mip_gap if mip_gap is not None else settings.mip_gap, form == "strong")
    say = progress or (lambda _: None)
    began = time.perf_counter()
    remaining = clock.budget(options.time_limit)
    index = build_index(instance)
    cut = split.cut(index, settings.budget)
    plan = _solve_cut(instance, index, cut, options, remaining, say, workers, executor, began)
    if any(block.share is not None for block in cut) and plan.status == "infeasible":
        # a block's share of a capacity may hold no plan where its whole part has one
        say("a block found no plan within its share of the capacities; solving the parts whole")
        plan = _solve_cut(instance, index, split.parts(index, settings.budget), options, remaining, say,
                          workers, executor, began)
    return plan


def _solve_cut(instance: Instance, index: Index, cut: list[split.Block], options: Options,
               remaining: clock.Remaining, say: Progress, workers: int, executor: Executor | None,
               began: float) -> Plan:
    """The plan of `instance` solved in the blocks of `cut`, joined."""
    if len(cut) == 1:
        with _step_pool(workers if executor is None else 1) as pool:
            # less the time it took to index the instance and look for parts
            return solve_whole(instance, dataclasses.replace(options, time_limit=remaining()), say, index, pool)
    shared = sum(block.share is not None for block in cut)
    say(f"{len(cut)} parts of {index.K:,} item-locations"
        + (f" ({shared} of them blocks of parts too large to solve whole)" if shared else "")
        + "; solving each")
    parts = [split.subset(instance, block) for block in cut]
    left = remaining()  # less the time it took to cut the instance into parts
    plans = _solve_parts(parts, dataclasses.replace(options, time_limit=left), say,
                         max(1, workers), executor, cut)
    unpaid = split.unpaid_shipments(instance, parts, plans) if shared and _planned(plans) else 0.0
    plan = decompose.join(instance, plans, time.perf_counter() - began, unpaid, options.mip_gap)
    say(f"{plan.status} in {plan.kpis['solve_seconds']:.2f} s")
    return plan


def _solve_parts(parts: list[Instance], options: Options, say: Progress, workers: int,
                 executor: Executor | None, blocks: list[split.Block]) -> list[Plan]:
    """The plans of `parts`, the sub-instances of `blocks`, in their order, solved in `workers`
    queues (`_queues`), or, when one part holds most of the items, that part with
    fix-and-optimize steps in `workers` processes: the run lasts as long as its solve, which
    the spare processes then speed. The other parts, if independent (none a block of a part,
    see `split`), are solved beside it (`_beside_the_largest`), else before it in one queue.
    Queues of blocks solved at once each keep to their share of the capacities the blocks
    share (`split.queue_shares`)."""
    sizes = _sizes(parts)
    if _one_queue(sizes, workers, executor):
        with _step_pool(workers) as pool:
            if pool is not None and all(block.share is None for block in blocks):
                return _beside_the_largest(parts, options, say, pool)
            return solve_queue(parts, options, say, pool=pool)
    queues = _queues(sizes, workers)
    n = len(queues)
    with contextlib.ExitStack() as stack:
        pool = executor or stack.enter_context(processes.pool(n))
        done = pool.map(solve_queue, [[parts[i] for i in queue] for queue in queues], [options] * n,
                        [None] * n, [time.time()] * n, [None] * n, split.queue_shares(blocks, queues))
        plans: list[Plan] = [None] * len(parts)  # type: ignore[list-item]
        for queue, queue_plans in zip(queues, done):
            for i, plan in zip(queue, queue_plans):
                plans[i] = plan
    return plans


def _beside_the_largest(parts: list[Instance], options: Options, say: Progress, pool: StepPool) -> list[Plan]:
    """The largest part solved here with all the time and `pool` for its fix-and-optimize
    steps; the others meanwhile in one of the pool's processes, one after another, with
    `_beside_limit`. While the largest part solves its LPs (one core), the other core sat
    idle: on the 1,000-item benchmark, 35 s of the largest part's 104."""
    sizes = _sizes(parts)
    largest = int(sizes.argmax())
    others = [i for i in range(len(parts)) if i != largest]
    limit = _beside_limit(options.time_limit, sizes[others].sum() / sizes.sum())
    plural = "s" if len(others) > 1 else ""
    say(f"solving the {len(others)} smaller part{plural} in another process meanwhile")
    beside = pool.executor.submit(solve_queue, [parts[i] for i in others],
                                  dataclasses.replace(options, time_limit=limit), None, time.time())
    plans: list[Plan] = [None] * len(parts)  # type: ignore[list-item]
    plans[largest] = solve_whole(parts[largest], options, say, pool=pool)
    for i, plan in zip(others, beside.result()):
        plans[i] = plan
    return plans


def _beside_limit(limit: float | None, share: float) -> float | None:
    """The time for the parts solved beside the largest, which hold `share` of the items:
    that share of `limit`, or `BESIDE_SHARE` of it if more."""
    return None if limit is None else limit * max(share, BESIDE_SHARE)


def _sizes(parts: list[Instance]) -> np.ndarray:
    """The item-locations of each part."""
    return np.array([len(part["items"]) for part in parts])


def _one_queue(sizes: np.ndarray, workers: int, executor: Executor | None) -> bool:
    """Whether parts of these `sizes` are solved in one queue here (`_solve_parts`)."""
    queues = min(workers, len(sizes))
    return executor is None and (queues == 1 or sizes.max() > sizes.sum() / queues)


def _queues(sizes: np.ndarray, workers: int) -> list[list[int]]:
    """Part numbers dealt largest first to the least loaded of `workers` queues, each queue
    then solved smallest first (see `decompose.parts`)."""
    queues: list[list[int]] = [[] for _ in range(min(workers, len(sizes)))]
    load = np.zeros(len(queues))
    for i in np.argsort(sizes, kind="stable")[::-1]:
        q = int(load.argmin())
        queues[q].append(int(i))
        load[q] += sizes[i]
    return [queue[::-1] for queue in queues]


@processes.in_one_thread
def solve_queue(parts: list[Instance], options: Options, say: Progress | None = None,
                sent: float | None = None, pool: StepPool | None = None,
                share: np.ndarray | None = None) -> list[Plan]:
    """Solve parts one after another; each gets the time left in proportion to its size.

    `sent` is when (`time.time()`) the queue was handed to another process: the time it took
    to start there (a spawned process imports replan) counts against the limit. `pool`
    solves the fix-and-optimize steps (`solve_whole`). Each part leaves the supplier
    capacity that the parts before it ordered (blocks of one whole, see `split`, may each
    use all of it otherwise), and keeps to the queue's `share` of it (one per supplier)."""
    waited = 0.0 if sent is None else max(0.0, time.time() - sent)
    began = time.perf_counter() - waited
    left = _sizes(parts).astype(float)
    plans = []
    for i, part in enumerate(parts):
        limit = options.time_limit
        if limit is not None:
            portion = left[i] / left[i:].sum()
            limit = max(clock.MIN_SECONDS, (limit - (time.perf_counter() - began)) * portion)
        plans.append(solve_whole(part, dataclasses.replace(options, time_limit=limit),
                                 say or (lambda _: None), pool=pool, before=plans, share=share))
    return plans


def _planned(plans: list[Plan]) -> bool:
    return all(plan.orders is not None for plan in plans)


def solve_whole(instance: Instance, options: Options, say: Progress, index: Index | None = None,
                pool: StepPool | None = None, before: list[Plan] | None = None,
                share: np.ndarray | None = None) -> Plan:
    """Solve `instance` as one model; `pool`, if given, solves its fix-and-optimize steps.
    Its plan keeps to `share` (one per supplier, None: all) of the supplier capacities and
    leaves what the plans `before`, of other parts of the same whole, use; its bound does not
    (the parts' bounds add up to one of the whole)."""
    name, limit, gap = options.solver, options.time_limit, options.mip_gap
    say(f"building the model ({len(instance['items'])} item-locations, {instance.horizon} periods)")
    began = time.perf_counter()
    index = index or build_index(instance)
    overdue = report.overdue_backlog(index)
    if overdue:  # no plan keeps to the limit, so no model to solve: name what else must give too
        say("backlog has waited longer than max_backorder_periods already; no plan keeps to it")
        kpis = _kpis(instance, name, Status.INFEASIBLE, time.perf_counter() - began,
                     message="backlog past its limit")
        return _infeasible(instance, name, limit, gap, kpis, say, overdue)
    built = build_model(instance, index=index)
    build_seconds = time.perf_counter() - began
    rows, cols = built.model.shape
    lps = lp_engine(name).name
    say(f"built {cols:,} variables and {rows:,} constraints in {build_seconds:.2f} s; solving with {name}"
        + ("" if lps == name else f", its LPs with {lps}"))
    left = split.capacity_left(built.index, before or [], share) if before or share is not None else None
    result = _run(built, name, limit, gap, options.strong, say, pool, left)
    closing = "" if result.x is None or result.bound is None else \
        f", gap {report.gap(result.objective, min(result.bound, result.objective)):.1%}"
    say(f"{result.status.value} in {result.seconds:.2f} s{closing}")
    kpis = _kpis(instance, name, result.status, build_seconds, result.seconds, result.message)
    if result.status == Status.INFEASIBLE:
        return _infeasible(instance, name, limit, gap, kpis, say)
    if result.x is None:
        rows_ = report.input_warnings(instance.warnings) + [report.exception_row(
            "critical", "solver", message=f"No plan: {result.message}")]
        return Plan(kpis, report.exceptions(rows_))
    return _plan(built, result, kpis, gap)


def _kpis(instance: Instance, name: str, status: Status, build_seconds: float = 0.0,
          solve_seconds: float = 0.0, message: str = "") -> dict:
    """The kpis of a run before its plan is known: what ran, on what, how long."""
    return {"status": status.value, "objective": None, "bound": None, "mip_gap": None,
            "costs": None, "fill_rate": None, "backorder_unit_periods": None, "solver": name,
            "build_seconds": round(build_seconds, 3), "solve_seconds": round(solve_seconds, 3),
            "start_date": instance.settings.start_date.isoformat(), "input_digest": instance.digest,
            "horizon": instance.horizon, "parts": 1, "message": message}


def _run(built: Built, name: str, limit: float | None, gap: float, strong: bool,
         say: Progress = lambda _: None, pool: StepPool | None = None,
         capacity: np.ndarray | None = None) -> Result:
    """Solve; make served quantities whole if need be; never come back empty-handed in time.

    Every solve of the run (warm start, MIP, whole-units re-solve) draws on one
    time budget, so the run as a whole keeps to `limit`. Where the time is short
    (`WARM_APART`), the warm start runs from the cold LP, before the cut rounds, or, with a
    `pool`, in one of its processes while they run here, resumed until it comes if they end
    first; they end once their bound proves its plan. With a `pool`, fix and
    optimize solves as many steps at once as it has processes, and goes on beside
    the MIP engine in all but one of them, or, where the MIP engine would have no time
    after it, beside resumed rounds of inequalities for as long as they raise the bound
    (`relaxation.MORE_PROGRESS`), then in all of them; if it runs out of neighbourhoods
    with time left, the MIP engine takes it (`MIP_IDLE`). Late in the search, a round raises
    the bound more than the search lowers the plan in its time: where the rounds had half
    the time left, the 200-item benchmark ended a median 0.56% from its bound, 0.47% with
    all of it (seven interleaved pairs). Search and rounds stop, and the MIP engine does not
    start, once the plan is within `gap` of the bound of the moment, as a MIP solver stops
    at the gap asked. With `capacity`
    (S × T), the plan keeps to it where it is below the model's (`with_capacities`); the
    bound is the LP's of the model as built, since the engine's would hold for the lowered
    capacities only.
    """
    solver, lps = engine(name), lp_engine(name)
    began = time.perf_counter()

    remaining = clock.budget(limit)
    first = _FirstPlan(built, lps.name, gap, remaining, say, pool, capacity)
    built, relaxed, kept, cold, rounds, cold_basis = tighten(built, lps, remaining, strong, first)
    if first.apart is not None and rounds is not None and not first.apart.done():  # rather than wait for it
        rounds.more(remaining, stop=first.apart.done)
        built, relaxed = rounds.built, rounds.lp
    if relaxed.objective is not None:
        cuts = built.model.row_blocks.get("cuts")
        added = 0 if cuts is None else cuts.stop - cuts.start
        say(f"LP bound {relaxed.objective:,.2f} with {added:,} (l,S) inequalities added")
    lowered = built if capacity is None else with_capacities(built, capacity)
    engine_bound = lowered is built  # the MIP engine's bound holds for the model as built
    if not engine_bound:
        say("keeping to the supplier capacity that the parts before left")
        built, kept, rounds = lowered, None, None
    if pool is None:  # resumed, the rounds would take the search's only process: free their LP
        rounds = None

    def time_for_mip(share: float) -> bool:
        return _mip_fits(remaining, cold, share)

    found = first.plan()
    found = None if found is None else within_rows(built, lps, found)
    if first.whole or (found is not None and _proven(built, found, relaxed, gap)):
        start = found
    else:  # the warm start from the tightened LP, where the time is long enough for it
        start = warm_start(built, lps, relaxed, clock.share(remaining, _warm_share(remaining, cold)), kept,
                           cold_basis, _enough(relaxed, gap))
        start = _cheapest(built, start, found)
    del kept  # the engine's copy of the LP: at 10,000 items it held gigabytes through the MIP
    proven = start is not None and _proven(built, start, relaxed, gap)
    mip = time_for_mip(1.0) and not proven  # the warm start may end early and leave the time to the MIP
    mip_follows = time_for_mip(1 - IMPROVE_SHARE)
    if mip_follows:  # the MIP engine follows the search, with its own cuts
        rounds = None
    search = None
    if start is not None and relaxed.objective is not None and not proven:
        say(f"first plan {_within(built, start, relaxed)}; improving it one item-location at a time")
        search = Search(built, step_engine(solver), start, relaxed.x)

        def within_gap(cost: float) -> bool:  # of the bound of the moment, which resumed rounds raise
            return cost <= _enough(relaxed if rounds is None else rounds.lp, gap)

        # all the time if neither more rounds nor the MIP (with its set-up time) follow
        later = rounds is not None or mip_follows
        start = search.run(clock.share(remaining, IMPROVE_SHARE if later else 1.0), enough=within_gap,
                           **_lanes(pool))
        if rounds is not None and not _proven(built, start, relaxed, gap):
            say(f"plan {_within(built, start, relaxed)}; more rounds of inequalities for the bound")
            _, found = _beside_search(search, pool, remaining,
                                      lambda: rounds.more(remaining, stop=lambda: within_gap(search.plan.cost)),
                                      enough=within_gap)
            built, relaxed, start = rounds.built, rounds.lp, start if found is None else found
            say(f"LP bound {relaxed.objective:,.2f}")
        mip = time_for_mip(1.0) and not _proven(built, start, relaxed, gap)
        if not mip:
            start = search.run(remaining, enough=within_gap, **_lanes(pool))
            # run out of neighbourhoods with time left, which nothing else would use
            mip = search.exhausted and clock.fits(remaining, MIP_IDLE * cold) and \
                not _proven(built, start, relaxed, gap)
        say(f"plan {_within(built, start, relaxed)}" + ("; the solver now improves plan and bound" if mip else ""))
    if mip:
        result = _mip(built, solver, start, remaining, gap, search, pool)
    elif start is not None:
        why = "the plan was proven within the gap asked without the MIP engine" \
            if _proven(built, start, relaxed, gap) else "the time left was too short for the MIP engine to start"
        improved = "" if search is None else ", improved by fix and optimize"
        result = Result(Status.FEASIBLE, start, float(built.model.c @ start),
                        message=f"{why}; the plan is the warm start's{improved}")
    else:  # not even the LP finished in time: straight to the plan of last resort
        result = Result(Status.ERROR, message="time limit reached before the LP relaxation was solved")
    bound = _best_bound(result.bound if engine_bound else None,
                        relaxed.bound if relaxed.status == Status.OPTIMAL else None)
    proven = result.x is not None and bound is not None and report.gap(result.objective, bound) <= gap
    status = result.status if engine_bound or result.status != Status.OPTIMAL else Status.FEASIBLE
    result = dataclasses.replace(result, seconds=time.perf_counter() - began, bound=bound,
                                 status=Status.OPTIMAL if proven else status)
    if result.x is None and result.status == Status.ERROR:
        return _last_resort(built, solver, result, gap)
    if result.x is not None and built.index.whole and not _whole(built, result.x):
        return _made_whole(built, solver, result, remaining(), gap, engine_bound)
    return result


def _last_resort(built: Built, solver: Engine, failed: Result, gap: float) -> Result:
    """The plan that orders nothing, where the run found none in its time: always feasible."""
    fallback = solver.solve(_order_nothing(built.model), None, gap)
    if fallback.x is None:
        return failed
    return dataclasses.replace(fallback, status=Status.FEASIBLE, bound=failed.bound,
                               seconds=failed.seconds + fallback.seconds,
                               message=f"{failed.message}; showing the plan that orders nothing")


def _made_whole(built: Built, solver: Engine, result: Result, limit: float | None, gap: float,
                engine_bound: bool) -> Result:
    """`result` re-solved with whole served quantities, from it: rare, a vertex with fractional
    service (storage with fractional volumes). `result` where the re-solve finds no plan."""
    integer = built.model.integer.copy()
    integer[built.model.var_blocks["serve"]] = True
    again = solver.solve(dataclasses.replace(built.model, integer=integer), limit, gap,
                         start=built.model.clean(result.x))
    if again.x is None:
        return result
    # its own bound may be weaker: stopped early in a large model
    return dataclasses.replace(again, seconds=result.seconds + again.seconds,
                               bound=_best_bound(again.bound if engine_bound else None, result.bound))


class _FirstPlan:
    """A plan from the cold LP before the rounds of inequalities, which `tighten` hands the
    cold LP to (`__call__`); the rounds end once their bound proves it within `gap`, and do not
    start if the cold LP's does, as a MIP solver ends its root cut loop once a heuristic's plan
    is within the gap asked.

    Where the time is short (`WARM_APART`), that plan is the warm start's (`whole`): in one
    of the `pool`'s processes beside the rounds if there is one (`apart`), else here before
    them. Where it is long, it is slope scaling's first round alone (`warmstart.first_round`:
    two LPs, from the cold basis), here before the rounds; the warm start then runs from the
    tightened LP, whose plans were 0.3% cheaper at 200 items, and the cheaper plan is kept.
    At 10,000 items, asked for 5%, every part's first plan was within it of the cold bound:
    the rounds took 100 of 111 s on the last part of a queue, whose time the parts before had
    left to it, and 8 of 18 s on a 484-item part with no time to spare.
    """

    def __init__(self, built: Built, name: str, gap: float, remaining: clock.Remaining, say: Progress,
                 pool: StepPool | None, capacity: np.ndarray | None) -> None:
        self.built, self.name, self.gap, self.remaining, self.say = built, name, gap, remaining, say
        self.pool, self.capacity = pool, capacity
        self.whole = False
        self.apart: Future | None = None
        self.found: np.ndarray | None = None

    def __call__(self, lp: Result, basis: Basis | None, release: Callable[[], None]) -> Callable[[Result], bool]:
        """Find the plan from the cold LP `lp` and its `basis`, with the rounds' LP `release`d
        if here; whether the LP of a round proves it."""
        if lp.x is None:
            return self.proven
        remaining, built = self.remaining, self.built
        enough, left = _enough(lp, self.gap), remaining()
        self.whole = not clock.fits(remaining, WARM_APART * lp.seconds)
        seconds = None if left is None else _warm_share(remaining, lp.seconds) * left
        if self.whole and self.pool is not None and self.capacity is None:
            self.say("the first plan from this LP in another process, beside the rounds of inequalities")
            self.apart = self.pool.executor.submit(_warm_start, built, self.name, lp, basis, enough, seconds,
                                                   time.time())
        else:
            self.say(("the first plan from this LP" if self.whole else
                      "a quick first plan from this LP (one round of slope scaling)")
                     + ", before any round of inequalities")
            release()
            lowered = built if self.capacity is None else with_capacities(built, self.capacity)
            self.found = _warm_start(lowered, self.name, lp, basis, enough, seconds, time.time()) if self.whole \
                else first_round(lowered, engine(self.name), lp, clock.budget(seconds), basis)
            if self.found is not None:
                self.say(f"plan {_within(lowered, self.found, lp)}")
        return self.proven

    def proven(self, lp: Result) -> bool:
        """Whether the bound of `lp` proves the plan found, if it has come, within the gap."""
        plan = self.plan(wait=False)
        return plan is not None and _proven(self.built, plan, lp, self.gap)

    def plan(self, wait: bool = True) -> np.ndarray | None:
        """The plan found (None: none, or, without `wait`, not yet come from the other process)."""
        if self.apart is not None and (wait or self.apart.done()):
            return self.apart.result()
        return self.found


def lp_engine(name: str) -> Engine:
    """The engine for the LPs of a run whose whole model engine `name` solves: `LP_ENGINE`
    where it is installed, else that engine."""
    return installed_or(LP_ENGINE, engine(name))


def _cheapest(built: Built, *plans: np.ndarray | None) -> np.ndarray | None:
    """The cheapest of `plans` that exist (None if none does)."""
    found = [x for x in plans if x is not None]
    return min(found, key=lambda x: float(built.model.c @ x)) if found else None


def _warm_start(built: Built, name: str, relaxed: Result, basis: Basis | None, enough: float,
                seconds: float | None, sent: float) -> np.ndarray | None:
    """`warm_start` from the cold LP `relaxed` and its `basis`, within `seconds` of when it was
    `sent` (`time.time()`): in a pool's process while the cut rounds run in the sender's, or
    here before them (`WARM_APART`); slope scaling runs without their rows anyway."""
    waited = max(0.0, time.time() - sent)
    return warm_start(built, engine(name), relaxed, clock.budget(None if seconds is None else seconds - waited),
                      basis=basis, enough=enough)


def _enough(relaxed: Result, gap: float) -> float:
    """The cost at or below which a plan is within `gap` of the bound `relaxed` gives
    (`report.gap`); -inf where the LP was not solved to optimality (no bound), the bound is
    negative or the gap is not below 1."""
    bound = relaxed.objective
    if relaxed.status != Status.OPTIMAL or bound is None or bound < 0 or not 0 <= gap < 1:
        return -np.inf
    return max(bound / (1 - gap), bound + 1e-9)  # report.gap counts 1e-9 as no difference


def _warm_share(remaining: clock.Remaining, cold: float) -> float:
    """The share of the time left the warm start may take: `WARM_SHARE` where the MIP
    engine would fit in the rest, else all of it."""
    return WARM_SHARE if _mip_fits(remaining, cold, 1 - WARM_SHARE) else 1.0


def _mip_fits(remaining: clock.Remaining, cold: float, share: float) -> bool:
    """Whether `share` of the time left is worth starting the MIP engine for (`MIP_SETUP`
    cold LPs of `cold` seconds)."""
    left = remaining()
    return left is None or share * left >= MIP_SETUP * cold


def _mip(built: Built, solver: Engine, start: np.ndarray | None, remaining: clock.Remaining, gap: float,
         search: Search | None, pool: StepPool | None) -> Result:
    """The MIP engine on the whole model from `start`, while fix and optimize (`search`) goes
    on in the pool's processes but one (the engine's); the cheaper plan wins, the engine's
    bound stays."""
    result, better = _beside_search(search, pool, remaining,
                                    lambda: solver.solve(built.model, remaining(), gap, start=start))
    if better is None:
        return result
    cost = float(built.model.c @ better)
    if result.x is not None and cost >= result.objective:
        return result
    if result.x is None:
        return dataclasses.replace(result, x=better, objective=cost, status=Status.FEASIBLE,
                                   message=f"{result.message}; the plan is fix and optimize's")
    return dataclasses.replace(result, x=better, objective=cost)


def _beside_search(search: Search | None, pool: StepPool | None, remaining: clock.Remaining,
                   work: Callable[[], T], enough: Callable[[float], bool] | None = None) -> tuple[T, np.ndarray | None]:
    """`work()` here while fix and optimize (`search`) goes on in the pool's processes but
    one until it is done (or `enough`, see `Search.run`); its result and the search's plan
    then (None if no search ran)."""
    lanes = _lanes(pool, spare=1)
    if search is None or not lanes["lanes"]:
        return work(), None
    stop = threading.Event()
    with ThreadPoolExecutor(1) as thread:
        steps = thread.submit(search.run, remaining, stop=stop, enough=enough, **lanes)
        try:
            done = work()
        finally:
            stop.set()
        return done, steps.result()


def _lanes(pool: StepPool | None, spare: int = 0) -> dict:
    """`Search.run`'s pool and lanes: the pool's processes less `spare` (none: in process)."""
    if pool is None:
        return {"pool": None, "lanes": 1 - spare}
    return {"pool": pool.executor, "lanes": pool.size - spare}


def _within(built: Built, x: np.ndarray, relaxed: Result) -> str:
    cost = float(built.model.c @ x)
    return f"{cost:,.2f}, within {report.gap(cost, relaxed.objective):.1%} of the optimum"


def _proven(built: Built, x: np.ndarray, relaxed: Result, gap: float) -> bool:
    """Whether plan `x` is within `gap` of the LP bound already (never without one, `_enough`)."""
    return float(built.model.c @ x) <= _enough(relaxed, gap)


def _best_bound(mip: float | None, lp: float | None) -> float | None:
    """The higher of two valid lower bounds: the MIP engine's and the (tightened) LP relaxation's,
    which is all there is when a large MIP stops before its root LP."""
    bounds = [b for b in (mip, lp) if b is not None and np.isfinite(b)]
    return max(bounds) if bounds else None


def _whole(built: Built, x: np.ndarray) -> bool:
    cols = np.concatenate([c[c >= 0].ravel() for c in
                           (built.vars.serve, built.vars.stock, built.vars.owed, built.vars.lost)])
    return bool(np.all(np.abs(x[cols] - np.round(x[cols])) < extract.TOL))


def _order_nothing(model: Compiled) -> Compiled:
    """The LP in which every ordering and shipping decision is 0: a plan that always exists
    unless a service limit or storage makes the data infeasible."""
    return dataclasses.replace(model.relaxed(), ub=np.where(model.integer, 0.0, model.ub))


def _plan(built: Built, result: Result, kpis: dict, gap: float) -> Plan:
    """The plan of `result`, made to pay only what it does, its costs and status read from it:
    optimal where its own cost is within `gap` of the bound, whatever the engine's was."""
    x = idle_off(built.index, built.vars, built.model.clean(result.x))
    x = exact_shortfall(built.index, built.vars, x)
    orders = extract.orders(built, x)
    inventory = extract.inventory(built, x)
    fulfillment = extract.fulfillment(built, x)
    costs = {name: float(np.round(value, 6)) for name, value in built.model.bucket_values(x).items()
             if name in BUCKETS}
    objective = float(sum(costs.values()))
    bound = None if result.bound is None else float(min(result.bound, objective))
    within = report.gap(objective, bound)
    if within is not None and within <= gap:
        kpis["status"] = Status.OPTIMAL.value
    kpis.update(objective=objective, bound=bound, mip_gap=within, costs=costs,
                fill_rate=report.fill_rate(fulfillment),
                backorder_unit_periods=float(inventory["backorder"].sum()))
    rows = report.plan_exceptions(built, x, orders, inventory)
    return Plan(kpis, report.exceptions(rows, built), orders, inventory, fulfillment,
                extract.transfers(built, x))


def _infeasible(instance: Instance, name: str, limit: float | None, gap: float, kpis: dict,
                say: Progress, known: list[dict] | None = None) -> Plan:
    """Re-solve with priced slack on the limits that can conflict; name what must give,
    after the `known` limits that must (`report.overdue_backlog`)."""
    say("no plan meets every hard limit; finding the limits that must give")
    elastic = build_model(instance, elastic=True)
    result = engine(name).solve(elastic.model, limit, gap)
    rows = list(known or [])
    if result.x is not None:
        x = elastic.model.clean(result.x)
        rows += (report.violations(elastic, x) + report.binding_suppliers(elastic, x)
                 + report.binding_budget(elastic, x))
    if not rows:
        rows.append(report.exception_row("critical", "infeasible",
                                         message="No plan meets every hard limit (capacities, budget, "
                                                 "max_share, max_backorder_periods, storage)."))
    return Plan(kpis, report.exceptions(rows + report.input_warnings(instance.warnings), elastic))


@dataclass(frozen=True)
class StepPool:
    """Processes that solve fix-and-optimize steps, and how many there are."""

    executor: Executor
    size: int


@contextlib.contextmanager
def _step_pool(workers: int) -> Iterator[StepPool | None]:
    """`workers` processes for fix-and-optimize steps (None for one: the steps then run in
    this process, one after another), started at once so that they have imported replan by
    the time the first step comes."""
    if workers < 2:
        yield None
        return
    with processes.pool(workers) as executor:
        for _ in range(workers):
            executor.submit(engine, "highs")
        yield StepPool(executor, workers)
