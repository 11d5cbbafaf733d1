"""Forecasts and safety stock from sales history, on series whose right answer is known."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from scipy.stats import norm

import replan
from replan.forecasting.safety import abc, loss, safety_stock

ROOT = Path(__file__).resolve().parents[1]
MONDAYS = pd.date_range("2024-01-08", periods=104, freq="7D")


def weekly(series: dict[str, np.ndarray], stockout: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """A sales table: one row per item and week, the weeks ending the Sunday before 2026-01-05."""
    frames = []
    for item, values in series.items():
        dates = MONDAYS[-len(values):]
        flags = (stockout or {}).get(item, np.zeros(len(values), dtype=bool))
        frames.append(pd.DataFrame({"item": item, "date": dates.date.astype(str),
                                    "quantity": values, "stockout": flags}))
    return pd.concat(frames, ignore_index=True)


def row(result: replan.Forecast, item: str) -> pd.Series:
    return result.accuracy.set_index("item").loc[item]


def periods(result: replan.Forecast, item: str) -> np.ndarray:
    return result.forecast.loc[result.forecast["item"] == item, "forecast"].to_numpy()


# ---- series whose forecast is known -------------------------------------------------------------

def test_a_constant_series_is_forecast_as_that_constant_with_no_safety_stock():
    result = replan.forecast(weekly({"FLAT": np.full(104, 20.0)}), horizon=8)
    assert periods(result, "FLAT") == pytest.approx(np.full(8, 20.0))
    assert row(result, "FLAT")["wape"] == pytest.approx(0.0)
    assert row(result, "FLAT")["safety_stock"] == 0
    assert result.demand["quantity"].tolist() == [20.0] * 8
    assert result.forecast["date"].iloc[0].isoformat() == "2026-01-05"


def test_a_pure_seasonal_series_repeats_last_season():
    pattern = np.round(50 + 30 * np.sin(2 * np.pi * np.arange(52) / 52))
    result = replan.forecast(weekly({"SEASON": np.tile(pattern, 2)}), horizon=20)
    assert row(result, "SEASON")["method"] in ("seasonal_naive", "seasonal_exp_smoothing")
    assert periods(result, "SEASON") == pytest.approx(pattern[:20], abs=0.01)
    assert row(result, "SEASON")["wape"] == pytest.approx(0.0, abs=1e-3)


def test_an_intermittent_series_gets_crostons_demand_rate():
    """10 units every fifth week: Croston sees size 10 and interval 5, and the Syntetos–Boylan
    correction gives (1 − 0.1/2) · 10 / 5 = 1.9 units a week."""
    values = np.where(np.arange(104) % 5 == 4, 10.0, 0.0)
    result = replan.forecast(weekly({"LUMPY": values}), horizon=6)
    assert row(result, "LUMPY")["intermittent"]
    assert row(result, "LUMPY")["method"] == "croston_sba"
    assert periods(result, "LUMPY") == pytest.approx(np.full(6, 1.9))
    # whole units that keep the running total: 1.9, 3.8, 5.7, 7.6, 9.5, 11.4 rounds to 2, 4, 6, 8, 10, 11
    assert result.demand["quantity"].tolist() == [2, 2, 2, 2, 2, 1]


def test_a_random_intermittent_series_is_forecast_near_its_mean_rate():
    rng = np.random.default_rng(7)
    values = (rng.random(104) < 0.25) * 12.0
    result = replan.forecast(weekly({"SPARE": values}), horizon=4)
    assert row(result, "SPARE")["intermittent"]
    assert periods(result, "SPARE")[0] == pytest.approx(3.0, rel=0.35)


def test_stockout_weeks_are_estimated_from_the_weeks_around_them_and_not_scored():
    values = np.full(104, 40.0)
    flags = np.zeros(104, dtype=bool)
    flags[90:94] = True
    values[90:94] = 3
    result = replan.forecast(weekly({"OUT": values}, {"OUT": flags}), horizon=4)
    assert periods(result, "OUT") == pytest.approx(np.full(4, 40.0))
    assert row(result, "OUT")["wape"] == pytest.approx(0.0)
    history = result.history
    assert history.loc[history["stockout"], "demand"].tolist() == [40.0] * 4


def test_daily_sales_add_up_to_weeks_and_the_forecast_starts_the_monday_after():
    days = pd.date_range("2025-06-02", "2025-12-31", freq="D")  # ends on a Wednesday
    sales = pd.DataFrame({"item": "DAILY", "date": days.date.astype(str), "quantity": 3})
    sales = pd.concat([sales, sales.assign(quantity=1)])  # two lines a day: they add up
    result = replan.forecast(sales, horizon=2)
    weeks = result.history
    assert weeks["sales"].iloc[0] == 28 and weeks["date"].iloc[0].isoformat() == "2025-06-02"
    assert result.forecast["date"].tolist()[0].isoformat() == "2026-01-05"
    assert result.summary["start_date"] == "2026-01-05"


def test_a_period_column_counts_in_time_order():
    sales = pd.DataFrame({"item": "P", "period": np.arange(1, 41), "quantity": 5})
    result = replan.forecast(sales, horizon=3)
    assert result.history["period"].max() == 0
    assert result.demand["period"].tolist() == [1, 2, 3]
    assert result.demand["quantity"].tolist() == [5, 5, 5]


def test_short_and_empty_histories_are_flagged():
    result = replan.forecast(weekly({"NEW": np.full(10, 6.0), "DEAD": np.zeros(60)}), horizon=4)
    assert row(result, "NEW")["flag"].startswith("short history: 10 periods")
    assert row(result, "NEW")["method"] == "mean" and np.isnan(row(result, "NEW")["wape"])
    assert row(result, "DEAD")["flag"] == "no sales in the history"
    assert periods(result, "DEAD") == pytest.approx(np.zeros(4))
    assert result.summary["flagged"] == 2


def test_a_gap_before_the_plan_is_forecast_across_and_warned_about():
    sales = weekly({"GAP": np.arange(104, dtype=float)})
    sales = sales[pd.to_datetime(sales["date"]) < "2025-12-01"]
    planning = replan.load(replan.sample_path("demo"))
    result = replan.forecast(sales, horizon=2, planning=planning)
    assert any("the last 5 period(s) have none" in p.expected for p in result.warnings)
    assert result.history["period"].max() == -5


# ---- safety stock ---------------------------------------------------------------------------------

def test_safety_stock_matches_the_textbook_formula_on_a_worked_example():
    """σ = 10 a week, lead time 3 weeks, review 1 week: σ_P = 10·√4 = 20.
    Cycle service 95%: k = 1.645, safety stock 32.9 → 33 units.
    With a lead time deviation of 0.5 weeks at 100 a week: σ_P = √(4·100 + 100²·0.25) = 53.85,
    → 88.6 → 89 units."""
    one = np.ones(1)
    assert safety_stock(10 * one, 100 * one, 3 * one, 0 * one, 0.95 * one, "cycle")[0] == 33
    assert safety_stock(10 * one, 100 * one, 3 * one, 0.5 * one, 0.95 * one, "cycle")[0] == 89


def test_fill_rate_safety_stock_solves_the_loss_function():
    """Fill rate 98% at 100 a week and σ_P = 20: G(k) = 0.02 · 100 / 20 = 0.1, so k ≈ 0.9015."""
    one = np.ones(1)
    assert loss(0.9015) == pytest.approx(0.1, abs=2e-4)  # the textbook's table: G(0.90) = 0.1004
    stock = safety_stock(10 * one, 100 * one, 3 * one, 0 * one, 0.98 * one, "fill_rate")[0]
    assert stock == 19  # 0.9015 · 20 = 18.03, rounded up
    # a fill rate that holds with no stock at all needs none
    assert safety_stock(10 * one, 100 * one, 3 * one, 0 * one, 0.5 * one, "fill_rate")[0] == 0


def test_lead_times_come_from_the_main_offer_and_the_lane(tmp_path):
    planning = replan.load(replan.sample_path("demo"))
    result = replan.forecast(ROOT / "data" / "demo" / "sales.csv", planning=planning)
    acc = result.accuracy.set_index(["item", "location"])
    assert acc.loc[("GLV-NIT-M", "DC-Leeds"), "lead_time"] == 3      # the cheaper offer, not Rhein's 2
    assert acc.loc[("GLV-NIT-M", "Branch-York"), "lead_time"] == 1   # fed by the one-week lane
    assert acc.loc[("LED-WL-20W", "DC-Leeds"), "lead_time"] == 6
    expected = safety_stock(acc["rmse"].to_numpy(), acc["mean_forecast"].to_numpy(),
                            acc["lead_time"].to_numpy(), acc["lead_time_sd"].to_numpy(),
                            acc["service_level"].to_numpy(), "cycle")
    assert acc["safety_stock"].to_numpy() == pytest.approx(expected, abs=1)


def test_service_levels_per_class_and_per_item():
    rng = np.random.default_rng(3)
    series = {f"I{i}": rng.poisson(scale, 104).astype(float)
              for i, scale in enumerate([400, 100, 30, 10, 5, 2])}
    levels = pd.DataFrame({"item": ["I5"], "service_level": [0.999]})
    result = replan.forecast(weekly(series), horizon=4, service_level={"A": 0.99, "B": 0.95, "C": 0.9},
                             service_levels=levels)
    acc = result.accuracy.set_index("item")
    assert acc.loc["I0", "abc_class"] == "A" and acc.loc["I0", "service_level"] == 0.99
    assert acc.loc["I4", "abc_class"] == "C" and acc.loc["I4", "service_level"] == 0.9
    assert acc.loc["I5", "service_level"] == 0.999


def test_abc_classes_split_value_at_80_and_95_percent():
    """The item that crosses 80% of the value is still A (A covers at least 80%); likewise B."""
    assert abc(np.array([70, 20, 6, 3, 1, 0])).tolist() == ["A", "A", "B", "C", "C", "C"]
    assert abc(np.array([10, 0, 84, 6])).tolist() == ["B", "C", "A", "B"]


def test_a_higher_service_level_never_lowers_safety_stock():
    sales = weekly({"X": np.random.default_rng(1).poisson(50, 104).astype(float)})
    low, high = (replan.forecast(sales, horizon=4, service_level=level) for level in (0.8, 0.99))
    assert row(high, "X")["safety_stock"] > row(low, "X")["safety_stock"]
    assert row(high, "X")["safety_stock"] == pytest.approx(
        row(low, "X")["safety_stock"] * norm.ppf(0.99) / norm.ppf(0.8), abs=2)


# ---- laws for any history ---------------------------------------------------------------------------

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(st.integers(0, 500), min_size=1, max_size=80),
       zeros=st.floats(0, 0.9), horizon=st.integers(1, 20))
def test_any_history_gives_whole_non_negative_demand_that_keeps_the_forecast_total(values, zeros, horizon):
    values = np.array(values, dtype=float)
    values[: int(len(values) * zeros)] = 0
    result = replan.forecast(weekly({"ANY": values}), horizon=horizon)
    forecast = periods(result, "ANY")
    assert np.all(np.isfinite(forecast)) and np.all(forecast >= 0)
    demand = result.demand.set_index("period")["quantity"].reindex(range(1, horizon + 1), fill_value=0)
    assert np.all(demand == np.round(demand))
    assert abs(demand.sum() - forecast.sum()) <= 0.5 + 1e-6
    assert np.all(np.abs(np.cumsum(demand.to_numpy()) - np.cumsum(forecast)) <= 0.5 + 1e-6)
    lower, upper = (result.forecast[c].to_numpy() for c in ("lower", "upper"))
    assert np.all(lower <= forecast + 1e-9) and np.all(forecast <= upper + 1e-9) and np.all(lower >= 0)
    assert row(result, "ANY")["safety_stock"] >= 0


def test_parts_in_several_processes_give_the_same_forecast():
    rng = np.random.default_rng(5)
    sales = weekly({f"S{i}": rng.poisson(20, 104).astype(float) for i in range(120)})
    one = replan.forecast(sales, horizon=4)
    two = replan.forecast(sales, horizon=4, workers=2)
    pd.testing.assert_frame_equal(one.forecast, two.forecast)
    pd.testing.assert_frame_equal(one.accuracy, two.accuracy)


# ---- bad input ----------------------------------------------------------------------------------

def problems(source, **options) -> list[replan.Problem]:
    with pytest.raises(replan.InputError) as error:
        replan.forecast(source, **options)
    return error.value.problems


def test_bad_sales_rows_are_all_reported_with_row_column_and_value():
    sales = pd.DataFrame({"item": ["A", "A", "", "B"], "date": ["2025-01-06", "06/13/2025", "2025-01-20", ""],
                          "quantity": ["4", "-2", "3", "x"]})
    found = {(p.row, p.column, p.value) for p in problems(sales)}
    assert found == {(3, "date", "06/13/2025"), (3, "quantity", "-2"), (4, "item", ""),
                     (5, "date", ""), (5, "quantity", "x")}


def test_sales_need_a_quantity_and_one_time_column():
    assert [(p.column, p.expected) for p in problems(pd.DataFrame({"item": ["A"], "date": ["2025-01-06"]}))] \
        == [("quantity", "a column named 'quantity'")]
    both = problems(pd.DataFrame({"item": ["A"], "date": ["2025-01-06"], "period": [1], "quantity": [1]}))
    assert [p.expected for p in both] == ["exactly one of the columns date and period"]


def test_sales_on_or_after_the_plan_start_are_refused():
    planning = replan.load(replan.sample_path("demo"))
    sales = weekly({"GLV-NIT-M": np.full(10, 5.0)})
    sales.loc[9, "date"] = "2026-01-05"
    [problem] = problems(sales, planning=planning)
    assert (problem.row, problem.column, problem.value) == (11, "date", "2026-01-05")
    assert "before the plan's start date 2026-01-05" in problem.expected


def test_bad_parameters_are_named():
    sales = weekly({"A": np.ones(30)})
    found = {p.column for p in problems(sales, service_level=1.2, measure="speed", horizon=0)}
    assert found == {"service_level", "measure", "horizon"}
    assert [p.column for p in problems(sales, service_level={"A": 0.9})] == ["service_level"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "replan.cli", *args], capture_output=True, text=True,
                          timeout=300)


def test_cli_refuses_a_broken_file_and_writes_nothing(tmp_path):
    (tmp_path / "sales.csv").write_bytes(b"item,date,quantity\nA,2025-01-06,\xff\xfe\n")
    done = run("forecast", str(tmp_path / "sales.csv"), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "sales" in done.stderr and "UTF-8" in done.stderr
    assert not (tmp_path / "out").exists()
    missing = run("forecast", str(tmp_path / "nowhere.csv"), "--out", str(tmp_path / "out"))
    assert missing.returncode == 2 and "not found" in missing.stderr


def test_cli_writes_a_planning_folder_that_plans(tmp_path):
    out = tmp_path / "next"
    done = run("forecast", str(ROOT / "data" / "demo"), "--input", str(ROOT / "data" / "demo"),
               "--out", str(out), "--horizon", "8", "--service-level", "A=0.98,B=0.95,C=0.9",
               "--measure", "fill_rate")
    assert done.returncode == 0, done.stderr
    assert "forecast 38 series over 8 periods" in done.stderr
    planning = replan.load(out)
    assert planning.horizon == 8 and not planning.warnings
    accuracy = pd.read_csv(out / "accuracy.csv")
    assert set(accuracy["measure"]) == {"fill_rate"}
    merged = planning["items"].merge(accuracy, on=["item", "location"], suffixes=("", "_forecast"))
    assert len(merged) == 38 and (merged["safety_stock"] == merged["safety_stock_forecast"]).all()
    demand = planning["demand"].groupby(["item", "location"])["quantity"].sum()
    forecast = pd.read_csv(out / "forecast.csv").groupby(["item", "location"])["forecast"].sum()
    assert (demand - forecast.loc[demand.index]).abs().max() <= 0.5 + 1e-6
    plan = replan.solve(planning, time_limit=10, mip_gap=0.05)
    assert plan.status in ("optimal", "feasible")


def test_the_sample_history_has_what_the_issue_asks_for():
    """Two years weekly, a spring peak, promotions, intermittent items, a stockout spell."""
    result = replan.forecast(ROOT / "data" / "demo", planning=replan.load(ROOT / "data" / "demo"))
    history = result.history
    assert history["period"].nunique() == 104
    assert history["stockout"].sum() == 5
    acc = result.accuracy.set_index(["item", "location"])
    assert acc.loc[("SPILL-KIT-S", "DC-Leeds"), "intermittent"]
    assert acc.loc[("EXT-CORD-10", "DC-Leeds"), "flag"].startswith("short history")
    weeks = pd.to_datetime(history["date"]).dt.isocalendar().week
    by_week = history.groupby(weeks.to_numpy())["sales"].sum()
    assert by_week.loc[12:16].mean() > 1.4 * by_week.loc[30:40].mean()
