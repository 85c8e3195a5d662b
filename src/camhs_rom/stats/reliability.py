"""Internal consistency: Cronbach's alpha, ordinal alpha, McDonald's omega total and hierarchical, bootstraps, item-rest correlations.

Cronbach's alpha
    ``k/(k-1) (1 - sum var_i / var_total)``; the point estimate from pingouin. Feldt's
    interval: ``1 - (1 - alpha) F_{1-a/2}`` to ``1 - (1 - alpha) F_{a/2}`` with
    ``(n - 1, (n - 1)(k - 1))`` degrees of freedom.
McDonald's omega total
    From a one-factor minres model of the correlation matrix, as R's ``psych::omega``
    defines it: ``1 - sum(u^2) / sum(R)`` (uniquenesses over the total variance of the
    standardised items).
Ordinal alpha
    Alpha of the polychoric correlation matrix, ``k/(k-1) (1 - k / sum(R))`` (Zumbo,
    Gadermann & Zeisser, 2007): the reliability of the latent responses the answers cut,
    not of the answer codes; ``psych::alpha`` of a polychoric matrix.
Omega hierarchical
    The share of the total-score variance due to a general factor, from the Schmid-Leiman
    transformation as ``psych::omega`` computes it: an ``m``-factor minres solution
    rotated to varimax and then to oblimin, one second-order minres factor of its factor correlations, general
    loadings ``g = L gamma``; items loading negatively on the general factor are flipped;
    ``omega_h = (sum g)^2 / sum(R)``. A general factor is identified from three group
    factors on; with two, psych fixes both second-order loadings at sqrt(phi), an
    assumption rather than an estimate, so :func:`omega_hierarchical` needs ``m >= 3``.
Bootstrap
    Vectorised estimators over resample weights: alpha from weighted covariance matrices;
    omega from a batched one-factor least-squares fit by iterated principal axes with
    power-iteration steps, which converges to the minres solution. Each is tested against
    pingouin and factor_analyzer on the same resamples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from factor_analyzer.rotator import Rotator
from scipy import stats

from camhs_rom.stats.extraction import AnalyticFactorAnalyzer


def item_rest_correlations(data: pd.DataFrame) -> pd.Series:
    """Corrected item-total correlation: each item with the sum of the other items (complete cases)."""
    total = data.sum(axis=1)
    return pd.Series({item: np.corrcoef(data[item], total - data[item])[0, 1] for item in data.columns})


def cronbach_alpha(data: pd.DataFrame) -> float:
    """Cronbach's alpha of complete cases (pingouin)."""
    import pingouin as pg  # imported here: it loads matplotlib, which the simulation jobs do not need
    return float(pg.cronbach_alpha(data=data)[0])


def alpha_if_dropped(data: pd.DataFrame) -> pd.Series:
    """Cronbach's alpha of the other items, for each item (complete cases), from one covariance matrix.

    Dropping item ``i`` leaves ``k - 1`` items whose variances sum to ``tr(C) - C_ii`` and
    whose total variance is ``sum(C) - 2 sum_j C_ij + C_ii``; one matrix gives every item's
    value, where calling :func:`cronbach_alpha` once per item costs a fit per item (tested
    against it and against psych).
    """
    cov = np.cov(data.to_numpy(dtype=float), rowvar=False)
    k = cov.shape[0]
    if k < 3:
        return pd.Series(np.nan, index=data.columns)
    diag = np.diag(cov)
    total = cov.sum() - 2 * cov.sum(axis=1) + diag
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.Series((k - 1) / (k - 2) * (1 - (diag.sum() - diag) / total), index=data.columns)


