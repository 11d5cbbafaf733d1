"""The app's Forecast page: sales history in, demand and safety stock out, into a new scenario."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable

import streamlit as st

from .. import forecasting
from ..errors import InputError
from ..samples import sample_path
from . import charts
from .pages import show_problems
from .scenario import Scenario, unique_name

CLASS_LEVELS = {"A": 0.98, "B": 0.95, "C": 0.90}


def forecast_page(scenario: Scenario, all_scenarios: dict[str, Scenario],
                  select: Callable[[str], None]) -> None:
    st.markdown("Forecast demand and safety stock from **sales history**, check the accuracy, and "
                "send the result to a new planning scenario. It starts with the demo's two years of "
                "weekly sales; upload your own (CSV or .xlsx: item, location, date or period, "
                "quantity, stockout).")
    upload = st.file_uploader("Sales history", type=["csv", "xlsx"], key="sales_upload")
    with st.form("forecast_form"):
        left, middle, right = st.columns(3)
        horizon = left.number_input("Horizon (periods)", min_value=1, step=1,
                                    value=scenario.setting("horizon") or 13)
        measure = middle.radio("Service measure", forecasting.MEASURES, horizontal=True,
                               help="cycle: chance of no stockout in a period; fill_rate: share "
                                    "of demand served from stock.")
        by_class = right.checkbox("A level per ABC class", help="A: the items making 80% of the "
                                  "value sold in the last year, B: the next 15%, C: the rest.")
        columns = st.columns(4)
        overall = columns[0].number_input("Service level", 0.5, 0.9999, 0.95, format="%.3f")
        classes = {c: col.number_input(f"Class {c}", 0.5, 0.9999, level, format="%.3f")
                   for col, (c, level) in zip(columns[1:], CLASS_LEVELS.items())}
        run = st.form_submit_button("Forecast", type="primary")
    if run:
        _run(scenario, upload, int(horizon), classes if by_class else overall, measure)
    result = st.session_state.get("forecast")
    if result is not None:
        _show(result, scenario, all_scenarios, select)


def _run(scenario: Scenario, upload, horizon: int, level, measure: str) -> None:
    try:
        planning = scenario.instance()
    except InputError:
        planning = None
        st.warning("This scenario's inputs have problems (see **Inputs**): forecasting without its "
                   "lead times and dates.")
    with tempfile.TemporaryDirectory() as folder:
        source = sample_path("demo") / "sales.csv"
        if upload is not None:
            source = Path(folder) / Path(upload.name).name
            source.write_bytes(upload.getvalue())
        try:
            with st.spinner("Backtesting methods and forecasting…"):
                result = forecasting.forecast(source, horizon=horizon, planning=planning,
                                              service_level=level, measure=measure)
        except InputError as error:
            st.session_state.forecast = None
            show_problems(error.problems)
            return
    st.session_state.forecast = result


def _show(result: forecasting.Forecast, scenario: Scenario, all_scenarios: dict[str, Scenario],
          select: Callable[[str], None]) -> None:
    s = result.summary
    cols = st.columns(5)
    cols[0].metric("Series", s["series"])
    cols[1].metric("WAPE", "—" if s["wape"] is None else f"{s['wape']:.1%}")
    cols[2].metric("Bias", "—" if s["bias"] is None else f"{s['bias']:+.1%}")
    cols[3].metric("MASE (median)", "—" if s["mase_median"] is None else f"{s['mase_median']:.2f}")
    cols[4].metric("Flagged", s["flagged"])
    st.caption("Backtest over the last year: WAPE = absolute errors ÷ demand, bias = errors ÷ demand "
               "(positive: over-forecast), MASE < 1 beats last year's value. Methods: "
               + ", ".join(f"{m} {n}" for m, n in s["methods"].items()) + ".")
    show_problems(list(result.warnings))
    st.subheader("History and forecast")
    keys = result.accuracy[["item", "location"]]
    labels = (keys["item"] + " @ " + keys["location"]).tolist()
    choice = st.selectbox("Item", labels, key="forecast_item")
    item, location = keys.iloc[labels.index(choice)]
    st.altair_chart(charts.forecast(result.history, result.forecast, item, location), width="stretch")
    st.subheader("Accuracy and safety stock")
    st.dataframe(result.accuracy, hide_index=True, width="stretch")
    name = f"{scenario.name} + forecast"
    if st.button(f"Use in a new scenario ({name})", key="forecast_apply"):
        try:
            tables = result.planning_tables(scenario.instance())
        except InputError as error:
            show_problems(error.problems)
            return
        copy = scenario.copy(unique_name(all_scenarios, name))
        copy.replace_tables(tables)
        copy.settings = {**copy.settings, "horizon": s["horizon"]}
        copy.plan = None
        all_scenarios[copy.name] = copy
        select(copy.name)
        st.rerun()
