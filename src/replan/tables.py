"""The input tables of the data contract, as data.

Every table the planner reads is described once here: its columns, their kind,
whether they are required, their default and the range a value must lie in.
The loader, the validator, the template workbook and the docs all read these
specs, so the contract lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

import numpy as np
import pandas as pd

Kind = Literal["text", "number", "whole", "bool", "date"]

NONE = np.inf
"""A limit that is not set (`capacity` = none) is stored as infinity."""


@dataclass(frozen=True)
class Column:
    """One column of an input table.

    `default` is a constant, or a function of the (already parsed) table for
    defaults that depend on another column (`lost_sale_cost` = 10 × `backorder_cost`).
    `low`/`high` bound the value; `strict` makes `low` exclusive.
    """

    name: str
    kind: Kind
    required: bool = False
    default: object = None
    low: float | None = None
    high: float | None = None
    strict: bool = False
    help: str = ""

    def expected(self, most: float | None = None) -> str:
        """What a valid value looks like, in words a planner reads (`most`: the largest number
        any column takes, named once a value is beyond it)."""
        noun = {"text": "a name", "number": "a number", "whole": "a whole number",
                "bool": "true or false", "date": "an ISO date (2026-01-05)"}[self.kind]
        sign = ">" if self.strict else "≥"
        bounds = [f"{sign} {self.low:g}"] if self.low is not None else []
        bounds += [f"≤ {self.high:g}"] if self.high is not None else []
        if most is not None:
            size = f"{most:.0e}".replace("e+", "e")
            bounds.append(f"at most {size}" if self.low is not None and self.low >= 0 else f"within ±{size}")
        limit = ", or none for no limit" if self.default is NONE else ""
        return f"{noun} {' and '.join(bounds)}{limit}" if bounds else noun + limit


@dataclass(frozen=True)
class Table:
    """One input table: its columns, its key and whether a plan needs it."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    required: bool = False
    help: str = ""
    examples: tuple[dict[str, object], ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _half_backorder(df: pd.DataFrame) -> pd.Series:
    return df["backorder_cost"] / 2


def _ten_backorder(df: pd.DataFrame) -> pd.Series:
    return df["backorder_cost"] * 10


Default = Callable[[pd.DataFrame], pd.Series]

LOCATION = Column("location", "text", default="main", help="Stock location (warehouse, store).")
MODE = Column("mode", "text", default="standard", help="Delivery mode, e.g. standard or express.")
SUPPLIER = Column("supplier", "text", required=True, help="Supplier name.")
ITEM = Column("item", "text", required=True, help="Item (SKU) code.")
PRIORITY = Column("priority", "number", default=1.0, low=0, strict=True,
                  help="Multiplies backorder and lost-sale costs for this demand.")
CAPACITY = Column("capacity", "number", default=NONE, low=0,
                  help="Units per period; blank = no limit.")

TABLES: dict[str, Table] = {t.name: t for t in (
    Table("items", (
        ITEM, LOCATION,
        Column("holding_cost", "number", required=True, low=0, help="Cost per unit on hand per period."),
        Column("backorder_cost", "number", required=True, low=0, help="Cost per unit owed per period."),
        Column("initial_inventory", "number", default=0.0, low=0, help="On hand at the start."),
        Column("safety_stock", "number", default=0.0, low=0, help="Target stock at the end of each period."),
        Column("safety_stock_penalty", "number", default=_half_backorder, low=0,
               help="Cost per unit below safety stock per period; default half the backorder cost."),
        Column("volume", "number", default=1.0, low=0, help="Storage volume of one unit."),
        Column("lost_sales", "bool", default=False, help="Unserved demand is lost instead of backordered."),
        Column("lost_sale_cost", "number", default=_ten_backorder, low=0,
               help="Cost per unit lost; default 10 × backorder cost."),
        Column("max_backorder_periods", "whole", default=NONE, low=0,
               help="No unit may wait longer than this many periods; blank = no limit."),
    ), key=("item", "location"), required=True, help="One row per item and location.",
        examples=({"item": "BOLT-M8", "location": "main", "holding_cost": 0.02, "backorder_cost": 1.5},
                  {"item": "BOLT-M8", "location": "north", "holding_cost": 0.02, "backorder_cost": 1.5})),
    Table("suppliers", (
        SUPPLIER,
        Column("capacity", "number", default=NONE, low=0,
               help="Units that may be ordered from it in one period; blank = no limit."),
        Column("order_cost", "number", default=0.0, low=0, help="Fixed cost per period with any order."),
        Column("max_share", "number", default=1.0, low=0, high=1, strict=True,
               help="Largest share of an item's ordered quantity from this supplier."),
    ), key=("supplier",), required=True,
        examples=({"supplier": "Acme Fasteners", "order_cost": 40},)),
    Table("offers", (
        SUPPLIER, ITEM, LOCATION, MODE,
        Column("unit_price", "number", required=True, low=0, help="Price per unit."),
        Column("lead_time", "whole", required=True, low=0, help="Periods from order to arrival."),
        Column("moq", "number", default=0.0, low=0, help="Minimum order quantity per order line."),
        Column("order_multiple", "number", default=1.0, low=0, strict=True, help="Case pack size."),
        Column("order_cost", "number", default=0.0, low=0, help="Fixed cost per order line."),
        CAPACITY,
        Column("lead_time_sd", "number", default=0.0, low=0,
               help="Standard deviation of the lead time in periods; only forecasting uses it "
                    "(safety stock)."),
    ), key=("supplier", "item", "location", "mode"), required=True,
        examples=({"supplier": "Acme Fasteners", "item": "BOLT-M8", "unit_price": 0.12,
                   "lead_time": 2, "moq": 500, "order_multiple": 100},)),
    Table("price_breaks", (
        SUPPLIER, ITEM, LOCATION, MODE,
        Column("min_quantity", "number", required=True, low=0, strict=True,
               help="Orders of at least this many units pay unit_price for every unit."),
        Column("unit_price", "number", required=True, low=0, help="Price per unit from min_quantity on."),
    ), key=("supplier", "item", "location", "mode", "min_quantity"),
        examples=({"supplier": "Acme Fasteners", "item": "BOLT-M8", "min_quantity": 5000,
                   "unit_price": 0.10},)),
    Table("offer_calendar", (
        SUPPLIER, ITEM,
        Column("period", "whole", required=True, low=1, help="Period of the order."),
        LOCATION, MODE,
        Column("unit_price", "number", default=np.nan, low=0, help="Price this period; blank keeps the offer's."),
        Column("order_cost", "number", default=np.nan, low=0, help="Order cost this period; blank keeps the offer's."),
        Column("capacity", "number", default=np.nan, low=0, help="Capacity this period; blank keeps the offer's."),
    ), key=("supplier", "item", "location", "mode", "period"),
        examples=({"supplier": "Acme Fasteners", "item": "BOLT-M8", "period": 10, "unit_price": 0.13},)),
    Table("supplier_capacity", (
        SUPPLIER,
        Column("period", "whole", required=True, low=1, help="Period of the order."),
        Column("capacity", "number", required=True, low=0, help="Units this period; 0 = closed."),
    ), key=("supplier", "period"),
        examples=({"supplier": "Acme Fasteners", "period": 8, "capacity": 0},)),
    Table("demand", (
        ITEM,
        Column("period", "whole", required=True, low=1, help="Period the demand falls due."),
        Column("quantity", "number", required=True, low=0, help="Units."),
        LOCATION,
        Column("customer", "text", default="default", help="Customer or demand class."),
        PRIORITY,
    ), key=("item", "location", "customer", "period"), required=True,
        examples=({"item": "BOLT-M8", "period": 1, "quantity": 1200, "customer": "Northwind"},
                  {"item": "BOLT-M8", "period": 12, "quantity": 900, "customer": "Northwind"})),
    Table("backlog", (
        ITEM,
        Column("quantity", "number", required=True, low=0, help="Units owed."),
        LOCATION,
        Column("customer", "text", default="default", help="Customer or demand class."),
        PRIORITY,
        Column("since_period", "whole", default=0, high=0, help="Period the line fell due (≤ 0)."),
    ), key=("item", "location", "customer", "since_period"),
        examples=({"item": "BOLT-M8", "quantity": 300, "customer": "Northwind", "since_period": -1},)),
    Table("open_orders", (
        SUPPLIER, ITEM,
        Column("quantity", "number", required=True, low=0, help="Units on order."),
        Column("arrival_period", "whole", required=True, help="Period it arrives."),
        LOCATION,
    ), examples=({"supplier": "Acme Fasteners", "item": "BOLT-M8", "quantity": 2000,
                  "arrival_period": 2},)),
    Table("transfers", (
        Column("from_location", "text", required=True, help="Shipping location."),
        Column("to_location", "text", required=True, help="Receiving location."),
        Column("lead_time", "whole", required=True, low=0, help="Periods in transit."),
        Column("unit_cost", "number", required=True, low=0, help="Cost per unit moved."),
        Column("item", "text", default="", help="Item; blank = every item."),
        Column("capacity", "number", default=NONE, low=0, help="Units per period over the row's items."),
    ), key=("from_location", "to_location", "item"),
        examples=({"from_location": "main", "to_location": "north", "lead_time": 1, "unit_cost": 0.05},)),
    Table("locations", (
        Column("location", "text", required=True, help="Location name."),
        Column("capacity", "number", default=NONE, low=0, help="Storage capacity in volume units."),
    ), key=("location",),
        examples=({"location": "main", "capacity": 50000},)),
)}

SETTINGS: dict[str, tuple[str, str]] = {
    "horizon": ("whole ≥ 1", "Number of periods planned; default the last period with demand."),
    "start_date": ("an ISO date (2026-01-05)", "Date of period 1; default the Monday on or after today."),
    "period_days": ("whole ≥ 1", "Days per period; default 7."),
    "budget": ("number ≥ 0, or none", "Purchase spend allowed per period; default none."),
    "end_inventory": ('"safety_stock" or "none"', "Whether safety stock counts at the end of the horizon."),
    "solver": ("highs, cbc, scip", "Solver of the whole model; default highs. Its LPs go to HiGHS and fix "
                                   "and optimize's small MIPs to SCIP where installed."),
    "formulation": ('"strong" or "plain"', "Model form: strong (with (l,S) inequalities, default) "
                    "or plain (the textbook big-M model, for comparison)."),
    "time_limit": ("number > 0, or none", "Seconds; default none."),
    "mip_gap": ("number ≥ 0", "Relative gap at which to stop; default 0.001 (0.01 is 1%)."),
}

SALES = Table("sales", (
    ITEM, LOCATION,
    Column("date", "date", help="Day of the sale (or the first day of its week); or give period."),
    Column("period", "whole", help="Period number in time order, instead of date."),
    Column("quantity", "number", required=True, low=0, help="Units sold."),
    Column("stockout", "bool", default=False,
           help="Stock ran out in this period, so sales understate demand."),
), help="Sales history for forecasting: rows of the same item, location and date add up.",
    examples=({"item": "BOLT-M8", "location": "main", "date": "2025-12-29", "quantity": 410},))

SERVICE_LEVELS = Table("service_levels", (
    ITEM, LOCATION,
    Column("service_level", "number", required=True, low=0, high=0.9999, strict=True,
           help="Target service level of this item, e.g. 0.98."),
), key=("item", "location"), help="Service level targets per item, for safety stock.")

OTHER_TABLES = ("sales", "service_levels", "forecast", "accuracy", "summary")
"""Files replan itself reads or writes beside the planning tables; a planning folder skips them."""
