"""Polychoric correlations of ordinal items: two-step maximum likelihood, as ``psych::polychoric`` computes them.

Each item is taken as a normal latent variable cut at thresholds into its answer
categories. Step one: each item's thresholds from its own answered categories
(:func:`thresholds`: the normal quantiles of the cumulative proportions, "global"
thresholds in psych's terms). Step two: for each pair of items, the latent correlation
that maximises the likelihood of the pair's contingency table (pairwise-complete answers)
with the thresholds held fixed (:func:`polychoric`). Cells of probability zero add nothing
to the likelihood, as in psych. Empty cells (:func:`zero_cell_correction`, lavaan's
defaults): a table larger than 2 x 2 is left as it is (its ML estimate exists); in a
2 x 2 table, whose ML estimate with an empty cell is +-1, 0.5 is added to the empty cell
and its diagonal partner and taken from the other two, which keeps the margins; with two
empty cells the correlation is +-1. A matrix that is not positive definite can be smoothed as
``psych::cor.smooth`` does (:func:`smooth_correlation`).

The bivariate normal probabilities come from Owen's T function (Owen, 1956: an exact
expression, ``scipy.special.owens_t``), evaluated for every pair and cell at once, and each
pair's correlation is found by a golden-section search on (-1, 1) run for all pairs together
(written here, not taken from a library, so that the whole matrix is one vectorised
computation; tested against ``scipy.stats.multivariate_normal`` and, to 1e-3, against psych
on the bfi items: ``tests/test_polychoric.py``). psych stops its own search at a tolerance
of about 1e-4, so the two agree to that order.

Many matrices at once (parallel analysis on resampled answers, bootstrap resamples):
:func:`polychoric_batch` solves the same likelihood equations by Fisher scoring, which
needs about six evaluations of the cell probabilities where the golden section needs
about sixty; tested against :func:`polychoric` to 1e-6. After the first evaluation each
pair's probabilities are carried from one step to the next by Plackett's identity
(:func:`cdf_step`, a few exponentials where Owen's T costs about a hundred), and a step
below the tolerance is taken without evaluating the likelihood again: the answers are
those of evaluating Owen's T every time, to rounding.
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


def _onehot(codes: np.ndarray, categories: int) -> np.ndarray:
    """B x n x pK indicators of the answers (all zero for a missing one), in float32: counts stay exact below 2^24."""
    b, n, p = codes.shape
    return (codes[..., None] == np.arange(1, categories + 1)).astype(np.float32).reshape(b, n, p * categories)


def _cross_products(onehot: np.ndarray, p: int, categories: int) -> np.ndarray:
    """B x p x p x K x K counts from the indicators: one batched matrix product (BLAS, single precision, exact counts)."""
    b = onehot.shape[0]
    products = (onehot.transpose(0, 2, 1) @ onehot).astype(float)  # B x pK x pK
    return products.reshape(b, p, categories, p, categories).transpose(0, 1, 3, 2, 4)


def contingency_tables(codes: np.ndarray, categories: int) -> np.ndarray:
    """Every pair's contingency table of a stack of data sets (B x n x p, codes ``1..categories``, NaN = missing).

    Returns B x p x p x K x K counts over the respondents who answered both items: the
    cross-products of the one-hot answer matrices, a batched matrix product (BLAS). The
    products are taken in single precision, whose sums of ones are exact up to 2^24
    (16,777,216) respondents; more than that are refused.
    """
    _check_exact(codes.shape[1])
    return _cross_products(_onehot(codes, categories), codes.shape[2], categories)


def zero_cell_correction(tables: np.ndarray) -> np.ndarray:
    """Counts (... x K x K) with a 2 x 2 table's single empty cell corrected as lavaan does (see the module docstring).

    A table is 2 x 2 when two categories of each item were answered; the other rows and
    columns are empty and stay so. Returns a corrected copy.
    """
    out = np.array(tables, dtype=float)
    flat = out.reshape(-1, *out.shape[-2:])
    rows_used, cols_used = flat.sum(axis=2) > 0, flat.sum(axis=1) > 0
    for t in np.flatnonzero((rows_used.sum(axis=1) == 2) & (cols_used.sum(axis=1) == 2)):
        sub = np.ix_(np.flatnonzero(rows_used[t]), np.flatnonzero(cols_used[t]))
        cells = flat[t][sub]
        empty = cells == 0
        if empty.sum() == 1:
            on_diagonal = bool(empty[0, 0] or empty[1, 1])
            sign = np.array([[1.0, -1.0], [-1.0, 1.0]]) * (1 if on_diagonal else -1)
            flat[t][sub] = cells + 0.5 * sign
    return out


def cell_values(grid: np.ndarray) -> np.ndarray:
    """Each cell's share of a function given at the cells' corners: pairs x (K+1) x (K+1) -> pairs x K x K.

    With the bivariate CDF at the corners, the cell probabilities; with its derivative in
    rho (the density), theirs.
    """
    return grid[:, 1:, 1:] - grid[:, :-1, 1:] - grid[:, 1:, :-1] + grid[:, :-1, :-1]


def _cell_probabilities(rho: np.ndarray, tau_x: np.ndarray, tau_y: np.ndarray) -> np.ndarray:
    """Cell probabilities of each pair's table: pairs x K x K, for latent correlations ``rho`` (pairs,)."""
    lower_inf = np.full((tau_x.shape[0], 1), -np.inf)
    upper_inf = np.full((tau_x.shape[0], 1), np.inf)
    cuts_x = np.hstack([lower_inf, tau_x, upper_inf])  # pairs x (K + 1)
    cuts_y = np.hstack([lower_inf, tau_y, upper_inf])
    return cell_values(bivariate_normal_cdf(cuts_x[:, :, None], cuts_y[:, None, :], rho[:, None, None]))  # from pairs x (K+1) x (K+1)


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
    tables = zero_cell_correction(contingency_tables(codes[None], categories)[0][first, second])  # pairs x K x K, pairwise complete
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


