"""The `replan` command as a user runs it: exit codes, messages, no tracebacks, atomic plans."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import replan
from conftest import run


def test_solve_writes_a_plan_and_exits_0(small, tmp_path):
    out = tmp_path / "plan"
    done = run("solve", str(small), "--out", str(out), "--gap", "0.01")
    assert done.returncode == 0, done.stderr
    assert {p.name for p in out.iterdir()} == {"orders.csv", "inventory.csv", "fulfillment.csv",
                                               "transfers.csv", "exceptions.csv", "kpis.json"}
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["objective"] == pytest.approx(sum(kpis["costs"].values()))
    assert "total cost" in done.stderr and done.stdout == ""


def test_bad_input_exits_2_writes_nothing_and_shows_no_traceback(small, tmp_path):
    offers = pd.read_csv(small / "offers.csv", dtype=str)
    offers.loc[0, "lead_time"] = "1.5"
    offers.to_csv(small / "offers.csv", index=False)
    out = tmp_path / "plan"
    done = run("solve", str(small), "--out", str(out))
    assert done.returncode == 2
    assert "offers, row 2, column lead_time" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not out.exists() and not list(tmp_path.glob(".plan*"))


def test_bad_input_keeps_an_earlier_plan_intact(small, tmp_path):
    out = tmp_path / "plan"
    assert run("solve", str(small), "--out", str(out), "--gap", "0.05").returncode == 0
    before = (out / "orders.csv").read_text()
    (small / "items.csv").write_text("item\nA\n")
    assert run("solve", str(small), "--out", str(out)).returncode == 2
    assert (out / "orders.csv").read_text() == before


def test_infeasible_exits_3_with_exceptions(small, tmp_path):
    items = pd.read_csv(small / "items.csv")
    items["max_backorder_periods"] = 0
    items.to_csv(small / "items.csv", index=False)
    out = tmp_path / "plan"
    done = run("solve", str(small), "--out", str(out))
    assert done.returncode == 3, done.stderr
    assert {p.name for p in out.iterdir()} == {"kpis.json", "exceptions.csv"}
    exceptions = pd.read_csv(out / "exceptions.csv")
    assert (exceptions.kind == "service_limit").any()
    assert json.loads((out / "kpis.json").read_text())["objective"] is None


def test_unknown_solver_is_an_error_not_a_traceback(small, tmp_path):
    done = run("solve", str(small), "--out", str(tmp_path / "p"), "--solver", "gurobi")
    assert done.returncode == 4 and "unknown solver 'gurobi'" in done.stderr
    assert "Traceback" not in done.stderr


def test_validate_and_demo(tmp_path):
    assert run("demo", str(tmp_path / "d"), "--sample", "peak-season").returncode == 0
    done = run("validate", str(tmp_path / "d"))
    assert done.returncode == 0 and "30 item-locations" in done.stderr
    assert run("validate", str(tmp_path / "missing")).returncode == 2


def test_progress_goes_to_stderr_only(small, tmp_path):
    done = run("solve", str(small), "--out", str(tmp_path / "p"), "--gap", "0.05")
    assert done.stdout == "" and "building the model" in done.stderr
