"""The app's pages: plan, inputs, scenarios, downloads. Each renders one scenario's state."""

from __future__ import annotations

import os
import time
from io import BytesIO
from pathlib import Path
from typing import Callable

import pandas as pd
import streamlit as st

from .. import available_solvers, scenarios as whatif, solve, store
from ..errors import InputError, Problem
from ..io import write_template
from ..plan import Plan, escape
from ..tables import SETTINGS, TABLES, Table
from . import charts
from .scenario import Scenario, from_uploads, totals, unique_name

HOW_TO_READ = ("**How to read this:** the plan buys at least total cost over the horizon. "
               "*Orders to place now* are this week's purchase orders; *Exceptions* list what needs "
               "your attention, worst first; *Late customer lines* carry the date to promise. "
               "Change inputs on **Inputs**, try changes on **Scenarios**, take the plan away on **Download**.")
PLAN_CACHE = 64
APP_DEFAULTS = {"time_limit": 10.0, "mip_gap": 0.01}
"""Where a scenario's settings leave these out: a planner at the screen waits for the plan."""


@st.cache_resource
def _plans() -> dict[tuple, Plan]:
    """Plans by input digest and options, shared by sessions (the same input gives the same plan)."""
    return {}


def solve_scenario(scenario: Scenario, where=None) -> bool:
    """Solve `scenario` (or reuse the plan of identical input); show progress; False on bad input."""
    try:
        instance = scenario.instance()
    except InputError as error:
        scenario.problems = list(error.problems)
        return False
    scenario.problems = list(instance.warnings)
    key = (instance.digest,)
    cache = _plans()
    if key not in cache:
        began = time.perf_counter()
        with (where or st).status("Solving…", expanded=True) as status:
            def say(message: str) -> None:
                status.write(f"{time.perf_counter() - began:5.1f} s · {message}")

            plan = solve(instance, progress=say)
            gap = plan.kpis.get("mip_gap")
            status.update(label=f"{plan.status} in {time.perf_counter() - began:.1f} s"
                          + ("" if gap is None else f", gap {gap:.1%}"),
                          state="complete" if plan.status in ("optimal", "feasible") else "error",
                          expanded=False)
        if len(cache) >= PLAN_CACHE:
            cache.pop(next(iter(cache)))
        cache[key] = plan
    scenario.plan, scenario.solved_digest = cache[key], instance.digest
    return True


def show_problems(problems: list[Problem], table: str | None = None) -> None:
    """Problems of one table (or all), as the CLI words them."""
    chosen = [p for p in problems if table is None or p.table == table]
    errors = [p for p in chosen if p.severity == "error"]
    if errors:
        st.error(f"{len(errors)} problem(s) to fix" + (f" in `{table}`" if table else "") + ":\n\n"
                 + "\n".join(f"- {p}" for p in errors))
    for p in chosen:
        if p.severity != "error":
            st.warning(str(p))


# ---- plan ---------------------------------------------------------------------------------------

def plan_page(scenario: Scenario) -> None:
    st.markdown(HOW_TO_READ)
    plan = scenario.plan
    if plan is None:
        st.info("No plan yet: press **Solve** in the side panel.")
        return
    if scenario.stale:
        st.warning("The inputs changed since this plan was solved: press **Solve** to update it.")
    kpis_row(plan)
    if plan.orders is None:
        st.subheader("Exceptions")
        st.dataframe(plan.exceptions, hide_index=True, width="stretch")
        return
    st.altair_chart(charts.cost_buckets({scenario.name: plan}), width="stretch")
    orders_section(plan)
    item_section(plan)
    st.subheader("Supplier mix and spend")
    left, right = st.columns(2)
    left.altair_chart(charts.supplier_mix(plan), width="stretch")
    right.altair_chart(charts.spend(plan), width="stretch")
    st.subheader("Late customer lines (backorder allocation)")
    late = plan.promises()
    st.caption(f"{len(late)} lines are served late, lost or left open; `fulfilled_date` is the date to promise.")
    st.dataframe(late, hide_index=True, width="stretch")
    st.subheader("Exceptions")
    st.dataframe(plan.exceptions, hide_index=True, width="stretch")


