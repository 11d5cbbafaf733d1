"""replan's planner app: edit inputs, forecast, solve, see and compare plans, take them away.

    streamlit run app.py

Opens on the bundled demo data, already solved. Every figure comes from the
`replan` API; the pages live in `replan.ui`.
"""

from __future__ import annotations

import streamlit as st

from replan import io, sample_path
from replan.ui import forecasting, pages
from replan.ui.scenario import Scenario, from_raw

PAGES = {"Plan": pages.plan_page, "Download": pages.download_page}
ORDER = ("Plan", "Inputs", "Forecast", "Scenarios", "Download")


def start() -> None:
    """A new session: the demo scenario, solved."""
    demo = from_raw("demo", io.read(sample_path("demo")))
    st.session_state.scenarios = {demo.name: demo}
    st.session_state.current = demo.name
    pages.solve_scenario(demo)


def select(name: str) -> None:
    """Show scenario `name` from the next run on (the selectbox is already drawn in this one)."""
    st.session_state.next_scenario = name


st.set_page_config(page_title="replan", page_icon="📦", layout="wide")
if "scenarios" not in st.session_state:
    start()
scenarios: dict[str, Scenario] = st.session_state.scenarios

with st.sidebar:
    st.title("replan")
    names = list(scenarios)
    if "next_scenario" in st.session_state:
        st.session_state.scenario_choice = st.session_state.pop("next_scenario")
    if st.session_state.get("scenario_choice") not in names:
        st.session_state.scenario_choice = st.session_state.current
    st.session_state.current = st.selectbox("Scenario", names, key="scenario_choice")
    scenario = scenarios[st.session_state.current]
    page = st.radio("Page", ORDER, key="page")
    st.divider()
    pages.settings_panel(scenario)
    if st.button("Solve", type="primary", key="solve", width="stretch"):
        if not pages.solve_scenario(scenario, where=st.sidebar):
            st.error("The inputs have problems: see **Inputs**.")

st.header(f"{page} · {scenario.name}")
if page == "Scenarios":
    pages.scenarios_page(scenarios, scenario, select)
elif page == "Inputs":
    pages.inputs_page(scenario, scenarios, select)
elif page == "Forecast":
    forecasting.forecast_page(scenario, scenarios, select)
else:
    PAGES[page](scenario)
