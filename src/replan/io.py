"""Read the input tables as the user wrote them: a CSV folder, a workbook or DataFrames.

Everything is read as text, so that a problem can quote the value exactly as
the user typed it; parsing and checking are the validator's job. Each table
gets a `_row` column: the row as the user sees it (header = row 1).
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import os
import re
import shutil
import tomllib
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Mapping

import pandas as pd

from .errors import Problem
from .tables import OTHER_TABLES, SALES, SERVICE_LEVELS, SETTINGS, TABLES

ROW = "_row"
INPUT = "input"
"""The table named by a problem with the whole input: no such folder, a workbook that does not open."""
HEADER = "header_row"
"""The `attrs` key of a table read from a file: its header's row as the user sees it."""
TEMPLATE_SETTINGS = {"horizon": 12, "start_date": "2026-01-05", "time_limit": 10}
NUMBERS = {t.name: {c.name for c in t.columns if c.kind in ("number", "whole")}
           for t in (*TABLES.values(), SALES, SERVICE_LEVELS)}
"""Each table's numeric columns: where a semicolon-separated file may write a decimal comma."""
DECIMAL_COMMA = re.compile(r"[+-]?(\d{1,3}(\.\d{3})+|\d*),\d+")
"""1,5 and 1.234,5: a number as written where the decimal mark is a comma."""
UNSAVED_FORMULA = re.compile(rb'<c\b(?![^>]*\bt="str")[^>]*>\s*<f\b[^>]*(?:/>|>[^<]*</f>)'
                             rb'\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>')
"""A sheet's cell holding a formula and no saved result (a formula with an empty text result
is saved as t="str")."""


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
    return RawInput({}, {}, str(path), [Problem(INPUT, None, None, value, what)])


def from_frames(tables: Mapping[str, pd.DataFrame], settings: Mapping[str, Any] | None = None,
                source: str = "DataFrames") -> RawInput:
    """Take tables handed over as DataFrames (the analyst's door)."""
    raw = RawInput({}, dict(settings or {}), source)
    for name, frame in tables.items():
        if name not in TABLES:
            raw.problems.append(Problem(name, None, None, None,
                                        f"one of the tables {', '.join(TABLES)}", "warning"))
            continue
        raw.tables[name] = text_table(frame, name, raw.problems)
    return raw


def text_table(frame: pd.DataFrame, name: str, problems: list[Problem]) -> pd.DataFrame:
    """A DataFrame's cells as the text a user would have typed (blank for missing)."""
    text = frame.reset_index(drop=True).astype(object).where(frame.notna().to_numpy(), "")
    return _tidy(text.map(_as_text), name, problems)


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_folder(folder: Path) -> RawInput:
    raw = RawInput({}, {}, str(folder))
    read: dict[str, str] = {}
    for file in sorted(folder.iterdir()):
        name = file.stem.lower()
        settings = file.name.lower() == "settings.toml"
        table = file.suffix.lower() == ".csv" and name in TABLES
        if (settings or table) and not _first(name, file.name, read, raw.problems):
            continue
        if settings:
            raw.settings = _read_toml(file, raw.problems)
        elif table:
            frame = _read_csv(file, raw.problems)
            if frame is not None:
                raw.tables[name] = _tidy(frame, name, raw.problems)
        elif file.is_file() and not file.name.startswith(".") and name not in OTHER_TABLES:
            raw.problems.append(Problem(file.name, None, None, None,
                                        f"a table named one of {', '.join(TABLES)} (file ignored)",
                                        "warning"))
    return raw


def _first(table: str, source: str, read: dict[str, str], problems: list[Problem]) -> bool:
    """Whether `source` is the first file or sheet for `table` (names differing only in case or
    spaces name one table); a second one is an error, and is not read."""
    if table in read:
        problems.append(Problem(table, None, None, source, f"one file or sheet for it ({read[table]} is one)"))
        return False
    read[table] = source
    return True


