"""The `replan` command: solve, validate, write sample data. No planning logic of its own.

Exit codes: 0 plan written, 2 bad input, 3 infeasible (kpis.json and
exceptions.csv written), 4 solver or internal error. Progress goes to
stderr; no traceback ever reaches the user.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import sys
from pathlib import Path
from typing import Callable, Optional

import typer

from . import SAMPLES, InputError, load, solve as solve_plan, write_sample

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Optimization-based replenishment planning.")

OK, BAD_INPUT, INFEASIBLE, FAILED = 0, 2, 3, 4


class Formulation(str, enum.Enum):
    strong = "strong"
    plain = "plain"


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
    input: Path = typer.Argument(..., help="Folder of CSV files or an .xlsx workbook."),
    out: Path = typer.Option(..., "--out", "-o", help="Plan folder to write."),
    solver: Optional[str] = typer.Option(None, help="highs (default), cbc or scip."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Seconds."),
    gap: Optional[float] = typer.Option(None, "--gap", help="Relative MIP gap, e.g. 0.01."),
    excel: Optional[Path] = typer.Option(None, help="Also write the plan as this workbook."),
    formulation: Optional[Formulation] = typer.Option(None, help="strong (default) or plain "
                                                      "(the textbook big-M model)."),
    workers: int = typer.Option(1, min=1, help="Processes solving independent parts side by side."),
    cluster: Optional[str] = typer.Option(None, help="A Dask scheduler's address (tcp://host:8786): "
                                                     "the parts run on its workers."),
) -> int:
    """Plan INPUT and write the plan folder OUT."""
    instance = load(input)
    _warn(instance)
    with contextlib.ExitStack() as stack:
        executor = None
        if cluster:
            try:
                from distributed import Client
            except ImportError:
                _say("--cluster needs Dask: pip install 'replan[scale]'")
                return FAILED
            executor = stack.enter_context(Client(cluster)).get_executor()
        plan = solve_plan(instance, solver=solver, time_limit=time_limit, mip_gap=gap, progress=_say,
                          formulation=formulation and formulation.value, workers=workers,
                          executor=executor)
    plan.write(out)
    if excel is not None and plan.orders is not None:
        plan.to_excel(excel)
    k = plan.kpis
    if plan.status in ("optimal", "feasible"):
        gap = "no bound" if k["mip_gap"] is None else f"gap {k['mip_gap']:.2%}"
        _say(f"{plan.status}: total cost {k['objective']:,.2f} ({gap}), "
             f"fill rate {k['fill_rate']:.1%}, {len(plan.orders)} order lines -> {out}")
        return OK
    _say(f"{plan.status}: see {out / 'exceptions.csv'}")
    for row in plan.exceptions.head(10).itertuples():
        _say(f"  {row.severity}: {row.message}")
    return INFEASIBLE if plan.status == "infeasible" else FAILED


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
