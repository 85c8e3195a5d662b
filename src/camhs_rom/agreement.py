"""Inter-coder agreement on coded passages (see :mod:`camhs_rom.passages` for the unit).

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
import pandas as pd
from sklearn.metrics import cohen_kappa_score

from .passages import coded_passages, excerpt, passage_text, presence
from .seeding import bootstrap_weights, percentile_interval, rng_for
from .tables import write_table

AGREEMENT_COLUMNS = ["theme", "measure", "value", "ci_low", "ci_high", "n_units", "n_coders", "unit", "ci_level", "resamples"]
DISAGREEMENT_COLUMNS = [
    "passage_id", "transcript_id", "group_id", "participant_id", "passage_start", "passage_end",
    "theme", "coders_applied", "coders_not_applied", "excerpt",
]
UNIT = "coded passage"


# ----------------------------------------------------------------- batched estimators


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


# ----------------------------------------------------------------- library point estimates


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


# ----------------------------------------------------------------- tables


def agreement_table(passaged: pd.DataFrame, themes: list[str], resamples: int, ci: float, seed: int) -> pd.DataFrame:
    """The agreement table (columns :data:`AGREEMENT_COLUMNS`) for two or more coders.

    With fewer than two coders there is nothing to compare and the table is empty.
    """
    coders = sorted(passaged["coder"].unique())
    if len(coders) < 2:
        return pd.DataFrame(columns=AGREEMENT_COLUMNS)
    _, judged = presence(passaged, themes, coders)  # passages x themes x coders
    n_passages = judged.shape[0]
    rng = rng_for(seed, "study1-agreement")
    weights = bootstrap_weights(rng, n_passages, resamples)
    rows = []
    blocks = [(t, judged[:, j, :], weights) for j, t in enumerate(themes)]
    pooled = judged.reshape(-1, len(coders))  # passage-major: row p * n_themes + j
    blocks.append(("all", pooled, np.repeat(weights, len(themes), axis=1)))
    for theme, values, w in blocks:
        n_units = int(((~np.isnan(values)).sum(axis=1) >= 2).sum())
        estimates = {
            "cohen_kappa": (cohen_kappa(values), light_kappa_batch(values, w)),
            "krippendorff_alpha": (krippendorff_alpha(values), alpha_batch(values, w)),
            "percent_agreement": (percent_agreement(values), percent_agreement_batch(values, w)),
        }
        for measure, (value, boot) in estimates.items():
            low, high = percentile_interval(boot, ci)
            rows.append([theme, measure, value, low, high, n_units, len(coders), UNIT, ci, resamples])
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)


def disagreements(passaged: pd.DataFrame, themes: list[str], max_chars: int = 200) -> pd.DataFrame:
    """Every passage x theme on which the coders with a judgement split, for reconciliation."""
    coders = sorted(passaged["coder"].unique())
    passages, judged = presence(passaged, themes, coders)
    text = passage_text(passaged)
    rows = []
    for p, j in zip(*np.nonzero(np.nanmax(judged, axis=2) != np.nanmin(judged, axis=2)), strict=True):
        applied = [c for k, c in enumerate(coders) if judged[p, j, k] == 1]
        not_applied = [c for k, c in enumerate(coders) if judged[p, j, k] == 0]
        passage = passages.iloc[p]
        rows.append([*passage.tolist(), themes[j], ";".join(applied), ";".join(not_applied), excerpt(text[passage["passage_id"]], max_chars)])
    return pd.DataFrame(rows, columns=DISAGREEMENT_COLUMNS)


def study1_agreement(segments, codebook, agreement_out, disagreements_out, resamples: int, ci: float, seed: int) -> None:
    """Write ``agreement.csv`` and ``disagreements.csv`` from the clean coded segments."""
    from .instruments import load_codebook

    themes = load_codebook(codebook).theme_ids
    passaged = coded_passages(pd.read_csv(segments, keep_default_na=False, dtype={"start": int, "end": int}))
    write_table(agreement_table(passaged, themes, resamples, ci, seed), agreement_out)
    write_table(disagreements(passaged, themes), disagreements_out)
