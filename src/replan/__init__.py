"""replan: optimization-based replenishment planning.

Load the contract's tables, solve one mixed-integer model for supplier mix,
lot sizes and backorder allocation, and get the plan back as tables; or,
the step before, forecast demand and safety stock from sales history.

>>> import replan
>>> instance = replan.load(replan.sample_path("peak-season"))
>>> plan = replan.solve(instance)
>>> plan.status
'optimal'
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from . import io
from .errors import InputError, Problem
from .instance import Instance, Settings
from .plan import Plan
from .planner import solve
from .samples import SAMPLES, sample_path, write_sample
from . import batch, store
from .solvers import Status, available as available_solvers
from .validate import validate

__version__ = "0.1.0"


def load(path: str | Path, today: dt.date | None = None) -> Instance:
    """Read and check a folder of CSV files or an .xlsx workbook.

    Raises
    ------
    InputError
        With every problem in the input at once (table, row, column, value, expected).
    """
    return validate(io.read(path), today)


def from_tables(tables: Mapping[str, pd.DataFrame], settings: Mapping[str, Any] | None = None,
                today: dt.date | None = None) -> Instance:
    """Check tables given as DataFrames (named as in the contract) and settings as a dict.

    >>> import pandas as pd, replan
    >>> inst = replan.from_tables({
    ...     "items": pd.DataFrame({"item": ["A"], "holding_cost": [1], "backorder_cost": [10]}),
    ...     "suppliers": pd.DataFrame({"supplier": ["S"]}),
    ...     "offers": pd.DataFrame({"supplier": ["S"], "item": ["A"], "unit_price": [2], "lead_time": [0]}),
    ...     "demand": pd.DataFrame({"item": ["A", "A"], "period": [1, 2], "quantity": [5, 5]})})
    >>> replan.solve(inst).kpis["costs"]["purchase"]
    20.0
    """
    return validate(io.from_frames(tables, settings), today)


def __getattr__(name: str) -> Any:
    """`forecast` and `Forecast` load on first use: forecasting pulls in statsmodels and
    scipy.stats, which planning alone does not need."""
    if name in ("forecast", "Forecast"):
        from . import forecasting
        return getattr(forecasting, name)
    raise AttributeError(f"module 'replan' has no attribute {name!r}")


__all__ = ["Forecast", "InputError", "Instance", "Plan", "Problem", "SAMPLES", "Settings", "Status",
           "available_solvers", "batch", "forecast", "from_tables", "load", "sample_path", "solve",
           "store", "write_sample"]
