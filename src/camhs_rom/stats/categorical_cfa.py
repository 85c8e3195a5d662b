"""Confirmatory factor analysis of ordinal items: DWLS on polychoric correlations with a robust test (WLSMV).

The items are taken as cut normal variables (:mod:`camhs_rom.stats.polychoric`). The
sample statistics are each item's thresholds and the polychoric correlations; their
asymptotic covariance matrix Gamma (times N) is estimated as Muthen (1984) and lavaan
do: per respondent, the scores of the univariate threshold likelihoods and of each
pair's bivariate likelihood in its correlation, combined with the correlations'
sensitivity to the thresholds,

    Gamma = N B^-1 (sum_i s_i s_i') B^-T,   B = [[A11, 0], [A21, A22]],

where A11 is the thresholds' (block-diagonal) outer-product information, A22 the
diagonal of the correlations' and A21 the cross products of each correlation's score
with the bivariate threshold scores.

The independent-clusters model (:class:`camhs_rom.stats.cfa.Clusters`, marker-variable
identification) is fitted in the delta parameterisation: model correlations
``Lambda Phi Lambda'`` off the diagonal (residual variances ``1 - diag``), thresholds free,
by minimising ``(s - sigma)' W (s - sigma)`` with ``W = diag(Gamma)^-1`` (diagonally
weighted least squares). The test statistic is ``T = (N - 1) F`` (lavaan's scaling for this estimator); the robust test is the
scaled-and-shifted statistic (Asparouhov & Muthen, 2010) ``a T + b`` with
``a = sqrt(df / tr((U Gamma)^2))``, ``b = df - a tr(U Gamma)``,
``U = W - W Delta (Delta' W Delta)^-1 Delta' W`` and Delta the model's Jacobian; the
baseline model (all correlations zero) is treated alike, and CFI, TLI and RMSEA are
reported from both the plain and the scaled statistics (lavaan's ``cfi`` and
``cfi.scaled``). SRMR is the root mean square residual correlation over the lower
triangle with the diagonal (where the residual is zero).

Each item's categories are those it was answered with (an unused category has no
threshold), respondents must have answered every item, and empty cells of a pair's table
are left empty (lavaan's defaults for tables larger than 2 x 2). Written on scipy: no
maintained Python library estimates this model (semopy's DWLS weights the covariance
matrix of continuous data); tested against lavaan 0.6.14 to 1e-3 in
``tests/test_cfa.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.special import ndtr

from camhs_rom.stats.cfa import Clusters, cluster_starts
from camhs_rom.stats.fit_indices import FitIndices, cfi_tli, fit_indices, rmsea
from camhs_rom.stats.polychoric import CLIP, bivariate_normal_cdf, bivariate_normal_pdf, polychoric, thresholds


@dataclass(frozen=True)
class OrdinalMoments:
    """Thresholds, polychoric correlations and Gamma of complete ordinal answers."""

    n: int
    thresholds: list[np.ndarray]  # per item, its observed categories' thresholds
    correlations: np.ndarray  # p x p
    gamma: np.ndarray  # N x asymptotic covariance of (thresholds..., correlations in lavaan's order)


def _pairs(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Item pairs in lavaan's order (the lower triangle column by column)."""
    return np.triu_indices(p, k=1)


