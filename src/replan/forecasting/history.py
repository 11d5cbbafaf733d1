"""Sales history: read and check it, and turn it into one demand series per item and location.

A series runs from its first row to the last period before the plan starts.
A period without a row inside that span sold nothing. A period flagged
`stockout` sold less than was asked for: its demand is estimated from the
unflagged periods around it, and the backtest does not score it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import io
from ..errors import InputError, Problem, any_errors
from ..tables import SALES
from ..validate import check_ranges, parse_table

STOCKOUT_WINDOW = 9
"""Periods (centred) whose unflagged sales estimate the demand of a stockout period."""


@dataclass(frozen=True)
class History:
    """Demand series on the plan's period grid.

    Row `s` of the arrays is the series `keys.iloc[s]` (item, location);
    column `j` is plan period `periods[j]` (period 1 is the plan's first, so
    every history period is ≤ 0; the last is the latest period with sales).
    Cells before a series starts are NaN.
    """

    keys: pd.DataFrame
    sales: np.ndarray
    demand: np.ndarray
    stockout: np.ndarray
    periods: np.ndarray
    start_date: dt.date | None
    period_days: int

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def gap(self) -> int:
        """Periods between the last one with sales and the plan's first (0 when adjacent)."""
        return int(-self.periods[-1])

    def series(self, s: int) -> tuple[np.ndarray, np.ndarray]:
        """Series `s` from its first period: the demand, and which periods a backtest may score."""
        started = ~np.isnan(self.sales[s])
        return self.demand[s, started], ~self.stockout[s, started]

    def dates(self, periods: np.ndarray) -> pd.Series:
        """Start date of each plan period (None without dates)."""
        if self.start_date is None:
            return pd.Series([None] * len(periods), dtype=object)
        offsets = pd.to_timedelta((np.asarray(periods) - 1) * self.period_days, unit="D")
        return pd.Series(pd.Timestamp(self.start_date) + offsets).dt.date

    def table(self) -> pd.DataFrame:
        """The history as a long table: item, location, period, date, sales, demand, stockout."""
        series, column = np.nonzero(~np.isnan(self.sales))
        frame = self.keys.iloc[series].reset_index(drop=True)
        frame["period"] = self.periods[column]
        frame["date"] = self.dates(frame["period"].to_numpy()).to_numpy()
        frame["sales"] = self.sales[series, column]
        frame["demand"] = self.demand[series, column]
        frame["stockout"] = self.stockout[series, column]
        return frame


def read_sales(source: str | Path | pd.DataFrame) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The sales table as text (a CSV file, a workbook, a folder with sales.csv, or a DataFrame)."""
    if isinstance(source, pd.DataFrame):
        problems: list[Problem] = []
        return io.text_table(source, SALES.name, problems), problems
    return io.read_table(source, SALES.name)


def history(text: pd.DataFrame | None, problems: list[Problem], start_date: dt.date | None = None,
            period_days: int = 7) -> History:
    """Check the sales and bucket them into plan periods; raise InputError with every problem.

    With a `date` column, period 1 starts on `start_date` (default: the Monday
    after the last sale) and each period lasts `period_days`. With a `period`
    column, periods count in time order and period 1 follows the last one.
    """
    sales = parse_table(SALES, text, problems) if text is not None else None
    if sales is not None:
        check_ranges(SALES, sales, problems)
        _check_time_column(sales, text, problems)
    if sales is not None and sales.empty and not any_errors(problems):
        problems.append(Problem(SALES.name, None, None, None, "at least one row"))
    if any_errors(problems):
        raise InputError(problems)
    if "date" in text.columns:
        start_date = start_date or _monday_after(sales["date"].max().date())
        _check_before(sales, start_date, problems)
        days = (sales["date"] - pd.Timestamp(start_date)).dt.days
        sales["period"] = np.floor_divide(days, period_days) + 1
    else:
        sales["period"] = sales["period"] - sales["period"].max()
    return _grid(sales, start_date, period_days)


def _check_time_column(sales: pd.DataFrame, text: pd.DataFrame, problems: list[Problem]) -> None:
    given = [c for c in ("date", "period") if c in text.columns]
    if len(given) != 1:
        problems.append(Problem(SALES.name, 1, "date, period", ", ".join(given) or None,
                                "exactly one of the columns date and period"))
        return
    column = given[0]
    for row in sales.loc[text[column] == "", io.ROW]:
        problems.append(Problem(SALES.name, int(row), column, "", SALES.column(column).expected()))


def _check_before(sales: pd.DataFrame, start_date: dt.date, problems: list[Problem]) -> None:
    late = sales["date"] >= pd.Timestamp(start_date)
    found = [Problem(SALES.name, int(row), "date", str(date.date()),
                     f"a date before the plan's start date {start_date}")
             for row, date in zip(sales.loc[late, io.ROW], sales.loc[late, "date"])]
    if found:
        raise InputError(found)


def _monday_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=7 - day.weekday())


def _grid(sales: pd.DataFrame, start_date: dt.date | None, period_days: int) -> History:
    sums = sales.groupby(["item", "location", "period"], sort=True).agg(
        quantity=("quantity", "sum"), stockout=("stockout", "any"))
    known = sums.index.get_level_values("period")
    periods = np.arange(int(known.min()), int(known.max()) + 1)
    wide = sums["quantity"].unstack("period").reindex(columns=periods)
    flags = sums["stockout"].unstack("period", fill_value=False).reindex(columns=periods,
                                                                         fill_value=False)
    values = wide.to_numpy(dtype=float)
    started = np.maximum.accumulate(~np.isnan(values), axis=1)
    values = np.where(started & np.isnan(values), 0.0, values)
    stockout = flags.to_numpy(dtype=bool)
    keys = wide.index.to_frame(index=False)
    return History(keys, values, _estimate_demand(values, stockout), stockout, periods,
                   start_date, period_days)


def _estimate_demand(sales: np.ndarray, stockout: np.ndarray) -> np.ndarray:
    """Sales, except in stockout periods: the larger of the sales and the median of the
    unflagged periods nearby (sales there understate demand)."""
    if not stockout.any():
        return sales.copy()
    clean = pd.DataFrame(np.where(stockout, np.nan, sales).T)
    nearby = clean.rolling(STOCKOUT_WINDOW, center=True, min_periods=1).median().to_numpy().T
    estimate = np.fmax(sales, nearby)
    return np.where(stockout, estimate, sales)
