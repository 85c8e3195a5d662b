"""Study 2 group comparisons: the spec's first two groups on each subscale.

The groups are the first two of the spec's ``group.levels``, in that order: every signed
difference and effect size is *first group minus second group* (users minus non-users in
the default spec). The tests and effect sizes are :mod:`camhs_rom.stats.two_groups`;
``p_holm`` adjusts each test's p values across subscales (Holm, 1979).

``group_comparisons.csv`` columns: subscale, test, statistic, df, p, p_holm,
effect_measure, effect_size, ci_low, ci_high, group_1, group_2, n_1, n_2,
mean_difference, ci_level. ``group_descriptives.csv``: subscale, group, n, mean, sd,
median, min, max.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from camhs_rom.core.errors import InputError
from camhs_rom.core.seeding import batches, percentile_interval, rng_for
from camhs_rom.instruments.questionnaire import Questionnaire
from camhs_rom.stats.two_groups import TESTS, _stratified_indices, bonett_d, hedges_g, holm, rank_biserial_batch, run_test

log = logging.getLogger(__name__)


COMPARISON_COLUMNS = [
    "subscale", "test", "statistic", "df", "p", "p_holm", "effect_measure", "effect_size", "ci_low", "ci_high",
    "group_1", "group_2", "n_1", "n_2", "mean_difference", "ci_level",
]


DESCRIPTIVE_COLUMNS = ["subscale", "group", "n", "mean", "sd", "median", "min", "max"]


def compared_groups(q: Questionnaire) -> tuple[str, str]:
    """The two groups compared, in the spec's order (first minus second)."""
    groups = list(q.group_levels)
    if len(groups) > 2:
        log.info("the spec has %d groups; %s and %s are compared", len(groups), groups[0], groups[1])
    return groups[0], groups[1]


def split_scores(scores: pd.DataFrame, subscale: str, groups: tuple[str, str], file: str = "subscale_scores.csv") -> tuple[np.ndarray, np.ndarray]:
    """The two groups' scores on one subscale; stop when a group has fewer than two."""
    present = scores.dropna(subset=[subscale, "group"])
    out = []
    for g in groups:
        values = present.loc[present["group"] == g, subscale].to_numpy(dtype=float)
        if len(values) < 2:
            raise InputError(
                file,
                f"column {subscale}, group {g!r}",
                f"{len(values)} respondent(s) with a score",
                "at least two scored respondents in each group (check the group column and the missing-data rule)",
            )
        out.append(values)
    return out[0], out[1]


def compare_subscale(x: np.ndarray, y: np.ndarray, subscale: str, groups, permutations: int, resamples: int, ci: float, seed: int) -> list[list]:
    """The four tests for one subscale (rows of :data:`COMPARISON_COLUMNS`, ``p_holm`` left empty)."""
    n1, n2 = len(x), len(y)
    diff = x.mean() - y.mean()
    rows = [
        [subscale, "welch_t", *run_test(x, y, "welch_t"), np.nan, "bonett_d", *bonett_d(x, y, ci)],
        [subscale, "student_t", *run_test(x, y, "student_t"), np.nan, "hedges_g", *hedges_g(x, y, ci)],
    ]
    u1, _, p_mw = run_test(x, y, "mann_whitney")
    rng = rng_for(seed, f"study2-comparisons-{subscale}")
    boot_r, boot_diff = [], []
    for size in batches(resamples, n1 + n2):  # bounded memory for large samples
        ix, iy = _stratified_indices(rng, n1, n2, size)
        boot_r.append(rank_biserial_batch(x[ix], y[iy]))
        boot_diff.append(x[ix].mean(axis=1) - y[iy].mean(axis=1))
    boot_r, boot_diff = np.concatenate(boot_r or [[]]), np.concatenate(boot_diff or [[]])
    r = 2 * u1 / (n1 * n2) - 1
    rows.append([subscale, "mann_whitney", u1, np.nan, p_mw, np.nan, "rank_biserial", r, *percentile_interval(boot_r, ci)])
    _, _, p_perm = run_test(x, y, "permutation", permutations, rng)
    rows.append([subscale, "permutation", diff, np.nan, p_perm, np.nan, "mean_difference", diff, *percentile_interval(boot_diff, ci)])
    return [row + [groups[0], groups[1], n1, n2, diff, ci] for row in rows]


def group_comparisons(scores: pd.DataFrame, q: Questionnaire, permutations: int, resamples: int, ci: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The comparison table (Holm-adjusted across subscales per test) and the group descriptives."""
    groups = compared_groups(q)
    rows, described = [], []
    for subscale in q.subscales:
        x, y = split_scores(scores, subscale, groups)
        rows += compare_subscale(x, y, subscale, groups, permutations, resamples, ci, seed)
        for g, values in zip(groups, (x, y), strict=True):
            described.append([subscale, g, len(values), values.mean(), values.std(ddof=1), np.median(values), values.min(), values.max()])
    table = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    for index in table.groupby("test").groups.values():
        table.loc[index, "p_holm"] = holm(table.loc[index, "p"])
    order = {t: k for k, t in enumerate(TESTS)}
    table = table.sort_values(["subscale", "test"], key=lambda c: c.map(order) if c.name == "test" else c.map(list(q.subscales).index), kind="stable")
    return table.reset_index(drop=True), pd.DataFrame(described, columns=DESCRIPTIVE_COLUMNS)
