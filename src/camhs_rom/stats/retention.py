"""How many factors: parallel analysis (Pearson or polychoric), Velicer's MAP and Kaiser's rule.

*Parallel analysis* (Horn, 1965): principal-component eigenvalues of the item
correlation matrix against the ``percentile`` of eigenvalues from ``iterations`` random
data sets, seeded from the config; factors are kept while the observed eigenvalue exceeds
the random one. For Pearson correlations the random data are normal noise of the same
size; for a polychoric matrix they are the answers with each item permuted independently
(psych's resampling for ``cor = "poly"``). *Velicer's MAP* (1976): the number of
components after whose removal the average squared partial correlation is smallest (the
2000 revision with fourth powers is reported beside it). *Kaiser*: eigenvalues above 1.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from camhs_rom.core.seeding import rng_for
from camhs_rom.stats.polychoric import polychoric_batch, smooth_correlation


def eigenvalues(corr: np.ndarray) -> np.ndarray:
    """Eigenvalues of a correlation matrix, largest first."""
    return np.sort(np.linalg.eigvalsh(corr))[::-1]


def parallel_analysis(data: pd.DataFrame, iterations: int, percentile: float, seed: int) -> tuple[int, pd.DataFrame]:
    """Horn's parallel analysis on principal-component eigenvalues of Pearson correlations, seeded.

    Returns the number of factors to keep (leading observed eigenvalues above the
    ``percentile`` of the random ones) and a table: component, observed, random_mean,
    random_percentile. The random eigenvalues depend only on the data's shape, the
    iterations and the seed (:func:`random_eigenvalues`).
    """
    n, p = data.shape
    observed = eigenvalues(np.corrcoef(data.to_numpy(), rowvar=False))
    return retained_above(observed, random_eigenvalues(n, p, iterations, seed), percentile)


def parallel_analysis_polychoric(codes: pd.DataFrame, corr: pd.DataFrame, categories: int, iterations: int, percentile: float, seed: int) -> tuple[int, pd.DataFrame]:
    """Parallel analysis of a polychoric matrix against polychoric matrices of resampled answers.

    As ``psych::fa.parallel(cor = "poly")`` resamples: each random data set permutes every
    item's answers (codes ``1..categories``, NaN kept with its answer) independently,
    seeded, which keeps each item's distribution and breaks every association; its
    polychoric matrix (:func:`camhs_rom.stats.polychoric.polychoric_batch`, to 1e-6) gives the
    random eigenvalues. Same table as :func:`parallel_analysis`.
    """
    rng = rng_for(seed, "study2-parallel-analysis-polychoric")
    x = codes.to_numpy(dtype=float)
    n, p = x.shape
    random = np.empty((iterations, p))
    batch = max(1, int(2e6 // (n * p)))
    for start in range(0, iterations, batch):
        k = min(batch, iterations - start)
        order = rng.permuted(np.broadcast_to(np.arange(n)[None, :, None], (k, n, p)), axis=1)
        shuffled = np.take_along_axis(np.broadcast_to(x, (k, n, p)), order, axis=1)
        matrices = smooth_correlations(polychoric_batch(shuffled, categories, tolerance=1e-6))
        random[start : start + k] = np.linalg.eigvalsh(matrices)[:, ::-1]
    return retained_above(eigenvalues(np.asarray(corr, dtype=float)), random, percentile)


def smooth_correlations(matrices: np.ndarray) -> np.ndarray:
    """:func:`camhs_rom.stats.polychoric.smooth_correlation` of each matrix in a stack (B x p x p); NaN pairs set to 0."""
    return np.stack([smooth_correlation(np.nan_to_num(m)) for m in matrices])


def retained_above(observed: np.ndarray, random: np.ndarray, percentile: float) -> tuple[int, pd.DataFrame]:
    """Leading observed eigenvalues above the ``percentile`` of the random ones, and the scree table."""
    p = len(observed)
    threshold = np.percentile(random, percentile, axis=0)
    keep = count_above(observed, threshold)
    table = pd.DataFrame({"component": np.arange(1, p + 1), "observed": observed, "random_mean": random.mean(axis=0), "random_percentile": threshold})
    return keep, table


def count_above(observed: np.ndarray, threshold: np.ndarray) -> int:
    """How many leading observed eigenvalues exceed their thresholds (all of them if every one does)."""
    above = observed > threshold
    return int(np.argmin(above)) if not above.all() else len(observed)


@lru_cache(maxsize=32)
def random_percentile(n: int, p: int, iterations: int, percentile: float, seed: int) -> np.ndarray:
    """The ``percentile`` of :func:`random_eigenvalues` per component (read-only, cached as they are)."""
    threshold = np.percentile(random_eigenvalues(n, p, iterations, seed), percentile, axis=0)
    threshold.setflags(write=False)
    return threshold


@lru_cache(maxsize=32)
def random_eigenvalues(n: int, p: int, iterations: int, seed: int) -> np.ndarray:
    """Eigenvalues (largest first) of ``iterations`` correlation matrices of ``n`` x ``p`` normal data, seeded.

    Cached: a simulation that analyses many data sets of one shape with one seed (the
    power stage, per design) draws the null distribution once. Drawn in batches to bound
    memory; the array is read-only. With fewer respondents than items the eigenvalues are
    those of the ``n`` x ``n`` matrix ``ZZ'`` (the same non-zero eigenvalues as the
    ``p`` x ``p`` correlation matrix ``Z'Z``; the other ``p - n`` are zero), so the cost
    grows with the smaller of the two.
    """
    rng = rng_for(seed, "study2-parallel-analysis")
    batch = max(1, int(2e7 // (n * p)))
    random = np.empty((iterations, p))
    for start in range(0, iterations, batch):
        k = min(batch, iterations - start)
        noise = rng.standard_normal((k, n, p))
        # batched matrix products go to BLAS (an einsum here is about 20 times slower)
        if n < p:
            noise -= noise.mean(axis=1, keepdims=True)
            noise /= np.sqrt((noise**2).sum(axis=1, keepdims=True))
            random[start : start + k, :n] = np.linalg.eigvalsh(noise @ noise.transpose(0, 2, 1))[:, ::-1]
            random[start : start + k, n:] = 0.0
        else:
            # centre and scale the p x p cross-products rather than the n x p draws
            mean = noise.mean(axis=1)
            cov = noise.transpose(0, 2, 1) @ noise - n * mean[:, :, None] * mean[:, None, :]
            sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
            random[start : start + k] = np.linalg.eigvalsh(cov / (sd[:, :, None] * sd[:, None, :]))[:, ::-1]
    random.setflags(write=False)
    return random


def velicer_map(corr: np.ndarray) -> tuple[int, pd.DataFrame]:
    """Velicer's minimum average partial test on principal components.

    For ``m = 0, 1, ..., p - 1`` components partialled out, the average squared (and
    fourth-power) off-diagonal partial correlation; the number of factors is the ``m``
    with the smallest average squared partial correlation.
    """
    p = corr.shape[0]
    values, vectors = np.linalg.eigh(corr)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    rows = []
    off = ~np.eye(p, dtype=bool)
    for m in range(p - 1):
        loadings = vectors[:, :m] * np.sqrt(np.clip(values[:m], 0, None))
        partial = corr - loadings @ loadings.T
        d = np.sqrt(np.diag(partial))
        pr = partial / np.outer(d, d)
        rows.append([m, (pr[off] ** 2).mean(), (pr[off] ** 4).mean()])
    table = pd.DataFrame(rows, columns=["n_components", "map_squared", "map_fourth"])
    return int(table.loc[table["map_squared"].idxmin(), "n_components"]), table


def kaiser(corr: np.ndarray) -> int:
    """The number of eigenvalues above 1 (Kaiser-Guttman)."""
    return int((eigenvalues(corr) > 1).sum())
