"""Read the input tables as the user wrote them: a CSV folder, a workbook or DataFrames.

Everything is read as text, so that a problem can quote the value exactly as
the user typed it; parsing and checking are the validator's job. Each table
gets a `_row` column: the row as the user sees it (header = row 1).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Mapping

import pandas as pd

from .errors import Problem
from .tables import SETTINGS, TABLES

ROW = "_row"
TEMPLATE_SETTINGS = {"horizon": 12, "start_date": "2026-01-05", "time_limit": 10}


@dataclass
class RawInput:
    """The input tables as text, the raw settings, and what went wrong reading them."""

    tables: dict[str, pd.DataFrame]
    settings: dict[str, Any]
    source: str
    problems: list[Problem] = field(default_factory=list)


def read(path: str | Path) -> RawInput:
    """Read a folder of CSV files (plus `settings.toml`) or one `.xlsx` workbook."""
    path = Path(path)
    if path.is_dir():
        return _read_folder(path)
    if path.suffix.lower() in {".xlsx", ".xlsm"} and path.is_file():
        return _read_workbook(path)
    what = "a folder of CSV files or an .xlsx workbook"
    value = str(path) if path.exists() else f"{path} (not found)"
    return RawInput({}, {}, str(path), [Problem("input", None, None, value, what)])


def from_frames(tables: Mapping[str, pd.DataFrame], settings: Mapping[str, Any] | None = None,
                source: str = "DataFrames") -> RawInput:
    """Take tables handed over as DataFrames (the analyst's door)."""
    raw = RawInput({}, dict(settings or {}), source)
    for name, frame in tables.items():
        if name not in TABLES:
            raw.problems.append(Problem(name, None, None, None,
                                        f"one of the tables {', '.join(TABLES)}", "warning"))
            continue
        text = frame.reset_index(drop=True).astype(object).where(frame.notna().to_numpy(), "")
        raw.tables[name] = _tidy(text.map(_as_text), name, raw.problems)
    return raw


def _as_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_folder(folder: Path) -> RawInput:
    raw = RawInput({}, {}, str(folder))
    for file in sorted(folder.iterdir()):
        name = file.stem.lower()
        if file.name.lower() == "settings.toml":
            raw.settings = _read_toml(file, raw.problems)
        elif file.suffix.lower() == ".csv" and name in TABLES:
            frame = _read_csv(file, raw.problems)
            if frame is not None:
                raw.tables[name] = _tidy(frame, name, raw.problems)
        elif file.is_file() and not file.name.startswith("."):
            raw.problems.append(Problem(file.name, None, None, None,
                                        f"a table named one of {', '.join(TABLES)} (file ignored)",
                                        "warning"))
    return raw


def _read_csv(file: Path, problems: list[Problem]) -> pd.DataFrame | None:
    table = file.stem.lower()
    try:
        return pd.read_csv(file, dtype=str, keep_default_na=False, skip_blank_lines=False,
                           encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        problems.append(Problem(table, None, None, None, "a header row naming the columns"))
    except (UnicodeDecodeError, pd.errors.ParserError) as error:
        problems.append(Problem(table, None, None, file.name,
                                f"a comma-separated UTF-8 text file ({_first_line(error)})"))
    return None


def _read_workbook(path: Path) -> RawInput:
    raw = RawInput({}, {}, str(path))
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False,
                               engine="openpyxl")
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raw.problems.append(Problem("input", None, None, path.name,
                                    f"an .xlsx workbook that opens ({_first_line(error)})"))
        return raw
    for sheet, frame in sheets.items():
        name = str(sheet).strip().lower()
        if name == "settings":
            raw.settings = _settings_sheet(_tidy(frame, name, raw.problems), raw.problems)
        elif name in TABLES:
            raw.tables[name] = _tidy(frame, name, raw.problems)
        else:
            raw.problems.append(Problem(str(sheet), None, None, None,
                                        f"a sheet named one of {', '.join(TABLES)} (sheet ignored)",
                                        "warning"))
    return raw


def _tidy(frame: pd.DataFrame, table: str, problems: list[Problem]) -> pd.DataFrame:
    """Normalise column names, number the rows as the user sees them, drop blank rows."""
    names = [str(c).strip().lower() for c in frame.columns]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.append(Problem(table, 1, name, name, "each column to appear once"))
        seen.add(name)
    frame = frame.set_axis(names, axis=1).loc[:, ~pd.Index(names).duplicated()]
    frame = frame.map(lambda v: "" if pd.isna(v) else str(v).strip())
    frame.insert(0, ROW, range(2, len(frame) + 2))
    blank = (frame.drop(columns=ROW) == "").all(axis=1)
    return frame.loc[~blank].reset_index(drop=True)


def _read_toml(file: Path, problems: list[Problem]) -> dict[str, Any]:
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        problems.append(Problem("settings", None, None, None, f"valid TOML ({_first_line(error)})"))
        return {}


def _settings_sheet(frame: pd.DataFrame, problems: list[Problem]) -> dict[str, Any]:
    if not {"key", "value"} <= set(frame.columns):
        problems.append(Problem("settings", 1, None, ", ".join(frame.columns[1:]),
                                "the columns key and value"))
        return {}
    settings = {}
    for row, key, value in zip(frame[ROW], frame["key"], frame["value"]):
        key = key.strip().lower()
        if key not in SETTINGS:
            problems.append(Problem("settings", int(row), "key", key,
                                    f"one of {', '.join(SETTINGS)} (row ignored)", "warning"))
        elif value != "":
            settings[key] = value
    return settings


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def write_template(target: str | Path | BinaryIO) -> None:
    """An input workbook with every table as a sheet: its columns, and example rows.

    Required columns are marked in the header's comment; the `settings` sheet
    lists every key with its expected form.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table in TABLES.values():
        sheet = book.create_sheet(table.name)
        sheet.append(table.names)
        for cell, column in zip(sheet[1], table.columns):
            cell.font = Font(bold=True)
            cell.comment = Comment(("required. " if column.required else "") + column.help, "replan")
            sheet.column_dimensions[cell.column_letter].width = max(12, len(column.name) + 2)
        for example in table.examples:
            sheet.append([example.get(name) for name in table.names])
    sheet = book.create_sheet("settings")
    sheet.append(["key", "value", "expected", "meaning"])
    for key, (expected, meaning) in SETTINGS.items():
        sheet.append([key, TEMPLATE_SETTINGS.get(key), expected, meaning])
    book.save(target)
