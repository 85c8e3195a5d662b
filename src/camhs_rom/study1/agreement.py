"""Study 1 coder agreement per theme and pooled, and the passages the coders split on.

The unit is the coded passage (:mod:`camhs_rom.study1.passages`); the estimators and
their bootstrap are in :mod:`camhs_rom.stats.agreement`.

``agreement.csv`` columns: theme (or ``all``), measure (``cohen_kappa``,
``krippendorff_alpha``, ``percent_agreement``), value, ci_low, ci_high, n_units,
n_coders, unit, ci_level, resamples. ``disagreements.csv``: every passage x theme on
which the coders with a judgement split, with an excerpt for reconciliation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from camhs_rom.core.seeding import bootstrap_weights, percentile_interval, rng_for
from camhs_rom.stats.agreement import (
    alpha_batch,
    cohen_kappa,
    krippendorff_alpha,
    light_kappa_batch,
    percent_agreement,
    percent_agreement_batch,
)
from camhs_rom.study1.passages import excerpt, passage_text, presence

AGREEMENT_COLUMNS = ["theme", "measure", "value", "ci_low", "ci_high", "n_units", "n_coders", "unit", "ci_level", "resamples"]


DISAGREEMENT_COLUMNS = [
    "passage_id", "transcript_id", "group_id", "participant_id", "passage_start", "passage_end",
    "theme", "coders_applied", "coders_not_applied", "excerpt",
]


UNIT = "coded passage"


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
