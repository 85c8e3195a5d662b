"""Inter-coder agreement on coded passages (see :mod:`camhs_rom.study1.passages` for the unit).

For each theme, every coder's judgement on every passage is binary: applied (1) or not
(0). Three measures are reported, per theme and for ``all`` themes pooled (passage x
theme judgements):

``cohen_kappa``
    Cohen's (1960) kappa, ``(p_o - p_e) / (1 - p_e)``, for two coders; with more coders,
    Light's (1971) kappa, the mean of the pairwise kappas. Point estimates come from
    :func:`sklearn.metrics.cohen_kappa_score`.
``krippendorff_alpha``
    Krippendorff's alpha for nominal data, ``1 - D_o / D_e`` from the coincidence matrix
    (Krippendorff, 2019, ch. 12); handles any number of coders and missing judgements.
    Point estimates come from the ``krippendorff`` package.
``percent_agreement``
    The share of passages on which all coders with a judgement agree, in percent.

Confidence intervals are percentile intervals of a seeded bootstrap that resamples
passages (for ``all``, a passage carries all its theme judgements with it). The
bootstrap uses the vectorised estimators below, which are tested against scikit-learn
and the ``krippendorff`` package on the same data.
"""

from __future__ import annotations

import warnings
from itertools import combinations

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score


def kappa_batch(a: np.ndarray, b: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Cohen's kappa of two coders' integer codes ``a``, ``b`` for each row of unit ``weights``.

    ``weights`` has shape (B, units): how often each unit is in each bootstrap resample
    (a row of ones gives the plain estimate). Returns shape (B,), NaN where ``p_e = 1``.
    """
    k = int(max(a.max(), b.max())) + 1
    onehot = np.zeros((len(a), k * k))
    onehot[np.arange(len(a)), a * k + b] = 1.0
    conf = (weights @ onehot).reshape(-1, k, k)
    n = conf.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):  # a resample without units gives NaN
        p_o = np.trace(conf, axis1=1, axis2=2) / n
        p_e = (conf.sum(axis=2) * conf.sum(axis=1)).sum(axis=1) / n**2
        return np.where(np.isclose(p_e, 1.0), np.nan, (p_o - p_e) / (1 - p_e))


def alpha_batch(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Krippendorff's nominal alpha of ``values`` (units x coders, NaN = missing) per row of ``weights``.

    With ``o`` the coincidence matrix, ``n_c`` its margins and ``n`` its total,
    ``alpha = 1 - (n - 1) (n - trace(o)) / (n^2 - sum n_c^2)``.
    """
    cats = np.unique(values[~np.isnan(values)])
    counts = np.stack([(values == c).sum(axis=1) for c in cats], axis=1).astype(float)  # units x K
    m = counts.sum(axis=1)
    pairable = m >= 2
    contrib = np.zeros((len(values), len(cats), len(cats)))
    outer = counts[:, :, None] * counts[:, None, :] - np.einsum("uc,ck->uck", counts, np.eye(len(cats)))
    contrib[pairable] = outer[pairable] / (m[pairable] - 1)[:, None, None]
    o = (weights @ contrib.reshape(len(values), -1)).reshape(-1, len(cats), len(cats))
    n_c = o.sum(axis=2)
    n = n_c.sum(axis=1)
    disagree = n - np.trace(o, axis1=1, axis2=2)
    expected = n**2 - (n_c**2).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(expected > 0, 1 - (n - 1) * disagree / expected, np.nan)


def percent_agreement_batch(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Percent of units (with two or more judgements) on which every judgement is the same."""
    judged = (~np.isnan(values)).sum(axis=1)
    lo, hi = np.nanmin(values, axis=1), np.nanmax(values, axis=1)
    valid = judged >= 2
    agree = valid & (lo == hi)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 100 * (weights @ agree) / (weights @ valid)


def light_kappa_batch(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Mean pairwise Cohen's kappa over coder pairs, each on the units both judged."""
    kappas = []
    for i, j in combinations(range(values.shape[1]), 2):
        both = ~np.isnan(values[:, i]) & ~np.isnan(values[:, j])
        kappas.append(kappa_batch(values[both, i].astype(int), values[both, j].astype(int), weights[:, both]))
    if not kappas:
        return np.full(len(weights), np.nan)
    with warnings.catch_warnings():  # a resample where every pair is undefined gives NaN, as it should
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.stack(kappas), axis=0)


def cohen_kappa(values: np.ndarray) -> float:
    """Cohen's kappa (Light's mean over pairs for more than two coders) via scikit-learn."""
    kappas = []
    for i, j in combinations(range(values.shape[1]), 2):
        both = ~np.isnan(values[:, i]) & ~np.isnan(values[:, j])
        a, b = values[both, i].astype(int), values[both, j].astype(int)
        if len(np.unique(np.concatenate([a, b]))) < 2:
            kappas.append(np.nan)  # one category only: chance agreement is 1, kappa undefined
        else:
            kappas.append(cohen_kappa_score(a, b))
    return float(np.nanmean(kappas)) if kappas and not np.all(np.isnan(kappas)) else float("nan")


def krippendorff_alpha(values: np.ndarray) -> float:
    """Krippendorff's nominal alpha via the ``krippendorff`` package (coders as rows)."""
    if len(np.unique(values[~np.isnan(values)])) < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=values.T, level_of_measurement="nominal"))


def percent_agreement(values: np.ndarray) -> float:
    return float(percent_agreement_batch(values, np.ones((1, len(values))))[0])