def bivariate_normal_pdf(h, k, rho) -> np.ndarray:
    """Density of the standard bivariate normal with correlation ``rho`` at (``h``, ``k``); broadcasts, 0 at infinite limits."""
    h, k, rho = np.clip(h, -CLIP, CLIP), np.clip(k, -CLIP, CLIP), np.asarray(rho, dtype=float)
    s2 = 1.0 - rho * rho
    return np.exp(-(h * h - 2 * rho * h * k + k * k) / (2 * s2)) / (2 * np.pi * np.sqrt(s2))


# Gauss-Legendre rules for moving a bivariate normal CDF along rho (Plackett's identity, see cdf_step)
STEP_RULES = tuple((limit, *np.polynomial.legendre.leggauss(points)) for limit, points in ((1e-3, 2), (1e-2, 4), (5e-2, 8)))
STEP_MAX_RHO = 0.9  # beyond it the density's singularity at |rho| = 1 is too near for these rules


def cdf_step(h: np.ndarray, k: np.ndarray, rho_from: np.ndarray, rho_to: np.ndarray, value_from: np.ndarray) -> np.ndarray:
    """Phi2(h, k; rho_to) from its value at ``rho_from`` by Plackett's identity, where that is accurate; NaN elsewhere.

    d Phi2 / d rho = phi2 (Plackett, 1954), so Phi2(rho_to) = Phi2(rho_from) + the integral
    of the density over (rho_from, rho_to), taken by Gauss-Legendre quadrature: 2 points
    for a step up to 1e-3, 4 up to 1e-2, 8 up to 0.05, with |rho| <= 0.9 (the density is
    analytic there and the rule's error below 1e-14; tested against
    :func:`bivariate_normal_cdf`). Each evaluation costs a few exponentials where Owen's T
    costs about a hundred. ``h``, ``k``: E x ... corners; ``rho_from``, ``rho_to``: (E,);
    elements the rules do not cover are NaN, for the caller to compute exactly.
    """
    h, k = np.clip(h, -CLIP, CLIP), np.clip(k, -CLIP, CLIP)
    out = np.full(np.broadcast(h, k).shape, np.nan)
    delta = np.abs(rho_to - rho_from)
    usable = np.maximum(np.abs(rho_from), np.abs(rho_to)) <= STEP_MAX_RHO
    lower = -1.0
    for limit, nodes, weights in STEP_RULES:
        chosen = np.flatnonzero(usable & (delta > lower) & (delta <= limit))
        lower = limit
        if not len(chosen):
            continue
        hh, kk = h[chosen], k[chosen]
        shape = (len(chosen),) + (1,) * (hh.ndim - 1)
        mid, half = ((rho_to + rho_from) / 2)[chosen].reshape(shape), ((rho_to - rho_from) / 2)[chosen].reshape(shape)
        total = np.zeros(np.broadcast(hh, kk).shape)
        for node, weight in zip(nodes, weights, strict=True):
            total += weight * bivariate_normal_pdf(hh, kk, mid + half * node)
        out[chosen] = value_from[chosen] + half * total
    return out