def _read_csv(file: Path, problems: list[Problem], table: str | None = None) -> pd.DataFrame | None:
    """A CSV file's cells as text, its first line the column names (each kept as written, so
    that a repeated one is reported, not renamed). UTF-8 first; files as Excel also writes
    them (Windows-1252, UTF-16 "Unicode text", separated by semicolons or tabs where the
    decimal mark is a comma) are read too, each with a warning."""
    table = table or file.stem.lower()
    text = _decode(file, table, problems)
    if text is None:
        return None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # and old Macs' line ends
    above = next((i for i, line in enumerate(lines) if line.strip(" \t,;")), 0)  # blank lines
    text = "\n".join(lines[above:])
    header = lines[above]
    sep = next((mark for mark in (";", "\t") if "," not in header and mark in header), ",")
    if sep != ",":
        problems.append(Problem(table, None, None, file.name, "comma-separated columns (read as "
                                + ("semicolon" if sep == ";" else "tab")
                                + "-separated, with decimal commas, instead)", "warning"))
    try:
        cells = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=str, keep_default_na=False,
                            skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        problems.append(Problem(table, None, None, None, "a header row naming the columns"))
        return None
    except pd.errors.ParserError as error:
        line = re.search(r"line (\d+)", str(error))  # pandas counts lines as we count rows
        row = int(line.group(1)) + above if line else None
        said = re.sub(r"line \d+", f"line {row}", _first_line(error))
        problems.append(Problem(table, row, None, file.name, f"a well-formed CSV file ({said})"))
        return None
    frame = _named(cells)
    frame.attrs[HEADER] = above + frame.attrs.get(HEADER, 1)
    _warn_short_rows(text, sep, frame.shape[1], above, table, problems)
    return frame if sep == "," else _decimal_points(frame, NUMBERS.get(table, set()))


def _warn_short_rows(text: str, sep: str, width: int, above: int, table: str,
                     problems: list[Problem]) -> None:
    """One warning for the rows that end before the header does (a file cut short, or fields
    left out): pandas reads their missing fields as blank, that is as the defaults."""
    widths = [len(fields) for fields in csv.reader(io.StringIO(text), delimiter=sep)]
    short = [row for row, fields in enumerate(widths[1:], start=above + 2) if 0 < fields < width]
    if short:
        count = f"{len(short)} rows have fewer, the first here" if len(short) > 1 else "this one has fewer"
        problems.append(Problem(table, short[0], None, None,
                                f"the header's {width} fields on every row ({count}; "
                                "the missing ones read as blank)", "warning"))


def _decode(file: Path, table: str, problems: list[Problem]) -> str | None:
    """`file`'s text: UTF-8 (with or without a byte-order mark), UTF-16 with one, or else
    Windows-1252; None, with the problem, for binary data."""
    try:
        data = file.read_bytes()
    except OSError as error:  # a folder by that name, a broken link, no permission
        problems.append(Problem(table, None, None, file.name, f"a readable file ({error.strerror})"))
        return None
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    try:
        text, encoding = data.decode("utf-16" if utf16 else "utf-8-sig"), "UTF-16" if utf16 else None
    except UnicodeDecodeError:
        # bytes that Windows-1252 leaves undefined cannot be text in it either
        text, encoding = data.decode("cp1252", errors="replace").replace("\ufffd", "\0"), "Windows-1252"
    if "\0" in text:
        problems.append(Problem(table, None, None, file.name, "a CSV text file (it holds binary data)"))
        return None
    if encoding:
        problems.append(Problem(table, None, None, file.name, f"UTF-8 text (read as {encoding} instead)",
                                "warning"))
    return text


def _named(cells: pd.DataFrame) -> pd.DataFrame:
    """Cells read without a header, their first row that holds anything made the column names
    as written (pandas would rename a repeated one, which must be reported instead); columns
    with neither a name nor a value (separators after the last column) dropped. A table may
    start lower on its sheet: `attrs[HEADER]` is its header's row as the user sees it."""
    rows = cells.itertuples(index=False)
    start = next((i for i, row in enumerate(rows) if any(str(v).strip() for v in row if pd.notna(v))), None)
    if start is None:
        return pd.DataFrame()
    names = cells.iloc[start].fillna("").astype(str).str.strip()
    body = cells.iloc[start + 1:]
    spare = (names == "") & (body.fillna("") == "").all()
    frame = body.loc[:, ~spare].set_axis(names[~spare].tolist(), axis=1).reset_index(drop=True)
    frame.attrs[HEADER] = start + 1
    return frame


