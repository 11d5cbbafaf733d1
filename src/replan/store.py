"""The plan database: plans saved with their kpis and tables in one SQL database, SQLite by
default and any SQLAlchemy URL otherwise, for batch jobs that keep every week's plan.

A plan is saved in one transaction: a reader sees all of it or none of it, and a save that
fails (a full disk, a lost connection) leaves the database as it was. Table `plans` holds a
row a plan; `plan_orders`, `plan_inventory`, ... (named apart from a shared database's own
`orders`) hold the contract's columns, a `plan_id` and a `line` (the row's place in the plan,
so that a plan reads back in its own order).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import sqlalchemy as sa

from .plan import TABLES, Plan

DEFAULT_URL = "sqlite:///replan.db"
COLUMNS = {
    "orders": ("supplier", "item", "location", "mode", "order_period", "order_date", "arrival_period",
               "arrival_date", "quantity", "packs", "unit_price", "cost"),
    "inventory": ("item", "location", "period", "date", "receipts", "transfers_in", "transfers_out",
                  "demand", "served", "on_hand", "backorder", "lost", "safety_stock"),
    "fulfillment": ("item", "location", "customer", "priority", "demand_period", "demand_date", "quantity",
                    "outcome", "fulfilled_period", "fulfilled_date", "delay_periods"),
    "transfers": ("item", "from_location", "to_location", "ship_period", "ship_date", "arrival_period",
                  "arrival_date", "quantity", "cost"),
    "exceptions": ("severity", "kind", "item", "location", "supplier", "period", "date", "message"),
}
"""The contract's output tables, column by column (docs/data-format.md)."""
TEXT = {"supplier", "item", "location", "mode", "customer", "outcome", "from_location", "to_location",
        "severity", "kind", "message"}
MISSING = {("fulfillment", "fulfilled_period"), ("fulfillment", "delay_periods"), ("exceptions", "period")}
"""The whole-number columns that may be empty (a lost line has no fulfilled period)."""
SUMMARY = ("status", "objective", "bound", "mip_gap", "fill_rate", "backorder_unit_periods", "solver",
           "start_date", "input_digest")
"""The kpis that are columns of `plans` as well, to select and sort plans by in SQL."""


class StoreError(Exception):
    """The plan database cannot be opened, read or written; the message says which and why."""


def _kind(column: str) -> type[sa.types.TypeEngine]:
    if column in TEXT:
        return sa.Text
    if column == "date" or column.endswith("_date"):
        return sa.Date
    if column in ("period", "packs", "delay_periods") or column.endswith("_period"):
        return sa.Integer
    return sa.Float


def _schema() -> sa.MetaData:
    meta = sa.MetaData()
    sa.Table("plans", meta,
             sa.Column("plan_id", sa.Integer, primary_key=True, autoincrement=True),
             sa.Column("name", sa.Text, nullable=False),
             sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
             *(sa.Column(key, sa.Date if key == "start_date" else sa.Text if key in
                         ("status", "solver", "input_digest") else sa.Float) for key in SUMMARY),
             sa.Column("kpis", sa.Text, nullable=False))
    for name, columns in COLUMNS.items():
        sa.Table(f"plan_{name}", meta,
                 sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.plan_id"), primary_key=True),
                 sa.Column("line", sa.Integer, primary_key=True),
                 *(sa.Column(column, _kind(column)) for column in columns))
    return meta


SCHEMA = _schema()


def engine(url: str | Path | sa.Engine = DEFAULT_URL) -> sa.Engine:
    """An engine on `url`, with the plan tables created where missing. A path (not a URL)
    names an SQLite file. SQLite waits up to a minute for another writer's lock, so that
    batch jobs saving at once take turns instead of failing. An Engine is taken as it is."""
    if isinstance(url, sa.Engine):
        return url
    url, said = _as_url(url), shown_url(url)
    try:
        parsed = sa.make_url(url)
        made = sa.create_engine(parsed, connect_args={"timeout": 60} if parsed.drivername.startswith("sqlite")
                                else {})
        SCHEMA.create_all(made)
    except (sa.exc.SQLAlchemyError, ImportError, ValueError) as error:
        raise StoreError(f"cannot open the plan database {said}: {_reason(error)}") from error
    return made