def ordinal_moments(codes: pd.DataFrame) -> OrdinalMoments:
    """Thresholds, polychoric correlations and Gamma of integer-coded ordinal items (complete rows only)."""
    data = codes.dropna()
    ranks = np.column_stack([np.unique(data[c].to_numpy(), return_inverse=True)[1] for c in data.columns])  # 0-based observed category
    n, p = ranks.shape
    levels = ranks.max(axis=0) + 1
    if (levels < 2).any():
        raise ValueError(f"item {data.columns[int(np.argmin(levels))]!r} has a single observed category")
    rho, _ = polychoric(pd.DataFrame(ranks + 1.0, columns=data.columns), categories=int(levels.max()))
    r = rho.to_numpy()
    tau = thresholds(ranks + 1.0, int(levels.max()))  # an item's thresholds beyond its own categories are +inf
    cuts = [np.concatenate([[-np.inf], tau[j, : levels[j] - 1], [np.inf]]) for j in range(p)]  # per item: [-inf, thresholds, +inf]
    # univariate threshold scores, n x (sum of thresholds), items in order
    starts = np.concatenate([[0], np.cumsum(levels - 1)])
    score_th = np.zeros((n, starts[-1]))
    rows = np.arange(n)
    for j in range(p):
        upper, lower = cuts[j][ranks[:, j] + 1], cuts[j][ranks[:, j]]
        prob = ndtr(upper) - ndtr(lower)
        top = ranks[:, j] < levels[j] - 1
        score_th[rows[top], starts[j] + ranks[top, j]] = stats.norm.pdf(upper[top]) / prob[top]
        bottom = ranks[:, j] > 0
        score_th[rows[bottom], starts[j] + ranks[bottom, j] - 1] = -stats.norm.pdf(lower[bottom]) / prob[bottom]
    first, second = _pairs(p)
    score_rho = np.zeros((n, len(first)))
    a21 = np.zeros((len(first), starts[-1]))
    for q, (i, j) in enumerate(zip(first, second, strict=True)):
        rq = r[i, j]
        ui, li = cuts[i][ranks[:, i] + 1], cuts[i][ranks[:, i]]
        uj, lj = cuts[j][ranks[:, j] + 1], cuts[j][ranks[:, j]]
        cdf = bivariate_normal_cdf
        prob = cdf(ui, uj, rq) - cdf(li, uj, rq) - cdf(ui, lj, rq) + cdf(li, lj, rq)
        dens = bivariate_normal_pdf
        d_rho = dens(ui, uj, rq) - dens(li, uj, rq) - dens(ui, lj, rq) + dens(li, lj, rq)
        score_rho[:, q] = d_rho / prob
        s = np.sqrt(1 - rq * rq)
        for (a, b, upper, lower, other_u, other_l) in ((i, ranks[:, i], ui, li, uj, lj), (j, ranks[:, j], uj, lj, ui, li)):
            d_upper = stats.norm.pdf(upper) * (ndtr((np.clip(other_u, -CLIP, CLIP) - rq * upper) / s) - ndtr((np.clip(other_l, -CLIP, CLIP) - rq * upper) / s)) / prob
            d_lower = -stats.norm.pdf(lower) * (ndtr((np.clip(other_u, -CLIP, CLIP) - rq * lower) / s) - ndtr((np.clip(other_l, -CLIP, CLIP) - rq * lower) / s)) / prob
            block = np.zeros((n, levels[a] - 1))
            top, bottom = b < levels[a] - 1, b > 0
            block[rows[top], b[top]] = d_upper[top]
            block[rows[bottom], b[bottom] - 1] = d_lower[bottom]
            a21[q, starts[a] : starts[a + 1]] = score_rho[:, q] @ block
    scores = np.hstack([score_th, score_rho])
    inner = scores.T @ scores
    a11 = np.zeros((starts[-1], starts[-1]))
    for j in range(p):
        block = slice(starts[j], starts[j + 1])
        a11[block, block] = inner[block, block]
    a11_inv = np.linalg.inv(a11)
    a22_inv = np.diag(1 / np.diag(inner)[starts[-1] :])
    b_inv = np.block([[a11_inv, np.zeros((starts[-1], len(first)))], [-a22_inv @ a21 @ a11_inv, a22_inv]])
    gamma = n * b_inv @ inner @ b_inv.T
    return OrdinalMoments(n, [c[1:-1] for c in cuts], r, gamma)


@dataclass(frozen=True)
class CategoricalCfaResult:
    loadings: np.ndarray  # p x m, marker identification
    factor_cov: np.ndarray
    chisq: float
    df: int
    fit: FitIndices  # from the plain statistic
    scaled: dict  # chisq, df, pvalue, scaling factor, shift, cfi, tli, rmsea, baseline chisq (scaled-shifted)
    converged: bool

    def standardized_loadings(self) -> np.ndarray:
        return self.loadings * np.sqrt(np.diag(self.factor_cov))[None, :]

    def factor_correlations(self) -> np.ndarray:
        scale = 1 / np.sqrt(np.diag(self.factor_cov))
        return self.factor_cov * np.outer(scale, scale)


