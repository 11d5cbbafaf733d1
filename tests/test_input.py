"""Bad input: every problem reported at once, with table, row, column, value and what was expected."""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import replan
from replan import InputError
from replan.tables import NONE, TABLES
from replan.validate import FORMULA, SHOWS_ERROR


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return Path(shutil.copytree(replan.sample_path("demo"), tmp_path / "demo"))


def problems(path) -> list[replan.Problem]:
    with pytest.raises(InputError) as caught:
        replan.load(path)
    return caught.value.problems


def edit(folder: Path, table: str, change) -> None:
    frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    changed = change(frame)
    frame = frame if changed is None else changed
    frame.to_csv(folder / f"{table}.csv", index=False)


def one(found: list[replan.Problem], **where) -> replan.Problem:
    hits = [p for p in found if all(getattr(p, k) == v for k, v in where.items())]
    assert len(hits) == 1, (where, [str(p) for p in found])
    return hits[0]


def test_missing_required_column(demo):
    edit(demo, "offers", lambda f: f.drop(columns="lead_time"))
    p = one(problems(demo), table="offers", column="lead_time")
    assert p.row == 1 and "column named 'lead_time'" in p.expected


def test_negative_cost_and_quantity(demo):
    edit(demo, "items", lambda f: f.loc.__setitem__((0, "holding_cost"), "-1"))
    edit(demo, "demand", lambda f: f.loc.__setitem__((4, "quantity"), "-3"))
    found = problems(demo)
    assert one(found, table="items", column="holding_cost").row == 2
    p = one(found, table="demand", column="quantity")
    assert (p.row, p.value, p.expected) == (6, "-3", "a number ≥ 0")


def test_lead_time_that_is_not_whole(demo):
    edit(demo, "offers", lambda f: f.loc.__setitem__((2, "lead_time"), "2.5"))
    p = one(problems(demo), table="offers", column="lead_time")
    assert (p.row, p.value, p.expected) == (4, "2.5", "a whole number ≥ 0")


def test_text_where_a_number_belongs(demo):
    edit(demo, "offers", lambda f: f.loc.__setitem__((0, "unit_price"), "twelve"))
    edit(demo, "suppliers", lambda f: f.loc.__setitem__((0, "capacity"), "lots"))
    found = problems(demo)
    assert one(found, table="offers", column="unit_price").value == "twelve"
    assert one(found, table="suppliers").expected == "a number ≥ 0, or none for no limit"


def test_a_number_too_large_for_a_solver_is_named(demo):
    edit(demo, "demand", lambda f: f.loc.__setitem__((0, "quantity"), "1e20"))
    edit(demo, "offers", lambda f: f.loc.__setitem__((2, "lead_time"), "2e15"))
    edit(demo, "items", lambda f: f.loc.__setitem__((1, "safety_stock"), "1e15"))  # the largest there is
    found = problems(demo)
    assert one(found, table="demand", column="quantity").expected == "a number ≥ 0 and at most 1e15"
    assert one(found, table="offers", column="lead_time").row == 4
    assert len(found) == 2
    edit(demo, "suppliers", lambda f: f.loc.__setitem__((0, "capacity"), "1e30"))
    assert one(problems(demo), table="suppliers").expected.endswith("1e15, or none for no limit")


def test_offer_for_unknown_item_and_supplier(demo):
    def change(f):
        f.loc[0, "item"] = "NO-SUCH-ITEM"
        f.loc[1, "supplier"] = "Nobody Ltd"
    edit(demo, "offers", change)
    found = problems(demo)
    assert one(found, table="offers", column="item, location").row == 2
    assert one(found, table="offers", column="supplier").value == "Nobody Ltd"


def test_duplicate_key_names_the_first_row(demo):
    edit(demo, "suppliers", lambda f: f.loc.__setitem__((1, "supplier"), f.loc[0, "supplier"]))
    p = one(problems(demo), table="suppliers")
    assert p.row == 3 and "row 2 has the same" in p.expected


