"""Study 2 group comparisons: users against non-users on each subscale.

The groups are the first two of the spec's ``group.levels``, in that order: every signed
difference and effect size is *first group minus second group* (users minus non-users in
the default spec), so a positive value means the first group scores higher. Nothing is
made absolute.

Per subscale (respondents with a score under the missing-data rule):

``welch_t``
    Welch's t test (scipy), the default; effect: Bonett's (2008) ``d`` standardised by
    the average of the two variances, ``sqrt((s1^2 + s2^2) / 2)``, which does not assume
    equal variances, with Bonett's normal-theory interval.
``student_t``
    Student's t test (scipy); effect: Hedges' ``g`` (Cohen's d on the pooled SD times
    ``J = 1 - 3 / (4 (n1 + n2) - 9)``) with the Hedges-Olkin interval
    ``g +- t_{n1+n2-2} sqrt((n1 + n2)/(n1 n2) + g^2 / (2 (n1 + n2)))`` (as pingouin).
``mann_whitney``
    Mann-Whitney U (scipy, normal approximation with continuity and tie correction, as
    R's ``wilcox.test(exact = FALSE)``); ``statistic`` is U of the first group; effect:
    rank-biserial ``r = 2 U1 / (n1 n2) - 1`` with a seeded, group-stratified bootstrap
    percentile interval.
``permutation``
    Two-sided permutation test of the difference in means with ``permutations`` seeded
    relabellings, ``p = (1 + #{|d*| >= |d|}) / (1 + B)``; effect: the mean difference
    with a seeded, group-stratified bootstrap percentile interval.

``p_holm`` adjusts each test's p values across subscales (Holm, 1979; statsmodels).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy import stats

from .errors import InputError
from .instruments import Questionnaire
from .seeding import batches, percentile_interval, rng_for

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


def hedges_g(x: np.ndarray, y: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Hedges' g (first minus second) with the Hedges-Olkin interval (t quantile, as pingouin)."""
    n1, n2 = len(x), len(y)
    pooled = np.sqrt(((n1 - 1) * x.var(ddof=1) + (n2 - 1) * y.var(ddof=1)) / (n1 + n2 - 2))
    g = (x.mean() - y.mean()) / pooled * (1 - 3 / (4 * (n1 + n2) - 9))
    se = np.sqrt((n1 + n2) / (n1 * n2) + g**2 / (2 * (n1 + n2)))
    crit = stats.t.ppf(0.5 + level / 2, n1 + n2 - 2)  # a t quantile, as pingouin's compute_esci
    return g, g - crit * se, g + crit * se


