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
from camhs_rom.stats.fit_indices import FitIndices, cfi_tli, fit_indices, noncentrality_bounds, rmsea
from camhs_rom.stats.polychoric import (
    CLIP,
    bivariate_normal_cdf,
    bivariate_normal_pdf,
    cell_values,
    contingency_tables,
    polychoric,
    thresholds,
)


@dataclass(frozen=True)
class OrdinalMoments:
    """Thresholds, polychoric correlations and Gamma of complete ordinal answers.

    Gamma itself (a q x q matrix, q = thresholds + pairs: 3.4 GB for 200 items) is never
    formed: the estimator needs its diagonal (the DWLS weights) and, for the robust test,
    only its correlation block, kept as a root ``R`` with ``R'R`` = that block (``R`` has
    the smaller of N and the number of pairs as rows).
    """

    n: int
    thresholds: list[np.ndarray]  # per item, its observed categories' thresholds
    correlations: np.ndarray  # p x p
    gamma_diagonal: np.ndarray  # diag of N x asymptotic covariance of (thresholds..., correlations in lavaan's order)
    gamma_root: np.ndarray  # R with R'R = the correlations' block of that matrix
    gamma_root_full: np.ndarray | None = None  # R with R'R = the whole matrix (ordinal_moments(full=True))
    categories: tuple[tuple[float, ...], ...] = ()  # each item's observed answer codes (its thresholds lie between them)