def test_a_key_cell_that_does_not_parse_is_named_once(demo):
    # since_period is an optional part of the backlog's key: unparsed, it was an internal error
    edit(demo, "backlog", lambda f: f.loc.__setitem__((1, "since_period"), "2026-13-40"))
    found = problems(demo)
    p = one(found, table="backlog")
    assert (p.row, p.column, p.value) == (3, "since_period", "2026-13-40") and len(found) == 1


def test_period_outside_the_horizon(demo):
    edit(demo, "demand", lambda f: f.loc.__setitem__((0, "period"), "40"))
    p = one(problems(demo), table="demand", column="period")
    assert "horizon 26" in p.expected and p.value == "40"


def test_every_period_a_plan_names_has_a_date(demo):
    # the plan dates periods with pandas, which counts days from 1677-09-22 to 2262-04-11
    (demo / "settings.toml").write_text('start_date = "2026-01-05"\nperiod_days = 3000\n')
    assert replan.load(demo).date(26) == dt.date(2026, 1, 5) + dt.timedelta(days=25 * 3000)
    (demo / "settings.toml").write_text('start_date = "2026-01-05"\nperiod_days = 4000\n')
    p = one(problems(demo), table="settings")  # not also each backlog line
    assert (p.column, p.value) == ("horizon, period_days", "26, 4000") and "2262-04-11" in p.expected
    (demo / "settings.toml").write_text('start_date = "9999-12-31"\n')
    assert one(problems(demo), table="settings").column == "start_date"
    (demo / "settings.toml").write_text('start_date = "2026-01-05"\n')
    edit(demo, "backlog", lambda f: f.loc.__setitem__((0, "since_period"), "-20000"))
    assert one(problems(demo), table="backlog").row == 2
    edit(demo, "backlog", lambda f: f.loc.__setitem__((0, "since_period"), "-18000"))  # 1681
    assert replan.load(demo)["backlog"]["since_period"].min() == -18000


def test_date_that_does_not_parse(demo):
    (demo / "settings.toml").write_text('start_date = "next monday"\n')
    p = one(problems(demo), table="settings", column="start_date")
    assert p.value == "next monday"


def test_unknown_formulation_is_named(demo):
    (demo / "settings.toml").write_text('formulation = "fast"\n')
    p = one(problems(demo), table="settings", column="formulation")
    assert p.value == "fast" and "strong" in p.expected and "plain" in p.expected


def test_empty_table(demo):
    (demo / "suppliers.csv").write_text("supplier,capacity\n")
    assert one(problems(demo), table="suppliers", row=None).expected == "at least one row"


def test_file_that_is_neither_csv_nor_xlsx(tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes(b"%PDF-1.4")
    found = problems(path)
    assert len(found) == 1 and "CSV files or an .xlsx workbook" in found[0].expected  # no table is also missing


def test_damaged_workbook(tmp_path):
    path = tmp_path / "input.xlsx"
    path.write_bytes(b"this is not a zip archive")
    assert "workbook that opens" in problems(path)[0].expected
    # Excel saves a workbook locked with a password, and an .xls, as a compound file
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))
    assert "locked with a password, or an .xls workbook" in problems(path)[0].expected


def test_unreadable_file_is_one_problem_not_also_a_missing_table(demo):
    (demo / "demand.csv").write_bytes(b"item,period\x00\x01\x02quantity")
    (demo / "suppliers.csv").write_bytes(b"")
    found = problems(demo)
    assert [(p.table, p.value) for p in found] == [("demand", "demand.csv"), ("suppliers", None)]
    assert "binary" in found[0].expected and "header row" in found[1].expected


def test_a_file_that_cannot_be_read_is_named_not_a_traceback(demo):
    (demo / "offers.csv").unlink()
    (demo / "offers.csv").mkdir()
    (demo / "items.csv").unlink()
    (demo / "items.csv").symlink_to(demo / "nowhere.csv")
    (demo / "settings.toml").unlink()
    (demo / "settings.toml").mkdir()
    found = problems(demo)
    assert [(p.table, p.value) for p in found] == [
        ("items", "items.csv"), ("offers", "offers.csv"), ("settings", "settings.toml")]
    assert all("a readable file" in p.expected for p in found)


