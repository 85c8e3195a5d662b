"""The columns of a responses file beside the items: survey header rows, cell lengths, covariates.

Survey platforms put the question wording or import ids under the column names; those
rows are recognised by what they hold and dropped (:func:`count_extra_header_rows`). The
id, group, frequency and covariate columns are bounded in length
(:func:`check_cell_lengths`), and a covariate is numeric in every cell or text in every
cell, as the spec declares or, undeclared, as its cells agree (:func:`clean_covariate`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from camhs_rom.core.audit import AuditLog
from camhs_rom.core.errors import InputError, clip
from camhs_rom.core.tables import PLAIN_NUMBER
from camhs_rom.instruments.questionnaire import Questionnaire, normalise_label

MAX_EXTRA_HEADER_ROWS = 5


MAX_CELL_CHARS = 1000  # an id, group, frequency or covariate cell; longer text is read in columns the spec does not use


def is_header_row(row: pd.Series, q: Questionnaire) -> bool:
    """Whether a row below the column names is a survey platform's header row, by what such rows hold.

    Qualtrics, SurveyMonkey and others put the question wording, or import ids
    (``{"ImportId":"QID3_1"}``), under the column names: text that differs from item to
    item and is no answer at all. A respondent's row never looks like that, however wrong
    its answers: a number in any item cell (``7`` off the scale, ``0``), a scale label or a
    missing-value code makes it a respondent, and so does the same text in every cell
    (``Agree a lot`` throughout). Such a row then stops the run like any other bad row;
    an off-scale answer is never a reason to drop a respondent.
    """
    cells = [str(c).strip() for c in row[q.item_ids]]
    filled = [c for c in cells if c]
    for c in filled:
        key = normalise_label(c)
        if PLAIN_NUMBER.match(c.replace(",", ".")) or key in q.labels or key in q.missing_values:
            return False
    respondent_id = str(row[q.id_column]).strip()
    if respondent_id.startswith('{"ImportId"'):
        return True
    if not filled:
        return False
    wording = any(normalise_label(c) == normalise_label(item.text) for c, item in zip(cells, q.items, strict=True))
    distinct = len(filled) >= min(2, len(cells)) and len(set(filled)) == len(filled)
    return wording or distinct or not respondent_id  # a respondent's row has an id; SurveyMonkey's second row has none


def count_extra_header_rows(frame: pd.DataFrame, q: Questionnaire) -> int:
    """Leading rows that are survey-platform header rows (:func:`is_header_row`), at most :data:`MAX_EXTRA_HEADER_ROWS`."""
    n = 0
    for _, row in frame.head(MAX_EXTRA_HEADER_ROWS).iterrows():
        if not is_header_row(row, q):
            break
        n += 1
    return n


def check_cell_lengths(frame: pd.DataFrame, rows, q: Questionnaire, path) -> None:
    """Stop on a cell over :data:`MAX_CELL_CHARS` in a column the spec uses other than an item (items are checked as answers)."""
    for col in [q.id_column, q.group_column, q.frequency_column, *q.covariates]:
        if not col:
            continue
        lengths = frame[col].str.len().to_numpy()
        if (lengths > MAX_CELL_CHARS).any():
            i = int(np.flatnonzero(lengths > MAX_CELL_CHARS)[0])
            raise InputError(
                path, f"row {rows[i]}, column {col}", f"a cell of {lengths[i]:,} characters",
                f"at most {MAX_CELL_CHARS:,} characters in a column the spec uses (long free text may stay in columns the spec does not name)",
            )


MAX_COVARIATE = 1e15  # beyond this a covariate is no measurement (a pasted id, a 400-digit cell): refused


def clean_covariate(raw: pd.Series, rows, path, column, audit: AuditLog, kind: str | None = None) -> pd.Series:
    """A covariate column, trimmed: numbers when ``kind`` is ``numeric`` (or, undeclared, when every filled cell is one).

    A numeric covariate is a finite number of at most :data:`MAX_COVARIATE` in every filled
    cell; a decimal comma is read only in a semicolon-delimited file (the reader converts
    it there). An undeclared covariate whose cells mix numbers and text stops the run: one
    ``7,5`` among numbers would otherwise turn the column into as many categories as values.
    ``categorical`` keeps every cell as text.
    """
    text = raw.astype(str).str.strip()
    trimmed = np.flatnonzero((text != raw.astype(str)).to_numpy())
    if len(trimmed):
        audit.add_many(path, [rows[i] for i in trimmed], column, raw.iloc[trimmed], text.iloc[trimmed], "whitespace_trimmed")
    text = text.mask(text == "")
    filled = text.dropna()
    if kind == "categorical" or filled.empty:
        return text.astype("string")
    numbers = filled.str.match(PLAIN_NUMBER)
    if kind is None and not numbers.any():
        return text.astype("string")
    declared = kind == "numeric"
    expected = ("a number in every filled cell (decimals written with a point: a decimal comma is read only in a semicolon-delimited file), or blank"
                + ("" if declared else f"; or declare the covariate {{column: {column}, type: categorical}} in the spec if it is a category"))
    if not numbers.all():
        first = filled.index[np.flatnonzero(~numbers.to_numpy())[0]]
        value = filled.loc[first]
        what = "a decimal comma" if re.fullmatch(r"[+-]?\d+,\d+", value) else "not a number"
        share = "" if declared else f", in a column with {int(numbers.sum())} numbers of {len(filled)} filled cells"
        raise InputError(path, f"row {rows[first]}, column {column}", f"{clip(repr(value), 40)} ({what}{share})", expected)
    values = filled.astype(float)
    bad = ~np.isfinite(values.to_numpy()) | (values.abs().to_numpy() > MAX_COVARIATE)
    if bad.any():
        first = filled.index[np.flatnonzero(bad)[0]]
        raise InputError(path, f"row {rows[first]}, column {column}", f"{clip(repr(filled.loc[first]), 40)} (not a finite number of at most 1e15)", expected)
    return pd.to_numeric(text)
