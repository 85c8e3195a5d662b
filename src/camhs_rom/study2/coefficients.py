"""Each subscale's reliability coefficients named with their model (``reliability_coefficients.csv``).

Each coefficient has a seeded percentile bootstrap interval, and each subscale's come from
one set of respondents, those who answered every item of it as given (a pro-rated value is
no answer category; ``reliability.csv`` keeps the spec's missing-data rule): Cronbach's
alpha and omega total (computed as ``reliability.csv`` computes them), ordinal alpha and
ordinal omega (alpha, and omega total of a one-factor minres model, of the polychoric
matrix; both from the same resamples), and for the whole questionnaire omega hierarchical
(the respondents who answered every item) where three or more subscales define a general
factor. Written beside the measurement tables (:mod:`camhs_rom.study2.measurement`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from camhs_rom.core.seeding import bootstrap_interval, join_notes, resamples_note, rng_for
from camhs_rom.instruments.questionnaire import Questionnaire
from camhs_rom.stats.factors import MODEL_ERRORS
from camhs_rom.stats.polychoric import fit_group, polychoric_batch, polychoric_resampled
from camhs_rom.stats.reliability import omega_from_correlations, omega_hierarchical, one_factor_uniquenesses, standardized_alpha
from camhs_rom.stats.retention import smooth_correlations


def ordinal_coefficients(codes: pd.DataFrame, categories: int, resamples: int, ci: float, rng: np.random.Generator) -> dict[str, tuple[float, float, float, int]]:
    """Ordinal alpha and ordinal omega of one subscale's keyed codes, each with its percentile bootstrap interval.

    ``{"ordinal_alpha": (estimate, low, high, used), "ordinal_omega": (...)}``, ``used`` the
    resamples in which the coefficient is defined (:func:`camhs_rom.core.seeding.bootstrap_interval`): alpha of the polychoric
    matrix, smoothed when it is not positive definite as ``psych::polychoric`` does by default
    (:func:`camhs_rom.stats.retention.smooth_correlations`), in the sample and in every resample
    (:func:`camhs_rom.stats.reliability.standardized_alpha`), and omega total of a one-factor
    minres model of it (:func:`camhs_rom.stats.reliability.omega_from_correlations`, psych's
    ``omega.tot``; NaN below three items). semTools' ``compRelSEM(ord.scale = FALSE)`` estimates the
    same quantity from a DWLS fit's loadings, ``(sum lambda)^2 / sum(R)``, and differs in the third
    decimal (fixtures/psych/ordinal_omega.R writes both). Both come from the same resamples: each is drawn as row
    indices (in batches whose sizes fix the random stream) and analysed as its counts of each
    respondent (:func:`camhs_rom.stats.polychoric.polychoric_resampled`); its polychoric search
    starts from the full sample's correlations and stops at 1e-5, far below the interval's
    precision. Tables for up to about 200 MB of resamples (and their counts, 100 MB) are formed at
    once, and fitted in groups of about 20,000 pairs (:func:`camhs_rom.stats.polychoric.fit_group`).
    """
    x = codes.to_numpy(dtype=float)
    n, k = x.shape
    full = smooth_correlations(polychoric_batch(x[None], categories))[0]
    with_omega = k >= 3
    start = 1 - one_factor_uniquenesses(full[None])[0] if with_omega else None
    estimates = {"ordinal_alpha": float(standardized_alpha(full)),
                 "ordinal_omega": float(omega_from_correlations(full[None], start)[0]) if with_omega else np.nan}
    draw = max(1, int(2e6 // max(x.size * categories, 1)))
    cells = max(1, k * (k - 1) // 2) * categories * categories
    per_group = max(1, int(min(5e7 // cells, 2.5e7 // n)) // draw) * draw
    boot: dict[str, list] = {"ordinal_alpha": [], "ordinal_omega": []}
    for group in range(0, resamples, per_group):
        weights = np.empty((min(per_group, resamples - group), n), dtype=np.float32)  # exact: a count is at most n < 2^24
        for first in range(group, group + len(weights), draw):
            size = min(draw, resamples - first)
            rows = rng.integers(0, n, size=(size, n))
            weights[first - group : first - group + size] = np.bincount((rows + n * np.arange(size)[:, None]).ravel(), minlength=size * n).reshape(size, n)
        # a resample's polychoric matrix that is not positive definite is smoothed, as psych::polychoric does by
        # default (psych::cor.smooth), never dropped: dropping kept about half the default's resamples, and
        # only the better-behaved half
        matrices = smooth_correlations(polychoric_resampled(x, categories, weights, tolerance=1e-5, start=full, batch=fit_group(k)))
        boot["ordinal_alpha"].append(standardized_alpha(matrices))
        if with_omega:
            boot["ordinal_omega"].append(omega_from_correlations(matrices, start))
    out = {}
    for name, estimate in estimates.items():
        out[name] = (estimate, *bootstrap_interval(np.concatenate(boot[name]) if boot[name] else np.array([]), ci))
    return out


COEFFICIENT_MODELS = {
    "alpha": "essentially tau-equivalent items; Pearson covariances of the scored items",
    "omega_total": "one-factor minres model of the Pearson correlations",
    "ordinal_alpha": "alpha of the polychoric correlations: the latent responses, not the answer codes",
    "ordinal_omega": "one-factor minres model of the polychoric correlations: the latent responses, not the answer codes",
    "omega_hierarchical": "Schmid-Leiman general factor of an oblimin solution with one factor per subscale",
}
COEFFICIENT_COLUMNS = ["subscale", "coefficient", "model", "estimate", "ci_low", "ci_high", "ci_method", "n", "note"]


def answered_as_given(scored: pd.DataFrame, codes: pd.DataFrame) -> pd.DataFrame:
    """The scored items with every answer the respondent did not give (a pro-rated value) blanked: a subscale's
    complete rows in this frame are the respondents who answered each of its items."""
    return scored[list(codes.columns)].astype(float).where(codes.notna().to_numpy())


def reliability_coefficients(reliability: pd.DataFrame, scored: pd.DataFrame, codes: pd.DataFrame, q: Questionnaire, resamples: int, ci: float,
                             seed: int) -> pd.DataFrame:
    """Every coefficient per subscale with its model and interval (see the module docstring).

    One set of rows per subscale: the respondents who answered every item of it as given
    (``scored``: :func:`answered_as_given`; ``codes``: their keyed codes, NaN unanswered);
    ``reliability``: :func:`camhs_rom.study2.reliability.reliability` of ``scored``, so that alpha and
    omega are computed on the rows of the ordinal coefficients beside them (checked). Omega
    hierarchical takes the respondents who answered every item. Every row's ``n`` is its rows'.
    """
    rows = []
    categories = q.scale_max - q.scale_min + 1
    boot = f"percentile bootstrap, {resamples} resamples"
    for rel in reliability.itertuples():
        items = [i.id for i in q.items_of(rel.subscale)]
        answered = codes[items].notna().all(axis=1).to_numpy()
        n = int(answered.sum())
        if n != rel.n:
            raise ValueError(f"subscale {rel.subscale!r}: reliability on {rel.n} respondents, {n} answered every item: not one set of rows")
        rows.append([rel.subscale, "alpha", COEFFICIENT_MODELS["alpha"], rel.alpha, rel.alpha_boot_ci_low, rel.alpha_boot_ci_high, boot, n, rel.note])
        rows.append([rel.subscale, "omega_total", COEFFICIENT_MODELS["omega_total"], rel.omega_total, rel.omega_ci_low, rel.omega_ci_high, boot, n, rel.note])
        if len(items) < 2:
            for name in ("ordinal_alpha", "ordinal_omega"):
                rows.append([rel.subscale, name, COEFFICIENT_MODELS[name], np.nan, np.nan, np.nan, "", n, "one item: internal consistency is undefined"])
            continue
        rng = rng_for(seed, f"study2-ordinal-alpha-{rel.subscale}")
        found = ordinal_coefficients(codes.loc[answered, items], categories, resamples, ci, rng)
        for name, (estimate, low, high, used) in found.items():
            defined = np.isfinite(estimate)
            note = join_notes("two items: omega needs three or more" if name == "ordinal_omega" and len(items) < 3 else "",
                              resamples_note(used, resamples) if defined else "")
            rows.append([rel.subscale, name, COEFFICIENT_MODELS[name], estimate, low, high, boot if defined else "", n, note])
    m = len(q.subscales)
    model = COEFFICIENT_MODELS["omega_hierarchical"]
    x = scored.dropna().to_numpy()
    if m < 3:
        note = f"{m} subscale(s): a general factor needs three or more group factors to be identified"
        rows.append(["(all items)", "omega_hierarchical", model, np.nan, np.nan, np.nan, "", len(x), note])
    else:
        estimate, _ = omega_hierarchical(np.corrcoef(x, rowvar=False), m)
        rng = rng_for(seed, "study2-omega-hierarchical")
        estimates = []
        for _ in range(resamples):
            sample = x[rng.integers(0, len(x), len(x))]
            try:
                estimates.append(omega_hierarchical(np.corrcoef(sample, rowvar=False), m)[0])
            except MODEL_ERRORS:
                estimates.append(np.nan)
        low, high, used = bootstrap_interval(np.array(estimates), ci)
        rows.append(["(all items)", "omega_hierarchical", model, estimate, low, high, boot, len(x), resamples_note(used, resamples)])
    return pd.DataFrame(rows, columns=COEFFICIENT_COLUMNS)
