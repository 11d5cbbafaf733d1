"""Safety stock from forecast errors, and the ABC classes that service levels can follow.

The stock must cover the forecast error over the lead time L plus the review
period R (the plan is redone every period, so an order placed now is the last
chance to cover demand until the next order can arrive). With σ the root mean
squared error of one period's forecast, d the mean forecast per period and
σ_L the standard deviation of the lead time (in periods):

    σ_P = sqrt((L + R) · σ² + d² · σ_L²)
    safety stock = k · σ_P

For a cycle service level α, k = Φ⁻¹(α). For a fill rate β, k solves
σ_P · G(k) = (1 − β) · d · R, with G(k) = φ(k) − k · (1 − Φ(k)) the standard
normal loss function: the expected units short per review period may be at
most the share 1 − β of its demand. Safety stock is never negative.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq
from scipy.stats import norm

MEASURES = ("cycle", "fill_rate")
CLASSES = {"A": 0.80, "B": 0.95, "C": 1.0}
"""ABC classes by share of value: the items making the first 80% are A, the next 15% B."""


def loss(k: float) -> float:
    """The standard normal loss function G(k) = E[max(Z − k, 0)]."""
    return float(norm.pdf(k) - k * norm.sf(k))


def safety_factor(level: float, measure: str, cycle_demand: float, spread: float) -> float:
    """k for a service `level` by `measure` ("cycle" or "fill_rate"); cycle_demand is d · R."""
    if measure == "cycle":
        return float(norm.ppf(level))
    if spread <= 0:
        return 0.0
    target = (1 - level) * cycle_demand / spread
    if target >= loss(0.0):
        return 0.0  # the fill rate holds without safety stock
    return brentq(lambda k: loss(k) - target, 0.0, 40.0)


def safety_stock(sigma: np.ndarray, demand: np.ndarray, lead_time: np.ndarray,
                 lead_time_sd: np.ndarray, level: np.ndarray, measure: str,
                 review: float = 1.0) -> np.ndarray:
    """Safety stock per series, rounded up to whole units (formula in the module's docstring)."""
    spread = np.sqrt((lead_time + review) * sigma ** 2 + demand ** 2 * lead_time_sd ** 2)
    k = np.array([safety_factor(a, measure, d * review, s)
                  for a, d, s in zip(level, demand, spread)], dtype=float)
    return np.maximum(np.ceil(k * spread - 1e-9), 0.0)


def abc(value: np.ndarray) -> np.ndarray:
    """Class A, B or C per series by its share of the total value, largest first."""
    value = np.nan_to_num(np.asarray(value, dtype=float))
    order = np.argsort(-value, kind="stable")
    total = value.sum()
    before = np.concatenate([[0.0], np.cumsum(value[order])[:-1]]) / (total if total > 0 else 1.0)
    ranked = np.select([before < CLASSES["A"], before < CLASSES["B"]], ["A", "B"], "C")
    ranked[value[order] <= 0] = "C"
    classes = np.empty(value.size, dtype=object)
    classes[order] = ranked
    return classes