def _decimal_points(frame: pd.DataFrame, numeric: set[str]) -> pd.DataFrame:
    """The numbers of `numeric` columns written with a decimal comma, rewritten with a point."""
    frame = frame.copy()
    for position, name in enumerate(frame.columns):
        if name.lower() in numeric:
            cells = frame.iloc[:, position].fillna("").str.strip()
            comma = cells.str.fullmatch(DECIMAL_COMMA)
            frame.iloc[:, position] = cells.where(~comma, cells.str.replace(".", "", regex=False)
                                                  .str.replace(",", ".", regex=False))
    return frame


def _read_workbook(path: Path) -> RawInput:
    raw = RawInput({}, {}, str(path))
    try:
        sheets = _sheets(path)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raw.problems.append(Problem(INPUT, None, None, path.name, _unopened(path, error)))
        return raw
    read: dict[str, str] = {}
    for sheet, frame in sheets.items():
        name = str(sheet).strip().lower()
        if name in {"settings", *TABLES} and not _first(name, f"sheet {sheet!r}", read, raw.problems):
            continue
        if frame.columns.empty and name in TABLES:
            raw.problems.append(Problem(name, None, None, f"sheet {sheet!r}", "a header row naming the columns"))
            continue
        if name == "settings":
            raw.settings = _settings_sheet(_tidy(frame, name, raw.problems), raw.problems)
        elif name in TABLES:
            raw.tables[name] = _tidy(frame, name, raw.problems)
        elif name not in OTHER_TABLES:
            raw.problems.append(Problem(str(sheet), None, None, None,
                                        f"a sheet named one of {', '.join(TABLES)} (sheet ignored)",
                                        "warning"))
    return raw


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""How a compound file starts: an Excel 97-2003 .xls, or an .xlsx encrypted with a password."""


def _unopened(path: Path, error: Exception) -> str:
    """What a workbook that does not open should have been, and why this one is not."""
    try:
        ole = path.read_bytes()[:8] == OLE
    except OSError:
        ole = False
    why = ("it is locked with a password, or an .xls workbook: save it from the spreadsheet as "
           "an .xlsx workbook without a password") if ole else _first_line(error)
    return f"an .xlsx workbook that opens ({why})"


def _sheets(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook as text, its first row the column names as written (`_named`).
    A cell holds its value as saved (a formula's last result), an error as the sheet shows it
    (#N/A), which pandas' reader would make blank, and a formula saved with no result as the
    formula (=B2*2), so that the validator can name either."""
    from openpyxl import load_workbook

    def book(values: bool):
        return load_workbook(path, read_only=True, data_only=values, keep_links=False)

    values, formulas = book(True), book(False) if _unsaved_formulas(path) else None
    try:
        return {sheet.title: _named(_cells(sheet, formulas and formulas[sheet.title]))
                for sheet in values.worksheets}
    finally:
        for opened in (values, formulas):
            if opened is not None:
                opened.close()


def _unsaved_formulas(path: Path) -> bool:
    """Whether a sheet holds a formula with no saved result: the workbook was written by a
    program that does not calculate (openpyxl, say) and never opened in one that does."""
    with zipfile.ZipFile(path) as archive:
        return any(UNSAVED_FORMULA.search(archive.read(name)) for name in archive.namelist()
                   if name.startswith("xl/worksheets/") and name.endswith(".xml"))


def _cells(sheet, formulas=None) -> pd.DataFrame:
    """A sheet's cells as text; with `formulas` (the sheet read for formulas, not values), a
    cell with no saved value holds its formula, if it has one."""
    rows = _values(sheet)
    if formulas is not None:
        rows = [_saved_or_formula(saved, written)
                for saved, written in itertools.zip_longest(rows, _values(formulas), fillvalue=())]
    rows = [[_as_text(value) for value in row] for row in rows]
    width = max(map(len, rows), default=0)
    return pd.DataFrame([row + [""] * (width - len(row)) for row in rows], dtype=object)


def _values(sheet) -> list[tuple]:
    sheet.reset_dimensions()  # the extent a file declares can be wrong: read to the last cell
    return list(sheet.iter_rows(values_only=True))


def _saved_or_formula(saved: tuple, written: tuple) -> list:
    """A row's values as saved, and its formula where a cell has one and no saved value."""
    return [formula if value is None and isinstance(formula, str) and formula.startswith("=") else value
            for value, formula in itertools.zip_longest(saved, written)]


