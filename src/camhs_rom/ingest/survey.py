"""Study 2 responses: read, validate and clean, with every change written to the audit log.

Accepted inputs
---------------
- CSV or TSV, one row per respondent, answers as codes (``4``) or as the spec's text
  labels (``Strongly agree``, matched ignoring case and surrounding spaces). Survey
  platform exports are read as they come: extra header rows below the column names (the
  question wording, import ids) are recognised by what they hold (text differing from item
  to item and no number, label or missing code in any item cell; see
  :func:`camhs_rom.ingest.survey_columns.is_header_row`) and dropped, never because an answer is invalid; columns the spec does not mention (timestamps, consent,
  free text) are left out and listed once in the audit log.
- SPSS ``.sav``: value labels are honoured (a group or frequency code is read through its
  label; an item whose label names a different code on the spec's scale is recoded).

Clean tables
------------
``responses_coded.csv``: one row per respondent, answers as observed (codes on the spec's
scale, not reverse-keyed, blank = missing). ``responses_scored.csv``: the same
respondents with reverse-keyed items scored ``min + max - x`` and the spec's missing-data
rule applied; columns ``n_missing_<subscale>`` and ``scorable_<subscale>`` say, per
respondent and subscale, how many answers were missing and whether a subscale score may
be formed. Both start with ``respondent_id``, ``source_row``, ``group``, ``frequency``,
``frequency_code`` and the covariates; the column list is in ``docs/outputs.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from camhs_rom.core.audit import AuditLog, neutralise_logged
from camhs_rom.core.errors import InputError, quote_list
from camhs_rom.core.tables import PLAIN_NUMBER, read_delimited, read_sav
from camhs_rom.ingest.survey_checks import check_answered, check_scorable
from camhs_rom.ingest.survey_columns import check_cell_lengths, clean_covariate, count_extra_header_rows
from camhs_rom.instruments.questionnaire import Questionnaire, normalise_label, raw_value_keys

MISSING_METHODS = ("person_mean", "listwise")  # see score_items


_INTEGER = re.compile(r"^[+-]?\d+(\.0*)?$")


@dataclass
class CleanResponses:
    """The result of :func:`clean_responses`."""
    coded: pd.DataFrame
    scored: pd.DataFrame
    audit: pd.DataFrame


def _format_number(value) -> str:
    if pd.isna(value):
        return ""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def read_responses(path: str | Path, questionnaire: Questionnaire, audit: AuditLog) -> tuple[pd.DataFrame, list[str]]:
    """Read a responses file as text cells; return it with each row's location for messages.

    ``.sav`` files are converted to text here (value labels applied as described in the
    module docstring, each change logged), so that one cleaning path serves every format.
    """
    path = Path(path)
    if path.suffix.lower() == ".sav":
        frame, value_labels = read_sav(path)
        rows = [f"case {i + 1}" for i in range(len(frame))]
        return _sav_as_text(frame, value_labels, questionnaire, path, rows, audit), rows
    return read_delimited(path, audit=audit)  # rows numbered as in a spreadsheet: the header is row 1


def _sav_as_text(frame, value_labels, q: Questionnaire, path, rows, audit: AuditLog) -> pd.DataFrame:
    out = {}
    group_keys = {key for values in q.group_levels.values() for v in values for key in raw_value_keys(v)}
    level_keys = {normalise_label(level) for level in q.frequency_levels}
    item_ids = {item.source_column for item in q.items}
    for col in frame.columns:
        series = frame[col]
        numeric = pd.api.types.is_numeric_dtype(series)
        text = series.map(_format_number) if numeric else series.fillna("").astype(str)
        labels = value_labels.get(col) or {}
        if labels:
            before = text.copy()
            for code, label in labels.items():
                code_text = _format_number(code) if numeric else str(code)
                hits = before == code_text
                if not hits.any():
                    continue
                if col in item_ids:
                    target = q.labels.get(normalise_label(label))
                    if target is None or str(target) == code_text:
                        continue
                    text = text.mask(hits, str(target))
                elif col == q.group_column:
                    if code_text.lower() in group_keys:
                        continue
                    text = text.mask(hits, str(label))
                elif col == q.frequency_column:
                    if normalise_label(label) not in level_keys:
                        continue
                    text = text.mask(hits, str(label))
                else:
                    text = text.mask(hits, str(label))
            changed = before != text
            if changed.any():
                idx = np.flatnonzero(changed.to_numpy())
                audit.add_many(path, [rows[i] for i in idx], col, before.iloc[idx], text.iloc[idx], "sav_value_label")
        out[col] = text
    return pd.DataFrame(out)


def _answer_map(values: pd.Series, q: Questionnaire) -> tuple[dict, dict]:
    """Map each distinct raw answer to its code; return (mapping, {raw: problem}) for bad ones."""
    mapping, bad = {}, {}
    for raw in pd.unique(values):
        text = str(raw).strip()
        if text == "" or normalise_label(text) in q.missing_values:
            mapping[raw] = np.nan
        elif _INTEGER.match(text):
            code = int(float(text))
            if q.scale_min <= code <= q.scale_max:
                mapping[raw] = code
            else:
                bad[raw] = "outside the scale"
        elif PLAIN_NUMBER.match(text):
            bad[raw] = "not a whole number"
        elif normalise_label(text) in q.labels:
            mapping[raw] = q.labels[normalise_label(text)]
        else:
            bad[raw] = "not one of the scale's labels"
    return mapping, bad


def _answer_expected(q: Questionnaire) -> str:
    expected = f"a whole number from {q.scale_min} to {q.scale_max}"
    if q.labels:
        expected += f" or one of the labels {quote_list(q.labels)}"
    if q.missing_values:
        expected += f" or a missing-value code {quote_list(sorted(q.missing_values))}"
    return expected + ", or blank for missing"


def clean_responses(path: str | Path, questionnaire: Questionnaire) -> CleanResponses:
    """Read, validate and clean one responses file against its questionnaire spec.

    Raises :class:`InputError` on the first problem: a column the spec names but the file
    lacks, a blank or duplicate respondent id, an answer outside the scale or not one of
    its labels, a group value the spec does not map, a frequency value not among its
    levels. Nothing is written here; the caller writes the tables only on success.
    """
    q = questionnaire
    audit = AuditLog()
    frame, rows = read_responses(path, q, audit)

    missing = [c for c in q.columns if c not in frame.columns]
    if missing:
        raise InputError(
            path,
            "header",
            f"no column {quote_list(missing)}",
            f"every column the questionnaire spec {q.path} names (columns present: {quote_list(frame.columns)})",
        )
    for col in frame.columns:
        if col not in q.columns:
            audit.add(path, "", col, "", "", "column_not_in_spec")
    # from here on the frame holds the spec's columns only, each item under its id
    frame = frame[q.columns].rename(columns=q.renamed_columns)
    for column, item in q.renamed_columns.items():
        audit.add(path, "*", column, column, item, "column_renamed_to_item_id")

    check_cell_lengths(frame, rows, q, path)
    if _is_delimited(path):
        n_extra = count_extra_header_rows(frame, q)
        for i in range(n_extra):
            audit.add(path, rows[i], q.id_column, frame[q.id_column].iloc[i], "", "extra_header_row_dropped")
        frame, rows = frame.iloc[n_extra:].reset_index(drop=True), rows[n_extra:]
        if frame.empty:
            raise InputError(path, "file", "header rows but no respondents", "at least one row of answers")

    ids = _clean_ids(frame[q.id_column], rows, q, path, audit)
    coded = pd.DataFrame({"respondent_id": ids, "source_row": rows})
    coded["group"] = _clean_group(frame[q.group_column], rows, q, path, audit)
    if q.frequency_column:
        coded["frequency"], coded["frequency_code"] = _clean_frequency(frame[q.frequency_column], rows, q, path, audit)
        if coded["frequency"].isna().all():
            raise InputError(
                path, f"column {q.frequency_column}", f"no answer in any of the {len(coded)} rows",
                "answers from at least some respondents: check the column, or leave frequency out of the questionnaire spec (claim S2-F is then not testable)",
            )
    for col in q.covariates:
        coded[col] = clean_covariate(frame[col], rows, path, col, audit, q.covariate_types.get(col))
    expected = _answer_expected(q)
    for item in q.item_ids:
        raw = frame[item]
        mapping, bad = _answer_map(raw, q)
        if bad:
            first = next(i for i, v in enumerate(raw) if v in bad)
            value = raw.iloc[first]
            raise InputError(path, f"row {rows[first]}, column {item}", f"{value!r} ({bad[value]})", expected)
        codes = raw.map(mapping).astype("Int64")
        changed = (raw.str.strip() != codes.astype("string").fillna("")).to_numpy() & codes.notna().to_numpy()
        idx = np.flatnonzero(changed)
        if len(idx):
            audit.add_many(path, [rows[i] for i in idx], item, raw.iloc[idx], codes.iloc[idx], "label_to_code")
        declared = np.flatnonzero(((raw.str.strip() != "") & codes.isna()).to_numpy())
        if len(declared):
            audit.add_many(path, [rows[i] for i in declared], item, raw.iloc[declared], [""] * len(declared), "declared_missing")
        coded[item] = codes

    coded = neutralise_logged(coded, rows, path, audit, {"respondent_id": q.id_column, "group": q.group_column, "frequency": q.frequency_column})
    check_answered(coded, q, path)
    scored = score_items(coded, q, path, audit)
    check_scorable(scored, q, path)
    return CleanResponses(coded=coded, scored=scored, audit=audit.to_frame())


def _is_delimited(path) -> bool:
    return Path(path).suffix.lower() != ".sav"


def _clean_ids(raw: pd.Series, rows, q: Questionnaire, path, audit: AuditLog) -> pd.Series:
    ids = raw.astype(str).str.strip()
    blank = np.flatnonzero((ids == "").to_numpy())
    if len(blank):
        raise InputError(path, f"row {rows[blank[0]]}, column {q.id_column}", "a blank respondent id", "a unique id for every respondent")
    trimmed = np.flatnonzero((ids != raw.astype(str)).to_numpy())
    if len(trimmed):
        audit.add_many(path, [rows[i] for i in trimmed], q.id_column, raw.iloc[trimmed], ids.iloc[trimmed], "whitespace_trimmed")
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        first = np.flatnonzero(dup)[0]
        again = [rows[i] for i in np.flatnonzero((ids == ids.iloc[first]).to_numpy())]
        raise InputError(
            path, f"rows {', '.join(again)}, column {q.id_column}", f"respondent id {ids.iloc[first]!r} {len(again)} times", "each respondent id once"
        )
    return ids


def _recode(raw: pd.Series, rows, lookup: dict, path, column, audit: AuditLog, rule: str, found_suffix: str, expected: str) -> pd.Series:
    """Map each raw value, matched by :func:`normalise_label`, through ``lookup``; blank stays missing.

    An unknown value raises :class:`InputError` at its first row; every value that
    changes is logged under ``rule``.
    """
    mapping = {}
    for value in pd.unique(raw):
        text = normalise_label(value)
        if text == "":
            mapping[value] = pd.NA
        elif text in lookup:
            mapping[value] = lookup[text]
        else:
            first = next(i for i, v in enumerate(raw) if v == value)
            raise InputError(path, f"row {rows[first]}, column {column}", f"{value!r}{found_suffix}", expected)
    recoded = raw.map(mapping).astype("string")
    changed = np.flatnonzero((recoded.fillna("") != raw).to_numpy())
    if len(changed):
        audit.add_many(path, [rows[i] for i in changed], column, raw.iloc[changed], recoded.iloc[changed], rule)
    return recoded


def _clean_group(raw: pd.Series, rows, q: Questionnaire, path, audit: AuditLog) -> pd.Series:
    owner = {key: group for group, values in q.group_levels.items() for v in values for key in raw_value_keys(v)}
    accepted = {g: list(v) for g, v in q.group_levels.items()}
    return _recode(
        raw, rows, owner, path, q.group_column, audit, "group_recoded",
        ", which the spec maps to no group", f"a value listed under group.levels {accepted} (or blank for unknown)",
    )


def _clean_frequency(raw: pd.Series, rows, q: Questionnaire, path, audit: AuditLog):
    canon = {normalise_label(level): level for level in q.frequency_levels}
    levels = _recode(
        raw, rows, canon, path, q.frequency_column, audit, "frequency_level_matched",
        "", f"one of the frequency levels {quote_list(q.frequency_levels)} (ignoring case), or blank",
    )
    order = {level: k + 1 for k, level in enumerate(q.frequency_levels)}
    return levels, levels.map(order, na_action="ignore").astype("Int64")


def prorate(values: np.ndarray, method: str, max_missing_share: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One subscale's keyed answers (respondents x items, NaN missing) after the missing-data rule.

    Returns the answers with person-mean imputations filled in (a copy), the number missing
    per respondent, whether the subscale is scorable, and the mean each respondent's gaps
    were filled with (NaN where none was). :func:`score_items` applies it to a table; the
    power simulation applies it to simulated arrays, so both follow one rule.
    """
    miss = np.isnan(values)
    n_miss = miss.sum(axis=1)
    k = values.shape[1]
    means = np.full(len(values), np.nan)
    if method == "person_mean":
        scorable = (n_miss / k <= max_missing_share) & (n_miss < k)
        fill = scorable & (n_miss > 0)
        if fill.any():
            means[fill] = np.nanmean(values[fill], axis=1)
            return np.where(miss & fill[:, None], means[:, None], values), n_miss, scorable, means
    else:
        scorable = n_miss == 0
    return values.copy(), n_miss, scorable, means