def _scaled_shifted(stat: float, df: int, weights: np.ndarray, jacobian: np.ndarray, gamma: np.ndarray) -> tuple[float, float, float]:
    """The scaled-and-shifted statistic and its a (scaling) and b (shift)."""
    w = np.diag(weights)
    wd = w @ jacobian
    u = w - wd @ np.linalg.solve(jacobian.T @ wd, wd.T)
    ug = u @ gamma
    a = np.sqrt(df / np.trace(ug @ ug))
    b = df - a * np.trace(ug)
    return a * stat + b, a, b


def fit_dwls(clusters: Clusters, moments: OrdinalMoments) -> CategoricalCfaResult:
    """Fit the clusters model to ordinal moments by DWLS (see the module docstring)."""
    factor_index, marker = clusters.pattern()
    p, m = len(clusters.items), len(clusters.factors)
    first, second = _pairs(p)
    n_th = sum(len(t) for t in moments.thresholds)
    observed = moments.correlations[first, second]
    weights = 1 / np.diag(moments.gamma)
    w_rho = weights[n_th:]
    lower = np.tril_indices(m)
    free_lam = np.flatnonzero(~marker)

    def unpack(x):
        lam = np.ones(p)
        lam[free_lam] = x[: len(free_lam)]
        phi = np.zeros((m, m))
        phi[lower] = x[len(free_lam) :]
        return lam, phi + np.tril(phi, -1).T

    def model(x):
        lam, phi = unpack(x)
        return lam[first] * lam[second] * phi[factor_index[first], factor_index[second]]

    def jacobian(x):  # d model correlations / d (free loadings, phi lower)
        lam, phi = unpack(x)
        fi, fj = factor_index[first], factor_index[second]
        jac = np.zeros((len(first), len(x)))
        for col, item in enumerate(free_lam):
            jac[:, col] = np.where(first == item, lam[second] * phi[fi, fj], 0.0) + np.where(second == item, lam[first] * phi[fi, fj], 0.0)
        for col, (k, l) in enumerate(zip(*lower, strict=True)):
            hit = ((fi == k) & (fj == l)) | ((fi == l) & (fj == k))
            jac[:, len(free_lam) + col] = np.where(hit, lam[first] * lam[second], 0.0)
        return jac

    root = np.sqrt(w_rho)
    corr = np.eye(p)
    corr[first, second] = corr[second, first] = observed
    lam_start, var_start = cluster_starts(corr, factor_index, m)
    start = np.concatenate([lam_start[~marker], np.diag(var_start)[lower]])
    solution = optimize.least_squares(lambda x: root * (observed - model(x)), start, jac=lambda x: -root[:, None] * jacobian(x), xtol=1e-15, ftol=1e-15, gtol=1e-12)
    x = solution.x
    lam, phi = unpack(x)
    n = moments.n
    resid = observed - model(x)
    stat = (n - 1) * float(np.sum(w_rho * resid**2))  # lavaan scales the DWLS statistic by N - 1
    df = len(first) - len(x)
    full_jac = np.block([[np.eye(n_th), np.zeros((n_th, len(x)))], [np.zeros((len(first), n_th)), jacobian(x)]])
    scaled_stat, a, b = _scaled_shifted(stat, df, weights, full_jac, moments.gamma)
    base_stat = (n - 1) * float(np.sum(w_rho * observed**2))
    base_df = len(first)
    base_jac = np.vstack([np.eye(n_th), np.zeros((len(first), n_th))])
    base_scaled, _, _ = _scaled_shifted(base_stat, base_df, weights, base_jac, moments.gamma)
    srmr = float(np.sqrt(np.sum(resid**2) / (p * (p + 1) / 2)))  # over the lower triangle with the (zero) diagonal
    fit = fit_indices(stat, df, base_stat, base_df, n - 1, 1, srmr)  # RMSEA with N - 1, as the statistic
    cfi_s, tli_s = cfi_tli(scaled_stat, df, base_scaled, base_df)
    scaled = {
        "chisq": scaled_stat,
        "df": df,
        "pvalue": float(stats.chi2.sf(scaled_stat, df)),
        "scaling_factor": 1 / a,
        "shift": b,
        "baseline_chisq": base_scaled,
        "cfi": cfi_s,
        "tli": tli_s,
        "rmsea": rmsea(scaled_stat, df, n - 1)[0],
    }
    lam_matrix = np.zeros((p, m))
    lam_matrix[np.arange(p), factor_index] = lam
    return CategoricalCfaResult(lam_matrix, phi, stat, df, fit, scaled, bool(solution.success))
