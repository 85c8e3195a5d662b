"""Fit indices of a structural equation model, as lavaan's ``fitMeasures`` defines them.

Given the model's test statistic ``chisq`` on ``df`` degrees of freedom, the baseline
(independence) model's ``baseline_chisq`` on ``baseline_df``, the total sample size N and
the number of groups G:

- CFI ``1 - max(chisq - df, 0) / max(chisq - df, baseline_chisq - baseline_df, 0)``;
- TLI ``(baseline_chisq / baseline_df - chisq / df) / (baseline_chisq / baseline_df - 1)``;
- RMSEA ``sqrt(max(chisq / df - 1, 0) / N) * sqrt(G)`` with a 90% interval from the
  noncentrality parameters at which the noncentral chi-square puts ``chisq`` at its
  95th and 5th percentiles (Steiger's method; lavaan's ``rmsea.ci.lower/upper``);
- SRMR (Bentler's): the root mean square of the residual covariances, each divided by
  the product of the observed standard deviations, over the lower triangle with the
  diagonal (and the residual means over the standard deviations when the model has a
  mean structure); groups weighted by their size.

Tested against lavaan 0.6.14 in ``tests/test_cfa.py``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import optimize, stats

CI_LEVEL = 0.90


@dataclass(frozen=True)
class FitIndices:
    chisq: float
    df: int
    pvalue: float
    baseline_chisq: float
    baseline_df: int
    cfi: float
    tli: float
    rmsea: float
    rmsea_ci_low: float
    rmsea_ci_high: float
    srmr: float

    def as_dict(self) -> dict:
        return asdict(self)


def _noncentrality(chisq: float, df: int, probability: float) -> float:
    """The noncentrality at which P(X <= chisq) = probability, 0 when even the central law falls short."""
    if stats.chi2.cdf(chisq, df) < probability:
        return 0.0
    upper = max(chisq, 1.0)
    while stats.ncx2.cdf(chisq, df, upper) > probability:
        upper *= 2
    return optimize.brentq(lambda lam: stats.ncx2.cdf(chisq, df, lam) - probability, 1e-12, upper, xtol=1e-12)


def noncentrality_bounds(chisq: float, df: float, level: float = CI_LEVEL) -> tuple[float, float]:
    """The noncentrality parameters bounding a ``level`` interval for a chi-square statistic (Steiger's method)."""
    tail = (1 - level) / 2
    return _noncentrality(chisq, df, 1 - tail), _noncentrality(chisq, df, tail)


def rmsea(chisq: float, df: int, n: int, groups: int = 1) -> tuple[float, float, float]:
    """RMSEA and its 90% interval."""
    if df <= 0:
        return (np.nan, np.nan, np.nan)
    scale = np.sqrt(groups)
    point = np.sqrt(max(chisq / df - 1.0, 0.0) / n) * scale
    low, high = noncentrality_bounds(chisq, df)
    return float(point), float(np.sqrt(low / (n * df)) * scale), float(np.sqrt(high / (n * df)) * scale)


def cfi_tli(chisq: float, df: int, baseline_chisq: float, baseline_df: int) -> tuple[float, float]:
    denominator = max(chisq - df, baseline_chisq - baseline_df, 0.0)
    cfi = 1.0 - max(chisq - df, 0.0) / denominator if denominator > 0 else 1.0
    tli = (baseline_chisq / baseline_df - chisq / df) / (baseline_chisq / baseline_df - 1.0) if df > 0 else np.nan
    return float(cfi), float(tli)


def srmr(observed, implied, observed_means=None, implied_means=None, n=None) -> float:
    """Bentler's SRMR over groups: lists of covariance matrices (and means), weighted by ``n``."""
    values = []
    for g, (s, sigma) in enumerate(zip(observed, implied, strict=True)):
        sd = np.sqrt(np.diag(s))
        lower = np.tril_indices(len(sd))
        residuals = ((s - sigma) / np.outer(sd, sd))[lower]
        if observed_means is not None:
            residuals = np.concatenate([residuals, (observed_means[g] - implied_means[g]) / sd])
        values.append(np.sqrt(np.mean(residuals**2)))
    weights = np.ones(len(values)) if n is None else np.asarray(n, dtype=float)
    return float(np.sum(weights * np.array(values)) / weights.sum())


def fit_indices(chisq: float, df: int, baseline_chisq: float, baseline_df: int, n: int, groups: int, srmr_value: float) -> FitIndices:
    """Every index from the two test statistics (see the module docstring)."""
    cfi, tli = cfi_tli(chisq, df, baseline_chisq, baseline_df)
    point, low, high = rmsea(chisq, df, n, groups)
    pvalue = float(stats.chi2.sf(chisq, df)) if df > 0 else np.nan
    return FitIndices(float(chisq), int(df), pvalue, float(baseline_chisq), int(baseline_df), cfi, tli, point, low, high, float(srmr_value))
