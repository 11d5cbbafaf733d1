"""Many plans at once: each input planned on its own, the same plan as alone, whatever fails."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

import replan
from audit import audit
from conftest import cut_demo, run
from replan import batch, processes, store


@pytest.fixture
def inputs(tmp_path: Path) -> list[Path]:
    """Three weeks, a broken copy, four weeks: two plans to make and one input to name."""
    broken = cut_demo(tmp_path / "broken", weeks=3)
    (broken / "offers.csv").write_text("supplier,item,unit_price,lead_time\nNobody,X,1,1\n")
    return [cut_demo(tmp_path / "three", weeks=3), broken, cut_demo(tmp_path / "four", weeks=4)]


@pytest.mark.parametrize("workers", [1, 2])
def test_each_input_gets_the_plan_it_gets_alone(inputs, workers):
    with processes.pool(workers) if workers > 1 else contextlib.nullcontext() as executor:
        results = list(batch.solve_each(inputs, executor, mip_gap=1e-6))
    assert sorted(str(path) for path, _, _ in results) == sorted(map(str, inputs))
    for path, instance, result in results:
        if path == inputs[1]:
            assert instance is None and isinstance(result, replan.InputError)
            assert {p.value for p in result.problems} >= {"Nobody"}
            continue
        alone = replan.solve(replan.load(path), mip_gap=1e-6)
        assert result.status == alone.status == "optimal"
        assert result.objective == pytest.approx(alone.objective, rel=1e-6)
        assert not audit(instance, result)


def test_a_solve_that_fails_is_handed_back_and_the_batch_goes_on(inputs):
    results = list(batch.solve_each([inputs[0], inputs[2]], solver="gurobi"))
    assert [type(result) for _, _, result in results] == [ValueError, ValueError]
    assert all("gurobi" in str(result) for _, _, result in results)


def test_each_plan_folder_is_named_after_its_input(tmp_path):
    named = batch.folders(["in/north", "in/south.xlsx", "in/east.XLSX"], tmp_path)
    assert list(named.values()) == [tmp_path / "north", tmp_path / "south", tmp_path / "east"]
    with pytest.raises(ValueError, match="both write the plan folder"):
        batch.folders(["a/week49.xlsx", "b/week49"], tmp_path)


def test_the_command_line_plans_a_batch_and_exits_with_the_worst_code(inputs, tmp_path):
    db = tmp_path / "plans.db"
    done = run("solve", *map(str, inputs), "--out", str(tmp_path / "plans"), "--db", str(db),
               "--excel", str(tmp_path / "books"), "--workers", "2", "--gap", "0.05")
    assert done.returncode == 2, done.stderr
    assert "Nobody" in done.stderr and "2 of 3 plans written" in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in (tmp_path / "plans").iterdir()) == ["four", "three"]
    assert sorted(p.name for p in (tmp_path / "books").iterdir()) == ["four.xlsx", "three.xlsx"]
    saved = store.plans(db)
    assert sorted(saved["name"]) == sorted([str(inputs[0]), str(inputs[2])])
    assert (tmp_path / "plans" / "three" / "orders.csv").read_bytes() == \
        _written(store.load(int(saved.loc[saved["name"] == str(inputs[0]), "plan_id"].iloc[0]), db),
                 tmp_path / "back")


def _written(plan: replan.Plan, folder: Path) -> bytes:
    return (plan.write(folder) / "orders.csv").read_bytes()


def test_a_batch_names_no_plan_by_hand(inputs, tmp_path):
    done = run("solve", str(inputs[0]), str(inputs[2]), "--out", str(tmp_path / "p"), "--name", "x")
    assert done.returncode == 2 and "each plan is named after its input" in done.stderr
    done = run("solve", str(inputs[0]), str(tmp_path / "x" / "three"), "--out", str(tmp_path / "p"))
    assert done.returncode == 2 and "both write the plan folder" in done.stderr


def test_a_batch_runs_on_a_dask_cluster(inputs, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        done = run("solve", str(inputs[0]), str(inputs[2]), "--out", str(tmp_path / "plans"),
                   "--cluster", cluster.scheduler_address, "--gap", "1e-6")
        ran = cluster.scheduler.transition_counter  # tasks the cluster's scheduler moved along
    assert done.returncode == 0, done.stderr
    alone = replan.solve(replan.load(inputs[2]), mip_gap=1e-6)
    kpis = json.loads((tmp_path / "plans" / "four" / "kpis.json").read_text())
    assert kpis["objective"] == pytest.approx(alone.objective, rel=1e-6) and ran >= 2


def test_a_plan_that_cannot_be_kept_stops_no_other(inputs, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from replan import cli
    write = replan.Plan.write

    def full_disk(plan, folder):
        if Path(folder).name == "three":
            raise OSError(28, "No space left on device")
        return write(plan, folder)

    monkeypatch.setattr(replan.Plan, "write", full_disk)
    done = CliRunner().invoke(cli.app, ["solve", str(inputs[0]), str(inputs[2]), "--out",
                                        str(tmp_path / "plans"), "--gap", "0.05"])
    assert done.exit_code == 4 and "No space left on device" in done.output
    assert "1 of 2 plans written" in done.output
    assert [p.name for p in (tmp_path / "plans").iterdir()] == ["four"]
