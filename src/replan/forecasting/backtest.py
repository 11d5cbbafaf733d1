"""Choose a method per series by a rolling-origin backtest, and forecast with it.

At each origin (the last `ORIGINS` ends of the history, `SPACING` periods
apart, each leaving `steps` periods to test on) every candidate is fitted on
the history before the origin and forecasts the periods after it. The method
with the least mean squared error wins: squared error rewards forecasting the
mean, which is what stock is planned for (absolute error would pick zero for
an intermittent item). Stockout periods are not scored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .methods import CANDIDATES, FALLBACK, intermittent, predict

ORIGINS = 4
SPACING = 13
MAX_STEPS = 13
"""Periods ahead the backtest scores (a quarter of weekly periods, or the horizon if shorter)."""
MIN_TRAIN = 13
"""Fewest periods of history before the first origin: with less, the series is flagged short."""


@dataclass(frozen=True)
class SeriesForecast:
    """One series' chosen method, forecast and backtest.

    `errors` and `actual` are (origins, steps) arrays of the chosen method's
    backtest (forecast − actual), NaN where a period is not scored; empty
    when the history is too short. `sigma` is the root mean squared error of
    one period's forecast.
    """

    method: str
    forecast: np.ndarray
    sigma: float
    errors: np.ndarray
    actual: np.ndarray
    scale: float
    history_periods: int
    intermittent: bool
    flag: str


def origins(n: int, steps: int) -> list[int]:
    """Ends of the training history at which the backtest forecasts, oldest first."""
    last = n - steps
    return [o for o in range(last - (ORIGINS - 1) * SPACING, last + 1, SPACING) if o >= MIN_TRAIN]


def forecast_series(y: np.ndarray, scored: np.ndarray, horizon: int, gap: int,
                    season: int) -> SeriesForecast:
    """Backtest the candidates on `y`, then forecast periods gap+1 … gap+horizon after it."""
    steps = min(MAX_STEPS, horizon)
    cuts = origins(y.size, steps)
    if not y.any() or not cuts:
        flag = "no sales in the history" if not y.any() else (
            f"short history: {y.size} periods, {MIN_TRAIN + steps} needed to test a method")
        sigma = float(np.std(y, ddof=1)) if y.size > 1 else 0.0
        return SeriesForecast(FALLBACK.name, predict(FALLBACK.name, y, gap + horizon, season)[gap:],
                              sigma, np.empty((0, steps)), np.empty((0, steps)), np.nan, y.size,
                              intermittent(y), flag)
    actual = np.stack([np.where(scored[o:o + steps], y[o:o + steps], np.nan) for o in cuts])
    best, best_errors, best_score = FALLBACK.name, None, np.inf
    for method in CANDIDATES:
        if not method.applies(y[:cuts[0]], season):
            continue
        guesses = np.stack([predict(method.name, y[:o], steps, season) for o in cuts])
        errors = guesses - actual
        score = np.nanmean(errors ** 2) if np.isfinite(errors).any() else np.inf
        if score < best_score * (1 - 1e-9):
            best, best_errors, best_score = method.name, errors, score
    if best_errors is None:  # every scored period was a stockout
        best_errors = predict(best, y[:cuts[0]], steps, season) - actual
    return SeriesForecast(best, predict(best, y, gap + horizon, season)[gap:],
                          float(np.sqrt(np.nanmean(best_errors ** 2))) if np.isfinite(best_errors).any()
                          else float(np.std(y)),
                          best_errors, actual, _scale(y[:cuts[0]], season), y.size, intermittent(y), "")


def _scale(y: np.ndarray, season: int) -> float:
    """The in-sample mean absolute error of the naive forecast (seasonal when a season fits):
    the yardstick of MASE. NaN for a series that never changes."""
    lag = season if y.size > season else 1
    if y.size <= lag:
        return np.nan
    scale = float(np.mean(np.abs(y[lag:] - y[:-lag])))
    return scale if scale > 1e-9 * max(float(np.mean(np.abs(y))), 1.0) else np.nan