def score_items(coded: pd.DataFrame, q: Questionnaire, path, audit: AuditLog) -> pd.DataFrame:
    """Reverse-key items and apply the spec's missing-data rule, per subscale.

    Reverse-keyed items are scored ``min + max - x``. Then, for each respondent and
    subscale with ``k`` items of which ``m`` are missing:

    - ``person_mean``: if ``m / k <= max_missing_share`` (and ``m < k``) each missing
      answer is replaced by the mean of the respondent's answered items of that subscale
      (after reverse keying), so a subscale mean is the mean of the answered items
      (pro-rating); otherwise the answers stay missing and the subscale is not scorable.
    - ``listwise``: nothing is imputed; the subscale is scorable only if ``m = 0``.

    Every reversed column, imputed answer and unscorable subscale is logged.
    """
    scored = coded.copy()
    scored[q.item_ids] = q.keyed_items(coded)
    rows = coded["source_row"].tolist()
    counts = {}  # n_missing_ and scorable_ columns, added at the end in one step (column by column fragments a wide frame)
    for item in q.items:
        if item.reverse:
            audit.add(path, "*", item.id, "x", f"{q.scale_min + q.scale_max} - x", "reverse_keyed")
    rule = "missing_above_max_share" if q.missing_method == "person_mean" else "listwise_not_scorable"
    for subscale in q.subscales:
        cols = [item.id for item in q.items_of(subscale)]
        raw = scored[cols].astype("float64").to_numpy()
        values, n_miss, scorable, means = prorate(raw, q.missing_method, q.max_missing_share)
        k = len(cols)
        for j, col in enumerate(cols):
            target = np.flatnonzero(np.isnan(raw[:, j]) & ~np.isnan(values[:, j]))
            if len(target):
                audit.add_many(path, [rows[i] for i in target], col, [""] * len(target), [f"{m:.10g}" for m in means[target]], "person_mean_imputed")
        scored[cols] = values
        dropped = np.flatnonzero(~scorable)
        if len(dropped):
            audit.add_many(
                path, [rows[i] for i in dropped], f"scorable_{subscale}", [f"{n_miss[i]} of {k} answers missing" for i in dropped], ["False"] * len(dropped), rule
            )
        counts[f"n_missing_{subscale}"] = n_miss
        counts[f"scorable_{subscale}"] = scorable
    return pd.concat([scored, pd.DataFrame(counts, index=scored.index)], axis=1)


def read_clean(path: str | Path) -> pd.DataFrame:
    """Read a clean Study 2 table (responses or subscale scores) with ids and labels kept as text."""
    return pd.read_csv(path, dtype={"respondent_id": str, "group": "string", "frequency": "string", "source_row": str})
