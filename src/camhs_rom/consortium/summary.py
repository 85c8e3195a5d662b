"""A site's summary: the aggregate statistics a consortium pools, and nothing about any one person.

Every run writes ``results/site_summary/`` (:mod:`camhs_rom.consortium.steps`). Its tables,
each with fixed columns (:data:`TABLES`):

``study2_groups.csv``
    per subscale and compared group: n, mean, SD of the subscale scores (the numbers of
    ``group_descriptives.csv``), from which each site's Hedges g is computed;
``study2_frequency.csv``
    per frequency level: how many respondents gave it, of how many who answered;
``study2_reliability.csv``
    per subscale: items, respondents, Cronbach's alpha (``reliability.csv``);
``study2_moments.csv``
    the item means and covariance matrix (divisor n) of the respondents the factor analysis
    and the ML CFA use, with n: enough to fit any ML model of the items exactly;
``study1_themes.csv``
    per codebook theme: participants who voiced it, of how many; focus groups where it was
    voiced, of how many;
``study1_agreement.csv``
    per theme and measure, the coders' agreement with the number of coded passages compared;
``study1_agreement_counts.csv``
    where two or more coders coded the same transcripts: per theme and pair of coders (named
    by their order, ``coder 1 vs coder 2``, never by name), the passages both coded with the
    theme, only the first, only the second, neither: the 2 x 2 table kappa is computed from;

and ``site.json``: the format, the site's frozen record (its effective config, the SHA-256 of
its instruments, package version and code digest: what the pooling run compares), the data
label, and the SHA-256 of each table. ``disclosure.csv`` (:mod:`camhs_rom.consortium.disclosure`)
is the check's verdict, written beside the tables, or alone when they fail it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FORMAT = "camhs-rom site summary 1"
TABLES = {
    "study2_groups": ["subscale", "group", "n", "mean", "sd"],
    "study2_frequency": ["level", "code", "n", "n_answered"],
    "study2_reliability": ["subscale", "n_items", "n", "alpha"],
    "study1_themes": ["theme", "participants", "n_participants", "groups", "n_groups"],
    "study1_agreement": ["theme", "measure", "value", "n_units", "n_coders"],
    "study1_agreement_counts": ["theme", "pair", "both", "first_only", "second_only", "neither"],
}
MOMENTS = "study2_moments"  # columns: item, n, mean, then one column per item (the covariance matrix)
STUDY_TABLES = {"study1": ("study1_themes", "study1_agreement", "study1_agreement_counts"), "study2": ("study2_groups", "study2_frequency", "study2_reliability", MOMENTS)}
# columns that count people: each cell is checked against the minimum count (disclosure.py)
PERSON_COUNTS = {
    "study2_groups": ["n"],
    "study2_frequency": ["n", "n_answered"],
    "study2_reliability": ["n"],
    MOMENTS: ["n"],
    "study1_themes": ["participants", "n_participants"],
}
# columns of text: each cell must be a name from the site's instruments (disclosure.py)
LABEL_COLUMNS = {
    "study2_groups": ["subscale", "group"],
    "study2_frequency": ["level"],
    "study2_reliability": ["subscale"],
    MOMENTS: ["item"],
    "study1_themes": ["theme"],
    "study1_agreement": ["theme", "measure"],
    "study1_agreement_counts": ["theme", "pair"],
}


def group_summary(scores: pd.DataFrame, subscales: list[str], groups: tuple[str, ...]) -> pd.DataFrame:
    """n, mean and SD (n - 1) of each subscale's scores in each group (respondents with a score and a group)."""
    rows = []
    for subscale in subscales:
        present = scores.dropna(subset=[subscale, "group"])
        for group in groups:
            values = present.loc[present["group"].astype(str) == group, subscale].to_numpy(dtype=float)
            sd = float(values.std(ddof=1)) if len(values) > 1 else float("nan")
            rows.append([subscale, group, len(values), float(values.mean()) if len(values) else float("nan"), sd])
    return pd.DataFrame(rows, columns=TABLES["study2_groups"])


