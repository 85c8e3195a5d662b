"""Evidence beside a group-difference verdict: a default Bayes factor, an equivalence test, power.

All work from the two groups' summary statistics (n, mean, SD), so the scorecard computes
them from ``group_descriptives.csv`` without the respondents' scores. "First group minus
second": a positive difference is the direction the paper claims.

:func:`jzs_bayes_factor`
    The default (JZS) Bayes factor of Rouder, Speckman, Sun, Morey & Iverson (2009) for the
    two-sample t statistic, with a Cauchy prior of scale ``r`` on the standardised effect
    ``delta``; restricted to an interval of ``delta`` (``(0, inf)``: the one-sided
    alternative "first group higher") as in Morey & Wagenmakers (2014). The value of R
    ``BayesFactor::ttestBF(x, y, rscale = "medium", nullInterval = c(0, Inf))`` (tested
    against it). Written here because no maintained Python library computes the one-sided
    JZS factor exactly (pingouin's one-sided value is an approximation).
:func:`tost`
    Two one-sided Welch t tests of the difference against equivalence bounds +/- ``bound``
    (Schuirmann, 1987; Lakens, Scheel & Isager, 2018): equivalence at level alpha when the
    larger of the two p values is below alpha, i.e. the (1 - 2 alpha) interval lies inside
    the bounds.
:func:`power_two_sample`, :func:`effect_for_power`
    Power of the two-sample Student t test from the noncentral t distribution, the value of
    R ``pwr::pwr.t2n.test``; and its inverse in ``d`` (Simonsohn's 2015 "small telescopes"
    ``d33`` is ``effect_for_power(n1, n2, 1/3)``).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, optimize, stats

MEDIUM_SCALE = math.sqrt(2) / 2  # BayesFactor's rscale = "medium"


def pooled_sd(s1: float, n1: int, s2: float, n2: int) -> float:
    """The pooled standard deviation of two groups (the denominator of Cohen's d and Hedges' g)."""
    return math.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2))


def pooled_t(m1: float, s1: float, n1: int, m2: float, s2: float, n2: int) -> float:
    """Student's two-sample t statistic (pooled variance) of ``m1 - m2``."""
    return float((m1 - m2) / (pooled_sd(s1, n1, s2, n2) * math.sqrt(1 / n1 + 1 / n2)))


def jzs_bayes_factor(t: float, n1: int, n2: int, r: float = MEDIUM_SCALE, interval: tuple[float, float] = (0.0, math.inf)) -> float:
    """BF10 of "delta in ``interval``" against "delta = 0" for a two-sample Student ``t``.

    ``BF = [int_interval p(t | delta) Cauchy(delta; 0, r) d delta / P(interval)] / p(t | 0)`` with
    ``p(t | delta)`` the noncentral t density on ``n1 + n2 - 2`` df and noncentrality
    ``delta sqrt(n1 n2 / (n1 + n2))``: the JZS prior (a normal with an inverse-gamma scale)
    is a Cauchy prior on delta. ``interval = (-inf, inf)`` gives the two-sided factor.
    NaN when either group has fewer than two members or ``t`` is not finite.
    """
    if n1 < 2 or n2 < 2 or not np.isfinite(t):
        return math.nan
    df, root_n = n1 + n2 - 2, math.sqrt(n1 * n2 / (n1 + n2))
    low, high = interval

    density = noncentral_t_density(t, df)

    def joint(delta: float) -> float:
        return density(delta * root_n) * float(stats.cauchy.pdf(delta, scale=r))

    # the likelihood is concentrated near delta = t / root_n, with a width of about 1 / root_n: split the
    # integral there so quad does not miss a narrow peak far from zero
    centre, width = t / root_n, 1 / root_n
    cuts = sorted({low, high, *[c for c in (centre - 8 * width, centre, centre + 8 * width) if low < c < high]})
    mass = sum(integrate.quad(joint, a, b, limit=200, epsabs=0, epsrel=1e-10)[0] for a, b in zip(cuts, cuts[1:], strict=False))
    prior = stats.cauchy.cdf(high, scale=r) - stats.cauchy.cdf(low, scale=r)
    return float(mass / prior / stats.t.pdf(t, df))


