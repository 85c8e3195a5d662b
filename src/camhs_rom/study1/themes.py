"""Study 1 themes: who voiced which theme, co-occurrence, saturation and quotes.

Everything here starts from the clean coded segments grouped into coded passages
(:mod:`camhs_rom.study1.passages`) and from one **tally rule** that says whose coding counts
when several coders coded the same transcripts (``study1.tally.rule`` in the config):

``primary``
    Only the primary coder's coding (``study1.tally.primary_coder``; by default the
    first coder in alphabetical order). The usual practice: one coder's analysis, the
    others' coding used for agreement.
``union``
    A theme counts for a passage if any coder applied it.
``consensus``
    A theme counts for a passage only if every coder who coded that transcript applied it.

Child codes roll up to their theme through the codebook. Counts of "segments" are
counts of coded passages carrying the theme under the rule, so they do not grow with the
number of coders.

Tables (all tidy CSV, documented in ``docs/outputs.md``):

- ``theme_tallies.csv``: theme, label, valence, n_participants, pct_participants,
  n_groups, n_segments, codes (child codes used, ``;``-separated).
- ``valence_tallies.csv``: the same per valence (``benefit``, ``concern``, ``other``),
  plus n_themes.
- ``theme_by_participant.csv``: participant_id, group_id, one 0/1 column per theme.
- ``cooccurrence.csv``: level (``passage`` or ``participant``), theme_a, theme_b, n
  (units carrying both), jaccard (n over units carrying either); the diagonal holds each
  theme's own count.
- ``saturation.csv``: order, transcript_id, new_themes, new_codes, cumulative_themes,
  cumulative_codes, new_theme_ids, new_code_ids.
- ``quotes.csv``: theme, rank, participant_id, group_id, transcript_id, passage_id,
  agreed (all coders applied the theme), excerpt.
"""

from __future__ import annotations

import hashlib
import logging

import numpy as np
import pandas as pd

from camhs_rom.core.errors import InputError, quote_list
from camhs_rom.instruments.codebook import Codebook
from camhs_rom.study1.passages import excerpt, passage_text

log = logging.getLogger(__name__)


TALLY_RULES = ("primary", "union", "consensus")
VALENCES = ("benefit", "concern", "other")


def primary_coder(passaged: pd.DataFrame, named: str | None, config_file: str = "config") -> str:
    """The coder whose coding the ``primary`` rule uses: the named one, else the first alphabetically."""
    coders = sorted(passaged["coder"].unique())
    if named is None:
        return coders[0]
    if named not in coders:
        raise InputError(config_file, "key study1.tally.primary_coder", repr(named), f"one of the coders in the coded segments: {quote_list(coders)}")
    return named


def tallied(passaged: pd.DataFrame, rule: str, primary: str | None = None) -> pd.DataFrame:
    """The passage x theme applications that count under ``rule`` (one row per passage and theme).

    Columns: passage_id, transcript_id, group_id, participant_id, passage_start,
    passage_end, theme, codes (the codes behind it, ``;``-separated), n_coders_applied,
    agreed (every coder who coded the transcript applied the theme).
    """
    if rule not in TALLY_RULES:
        raise ValueError(f"tally rule {rule!r}; expected one of {TALLY_RULES}")
    coders_in = passaged.groupby("transcript_id")["coder"].nunique()
    keys = ["passage_id", "transcript_id", "group_id", "participant_id", "passage_start", "passage_end", "theme"]
    source = passaged[passaged["coder"] == primary] if rule == "primary" else passaged
    grouped = source.groupby(keys, sort=True).agg(codes=("code", lambda c: ";".join(sorted(set(c)))))
    applied = passaged.groupby(keys)["coder"].nunique().rename("n_coders_applied")
    out = grouped.join(applied).reset_index()
    out["agreed"] = out["n_coders_applied"] == out["transcript_id"].map(coders_in)
    if rule == "consensus":
        out = out[out["agreed"]]
    return out.sort_values(["transcript_id", "passage_start", "theme"], kind="stable").reset_index(drop=True)


def participants_of(segments: pd.DataFrame) -> pd.DataFrame:
    """Every participant in the coded segments with their focus group, ordered by group then id."""
    return segments[["participant_id", "group_id"]].drop_duplicates().sort_values(["group_id", "participant_id"], kind="stable").reset_index(drop=True)


def theme_tallies(counted: pd.DataFrame, codebook: Codebook, n_participants: int) -> pd.DataFrame:
    """Per codebook theme (zeros included): participants, % of participants, groups, passages, codes used."""
    rows = []
    for theme in codebook.themes:
        mine = counted[counted["theme"] == theme.id]
        n = mine["participant_id"].nunique()
        codes = sorted({c for cs in mine["codes"] for c in cs.split(";")})
        rows.append(
            [theme.id, theme.label, theme.valence, n, 100 * n / n_participants, mine["group_id"].nunique(), mine["passage_id"].nunique(), ";".join(codes)]
        )
    return pd.DataFrame(rows, columns=["theme", "label", "valence", "n_participants", "pct_participants", "n_groups", "n_segments", "codes"])


