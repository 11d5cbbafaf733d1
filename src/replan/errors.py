"""What can go wrong with an input, said so a planner can fix it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a look) in the input.

    `row` is the row as the user sees it: the CSV line with the header as
    line 1, or the worksheet row. It is None for a problem of a whole table,
    column or setting.
    """

    table: str
    row: int | None
    column: str | None
    value: str | None
    expected: str
    severity: str = "error"

    def __str__(self) -> str:
        where = self.table
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        got = "" if self.value is None else f" (got {self.value!r})"
        return f"{where}: expected {self.expected}{got}"


class InputError(Exception):
    """The input cannot be planned; `problems` lists every reason at once, then the warnings
    found on the way (a file read in another encoding, a column ignored), which often say why."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: p.severity != "error")  # stable
        count = sum(p.severity == "error" for p in self.problems)
        lines = "\n".join(f"  - {'' if p.severity == 'error' else 'warning: '}{p}" for p in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the input:\n{lines}")

    def table(self) -> pd.DataFrame:
        """The problems as a table (table, row, column, value, expected, severity)."""
        return pd.DataFrame([asdict(p) for p in self.problems],
                            columns=["table", "row", "column", "value", "expected", "severity"])


def any_errors(problems: list[Problem]) -> bool:
    """Whether any of `problems` is an error, not a warning."""
    return any(p.severity == "error" for p in problems)
