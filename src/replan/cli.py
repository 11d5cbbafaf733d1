"""The `replan` command: solve, forecast, validate, list saved plans, write sample data. No
planning logic of its own.

Exit codes: 0 plan written, 2 bad input, 3 infeasible (kpis.json and
exceptions.csv written), 4 solver or internal error. Progress goes to
stderr; no traceback ever reaches the user.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import importlib.util
import sys
from pathlib import Path
from typing import Callable, Optional

import typer

from . import SAMPLES, InputError, batch, load, solve as solve_plan, store, write_sample
from .processes import pool

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Optimization-based replenishment planning.")

OK, BAD_INPUT, INFEASIBLE, FAILED = 0, 2, 3, 4


class Formulation(str, enum.Enum):
    strong = "strong"
    plain = "plain"


class Measure(str, enum.Enum):
    cycle = "cycle"
    fill_rate = "fill_rate"


def _say(text: str) -> None:
    typer.echo(text, err=True)


def _guarded(command: Callable[..., int]) -> Callable[..., None]:
    """Turn a command's result into its exit code; bad input and crashes into a message."""

    @functools.wraps(command)
    def run(*args, **kwargs) -> None:
        try:
            code = command(*args, **kwargs)
        except InputError as error:
            _say(str(error))
            code = BAD_INPUT
        except store.StoreError as error:
            _say(str(error))
            code = FAILED
        except KeyboardInterrupt:
            _say("interrupted; nothing written")
            code = FAILED
        except Exception as error:  # the last line of defence: a message, not a traceback
            _say(f"internal error ({type(error).__name__}: {error}); nothing written. "
                 "Please report it with the input that caused it.")
            code = FAILED
        raise typer.Exit(code)

    return run


def _warn(instance) -> None:
    for warning in instance.warnings:
        _say(f"warning: {warning}")