def kpis_row(plan: Plan) -> None:
    k = plan.kpis
    cols = st.columns(4)
    cols[0].metric("Total cost", "—" if k["objective"] is None else f"{k['objective']:,.0f}")
    cols[1].metric("Fill rate", "—" if k["fill_rate"] is None else f"{k['fill_rate']:.1%}")
    cols[2].metric("Backorder unit-periods",
                   "—" if k["backorder_unit_periods"] is None else f"{k['backorder_unit_periods']:,.0f}")
    gap = k.get("mip_gap")
    cols[3].metric("Status", k["status"], None if gap is None else f"gap {gap:.1%}", delta_color="off")


def orders_section(plan: Plan) -> None:
    orders = plan.orders
    columns = ["supplier", "item", "location", "mode", "order_date", "arrival_date", "quantity", "packs",
               "unit_price", "cost"]
    now = orders[orders["order_period"] == 1].sort_values(["supplier", "item"])
    st.subheader(f"Orders to place now ({len(now)})")
    by_supplier = now.groupby("supplier", as_index=False).agg(lines=("item", "size"),
                                                             units=("quantity", "sum"), spend=("cost", "sum")).round(2)
    st.dataframe(by_supplier, hide_index=True, width="stretch")
    st.dataframe(now[columns], hide_index=True, width="stretch")
    later = orders[orders["order_period"] > 1].sort_values(["order_period", "supplier", "item"])
    with st.expander(f"Later orders ({len(later)})"):
        st.dataframe(later[columns], hide_index=True, width="stretch")


def item_section(plan: Plan) -> None:
    st.subheader("Stock over time")
    pairs = plan.inventory[["item", "location"]].drop_duplicates()
    labels = (pairs["item"] + " @ " + pairs["location"]).tolist()
    choice = st.selectbox("Item", labels, key="item_profile")
    item, location = pairs.iloc[labels.index(choice)] if choice else pairs.iloc[0]
    st.altair_chart(charts.item_profile(plan, item, location), width="stretch")


# ---- inputs -------------------------------------------------------------------------------------

def inputs_page(scenario: Scenario, all_scenarios: dict[str, Scenario],
                select: Callable[[str], None]) -> None:
    summary = st.container()  # filled after the editors, so that it shows this run's edits
    upload_box(scenario, all_scenarios, select)
    show_problems([p for p in scenario.problems if p.table not in TABLES])
    tabs = st.tabs([_tab_label(scenario, name) for name in TABLES])
    for tab, (name, table) in zip(tabs, TABLES.items()):
        with tab:
            st.caption(table.help)
            show_problems(scenario.problems, name)
            editor(scenario, table)
    figures = totals(scenario)
    with summary:
        for col, (label, value) in zip(st.columns(len(figures)), figures.items()):
            col.metric(label.capitalize(), f"{value:,.0f}")
        st.caption(f"Total demand: {figures['total demand']:,.0f}")


def _tab_label(scenario: Scenario, name: str) -> str:
    bad = sum(p.table == name and p.severity == "error" for p in scenario.problems)
    return f"{name} ⚠ {bad}" if bad else name


def editor(scenario: Scenario, table: Table) -> None:
    """An editable grid of one input table; edits go straight into the scenario."""
    key = f"edit:{scenario.name}:{table.name}:{scenario.version}"
    config = {c.name: _column_config(c, scenario.tables[table.name][c.name]) for c in table.columns
              if c.name in scenario.tables[table.name].columns}
    base_key = f"base:{key}"
    if key not in st.session_state or base_key not in st.session_state:
        st.session_state[base_key] = scenario.tables[table.name]
    edited = st.data_editor(st.session_state[base_key], key=key, num_rows="dynamic", hide_index=True,
                            column_config=config, width="stretch")
    scenario.tables[table.name] = edited


def _column_config(column, values: pd.Series):
    help_ = f"{'Required. ' if column.required else ''}{column.help} Expected: {column.expected()}."
    if column.kind in ("number", "whole") and pd.api.types.is_float_dtype(values):
        return st.column_config.NumberColumn(column.name, help=help_, required=column.required,
                                             step=1 if column.kind == "whole" else None)
    if column.kind == "bool" and pd.api.types.is_bool_dtype(values):
        return st.column_config.CheckboxColumn(column.name, help=help_)
    return st.column_config.TextColumn(column.name, help=help_, required=column.required)


