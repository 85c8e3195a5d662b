"""Proportions and their confidence intervals."""

from __future__ import annotations

from scipy import stats


def wilson_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of the proportion ``k / n`` (scipy; the same as statsmodels'
    ``proportion_confint(method="wilson")``, tested)."""
    interval = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=level, method="wilson")
    return float(interval.low), float(interval.high)