@app.command()
@_guarded
def solve(
    inputs: list[Path] = typer.Argument(..., metavar="INPUT", help="Folder of CSV files or an .xlsx "
                                        "workbook; or several, for a batch of plans."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Plan folder to write (with several "
                                       "inputs: the folder of their plan folders, each named after "
                                       "its input)."),
    db: Optional[str] = typer.Option(None, "--db", help="Also save the plan in this plan database: "
                                     "an SQLAlchemy URL (postgresql://host/plans) or an SQLite file."),
    name: Optional[str] = typer.Option(None, help="The plan's name in the database; default INPUT."),
    solver: Optional[str] = typer.Option(None, help="highs (default), cbc or scip, for the whole model; "
                                         "its LPs go to HiGHS, fix and optimize's small MIPs to SCIP "
                                         "where installed."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Seconds (for each plan)."),
    gap: Optional[float] = typer.Option(None, "--gap", help="Relative MIP gap, e.g. 0.01."),
    excel: Optional[Path] = typer.Option(None, help="Also write the plan as this workbook (with "
                                         "several inputs: a folder of workbooks)."),
    formulation: Optional[Formulation] = typer.Option(None, help="strong (default) or plain "
                                                      "(the textbook big-M model)."),
    workers: int = typer.Option(1, min=1, help="Processes solving at once: independent parts side "
                                               "by side, or a large part's fix-and-optimize steps; "
                                               "with several inputs, plans side by side."),
    cluster: Optional[str] = typer.Option(None, help="A Dask scheduler's address (tcp://host:8786): "
                                                     "the parts, or the plans, run on its workers."),
) -> int:
    """Plan INPUT and write the plan folder OUT, or save it to the plan database DB, or both."""
    if out is None and db is None:
        _say("say where the plan goes: --out FOLDER, --db DATABASE, or both")
        return BAD_INPUT
    if len(inputs) > 1 and name is not None:
        _say("--name names one plan; with several inputs each plan is named after its input")
        return BAD_INPUT
    if cluster and importlib.util.find_spec("distributed") is None:
        _say("--cluster needs Dask: pip install 'replan[scale]'")
        return FAILED
    database = store.engine(db) if db is not None else None  # a wrong URL fails before the solve
    options = {"solver": solver, "time_limit": time_limit, "mip_gap": gap,
               "formulation": formulation and formulation.value}
    with contextlib.ExitStack() as stack:
        executor = _cluster(stack, cluster)
        if len(inputs) == 1:
            instance = load(inputs[0])
            _warn(instance)
            plan = solve_plan(instance, **options, progress=_say, workers=workers, executor=executor)
            return _keep(plan, out, excel, database, name or str(inputs[0]))
        if executor is None and workers > 1:
            executor = stack.enter_context(pool(workers))
        return _solve_many(inputs, out, excel, database, executor, options)


def _cluster(stack: contextlib.ExitStack, address: str | None):
    """An executor on the Dask cluster at `address` (None without one), closed with `stack`."""
    if not address:
        return None
    from distributed import Client

    return stack.enter_context(Client(address)).get_executor()


def _solve_many(inputs: list[Path], out: Path | None, excel: Path | None, database, executor,
                options: dict) -> int:
    """Each input planned on its own, a line each as it is done; the exit code is the worst."""
    try:
        folders = batch.folders(inputs, out) if out is not None else dict.fromkeys(inputs)
        workbooks = batch.folders(inputs, excel) if excel is not None else dict.fromkeys(inputs)
    except ValueError as error:
        _say(f"{error}; give each input a name of its own")
        return BAD_INPUT
    codes = [OK]
    for path, instance, result in batch.solve_each(inputs, executor, **options):
        _say(f"{path}:")
        if instance is not None:
            _warn(instance)
        if isinstance(result, InputError):
            _say(str(result))
            codes.append(BAD_INPUT)
        elif isinstance(result, Exception):
            _say(f"error ({type(result).__name__}: {result}); nothing written")
            codes.append(FAILED)
        else:
            workbook = workbooks[path] and workbooks[path].with_suffix(".xlsx")
            try:
                codes.append(_keep(result, folders[path], workbook, database, str(path)))
            except (store.StoreError, OSError) as error:  # a full disk: the other plans may still fit
                _say(f"cannot keep the plan ({error})")
                codes.append(FAILED)
    done = sum(code == OK for code in codes[1:])
    _say(f"{done} of {len(inputs)} plans written")
    return max(codes)


def _keep(plan, out: Path | None, excel: Path | None, database, name: str) -> int:
    """Write `plan` where it goes, say how it went, and return the exit code it calls for."""
    where = []
    if out is not None:
        plan.write(out)
        where.append(str(out))
    if excel is not None and plan.orders is not None:
        plan.to_excel(excel)
    if database is not None:
        where.append(f"plan {store.save(plan, database, name)} in {store.shown(database)}")
    k = plan.kpis
    if plan.status in ("optimal", "feasible"):
        gap = "no bound" if k["mip_gap"] is None else f"gap {k['mip_gap']:.2%}"
        _say(f"{plan.status}: total cost {k['objective']:,.2f} ({gap}), "
             f"fill rate {k['fill_rate']:.1%}, {len(plan.orders)} order lines -> {' and '.join(where)}")
        return OK
    _say(f"{plan.status}: see the exceptions in {' and '.join(where)}")
    for row in plan.exceptions.head(10).itertuples():
        _say(f"  {row.severity}: {row.message}")
    return INFEASIBLE if plan.status == "infeasible" else FAILED


@app.command()
@_guarded
def forecast(
    sales: Path = typer.Argument(..., help="Sales history: a CSV file, an .xlsx workbook, or a "
                                           "folder holding sales.csv."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write demand.csv, items.csv, "
                             "forecast.csv, accuracy.csv and summary.json into."),
    horizon: Optional[int] = typer.Option(None, min=1, help="Periods to forecast; default the "
                                          "planning folder's horizon, else 13."),
    service_level: str = typer.Option("0.95", "--service-level", help="Target for every item "
                                      "(0.95), or per ABC class (A=0.98,B=0.95,C=0.9)."),
    measure: Measure = typer.Option(Measure.cycle, help="cycle: chance of no stockout in a "
                                    "period; fill_rate: share of demand served from stock."),
    service_levels: Optional[Path] = typer.Option(None, "--service-levels", help="CSV file of "
                                                  "item, location, service_level: per-item targets."),
    input: Optional[Path] = typer.Option(None, "--input", help="Planning folder or workbook: its "
                                         "start date, periods and lead times are used, and OUT "
                                         "becomes a complete planning folder."),
    workers: int = typer.Option(1, min=1, help="Processes forecasting side by side."),
) -> int:
    """Forecast demand and safety stock from SALES and write them to OUT."""
    from .forecasting import forecast as forecast_demand, parse_service_level

    planning = load(input) if input is not None else None
    result = forecast_demand(sales, horizon=horizon, planning=planning,
                             service_level=parse_service_level(service_level),
                             measure=measure.value, service_levels=service_levels, workers=workers)
    result.write(out, planning)
    for warning in result.warnings:
        _say(f"warning: {warning}")
    s = result.summary
    methods = ", ".join(f"{name} {count}" for name, count in s["methods"].items())
    accuracy = "no backtest" if s["wape"] is None else f"WAPE {s['wape']:.1%}, bias {s['bias']:+.1%}"
    _say(f"forecast {s['series']} series over {s['horizon']} periods ({accuracy}; {methods}; "
         f"{s['flagged']} flagged) -> {out}")
    if planning is not None:
        _say(f"plan it with: replan solve {out} --out plan")
    return OK


@app.command()
@_guarded
def validate(input: Path = typer.Argument(..., help="Folder of CSV files or an .xlsx workbook.")) -> int:
    """Check INPUT and report every problem at once; writes nothing."""
    instance = load(input)
    _warn(instance)
    _say(f"ok: {len(instance['items'])} item-locations, {len(instance['offers'])} offers, "
         f"{len(instance['demand'])} demand rows, horizon {instance.horizon}")
    return OK


@app.command()
@_guarded
def plans(
    db: str = typer.Argument(..., help="The plan database: an SQLAlchemy URL or an SQLite file."),
    plan_id: Optional[int] = typer.Option(None, "--id", help="Write this saved plan's folder to OUT."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Plan folder to write."),
) -> int:
    """List the plans saved in DB, newest first; or write one of them back as a plan folder."""
    if plan_id is None:
        listing = store.plans(db)[["plan_id", "name", "saved_at", "status", "objective", "mip_gap",
                                   "fill_rate", "solver", "start_date"]]
        typer.echo(listing.to_string(index=False) if len(listing) else "no plans saved yet")
        return OK
    if out is None:
        _say("say where the plan's folder goes: --out FOLDER")
        return BAD_INPUT
    store.load(plan_id, db).write(out)
    _say(f"plan {plan_id} -> {out}")
    return OK


@app.command()
@_guarded
def demo(
    folder: Path = typer.Argument(..., help="Folder to write the sample data set into."),
    sample: str = typer.Option("demo", help=f"One of: {', '.join(SAMPLES)}."),
) -> int:
    """Write a realistic sample data set to FOLDER."""
    if sample not in SAMPLES:
        _say(f"unknown sample {sample!r}; choose one of {', '.join(SAMPLES)}")
        return BAD_INPUT
    write_sample(sample, folder)
    _say(f"wrote sample {sample!r} to {folder}; plan it with: replan solve {folder} --out plan")
    return OK


def main() -> None:
    """Entry point of the `replan` script."""
    app(prog_name="replan")


if __name__ == "__main__":
    sys.exit(main())