def valence_tallies(counted: pd.DataFrame, codebook: Codebook, n_participants: int) -> pd.DataFrame:
    """Benefit, concern (and other) totals: themes, participants voicing any, groups, passages."""
    valence_of = {t.id: t.valence for t in codebook.themes}
    with_valence = counted.assign(valence=counted["theme"].map(valence_of))
    rows = []
    for valence in VALENCES:
        themes = [t for t in codebook.themes if t.valence == valence]
        if not themes:
            continue
        mine = with_valence[with_valence["valence"] == valence]
        n = mine["participant_id"].nunique()
        rows.append([valence, len(themes), n, 100 * n / n_participants, mine["group_id"].nunique(), mine["passage_id"].nunique()])
    return pd.DataFrame(rows, columns=["valence", "n_themes", "n_participants", "pct_participants", "n_groups", "n_segments"])


def theme_by_participant(counted: pd.DataFrame, participants: pd.DataFrame, themes: list[str]) -> pd.DataFrame:
    """One row per participant (all of them), one 0/1 column per theme."""
    voiced = counted.drop_duplicates(["participant_id", "theme"]).assign(one=1).pivot(index="participant_id", columns="theme", values="one")
    voiced = voiced.reindex(index=participants["participant_id"], columns=themes).fillna(0).astype(int)
    return participants.join(voiced, on="participant_id")


def cooccurrence(counted: pd.DataFrame, themes: list[str]) -> pd.DataFrame:
    """Theme pairs carried by the same passage, and voiced by the same participant."""
    rows = []
    for level, unit in (("passage", "passage_id"), ("participant", "participant_id")):
        matrix = pd.crosstab(counted[unit], counted["theme"]).reindex(columns=themes, fill_value=0).clip(upper=1)
        both = matrix.T @ matrix
        for a in themes:
            for b in themes:
                either = int(((matrix[a] + matrix[b]) > 0).sum())
                n = int(both.loc[a, b])
                rows.append([level, a, b, n, n / either if either else np.nan])
    return pd.DataFrame(rows, columns=["level", "theme_a", "theme_b", "n", "jaccard"])


def saturation(counted: pd.DataFrame, order: list[str] | None, config_file: str = "config") -> pd.DataFrame:
    """New themes and codes contributed by each successive transcript, in ``order`` (default: sorted ids)."""
    transcripts = sorted(counted["transcript_id"].unique())
    if order is None:
        order = transcripts
    else:
        missing = [t for t in transcripts if t not in order]
        unknown = [t for t in order if t not in transcripts]
        if missing or unknown:
            found = f"transcripts {quote_list(order)}"
            raise InputError(config_file, "key study1.saturation_order", found, f"each transcript of the coded segments once: {quote_list(transcripts)}")
    seen_themes, seen_codes, rows = set(), set(), []
    for k, transcript in enumerate(order, start=1):
        mine = counted[counted["transcript_id"] == transcript]
        themes = set(mine["theme"])
        codes = {c for cs in mine["codes"] for c in cs.split(";")}
        new_t, new_c = sorted(themes - seen_themes), sorted(codes - seen_codes)
        seen_themes |= themes
        seen_codes |= codes
        rows.append([k, transcript, len(new_t), len(new_c), len(seen_themes), len(seen_codes), ";".join(new_t), ";".join(new_c)])
    return pd.DataFrame(
        rows, columns=["order", "transcript_id", "new_themes", "new_codes", "cumulative_themes", "cumulative_codes", "new_theme_ids", "new_code_ids"]
    )


def _stable_rank(seed: int, key: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}:{key}".encode("utf-8")).digest()[:8], "big")


def select_quotes(counted: pd.DataFrame, passaged: pd.DataFrame, themes: list[str], per_theme: int, max_chars: int, seed: int) -> pd.DataFrame:
    """Up to ``per_theme`` short excerpts per theme, chosen deterministically.

    The rule, across themes in the order given: one excerpt per participant before a second
    from anyone (a participant quoted for an earlier theme comes after those not yet quoted,
    and within a theme a participant's second passage after everyone's first); among equals,
    passages all coders agree on first, then a seeded hash order (the same seed gives the
    same quotes). An excerpt already chosen for the theme (the same words from another
    participant) is passed over. The excerpt is the longest coded span of the passage, cut
    at a word boundary to ``max_chars`` and marked with an ellipsis; only participant
    pseudonyms appear, never whole transcripts.
    """
    text = passage_text(passaged)
    quoted: dict[str, int] = {}  # excerpts chosen so far, per participant
    rows = []
    for theme in themes:
        mine = counted[counted["theme"] == theme].copy()
        if mine.empty:
            continue
        mine["_hash"] = [_stable_rank(seed, p) for p in mine["passage_id"]]
        within = mine.sort_values(["agreed", "_hash"], ascending=[False, True]).groupby("participant_id").cumcount()
        mine["_turn"] = within + mine["participant_id"].map(quoted).fillna(0).astype(int)
        mine = mine.sort_values(["_turn", "agreed", "_hash"], ascending=[True, False, True], kind="stable")
        mine["excerpt_shown"] = [excerpt(text[p], max_chars) for p in mine["passage_id"]]
        mine = mine.drop_duplicates("excerpt_shown").head(per_theme)  # the same words twice illustrate nothing new
        for participant in mine["participant_id"]:
            quoted[participant] = quoted.get(participant, 0) + 1
        for rank, row in enumerate(mine.itertuples(), start=1):
            rows.append([theme, rank, row.participant_id, row.group_id, row.transcript_id, row.passage_id, bool(row.agreed), row.excerpt_shown])
    return pd.DataFrame(rows, columns=["theme", "rank", "participant_id", "group_id", "transcript_id", "passage_id", "agreed", "excerpt"])
