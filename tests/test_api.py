"""The public surface, the plan's files and workbook, and the bundled sample data."""

from __future__ import annotations

import doctest
import filecmp
import json
from pathlib import Path

import openpyxl
import pytest

import replan
from audit import audit
from conftest import instance

ROOT = Path(__file__).resolve().parents[1]


def test_public_api_is_pinned():
    assert sorted(replan.__all__) == sorted([
        "Forecast", "InputError", "Instance", "Plan", "Problem", "SAMPLES", "Settings", "Status",
        "available_solvers", "batch", "forecast", "from_tables", "load", "sample_path", "solve",
        "store", "write_sample"])


def test_docstring_examples_run():
    for module in (replan, replan.planner):
        failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert failed == 0


def tiny() -> replan.Instance:
    return instance(items={"item": ["=CMD|calc", "B"], "holding_cost": [1, 1], "backorder_cost": [10, 10]},
                    suppliers={"supplier": ["@Acme"]},
                    offers={"supplier": ["@Acme"] * 2, "item": ["=CMD|calc", "B"], "unit_price": [2, 3],
                            "lead_time": [1, 0]},
                    demand={"item": ["=CMD|calc", "B"], "period": [1, 2], "quantity": [4, 6]})


def test_plan_folder_and_workbook(tmp_path):
    plan = replan.solve(tiny())
    assert plan.status == "optimal" and audit(tiny(), plan) == []
    folder = plan.write(tmp_path / "plan")
    assert json.loads((folder / "kpis.json").read_text())["status"] == "optimal"
    book = openpyxl.load_workbook(plan.to_excel(tmp_path / "books" / "plan.xlsx"))  # folder made
    assert set(book.sheetnames) == {"kpis", "orders", "inventory", "fulfillment", "transfers", "exceptions"}
    orders = book["orders"]
    header = [c.value for c in orders[1]]
    row = {h: c for h, c in zip(header, orders[2])}
    assert row["supplier"].value == "'@Acme" and row["supplier"].data_type == "s"
    assert row["order_date"].is_date
    assert orders["A1"].font.bold


def test_promises_list_the_late_lines():
    plan = replan.solve(tiny())
    late = plan.promises()
    assert late.item.tolist() == ["=CMD|calc"]     # due in period 1, lead time 1: one period late
    assert late.fulfilled_period.tolist() == [2]


def test_rewriting_a_plan_replaces_it_whole(tmp_path):
    plan = replan.solve(tiny())
    folder = tmp_path / "plan"
    (folder).mkdir()
    (folder / "stale.csv").write_text("old")
    plan.write(folder)
    assert not (folder / "stale.csv").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["plan"]


def test_bundled_data_is_what_the_generator_writes(tmp_path):
    for name in replan.SAMPLES:
        fresh = replan.write_sample(name, tmp_path / name)
        shipped = ROOT / "data" / name
        same = filecmp.dircmp(fresh, shipped)
        assert not (same.left_only or same.right_only or same.diff_files), name


@pytest.mark.parametrize("name", replan.SAMPLES)
def test_samples_plan_and_pass_the_audit(name):
    inst = replan.load(ROOT / "data" / name)
    plan = replan.solve(inst, time_limit=20, mip_gap=0.05)
    assert plan.status in ("optimal", "feasible")
    assert plan.kpis["mip_gap"] is not None
    assert audit(inst, plan) == []


def test_data_format_documents_every_column():
    from replan.tables import SALES, SERVICE_LEVELS, SETTINGS, TABLES
    text = (ROOT / "docs" / "data-format.md").read_text()
    for table in [*TABLES.values(), SALES, SERVICE_LEVELS]:
        section = text.split(f"## `{table.name}`")[1].split("\n## ")[0]
        for column in table.names:
            assert f"| `{column}`" in section, (table.name, column)
    for key in SETTINGS:
        assert f"| `{key}`" in text


@pytest.mark.parametrize("name", replan.SAMPLES)
def test_an_instance_round_trips_through_from_tables(name):
    """An analyst can change `instance.tables` and check them again: limits stored as
    infinity and settings left unset are taken back as "none"."""
    inst = replan.load(replan.sample_path(name))
    again = replan.from_tables(inst.tables, inst.settings.as_dict())
    assert again.digest == inst.digest


def test_none_and_inf_mean_no_limit_in_a_csv(tmp_path):
    folder = replan.write_sample("demo", tmp_path / "demo")
    suppliers = (folder / "suppliers.csv").read_text().splitlines()
    suppliers[1] = suppliers[1].replace(",6000.0,", ",none,").replace(",6000,", ",none,")
    (folder / "suppliers.csv").write_text("\n".join(suppliers) + "\n")
    capacity = replan.load(folder)["suppliers"]["capacity"]
    assert capacity.iloc[0] == float("inf")


def test_a_write_that_fails_half_way_leaves_the_earlier_plan_as_it_was(tmp_path, monkeypatch):
    plan = replan.solve(tiny())
    folder, book = plan.write(tmp_path / "plan"), plan.to_excel(tmp_path / "plan.xlsx")

    def files() -> dict[str, bytes]:
        return {str(p.relative_to(tmp_path)): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}

    def disk_full() -> None:
        raise OSError(28, "No space left on device")

    before = files()
    monkeypatch.setattr(replan.plan, "write_tables",
                        lambda staging, tables: ((staging / "orders.csv").write_text("half"), disk_full()))
    with pytest.raises(OSError):
        plan.write(folder)
    def half(target: Path, data: bytes) -> None:
        with open(target, "wb") as file:
            file.write(data[:len(data) // 2])
        disk_full()

    monkeypatch.setattr(Path, "write_bytes", half)
    with pytest.raises(OSError):
        plan.to_excel(book)
    assert files() == before  # nothing half-written, no staging left beside
