"""Confirmatory factor analysis of an independent-clusters model by maximum likelihood, one or several groups.

The model is the one a questionnaire's intended subscales define: each item loads on the
one factor of its subscale, factors correlate freely, residuals are uncorrelated,

    Sigma_g = Lambda_g Phi_g Lambda_g' + Theta_g,      mu_g = nu_g + Lambda_g alpha_g,

identified as lavaan identifies it by default: each factor's first item has loading 1
(the marker), factor variances and covariances are free. One group fits the covariance
matrix only (lavaan's ``cfa(model, data)``); several groups fit means too, and the
invariance levels add equality constraints across groups (lavaan's ``group.equal``):

configural
    the same pattern in every group, every parameter free;
metric
    equal loadings;
scalar
    equal loadings and intercepts, with the latent means free in every group but the
    first (fixed at 0 there).

The estimate minimises the normal-theory discrepancy summed over groups,
``F = sum_g (N_g / N) [log|Sigma_g| + tr(S_g Sigma_g^-1) + (ybar_g - mu_g)' Sigma_g^-1
(ybar_g - mu_g) - log|S_g| - p]``, with sample covariances of divisor N_g, by BFGS on its
analytic gradient; the test statistic is ``N F`` (lavaan's ``likelihood = "normal"``).
Fit indices are computed by :mod:`camhs_rom.stats.fit_indices`.

Written on scipy rather than taken from an SEM library: semopy (2.3) fits several groups
only separately (no cross-group equality constraints) and its DWLS is not the
categorical estimator; the estimates and fit indices here are tested against lavaan
0.6.14 to 1e-3 (``tests/test_cfa.py``, R script ``tests/fixtures/lavaan/cfa.R``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from camhs_rom.stats.fit_indices import FitIndices, fit_indices, srmr
from camhs_rom.stats.missing import MissingMoments, fiml_discrepancy

INVARIANCE_LEVELS = {"configural": (), "metric": ("loadings",), "scalar": ("loadings", "intercepts")}


@dataclass(frozen=True)
class Clusters:
    """An independent-clusters pattern: ``items`` in order and the factor each loads on."""

    items: tuple[str, ...]
    factor_of: tuple[str, ...]

    @classmethod
    def from_mapping(cls, subscales: dict[str, list[str]]) -> Clusters:
        """From ``{factor: [items]}`` (a questionnaire's intended subscales)."""
        items, factors = [], []
        for factor, members in subscales.items():
            items += list(members)
            factors += [factor] * len(members)
        return cls(tuple(items), tuple(factors))

    @property
    def factors(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.factor_of))

    def pattern(self) -> tuple[np.ndarray, np.ndarray]:
        """(item index, factor index) of each loading, and whether it is its factor's marker."""
        factor_index = np.array([self.factors.index(f) for f in self.factor_of])
        marker = np.array([self.factor_of.index(f) == i for i, f in enumerate(self.factor_of)])
        return factor_index, marker


@dataclass(frozen=True)
class GroupMoments:
    """A group's sample size, means and covariance matrix (divisor N)."""

    n: int
    mean: np.ndarray
    cov: np.ndarray

    @classmethod
    def of(cls, data: np.ndarray) -> GroupMoments:
        data = np.asarray(data, dtype=float)
        return cls(len(data), data.mean(axis=0), np.cov(data, rowvar=False, bias=True))


@dataclass(frozen=True)
class CfaResult:
    """A fitted model: per-group matrices, the standardised solution and its fit."""

    loadings: list[np.ndarray]  # per group, p x m
    factor_cov: list[np.ndarray]  # per group, m x m
    residual_var: list[np.ndarray]  # per group, p
    intercepts: list[np.ndarray] | None
    latent_means: list[np.ndarray] | None
    chisq: float
    df: int
    fit: FitIndices
    converged: bool

    def standardized_loadings(self, group: int = 0) -> np.ndarray:
        """Loadings of the completely standardised solution (lavaan's ``std.all``)."""
        lam, phi, theta = self.loadings[group], self.factor_cov[group], self.residual_var[group]
        implied = np.einsum("ik,kl,il->i", lam, phi, lam) + theta
        return lam * np.sqrt(np.diag(phi))[None, :] / np.sqrt(implied)[:, None]

    def factor_correlations(self, group: int = 0) -> np.ndarray:
        phi = self.factor_cov[group]
        scale = 1 / np.sqrt(np.diag(phi))
        return phi * np.outer(scale, scale)