def test_rows_cut_short_are_read_with_one_warning(demo):
    text = (demo / "transfers.csv").read_text()
    assert text.endswith(",,2500\n")
    (demo / "transfers.csv").write_text(text.removesuffix(",,2500\n") + "\n")  # capacity lost
    lines = (demo / "items.csv").read_text().splitlines()
    for at in (3, 6):
        lines[at] = ",".join(lines[at].split(",")[:4])
    (demo / "items.csv").write_text("\n".join(lines) + "\n")
    warned = {p.table: p for p in replan.load(demo).warnings}
    assert (warned["transfers"].row, warned["items"].row) == (2, 4)
    assert "this one has fewer" in warned["transfers"].expected
    assert "2 rows have fewer" in warned["items"].expected
    assert not replan.load(replan.sample_path("demo")).warnings


def test_two_rows_for_all_items_of_one_lane_are_a_duplicate_key(demo):
    text = (demo / "transfers.csv").read_text()
    (demo / "transfers.csv").write_text(text + text.splitlines()[1] + "\n")
    p = one(problems(demo), table="transfers")
    assert p.row == 3 and "row 2 has the same" in p.expected


def test_row_with_more_fields_than_the_header_is_named(demo):
    lines = (demo / "offers.csv").read_text().splitlines()
    lines[4] += ",surplus"
    (demo / "offers.csv").write_text("\n".join(lines) + "\n")
    p = one(problems(demo), table="offers")
    assert (p.row, p.value) == (5, "offers.csv") and "Expected 10 fields in line 5, saw 11" in p.expected


def test_repeated_column_in_a_csv_file(demo):
    edit(demo, "items", lambda f: f.insert(3, "holding_cost ", "9"))  # the same name once tidied
    text = (demo / "items.csv").read_text().replace("holding_cost ,", "holding_cost,", 1)
    (demo / "items.csv").write_text(text)
    p = one(problems(demo), table="items", row=1)
    assert (p.column, p.expected) == ("holding_cost", "each column to appear once")


def test_excel_csv_exports_read_with_a_warning(demo):
    # Windows-1252 text separated by semicolons with decimal commas (Excel where the decimal
    # mark is a comma), and separators after the last column: read as meant, with warnings
    rename = lambda f: f.assign(item=f["item"].replace({"ANCH-M10": "ANCH-M10 Ø"}))  # noqa: E731
    edit(demo, "demand", rename)
    items = rename(pd.read_csv(demo / "items.csv", dtype=str, keep_default_na=False))
    typed = items.astype({"holding_cost": float})
    items["holding_cost"] = items["holding_cost"].str.replace(".", ",")  # 0,0308
    items.loc[0, "initial_inventory"] = "1.240,0"
    (demo / "items.csv").write_bytes(items.to_csv(index=False, sep=";").encode("cp1252"))
    offers = rename(pd.read_csv(demo / "offers.csv", dtype=str, keep_default_na=False))
    (demo / "offers.csv").write_text(offers.to_csv(index=False).replace("\n", ",\n"))
    inst = replan.load(demo)
    assert "ANCH-M10 Ø" in set(inst["items"]["item"]) and len(inst["offers"]) == len(offers)
    assert inst["items"]["holding_cost"].tolist() == typed["holding_cost"].tolist()
    assert inst["items"]["initial_inventory"].iloc[0] == 1240
    said = {(w.table, w.expected) for w in inst.warnings}
    assert ("items", "UTF-8 text (read as Windows-1252 instead)") in said
    assert ("items", "comma-separated columns (read as semicolon-separated, with decimal commas, "
                     "instead)") in said
    assert not any(w.table == "offers" for w in inst.warnings)


