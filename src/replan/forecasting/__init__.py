"""Demand forecasts and safety stock from sales history: the step before planning.

`forecast(sales, ...)` chooses a method per item and location by a
rolling-origin backtest, forecasts the horizon, and sets each safety stock
from the forecast errors over the lead time; the result holds the contract's
`demand` and `items` tables for the planner.
"""

from .forecast import Forecast, forecast, parse_service_level
from .safety import MEASURES

__all__ = ["Forecast", "MEASURES", "forecast", "parse_service_level"]