def bonett_d(x: np.ndarray, y: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Bonett's (2008) standardised difference for unequal variances, with its interval.

    ``d = (m1 - m2) / s``, ``s^2 = (s1^2 + s2^2) / 2``;
    ``var(d) = d^2 (s1^4/(n1 - 1) + s2^4/(n2 - 1)) / (8 s^4) + (s1^2/(n1 - 1) + s2^2/(n2 - 1)) / s^2``.
    """
    n1, n2 = len(x), len(y)
    v1, v2 = x.var(ddof=1), y.var(ddof=1)
    s2 = (v1 + v2) / 2
    d = (x.mean() - y.mean()) / np.sqrt(s2)
    var = d**2 * (v1**2 / (n1 - 1) + v2**2 / (n2 - 1)) / (8 * s2**2) + (v1 / (n1 - 1) + v2 / (n2 - 1)) / s2
    z = stats.norm.ppf(0.5 + level / 2)
    return d, d - z * np.sqrt(var), d + z * np.sqrt(var)


def _stratified_indices(rng, n1: int, n2: int, resamples: int) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap index arrays (B x n1, B x n2) that resample each group within itself."""
    return rng.integers(0, n1, (resamples, n1)), rng.integers(0, n2, (resamples, n2))


def rank_biserial_batch(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Rank-biserial r = 2 U1/(n1 n2) - 1 for rows of ``x`` (B x n1) against rows of ``y`` (B x n2)."""
    n1, n2 = x.shape[1], y.shape[1]
    ranks = stats.rankdata(np.concatenate([x, y], axis=1), axis=1)
    u1 = ranks[:, :n1].sum(axis=1) - n1 * (n1 + 1) / 2
    return 2 * u1 / (n1 * n2) - 1


def permutation_p(x: np.ndarray, y: np.ndarray, permutations: int, rng) -> float:
    """Two-sided Monte Carlo permutation p of the mean difference, ``(1 + hits) / (1 + B)``."""
    pooled = np.concatenate([x, y])
    n1 = len(x)
    observed = abs(x.mean() - y.mean())
    hits = 0
    batch = max(1, int(5e6 // len(pooled)))
    for start in range(0, permutations, batch):
        k = min(batch, permutations - start)
        shuffled = rng.permuted(np.broadcast_to(pooled, (k, len(pooled))), axis=1)
        diff = np.abs(shuffled[:, :n1].mean(axis=1) - shuffled[:, n1:].mean(axis=1))
        hits += int((diff >= observed - 1e-12).sum())
    return (1 + hits) / (1 + permutations)


TESTS = ("welch_t", "student_t", "mann_whitney", "permutation")


def run_test(x: np.ndarray, y: np.ndarray, test: str, permutations: int = 10000, rng=None) -> tuple[float, float, float]:
    """One two-group test of the first group against the second: ``(statistic, df, p)``.

    ``test`` is one of :data:`TESTS` (see the module docstring); ``df`` is NaN for the
    rank and permutation tests; the permutation test draws from ``rng`` and its statistic
    is the mean difference.
    """
    if test == "welch_t":
        result = stats.ttest_ind(x, y, equal_var=False)
        return float(result.statistic), float(result.df), float(result.pvalue)
    if test == "student_t":
        result = stats.ttest_ind(x, y, equal_var=True)
        return float(result.statistic), float(result.df), float(result.pvalue)
    if test == "mann_whitney":
        result = stats.mannwhitneyu(x, y, alternative="two-sided", use_continuity=True, method="asymptotic")
        return float(result.statistic), np.nan, float(result.pvalue)
    if test == "permutation":
        return float(x.mean() - y.mean()), np.nan, permutation_p(x, y, permutations, rng)
    raise ValueError(f"unknown test {test!r}; expected one of {', '.join(TESTS)}")


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


def holm(p_values) -> np.ndarray:
    """Holm-adjusted p values; NaN entries stay NaN and do not count.

    ``p_(i) (m - i + 1)`` for the ``i``-th smallest of ``m`` p values, made monotone by a
    running maximum and capped at 1: the values of statsmodels' ``multipletests(method=
    "holm")`` (tested against it), which costs a garbage collection per call, too slow for
    the thousands of calls of the multiverse and the power simulation.
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(len(p), np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if len(ok):
        order = ok[np.argsort(p[ok], kind="stable")]
        m = len(order)
        out[order] = np.minimum(np.maximum.accumulate(p[order] * (m - np.arange(m))), 1.0)
    return out


def first_higher(difference: float, p_holm: float, alpha: float) -> bool:
    """The claim "the first group scores higher": difference > 0 and Holm-adjusted p < ``alpha``."""
    return bool(np.isfinite(p_holm) and difference > 0 and p_holm < alpha)


def directional_tests(pairs: dict, test: str, permutations: int, rngs: dict, alpha: float) -> dict:
    """Test "first group higher" for several outcomes, Holm-adjusted across them.

    ``pairs`` maps an outcome key to the two groups' scores ``(x, y)``; ``rngs`` maps it to
    the generator the permutation test draws from. Per key: ``difference``, Bonett's ``d``,
    ``p`` of ``test``, ``p_holm`` across the testable keys, and ``supported``
    (:func:`first_higher`), ``None`` where a group has fewer than two scores (not testable).
    """
    out = {}
    for key, (x, y) in pairs.items():
        cells = {"difference": np.nan, "d": np.nan, "p": np.nan}
        if len(x) >= 2 and len(y) >= 2:
            cells = {"difference": x.mean() - y.mean(), "d": bonett_d(x, y)[0], "p": run_test(x, y, test, permutations, rngs[key])[2]}
        out[key] = cells
    for key, p_holm in zip(out, holm([c["p"] for c in out.values()]), strict=True):
        out[key]["p_holm"] = p_holm
        out[key]["supported"] = first_higher(out[key]["difference"], p_holm, alpha) if np.isfinite(p_holm) else None
    return out


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


def study2_comparisons(scores, questionnaire, provenance, settings: dict, bootstrap: dict, seed: int, outputs: dict) -> None:
    """Write the comparison, descriptive, model and APA outputs; ``outputs`` maps names to paths.

    Keys: comparisons, descriptives, models, model_notes, sentences, apa_table, apa_table_md.
    """
    from . import apa
    from .figures import data_label
    from .instruments import load_questionnaire
    from .models import adjusted_models
    from .survey import read_clean
    from .tables import write_table, write_text

    q = load_questionnaire(questionnaire)
    frame = read_clean(scores)
    groups = compared_groups(q)
    present = set(frame["group"].dropna())
    missing = [g for g in groups if g not in present]
    if missing:
        raise InputError(scores, "column group", f"no respondent in group {missing[0]!r} (groups present: {sorted(present)})", "respondents in both compared groups")
    permutations = settings.get("permutations", 10000)
    alpha = settings.get("alpha", 0.05)
    table, described = group_comparisons(frame, q, permutations, bootstrap.get("resamples", 2000), bootstrap.get("ci", 0.95), seed)
    write_table(table, outputs["comparisons"])
    write_table(described, outputs["descriptives"])
    models, notes = adjusted_models(frame, q, settings.get("min_teams", 5))
    write_table(models, outputs["models"])
    write_table(notes, outputs["model_notes"])
    labels = q.group_labels
    write_text(apa.sentences_markdown(table, described, q.subscales, labels, alpha, permutations, data_label(provenance)), outputs["sentences"])
    formatted = apa.comparison_table(table, described, q.subscales, labels)
    write_table(formatted, outputs["apa_table"])
    first, second = (apa.group_label(g, labels) for g in groups)
    note = (
        f"Differences are {first} minus {second}. d = Bonett's standardised difference (average-variance standardiser, "
        "for Welch's test); g = Hedges' g (pooled SD); r = rank-biserial correlation; "
        f"intervals for r and the mean difference are seeded bootstrap percentile intervals. Holm adjustment across "
        f"{len(q.subscales)} subscales per test."
    )
    write_text(apa.markdown_table(formatted, "Table 1. Group comparisons of subscale scores", note), outputs["apa_table_md"])
