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

import numpy as np
from scipy import stats


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
        # each row shuffled in place in a row-major copy: the same draws and rows as permuting a
        # broadcast view (whose copy numpy lays out column-major), about three times faster (tested)
        shuffled = np.tile(pooled, (k, 1))
        rng.permuted(shuffled, axis=1, out=shuffled)
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