def test_unicode_text_export_reads_and_its_warnings_come_with_the_problems(demo):
    # Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated
    text = (demo / "suppliers.csv").read_text().replace(",", "\t")
    (demo / "suppliers.csv").write_bytes(text.encode("utf-16"))
    assert len(replan.load(demo)["suppliers"]) == len(pd.read_csv(replan.sample_path("demo") / "suppliers.csv"))
    edit(demo, "offers", lambda f: f.rename(columns={"lead_time": "leadtime"}))
    found = problems(demo)
    assert [p.severity for p in found] == ["error", "warning", "warning", "warning"]
    assert {p.column for p in found[1:]} == {None, "leadtime"}  # why lead_time is missing
    assert "warning: offers, row 1, column leadtime" in str(InputError(found))


def test_line_ends_of_every_system_read_alike(demo):
    # Excel for Mac's "CSV (Macintosh)" ends lines with a carriage return alone; Windows with both
    for table, end in (("items", "\r"), ("offers", "\r\n")):
        text = (demo / f"{table}.csv").read_text()
        (demo / f"{table}.csv").write_bytes(text.replace("\n", end).encode())
    inst, original = replan.load(demo), replan.load(replan.sample_path("demo"))
    assert inst.digest == original.digest and not inst.warnings


def test_item_without_any_source_of_stock(demo):
    edit(demo, "offers", lambda f: f.drop(f.index[f["item"] == "ANCH-M10"]))
    edit(demo, "items", lambda f: f.loc.__setitem__((f["item"] == "ANCH-M10", "initial_inventory"), "0"))
    p = one(problems(demo), table="items", column="item")
    assert "ANCH-M10" in p.value


def test_transfer_lane_between_unknown_locations(demo):
    edit(demo, "transfers", lambda f: f.loc.__setitem__((0, "to_location"), "Mars"))
    assert one(problems(demo), table="transfers", column="to_location").value == "Mars"


def test_all_problems_at_once_and_none_repeated(demo):
    edit(demo, "offers", lambda f: f.loc.__setitem__((2, "lead_time"), "x"))
    edit(demo, "items", lambda f: f.loc.__setitem__((0, "backorder_cost"), ""))
    edit(demo, "demand", lambda f: f.loc.__setitem__((9, "priority"), "0"))
    found = problems(demo)
    assert {(p.table, p.column) for p in found} == {("offers", "lead_time"), ("items", "backorder_cost"),
                                                    ("demand", "priority")}


def test_unknown_columns_are_kept_with_a_warning(demo):
    edit(demo, "items", lambda f: f.insert(2, "colour", "red"))
    inst = replan.load(demo)
    assert any(w.column == "colour" for w in inst.warnings)


def test_column_names_ignore_case_and_spaces(demo):
    edit(demo, "items", lambda f: f.rename(columns={"holding_cost": " Holding_Cost "}))
    assert len(replan.load(demo)["items"]) == 38


def test_workbook_reports_sheet_rows(tmp_path, demo):
    path = tmp_path / "input.xlsx"
    with pd.ExcelWriter(path) as writer:
        for csv in demo.glob("*.csv"):
            frame = pd.read_csv(csv)
            if csv.stem == "offers":
                frame.loc[3, "unit_price"] = -2
            frame.to_excel(writer, sheet_name=csv.stem, index=False)
        pd.DataFrame({"key": ["horizon"], "value": [26]}).to_excel(writer, sheet_name="settings", index=False)
    p = one(problems(path), table="offers", column="unit_price")
    assert p.row == 5 and p.value == "-2"


def test_workbook_round_trip_plans_like_the_folder(tmp_path, demo):
    path = tmp_path / "input.xlsx"
    with pd.ExcelWriter(path) as writer:
        for csv in demo.glob("*.csv"):
            pd.read_csv(csv, dtype=str, keep_default_na=False).to_excel(writer, sheet_name=csv.stem, index=False)
        pd.DataFrame({"key": ["horizon", "start_date"], "value": ["26", "2026-01-05"]}).to_excel(
            writer, sheet_name="settings", index=False)
    a, b = replan.load(path), replan.load(demo)
    for name in ("items", "offers", "demand", "backlog"):
        pd.testing.assert_frame_equal(a[name], b[name])


