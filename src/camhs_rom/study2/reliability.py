"""Study 2 reliability of each subscale, and subscale scores.

``reliability.csv`` columns: subscale, n_items, n (respondents with every item of the
subscale after the missing-data rule), alpha, alpha_ci_low, alpha_ci_high (Feldt, 1965),
omega_total, omega_ci_low, omega_ci_high (bootstrap), alpha_boot_ci_low,
alpha_boot_ci_high (percentile bootstrap), ci_level, resamples, note.

Cronbach's alpha
    ``k/(k-1) (1 - sum var_i / var_total)``; the point estimate from pingouin. Feldt's
    interval: ``1 - (1 - alpha) F_{1-a/2}`` to ``1 - (1 - alpha) F_{a/2}`` with
    ``(n - 1, (n - 1)(k - 1))`` degrees of freedom.
McDonald's omega total
    From a one-factor minres model of the subscale's correlation matrix, as R's
    ``psych::omega`` defines it: ``1 - sum(u^2) / sum(R)`` (uniquenesses over the total
    variance of the standardised items).
Bootstrap
    Respondents resampled with a seeded generator; vectorised estimators (alpha from
    weighted covariance matrices; omega from a batched one-factor least-squares fit by
    iterated principal axes with power-iteration steps, which converges to the minres
    solution), each tested
    against pingouin and factor_analyzer on the same resamples.

``item_reliability.csv``: subscale, item, item_rest_r, alpha_if_dropped.
``subscale_scores.csv``: one row per respondent (id, group, frequency, covariates) and
one column per subscale: the mean of its scored items, blank where the missing-data rule
leaves the subscale unscorable.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from camhs_rom.core.seeding import batches, bootstrap_interval, bootstrap_weights, join_notes, resamples_note, rng_for
from camhs_rom.instruments.questionnaire import Questionnaire
from camhs_rom.stats.reliability import (
    alpha_batch,
    alpha_if_dropped,
    cronbach_alpha,
    feldt_interval,
    item_rest_correlations,
    omega_batch,
    omega_total,
    weighted_covariances,
)
from camhs_rom.study2.descriptives import scored_matrix

log = logging.getLogger(__name__)


RELIABILITY_COLUMNS = [
    "subscale", "n_items", "n", "alpha", "alpha_ci_low", "alpha_ci_high", "omega_total", "omega_ci_low", "omega_ci_high",
    "alpha_boot_ci_low", "alpha_boot_ci_high", "ci_level", "resamples", "note",
]


def reliability(scored: pd.DataFrame, q: Questionnaire, resamples: int, ci: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reliability per subscale and item statistics (see the module docstring)."""
    rows, items_rows = [], []
    for subscale in q.subscales:
        items = [i.id for i in q.items_of(subscale)]
        data = scored_matrix(scored, items)
        n, k = data.shape
        if k < 2:
            note = "one item: internal consistency is undefined"
            log.info("subscale %s: %s", subscale, note)
            rows.append([subscale, k, n, *[np.nan] * 8, ci, resamples, note])
            continue
        alpha = cronbach_alpha(data)
        low, high = feldt_interval(alpha, n, k, ci)
        rng = rng_for(seed, f"study2-reliability-{subscale}")
        x = data.to_numpy()
        boot_alpha, boot_omega = [], []
        for size in batches(resamples, n):  # bounded memory for large samples
            weights = bootstrap_weights(rng, n, size)
            cov = weighted_covariances(x, weights)  # one set of resample covariances for both coefficients
            boot_alpha.append(alpha_batch(x, weights, cov))
            boot_omega.append(omega_batch(x, weights, cov) if k >= 3 else np.full(size, np.nan))
        boot_alpha, boot_omega = np.concatenate(boot_alpha or [[]]), np.concatenate(boot_omega or [[]])
        omega = omega_total(data) if k >= 3 else np.nan
        a_lo, a_hi, a_used = bootstrap_interval(boot_alpha, ci)
        o_lo, o_hi, o_used = bootstrap_interval(boot_omega, ci)
        note = join_notes("" if k >= 3 else "two items: omega needs three or more",
                          *(f"{name}: {resamples_note(used, resamples)}" for name, used, defined in (("alpha", a_used, True), ("omega", o_used, k >= 3))
                            if defined and used < resamples))
        rows.append([subscale, k, n, alpha, low, high, omega, o_lo, o_hi, a_lo, a_hi, ci, resamples, note])
        rest, without = item_rest_correlations(data), alpha_if_dropped(data)
        items_rows += [[subscale, item, rest[item], without[item]] for item in items]
    return (
        pd.DataFrame(rows, columns=RELIABILITY_COLUMNS),
        pd.DataFrame(items_rows, columns=["subscale", "item", "item_rest_r", "alpha_if_dropped"]),
    )


def subscale_scores(scored: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Mean of each subscale's scored items per respondent; blank where not scorable."""
    keep = [c for c in ["respondent_id", "group", "frequency", "frequency_code", *q.covariates] if c in scored.columns]
    out = scored[keep].copy()
    for subscale in q.subscales:
        items = [i.id for i in q.items_of(subscale)]
        mean = scored[items].astype(float).mean(axis=1)
        out[subscale] = mean.where(scored[f"scorable_{subscale}"].astype(bool))
    return out