def save(plan: Plan, url: str | Path | sa.Engine = DEFAULT_URL, name: str = "plan") -> int:
    """Save `plan` whole, in one transaction, and return its `plan_id`."""
    db = engine(url)
    summary = {key: plan.kpis.get(key) for key in SUMMARY}
    if summary["start_date"] is not None:
        summary["start_date"] = dt.date.fromisoformat(str(summary["start_date"]))
    try:
        with db.begin() as connection:
            plan_id = connection.execute(SCHEMA.tables["plans"].insert().values(
                name=name, saved_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0), **summary,
                kpis=json.dumps(plan.kpis, default=str))).inserted_primary_key[0]
            for table, frame in plan.tables().items():
                rows = _rows(frame, COLUMNS[table], plan_id)
                if rows:
                    connection.execute(SCHEMA.tables[f"plan_{table}"].insert(), rows)
    except sa.exc.SQLAlchemyError as error:
        raise StoreError(f"cannot save the plan to {shown(db)}: {_reason(error)}; nothing saved") from error
    return int(plan_id)


def _rows(frame: pd.DataFrame, columns: tuple[str, ...], plan_id: int) -> list[dict[str, Any]]:
    """The frame's rows as plain Python values (None for missing), numbered from 0."""
    # a list a column (Series.tolist gives Python scalars), zipped: 3 times faster than to_dict
    lists = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in columns]
    keys = ("plan_id", "line", *columns)
    return [dict(zip(keys, (plan_id, line, *values))) for line, values in enumerate(zip(*lists))]


def plans(url: str | Path | sa.Engine = DEFAULT_URL) -> pd.DataFrame:
    """One row a saved plan, the newest first: its id, name, when it was saved and its kpis."""
    db = engine(url)
    table = SCHEMA.tables["plans"]
    query = sa.select(*(c for c in table.columns if c.name != "kpis")).order_by(table.c.plan_id.desc())
    with _reading(db) as connection:
        listing = _frame(connection, query)
    numbers = [key for key in SUMMARY if isinstance(table.c[key].type, sa.Float)]
    return listing.astype({key: "float64" for key in numbers})


def load(plan_id: int, url: str | Path | sa.Engine = DEFAULT_URL) -> Plan:
    """The plan saved as `plan_id`, as `replan.solve` returned it."""
    db = engine(url)
    plans_table = SCHEMA.tables["plans"]
    with _reading(db) as connection:
        kpis = connection.execute(sa.select(plans_table.c.kpis)
                                  .where(plans_table.c.plan_id == plan_id)).scalar()
        if kpis is None:
            raise StoreError(f"no plan {plan_id} in {shown(db)}")
        tables = {name: _read(connection, name, plan_id) for name in TABLES}
    kpis = json.loads(kpis)
    planned = kpis["status"] in ("optimal", "feasible")  # else only kpis and exceptions exist
    return Plan(kpis=kpis, **(tables if planned else {"exceptions": tables["exceptions"]}))


@contextlib.contextmanager
def _reading(db: sa.Engine) -> Iterator[sa.Connection]:
    """A connection to read plans through; the database's failures become a StoreError."""
    try:
        with db.connect() as connection:
            yield connection
    except sa.exc.SQLAlchemyError as error:
        raise StoreError(f"cannot read the plans in {shown(db)}: {_reason(error)}") from error


def _read(connection: sa.Connection, name: str, plan_id: int) -> pd.DataFrame:
    table = SCHEMA.tables[f"plan_{name}"]
    query = sa.select(*(table.c[c] for c in COLUMNS[name])).where(table.c.plan_id == plan_id) \
        .order_by(table.c.line)
    frame = _frame(connection, query)
    for column in frame.columns:
        kind = _kind(column)
        if kind is sa.Integer:
            frame[column] = frame[column].astype("Int64" if (name, column) in MISSING else "int64")
        elif kind is sa.Float:
            frame[column] = frame[column].astype("float64")
        elif kind is sa.Date:
            frame[column] = pd.to_datetime(frame[column]).dt.date.astype(object) \
                .where(frame[column].notna(), None)
    return frame


def shown(db: sa.Engine) -> str:
    """The database's URL without its password, for messages."""
    return db.url.render_as_string(hide_password=True)


def _as_url(url: str | Path) -> str:
    """`url` as given, or the SQLite URL of the file a path names."""
    return str(url) if "://" in str(url) else f"sqlite:///{url}"


def shown_url(url: str | Path) -> str:
    """`url` (or the SQLite file a path names) without its password, for messages."""
    url = _as_url(url)
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


def _frame(connection: sa.Connection, query: sa.Select) -> pd.DataFrame:
    result = connection.execute(query)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _reason(error: BaseException) -> str:
    """The driver's own words, without SQLAlchemy's statement dump and background link."""
    original = getattr(error, "orig", None) or error
    return str(original).split("\n")[0]