def test_problem_reads_as_a_sentence():
    p = replan.Problem("offers", 4, "lead_time", "2.5", "a whole number ≥ 0")
    assert str(p) == "offers, row 4, column lead_time: expected a whole number ≥ 0 (got '2.5')"


def _workbook(path: Path, folder: Path, change=None, settings=(("horizon", "26"),)) -> Path:
    """The CSV folder as one workbook; `change(name, sheet)` may edit an openpyxl sheet."""
    with pd.ExcelWriter(path) as writer:
        for csv in sorted(folder.glob("*.csv")):
            pd.read_csv(csv, dtype=str, keep_default_na=False).to_excel(writer, sheet_name=csv.stem, index=False)
        pd.DataFrame(settings, columns=["key", "value"]).to_excel(writer, sheet_name="settings", index=False)
        if change:
            for sheet in writer.book.worksheets:
                change(sheet.title, sheet)
    return path


def test_a_table_may_start_lower_on_its_sheet_or_file_and_rows_count_as_seen(tmp_path, demo):
    edit(demo, "offers", lambda f: f.loc.__setitem__((3, "unit_price"), "-2"))
    edit(demo, "demand", lambda f: f.rename(columns={"quantity": "qty"}))
    path = _workbook(tmp_path / "input.xlsx", demo,
                     lambda name, sheet: sheet.insert_rows(1, 2) if name in ("offers", "demand") else None)
    lines = (demo / "offers.csv").read_text()
    (demo / "offers.csv").write_text("\n,,\n" + lines)
    for source in (path, demo):
        found = problems(source)
        assert one(found, table="offers", column="unit_price").row == 7
        assert one(found, table="demand", column="quantity").row == (3 if source == path else 1)
        assert one(found, table="demand", column="qty").severity == "warning"


def test_a_column_without_a_name_is_ignored_with_a_warning(demo):
    edit(demo, "items", lambda f: f.insert(3, "", "note"))
    edit(demo, "suppliers", lambda f: f.insert(1, "", ""))  # a spacer column: not a word
    inst = replan.load(demo)
    assert [(w.table, w.row) for w in inst.warnings] == [("items", 1)]
    assert "a name over every column that holds values" in inst.warnings[0].expected
    assert "" not in inst["items"].columns


def test_two_files_or_sheets_for_one_table_are_an_error(tmp_path, demo):
    shutil.copy(demo / "demand.csv", demo / "Demand.CSV")
    found = problems(demo)
    assert [(p.table, p.value) for p in found] == [("demand", "demand.csv")]
    assert "(Demand.CSV is one)" in found[0].expected
    path = _workbook(tmp_path / "input.xlsx", demo, lambda name, sheet: sheet.parent.create_sheet(" Settings")
                     if name == "settings" else None)
    assert [(p.table, p.value) for p in problems(path)] == [("settings", "sheet ' Settings'")]


def test_an_empty_sheet_is_one_problem(tmp_path, demo):
    path = _workbook(tmp_path / "input.xlsx", demo,
                     lambda name, sheet: sheet.delete_rows(1, sheet.max_row) if name == "items" else None)
    found = problems(path)
    assert [(p.table, p.value, p.expected) for p in found] == [
        ("items", "sheet 'items'", "a header row naming the columns")]


def test_a_budget_or_time_limit_of_none_is_no_limit(demo):
    (demo / "settings.toml").write_text('budget = "none"\ntime_limit = "inf"\nhorizon = 26\n')
    settings = replan.load(demo).settings
    assert (settings.budget, settings.time_limit, settings.horizon) == (None, None, 26)
    (demo / "settings.toml").write_text('horizon = "none"\n')
    assert one(problems(demo), table="settings").column == "horizon"


