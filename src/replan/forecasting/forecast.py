"""From sales history to the planner's `demand` and `items.safety_stock`, with accuracy figures."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd
from scipy.stats import norm

from .. import io, processes
from ..errors import InputError, Problem
from ..instance import Instance
from ..tables import SERVICE_LEVELS
from ..validate import check_keys, check_ranges, parse_table
from .backtest import SeriesForecast, forecast_series
from .history import History, history, read_sales
from .safety import CLASSES, MEASURES, abc, safety_stock

DEFAULT_HORIZON = 13
CHUNK = 50
"""Series per task when forecasting in several processes."""


@dataclass(frozen=True)
class Forecast:
    """The result of `replan.forecast`.

    `demand` and `items` are the contract's tables for the planner (`items`
    holds only item, location and safety_stock without a planning instance);
    `forecast` has every period's forecast with its interval and method,
    `accuracy` one row per series, `history` the sales and estimated demand,
    `summary` the overall figures, and `warnings` what a planner should see.
    """

    demand: pd.DataFrame
    items: pd.DataFrame
    forecast: pd.DataFrame
    accuracy: pd.DataFrame
    history: pd.DataFrame
    summary: dict[str, Any]
    warnings: tuple[Problem, ...] = ()

    def planning_tables(self, planning: Instance) -> dict[str, pd.DataFrame]:
        """`planning`'s tables with the forecast's demand and safety stock in place.

        Item-locations without sales keep their demand rows and safety stock; rows of periods
        after the forecast's horizon are left out. Limits that are not set are left blank, as a
        planner would type them.
        """
        horizon = self.summary["horizon"]
        tables = {name: frame.replace([np.inf], np.nan) for name, frame in planning.tables.items()}
        for name, frame in tables.items():
            if "period" in frame.columns:  # demand, offer_calendar, supplier_capacity
                tables[name] = frame[frame["period"] <= horizon]
        demand = tables["demand"]
        forecast = pd.MultiIndex.from_frame(self.accuracy[["item", "location"]])
        kept = demand[~pd.MultiIndex.from_frame(demand[["item", "location"]]).isin(forecast)]
        planned = _planned(self.demand, planning)
        tables["demand"] = (pd.concat([kept, planned], ignore_index=True) if not kept.empty
                            else planned)[demand.columns]
        tables["items"] = _with_safety_stock(tables["items"], self.accuracy)
        return tables

    def write(self, folder: str | Path, planning: Instance | None = None) -> Path:
        """Write demand.csv, items.csv, forecast.csv, accuracy.csv and summary.json to `folder`
        (all or nothing); with `planning`, also its other tables and settings, so that the
        folder is ready for `replan solve`."""
        import json

        with io.atomic_folder(folder) as staging:
            if planning is not None:
                settings = {**planning.settings.as_dict(), "horizon": self.summary["horizon"]}
                io.write_tables(staging, self.planning_tables(planning), settings)
            else:
                io.write_tables(staging, {"demand": self.demand, "items": self.items})
            io.write_tables(staging, {"forecast": self.forecast, "accuracy": self.accuracy})
            (staging / "summary.json").write_text(json.dumps(self.summary, indent=2, default=str) + "\n")
        return Path(folder)


def forecast(sales: str | Path | pd.DataFrame, horizon: int | None = None,
             planning: Instance | None = None, service_level: float | Mapping[str, float] = 0.95,
             measure: str = "cycle", service_levels: str | Path | pd.DataFrame | None = None,
             review_periods: int = 1, interval: float = 0.9, season: int | None = None,
             workers: int = 1) -> Forecast:
    """Forecast every item and location in `sales` and set its safety stock.

    Parameters
    ----------
    sales
        The sales table: a CSV file, a workbook, a folder holding sales.csv, or a DataFrame.
    horizon
        Periods to forecast; default the planning instance's horizon, else 13.
    planning
        The planning instance: its start date and period length place the
        forecast, its offers give lead times, and its tables are completed by
        `Forecast.planning_tables`. Without it, period 1 follows the last sale
        and every lead time is one period.
    service_level
        The target for every item, or one per ABC class ({"A": 0.98, "B": 0.95, "C": 0.9}).
    measure
        "cycle" (chance of no stockout in a review period) or "fill_rate" (share of demand served).
    service_levels
        Targets per item and location (a table or file with item, location, service_level),
        overriding the above.
    review_periods
        Periods between two plans (the plan is redone every period: 1).
    interval
        Coverage of the forecast interval shown in `Forecast.forecast`.
    season
        Periods per season; default a year (52 for weekly periods).

    Raises
    ------
    InputError
        Every problem in the sales and the parameters at once.
    """
    began = time.perf_counter()
    problems = _check_parameters(service_level, measure, review_periods, interval, horizon)
    text, read_problems = read_sales(sales)
    problems += read_problems
    targets = _service_table(service_levels, problems)
    settings = planning.settings if planning is not None else None
    past = history(text, problems, settings and settings.start_date, settings.period_days if settings else 7)
    horizon = horizon or (planning.horizon if planning is not None else DEFAULT_HORIZON)
    season = season or max(1, round(364 / past.period_days))
    results = _forecast_all(past, horizon, season, workers)
    warnings = [p for p in problems if p.severity != "error"] + _coverage_warnings(past, planning)
    lead, lead_sd, price = _lead_times(past.keys, planning)
    accuracy = _accuracy(past, results, season, lead, lead_sd, price)
    accuracy["service_level"] = _levels(accuracy, service_level, targets)
    accuracy["measure"] = measure
    accuracy["safety_stock"] = safety_stock(
        accuracy["rmse_per_period"].to_numpy(), accuracy["mean_forecast"].to_numpy(),
        accuracy["lead_time"].to_numpy(), accuracy["lead_time_sd"].to_numpy(),
        accuracy["service_level"].to_numpy(), measure, review_periods)
    detail = _detail(past, results, horizon, interval)
    summary = _summary(past, results, accuracy, horizon, season, measure, time.perf_counter() - began)
    demand = _demand(detail)
    items = accuracy[["item", "location", "safety_stock"]]
    if planning is not None:
        demand = _planned(demand, planning)
        items = _with_safety_stock(planning["items"].replace([np.inf], np.nan), accuracy)
    return Forecast(demand, items, detail, accuracy.drop(columns=["rmse_per_period"]),
                    past.table(), summary, tuple(warnings))


def _check_parameters(service_level: float | Mapping[str, float], measure: str, review: int,
                      interval: float, horizon: int | None) -> list[Problem]:
    problems = []

    def need(ok: bool, column: str, value: object, expected: str) -> None:
        if not ok:
            problems.append(Problem("forecast", None, column, str(value), expected))

    levels = service_level.values() if isinstance(service_level, Mapping) else [service_level]
    need(all(isinstance(v, (int, float)) and 0 < v < 1 for v in levels), "service_level",
         service_level, "a number > 0 and < 1, or one per class A, B and C")
    if isinstance(service_level, Mapping):
        need(set(service_level) == set(CLASSES), "service_level", ", ".join(service_level),
             "a level for each of the classes A, B and C")
    need(measure in MEASURES, "measure", measure, " or ".join(MEASURES))
    need(isinstance(review, int) and review >= 1, "review_periods", review, "a whole number ≥ 1")
    need(0 < interval < 1, "interval", interval, "a number > 0 and < 1")
    need(horizon is None or (isinstance(horizon, int) and horizon >= 1), "horizon", horizon,
         "a whole number ≥ 1")
    return problems


def parse_service_level(text: str) -> float | dict[str, float]:
    """A service level as typed: "0.95", or one per class: "A=0.98, B=0.95, C=0.9"."""
    try:
        if "=" not in text:
            return float(text)
        pairs = (part.split("=") for part in text.split(",") if part.strip())
        return {key.strip().upper(): float(value) for key, value in pairs}
    except ValueError:
        raise InputError([Problem("forecast", None, "service_level", text,
                                  "a number such as 0.95, or A=0.98,B=0.95,C=0.9")]) from None


def _service_table(source: str | Path | pd.DataFrame | None,
                   problems: list[Problem]) -> pd.DataFrame | None:
    if source is None:
        return None
    if isinstance(source, pd.DataFrame):
        text = io.text_table(source, SERVICE_LEVELS.name, problems)
    else:
        text, found = io.read_table(source, SERVICE_LEVELS.name)
        problems += found
        if text is None:
            return None
    typed = parse_table(SERVICE_LEVELS, text, problems)
    if typed is not None:
        check_ranges(SERVICE_LEVELS, typed, problems)
        check_keys(SERVICE_LEVELS, typed, problems)
    return typed


def _forecast_all(past: History, horizon: int, season: int, workers: int) -> list[SeriesForecast]:
    tasks = [[(*past.series(s), horizon, past.gap, season) for s in range(start, min(start + CHUNK, len(past)))]
             for start in range(0, len(past), CHUNK)]
    if workers <= 1 or len(tasks) <= 1:
        return [result for task in tasks for result in _run(task)]
    # one BLAS thread each: with a thread pool per process on top of one process per
    # core, 2 processes ran slower than 1 (docs/benchmarks.md, Forecasting)
    with processes.pool(workers) as pool:
        return [result for chunk in pool.map(_run, tasks) for result in chunk]


def _run(task: list[tuple]) -> list[SeriesForecast]:
    return [forecast_series(*args) for args in task]


def _coverage_warnings(past: History, planning: Instance | None) -> list[Problem]:
    warnings = []
    if past.gap > 0:
        warnings.append(Problem("sales", None, "date", None,
                                f"sales up to the period before the plan starts; the last {past.gap} "
                                "period(s) have none, so the forecast reaches further ahead", "warning"))
    if planning is None:
        return warnings
    sold = pd.MultiIndex.from_frame(past.keys)
    items = planning["items"]
    planned = pd.MultiIndex.from_frame(items[["item", "location"]])
    for item, location in sold[~sold.isin(planned)]:
        warnings.append(Problem("sales", None, "item", f"{item} at {location}",
                                "an item and location defined in items (forecast, but not planned)",
                                "warning"))
    for item, location in planned[~planned.isin(sold)]:
        warnings.append(Problem("sales", None, "item", f"{item} at {location}",
                                "sales history for every planned item (its demand and safety stock "
                                "are kept as they were)", "warning"))
    return warnings


def _lead_times(keys: pd.DataFrame, planning: Instance | None) -> tuple[np.ndarray, ...]:
    """Lead time, its deviation and the unit price of each series' main offer: the cheapest
    standard offer (else any). A location fed only by a transfer lane takes the lane's lead
    time. Without a planning instance, one period and no price."""
    ones, zeros, unknown = np.ones(len(keys)), np.zeros(len(keys)), np.full(len(keys), np.nan)
    if planning is None:
        return ones, zeros, unknown
    offers = planning["offers"].assign(other=lambda f: f["mode"] != "standard")
    main = offers.sort_values(["other", "unit_price", "lead_time"]).drop_duplicates(["item", "location"])
    found = keys.merge(main, on=["item", "location"], how="left")
    prices = offers.groupby("item")["unit_price"].min()
    lanes = planning["transfers"].assign(general=lambda f: f["item"] == "")
    lead = found["lead_time"].to_numpy(dtype=float, copy=True)
    for s in np.flatnonzero(np.isnan(lead)):
        item, location = keys.iloc[s]
        lane = lanes[(lanes["to_location"] == location) & lanes["item"].isin(["", item])]
        lead[s] = lane.sort_values("general")["lead_time"].iloc[0] if not lane.empty else 1
    return (lead, found["lead_time_sd"].fillna(0).to_numpy(dtype=float),
            keys["item"].map(prices).to_numpy(dtype=float))


def _accuracy(past: History, results: list[SeriesForecast], season: int, lead: np.ndarray,
              lead_sd: np.ndarray, price: np.ndarray) -> pd.DataFrame:
    rows = []
    for result in results:
        errors, actual = result.errors, result.actual
        scored = np.nansum(actual)
        tested = errors.size > 0 and np.isfinite(errors).any()
        rows.append({
            "method": result.method, "flag": result.flag, "history_periods": result.history_periods,
            "intermittent": result.intermittent,
            "wape": np.nansum(np.abs(errors)) / scored if tested and scored > 0 else np.nan,
            "bias": np.nansum(errors) / scored if tested and scored > 0 else np.nan,
            "mase": np.nanmean(np.abs(errors)) / result.scale if tested else np.nan,
            "rmse_per_period": result.sigma,
            "mean_forecast": float(np.mean(result.forecast)),
        })
    frame = pd.concat([past.keys, pd.DataFrame(rows)], axis=1)
    frame[["wape", "bias", "mase"]] = frame[["wape", "bias", "mase"]].round(4)
    frame["mean_forecast"] = frame["mean_forecast"].round(3)
    frame["rmse"] = frame["rmse_per_period"].round(3)
    recent = np.nansum(past.demand[:, -season:], axis=1)
    frame.insert(2, "abc_class", abc(recent * np.where(np.isnan(price), 1.0, price)))
    frame["lead_time"], frame["lead_time_sd"] = lead, lead_sd
    return frame


def _levels(accuracy: pd.DataFrame, level: float | Mapping[str, float],
            targets: pd.DataFrame | None) -> np.ndarray:
    levels = (accuracy["abc_class"].map(dict(level)) if isinstance(level, Mapping)
              else pd.Series(float(level), index=accuracy.index)).to_numpy(dtype=float)
    if targets is not None:
        given = accuracy[["item", "location"]].merge(targets, on=["item", "location"], how="left")
        levels = np.where(given["service_level"].notna(), given["service_level"], levels)
    return levels


def _detail(past: History, results: list[SeriesForecast], horizon: int, interval: float) -> pd.DataFrame:
    periods = np.arange(1, horizon + 1)
    z = norm.ppf(0.5 + interval / 2)
    values = np.stack([r.forecast for r in results])
    sigma = np.array([r.sigma for r in results])[:, None]
    frame = past.keys.loc[past.keys.index.repeat(horizon)].reset_index(drop=True)
    frame["period"] = np.tile(periods, len(results))
    frame["date"] = past.dates(frame["period"].to_numpy()).to_numpy()
    frame["forecast"] = values.ravel().round(3)
    frame["lower"] = np.maximum(values - z * sigma, 0).ravel().round(3)
    frame["upper"] = (values + z * sigma).ravel().round(3)
    frame["method"] = np.repeat([r.method for r in results], horizon)
    return frame


def _demand(detail: pd.DataFrame) -> pd.DataFrame:
    """Whole units per period, rounded so that the running total stays within half a unit
    of the forecast's (rounding each period alone would lose a slow item's demand)."""
    running = detail.groupby(["item", "location"], sort=False)["forecast"].cumsum().round()
    previous = running.groupby([detail["item"], detail["location"]], sort=False).shift(fill_value=0)
    demand = detail[["item", "location", "period"]].assign(
        customer="default", priority=1.0, quantity=(running - previous).to_numpy())
    demand = demand[demand["quantity"] > 0]
    return demand[["item", "location", "customer", "priority", "period", "quantity"]].reset_index(drop=True)


def _planned(frame: pd.DataFrame, planning: Instance) -> pd.DataFrame:
    """The rows of `frame` whose item and location the planning instance defines."""
    planned = pd.MultiIndex.from_frame(planning["items"][["item", "location"]])
    return frame[pd.MultiIndex.from_frame(frame[["item", "location"]]).isin(planned)].reset_index(drop=True)


def _with_safety_stock(items: pd.DataFrame, accuracy: pd.DataFrame) -> pd.DataFrame:
    found = items[["item", "location"]].merge(accuracy[["item", "location", "safety_stock"]],
                                              on=["item", "location"], how="left")
    return items.assign(safety_stock=found["safety_stock"].fillna(items["safety_stock"]).to_numpy())


def _summary(past: History, results: list[SeriesForecast], accuracy: pd.DataFrame, horizon: int,
             season: int, measure: str, seconds: float) -> dict[str, Any]:
    errors = np.concatenate([r.errors.ravel() for r in results])
    actual = np.concatenate([r.actual.ravel() for r in results])
    scored = np.nansum(actual[np.isfinite(errors)])

    def ratio(value: float) -> float | None:
        return round(float(value / scored), 4) if scored > 0 else None

    return {
        "series": len(past), "horizon": horizon, "history_periods": len(past.periods),
        "season": season, "measure": measure,
        "start_date": past.start_date.isoformat() if past.start_date else None,
        "methods": accuracy["method"].value_counts().to_dict(),
        "wape": ratio(np.nansum(np.abs(errors))), "bias": ratio(np.nansum(errors)),
        "mase_median": None if accuracy["mase"].isna().all() else round(float(accuracy["mase"].median()), 4),
        "flagged": int((accuracy["flag"] != "").sum()),
        "seconds": round(seconds, 2),
    }