def noncentral_t_density(t: float, df: int, nodes: int = 400):
    """The noncentral t density at ``t`` as a function of the noncentrality, stable at any df.

    ``f(t; df, ncp) = int_0^inf u phi(t u - ncp) g(u) du`` with ``u = sqrt(V / df)``, ``V ~ chi^2_df`` and ``g`` the
    density of ``u``, by Gauss-Legendre quadrature over the central ``1 - 2e-15`` of ``u``'s distribution. Written
    here because scipy's noncentral t density (Boost) returns NaN or overflows at df in the hundreds once the
    noncentrality is a few units from ``t``, which a Bayes factor's integral over the effect reaches.
    """
    low, high = np.sqrt(stats.chi2.ppf([1e-15, 1 - 1e-15], df) / df)
    x, w = np.polynomial.legendre.leggauss(nodes)
    u = (high - low) / 2 * x + (high + low) / 2
    log_g = np.log(2 * df * u) + stats.chi2.logpdf(df * u**2, df)
    weights = w * (high - low) / 2 * u * np.exp(log_g)

    def at(ncp: float) -> float:
        return float(weights @ stats.norm.pdf(t * u - ncp))

    return at


def tost(difference: float, s1: float, n1: int, s2: float, n2: int, bound: float) -> tuple[float, float, float]:
    """Two one-sided Welch tests of ``difference`` (first minus second) against ``-bound`` and ``+bound``.

    Returns ``(p_lower, p_upper, p)``: ``p_lower`` tests H0 difference <= -bound, ``p_upper``
    H0 difference >= +bound, ``p = max`` of the two (equivalence when ``p < alpha``), as R's
    ``t.test(x, y, mu = -bound, alternative = "greater")`` and ``t.test(x, y, mu = bound,
    alternative = "less")``. NaN when either group has fewer than two members or no variance.
    """
    v1, v2 = s1**2 / n1, s2**2 / n2
    if n1 < 2 or n2 < 2 or not v1 + v2 > 0 or not bound > 0:
        return math.nan, math.nan, math.nan
    se = math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    p_lower = float(stats.t.sf((difference + bound) / se, df))
    p_upper = float(stats.t.cdf((difference - bound) / se, df))
    return p_lower, p_upper, max(p_lower, p_upper)


def power_two_sample(d: float, n1: int, n2: int, alpha: float = 0.05, alternative: str = "greater") -> float:
    """Power of the two-sample Student t test at standardised difference ``d`` (``pwr::pwr.t2n.test``).

    ``alternative``: ``greater`` (one-sided, first group higher), ``two-sided``.
    """
    df, ncp = n1 + n2 - 2, d * math.sqrt(n1 * n2 / (n1 + n2))
    if alternative == "greater":
        return float(stats.nct.sf(stats.t.isf(alpha, df), df, ncp))
    if alternative == "two-sided":
        q = stats.t.isf(alpha / 2, df)
        return float(stats.nct.sf(q, df, ncp) + stats.nct.cdf(-q, df, ncp))
    raise ValueError(f"alternative must be 'greater' or 'two-sided', not {alternative!r}")


def effect_for_power(n1: int, n2: int, power: float, alpha: float = 0.05, alternative: str = "two-sided") -> float:
    """The ``d`` at which the two-sample t test has ``power`` (``pwr.t2n.test(n1, n2, power = ...)$d``)."""
    high = 0.5
    while power_two_sample(high, n1, n2, alpha, alternative) < power and high < 64:
        high *= 2  # bracket the root (the noncentral t is undefined at absurd noncentralities)
    return float(optimize.brentq(lambda d: power_two_sample(d, n1, n2, alpha, alternative) - power, 1e-9, high, xtol=1e-12))


def n_per_group_for_power(d: float, power: float, alpha: float = 0.05, alternative: str = "greater", ratio: float = 1.0) -> tuple[int, int]:
    """The smallest group sizes ``(n1, n2)``, ``n2 = ceil(ratio n1)``, at which the test reaches ``power`` at ``d``
    (``(0, 0)`` when ``d <= 0``, where no sample size does)."""
    if not d > 0:
        return 0, 0
    n1 = 2
    while power_two_sample(d, n1, max(2, math.ceil(ratio * n1)), alpha, alternative) < power:
        n1 = n1 * 2 if n1 < 2**20 else n1 + 1
        if n1 > 10**7:
            return 0, 0
    low = max(2, n1 // 2)
    while low < n1:  # bisect back to the smallest n1 that reaches the power
        mid = (low + n1) // 2
        if power_two_sample(d, mid, max(2, math.ceil(ratio * mid)), alpha, alternative) >= power:
            n1 = mid
        else:
            low = mid + 1
    return n1, max(2, math.ceil(ratio * n1))