def test_a_cell_showing_a_spreadsheet_error_is_named_once_never_read_as_blank(tmp_path, demo):
    def error(sheet, row: int, column: str, value: str = "#N/A") -> None:
        cell = sheet.cell(row, 1 + [c.value for c in sheet[1]].index(column))
        cell.value, cell.data_type = value, "e"

    def errors(name, sheet):
        if name == "offers":
            error(sheet, 4, "moq")  # optional: blank would be its default
            error(sheet, 5, "unit_price", "#DIV/0!")  # required: blank would be a second problem
        if name == "items":
            error(sheet, 3, "item", "#REF!")  # text: it would be an item's name
            sheet.cell(1, sheet.max_column + 1, "lookup")  # in a column replan ignores: ignored
            error(sheet, 2, "lookup", "#VALUE!")
        if name == "settings":
            error(sheet, 2, "value", "#NAME?")

    path = _workbook(tmp_path / "input.xlsx", demo, errors)
    expected = [("items", 3, "item", "#REF!"), ("offers", 4, "moq", "#N/A"),
                ("offers", 5, "unit_price", "#DIV/0!"), ("settings", None, "horizon", "#NAME?")]
    found = [p for p in problems(path) if p.severity == "error"]
    assert sorted((p.table, p.row or 0, p.column, p.value) for p in found) == [
        (t, r or 0, c, v) for t, r, c, v in expected]
    assert {p.expected for p in found} == {SHOWS_ERROR}
    # as a CSV export writes them (Excel's #N/A, LibreOffice's Err:502)
    edit(demo, "offers", lambda f: f.loc.__setitem__((2, "moq"), "#N/A"))
    edit(demo, "items", lambda f: f.loc.__setitem__((1, "item"), "Err:502"))
    found = problems(demo)
    assert sorted((p.table, p.row, p.column, p.value, p.expected) for p in found) == [
        ("items", 3, "item", "Err:502", SHOWS_ERROR), ("offers", 4, "moq", "#N/A", SHOWS_ERROR)]


def test_a_gap_of_one_or_more_is_taken_with_a_warning(demo):
    (demo / "settings.toml").write_text("horizon = 26\nmip_gap = 1\n")
    inst = replan.load(demo)
    assert inst.settings.mip_gap == 1
    assert [(w.table, w.column, w.value) for w in inst.warnings] == [("settings", "mip_gap", "1")]
    (demo / "settings.toml").write_text("horizon = 26\nmip_gap = 0.99\n")
    assert not replan.load(demo).warnings


def test_a_formula_reads_as_its_saved_result_and_one_with_none_is_named(tmp_path, demo):
    def formulas(name, sheet):
        columns = [c.value for c in sheet[1]]
        if name == "offers":
            sheet.cell(4, 1 + columns.index("moq"), "=2*3")  # optional: blank would be its default
            sheet.cell(5, 1 + columns.index("unit_price"), "=2*3")
        if name == "settings":
            sheet.cell(2, 2, "=20+6")

    path = _workbook(tmp_path / "input.xlsx", demo, formulas)  # openpyxl saves no results
    found = problems(path)
    assert sorted((p.table, p.row or 0, p.column, p.value, p.expected) for p in found) == [
        ("offers", 4, "moq", "=2*3", FORMULA), ("offers", 5, "unit_price", "=2*3", FORMULA),
        ("settings", 0, "horizon", "=20+6", FORMULA)]
    # as a spreadsheet program saves it: each formula with its result
    saved = tmp_path / "saved.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(saved, "w") as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename.startswith("xl/worksheets/"):
                data = data.replace(b"<f>2*3</f><v />", b"<f>2*3</f><v>6</v>")
                data = data.replace(b"<f>20+6</f><v />", b"<f>20+6</f><v>26</v>")
            target.writestr(entry, data)
    inst = replan.load(saved)
    assert (inst["offers"].at[2, "moq"], inst["offers"].at[3, "unit_price"], inst.settings.horizon) == (6, 6, 26)