def _pairs(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Item pairs in lavaan's order (the lower triangle column by column)."""
    return np.triu_indices(p, k=1)


def _threshold_slopes(cuts_a: np.ndarray, cuts_b: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """d P(cell) / d (item a's cut c), for every pair, cut c and category of item b: pairs x K+1 x K.

    d Phi2(h, k) / dh = phi(h) Phi((k - rho h) / sqrt(1 - rho^2)); a cell's probability
    gains it at its upper cut and loses it at its lower one.
    """
    s = np.sqrt(1 - rho * rho)[:, None, None]
    inner = ndtr((cuts_b[:, None, :] - rho[:, None, None] * cuts_a[:, :, None]) / s)  # pairs x K+1 (a's cut) x K+1 (b's cut)
    return stats.norm.pdf(cuts_a)[:, :, None] * np.diff(inner, axis=2)


def ordinal_moments(codes: pd.DataFrame, full: bool = False) -> OrdinalMoments:
    """Thresholds, polychoric correlations and Gamma of integer-coded ordinal items (complete rows only).

    ``full``: also a root of the whole of Gamma, thresholds included (the models whose thresholds
    are constrained, :mod:`camhs_rom.stats.ordinal_invariance`, need it).

    Every per-respondent score depends only on the respondent's category (one item) or
    cell (a pair), so the bivariate probabilities and their derivatives are computed once
    per cell of each pair's table, and sums over respondents are sums over cells weighted
    by the counts.
    """
    data = codes.dropna()
    ranks = np.column_stack([np.unique(data[c].to_numpy(), return_inverse=True)[1] for c in data.columns])  # 0-based observed category
    n, p = ranks.shape
    levels = ranks.max(axis=0) + 1
    if (levels < 2).any():
        raise ValueError(f"item {data.columns[int(np.argmin(levels))]!r} has a single observed category")
    k = int(levels.max())
    rho, _ = polychoric(pd.DataFrame(ranks + 1.0, columns=data.columns), categories=k)
    r = rho.to_numpy()
    tau = thresholds(ranks + 1.0, k)  # an item's thresholds beyond its own categories are +inf
    cuts = np.full((p, k + 1), np.inf)  # per item: [-inf, its thresholds, +inf, ...]
    cuts[:, 0] = -np.inf
    for j in range(p):
        cuts[j, 1 : levels[j]] = tau[j, : levels[j] - 1]
    # univariate threshold scores, n x (sum of thresholds), items in order, and their per-item information blocks A11
    starts = np.concatenate([[0], np.cumsum(levels - 1)])
    n_th = int(starts[-1])
    score_th = np.zeros((n, n_th))
    rows = np.arange(n)
    a11 = np.zeros((n_th, n_th))
    for j in range(p):
        upper, lower = cuts[j][ranks[:, j] + 1], cuts[j][ranks[:, j]]
        prob = ndtr(upper) - ndtr(lower)
        top = ranks[:, j] < levels[j] - 1
        score_th[rows[top], starts[j] + ranks[top, j]] = stats.norm.pdf(upper[top]) / prob[top]
        bottom = ranks[:, j] > 0
        score_th[rows[bottom], starts[j] + ranks[bottom, j] - 1] = -stats.norm.pdf(lower[bottom]) / prob[bottom]
        block = slice(starts[j], starts[j + 1])
        a11[block, block] = score_th[:, block].T @ score_th[:, block]
    z_th = score_th @ np.linalg.inv(a11)  # each respondent's threshold influence, A11^-1 s
    # per pair and cell: probability, its slope in rho, the score in rho, and the cross information A21
    first, second = _pairs(p)
    counts = contingency_tables(ranks[None] + 1.0, k)[0][first, second]  # pairs x K x K
    ci, cj, rq = np.clip(cuts[first], -CLIP, CLIP), np.clip(cuts[second], -CLIP, CLIP), r[first, second]
    corners = (ci[:, :, None], cj[:, None, :], rq[:, None, None])
    prob = cell_values(bivariate_normal_cdf(*corners))
    with np.errstate(divide="ignore", invalid="ignore"):
        score_cell = np.where(prob > 0, cell_values(bivariate_normal_pdf(*corners)) / prob, 0.0)  # d log P / d rho
        weighted = np.where(prob > 0, counts * score_cell / prob, 0.0)
    a22 = (counts * score_cell**2).sum(axis=(1, 2))
    # a cut t of item a is the upper edge of category t - 1 and the lower edge of category t
    slope_i = _threshold_slopes(ci, cj, rq)[:, 1:k, :]  # pairs x K-1 x K (item j's category)
    slope_j = _threshold_slopes(cj, ci, rq)[:, 1:k, :]
    a21_i = (slope_i * (weighted[:, :-1, :] - weighted[:, 1:, :])).sum(axis=2)  # pairs x K-1
    a21_j = (slope_j * (weighted[:, :, :-1] - weighted[:, :, 1:]).transpose(0, 2, 1)).sum(axis=2)
    a21 = np.zeros((len(first), n_th))
    for q, (i, j) in enumerate(zip(first, second, strict=True)):
        a21[q, starts[i] : starts[i + 1]] = a21_i[q, : levels[i] - 1]
        a21[q, starts[j] : starts[j + 1]] = a21_j[q, : levels[j] - 1]
    # each respondent's correlation influence A22^-1 (s_rho - A21 A11^-1 s_th), in chunks of respondents;
    # Gamma = N Z'Z, so N x colsum(Z^2) is its diagonal and sqrt(N) Z (or a root of N Z'Z) the root of its correlation block
    pairs = np.arange(len(first))
    diag_rho, roots = np.zeros(len(first)), {"rho": _RootBuilder(n, len(first))}
    if full:
        roots["full"] = _RootBuilder(n, n_th + len(first))
    chunk = max(1, int(4e6 // max(len(first) + (n_th if full else 0), 1)))
    for begin in range(0, n, chunk):
        part = ranks[begin : begin + chunk]
        z = (score_cell[pairs, part[:, first], part[:, second]] - z_th[begin : begin + chunk] @ a21.T) / a22
        diag_rho += (z * z).sum(axis=0)
        roots["rho"].add(z)
        if full:
            roots["full"].add(np.hstack([z_th[begin : begin + chunk], z]))
    diagonal = n * np.concatenate([(z_th * z_th).sum(axis=0), diag_rho])
    observed = tuple(tuple(float(v) for v in np.unique(data[c].to_numpy())) for c in data.columns)
    return OrdinalMoments(n, [c[1 : levels[j]] for j, c in enumerate(cuts)], r, diagonal, roots["rho"].root(),
                          roots["full"].root() if full else None, observed)


class _RootBuilder:
    """A root R of N Z'Z (R'R = N Z'Z) from the rows of Z in chunks: sqrt(N) Z itself when Z has no more rows
    than columns, else the eigen-root of the Gram matrix (columns x columns)."""

    def __init__(self, n: int, columns: int):
        self.n, self.keep = n, n <= columns
        self.kept: list[np.ndarray] = []
        self.gram = None if self.keep else np.zeros((columns, columns))

    def add(self, z: np.ndarray) -> None:
        if self.keep:
            self.kept.append(z)
        else:
            self.gram += z.T @ z

    def root(self) -> np.ndarray:
        if self.keep:
            return np.sqrt(self.n) * np.vstack(self.kept)
        values, vectors = np.linalg.eigh(self.n * self.gram)
        return (vectors * np.sqrt(np.clip(values, 0.0, None))).T


@dataclass(frozen=True)
class CategoricalCfaResult:
    loadings: np.ndarray  # p x m, marker identification
    factor_cov: np.ndarray
    chisq: float
    df: int
    fit: FitIndices  # from the plain statistic
    scaled: dict  # chisq, df, pvalue, scaling factor, shift, cfi, tli, rmsea, baseline chisq (scaled-shifted); *_robust (robust_indices)
    converged: bool

    def standardized_loadings(self) -> np.ndarray:
        return self.loadings * np.sqrt(np.diag(self.factor_cov))[None, :]

    def factor_correlations(self) -> np.ndarray:
        scale = 1 / np.sqrt(np.diag(self.factor_cov))
        return self.factor_cov * np.outer(scale, scale)


def _scaled_shifted(stat: float, df: int, weights: np.ndarray, jacobian: np.ndarray | None, root: np.ndarray) -> tuple[float, float, float]:
    """The scaled-and-shifted statistic and its a (scaling) and b (shift).

    Only the correlations enter: the thresholds are free and fitted exactly, so their
    block of ``U`` is zero. With ``Gamma``'s correlation block ``R'R``, ``tr(U Gamma) =
    tr(R U R')`` and ``tr((U Gamma)^2) = ||R U R'||^2`` (Frobenius); ``U`` is applied as
    ``W - W J (J' W J)^-1 J' W`` without forming it (``jacobian`` None: the baseline, ``U = W``).
    """
    ru = root * weights[None, :]
    if jacobian is not None:
        wj = weights[:, None] * jacobian
        ru = ru - (ru @ jacobian) @ np.linalg.solve(jacobian.T @ wj, wj.T)
    inner = ru @ root.T
    a = np.sqrt(df / float(np.sum(inner * inner)))
    b = df - a * float(np.sum(ru * root))
    return a * stat + b, a, b


def robust_indices(sample: np.ndarray, implied: np.ndarray, weights: np.ndarray, jacobian: np.ndarray, root: np.ndarray, df: int,
                   baseline_df: int, n: int, level: float = 0.90) -> dict:
    """lavaan's robust CFI, TLI and RMSEA (with its interval) for ordered items (Savalei, 2021; lavaan >= 0.6-13).

    The ML discrepancy of the DWLS estimates on the polychoric matrix ``sample`` (the "catML"
    statistic) ``T3 = N (log|Sigma| - log|S| + tr(S Sigma^-1) - p)``, ``Sigma`` the model's
    ``implied`` correlations, is corrected by its own scaling factor
    ``c3 = tr(U' V U Gamma) / df``: ``V`` the normal-theory weight of the correlations at
    ``Sigma`` (``s^ik s^jl + s^il s^jk`` for pairs ij and kl), ``U = I - J (J' W J)^-1 J' W`` the
    DWLS residual projection (``W`` the diagonal weights, ``J`` the model's Jacobian) and
    ``Gamma = R'R`` the correlations' asymptotic covariance (``root`` R). The baseline
    (``Sigma = I``) has ``T3_0 = -N log|S|`` and ``c3_0 = tr(Gamma) / baseline_df``. Then CFI
    ``1 - max(T3 - c3 df, 0) / max(T3 - c3 df, T3_0 - c3_0 df_0, 0)``, TLI
    ``1 - (T3 - c3 df) df_0 / ((T3_0 - c3_0 df_0) df)``, RMSEA ``sqrt(max(T3 / (M df) - c3 / M, 0))``
    and its interval ``sqrt(c3 lambda / (M df))`` at the noncentralities bounding ``T3 / c3``, with
    ``M = N - 1`` as lavaan has it. Tested against lavaan 0.6.14 in ``tests/test_cfa.py``.
    NaN when ``sample`` is not positive definite (lavaan's check: an eigenvalue below sqrt(eps)).
    """
    empty = {"cfi": np.nan, "tli": np.nan, "rmsea": np.nan, "rmsea_ci_low": np.nan, "rmsea_ci_high": np.nan}
    p = len(sample)
    if df <= 0 or np.linalg.eigvalsh(sample).min() < np.sqrt(np.finfo(float).eps):
        return empty
    inverse = np.linalg.inv(implied)
    t3 = n * (np.linalg.slogdet(implied)[1] - np.linalg.slogdet(sample)[1] + float(np.sum(sample * inverse)) - p)
    t3_null = -n * np.linalg.slogdet(sample)[1]
    first, second = _pairs(p)
    v = inverse[first][:, first] * inverse[second][:, second] + inverse[first][:, second] * inverse[second][:, first]
    wj = weights[:, None] * jacobian
    ur = root.T - jacobian @ np.linalg.solve(jacobian.T @ wj, wj.T @ root.T)  # U R'
    c3 = float(np.sum(ur * (v @ ur))) / df
    c3_null = float(np.sum(root * root)) / baseline_df
    excess, excess_null = t3 - c3 * df, t3_null - c3_null * baseline_df
    denominator = max(excess, excess_null, 0.0)
    cfi = 1.0 - max(excess, 0.0) / denominator if denominator > 0 else 1.0
    tli = 1.0 - excess * baseline_df / (excess_null * df) if excess_null != 0 else 1.0
    low, high = noncentrality_bounds(t3 / c3, df, level)
    m = n - 1  # lavaan's RMSEA divides by the N of the DWLS statistic, N - 1
    return {"cfi": cfi, "tli": tli, "rmsea": float(np.sqrt(max(t3 / (m * df) - c3 / m, 0.0))),
            "rmsea_ci_low": float(np.sqrt(c3 * low / (m * df))), "rmsea_ci_high": float(np.sqrt(c3 * high / (m * df)))}


def fit_dwls(clusters: Clusters, moments: OrdinalMoments) -> CategoricalCfaResult:
    """Fit the clusters model to ordinal moments by DWLS (see the module docstring)."""
    factor_index, marker = clusters.pattern()
    p, m = len(clusters.items), len(clusters.factors)
    first, second = _pairs(p)
    n_th = sum(len(t) for t in moments.thresholds)
    observed = moments.correlations[first, second]
    w_rho = 1 / moments.gamma_diagonal[n_th:]
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
    scaled_stat, a, b = _scaled_shifted(stat, df, w_rho, jacobian(x), moments.gamma_root)
    base_stat = (n - 1) * float(np.sum(w_rho * observed**2))
    base_df = len(first)
    base_scaled, _, _ = _scaled_shifted(base_stat, base_df, w_rho, None, moments.gamma_root)
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
    implied = np.eye(p)
    implied[first, second] = implied[second, first] = model(x)
    robust = robust_indices(corr, implied, w_rho, jacobian(x), moments.gamma_root, df, base_df, n)
    scaled.update({f"{k}_robust": v for k, v in robust.items()})
    lam_matrix = np.zeros((p, m))
    lam_matrix[np.arange(p), factor_index] = lam
    return CategoricalCfaResult(lam_matrix, phi, stat, df, fit, scaled, bool(solution.success))
