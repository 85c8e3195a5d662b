"""The cleaning audit log: one row per change made to the user's data.

Columns (``results/clean/audit_log.csv``):

``file``
    The input file the value came from, as given in the config.
``row``
    Where in it: the spreadsheet row number for delimited files (the header is row 1), the
    case number for ``.sav`` files, the selection for ``.qdpx`` files; ``*`` when a change
    applies to every row of a column; empty for a note about a whole column.
``column``
    The column (or key) changed.
``before``, ``after``
    The value as read and the value written to the clean table (empty = missing).
``rule``
    Which cleaning rule made the change; the rules are listed in ``docs/outputs.md``.

Inputs are never modified: the log describes how the clean tables under ``results/``
differ from them.
"""

from __future__ import annotations

import pandas as pd

from camhs_rom.core.tables import neutralise_formulas

AUDIT_COLUMNS = ["file", "row", "column", "before", "after", "rule"]


def _texts(values) -> list[str]:
    """Each value as text, missing values (None, NaN, pd.NA) as ``""``; vectorised (millions of rows at 100,000 respondents)."""
    series = pd.Series(values.to_numpy(dtype=object) if isinstance(values, pd.Series) else list(values), dtype=object)
    return series.map(str).where(series.notna(), "").tolist()


class AuditLog:
    """Collects audit rows in the order the changes are made."""
    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []

    def add(self, file, row, column, before, after, rule) -> None:
        """Record one change."""
        self.add_many(file, [row], column, [before], [after], rule)

    def add_many(self, file, rows, column, before, after, rule) -> None:
        """Record one change per element of ``rows``/``before``/``after`` (same lengths)."""
        rows = list(rows)
        if not rows:
            return
        part = pd.DataFrame(
            {
                "file": str(file),
                "row": [str(r) for r in rows],
                "column": str(column),
                "before": _texts(before),
                "after": _texts(after),
                "rule": rule,
            },
            columns=AUDIT_COLUMNS,
        )
        self._parts.append(part)

    def to_frame(self) -> pd.DataFrame:
        if not self._parts:
            return pd.DataFrame(columns=AUDIT_COLUMNS)
        return pd.concat(self._parts, ignore_index=True)

    def __len__(self) -> int:
        return sum(len(p) for p in self._parts)


class DiscardedAudit(AuditLog):
    """An audit log that records nothing.

    For re-scoring data that are not an input file (the simulated data sets of the power
    stage, the multiverse's alternative missing-data rules): no one reads those changes,
    and recording them would cost more than the scoring itself.
    """

    def add_many(self, file, rows, column, before, after, rule) -> None:
        return None


def neutralise_logged(frame: pd.DataFrame, rows: list[str], file, audit: AuditLog, columns: dict[str, str] | None = None) -> pd.DataFrame:
    """``frame`` with spreadsheet formulas neutralised (:func:`~camhs_rom.core.tables.neutralise_formulas`),
    each change logged under ``formula_neutralised`` at its row (``rows[i]`` for position ``i``)
    and column (renamed back through ``columns`` to the name the input file uses)."""
    frame, changes = neutralise_formulas(frame)
    columns = columns or {}
    for i, column, before, after in changes:
        audit.add(file, rows[i], columns.get(column, column), before, after, "formula_neutralised")
    return frame
