"""Full-information maximum likelihood: a group's answers by missing-data pattern, the saturated model by EM.

Every respondent who answered at least one item contributes the normal likelihood of the
items they answered (lavaan's ``missing = "ml"``). Respondents who share a pattern of
answered items share ``Sigma_oo`` and ``mu_o``, so a pattern needs only its size ``n_k``, the
mean ``m_k`` and the covariance ``C_k`` (divisor ``n_k``) of its answers:

    -2 log L = sum_k n_k [p_k log 2 pi + log|Sigma_oo| + tr(Sigma_oo^-1 (C_k + (m_k - mu_o)(m_k - mu_o)'))].

:func:`fiml_discrepancy` is that sum over N without the constant, with its gradient in
``Sigma`` and ``mu`` (each pattern's ``Sigma_oo^-1 - Sigma_oo^-1 M_k Sigma_oo^-1`` and
``-2 Sigma_oo^-1 (m_k - mu_o)`` placed at its items), the form
:mod:`camhs_rom.stats.cfa` minimises. The saturated (H1) model's means and covariances are
the EM estimates (Dempster, Laird & Rubin, 1977), computed from each pattern's sums and
cross-products; the test statistic is ``-2 (log L_model - log L_H1)``. The baseline model
has free means and variances and no covariances: its FIML estimates are each item's mean and
variance (divisor n) over the respondents who answered it.

Written on numpy: no maintained Python library fits a structural model by FIML with
cross-group constraints; tested against lavaan 0.6.14 in ``tests/test_fiml.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Pattern:
    """The respondents who answered the same items: which (``observed``), how many, their mean and covariance (divisor n)."""

    observed: np.ndarray
    n: int
    mean: np.ndarray
    cov: np.ndarray


def missing_patterns(data: np.ndarray) -> tuple[Pattern, ...]:
    """The missing-data patterns of ``data`` (NaN unanswered), rows answering nothing left out, in a fixed order."""
    data = np.asarray(data, dtype=float)
    answered = ~np.isnan(data)
    data, answered = data[answered.any(axis=1)], answered[answered.any(axis=1)]
    keys, inverse = np.unique(answered, axis=0, return_inverse=True)
    patterns = []
    for k, key in enumerate(keys):
        rows = data[np.flatnonzero(inverse.ravel() == k)][:, key]
        patterns.append(Pattern(np.flatnonzero(key), len(rows), rows.mean(axis=0), np.cov(rows, rowvar=False, bias=True).reshape(key.sum(), key.sum())))
    return tuple(patterns)


def fiml_discrepancy(patterns: tuple[Pattern, ...], n: int, sigma: np.ndarray, mu: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """``-2 log L / N`` without its constant, and its gradients in ``sigma`` (p x p, symmetric) and ``mu``.

    Raises ``numpy.linalg.LinAlgError`` when a pattern's ``Sigma_oo`` is not positive definite.
    """
    value = 0.0
    d_sigma, d_mu = np.zeros_like(sigma), np.zeros_like(mu)
    for pat in patterns:
        o = pat.observed
        s_oo = sigma[np.ix_(o, o)]
        chol = np.linalg.cholesky(s_oo)
        inv = np.linalg.inv(s_oo)
        resid = pat.mean - mu[o]
        moment = pat.cov + np.outer(resid, resid)
        value += pat.n * (2 * np.log(np.diag(chol)).sum() + float(np.sum(inv * moment)))
        d_sigma[np.ix_(o, o)] += pat.n * (inv - inv @ moment @ inv)
        d_mu[o] += -2 * pat.n * (inv @ resid)
    return value / n, d_sigma / n, d_mu / n


def em_moments(patterns: tuple[Pattern, ...], p: int, tol: float = 1e-10, max_iter: int = 10_000) -> tuple[np.ndarray, np.ndarray]:
    """The saturated model's means and covariances (divisor N) by EM, from the patterns' sums and cross-products."""
    n = sum(pat.n for pat in patterns)
    sums = [pat.n * pat.mean for pat in patterns]
    cross = [pat.n * (pat.cov + np.outer(pat.mean, pat.mean)) for pat in patterns]
    # start: each item's observed mean and variance
    total, count, square = np.zeros(p), np.zeros(p), np.zeros(p)
    for pat, s, c in zip(patterns, sums, cross, strict=True):
        total[pat.observed] += s
        count[pat.observed] += pat.n
        square[pat.observed] += np.diag(c)
    mu = total / count
    sigma = np.diag(square / count - mu**2)
    for _ in range(max_iter):
        t1, t2 = np.zeros(p), np.zeros((p, p))
        for pat, s1, s2 in zip(patterns, sums, cross, strict=True):
            o = pat.observed
            u = np.setdiff1d(np.arange(p), o)
            k = pat.n
            if not len(u):
                t1 += s1
                t2 += s2
                continue
            b = sigma[np.ix_(u, o)] @ np.linalg.inv(sigma[np.ix_(o, o)])  # regression of the missing on the observed
            centred = s1 - k * mu[o]  # sum of (y_o - mu_o)
            fill = k * mu[u] + b @ centred  # sum of E[y_u | y_o]
            t1[o] += s1
            t1[u] += fill
            t2[np.ix_(o, o)] += s2
            uo = np.outer(mu[u], s1) + b @ (s2 - np.outer(mu[o], s1))  # sum of E[y_u] y_o'
            t2[np.ix_(u, o)] += uo
            t2[np.ix_(o, u)] += uo.T
            inner = s2 - np.outer(mu[o], s1) - np.outer(s1, mu[o]) + k * np.outer(mu[o], mu[o])  # sum of (y_o - mu_o)(y_o - mu_o)'
            t2[np.ix_(u, u)] += (k * np.outer(mu[u], mu[u]) + np.outer(mu[u], centred) @ b.T + b @ np.outer(centred, mu[u]) + b @ inner @ b.T
                                 + k * (sigma[np.ix_(u, u)] - b @ sigma[np.ix_(o, u)]))
        new_mu = t1 / n
        new_sigma = t2 / n - np.outer(new_mu, new_mu)
        change = max(np.abs(new_mu - mu).max(), np.abs(new_sigma - sigma).max())
        mu, sigma = new_mu, (new_sigma + new_sigma.T) / 2
        if change < tol:
            break
    return mu, sigma


@dataclass(frozen=True)
class MissingMoments:
    """A group's answers for FIML: its patterns, N (respondents answering anything), the saturated model's EM
    ``mean`` and ``cov`` (the "sample" moments of fit indices and starting values), that model's discrepancy
    ``h1`` and the baseline (independence) model's ``baseline``."""

    n: int
    patterns: tuple[Pattern, ...]
    mean: np.ndarray
    cov: np.ndarray
    h1: float
    baseline: float

    @classmethod
    def of(cls, data: np.ndarray) -> MissingMoments:
        """From ``data`` (respondents x items, NaN unanswered). Raises ``ValueError`` when no respondent answered
        anything or the saturated model's covariance matrix is not positive definite."""
        data = np.asarray(data, dtype=float)
        p = data.shape[1]
        patterns = missing_patterns(data)
        if not patterns:
            raise ValueError("no respondent answered any item")
        n = sum(pat.n for pat in patterns)
        try:
            mean, cov = em_moments(patterns, p)
            values = np.linalg.eigvalsh(cov)
            if not np.isfinite(values).all() or values.min() <= 1e-10 * max(values.max(), 1.0):
                raise np.linalg.LinAlgError("not positive definite")
            h1 = fiml_discrepancy(patterns, n, cov, mean)[0]
        except np.linalg.LinAlgError:
            raise ValueError(f"the answers of {n} respondents do not determine a positive-definite covariance matrix of {p} items "
                             "(too few respondents for so many items, or items answered together too rarely)") from None
        item_mean, item_var = np.nanmean(data, axis=0), np.nanvar(data, axis=0)
        baseline = fiml_discrepancy(patterns, n, np.diag(item_var), item_mean)[0]
        return cls(n, patterns, mean, cov, h1, baseline)


__all__ = ["MissingMoments", "Pattern", "em_moments", "fiml_discrepancy", "missing_patterns"]
