"""The forecasting methods a series can be given, each `forecast(y, steps, season) -> array`.

Exponential smoothing comes from statsmodels. Croston's method is written
here: statsforecast has it, but pins pandas below 3 (see docs/forecasting.md).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
from statsmodels.tsa.holtwinters import ExponentialSmoothing, SimpleExpSmoothing

CROSTON_ALPHA = 0.1
"""Smoothing weight of Croston's method, the value Croston and Syntetos–Boylan recommend."""

INTERMITTENT_ADI = 1.32
"""Average periods between demands above which a series counts as intermittent (Syntetos–Boylan)."""


def seasonal_naive(y: np.ndarray, steps: int, season: int) -> np.ndarray:
    """Each period as it was one season ago."""
    last = y[-season:]
    return last[np.arange(steps) % season]


def exp_smoothing(y: np.ndarray, steps: int, season: int) -> np.ndarray:
    """Simple exponential smoothing (level only), weights fitted by statsmodels."""
    if np.ptp(y) == 0:
        return np.full(steps, y[-1], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = SimpleExpSmoothing(y, initialization_method="estimated").fit()
        return np.asarray(fit.forecast(steps), dtype=float)


def seasonal_exp_smoothing(y: np.ndarray, steps: int, season: int) -> np.ndarray:
    """Exponential smoothing with an additive season (Holt–Winters without trend).

    The initial level and season come from the first season of data (the
    classical start), so one season of history suffices.
    """
    if np.ptp(y) == 0:
        return np.full(steps, y[-1], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ExponentialSmoothing(y, seasonal="add", seasonal_periods=season,
                                   initialization_method="legacy-heuristic").fit()
        return np.asarray(fit.forecast(steps), dtype=float)


def croston_sba(y: np.ndarray, steps: int, season: int) -> np.ndarray:
    """Croston's method with the Syntetos–Boylan bias correction, for intermittent demand.

    Smooths the sizes of the non-zero demands and the intervals between them
    separately; the forecast is the demand rate (1 − α/2) · size / interval.
    """
    when = np.flatnonzero(y > 0)
    if when.size == 0:
        return np.zeros(steps)
    size, interval = float(y[when[0]]), float(when[0] + 1)
    for previous, now in zip(when[:-1], when[1:]):
        size += CROSTON_ALPHA * (y[now] - size)
        interval += CROSTON_ALPHA * ((now - previous) - interval)
    return np.full(steps, (1 - CROSTON_ALPHA / 2) * size / interval)


def mean(y: np.ndarray, steps: int, season: int) -> np.ndarray:
    """The average of the history: the forecast of a series too short to test anything on."""
    return np.full(steps, float(np.mean(y)) if y.size else 0.0)


def intermittent(y: np.ndarray) -> bool:
    """Demand comes in few periods: on average more than 1.32 periods between demands."""
    demands = np.count_nonzero(y > 0)
    return demands >= 2 and y.size / demands > INTERMITTENT_ADI


@dataclass(frozen=True)
class Method:
    """A method and the series it applies to (`applies(y, season)`)."""

    name: str
    forecast: Callable[[np.ndarray, int, int], np.ndarray]
    applies: Callable[[np.ndarray, int], bool]


CANDIDATES = (
    Method("exp_smoothing", exp_smoothing, lambda y, m: y.size >= 2),
    Method("croston_sba", croston_sba, lambda y, m: intermittent(y)),
    Method("seasonal_naive", seasonal_naive, lambda y, m: y.size >= m),
    Method("seasonal_exp_smoothing", seasonal_exp_smoothing,
           lambda y, m: y.size >= m >= 2 and not intermittent(y)),
)
"""The methods the backtest chooses among, simplest first (a tie goes to the simpler)."""

FALLBACK = Method("mean", mean, lambda y, m: True)

METHODS = {method.name: method for method in CANDIDATES + (FALLBACK,)}


def predict(method: str, y: np.ndarray, steps: int, season: int) -> np.ndarray:
    """`method`'s forecast of the next `steps` periods, never negative.

    A fit that does not give finite numbers falls back to the mean.
    """
    values = METHODS[method].forecast(y, steps, season)
    if not np.all(np.isfinite(values)):
        values = mean(y, steps, season)
    return np.maximum(values, 0.0)