def cluster_starts(matrix: np.ndarray, factor_index: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Starting loadings and factor variances: each cluster's first principal component of ``matrix``, scaled to its marker.

    The marker's loading is 1 and the factor's variance the marker's squared component
    loading; the signs follow the data, so a reverse-keyed item starts negative.
    """
    lam, variance = np.ones(len(factor_index)), np.ones(m)
    for k in range(m):
        members = np.flatnonzero(factor_index == k)
        values, vectors = np.linalg.eigh(matrix[np.ix_(members, members)])
        component = vectors[:, -1] * np.sqrt(values[-1])
        lam[members] = component / component[0]
        variance[k] = component[0] ** 2
    return lam, variance


class ParameterIndex:
    """Numbers the free parameters of a model: a new one per call, or one index per ``key`` for parameters
    held equal across groups (an equality constraint is a shared index); ``size`` is how many so far."""

    def __init__(self):
        self.size, self._shared = 0, {}

    def __call__(self, key=None, is_shared: bool = False) -> int:
        if is_shared and key in self._shared:
            return self._shared[key]
        index, self.size = self.size, self.size + 1
        if is_shared:
            self._shared[key] = index
        return index


class _Layout:
    """Where each free parameter sits in each group's matrices; shared indices are equality constraints."""

    def __init__(self, clusters: Clusters, groups: int, equal: tuple[str, ...], means: bool):
        self.p, self.m = len(clusters.items), len(clusters.factors)
        self.factor_index, marker = clusters.pattern()
        self.means = means
        free = ParameterIndex()

        lower = np.tril_indices(self.m)
        self.lam, self.phi, self.theta, self.nu, self.alpha = [], [], [], [], []
        for g in range(groups):
            self.lam.append(np.array([-1 if marker[i] else free(("lambda", i), "loadings" in equal) for i in range(self.p)]))
            self.phi.append(np.array([free(None, False) for _ in lower[0]]))
            self.theta.append(np.array([free(None, False) for _ in range(self.p)]))
            if means:
                self.nu.append(np.array([free(("nu", i), "intercepts" in equal) for i in range(self.p)]))
                latent_free = "intercepts" in equal and g > 0
                self.alpha.append(np.array([free(None, False) if latent_free else -1 for _ in range(self.m)]))
        self.lower = lower
        self.size = free.size

    def matrices(self, x: np.ndarray, g: int):
        lam = np.zeros((self.p, self.m))
        rows = np.arange(self.p)
        lam[rows, self.factor_index] = np.where(self.lam[g] >= 0, x[np.maximum(self.lam[g], 0)], 1.0)
        phi = np.zeros((self.m, self.m))
        phi[self.lower] = x[self.phi[g]]
        phi = phi + np.tril(phi, -1).T
        theta = x[self.theta[g]]
        if not self.means:
            return lam, phi, theta, None, None
        nu = x[self.nu[g]]
        alpha = np.where(self.alpha[g] >= 0, x[np.maximum(self.alpha[g], 0)], 0.0)
        return lam, phi, theta, nu, alpha

    def start(self, moments: list[GroupMoments]) -> np.ndarray:
        """Starting values from each cluster's first principal component, scaled to its marker."""
        x = np.zeros(self.size)
        for g, mom in enumerate(moments):
            lam, phi_diag = cluster_starts(mom.cov, self.factor_index, self.m)
            var = np.diag(mom.cov)
            free_lam = self.lam[g] >= 0
            x[self.lam[g][free_lam]] = lam[free_lam]
            x[self.phi[g]] = np.diag(phi_diag)[self.lower]
            x[self.theta[g]] = np.maximum(var - lam**2 * phi_diag[self.factor_index], 0.1 * var)
            if self.means:
                x[self.nu[g]] = mom.mean
        return x


def _group_discrepancy(mom: GroupMoments | MissingMoments, sigma: np.ndarray, mu: np.ndarray | None):
    """One group's F (zero at the saturated model) and its gradients in Sigma and mu (None without means)."""
    if isinstance(mom, MissingMoments):
        value, big_g, d_mu = fiml_discrepancy(mom.patterns, mom.n, sigma, mu)
        return value - mom.h1, big_g, d_mu
    chol = np.linalg.cholesky(sigma)
    inv = np.linalg.inv(sigma)
    moment = mom.cov.copy()
    if mu is not None:
        resid = mom.mean - mu
        moment = moment + np.outer(resid, resid)
    _, logdet_s = np.linalg.slogdet(mom.cov)
    value = 2 * np.log(np.diag(chol)).sum() + np.trace(moment @ inv) - logdet_s - len(sigma)
    return value, inv - inv @ moment @ inv, (-2 * inv @ resid if mu is not None else None)


def _discrepancy(x: np.ndarray, layout: _Layout, moments: list, total: int):
    """F and its gradient (sum over groups weighted by N_g / N)."""
    value, grad = 0.0, np.zeros_like(x)
    rows = np.arange(layout.p)
    for g, mom in enumerate(moments):
        lam, phi, theta, nu, alpha = layout.matrices(x, g)
        sigma = lam @ phi @ lam.T + np.diag(theta)
        try:
            f, big_g, d_mu = _group_discrepancy(mom, sigma, (nu + lam @ alpha) if layout.means else None)
        except np.linalg.LinAlgError:
            return np.inf, np.zeros_like(x)
        weight = mom.n / total
        value += weight * f
        d_lam = 2 * big_g @ lam @ phi  # big_g: dF/dSigma (symmetric)
        d_phi = 2 * lam.T @ big_g @ lam - np.diag(np.diag(lam.T @ big_g @ lam))
        d_theta = np.diag(big_g)
        if layout.means:
            d_lam = d_lam + np.outer(d_mu, alpha)
            d_alpha = lam.T @ d_mu
            np.add.at(grad, layout.nu[g], weight * d_mu)
            keep = layout.alpha[g] >= 0
            np.add.at(grad, layout.alpha[g][keep], weight * d_alpha[keep])
        keep = layout.lam[g] >= 0
        np.add.at(grad, layout.lam[g][keep], weight * d_lam[rows, layout.factor_index][keep])
        np.add.at(grad, layout.phi[g], weight * d_phi[layout.lower])
        np.add.at(grad, layout.theta[g], weight * d_theta)
    return value, grad


DENSE_LIMIT = 400  # free parameters up to which BFGS (a dense inverse Hessian) is used; L-BFGS-B above


def fit_ml(clusters: Clusters, moments: list, level: str = "configural", method: str | None = None) -> CfaResult:
    """Fit the clusters model by ML to one group (covariances) or several (means and covariances).

    ``moments``: per group, :class:`GroupMoments` (complete rows) or
    :class:`camhs_rom.stats.missing.MissingMoments` (full-information ML on every answer given,
    lavaan's ``missing = "ml"``: means are then modelled for one group too, and the "sample"
    moments of SRMR are the saturated model's EM estimates, means included). ``level`` is an
    invariance level (:data:`INVARIANCE_LEVELS`); with one group only ``configural`` applies.
    ``method``: the optimiser, ``BFGS`` or ``L-BFGS-B``; None chooses BFGS up to :data:`DENSE_LIMIT`
    free parameters and L-BFGS-B above (many groups: a consortium's sites), whose memory and time per
    step grow linearly rather than quadratically with the parameters; both stop at the same optimum
    (``tests/test_consortium_stats.py`` compares them, and each with lavaan).
    Raises ``ValueError`` when a group's covariance matrix is not positive definite (fewer
    respondents than items, or an item a combination of others).
    """
    if level not in INVARIANCE_LEVELS:
        raise ValueError(f"unknown invariance level {level!r}")
    for mom in moments:
        if np.linalg.eigvalsh(mom.cov).min() <= 1e-10:
            raise ValueError(f"a group of {mom.n} respondents has a singular covariance matrix for {len(clusters.items)} items")
    full_information = any(isinstance(mom, MissingMoments) for mom in moments)
    means = len(moments) > 1 or full_information
    layout = _Layout(clusters, len(moments), INVARIANCE_LEVELS[level], means)
    total = sum(m.n for m in moments)
    method = method or ("BFGS" if layout.size <= DENSE_LIMIT else "L-BFGS-B")
    options = {"gtol": 1e-9, "maxiter": 10_000} if method == "BFGS" else {"gtol": 1e-10, "ftol": 1e-15, "maxcor": 50, "maxiter": 50_000}
    result = optimize.minimize(_discrepancy, layout.start(moments), args=(layout, moments, total), jac=True, method=method, options=options)
    x = result.x
    p = layout.p
    per_group = p * (p + 1) // 2 + (p if means else 0)
    df = len(moments) * per_group - layout.size
    chisq = total * result.fun
    baseline = sum(m.n * (m.baseline - m.h1 if isinstance(m, MissingMoments) else np.log(np.diag(m.cov)).sum() - np.linalg.slogdet(m.cov)[1]) for m in moments)
    mats = [layout.matrices(x, g) for g in range(len(moments))]
    implied = [(lam @ phi @ lam.T + np.diag(theta), (nu + lam @ alpha) if means else None) for lam, phi, theta, nu, alpha in mats]
    residual = srmr([m.cov for m in moments], [s for s, _ in implied], [m.mean for m in moments] if means else None, [mu for _, mu in implied] if means else None, [m.n for m in moments])
    fit = fit_indices(chisq, df, baseline, len(moments) * p * (p - 1) // 2, total, len(moments), residual)
    return CfaResult(
        loadings=[m[0] for m in mats],
        factor_cov=[m[1] for m in mats],
        residual_var=[m[2] for m in mats],
        intercepts=[m[3] for m in mats] if means else None,
        latent_means=[m[4] for m in mats] if means else None,
        chisq=float(chisq),
        df=int(df),
        fit=fit,
        converged=bool(result.success or np.abs(result.jac).max() < 1e-6),
    )


def group_moments(data: pd.DataFrame, items: list[str], group: pd.Series | None = None) -> tuple[list[str], list[GroupMoments]]:
    """Moments of the complete rows of ``items``, overall or per group (groups in sorted order)."""
    if group is None:
        return ["all"], [GroupMoments.of(data[items].dropna().to_numpy())]
    names = sorted(group.dropna().unique())
    return [str(n) for n in names], [GroupMoments.of(data.loc[group == n, items].dropna().to_numpy()) for n in names]
