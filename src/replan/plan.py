"""A plan: the contract's output tables, written atomically to a folder or a workbook."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .io import atomic_folder, atomic_write, write_tables

TABLES = ("orders", "inventory", "fulfillment", "transfers", "exceptions")
FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class Plan:
    """The result of `replan.solve`.

    `orders`, `inventory`, `fulfillment` and `transfers` are None when the
    status is infeasible or error; `kpis` and `exceptions` are always there.
    """

    kpis: dict[str, Any]
    exceptions: pd.DataFrame
    orders: pd.DataFrame | None = None
    inventory: pd.DataFrame | None = None
    fulfillment: pd.DataFrame | None = None
    transfers: pd.DataFrame | None = None

    @property
    def status(self) -> str:
        return self.kpis["status"]

    @property
    def objective(self) -> float | None:
        return self.kpis["objective"]

    def tables(self) -> dict[str, pd.DataFrame]:
        """The output tables that exist, by name."""
        return {name: getattr(self, name) for name in TABLES if getattr(self, name) is not None}

    def promises(self) -> pd.DataFrame:
        """Backordered customer lines with their promise date (the customer communication list)."""
        if self.fulfillment is None:
            return pd.DataFrame()
        late = self.fulfillment
        return late[(late["outcome"] != "served") | (late["delay_periods"] > 0)].reset_index(drop=True)

    def write(self, folder: str | Path) -> Path:
        """Write the plan folder; all of it or, on any failure, none of it.

        The files go to a hidden sibling folder first, which then replaces
        `folder` by renames, so no reader ever sees half a plan.
        """
        with atomic_folder(folder) as staging:
            write_tables(staging, self.tables())
            (staging / "kpis.json").write_text(json.dumps(self.kpis, indent=2, default=str) + "\n")
        return Path(folder)

    def to_excel(self, path: str | Path) -> Path:
        """One workbook, a sheet per table plus `kpis`; text cells are escaped against formulas.
        Written whole or not at all: a failure leaves an earlier workbook at `path` as it was."""
        return atomic_write(path, self.excel_bytes())

    def excel_bytes(self) -> bytes:
        """The workbook of `to_excel`, as bytes (for a download button)."""
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            _sheet(writer, "kpis", _kpi_rows(self.kpis))
            for name, table in self.tables().items():
                _sheet(writer, name, table)
        return buffer.getvalue()

    def zip_bytes(self) -> bytes:
        """The plan folder's files (CSV and kpis.json) as one zip archive, text escaped against formulas."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, table in self.tables().items():
                archive.writestr(f"plan/{name}.csv", table.map(escape).to_csv(index=False))
            archive.writestr("plan/kpis.json", json.dumps(self.kpis, indent=2, default=str) + "\n")
        return buffer.getvalue()


def _kpi_rows(kpis: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for key, value in kpis.items():
        if isinstance(value, dict):
            rows += [(f"{key}.{k}", v) for k, v in value.items()]
        else:
            rows.append((key, value))
    return pd.DataFrame(rows, columns=["kpi", "value"])


def escape(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, made inert with a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _sheet(writer: pd.ExcelWriter, name: str, table: pd.DataFrame) -> None:
    from openpyxl.styles import Font, PatternFill

    safe = table.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(escape)
    safe.to_excel(writer, sheet_name=name, index=False)
    sheet = writer.sheets[name]
    sheet.freeze_panes = "A2"
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="305496")
    for column, letter in zip(safe.columns, (c.column_letter for c in sheet[1])):
        width = max([len(str(column))] + [len(str(v)) for v in safe[column].head(200)])
        sheet.column_dimensions[letter].width = min(max(width + 2, 8), 60)
        if column.endswith("_date") or column == "date":
            for cell in sheet[letter][1:]:
                cell.number_format = "yyyy-mm-dd"