def feldt_interval(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt's (1965) F-based confidence interval for Cronbach's alpha."""
    a = 1 - level
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return 1 - (1 - alpha) * stats.f.ppf(1 - a / 2, df1, df2), 1 - (1 - alpha) * stats.f.ppf(a / 2, df1, df2)


def weighted_covariances(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The item covariance matrix of each resample (B x k x k), from unit ``weights`` (B x n).

    Divided by the resample size, not size - 1: alpha and the correlation matrices built
    from it are ratios, in which the factor cancels. One matrix product of the weights with
    every unit's outer product ``x_n x_n'`` gives all second moments at once.
    """
    n, k = x.shape
    total = weights.sum(axis=1, keepdims=True)
    mean = weights @ x / total
    second = (weights @ (x[:, :, None] * x[:, None, :]).reshape(n, k * k)).reshape(-1, k, k) / total[:, :, None]
    return second - mean[:, :, None] * mean[:, None, :]


def alpha_batch(x: np.ndarray, weights: np.ndarray, cov: np.ndarray | None = None) -> np.ndarray:
    """Cronbach's alpha for each row of resample ``weights`` (B x n) over data ``x`` (n x k).

    ``cov``: the resamples' :func:`weighted_covariances`, when the caller already has them
    (alpha and omega of one bootstrap share them)."""
    k = x.shape[1]
    cov = weighted_covariances(x, weights) if cov is None else cov
    with np.errstate(invalid="ignore", divide="ignore"):
        return k / (k - 1) * (1 - np.trace(cov, axis1=1, axis2=2) / cov.sum(axis=(1, 2)))


def omega_total(data: pd.DataFrame) -> float:
    """McDonald's omega total from a one-factor minres model: ``1 - sum(u^2) / sum(R)``."""
    fa = AnalyticFactorAnalyzer(n_factors=1, rotation=None, method="minres", svd_method="lapack").fit(data.to_numpy())
    corr = np.corrcoef(data.to_numpy(), rowvar=False)
    return float(1 - fa.get_uniquenesses().sum() / corr.sum())


def one_factor_uniquenesses(corr: np.ndarray, tol: float = 1e-8, max_iter: int = 5000, start: np.ndarray | None = None) -> np.ndarray:
    """Uniquenesses of one-factor least-squares fits to a batch of correlation matrices (B x k x k).

    Iterated principal axes: communalities on the diagonal of the correlation matrix, the
    first eigenpair of that reduced matrix gives new communalities, until they settle;
    the fixed point minimises the off-diagonal residuals (the minres/ULS solution).
    Each iteration takes one power-iteration step towards the first eigenvector instead of
    a full eigendecomposition (a matrix-vector product per matrix), starting from squared
    multiple correlations, or from the communalities ``start`` (k,) when given (a bootstrap
    starts from the full sample's solution, near every resample's). The result is then
    checked against the full eigendecomposition
    at the fixed point; any matrix where the two disagree (the power step found another
    eigenvector) is solved again by :func:`_paf_eigh`.
    """
    b, k, _ = corr.shape
    idx = np.arange(k)
    if start is None:
        h2 = np.clip(1 - 1 / np.diagonal(np.linalg.inv(corr), axis1=1, axis2=2), 0.005, 1.0)
    else:
        h2 = np.tile(np.clip(start, 0.005, 1.0), (b, 1))
    v = np.sqrt(h2) / np.linalg.norm(np.sqrt(h2), axis=1, keepdims=True)
    active = np.arange(b)  # matrices still moving; converged ones leave the loop
    for _ in range(max_iter):
        everyone = len(active) == b  # no copies while every matrix is still moving
        c, va, ha = (corr, v, h2) if everyone else (corr[active], v[active], h2[active])
        rv = np.matmul(c, va[:, :, None])[:, :, 0] + (ha - 1) * va  # (R - I + diag(h2)) v
        lam = (va * rv).sum(axis=1)
        nv = rv / np.sqrt((rv**2).sum(axis=1, keepdims=True))
        new = np.clip(lam[:, None] * nv**2, 0.005, 1.0)  # factor_analyzer's default bounds on communalities
        moving = np.max(np.abs(new - ha), axis=1) >= tol
        h2[active], v[active] = new, nv
        active = active[moving]
        if not len(active):
            break
    # the power step finds the eigenvector of largest |eigenvalue|; principal axes want the
    # largest eigenvalue: where the fixed point's Rayleigh quotient is not it, solve again
    reduced = corr.copy()
    reduced[:, idx, idx] = h2
    rv = np.matmul(reduced, v[:, :, None])[:, :, 0]
    rayleigh = (v * rv).sum(axis=1)
    limit = 1e3 * tol * np.maximum(1.0, np.abs(rayleigh))
    # Most matrices are settled without an eigendecomposition: with residual r = |Av - qv|
    # some eigenvalue lies within r of q (the Rayleigh quotient), and every eigenvalue but
    # the largest is at most the largest of A - q vv' (a positive rank-one update
    # interlaces), itself at most that matrix's largest absolute row sum (Gershgorin). So
    # q - r above that bound means the largest eigenvalue is within r of q.
    residual = np.sqrt(((rv - rayleigh[:, None] * v) ** 2).sum(axis=1))
    bound = np.empty(b)
    for start in range(0, b, 256):  # a few matrices at a time: no second B x k x k array
        part = slice(start, start + 256)
        deflated = reduced[part] - rayleigh[part, None, None] * v[part, :, None] * v[part, None, :]
        bound[part] = np.abs(deflated).sum(axis=2).max(axis=1)
    settled = (rayleigh > 0) & (rayleigh - residual > bound) & (residual <= limit)
    top = rayleigh.copy()
    unsure = np.flatnonzero(~settled)
    if len(unsure):
        top[unsure] = np.linalg.eigvalsh(reduced[unsure])[:, -1]
    redo = np.flatnonzero(np.abs(rayleigh - top) > 1e3 * tol * np.maximum(1.0, np.abs(top)))
    if len(redo):
        h2[redo] = 1 - _paf_eigh(corr[redo], tol, max_iter)
    return 1 - h2


def _paf_eigh(corr: np.ndarray, tol: float, max_iter: int) -> np.ndarray:
    """Iterated principal axes with a full eigendecomposition per iteration (the reference path)."""
    b, k, _ = corr.shape
    h2 = 1 - 1 / np.diagonal(np.linalg.pinv(corr), axis1=1, axis2=2)
    idx = np.arange(k)
    active = np.arange(b)
    for _ in range(max_iter):
        reduced = corr[active].copy()
        reduced[:, idx, idx] = h2[active]
        values, vectors = np.linalg.eigh(reduced)
        loading = vectors[:, :, -1] * np.sqrt(np.clip(values[:, -1], 0, None))[:, None]
        new = np.clip(loading**2, 0.005, 1.0)
        moving = np.max(np.abs(new - h2[active]), axis=1) >= tol
        h2[active] = new
        active = active[moving]
        if not len(active):
            break
    return 1 - h2


def full_rank(corr: np.ndarray, chunk: int = 256) -> np.ndarray:
    """Whether each correlation matrix (B x k x k) has full rank, with the tolerance
    ``numpy.linalg.matrix_rank`` uses: smallest eigenvalue above largest x k x machine epsilon.

    A Cholesky factorisation of ``R - s I`` succeeds only if the smallest eigenvalue exceeds
    ``s`` less the factorisation's rounding (about ``k`` eps times the largest eigenvalue,
    itself at most ``k`` for a correlation matrix); with ``s = 16 k^2`` eps that leaves the
    smallest eigenvalue above ``k^2`` eps, at least the tolerance. A Cholesky costs a sixth of
    an eigendecomposition; a chunk where any factorisation fails is decided by the
    eigenvalues themselves, so the answer is the eigenvalue test's.
    """
    b, k, _ = corr.shape
    eps = np.finfo(float).eps
    out = np.empty(b, dtype=bool)
    shift = 16 * k * k * eps * np.eye(k)
    for start in range(0, b, chunk):
        part = corr[start : start + chunk]
        try:
            np.linalg.cholesky(part - shift)
            out[start : start + chunk] = True
        except np.linalg.LinAlgError:
            values = np.linalg.eigvalsh(part)
            out[start : start + chunk] = values[:, 0] > values[:, -1] * k * eps
    return out


def omega_batch(x: np.ndarray, weights: np.ndarray, cov: np.ndarray | None = None) -> np.ndarray:
    """Omega total for each row of resample ``weights`` over data ``x`` (n x k) (``cov`` as in :func:`alpha_batch`)."""
    cov = weighted_covariances(x, weights) if cov is None else cov
    sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / (sd[:, :, None] * sd[:, None, :])
    finite = np.isfinite(corr).all(axis=(1, 2))
    ok = finite & full_rank(np.where(finite[:, None, None], corr, np.eye(x.shape[1])))
    out = np.full(len(weights), np.nan)
    if ok.any():
        full = np.corrcoef(x, rowvar=False)[None]
        start = 1 - one_factor_uniquenesses(full)[0] if np.isfinite(full).all() else None
        out[ok] = omega_from_correlations(corr[ok], start)
    return out


def omega_from_correlations(corr: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """Omega total of correlation matrices (B x k x k) from one-factor minres fits: ``1 - sum(u^2) / sum(R)``
    (``psych::omega``'s omega total); of polychoric matrices, ordinal omega. ``start``: communalities
    to start from (:func:`one_factor_uniquenesses`)."""
    corr = np.asarray(corr, dtype=float)
    u2 = one_factor_uniquenesses(corr, start=start)
    return 1 - u2.sum(axis=1) / corr.sum(axis=(1, 2))


def standardized_alpha(corr: np.ndarray) -> np.ndarray:
    """Alpha of correlation matrices (``... x k x k``): ``k/(k-1) (1 - k / sum(R))``; ordinal alpha for polychoric ones."""
    corr = np.asarray(corr, dtype=float)
    k = corr.shape[-1]
    return k / (k - 1) * (1 - k / corr.sum(axis=(-2, -1)))


def omega_hierarchical(corr: np.ndarray, n_factors: int) -> tuple[float, np.ndarray]:
    """Omega hierarchical and the general-factor loadings of a correlation matrix (``psych::omega``; see the module docstring)."""
    if n_factors < 3:
        raise ValueError(f"a general factor needs at least three group factors, not {n_factors}")
    corr = np.asarray(corr, dtype=float)
    unrotated = AnalyticFactorAnalyzer(n_factors=n_factors, rotation=None, method="minres", svd_method="lapack", is_corr_matrix=True).fit(corr)
    # psych::schmid rotates to varimax, then to oblimin from there (the start decides which local optimum oblimin finds)
    rotator = Rotator(method="oblimin")
    loadings = rotator.fit_transform(Rotator(method="varimax").fit_transform(unrotated.loadings_))
    second = AnalyticFactorAnalyzer(n_factors=1, rotation=None, method="minres", svd_method="lapack", is_corr_matrix=True).fit(rotator.phi_)
    gamma = second.loadings_[:, 0]
    gamma = gamma * np.sign(gamma.sum())
    general = loadings @ gamma
    signs = np.where(general < 0, -1.0, 1.0)  # psych's flip
    return float((np.abs(general).sum()) ** 2 / (corr * np.outer(signs, signs)).sum()), general * signs
