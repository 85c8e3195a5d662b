"""The disclosure check a site summary must pass before it is written.

Statistical disclosure control for tables of counts (the threshold rule of, e.g., the
Eurostat/ESSnet *Handbook on Statistical Disclosure Control*, 2010, ch. 5, and the UK
Office for National Statistics' guidance: no cell counting fewer than a minimum number of
people, commonly 5, except zero) and the two ways a summary could carry a person's data
itself:

``minimum count``
    every cell counting people (:data:`camhs_rom.consortium.summary.PERSON_COUNTS`: group
    sizes, frequency counts, the respondents behind a coefficient or a covariance matrix,
    participants voicing a theme) is 0 or at least ``min_count``; a mean, SD, alpha or
    covariance therefore always rests on at least ``min_count`` people. Counts of coded
    passages (``study1_agreement.n_units``) count text, not people, and are not checked;
``no free text``
    every text cell is a name from the site's instruments (subscale, item, group, level,
    theme ids) or an agreement measure's name, so no answer or quote can be carried;
``no identifiers``
    no text cell equals a respondent or participant id of the site's data;
``one row per label``
    each table has at most one row per label combination, so no table lists individuals.

The verdict is one row per check and table (``disclosure.csv``); a failing cell is named by
its table, column and row labels and "below the minimum", never by its value.
"""

from __future__ import annotations

import pandas as pd

from camhs_rom.consortium.summary import LABEL_COLUMNS, MOMENTS, PERSON_COUNTS

DISCLOSURE_COLUMNS = ["check", "table", "cells", "failures", "passed", "detail"]
AGREEMENT_MEASURES = {"cohen_kappa", "krippendorff_alpha", "percent_agreement", "fleiss_kappa"}
MAX_NAMED = 5  # failing cells named in a row's detail


def _row_name(frame: pd.DataFrame, index, table: str) -> str:
    labels = [f"{c} {frame.at[index, c]!r}" for c in LABEL_COLUMNS.get(table, []) if c in frame]
    return ", ".join(labels) or f"row {index + 1}"


def _row(check: str, table: str, cells: int, failures: list[str], detail_ok: str) -> list:
    named = "; ".join(failures[:MAX_NAMED]) + (f"; and {len(failures) - MAX_NAMED} more" if len(failures) > MAX_NAMED else "")
    return [check, table, cells, len(failures), not failures, named if failures else detail_ok]


def check_summary(tables: dict[str, pd.DataFrame], vocabulary: dict[str, set[str]], identifiers: set[str], min_count: int) -> pd.DataFrame:
    """The verdict of each check on each table (columns :data:`DISCLOSURE_COLUMNS`).

    ``vocabulary``: per label column name (``subscale``, ``group``, ``level``, ``item``, ``theme``), the
    names the site's instruments define; ``identifiers``: the respondent and participant ids of the data.
    """
    rows = []
    for table, frame in tables.items():
        counts = [c for c in PERSON_COUNTS.get(table, []) if c in frame]
        failures = []
        for column in counts:
            for index, value in frame[column].items():
                if pd.notna(value) and 0 < float(value) < min_count:
                    failures.append(f"{column} of {_row_name(frame, index, table)} is below the minimum")
        cells = sum(frame[c].notna().sum() for c in counts)
        rows.append(_row("minimum count", table, int(cells), failures, f"every count of people is 0 or at least {min_count}"))

        labels = [c for c in LABEL_COLUMNS.get(table, []) if c in frame]
        free, named = [], []
        for column in labels:
            allowed = AGREEMENT_MEASURES if column == "measure" else vocabulary.get(column, set()) | ({"all"} if column == "theme" else set())
            for index, value in frame[column].items():
                if str(value) not in allowed:
                    free.append(f"{column} in row {index + 1} is not a name the instruments define")
                if str(value) in identifiers:
                    named.append(f"{column} in row {index + 1} is an id of the data")
        numeric = [c for c in frame.columns if c not in labels]
        for column in numeric:
            if not pd.api.types.is_numeric_dtype(frame[column]) and frame[column].notna().any():
                free.append(f"column {column} holds text where numbers belong")
        rows.append(_row("no free text", table, int(frame.size), free, "every text cell is a name from the instruments"))
        rows.append(_row("no identifiers", table, int(sum(frame[c].size for c in labels)), named, "no cell is a respondent or participant id"))
        keys = ["item"] if table == MOMENTS else labels
        duplicated = frame.duplicated(subset=keys, keep=False) if keys else pd.Series(len(frame) > 1, index=frame.index)
        repeated = [f"{_row_name(frame, i, table)} appears more than once" for i in frame.index[duplicated]]
        rows.append(_row("one row per label", table, len(frame), repeated, "no table lists individuals"))
    return pd.DataFrame(rows, columns=DISCLOSURE_COLUMNS)


def passed(verdict: pd.DataFrame) -> bool:
    return bool(len(verdict) and verdict["passed"].astype(str).eq("True").all())


def failures_in_words(verdict: pd.DataFrame) -> str:
    """The failed checks in one sentence (for a log line or an error message)."""
    bad = verdict[~verdict["passed"].astype(str).eq("True")]
    return "; ".join(f"{r['check']} in {r['table']}: {r['detail']}" for r in bad.to_dict("records"))