def frequency_summary(frequency: pd.DataFrame) -> pd.DataFrame:
    """The counts of ``frequency_of_use.csv`` (no percentages or intervals: the pooling run recomputes them)."""
    return frequency.reindex(columns=TABLES["study2_frequency"]).astype({"n": int, "n_answered": int}) if len(frequency) else pd.DataFrame(columns=TABLES["study2_frequency"])


def reliability_summary(reliability: pd.DataFrame) -> pd.DataFrame:
    return reliability.reindex(columns=TABLES["study2_reliability"])


def moments_table(data: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    """Means and covariance matrix (divisor n) of ``items`` over the complete rows of ``data``, one row per item."""
    values = data[items].dropna().to_numpy(dtype=float)
    cov = np.cov(values, rowvar=False, bias=True) if len(values) > 1 else np.full((len(items), len(items)), np.nan)
    frame = pd.DataFrame(np.atleast_2d(cov), columns=items)
    frame.insert(0, "mean", values.mean(axis=0) if len(values) else np.nan)
    frame.insert(0, "n", len(values))
    frame.insert(0, "item", items)
    return frame


def theme_summary(by_participant: pd.DataFrame, themes: list[str]) -> pd.DataFrame:
    """Per theme: participants voicing it of all, focus groups where someone voiced it of all (``theme_by_participant.csv``)."""
    n_participants = len(by_participant)
    n_groups = by_participant["group_id"].nunique()
    rows = []
    for theme in themes:
        voiced = by_participant[theme].astype(int) > 0 if theme in by_participant else pd.Series(False, index=by_participant.index)
        rows.append([theme, int(voiced.sum()), n_participants, int(by_participant.loc[voiced, "group_id"].nunique()), n_groups])
    return pd.DataFrame(rows, columns=TABLES["study1_themes"])


def agreement_summary(agreement: pd.DataFrame) -> pd.DataFrame:
    return agreement.reindex(columns=TABLES["study1_agreement"])


def coder_pairs(n_coders: int) -> list[str]:
    """The pair labels of ``n_coders`` coders in sorted order: every other coder against the first."""
    return [f"coder 1 vs coder {k}" for k in range(2, n_coders + 1)]


def agreement_counts(judged: np.ndarray, themes: list[str]) -> pd.DataFrame:
    """Per theme and pair (first coder against each other), the 2 x 2 counts over the passages both coded.

    ``judged``: passages x themes x coders, 1 applied, 0 not, NaN where the coder coded nothing
    in that transcript (:func:`camhs_rom.study1.passages.presence`).
    """
    rows = []
    for k, pair in enumerate(coder_pairs(judged.shape[2]), start=1):
        for j, theme in enumerate(themes):
            a, b = judged[:, j, 0], judged[:, j, k]
            both_coded = ~np.isnan(a) & ~np.isnan(b)
            a, b = a[both_coded] == 1, b[both_coded] == 1
            rows.append([theme, pair, int((a & b).sum()), int((a & ~b).sum()), int((~a & b).sum()), int((~a & ~b).sum())])
    return pd.DataFrame(rows, columns=TABLES["study1_agreement_counts"])


def kappa_of_counts(both, first_only, second_only, neither) -> float:
    """Cohen's kappa of a 2 x 2 table (NaN when chance agreement is 1: one category only)."""
    n = both + first_only + second_only + neither
    if n == 0:
        return float("nan")
    observed = (both + neither) / n
    chance = ((both + first_only) * (both + second_only) + (second_only + neither) * (first_only + neither)) / n**2
    return float("nan") if chance >= 1 else float((observed - chance) / (1 - chance))


def moments_of(table: pd.DataFrame) -> tuple[int, list[str], np.ndarray, np.ndarray]:
    """(n, items, means, covariance) from a ``study2_moments.csv`` table."""
    items = [str(i) for i in table["item"]]
    return int(table["n"].iloc[0]), items, table["mean"].to_numpy(dtype=float), table[items].to_numpy(dtype=float)
