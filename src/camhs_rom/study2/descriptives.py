"""Study 2 description: the sample, frequency of use, and the items.

Tables (tidy CSV):

- ``sample.csv``: variable, level, n, pct: the group and every text covariate (team,
  profession, ...), percentages of all respondents, missing shown as level ``(missing)``.
- ``sample_numeric.csv``: variable, n, mean, sd, median, min, max: numeric covariates
  (years qualified).
- ``frequency_of_use.csv``: level, n, pct, ci_low, ci_high, code, n_answered: each
  frequency level in the spec's order; ``pct`` and its Wilson (1927) score interval, in
  percent of those who answered the item (:func:`wilson_interval`).
- ``item_descriptives.csv``: item, subscale, theme, reverse, n, missing_pct, mean, sd,
  skew, floor_pct, ceiling_pct, item_rest_r: answers as given (not reverse-keyed); skew
  is the adjusted Fisher-Pearson coefficient (scipy ``skew(bias=False)``, as SPSS);
  floor and ceiling are the shares at the scale's minimum and maximum; ``item_rest_r`` is
  the corrected item-total correlation with the rest of its subscale, on scored
  (reverse-keyed) items of complete cases.
- ``response_distribution.csv``: item, subscale, code, label, n, pct: for the diverging
  bar chart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from camhs_rom.instruments.questionnaire import Questionnaire
from camhs_rom.stats.proportions import wilson_interval
from camhs_rom.stats.reliability import item_rest_correlations

MISSING_LEVEL = "(missing)"


FREQUENCY_COLUMNS = ["level", "n", "pct", "ci_low", "ci_high", "code", "n_answered"]


def sample_description(coded: pd.DataFrame, q: Questionnaire) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts of the group, the cluster and text covariates; summaries of numeric covariates.

    ``role`` says what each counted variable is: ``group``, ``cluster`` (the spec's
    ``cluster`` column, counted as labels even when coded as numbers) or ``covariate``.
    """
    n = len(coded)
    rows, numeric = [], []
    for variable in ["group", *q.covariates]:
        values = coded[variable]
        role = "group" if variable == "group" else ("cluster" if variable == q.cluster_column else "covariate")
        if role == "cluster" and pd.api.types.is_numeric_dtype(values):
            values = values.map(lambda v: v if pd.isna(v) else f"{v:g}")
        elif role == "covariate" and pd.api.types.is_numeric_dtype(values):
            v = values.dropna().astype(float)
            numeric.append([variable, len(v), v.mean(), v.std(ddof=1), v.median(), v.min(), v.max()])
            continue
        counts = values.astype("string").fillna(MISSING_LEVEL).value_counts(sort=False)
        order = list(q.group_levels) if variable == "group" else sorted(c for c in counts.index if c != MISSING_LEVEL)
        order += [MISSING_LEVEL] if MISSING_LEVEL in counts.index else []
        for level in order:
            k = int(counts.get(level, 0))
            rows.append([variable, level, k, 100 * k / n, role])
    return (
        pd.DataFrame(rows, columns=["variable", "level", "n", "pct", "role"]),
        pd.DataFrame(numeric, columns=["variable", "n", "mean", "sd", "median", "min", "max"]),
    )


def frequency_of_use(coded: pd.DataFrame, q: Questionnaire, ci: float = 0.95) -> pd.DataFrame:
    """Respondents per frequency level, with Wilson score intervals, in percent of those who answered."""
    answered = coded["frequency"].dropna()
    total = len(answered)
    rows = []
    for code, level in enumerate(q.frequency_levels, start=1):
        k = int((answered == level).sum())
        low, high = wilson_interval(k, total, ci) if total else (np.nan, np.nan)
        rows.append([level, k, 100 * k / total if total else np.nan, 100 * low, 100 * high, code, total])
    return pd.DataFrame(rows, columns=FREQUENCY_COLUMNS)


def scored_matrix(scored: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    """Scored answers of ``items`` for the respondents with all of them (after the missing-data rule)."""
    return scored[items].astype(float).dropna()


def item_descriptives(coded: pd.DataFrame, scored: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Per item: n, % missing, mean, SD, skew, floor and ceiling %, item-rest r within its subscale."""
    rest = {}
    for subscale in q.subscales:
        items = [i.id for i in q.items_of(subscale)]
        if len(items) > 1:
            rest.update(item_rest_correlations(scored_matrix(scored, items)).to_dict())
    rows = []
    for item in q.items:
        values = coded[item.id].astype(float)
        answered = values.dropna()
        rows.append(
            [
                item.id,
                item.subscale,
                item.theme or "",
                item.reverse,
                len(answered),
                100 * values.isna().mean(),
                answered.mean(),
                answered.std(ddof=1),
                stats.skew(answered, bias=False) if answered.nunique() > 1 else np.nan,
                100 * (answered == q.scale_min).mean(),
                100 * (answered == q.scale_max).mean(),
                rest.get(item.id, np.nan),
            ]
        )
    columns = ["item", "subscale", "theme", "reverse", "n", "missing_pct", "mean", "sd", "skew", "floor_pct", "ceiling_pct", "item_rest_r"]
    return pd.DataFrame(rows, columns=columns)


def response_distribution(coded: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Share of answers at each scale point, per item (answers as given)."""
    label_of = {code: label for label, code in q.labels.items()}
    rows = []
    for item in q.items:
        answered = coded[item.id].dropna().astype(int)
        for code in range(q.scale_min, q.scale_max + 1):
            k = int((answered == code).sum())
            rows.append([item.id, item.subscale, code, label_of.get(code, str(code)), k, 100 * k / len(answered) if len(answered) else np.nan])
    return pd.DataFrame(rows, columns=["item", "subscale", "code", "label", "n", "pct"])
