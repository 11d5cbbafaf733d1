"""The validated input: typed tables with every default filled in, and the settings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from .errors import Problem


@dataclass(frozen=True)
class Settings:
    """The run's settings (contract: `settings`)."""

    horizon: int | None = None
    start_date: dt.date = dt.date(2026, 1, 5)
    period_days: int = 7
    budget: float | None = None
    end_inventory: str = "safety_stock"
    solver: str = "highs"
    formulation: str = "strong"
    time_limit: float | None = None
    mip_gap: float = 0.001

    def with_horizon(self, horizon: int | None) -> "Settings":
        return dataclasses.replace(self, horizon=horizon)

    def as_dict(self) -> dict[str, object]:
        values = dataclasses.asdict(self)
        values["start_date"] = self.start_date.isoformat()
        return values


@dataclass(frozen=True)
class Instance:
    """A checked planning problem: the contract's tables, typed, and the settings.

    Build one with `replan.load` or `replan.from_tables`; nothing downstream
    changes it. `warnings` holds what the validator wants a planner to see.
    """

    tables: Mapping[str, pd.DataFrame]
    settings: Settings
    warnings: tuple[Problem, ...] = field(default_factory=tuple)
    digest: str = ""

    @classmethod
    def create(cls, tables: Mapping[str, pd.DataFrame], settings: Settings,
               warnings: list[Problem]) -> "Instance":
        tables = {name: frame.reset_index(drop=True) for name, frame in tables.items()}
        return cls(tables, settings, tuple(warnings), _digest(tables, settings))

    @property
    def horizon(self) -> int:
        assert self.settings.horizon is not None
        return self.settings.horizon

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.tables[table]

    def date(self, period: pd.Series | np.ndarray | int) -> pd.Series | dt.date:
        """The calendar date on which `period` starts (NaT/None where period is missing)."""
        start = pd.Timestamp(self.settings.start_date)
        days = self.settings.period_days
        if np.isscalar(period):
            return (start + pd.Timedelta(days=days * (int(period) - 1))).date()
        offsets = pd.to_timedelta((pd.Series(period, dtype="float64") - 1) * days, unit="D")
        return (start + offsets).dt.date.astype(object).where(offsets.notna(), None)



def _digest(tables: Mapping[str, pd.DataFrame], settings: Settings) -> str:
    sha = hashlib.sha256()
    for name in sorted(tables):
        frame = tables[name]
        sha.update(name.encode())
        sha.update(frame.sort_values(list(frame.columns)).to_csv(index=False).encode()
                   if not frame.empty else b"")
    values = settings.as_dict()
    sha.update(json.dumps(values, sort_keys=True, default=str).encode())
    return sha.hexdigest()