def polychoric_batch(codes: np.ndarray, categories: int, tolerance: float = 1e-9, max_iter: int = 100, start: np.ndarray | None = None) -> np.ndarray:
    """Polychoric correlation matrices of a stack of data sets ``codes`` (B x n x p, ``1..categories``, NaN = missing).

    Each data set has its own thresholds (:func:`thresholds`) and pairwise-complete tables;
    each pair's correlation is found by Fisher scoring from ``start`` (a p x p matrix, e.g.
    the full sample's estimate for bootstrap resamples; zero when None), a step halved
    while the likelihood falls, a pair leaving the iteration once its step is below
    ``tolerance``. Returns B x p x p (NaN for a pair nobody answered together).
    Thresholds and tables come from one set of answer indicators per data set.
    """
    b, n, p = codes.shape
    _check_exact(n)
    first, second = np.triu_indices(p, k=1)
    onehot = _onehot(codes, categories)  # B x n x pK
    counts = onehot.sum(axis=1, dtype=float).reshape(b, p, categories)
    tables = _cross_products(onehot, p, categories)[:, first, second]
    step = fit_group(p)
    return np.concatenate([_fit_pairs(counts[i : i + step], tables[i : i + step], categories, tolerance, max_iter, start) for i in range(0, b, step)])


def fit_group(p: int) -> int:
    """How many data sets of ``p`` items to fit at once: about 20,000 pairs, whose arrays stay in the cache
    (larger groups were slower, and each pair's answer does not depend on the others in its group)."""
    return max(1, int(2e4 // max(p * (p - 1) // 2, 1)))


def polychoric_resampled(
    codes: np.ndarray, categories: int, weights: np.ndarray, tolerance: float = 1e-9, max_iter: int = 100, start: np.ndarray | None = None, batch: int | None = None
) -> np.ndarray:
    """Polychoric matrices of resamples of one data set ``codes`` (n x p), each given by its ``weights``.

    ``weights`` (B x n): how often each respondent appears in each resample (a bootstrap
    resample's counts). The same answers as :func:`polychoric_batch` on the resampled data
    sets, without forming them: each resample's tables are its weights times the
    respondents' pair-cell indicators (one single-precision matrix product per chunk of
    respondents, exact counts), its category counts its weights times the answer
    indicators. ``batch`` resamples are fitted at a time (all when None): each pair's answer
    does not depend on which others it is fitted with.
    """
    n, p = codes.shape
    _check_exact(n)
    first, second = np.triu_indices(p, k=1)
    onehot = _onehot(codes[None], categories)[0].reshape(n, p, categories)  # n x p x K
    w = np.asarray(weights, dtype=np.float32)
    counts = (w @ onehot.reshape(n, -1)).astype(float).reshape(len(w), p, categories)
    tables = np.zeros((len(w), len(first) * categories * categories), dtype=np.float32)
    chunk = max(1, int(4e6 // max(len(first) * categories * categories, 1)))
    for begin in range(0, n, chunk):
        part = onehot[begin : begin + chunk]
        cells = (part[:, first, :, None] * part[:, second, None, :]).reshape(len(part), -1)  # respondents x (pairs K K)
        tables += w[:, begin : begin + chunk] @ cells
    tables = tables.reshape(len(w), len(first), categories, categories)
    step = batch or len(w)
    return np.concatenate(
        [_fit_pairs(counts[i : i + step], tables[i : i + step].astype(float), categories, tolerance, max_iter, start) for i in range(0, len(w), step)]
    )


def _check_exact(n: int) -> None:
    if n >= 2**24:
        raise ValueError(f"{n:,} respondents: contingency tables are exact up to 16,777,215")


def _fit_pairs(counts: np.ndarray, pair_tables: np.ndarray, categories: int, tolerance: float, max_iter: int, start: np.ndarray | None) -> np.ndarray:
    """Fisher scoring of every pair of every data set (see :func:`polychoric_batch`) from category counts
    (B x p x K) and pair tables (B x pairs x K x K, pairs as ``np.triu_indices``)."""
    b, p, _ = counts.shape
    first, second = np.triu_indices(p, k=1)
    cumulative = np.cumsum(counts, axis=2)[:, :, :-1] / counts.sum(axis=2, keepdims=True)
    tau = ndtri(cumulative)  # B x p x (K-1), as thresholds() for each data set
    tables = zero_cell_correction(pair_tables.reshape(-1, categories, categories))
    totals = tables.sum(axis=(1, 2))
    props = tables / np.where(totals > 0, totals, 1.0)[:, None, None]
    cuts = np.clip(tau, -CLIP, CLIP)
    cuts_x = cuts[:, first].reshape(-1, categories - 1)[:, :, None]  # (B * pairs) x (K-1) x 1 finite thresholds
    cuts_y = cuts[:, second].reshape(-1, categories - 1)[:, None, :]
    # the corners' CDF: 0 on the lower edges, the univariate CDF on the upper ones, so only
    # the inner (K-1) x (K-1) corners need the bivariate normal
    edge = np.zeros((len(totals), categories + 1, categories + 1))
    edge[:, -1, 1:-1] = ndtr(cuts_y[:, 0, :])
    edge[:, 1:-1, -1] = ndtr(cuts_x[:, :, 0])
    edge[:, -1, -1] = 1.0

    def inner_cdf(rho, idx, rho_from=None, value_from=None):
        """The inner corners' CDF at ``rho``: moved from ``rho_from`` where Plackett's rule is accurate, Owen's T elsewhere."""
        if rho_from is None:
            return bivariate_normal_cdf(cuts_x[idx], cuts_y[idx], rho[:, None, None])
        value = cdf_step(cuts_x[idx], cuts_y[idx], rho_from, rho, value_from)
        exact = np.flatnonzero(np.isnan(value[:, 0, 0]))
        if len(exact):
            value[exact] = bivariate_normal_cdf(cuts_x[idx[exact]], cuts_y[idx[exact]], rho[exact, None, None])
        return value

    def loglik(inner, idx):
        grid = edge[idx].copy()
        grid[:, 1:-1, 1:-1] = inner
        prob = cell_values(grid)
        return (props[idx] * np.log(np.where(prob > 0, prob, 1.0))).sum(axis=(1, 2)), prob

    def slopes(rho, idx):
        grid = np.zeros((len(idx), categories + 1, categories + 1))
        grid[:, 1:-1, 1:-1] = bivariate_normal_pdf(cuts_x[idx], cuts_y[idx], rho[:, None, None])
        return cell_values(grid)

    if start is None:
        rho = np.zeros(len(totals))
    else:
        first_rho = np.nan_to_num(np.asarray(start, dtype=float)[first, second])
        rho = np.tile(np.clip(first_rho, -0.99, 0.99), b)
    active = np.flatnonzero(totals > 0)
    # at rho = 0 the bivariate CDF is the product of the margins
    inner = ndtr(cuts_x[active]) * ndtr(cuts_y[active]) if start is None else inner_cdf(rho[active], active)
    current, prob = loglik(inner, active)
    for _ in range(max_iter):
        if not len(active):
            break
        slope = slopes(rho[active], active)
        safe = np.where(prob > 0, prob, np.inf)
        step = (props[active] * slope / safe).sum(axis=(1, 2)) / np.maximum((slope * slope / safe).sum(axis=(1, 2)), 1e-300)
        # a step below the tolerance is the last one: taken without evaluating the likelihood there
        last = np.abs(np.clip(rho[active] + step, -1 + 1e-9, 1 - 1e-9) - rho[active]) < tolerance
        rho[active[last]] = np.clip(rho[active[last]] + step[last], -1 + 1e-9, 1 - 1e-9)
        active, step, current, prob, inner = active[~last], step[~last], current[~last], prob[~last], inner[~last]
        if not len(active):
            break
        for _halving in range(40):
            trial = np.clip(rho[active] + step, -1 + 1e-9, 1 - 1e-9)
            trial_inner = inner_cdf(trial, active, rho[active], inner)
            value, trial_prob = loglik(trial_inner, active)
            worse = value < current - 1e-14
            if not worse.any():
                break
            step = np.where(worse, step / 2, step)
        moving = np.abs(trial - rho[active]) >= tolerance
        rho[active] = trial
        active, current, prob, inner = active[moving], value[moving], trial_prob[moving], trial_inner[moving]
    rho = np.where(totals > 0, rho, np.nan).reshape(b, len(first))
    out = np.broadcast_to(np.eye(p), (b, p, p)).copy()
    out[:, first, second] = rho
    out[:, second, first] = rho
    return out
