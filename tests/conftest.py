"""Shared helpers: tiny instances from dicts of columns, and every installed engine."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import replan
from audit import audit

ENGINES = replan.available_solvers()


@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    """Each test that takes `engine` runs once per installed solver."""
    return request.param


@pytest.fixture(autouse=True)
def main_module_kept():
    """AppTest installs the app's script as `__main__` and leaves it there: a process pool
    spawned later ran the whole app (solving the demo) in each child before its first task,
    9 s to start two processes against 1.3 s."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


def run(*args: str) -> subprocess.CompletedProcess:
    """The `replan` command run as a user runs it, in a process of its own."""
    return subprocess.run([sys.executable, "-m", "replan.cli", *args], capture_output=True, text=True,
                          timeout=300)


def cut_demo(folder: Path, weeks: int = 6) -> Path:
    """The demo written to `folder` and cut to its first weeks: quick to plan, every table present."""
    folder = Path(shutil.copytree(replan.sample_path("demo"), folder))
    demand = pd.read_csv(folder / "demand.csv")
    demand[demand.period <= weeks].to_csv(folder / "demand.csv", index=False)
    capacity = pd.read_csv(folder / "supplier_capacity.csv")
    capacity[capacity.period <= weeks].to_csv(folder / "supplier_capacity.csv", index=False)
    (folder / "settings.toml").write_text(f'horizon = {weeks}\nstart_date = "2026-01-05"\ntime_limit = 30\n')
    return folder


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """The demo cut to six weeks, in a folder of its own."""
    return cut_demo(tmp_path / "in")


def instance(settings: dict | None = None, **tables: dict | list) -> replan.Instance:
    """An instance from columns given as dicts (or row lists); start date fixed for dates."""
    frames = {name: pd.DataFrame(value) for name, value in tables.items()}
    return replan.from_tables(frames, {"start_date": "2026-01-05", **(settings or {})},
                              today=dt.date(2026, 1, 1))


def solved(inst: replan.Instance, engine: str = "highs", **options) -> replan.Plan:
    """Solve to proven optimality and audit the plan independently."""
    plan = replan.solve(inst, solver=engine, mip_gap=1e-6, **options)
    assert plan.status == "optimal", plan.kpis
    problems = audit(inst, plan)
    assert not problems, problems
    return plan
