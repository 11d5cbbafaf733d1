"""A planner's scenario: input tables as edited, settings, and the plan solved from them."""

from __future__ import annotations

import copy
import dataclasses
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from .. import io
from ..errors import InputError, Problem
from ..instance import Instance
from ..plan import Plan
from ..tables import TABLES, Table
from ..validate import parse_setting, unset, validate


@dataclass
class Scenario:
    """Input tables as the editors show them, settings, and the last plan (with its input digest)."""

    name: str
    tables: dict[str, pd.DataFrame]
    settings: dict[str, Any]
    plan: Plan | None = None
    solved_digest: str | None = None
    version: int = 0                  # bumped when tables are replaced wholesale (editors remount)
    problems: list[Problem] = field(default_factory=list)

    def copy(self, name: str) -> "Scenario":
        return dataclasses.replace(self, name=name, tables={k: v.copy() for k, v in self.tables.items()},
                                   settings=copy.deepcopy(self.settings), version=self.version + 1)

    def replace_tables(self, tables: dict[str, pd.DataFrame]) -> None:
        self.tables = {name: editable(frame, TABLES.get(name)) for name, frame in tables.items()}
        self.version += 1

    def instance(self) -> Instance:
        """The checked instance of the current tables and settings (raises InputError)."""
        settings = {k: v for k, v in self.settings.items() if v is not None and v != ""}
        return validate(io.from_frames(self.tables, settings, source=f"scenario {self.name}"))

    def setting(self, key: str) -> Any:
        """Setting `key` as the checker reads it; None where it is left at its default (blank,
        or "none" for a limit) or does not parse (which the checker names)."""
        value = self.settings.get(key)
        return None if unset(key, value) else parse_setting(key, value)

    @property
    def stale(self) -> bool:
        """The inputs changed since the plan was solved."""
        try:
            return self.plan is None or self.instance().digest != self.solved_digest
        except InputError:
            return True


def from_raw(name: str, raw: io.RawInput, base: Scenario | None = None) -> Scenario:
    """A scenario from what `io.read` returned; reading problems are kept to show, and then
    the checker's. Tables and settings that `raw` lacks come from `base` (else empty)."""
    def missing(table: str) -> pd.DataFrame:
        return base.tables[table].copy() if base else pd.DataFrame(columns=TABLES[table].names)

    tables = {t: raw.tables[t] if t in raw.tables else missing(t) for t in TABLES}
    settings = {**(base.settings if base else {}), **raw.settings}
    scenario = Scenario(name, {}, settings, problems=list(raw.problems))
    scenario.replace_tables(tables)
    if not scenario.problems:
        try:
            scenario.problems = list(scenario.instance().warnings)
        except InputError as error:
            scenario.problems = list(error.problems)
    return scenario


def from_uploads(name: str, files: Iterable[tuple[str, bytes]], base: Scenario | None = None) -> Scenario:
    """A scenario from uploaded files: one .xlsx workbook, or CSV files (and settings.toml);
    what they lack comes from `base`."""
    files = list(files)
    with tempfile.TemporaryDirectory() as folder:
        for filename, data in files:
            (Path(folder) / Path(filename).name).write_bytes(data)
        books = [f for f, _ in files if f.lower().endswith((".xlsx", ".xlsm"))]
        source = Path(folder) / Path(books[0]).name if len(books) == 1 else Path(folder)
        raw = io.read(source)
        if len(books) > 1:
            raw.problems.append(Problem(io.INPUT, None, None, ", ".join(books), "one workbook at a time"))
    return from_raw(name, raw, None if books else base)


def editable(frame: pd.DataFrame, table: Table | None) -> pd.DataFrame:
    """A table typed for editing: a column becomes numbers or true/false where every value parses,
    and stays text where one does not, so that nothing the user typed is lost."""
    frame = frame.drop(columns=[io.ROW], errors="ignore").reset_index(drop=True)
    if table is None:
        return frame
    for name in table.names:
        if name not in frame.columns:
            frame[name] = None
    for column in table.columns:
        values = frame[column.name]
        text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
        blank = text == ""
        if column.kind in ("number", "whole"):
            numbers = pd.to_numeric(text.where(~blank), errors="coerce")
            if numbers[~blank].notna().all():
                frame[column.name] = numbers.astype("float64")
        elif column.kind == "bool":
            lower = text.str.lower()
            if lower[~blank].isin(["true", "false", "1", "0", "yes", "no"]).all():
                frame[column.name] = lower.isin(["true", "1", "yes"])
        else:
            frame[column.name] = text.where(~blank, None)
    extra = [c for c in frame.columns if c not in table.names]
    return frame[table.names + extra]


def unique_name(all_scenarios: dict[str, Scenario], name: str) -> str:
    """`name`, or `name 2`, `name 3` … whichever no scenario has yet."""
    candidate, n = name, 2
    while candidate in all_scenarios:
        candidate, n = f"{name} {n}", n + 1
    return candidate


def totals(scenario: Scenario) -> dict[str, float]:
    """Figures that show an edit took: items, suppliers, demand rows and total demand."""
    demand = pd.to_numeric(scenario.tables["demand"].get("quantity"), errors="coerce")
    items = scenario.tables["items"]
    return {"item-locations": len(items), "suppliers": len(scenario.tables["suppliers"]),
            "demand lines": len(scenario.tables["demand"]),
            "total demand": float(np.nansum(demand)) if demand is not None else 0.0}
