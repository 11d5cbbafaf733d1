"""Turn raw input text into a checked, typed `Instance`, reporting every problem at once.

Three passes, each only over what the pass before could read: parse each cell
to its column's kind (quoting the text the user typed), check value ranges
with a pandera schema per table, then check the tables against each other
(references, duplicate keys, periods, items with no source of stock). A
problem that follows from one already reported (a row whose key did not
parse, say) is not repeated.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable

import numpy as np
import pandas as pd
import pandera.pandas as pa

from .errors import InputError, Problem, any_errors
from .instance import Instance, Settings
from .io import HEADER, INPUT, ROW, RawInput
from .tables import NONE, SETTINGS, TABLES, Column, Table

NO_LIMIT = {"none", "inf", "infinity"}
UNLIMITED = {"budget", "time_limit"}
"""Settings whose default is no limit, which `NO_LIMIT` also says."""
TRUE = {"true", "yes", "y", "1", "t"}
FALSE = {"false", "no", "n", "0", "f"}
SOLVERS = {"highs", "cbc", "scip"}
LARGEST = 1e15
"""No number of a table is larger: beyond it a float no longer holds every whole unit, and
the solvers take 1e20 for infinity (a demand of 1e20 left HiGHS with an empty model)."""
SPREADSHEET_ERROR = re.compile(r"#(NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!|CALC!"
                               r"|FIELD!|BLOCKED!|CONNECT!|BUSY!|UNKNOWN!|EXTERNAL!|PYTHON!)|Err:\d{3}")
"""What a spreadsheet shows, and saves in a workbook or a CSV export, where a cell's formula
failed (Excel's error values; LibreOffice's Err:502 in its CSV): never a value, never blank."""
SHOWS_ERROR = "a value, not a spreadsheet error: mend the formula or type the value"
FORMULA = ("a value, not a formula: save the workbook from a spreadsheet program, which stores "
           "each formula's result, or type the value")
"""A number, date or flag reading =B2*2: a workbook saved with no results (written by a
script), or a CSV file. Text may start with "=" (an item's name: the plan escapes it)."""
CHOICES = {"end_inventory": {"safety_stock", "none"}, "solver": SOLVERS,
           "formulation": {"strong", "plain"}}


def validate(raw: RawInput, today: dt.date | None = None) -> Instance:
    """Check `raw` and return the Instance; raise InputError with all problems otherwise."""
    problems = list(raw.problems)
    typed = {name: parse_table(TABLES[name], frame, problems) for name, frame in raw.tables.items()}
    typed = {name: frame for name, frame in typed.items() if frame is not None}
    for name, frame in typed.items():
        check_ranges(TABLES[name], frame, problems)
        check_keys(TABLES[name], frame, problems)
    tables = {name: typed.get(name, _empty(TABLES[name])) for name in TABLES}
    _check_required_tables(raw, typed, problems)
    settings = _parse_settings(raw.settings, problems, today or dt.date.today())
    if not any_errors(problems):
        horizon = _horizon(settings, tables["demand"], problems)
        _check_references(tables, problems)
        if horizon is not None:
            _check_periods(tables, horizon, problems)
            _check_calendar(tables["backlog"], settings, horizon, problems)
            tables["open_orders"] = _clip_open_orders(tables["open_orders"], horizon, problems)
        _check_sources(tables, problems)
        _check_shares(tables, problems)
    if any_errors(problems):
        raise InputError(problems)
    return Instance.create({n: t.drop(columns=ROW) for n, t in tables.items()},
                           settings.with_horizon(horizon),
                           [p for p in problems if p.severity != "error"])


def _empty(table: Table) -> pd.DataFrame:
    frame = pd.DataFrame({ROW: pd.Series(dtype="int64")})
    for column in table.columns:
        frame[column.name] = pd.Series(dtype=_dtype(column))
    return frame


def _dtype(column: Column) -> str:
    return {"text": "object", "number": "float64", "whole": "float64", "bool": "bool",
            "date": "datetime64[ns]"}[column.kind]


# ---- pass 1: parse cells ---------------------------------------------------------------------

def parse_table(table: Table, frame: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame | None:
    """Parse every column of `frame`; None when a required column is missing."""
    header = frame.attrs.get(HEADER, 1)
    missing = [c.name for c in table.columns if c.required and c.name not in frame.columns]
    for name in missing:
        problems.append(Problem(table.name, header, name, None, f"a column named {name!r}"))
    unknown = [c for c in frame.columns if c != ROW and c not in table.names]
    for name in unknown:
        problems.append(Problem(table.name, header, name, None,
                                f"one of the columns {', '.join(table.names)} (column ignored)",
                                "warning"))
    if missing:
        return None
    out = pd.DataFrame({ROW: frame[ROW].astype("int64")})
    deferred = []
    for column in table.columns:
        text = frame[column.name] if column.name in frame.columns else pd.Series("", index=frame.index)
        out[column.name] = _parse_column(table.name, column, text, frame[ROW], problems)
        if callable(column.default):
            deferred.append((column, text == ""))
    for column, blank in deferred:
        out.loc[blank, column.name] = column.default(out)[blank]
    return out


def _parse_column(table: str, column: Column, text: pd.Series, rows: pd.Series,
                  problems: list[Problem]) -> pd.Series:
    if column.default is NONE:  # a limit: "none" or "inf" (how an Instance stores it) means no limit
        text = text.where(~text.str.strip().str.lower().isin(NO_LIMIT), "")
    formula = text.str.startswith("=") & (column.kind != "text")  # "=CMD|calc" may name an item
    failed = formula | text.str.fullmatch(SPREADSHEET_ERROR)
    for row, value, is_formula in zip(rows[failed], text[failed], formula[failed]):
        problems.append(Problem(table, int(row), column.name, value, FORMULA if is_formula else SHOWS_ERROR))
    text = text.where(~failed, "")  # reported: no second problem, and never the default
    blank = text == ""
    if column.required:
        for row in rows[blank & ~failed]:
            problems.append(Problem(table, int(row), column.name, "", column.expected()))
    if column.kind == "text":
        return text.where(~blank, "" if column.default is None else column.default).where(~failed, None)
    if column.kind == "date":
        dates = pd.to_datetime(text.where(~blank), errors="coerce", format="ISO8601")
        _report(table, column, text[~blank & dates.isna()], rows[~blank & dates.isna()], problems)
        return dates.dt.normalize()
    if column.kind == "bool":
        lower = text.str.lower()
        bad = ~blank & ~lower.isin(TRUE | FALSE)
        _report(table, column, text[bad], rows[bad], problems)
        return lower.isin(TRUE) | (blank & bool(column.default))
    values = pd.to_numeric(text.where(~blank), errors="coerce").astype("float64")
    bad = ~blank & (values.isna() | np.isinf(values))
    if column.kind == "whole":
        bad |= ~blank & values.notna() & (values != np.round(values))
    _report(table, column, text[bad], rows[bad], problems)
    huge = ~bad & (values.abs() > LARGEST)
    most = column.expected(most=LARGEST)
    for row, value in zip(rows[huge], text[huge]):
        problems.append(Problem(table, int(row), column.name, value, most))
    if not callable(column.default) and column.default is not None:
        values[blank] = column.default
    values[bad | huge | failed] = np.nan
    return values


def _report(table: str, column: Column, values: pd.Series, rows: pd.Series,
            problems: list[Problem]) -> None:
    for row, value in zip(rows, values):
        problems.append(Problem(table, int(row), column.name, value, column.expected()))


# ---- pass 2: value ranges (pandera) ------------------------------------------------------------

def _schema(table: Table) -> pa.DataFrameSchema:
    columns = {}
    for column in table.columns:
        if column.kind not in ("number", "whole"):
            continue
        checks = []
        if column.low is not None:
            check = pa.Check.gt if column.strict else pa.Check.ge
            checks.append(check(column.low, error=column.expected()))
        if column.high is not None:
            checks.append(pa.Check.le(column.high, error=column.expected()))
        columns[column.name] = pa.Column(float, checks=checks, nullable=True)
    return pa.DataFrameSchema(columns, name=table.name)


def check_ranges(table: Table, frame: pd.DataFrame, problems: list[Problem]) -> None:
    try:
        _schema(table).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases.dropna(subset=["index"])
        for _, case in cases.iterrows():
            row = int(frame.loc[int(case["index"]), ROW])
            column = table.column(case["column"])
            problems.append(Problem(table.name, row, column.name, _show(case["failure_case"]),
                                    column.expected()))


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_keys(table: Table, frame: pd.DataFrame, problems: list[Problem]) -> None:
    if not table.key:
        return
    keys = frame[list(table.key)]
    given = [name for name in table.key if table.column(name).required]  # a blank one is said already
    complete = keys.notna().all(axis=1) & (keys[given] != "").all(axis=1)  # so is one that did not parse
    first = frame.loc[complete].groupby(list(table.key), sort=False)[ROW].transform("first")
    for index in first.index[frame.loc[first.index, ROW] != first]:
        value = ", ".join(_show(v) for v in keys.loc[index])
        problems.append(Problem(table.name, int(frame.at[index, ROW]), ", ".join(table.key), value,
                                f"a unique ({', '.join(table.key)}); row {int(first[index])} has the same"))


def _check_required_tables(raw: RawInput, typed: dict[str, pd.DataFrame],
                           problems: list[Problem]) -> None:
    unreadable = {p.table for p in problems if p.severity == "error"}  # said once already
    if INPUT in unreadable:
        return
    for table in TABLES.values():
        if not table.required:
            continue
        if table.name not in raw.tables and table.name not in unreadable:
            problems.append(Problem(table.name, None, None, None,
                                    f"a table {table.name} (file {table.name}.csv or a sheet {table.name})"))
        elif table.name in typed and typed[table.name].empty:
            problems.append(Problem(table.name, None, None, None, "at least one row"))


# ---- settings ---------------------------------------------------------------------------------

def _parse_settings(raw: dict[str, Any], problems: list[Problem], today: dt.date) -> Settings:
    values: dict[str, Any] = {}
    for key, value in raw.items():
        key = str(key).strip().lower()
        if unset(key, value):
            continue
        if key not in SETTINGS:
            problems.append(Problem("settings", None, key, _show(value),
                                    f"one of the keys {', '.join(SETTINGS)} (ignored)", "warning"))
            continue
        parsed = parse_setting(key, value)
        if parsed is None:
            problems.append(Problem("settings", None, key, _show(value), _expected_setting(key, value)))
        else:
            values[key] = parsed
            if key == "mip_gap" and parsed >= 1:
                problems.append(Problem("settings", None, key, _show(value), "a relative gap below 1 "
                                        "(0.01 is 1%): at 1 or more any plan counts as optimal",
                                        "warning"))
    if "start_date" not in values:
        values["start_date"] = today + dt.timedelta(days=(7 - today.weekday()) % 7)
    return Settings(**values)


def unset(key: str, value: Any) -> bool:
    """Whether a setting is left at its default: blank, None or NaN, or "none" for a limit."""
    text = str(value).strip().lower()
    return value is None or (isinstance(value, float) and np.isnan(value)) or text == "" \
        or (key in UNLIMITED and text in NO_LIMIT)


def parse_setting(key: str, value: Any) -> Any:
    """The setting's value, or None when it is not of the expected form."""
    text = str(value).strip()
    if key == "start_date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            return None
    if key in CHOICES:
        return text.lower() if text.lower() in CHOICES[key] else None
    try:
        number = float(text)
    except ValueError:
        return None
    if not np.isfinite(number):
        return None
    if key in ("horizon", "period_days"):
        return int(number) if number >= 1 and number.is_integer() else None
    if key == "time_limit":
        return number if number > 0 else None
    return number if number >= 0 else None


def _expected_setting(key: str, value: Any) -> str:
    text = str(value).strip()
    if text.startswith("="):
        return FORMULA
    return SHOWS_ERROR if SPREADSHEET_ERROR.fullmatch(text) else SETTINGS[key][0]


def _horizon(settings: Settings, demand: pd.DataFrame, problems: list[Problem]) -> int | None:
    if settings.horizon is not None:
        return settings.horizon
    positive = demand.loc[demand["quantity"] > 0, "period"]
    if positive.empty:
        problems.append(Problem("settings", None, "horizon", None,
                                "a horizon, since no demand row has a positive quantity"))
        return None
    return int(positive.max())


# ---- pass 3: tables against each other ---------------------------------------------------------

def _keys(frame: pd.DataFrame, columns: Iterable[str]) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(frame[list(columns)].astype(str))


def _refer(problems: list[Problem], table: str, frame: pd.DataFrame, columns: list[str],
           target: pd.DataFrame, target_name: str, target_columns: list[str] | None = None) -> None:
    """Report each row of `frame` whose `columns` name no row of `target`."""
    if frame.empty:
        return
    found = _keys(frame, columns).isin(_keys(target, target_columns or columns))
    for index in frame.index[~found]:
        value = ", ".join(str(frame.at[index, c]) for c in columns)
        problems.append(Problem(table, int(frame.at[index, ROW]), ", ".join(columns), value,
                                f"a ({', '.join(columns)}) defined in {target_name}"))


def _check_references(tables: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    offer_key = ["supplier", "item", "location", "mode"]
    _refer(problems, "offers", tables["offers"], ["supplier"], tables["suppliers"], "suppliers")
    _refer(problems, "offers", tables["offers"], ["item", "location"], tables["items"], "items")
    for name in ("price_breaks", "offer_calendar"):
        _refer(problems, name, tables[name], offer_key, tables["offers"], "offers")
    for name in ("supplier_capacity", "open_orders"):
        _refer(problems, name, tables[name], ["supplier"], tables["suppliers"], "suppliers")
    for name in ("demand", "backlog", "open_orders"):
        _refer(problems, name, tables[name], ["item", "location"], tables["items"], "items")
    _check_transfers(tables, problems)
    used = set(tables["items"]["location"])
    for _, row in tables["locations"].iterrows():
        if row["location"] not in used:
            problems.append(Problem("locations", int(row[ROW]), "location", row["location"],
                                    "a location that some item is defined at (row ignored)",
                                    "warning"))


def _check_transfers(tables: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    items, lanes = tables["items"], tables["transfers"]
    locations = set(items["location"])
    at = set(zip(items["item"], items["location"]))
    for _, lane in lanes.iterrows():
        row = int(lane[ROW])
        for column in ("from_location", "to_location"):
            if lane[column] not in locations:
                problems.append(Problem("transfers", row, column, lane[column],
                                        "a location that some item is defined at"))
        if lane["from_location"] == lane["to_location"]:
            problems.append(Problem("transfers", row, "to_location", lane["to_location"],
                                    "a location other than from_location"))
        item = lane["item"]
        if item and not {(item, lane["from_location"]), (item, lane["to_location"])} <= at:
            problems.append(Problem("transfers", row, "item", item,
                                    "an item defined in items at both from_location and to_location"))


def _check_periods(tables: dict[str, pd.DataFrame], horizon: int, problems: list[Problem]) -> None:
    for name in ("demand", "offer_calendar", "supplier_capacity"):
        frame = tables[name]
        for index in frame.index[frame["period"] > horizon]:
            problems.append(Problem(name, int(frame.at[index, ROW]), "period",
                                    _show(frame.at[index, "period"]),
                                    f"a period from 1 to the horizon {horizon}"))


FIRST_DATE, LAST_DATE = dt.date(1677, 9, 22), dt.date(2262, 4, 11)
"""The days pandas can date (nanoseconds in 64 bits), and so the plan's `_date` columns."""


def _check_calendar(backlog: pd.DataFrame, settings: Settings, horizon: int,
                    problems: list[Problem]) -> None:
    """Every period a plan names, from the oldest backlog line to the horizon, has a date."""
    start, days = settings.start_date, settings.period_days
    within = f"between {FIRST_DATE} and {LAST_DATE}"
    if not FIRST_DATE <= start <= LAST_DATE:
        problems.append(Problem("settings", None, "start_date", str(start), f"a date {within}"))
        return
    def ordinal(period: float) -> float:
        return start.toordinal() + (period - 1) * days
    if ordinal(horizon) > LAST_DATE.toordinal():
        problems.append(Problem("settings", None, "horizon, period_days", f"{horizon}, {days}",
                                f"periods whose dates fall {within}: period {horizon} of {days} "
                                f"days from {start} falls after it"))
        return  # the backlog's dates follow from the same period length
    for index in backlog.index[ordinal(backlog["since_period"]) < FIRST_DATE.toordinal()]:
        problems.append(Problem("backlog", int(backlog.at[index, ROW]), "since_period",
                                _show(backlog.at[index, "since_period"]),
                                f"a period whose date falls {within} ({days} days a period from "
                                f"{start})"))


def _clip_open_orders(orders: pd.DataFrame, horizon: int, problems: list[Problem]) -> pd.DataFrame:
    """Overdue open orders arrive in period 1; those after the horizon are left out."""
    for index in orders.index[orders["arrival_period"] < 1]:
        problems.append(Problem("open_orders", int(orders.at[index, ROW]), "arrival_period",
                                _show(orders.at[index, "arrival_period"]),
                                "an arrival in period 1 or later (overdue: planned to arrive in period 1)",
                                "warning"))
    late = orders["arrival_period"] > horizon
    for index in orders.index[late]:
        problems.append(Problem("open_orders", int(orders.at[index, ROW]), "arrival_period",
                                _show(orders.at[index, "arrival_period"]),
                                f"an arrival within the horizon {horizon} (left out)", "warning"))
    orders = orders.loc[~late].copy()
    orders["arrival_period"] = orders["arrival_period"].clip(lower=1)
    return orders


def _check_sources(tables: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    """An item-location with demand needs some way to get stock."""
    items = tables["items"]
    has_demand = set(_keys(tables["demand"].query("quantity > 0"), ["item", "location"])) | set(
        _keys(tables["backlog"].query("quantity > 0"), ["item", "location"]))
    sourced = set(_keys(tables["offers"], ["item", "location"])) | set(
        _keys(tables["open_orders"], ["item", "location"]))
    lanes = tables["transfers"]
    for _, row in items.iterrows():
        key = (row["item"], row["location"])
        if key not in has_demand or key in sourced or row["initial_inventory"] > 0:
            continue
        inbound = lanes[(lanes["to_location"] == row["location"])
                        & lanes["item"].isin(["", row["item"]])]
        if inbound.empty:
            problems.append(Problem("items", int(row[ROW]), "item", f"{key[0]} at {key[1]}",
                                    "an item with demand to have a source of stock: an offer, an "
                                    "open order, a transfer lane or initial inventory"))


def _check_shares(tables: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    """Where diversification applies, the suppliers' shares must leave room to buy at all."""
    offers = tables["offers"][["supplier", "item", "location", ROW]].merge(
        tables["suppliers"][["supplier", "max_share"]], on="supplier")
    per_supplier = offers.groupby(["item", "location", "supplier"], as_index=False).agg(
        max_share=("max_share", "first"), row=(ROW, "first"))
    grouped = per_supplier.groupby(["item", "location"])
    for (item, location), group in grouped:
        if len(group) >= 2 and group["max_share"].sum() < 1 - 1e-9:
            problems.append(Problem("suppliers", None, "max_share", f"{group['max_share'].sum():g}",
                                    f"shares of the suppliers offering {item} at {location} "
                                    f"({', '.join(group['supplier'])}) that add up to at least 1"))