def upload_box(scenario: Scenario, all_scenarios: dict[str, Scenario], select: Callable[[str], None]) -> None:
    with st.expander("Bring your own data"):
        st.write("Upload one workbook (.xlsx, a sheet per table) or CSV files named after their tables "
                 "(and a settings.toml). They load as a new scenario, so nothing here is lost; tables "
                 "you do not upload are copied from this scenario. The template has every sheet and "
                 "column, with example rows.")
        st.download_button("Download the template workbook", _template(), "replan-template.xlsx",
                           key="template")
        files = st.file_uploader("Input files", type=["xlsx", "csv", "toml"], accept_multiple_files=True,
                                 key="upload")
        if files and st.button("Load as a new scenario", key="load_upload"):
            name = unique_name(all_scenarios, Path(files[0].name).stem if len(files) == 1 else "upload")
            loaded = from_uploads(name, [(f.name, f.getvalue()) for f in files], base=scenario)
            all_scenarios[name] = loaded
            select(name)
            st.rerun()


@st.cache_data
def _template() -> bytes:
    buffer = BytesIO()
    write_template(buffer)
    return buffer.getvalue()


def settings_panel(scenario: Scenario) -> None:
    """Horizon, solver, time limit, gap and budget of the scenario, in the side panel. Each
    shows the setting as the checker reads it, blank for none; a setting is written only when
    the planner changes it here, so one that does not parse stays as given, and named."""
    for name, value in APP_DEFAULTS.items():
        scenario.settings.setdefault(name, value)
    version = f"{scenario.name}:{scenario.version}"

    def kept(name: str) -> dict:
        key = f"{name}:{version}"
        return {"key": key, "help": SETTINGS[name][1], "on_change": _put, "args": (scenario, name, key)}

    horizon = scenario.setting("horizon")
    st.number_input("Horizon (periods)", min_value=1, step=1, value=horizon, **kept("horizon"))
    solvers = available_solvers()
    solver = scenario.setting("solver") or "highs"
    st.selectbox("Solver", solvers, index=solvers.index(solver) if solver in solvers else 0, **kept("solver"))
    st.number_input("Time limit (s)", min_value=0.0, value=scenario.setting("time_limit"),
                    placeholder="none", **kept("time_limit"))
    st.number_input("Relative gap", min_value=0.0, format="%.3f", value=scenario.setting("mip_gap"),
                    placeholder="0.001", **kept("mip_gap"))
    st.number_input("Budget per period", min_value=0.0, value=scenario.setting("budget"),
                    placeholder="none", **kept("budget"))


def _put(scenario: Scenario, name: str, key: str) -> None:
    """The planner set `name` in the side panel (blank: not set, so the contract's default)."""
    scenario.settings = {**scenario.settings, name: st.session_state[key]}


# ---- scenarios ----------------------------------------------------------------------------------

def scenarios_page(all_scenarios: dict[str, Scenario], current: Scenario,
                   select: Callable[[str], None]) -> None:
    st.subheader("Copy and change")
    with st.form("copy"):
        name = st.text_input("New scenario's name", value=f"{current.name} (what-if)")
        suppliers = sorted(current.tables["suppliers"]["supplier"].dropna().astype(str).unique())
        shut = st.selectbox("Supplier shut", ["(none)"] + suppliers)
        horizon = max(2, current.setting("horizon") or 26)
        weeks = st.slider("Shut for periods", 1, horizon, (min(3, horizon), min(5, horizon)))
        items = sorted(current.tables["items"]["item"].dropna().astype(str).unique())
        group = st.multiselect("Items with changed demand", items)
        change = st.number_input("Demand change (%)", value=30.0, step=5.0)
        modes = sorted(current.tables["offers"]["mode"].fillna("standard").astype(str).unique())
        drop = st.selectbox("Delivery mode withdrawn", ["(none)"] + [m for m in modes if m != "standard"])
        if st.form_submit_button("Create scenario"):
            name = name.strip() or f"{current.name} (what-if)"
            if name in all_scenarios:
                st.error(f"A scenario called {name!r} exists already.")
            else:
                copy = current.copy(name)
                tables = copy.tables
                if shut != "(none)":
                    tables = whatif.shut_supplier(tables, shut, *weeks)
                if group:
                    tables = whatif.scale_demand(tables, 1 + change / 100, group)
                if drop != "(none)":
                    tables = whatif.drop_mode(tables, drop)
                copy.replace_tables(dict(tables))
                copy.plan = None
                all_scenarios[name] = copy
                select(name)
                st.rerun()
    compare_section(all_scenarios)


