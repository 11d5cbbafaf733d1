"""Many plans at once: a weekly batch of business units, regions or scenarios. Each input is
read and checked here, then solved on its own, side by side in a pool of processes or on a
Dask cluster, and handed back as soon as its plan is ready; one input that fails stops no other.
"""

from __future__ import annotations

from concurrent.futures import Executor, Future, as_completed
from pathlib import Path
from typing import Any, Iterator, Sequence

from .errors import InputError
from .instance import Instance
from .io import read
from .plan import Plan
from .planner import solve
from .validate import validate


def solve_each(inputs: Sequence[str | Path], executor: Executor | None = None,
               **options: Any) -> Iterator[tuple[Path, Instance | None, Plan | Exception]]:
    """For each input, in the order the plans are ready: the input, its Instance, and its Plan;
    or the InputError that names its problems (and no Instance), or the error its solve
    raised. `options` go to `replan.solve` for every input. Without an `executor` the
    inputs are solved here, one after another."""
    waiting: dict[Future, tuple[Path, Instance]] = {}
    for given in inputs:
        path = Path(given)
        try:
            instance = validate(read(path))
        except InputError as error:
            yield path, None, error
            continue
        if executor is None:
            yield path, instance, _solved(instance, options)
        else:
            waiting[executor.submit(solve, instance, **options)] = path, instance
    for future in as_completed(waiting):
        path, instance = waiting[future]
        error = future.exception()
        yield path, instance, future.result() if error is None else error


def _solved(instance: Instance, options: dict[str, Any]) -> Plan | Exception:
    try:
        return solve(instance, **options)
    except Exception as error:  # handed back, like a solve in another process: the batch goes on
        return error


def folders(inputs: Sequence[str | Path], out: str | Path) -> dict[Path, Path]:
    """The plan folder of each input inside `out`, named after it (`week49.xlsx` → `week49`).

    Raises ValueError when two inputs would share a folder."""
    named: dict[Path, Path] = {}
    for given in inputs:
        path = Path(given)
        folder = Path(out) / (path.stem if path.suffix.lower() == ".xlsx" else path.name)
        twin = next((other for other, taken in named.items() if taken == folder), None)
        if twin is not None:
            raise ValueError(f"{twin} and {path} would both write the plan folder {folder}")
        named[path] = folder
    return named