def test_what_replan_does_not_know_is_named_in_a_warning_and_ignored(tmp_path, demo):
    (demo / "notes.csv").write_text("anything\n1\n")
    (demo / "sales.csv").write_text("item,period,quantity\n")  # the forecaster's: no warning
    assert [(w.table, w.expected[:20]) for w in replan.load(demo).warnings] == [
        ("notes.csv", "a table named one of")]
    frames = {name: replan.load(demo)[name] for name in ("items", "suppliers", "offers", "demand")}
    inst = replan.from_tables({**frames, "extras": pd.DataFrame({"a": [1]})}, {"horizon": 26})
    assert [(w.table, w.severity) for w in inst.warnings] == [("extras", "warning")]

    def extras(name, sheet):  # notes.csv and sales.csv are sheets too
        if name == "settings":
            sheet.append(["colour", "blue"])

    found = replan.load(_workbook(tmp_path / "input.xlsx", demo, extras)).warnings
    assert sorted((w.table, w.row, w.value) for w in found) == [("notes", None, None), ("settings", 3, "colour")]


def test_a_settings_sheet_needs_the_columns_key_and_value(tmp_path, demo):
    def renamed(name, sheet):
        if name == "settings":
            sheet.insert_rows(1)
            sheet["A2"], sheet["B2"] = "name", "setting"

    found = problems(_workbook(tmp_path / "input.xlsx", demo, renamed))
    assert [(p.table, p.row, p.value, p.expected) for p in found] == [
        ("settings", 2, "name, setting", "the columns key and value")]


def test_the_tables_checked_against_each_other_name_every_problem_at_once(demo):
    (demo / "settings.toml").write_text((demo / "settings.toml").read_text() + 'colour = "blue"\n')
    (demo / "locations.csv").write_text("location,capacity\nDC-Leeds,1000\nNowhere,5\n")
    edit(demo, "transfers", lambda f: pd.concat([f, pd.DataFrame(
        {"from_location": ["DC-Leeds", "DC-Leeds"], "to_location": ["DC-Leeds", "Branch-York"],
         "lead_time": ["1", "1"], "unit_cost": ["0.1", "0.1"], "item": ["", "NO-SUCH-ITEM"]})]))
    edit(demo, "open_orders", lambda f: pd.concat([f, pd.DataFrame(
        {"supplier": ["Nordic Fasteners"] * 2, "item": ["BOLT-M8X40"] * 2, "location": ["DC-Leeds"] * 2,
         "quantity": ["10", "20"], "arrival_period": ["0", "27"]})]))
    found = problems(demo)
    assert sorted((p.table, p.row or 0, p.column, p.value, p.severity) for p in found) == [
        ("locations", 3, "location", "Nowhere", "warning"),
        ("open_orders", 4, "arrival_period", "0", "warning"),
        ("open_orders", 5, "arrival_period", "27", "warning"),
        ("settings", 0, "colour", "blue", "warning"),
        ("transfers", 3, "to_location", "DC-Leeds", "error"),
        ("transfers", 4, "item", "NO-SUCH-ITEM", "error")]


def test_shares_that_cannot_cover_an_item_and_a_horizon_with_no_demand_are_named(demo):
    edit(demo, "suppliers", lambda f: f.assign(max_share="0.3"))
    found = problems(demo)
    assert {(p.table, p.column) for p in found} == {("suppliers", "max_share")}
    assert "shares of the suppliers offering" in found[0].expected
    edit(demo, "suppliers", lambda f: f.assign(max_share="1"))
    edit(demo, "demand", lambda f: f.assign(quantity="0"))
    (demo / "settings.toml").write_text('start_date = "2026-01-05"\n')
    assert [(p.table, p.column) for p in problems(demo)] == [("settings", "horizon")]


ODD_CELLS = ["", " ", "-1", "0", "1e400", "nan", "inf", "none", "abc", "=A1", "#N/A", "1,5", " 3 ", "9" * 30,
             "2.5", "true", "0x10", "1_000", "３", "2026-13-40", "1e16", "-1e6", '"', "\x00", "é"]


