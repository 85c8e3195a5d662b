"""Random-effects meta-analysis of per-site summaries: effect sizes, REML with Knapp-Hartung, and their parts.

The consortium pools each site's summary statistics, never its respondents' answers, so
every function here takes counts, means, SDs or coefficients with their sample sizes.

Effect sizes (as R ``metafor::escalc`` computes them):

``hedges_g``
    standardised mean difference with the exact small-sample correction
    ``J = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2))``, ``m = n1 + n2 - 2``, and the large-sample
    variance ``1/n1 + 1/n2 + g^2 / (2 (n1 + n2))`` (``measure = "SMD"``);
``logit_proportion``
    log odds of ``x`` of ``n`` with variance ``1/x + 1/(n - x)``; a site with no events or
    all events gets 1/2 added to both cells (``measure = "PLO"``, ``add = 1/2, to = "only0"``);
``bonett_alpha``
    Bonett's (2002) transformation of Cronbach's alpha, ``-ln(1 - alpha)``, with variance
    ``2k / ((k - 1)(n - 2))`` (``measure = "ABT"``), back-transformed by ``1 - exp(-T)``.

:func:`random_effects` estimates the between-site variance tau^2 by restricted maximum
likelihood (Fisher scoring, as metafor's ``method = "REML"``), tests and bounds the pooled
estimate with the Knapp-Hartung adjustment (t with k - 1 df on the scaled variance, as
``test = "knha"``), and gives Cochran's Q with its p, I^2 and H^2 from the typical
within-site variance (Higgins & Thompson, 2002), and the prediction interval
``mu +/- t_{k-1} sqrt(SE^2 + tau^2)`` (metafor's ``predict``).

Written here because neither statsmodels (DerSimonian-Laird and Paule-Mandel only) nor
another maintained Python package offers REML with Knapp-Hartung; every number is tested
against metafor 3.8-1 to 1e-6 (``tests/test_meta.py``, R script
``tests/fixtures/metafor/reference.R``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import special, stats

META_COLUMNS = ["k", "estimate", "se", "ci_low", "ci_high", "p", "tau2", "i2", "h2", "q", "q_p", "pi_low", "pi_high"]


def hedges_g(n1, m1, sd1, n2, m2, sd2) -> tuple[np.ndarray, np.ndarray]:
    """Hedges' g of group 1 minus group 2 and its sampling variance (metafor's ``SMD``), elementwise."""
    n1, m1, sd1, n2, m2, sd2 = (np.asarray(a, dtype=float) for a in (n1, m1, sd1, n2, m2, sd2))
    m = n1 + n2 - 2
    pooled = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / m)
    correction = np.exp(special.gammaln(m / 2) - 0.5 * np.log(m / 2) - special.gammaln((m - 1) / 2))
    g = correction * (m1 - m2) / pooled
    return g, 1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2))


def logit_proportion(x, n) -> tuple[np.ndarray, np.ndarray]:
    """Log odds of ``x`` events in ``n`` and the variance (metafor's ``PLO``; 1/2 added to both cells of a site with a zero cell)."""
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    zero = (x == 0) | (x == n)
    events, others = np.where(zero, x + 0.5, x), np.where(zero, n - x + 0.5, n - x)
    return np.log(events / others), 1 / events + 1 / others


def inverse_logit(value):
    return special.expit(value)


def bonett_alpha(alpha, k, n) -> tuple[np.ndarray, np.ndarray]:
    """Bonett's transformed alpha ``-ln(1 - alpha)`` of ``k`` items and ``n`` respondents, and its variance (``ABT``)."""
    alpha, k, n = (np.asarray(a, dtype=float) for a in (alpha, k, n))
    return -np.log(1 - alpha), 2 * k / ((k - 1) * (n - 2))


def inverse_bonett(value):
    """Alpha from Bonett's transformed value."""
    return 1 - np.exp(-np.asarray(value, dtype=float))


@dataclass(frozen=True)
class MetaResult:
    """A random-effects pooled estimate (on the analysed scale) with its heterogeneity."""

    k: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p: float
    tau2: float
    i2: float
    h2: float
    q: float
    q_p: float
    pi_low: float
    pi_high: float

    def as_dict(self) -> dict:
        return asdict(self)

    def transformed(self, function) -> dict:
        """The estimate, interval and prediction interval through ``function`` (a back-transformation), the rest as is."""
        out = self.as_dict()
        for key in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high"):
            out[key] = float(function(out[key]))
        out["se"] = float("nan")  # a standard error does not survive a non-linear back-transformation
        return out


def reml_tau2(y: np.ndarray, v: np.ndarray, tol: float = 1e-12, max_iter: int = 1000) -> float:
    """REML estimate of tau^2 for an intercept-only model (Fisher scoring, truncated at 0).

    Started from the Hedges (unweighted method of moments) estimate, as metafor starts it.
    """
    k = len(y)
    if k < 2:
        return 0.0
    tau2 = max(0.0, float(np.var(y, ddof=1) - v.mean()))
    for _ in range(max_iter):
        w = 1 / (v + tau2)
        mu = (w * y).sum() / w.sum()
        # P = W - w w' / sum(w); with P y = w (y - mu)
        py = w * (y - mu)
        trace_p = w.sum() - (w**2).sum() / w.sum()
        trace_pp = (w**2).sum() - 2 * (w**3).sum() / w.sum() + ((w**2).sum() / w.sum()) ** 2
        step = (py @ py - trace_p) / trace_pp
        new = max(0.0, tau2 + step)
        if abs(new - tau2) < tol * max(1.0, tau2):
            return new
        tau2 = new
    return tau2


def random_effects(y, v, level: float = 0.95) -> MetaResult:
    """Pool effects ``y`` with sampling variances ``v``: REML tau^2, Knapp-Hartung test and interval.

    With one site there is nothing to pool: the estimate is that site's, with its normal
    interval, and the heterogeneity statistics are NaN.
    """
    y, v = np.asarray(y, dtype=float), np.asarray(v, dtype=float)
    if len(y) != len(v) or len(y) == 0:
        raise ValueError("random_effects needs one variance per effect and at least one effect")
    if not (np.isfinite(y).all() and np.isfinite(v).all() and (v > 0).all()):
        raise ValueError("every effect and variance must be finite, every variance positive")
    k = len(y)
    if k == 1:
        se = float(np.sqrt(v[0]))
        z = stats.norm.ppf(0.5 + level / 2)
        nan = float("nan")
        return MetaResult(1, float(y[0]), se, float(y[0] - z * se), float(y[0] + z * se), float(2 * stats.norm.sf(abs(y[0]) / se)),
                          nan, nan, nan, nan, nan, nan, nan)
    fixed_w = 1 / v
    fixed_mu = (fixed_w * y).sum() / fixed_w.sum()
    q = float((fixed_w * (y - fixed_mu) ** 2).sum())
    tau2 = reml_tau2(y, v)
    w = 1 / (v + tau2)
    mu = float((w * y).sum() / w.sum())
    scale = float((w * (y - mu) ** 2).sum() / (k - 1))  # Knapp-Hartung: the residual heterogeneity's scale
    se = float(np.sqrt(scale / w.sum()))
    crit = stats.t.ppf(0.5 + level / 2, k - 1)
    typical = (k - 1) * fixed_w.sum() / (fixed_w.sum() ** 2 - (fixed_w**2).sum())
    spread = crit * np.sqrt(se**2 + tau2)
    return MetaResult(
        k=k,
        estimate=mu,
        se=se,
        ci_low=mu - crit * se,
        ci_high=mu + crit * se,
        p=float(2 * stats.t.sf(abs(mu) / se, k - 1)) if se > 0 else 0.0,
        tau2=float(tau2),
        i2=float(100 * tau2 / (tau2 + typical)),
        h2=float((tau2 + typical) / typical),
        q=q,
        q_p=float(stats.chi2.sf(q, k - 1)),
        pi_low=float(mu - spread),
        pi_high=float(mu + spread),
    )
