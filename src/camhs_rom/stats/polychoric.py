"""Polychoric correlations of ordinal items: two-step maximum likelihood, as ``psych::polychoric`` computes them.

Each item is taken as a normal latent variable cut at thresholds into its answer
categories. Step one: each item's thresholds from its own answered categories
(:func:`thresholds`: the normal quantiles of the cumulative proportions, "global"
thresholds in psych's terms). Step two: for each pair of items, the latent correlation
that maximises the likelihood of the pair's contingency table (pairwise-complete answers)
with the thresholds held fixed (:func:`polychoric`). Cells of probability zero add nothing
to the likelihood, as in psych. A matrix that is not positive definite can be smoothed as
``psych::cor.smooth`` does (:func:`smooth_correlation`).

The bivariate normal probabilities come from Owen's T function (Owen, 1956: an exact
expression, ``scipy.special.owens_t``), evaluated for every pair and cell at once, and each
pair's correlation is found by a golden-section search on (-1, 1) run for all pairs together
(written here, not taken from a library, so that the whole matrix is one vectorised
computation; tested against ``scipy.stats.multivariate_normal`` and, to 1e-3, against psych
on the bfi items: ``tests/test_polychoric.py``). psych stops its own search at a tolerance
of about 1e-4, so the two agree to that order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri, owens_t

CLIP = 38.0  # |threshold| beyond which the normal tail is zero in double precision
GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0


def bivariate_normal_cdf(h, k, rho) -> np.ndarray:
    """P(X <= h, Y <= k) for standard bivariate normal (X, Y) with correlation ``rho``; broadcasts.

    Owen (1956): Phi2(h, k; r) = [Phi(h) + Phi(k)] / 2 - T(h, a_h) - T(k, a_k) - d, with
    a_h = (k - r h) / (h s), a_k = (h - r k) / (k s), s = sqrt(1 - r^2), and d = 1/2 when h
    and k have opposite signs (0 otherwise). Infinite limits are clipped at +-38.
    """
    h, k, rho = np.broadcast_arrays(np.asarray(h, float), np.asarray(k, float), np.asarray(rho, float))
    h = np.clip(h, -CLIP, CLIP)
    k = np.clip(k, -CLIP, CLIP)
    h = np.where(h == 0.0, 1e-300, h)  # the formula's limit at 0, taken from the positive side
    k = np.where(k == 0.0, 1e-300, k)
    s = np.sqrt(np.clip(1.0 - rho * rho, 1e-300, None))
    with np.errstate(over="ignore", invalid="ignore"):
        a_h = (k - rho * h) / (h * s)
        a_k = (h - rho * k) / (k * s)
    correction = np.where(h * k < 0, 0.5, 0.0)
    value = 0.5 * (ndtr(h) + ndtr(k)) - owens_t(h, a_h) - owens_t(k, a_k) - correction
    return np.clip(value, 0.0, 1.0)


def thresholds(codes: np.ndarray, categories: int) -> np.ndarray:
    """Each item's ``categories - 1`` thresholds from its answered codes ``1..categories`` (NaN = missing).

    ``codes`` is respondents x items; returns items x (categories - 1). A category nobody
    chose repeats the threshold below it (psych's cumulative proportions do the same).
    """
    counts = np.stack([(codes == c).sum(axis=0) for c in range(1, categories + 1)])  # categories x items
    cumulative = np.cumsum(counts, axis=0)[:-1] / counts.sum(axis=0)
    return ndtri(cumulative).T


def _cell_probabilities(rho: np.ndarray, tau_x: np.ndarray, tau_y: np.ndarray) -> np.ndarray:
    """Cell probabilities of each pair's table: pairs x K x K, for latent correlations ``rho`` (pairs,)."""
    lower_inf = np.full((tau_x.shape[0], 1), -np.inf)
    upper_inf = np.full((tau_x.shape[0], 1), np.inf)
    cuts_x = np.hstack([lower_inf, tau_x, upper_inf])  # pairs x (K + 1)
    cuts_y = np.hstack([lower_inf, tau_y, upper_inf])
    grid = bivariate_normal_cdf(cuts_x[:, :, None], cuts_y[:, None, :], rho[:, None, None])  # pairs x (K+1) x (K+1)
    return grid[:, 1:, 1:] - grid[:, :-1, 1:] - grid[:, 1:, :-1] + grid[:, :-1, :-1]


def _log_likelihood(rho: np.ndarray, tables: np.ndarray, tau_x: np.ndarray, tau_y: np.ndarray) -> np.ndarray:
    p = _cell_probabilities(rho, tau_x, tau_y)
    with np.errstate(divide="ignore"):
        logs = np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), 0.0)  # cells of probability zero add nothing
    return (tables * logs).sum(axis=(1, 2))


def polychoric(data: pd.DataFrame, categories: int, tolerance: float = 1e-10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The polychoric correlation matrix of ordinal items coded ``1..categories`` (NaN = missing), and their thresholds.

    Returns (correlations, thresholds): items x items, and items x (categories - 1). Each
    pair uses the respondents who answered both; a pair nobody answered together is NaN.
    """
    codes = data.to_numpy(dtype=float)
    n_items = codes.shape[1]
    tau = thresholds(codes, categories)
    first, second = np.triu_indices(n_items, k=1)
    onehot = np.stack([(codes == c) for c in range(1, categories + 1)], axis=2).astype(float)  # n x items x K
    tables = np.einsum("nik,njl->ijkl", onehot, onehot)[first, second]  # pairs x K x K, pairwise complete
    totals = tables.sum(axis=(1, 2))
    proportions = tables / np.where(totals > 0, totals, 1.0)[:, None, None]
    tau_x, tau_y = tau[first], tau[second]
    # golden-section search on (-1, 1) for every pair at once (each pair's likelihood is unimodal in rho)
    low, high = np.full(len(first), -1.0 + 1e-9), np.full(len(first), 1.0 - 1e-9)
    while np.max(high - low) > tolerance:
        a, b = high - GOLDEN * (high - low), low + GOLDEN * (high - low)
        better_a = _log_likelihood(a, proportions, tau_x, tau_y) >= _log_likelihood(b, proportions, tau_x, tau_y)
        high = np.where(better_a, b, high)
        low = np.where(better_a, low, a)
    rho = np.where(totals > 0, (low + high) / 2, np.nan)
    matrix = np.eye(n_items)
    matrix[first, second] = rho
    matrix[second, first] = rho
    names = list(data.columns)
    return pd.DataFrame(matrix, index=names, columns=names), pd.DataFrame(tau, index=names, columns=range(1, categories))


def smooth_correlation(matrix: np.ndarray, eigen_tolerance: float = 1e-12) -> np.ndarray:
    """A positive-definite correlation matrix near ``matrix``, as ``psych::cor.smooth``.

    When the smallest eigenvalue is below machine epsilon, eigenvalues below
    ``eigen_tolerance`` are set to 100 times it, the eigenvalues rescaled to sum to the
    number of variables, and the result rescaled to a unit diagonal; otherwise the matrix
    is returned unchanged.
    """
    values, vectors = np.linalg.eigh(matrix)
    if values.min() >= np.finfo(float).eps:
        return np.array(matrix, dtype=float)
    values = np.where(values < eigen_tolerance, 100 * eigen_tolerance, values)
    values *= len(values) / values.sum()
    smoothed = (vectors * values) @ vectors.T
    scale = 1 / np.sqrt(np.diag(smoothed))
    return smoothed * np.outer(scale, scale)
