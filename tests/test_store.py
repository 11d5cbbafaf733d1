"""The plan database: a saved plan reads back as it was, whole or not at all, from any process."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

import replan
from conftest import cut_demo, run
from test_properties import instances
from replan import store


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> replan.Plan:
    """A six-week demo plan: orders, transfers, backorders and exceptions all present."""
    found = replan.solve(replan.load(cut_demo(tmp_path_factory.mktemp("demo") / "in")), mip_gap=0.05)
    assert all(len(found.tables()[name]) for name in ("orders", "transfers", "exceptions"))
    assert (found.fulfillment["outcome"] != "served").any()  # empty whole-number cells too
    return found


@pytest.fixture(scope="module")
def infeasible(tmp_path_factory) -> replan.Plan:
    folder = cut_demo(tmp_path_factory.mktemp("tight") / "in")
    items = pd.read_csv(folder / "items.csv")
    items.assign(max_backorder_periods=0).to_csv(folder / "items.csv", index=False)
    found = replan.solve(replan.load(folder))
    assert found.status == "infeasible"
    return found


def test_a_saved_plan_reads_back_as_it_was(plan, tmp_path):
    db = tmp_path / "plans.db"
    plan_id = store.save(plan, db, name="week 2")
    again = store.load(plan_id, db)
    assert again.kpis == plan.kpis
    for name, table in plan.tables().items():
        pd.testing.assert_frame_equal(again.tables()[name], table, check_dtype=False)
    plan.write(tmp_path / "solved")
    again.write(tmp_path / "loaded")
    for file in (tmp_path / "solved").iterdir():
        assert (tmp_path / "loaded" / file.name).read_bytes() == file.read_bytes(), file.name


def test_plans_are_listed_newest_first_with_their_kpis(plan, infeasible, tmp_path):
    db = store.engine(tmp_path / "plans.db")
    first, second = store.save(plan, db, name="a"), store.save(infeasible, db, name="b")
    listing = store.plans(db)
    assert listing["plan_id"].tolist() == [second, first] and listing["name"].tolist() == ["b", "a"]
    assert listing["status"].tolist() == ["infeasible", plan.status]
    assert listing["objective"].iloc[1] == plan.objective and pd.isna(listing["objective"].iloc[0])
    assert str(listing["start_date"].iloc[1]) == plan.kpis["start_date"]


def test_an_infeasible_plan_keeps_its_exceptions_and_nothing_else(infeasible, tmp_path):
    again = store.load(store.save(infeasible, tmp_path / "plans.db"), tmp_path / "plans.db")
    assert again.orders is None and again.inventory is None and set(again.tables()) == {"exceptions"}
    pd.testing.assert_frame_equal(again.exceptions, infeasible.exceptions, check_dtype=False)


def test_a_save_that_fails_half_way_saves_nothing(plan, tmp_path):
    db = tmp_path / "plans.db"
    store.save(plan, db)
    with sqlite3.connect(db) as connection:  # the database itself refuses, after orders went in
        connection.execute("CREATE TRIGGER full BEFORE INSERT ON plan_fulfillment "
                           "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    with pytest.raises(store.StoreError, match="disk is full; nothing saved"):
        store.save(plan, db)
    with sqlite3.connect(db) as connection:
        counts = [connection.execute(f"SELECT COUNT(DISTINCT plan_id) FROM {t}").fetchone()[0]
                  for t in ("plans", "plan_orders", "plan_inventory")]
    assert counts == [1, 1, 1]


def _save_in_a_process(args: tuple[replan.Plan, str]) -> int:
    return store.save(*args)


def test_batch_jobs_saving_at_once_take_turns(plan, tmp_path):
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    store.engine(url)
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(3, mp_context=context) as pool:
        ids = list(pool.map(_save_in_a_process, [(plan, url)] * 3))
    assert sorted(ids) == [1, 2, 3]
    assert all(len(store.load(i, url).inventory) == len(plan.inventory) for i in ids)


def test_a_database_that_cannot_be_opened_is_named_without_its_password(tmp_path):
    with pytest.raises(store.StoreError, match="cannot open the plan database sqlite:///.*missing"):
        store.engine(tmp_path / "missing" / "plans.db")
    with pytest.raises(store.StoreError) as caught:
        store.engine("postgresql+nodriver://planner:s3cret@db.example/plans")
    assert "s3cret" not in str(caught.value) and "planner:***@db.example" in str(caught.value)
    with pytest.raises(store.StoreError, match="no plan 7"):
        store.load(7, tmp_path / "empty.db")


def test_a_shared_database_keeps_its_own_tables_and_one_named_like_ours_is_said(plan, tmp_path):
    shared = tmp_path / "erp.db"
    with sqlite3.connect(shared) as connection:
        connection.execute("CREATE TABLE orders (order_no INTEGER, customer TEXT)")
        connection.execute("INSERT INTO orders VALUES (1, 'ACME')")
    assert len(store.load(store.save(plan, shared), shared).orders) == len(plan.orders)
    with sqlite3.connect(shared) as connection:
        assert connection.execute("SELECT * FROM orders").fetchall() == [(1, "ACME")]
    with sqlite3.connect(tmp_path / "other.db") as connection:
        connection.execute("CREATE TABLE plans (plan_id INTEGER PRIMARY KEY, title TEXT)")
    with pytest.raises(store.StoreError, match="cannot save the plan to .*nothing saved"):
        store.save(plan, tmp_path / "other.db")
    with pytest.raises(store.StoreError, match="cannot read the plans in .*no such column"):
        store.plans(tmp_path / "other.db")


def test_any_sqlalchemy_engine_will_do(plan):
    memory = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool)
    store.SCHEMA.create_all(memory)
    assert store.load(store.save(plan, memory), memory).kpis == plan.kpis


def test_the_command_line_saves_lists_and_writes_back_plans(small, tmp_path):
    db = tmp_path / "plans.db"
    done = run("solve", str(small), "--out", str(tmp_path / "plan"), "--db", str(db), "--name", "week 2",
               "--gap", "0.05")
    assert done.returncode == 0 and "plan 1 in sqlite:///" in done.stderr, done.stderr
    listing = run("plans", str(db))
    assert listing.returncode == 0 and "week 2" in listing.stdout
    assert run("plans", str(db), "--id", "1", "--out", str(tmp_path / "back")).returncode == 0
    for file in (tmp_path / "plan").iterdir():
        assert (tmp_path / "back" / file.name).read_bytes() == file.read_bytes(), file.name


def test_the_command_line_fails_fast_on_a_database_it_cannot_open(small, tmp_path):
    nowhere = tmp_path / "no" / "such" / "plans.db"
    done = run("solve", str(small), "--out", str(tmp_path / "plan"), "--db", str(nowhere))
    assert done.returncode == 4 and "cannot open the plan database" in done.stderr
    assert "building the model" not in done.stderr and not (tmp_path / "plan").exists()
    assert "Traceback" not in done.stderr
    done = run("solve", str(small))
    assert done.returncode == 2 and "--out FOLDER, --db DATABASE" in done.stderr


@pytest.fixture(scope="module")
def memory() -> sa.Engine:
    """One in-memory database for every example of a property."""
    db = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool)
    store.SCHEMA.create_all(db)
    return db


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances())
def test_any_plan_reads_back_from_the_database_as_its_files_read(inst, memory):
    plan = replan.solve(inst, mip_gap=1e-6)
    again = store.load(store.save(plan, memory), memory)
    assert again.kpis == plan.kpis and set(again.tables()) == set(plan.tables())
    for name, table in plan.tables().items():
        assert again.tables()[name].to_csv(index=False) == table.to_csv(index=False), name
