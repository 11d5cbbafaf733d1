"""The Streamlit app, headless: every page and flow, asserted on what is rendered."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

import replan
from replan.ui.scenario import from_uploads

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _number(text: str) -> float:
    return float(re.sub(r"[^0-9.\-]", "", text))


def _page(at: AppTest, name: str) -> AppTest:
    at.sidebar.radio(key="page").set_value(name).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def started() -> AppTest:
    return _app()


def test_lands_on_the_demo_already_solved(started):
    at = started
    assert at.header[0].value == "Plan · demo"
    assert any(m.value.startswith("**How to read this:**") for m in at.markdown)
    plan = replan.solve(replan.load(replan.sample_path("demo")), time_limit=5)
    assert _number(_metric(at, "Total cost")) == pytest.approx(plan.objective, rel=0.05)
    assert _metric(at, "Status") in ("optimal", "feasible")
    subheaders = [s.value for s in at.subheader]
    assert any(s.startswith("Orders to place now") for s in subheaders)
    assert {"Stock over time", "Supplier mix and spend", "Exceptions"} <= set(subheaders)
    assert any(s.startswith("Late customer lines") for s in subheaders)
    assert len(at.get("vega_lite_chart")) >= 4  # cost buckets, item profile, mix, spend


def test_inputs_page_has_an_editor_per_table_with_live_figures(started):
    at = _page(started, "Inputs")
    assert [t.label for t in at.tabs] == list(replan.tables.TABLES)
    assert len(at.get("data_editor") or at.get("arrow_data_editor")) == len(replan.tables.TABLES)
    assert _metric(at, "Item-locations") == "38"
    demand = replan.load(replan.sample_path("demo"))["demand"]["quantity"].sum()
    assert at.caption[0].value == f"Total demand: {demand:,.0f}"


def test_an_edit_shows_at_once_and_changes_the_plan():
    at = _page(_app(), "Inputs")
    cost = _number(next(m.value for m in _page(_app(), "Plan").metric if m.label == "Total cost"))
    before = _number(at.caption[0].value)
    at.session_state["edit:demo:demand:1"] = {"edited_rows": {0: {"quantity": 5000}}, "added_rows": [],
                                              "deleted_rows": []}
    at.run()
    first = at.session_state["scenarios"]["demo"].tables["demand"]["quantity"]
    assert _number(at.caption[0].value) == before - 55 + 5000 == pytest.approx(first.sum())
    at.sidebar.button(key="solve").click().run()
    _page(at, "Plan")
    assert _number(_metric(at, "Total cost")) > cost
    assert not at.warning  # the plan is up to date with the edit


def test_bad_edit_is_reported_beside_its_table_and_nothing_is_lost():
    at = _page(_app(), "Inputs")
    at.session_state["edit:demo:demand:1"] = {"edited_rows": {1: {"quantity": -5}}, "added_rows": [],
                                              "deleted_rows": []}
    at.run()
    at.sidebar.button(key="solve").click().run()
    assert any("see **Inputs**" in e.value for e in at.sidebar.error)
    messages = " ".join(e.value for e in at.error)
    assert "demand, row 3, column quantity: expected a number ≥ 0 (got '-5')" in messages
    assert any(t.label.startswith("demand ⚠") for t in at.tabs)
    assert at.session_state["scenarios"]["demo"].tables["demand"]["quantity"].iloc[1] == -5
    _page(at, "Plan")
    assert any("inputs changed" in w.value for w in at.warning)  # the old plan stays, marked stale


def test_bad_upload_keeps_every_value_and_names_the_problem():
    good = replan.sample_path("demo")
    files = [(f.name, f.read_bytes()) for f in good.iterdir()]
    files = [(n, b.replace(b"GLV-NIT-M,DC-Leeds,0.0308", b"GLV-NIT-M,DC-Leeds,cheap")
              if n == "items.csv" else b) for n, b in files]
    scenario = from_uploads("mine", files)
    assert [(p.table, p.row, p.column, p.value) for p in scenario.problems] == [
        ("items", 2, "holding_cost", "cheap")]
    with pytest.raises(replan.InputError):
        scenario.instance()
    assert "cheap" in scenario.tables["items"]["holding_cost"].tolist()  # kept as typed, as text
    assert len(scenario.tables["demand"]) == len(replan.load(good)["demand"])


def test_uploaded_csv_files_replace_only_their_own_tables():
    base = from_uploads("base", [(f.name, f.read_bytes()) for f in replan.sample_path("demo").iterdir()])
    demand = b"item,location,period,quantity\nGLV-NIT-M,DC-Leeds,1,7\n"
    mine = from_uploads("mine", [("demand.csv", demand)], base=base)
    assert mine.tables["demand"]["quantity"].tolist() == [7]
    assert mine.tables["items"].equals(base.tables["items"])
    assert mine.problems == [] and mine.instance().horizon == 26


def test_not_a_workbook_is_refused_with_a_message():
    scenario = from_uploads("mine", [("plan.xlsx", b"this is not a workbook")])
    assert scenario.problems and "plan.xlsx" in str(scenario.problems[0])


def test_what_if_scenario_and_side_by_side_comparison():
    at = _page(_app(), "Scenarios")
    shut = next(s for s in at.selectbox if s.label == "Supplier shut")
    shut.set_value("Pacific Safety Supply")
    group = next(m for m in at.multiselect if m.label == "Items with changed demand")
    group.set_value(["GLV-NIT-M", "GLV-NIT-L"])
    next(b for b in at.button if b.label == "Create scenario").click().run()
    assert not at.exception, at.exception
    name = "demo (what-if)"
    assert at.sidebar.selectbox(key="scenario_choice").value == name
    what_if = at.session_state["scenarios"][name]
    closed = what_if.tables["supplier_capacity"]
    assert set(closed.loc[closed["supplier"] == "Pacific Safety Supply", "period"]) == {3, 4, 5}
    at.sidebar.button(key="solve").click().run()
    _page(at, "Scenarios")
    compared = at.dataframe[0].value
    assert list(compared.columns) == ["measure", "demo", name, "change"]
    total = compared.set_index("measure").loc["total cost"]
    assert total["change"] == pytest.approx(total[name] - total["demo"])
    assert any(m.value.startswith("**Orders that differ**") for m in at.markdown)


def test_downloads_give_a_workbook_csv_files_and_the_promise_list(started):
    at = _page(started, "Download")
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Plan workbook (.xlsx)", "Plan folder (CSV files, .zip)",
                      "Customer communication list (.csv)"]
    plan = at.session_state["scenarios"]["demo"].plan
    book = openpyxl.load_workbook(io.BytesIO(plan.excel_bytes()))
    assert {"kpis", "orders", "inventory", "fulfillment", "exceptions"} <= set(book.sheetnames)


def test_a_plan_is_kept_in_the_plan_database_the_server_names(monkeypatch, tmp_path):
    monkeypatch.setenv("REPLAN_DB", str(tmp_path / "plans.db"))
    at = _page(_app(), "Download")
    assert not (tmp_path / "plans.db").exists()  # showing the page creates nothing
    at.button(key="save_plan").click().run()
    assert not at.exception and [s.value for s in at.success] == ["Saved demo as plan 1."]
    saved = replan.store.plans(tmp_path / "plans.db")
    assert saved["name"].tolist() == ["demo"] and at.dataframe[-1].value["plan_id"].tolist() == [1]
    assert replan.store.load(1, tmp_path / "plans.db").kpis == at.session_state["scenarios"]["demo"].plan.kpis
    monkeypatch.setenv("REPLAN_DB", str(tmp_path / "no" / "such" / "plans.db"))
    at.button(key="save_plan").click().run()
    assert not at.exception and "cannot open the plan database" in at.error[0].value


def test_sessions_do_not_see_each_others_data():
    one, two = _page(_app(), "Inputs"), _page(_app(), "Inputs")
    one.session_state["edit:demo:demand:1"] = {"edited_rows": {0: {"quantity": 999}}, "added_rows": [],
                                               "deleted_rows": []}
    one.run()
    two.run()
    assert _number(one.caption[0].value) != _number(two.caption[0].value)
    assert two.session_state["scenarios"]["demo"].tables["demand"]["quantity"].iloc[0] == 55


def test_forecast_page_backtests_and_sends_the_result_to_a_new_scenario():
    at = _page(_app(), "Forecast")
    next(b for b in at.button if b.label == "Forecast").click().run()
    assert not at.exception, at.exception
    assert _metric(at, "Series") == "38"
    assert 0 < _number(_metric(at, "WAPE")) < 40
    assert _metric(at, "Flagged") == "2"
    accuracy = at.dataframe[0].value
    assert len(accuracy) == 38 and {"method", "wape", "bias", "mase", "safety_stock"} <= set(accuracy)
    assert len(at.get("vega_lite_chart")) == 1  # history, forecast and its interval
    expected = replan.forecast(replan.sample_path("demo") / "sales.csv",
                               planning=replan.load(replan.sample_path("demo")))
    at.button(key="forecast_apply").click().run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox(key="scenario_choice").value == "demo + forecast"
    _page(at, "Inputs")
    new = at.session_state["scenarios"]["demo + forecast"]
    assert _number(_metric(at, "Total demand")) == expected.demand["quantity"].sum()  # every item has sales
    items = new.instance()["items"].merge(expected.accuracy, on=["item", "location"])
    assert (items["safety_stock_x"] == items["safety_stock_y"]).all()
    assert "demo" in at.session_state["scenarios"]  # the original is kept


def _side_panel(settings: dict) -> None:
    """The settings panel alone, on the demo with `settings` as if uploaded."""
    import streamlit as st

    from replan import io, sample_path
    from replan.ui import pages
    from replan.ui.scenario import from_raw

    if "scenario" not in st.session_state:
        raw = io.read(sample_path("demo"))
        raw.settings = {**raw.settings, **settings}
        st.session_state.scenario = from_raw("mine", raw)
    pages.settings_panel(st.session_state.scenario)


def test_side_panel_shows_settings_as_read_and_writes_only_what_the_planner_changes():
    given = {"time_limit": "none", "budget": "inf", "mip_gap": "0", "horizon": "abc"}
    at = AppTest.from_function(_side_panel, args=(given,), default_timeout=60).run()
    assert not at.exception, at.exception
    shown = {n.label: n.value for n in at.number_input}
    assert shown == {"Horizon (periods)": None, "Time limit (s)": None, "Relative gap": 0.0,
                     "Budget per period": None}
    scenario = at.session_state["scenario"]
    assert scenario.settings["horizon"] == "abc"  # kept as given until changed, and named
    assert [(p.table, p.column, p.value) for p in scenario.problems] == [("settings", "horizon", "abc")]
    next(n for n in at.number_input if n.label == "Horizon (periods)").set_value(26).run()
    assert not at.exception, at.exception
    settings = at.session_state["scenario"].instance().settings
    assert (settings.horizon, settings.time_limit, settings.budget, settings.mip_gap) == (26, None, None, 0.0)