def compare_section(all_scenarios: dict[str, Scenario]) -> None:
    st.subheader("Compare two scenarios")
    solved = [n for n, s in all_scenarios.items() if s.plan is not None and s.plan.orders is not None]
    if len(solved) < 2:
        st.info("Solve at least two scenarios to compare them.")
        return
    left, right = st.columns(2)
    a = left.selectbox("Scenario A", solved, index=0, key="compare_a")
    b = right.selectbox("Scenario B", solved, index=1, key="compare_b")
    plan_a, plan_b = all_scenarios[a].plan, all_scenarios[b].plan
    result = whatif.compare(plan_a, plan_b)
    st.dataframe(result.kpis.rename(columns={"a": a, "b": b}), hide_index=True, width="stretch")
    st.altair_chart(charts.cost_buckets({a: plan_a, b: plan_b}), width="stretch")
    st.markdown(f"**Orders that differ** ({len(result.orders)})")
    st.dataframe(result.orders, hide_index=True, width="stretch")
    st.markdown(f"**Promise dates that move** ({len(result.promises)}; blank: not complete in the horizon)")
    st.dataframe(result.promises, hide_index=True, width="stretch")


# ---- downloads ----------------------------------------------------------------------------------

def download_page(scenario: Scenario) -> None:
    plan = scenario.plan
    if plan is None:
        st.info("No plan yet: press **Solve** in the side panel.")
        return
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in scenario.name)
    st.write("The plan as one workbook (a sheet per table, dates as dates), as the CSV files of a "
             "plan folder, and the customer communication list. Text that a spreadsheet would run "
             "as a formula is escaped.")
    if plan.orders is not None:
        st.download_button("Plan workbook (.xlsx)", plan.excel_bytes(), f"{stem}-plan.xlsx", key="xlsx")
    st.download_button("Plan folder (CSV files, .zip)", plan.zip_bytes(), f"{stem}-plan.zip", key="zip")
    if plan.fulfillment is not None:
        st.download_button("Customer communication list (.csv)", _escaped_csv(plan.promises()),
                           f"{stem}-promises.csv", key="promises")
    database_section(plan, scenario.name)


def database_section(plan: Plan, name: str) -> None:
    """Keep the plan in the plan database that the server names (`REPLAN_DB`: an SQLAlchemy URL
    or an SQLite file; default replan.db where the app runs), and list what it holds. The
    database is opened only when the planner asks: showing the page creates no file."""
    url = os.environ.get("REPLAN_DB", store.DEFAULT_URL)
    st.subheader("Plan database")
    st.caption(f"{store.shown_url(url)} (set by the server's REPLAN_DB)")
    save, show, _ = st.columns([1, 1, 3])
    try:
        if save.button("Save this plan", key="save_plan"):
            plan_id = store.save(plan, _database(url), name=name)
            st.session_state.saved_plan = f"Saved {name} as plan {plan_id}."
        if show.button("Show saved plans", key="show_plans") or "saved_plan" in st.session_state:
            if "saved_plan" in st.session_state:
                st.success(st.session_state.saved_plan)
            money = st.column_config.NumberColumn(format="localized")
            share = st.column_config.NumberColumn(format="percent")
            st.dataframe(store.plans(_database(url)).head(50), hide_index=True, width="stretch",
                         column_config={"objective": money, "bound": money, "mip_gap": share,
                                        "fill_rate": share})
    except store.StoreError as error:
        st.error(str(error))


@st.cache_resource
def _database(url: str):
    """One engine (and its connection pool) per database, shared by sessions."""
    return store.engine(url)


def _escaped_csv(frame: pd.DataFrame) -> bytes:
    return frame.map(escape).to_csv(index=False).encode()
