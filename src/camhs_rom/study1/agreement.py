"""Study 1 coder agreement per theme and pooled, and the passages the coders split on.

The unit is the coded passage (:mod:`camhs_rom.study1.passages`); the estimators and
their bootstrap are in :mod:`camhs_rom.stats.agreement`.

Agreement is computed only on shared material: the passages of the transcripts every
coder coded (or of those a team lists in ``study1.agreement.sources``, each of which every
coder must have coded), never over text a coder did not look at.
``agreement_scope.csv`` says, transcript by transcript, which were compared and why the
others were left out; with fewer than two coders, or no transcript they all coded, there
is no agreement statistic, and the table is empty.

``agreement.csv`` columns: theme (or ``all``), measure (``cohen_kappa``,
``krippendorff_alpha``, ``percent_agreement``), value, ci_low, ci_high, n_units,
n_coders, unit, ci_level, resamples. ``disagreements.csv``: every passage x theme on
which the coders with a judgement split, with an excerpt for reconciliation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from camhs_rom.core.errors import InputError, quote_list
from camhs_rom.core.seeding import batches, bootstrap_interval, bootstrap_weights, rng_for
from camhs_rom.stats.agreement import (
    alpha_batch,
    cohen_kappa,
    krippendorff_alpha,
    light_kappa_batch,
    percent_agreement,
    percent_agreement_batch,
)
from camhs_rom.study1.passages import excerpt, passage_text, presence

AGREEMENT_COLUMNS = ["theme", "measure", "value", "ci_low", "ci_high", "n_units", "n_coders", "unit", "ci_level", "resamples", "resamples_used"]


DISAGREEMENT_COLUMNS = [
    "passage_id", "transcript_id", "group_id", "participant_id", "passage_start", "passage_end",
    "theme", "coders_applied", "coders_not_applied", "excerpt",
]


UNIT = "coded passage"


SCOPE_COLUMNS = ["transcript_id", "coders", "compared", "reason"]


def agreement_scope(passaged: pd.DataFrame, sources: list[str] | None = None, config_file: str = "config") -> pd.DataFrame:
    """Which transcripts agreement compares (:data:`SCOPE_COLUMNS`): those every coder coded, or the listed ones.

    Raises :class:`InputError` when ``sources`` (``study1.agreement.sources``) names a
    transcript that is not in the coded segments, or one that not every coder coded.
    """
    coders = sorted(passaged["coder"].unique())
    by_transcript = passaged.groupby("transcript_id")["coder"].agg(lambda c: sorted(set(c)))
    if sources is not None:
        unknown = [t for t in sources if t not in by_transcript.index]
        partial = [t for t in sources if t in by_transcript.index and len(by_transcript[t]) < len(coders)]
        if unknown or partial:
            found = f"transcript {unknown[0]!r}, which is not in the coded segments" if unknown else (
                f"transcript {partial[0]!r}, coded only by {quote_list(by_transcript[partial[0]])} of the coders {quote_list(coders)}")
            raise InputError(config_file, "key study1.agreement.sources", found, f"transcripts every coder coded: {quote_list(shared_transcripts(passaged), limit=8) or 'none'}")
    rows = []
    for transcript, who in by_transcript.items():
        if len(coders) < 2:
            compared, reason = False, "one coder: nothing to compare"
        elif len(who) < len(coders):
            compared, reason = False, f"not coded by {', '.join(c for c in coders if c not in who)}"
        elif sources is not None and transcript not in sources:
            compared, reason = False, "not in study1.agreement.sources"
        else:
            compared, reason = True, "coded by every coder"
        rows.append([transcript, ";".join(who), compared, reason])
    return pd.DataFrame(rows, columns=SCOPE_COLUMNS)


def shared_transcripts(passaged: pd.DataFrame) -> list[str]:
    """The transcripts every coder of the coded segments coded."""
    n = passaged["coder"].nunique()
    counts = passaged.groupby("transcript_id")["coder"].nunique()
    return sorted(counts[counts == n].index) if n >= 2 else []


def compared_passages(passaged: pd.DataFrame, scope: pd.DataFrame) -> pd.DataFrame:
    """The coded passages of the transcripts the scope compares."""
    keep = set(scope.loc[scope["compared"], "transcript_id"])
    return passaged[passaged["transcript_id"].isin(keep)]


def agreement_table(passaged: pd.DataFrame, themes: list[str], resamples: int, ci: float, seed: int) -> pd.DataFrame:
    """The agreement table (columns :data:`AGREEMENT_COLUMNS`) for two or more coders.

    ``passaged`` holds only shared material (:func:`compared_passages`). With fewer than
    two coders, or no passage, there is nothing to compare and the table is empty.
    """
    coders = sorted(passaged["coder"].unique())
    if len(coders) < 2 or passaged.empty:
        return pd.DataFrame(columns=AGREEMENT_COLUMNS)
    _, judged = presence(passaged, themes, coders)  # passages x themes x coders
    n_passages = judged.shape[0]
    rng = rng_for(seed, "study1-agreement")
    pooled = judged.reshape(-1, len(coders))  # passage-major: row p * n_themes + j
    blocks = [(t, judged[:, j, :], False) for j, t in enumerate(themes)] + [("all", pooled, True)]
    measures = {
        "cohen_kappa": (cohen_kappa, light_kappa_batch),
        "krippendorff_alpha": (krippendorff_alpha, alpha_batch),
        "percent_agreement": (percent_agreement, percent_agreement_batch),
    }
    boots = {(theme, m): [] for theme, _, _ in blocks for m in measures}
    # resamples in batches, drawn one after another from the one stream (the same draws as all at
    # once): the pooled block repeats each passage's weights per theme, which for a large project
    # would otherwise hold passages x themes x resamples numbers at once
    for size in batches(resamples, n_passages * len(themes), max_elements=2.5e7):  # 200 MB of pooled weights a batch
        weights = bootstrap_weights(rng, n_passages, size)
        for theme, values, is_pooled in blocks:
            w = np.repeat(weights, len(themes), axis=1) if is_pooled else weights
            for m, (_, batch) in measures.items():
                boots[(theme, m)].append(batch(values, w))
    rows = []
    for theme, values, _ in blocks:
        n_units = int(((~np.isnan(values)).sum(axis=1) >= 2).sum())
        for m, (estimate, _) in measures.items():
            low, high, used = bootstrap_interval(np.concatenate(boots[(theme, m)]), ci)  # kappa is undefined in a resample with one category
            rows.append([theme, m, estimate(values), low, high, n_units, len(coders), UNIT, ci, resamples, used])
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)


def disagreements(passaged: pd.DataFrame, themes: list[str], max_chars: int = 200) -> pd.DataFrame:
    """Every passage x theme on which the coders with a judgement split, for reconciliation."""
    coders = sorted(passaged["coder"].unique())
    if len(coders) < 2 or passaged.empty:
        return pd.DataFrame(columns=DISAGREEMENT_COLUMNS)
    passages, judged = presence(passaged, themes, coders)
    text = passage_text(passaged)
    rows = []
    for p, j in zip(*np.nonzero(np.nanmax(judged, axis=2) != np.nanmin(judged, axis=2)), strict=True):
        applied = [c for k, c in enumerate(coders) if judged[p, j, k] == 1]
        not_applied = [c for k, c in enumerate(coders) if judged[p, j, k] == 0]
        passage = passages.iloc[p]
        rows.append([*passage.tolist(), themes[j], ";".join(applied), ";".join(not_applied), excerpt(text[passage["passage_id"]], max_chars)])
    return pd.DataFrame(rows, columns=DISAGREEMENT_COLUMNS)


def no_agreement_reason(scope: pd.DataFrame | None) -> str:
    """Why a run has no agreement statistic, in words (from ``agreement_scope.csv``)."""
    if scope is None or scope.empty:
        return "There are no coded transcripts to compare."
    coders = sorted({c for cs in scope["coders"] for c in str(cs).split(";") if c})
    if len(coders) < 2:
        return f"Agreement needs two or more coders; the coded segments have one ({coders[0] if coders else 'unattributed'})."
    return (f"The {len(coders)} coders ({', '.join(coders)}) coded no transcript in common, so there is no shared material "
            "to compare: no agreement statistic is computed.")