def read_table(path: str | Path, name: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read one table as text: a CSV file, the sheet `name` (or the only sheet) of a workbook,
    or `name`.csv in a folder. None, with the problems, when it cannot be read."""
    path = Path(path)
    problems: list[Problem] = []
    if path.is_dir():
        path = path / f"{name}.csv"
    if path.suffix.lower() == ".csv" and path.is_file():
        frame = _read_csv(path, problems, name)
    elif path.suffix.lower() in {".xlsx", ".xlsm"} and path.is_file():
        frame = _read_sheet(path, name, problems)
    else:
        value = str(path) if path.exists() else f"{path} (not found)"
        problems.append(Problem(name, None, None, value, f"a {name}.csv file or an .xlsx workbook"))
        frame = None
    return (None if frame is None else _tidy(frame, name, problems)), problems


def _read_sheet(path: Path, name: str, problems: list[Problem]) -> pd.DataFrame | None:
    try:
        sheets = _sheets(path)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        problems.append(Problem(name, None, None, path.name, _unopened(path, error)))
        return None
    named = {str(sheet).strip().lower(): frame for sheet, frame in sheets.items()}
    if name in named:
        return named[name]
    if len(named) == 1:
        return next(iter(named.values()))
    problems.append(Problem(name, None, None, ", ".join(map(str, sheets)), f"a sheet named {name}"))
    return None


def _tidy(frame: pd.DataFrame, table: str, problems: list[Problem]) -> pd.DataFrame:
    """Normalise column names, number the rows as the user sees them, drop blank rows and
    columns without a name (with a warning: they hold values)."""
    header = frame.attrs.get(HEADER, 1)
    names = [str(c).strip().lower() for c in frame.columns]
    if "" in names:
        problems.append(Problem(table, header, None, None, "a name over every column that holds "
                                "values (the columns without one are ignored)", "warning"))
    seen: set[str] = set()
    for name in names:
        if name in seen and name:
            problems.append(Problem(table, header, name, name, "each column to appear once"))
        seen.add(name)
    keep = ~pd.Index(names).duplicated() & (pd.Index(names) != "")
    frame = frame.set_axis(names, axis=1).loc[:, keep]
    frame = frame.map(lambda v: "" if pd.isna(v) else str(v).strip())
    frame.insert(0, ROW, range(header + 1, len(frame) + header + 1))
    blank = (frame.drop(columns=ROW) == "").all(axis=1)
    frame = frame.loc[~blank].reset_index(drop=True)
    frame.attrs[HEADER] = header
    return frame


def _read_toml(file: Path, problems: list[Problem]) -> dict[str, Any]:
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        problems.append(Problem("settings", None, None, file.name, f"a readable file ({error.strerror})"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        problems.append(Problem("settings", None, None, None, f"valid TOML ({_first_line(error)})"))
    return {}


def _settings_sheet(frame: pd.DataFrame, problems: list[Problem]) -> dict[str, Any]:
    if not {"key", "value"} <= set(frame.columns):
        problems.append(Problem("settings", frame.attrs.get(HEADER, 1), None, ", ".join(frame.columns[1:]),
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


@contextlib.contextmanager
def atomic_folder(folder: str | Path) -> Iterator[Path]:
    """Write a folder all at once or not at all.

    Yields a hidden sibling staging folder to write into; on success it
    replaces `folder` by renames, so no reader ever sees half of it, and on
    any failure it is removed and `folder` is left as it was.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.parent / f".{folder.name}.{uuid.uuid4().hex[:8]}.tmp"
    staging.mkdir()
    try:
        yield staging
        if folder.exists():
            old = folder.with_name(f".{folder.name}.{uuid.uuid4().hex[:8]}.old")
            folder.rename(old)
            staging.rename(folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def atomic_write(path: str | Path, data: bytes) -> Path:
    """Write a file all at once or not at all: `data` goes to a hidden sibling first, which then
    replaces `path` by a rename; on any failure an earlier file at `path` is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        staging.write_bytes(data)
        os.replace(staging, path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    return path


def write_tables(folder: Path, tables: Mapping[str, pd.DataFrame],
                 settings: Mapping[str, Any] | None = None) -> None:
    """Tables as `name`.csv and settings as settings.toml into an existing folder."""
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    if settings:
        lines = [f"{key} = {json.dumps(value)}" for key, value in settings.items() if value is not None]
        (folder / "settings.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


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