@functools.cache
def demo_text() -> dict[str, pd.DataFrame]:
    folder = replan.sample_path("demo")
    return {name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
            for name in TABLES if (folder / f"{name}.csv").exists()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_cell_set_to_anything_is_read_or_named_never_an_internal_error(tmp_path, data):
    """A law for every input a user can make from a good one: replan reads it or names what is
    wrong (table, row, column), and a number it reads was written as one."""
    folder = Path(shutil.copytree(replan.sample_path("demo"), tmp_path / f"case{len(list(tmp_path.iterdir()))}"))
    values = st.sampled_from(ODD_CELLS) | st.text(max_size=6)
    changed = {}
    for _ in range(data.draw(st.integers(1, 3))):
        name = data.draw(st.sampled_from(sorted(demo_text())))
        frame = demo_text()[name] if name not in {key[0] for key in changed} else \
            pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        row, column = data.draw(st.integers(0, len(frame) - 1)), data.draw(st.sampled_from(list(frame.columns)))
        value = data.draw(values)
        frame = frame.copy()
        frame.loc[row, column] = value
        frame.to_csv(folder / f"{name}.csv", index=False)
        changed[name, row, column] = value
    try:
        inst = replan.load(folder)
    except InputError as error:
        assert all(p.table in {*TABLES, "settings", "input"} and (p.row is None or p.row >= 1)
                   for p in error.problems) and str(error)
        return
    for (name, _, column), value in changed.items():
        spec = TABLES[name].column(column)
        if spec.kind in ("number", "whole") and value.strip():
            limit = spec.default is NONE and value.strip().lower() in ("none", "inf")
            assert limit or math.isfinite(float(value)), (name, column, value)
    assert set(inst.tables) == set(TABLES)


@functools.cache
def demo_workbook() -> bytes:
    """The demo as a workbook, numbers stored as numbers, as a spreadsheet program saves them."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in demo_text().items():
            numbers = [c.name for c in TABLES[name].columns if c.kind in ("number", "whole")]
            typed = frame.copy()
            for column in set(numbers) & set(frame.columns):
                typed[column] = pd.to_numeric(frame[column]).astype(object).where(frame[column] != "", None)
            typed.to_excel(writer, sheet_name=name, index=False)
        pd.DataFrame({"key": ["horizon", "start_date"], "value": [26, dt.datetime(2026, 1, 5)]}).to_excel(
            writer, sheet_name="settings", index=False)
    return buffer.getvalue()


CELL_VALUES = (st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(-1e20, 1e20)
               | st.dates() | st.datetimes() | st.times()
               | st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=6)  # what a cell holds
               | st.sampled_from(["#N/A", "#DIV/0!", "=A1*2", "1,5", " 3 ", "none"]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_workbook_cell_set_to_anything_is_read_or_named_never_an_internal_error(tmp_path, data):
    """The law above for a workbook, whose cells hold numbers, dates, times, true/false and
    errors as well as text."""
    book = openpyxl.load_workbook(io.BytesIO(demo_workbook()))
    changed = {}
    for _ in range(data.draw(st.integers(1, 3))):
        sheet = book[data.draw(st.sampled_from(book.sheetnames))]
        row, column = data.draw(st.integers(2, sheet.max_row)), data.draw(st.integers(1, sheet.max_column))
        value = data.draw(CELL_VALUES)
        cell = sheet.cell(row, column)
        cell.value = value
        if isinstance(value, str) and value.startswith("#"):
            cell.data_type = "e"
        changed[sheet.title, row, sheet.cell(1, column).value] = value
    path = tmp_path / f"case{len(list(tmp_path.iterdir()))}.xlsx"
    book.save(path)
    try:
        replan.load(path)
    except InputError as error:
        assert all(p.table in {*TABLES, "settings", "input"} and (p.row is None or p.row >= 1)
                   for p in error.problems) and str(error)
        return
    for (name, _, column), value in changed.items():
        if name in TABLES and TABLES[name].column(column).kind in ("number", "whole") and value is not None:
            text = str(value).strip()
            limit = TABLES[name].column(column).default is NONE and text.lower() == "none"
            assert not isinstance(value, (bool, dt.date, dt.time)), (name, column, value)
            assert limit or text == "" or math.isfinite(float(text)), (name, column, value)
