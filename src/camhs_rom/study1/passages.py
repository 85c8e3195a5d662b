"""Coded passages: the unit of analysis for Study 1.

Coders mark spans of different lengths, and two coders rarely mark exactly the same
characters. Raw characters are therefore not a useful unit. A **coded passage** is a
stretch of one participant's talk that at least one coder coded: within each transcript
and participant, the spans of all coders that overlap are merged into one passage.
Each coder then either applied a theme to the passage (1) or did not (0); a coder who
coded nothing in the whole transcript has no judgement on its passages (missing).

Text no coder coded is not a unit: counting it would add agreement on "nothing here"
that depends only on how much talk there was, and the coders' work is to code, not to
mark uncoded talk. This is stated with every agreement figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PASSAGE_COLUMNS = ["passage_id", "transcript_id", "group_id", "participant_id", "passage_start", "passage_end"]


def coded_passages(segments: pd.DataFrame) -> pd.DataFrame:
    """Add ``passage_id``, ``passage_start`` and ``passage_end`` to each clean segment.

    Overlapping spans (``start < end`` of an earlier span) of the same participant in the
    same transcript, by any coder, form one passage. Passages are numbered within their
    transcript in text order: ``focus_group_1#004``.
    """
    seg = segments.sort_values(["transcript_id", "participant_id", "start", "end"], kind="stable").reset_index()
    cluster = np.zeros(len(seg), dtype=np.int64)
    starts, ends = seg["start"].to_numpy(), seg["end"].to_numpy()
    keys = list(zip(seg["transcript_id"], seg["participant_id"], strict=True))
    current, reach = -1, -1
    for i in range(len(seg)):
        if i == 0 or keys[i] != keys[i - 1] or starts[i] >= reach:
            current += 1
            reach = ends[i]
        else:
            reach = max(reach, ends[i])
        cluster[i] = current
    seg["_cluster"] = cluster
    spans = seg.groupby("_cluster").agg(transcript_id=("transcript_id", "first"), passage_start=("start", "min"), passage_end=("end", "max"))
    spans = spans.sort_values(["transcript_id", "passage_start", "passage_end"], kind="stable")
    spans["passage_id"] = spans["transcript_id"] + "#" + (spans.groupby("transcript_id").cumcount() + 1).map("{:03d}".format)
    seg = seg.join(spans[["passage_id", "passage_start", "passage_end"]], on="_cluster")
    return seg.drop(columns="_cluster").set_index("index").sort_index().rename_axis(None)


def presence(passaged: pd.DataFrame, themes: list[str], coders: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Which coder applied which theme to which passage.

    Returns the passages (one row each, columns :data:`PASSAGE_COLUMNS`) and an array of
    shape (passages, themes, coders) holding 1 (applied), 0 (not applied) or NaN (the
    coder coded nothing in that transcript).
    """
    passages = passaged.drop_duplicates("passage_id")[PASSAGE_COLUMNS].sort_values(["transcript_id", "passage_start", "passage_id"], kind="stable").reset_index(drop=True)
    index = {p: i for i, p in enumerate(passages["passage_id"])}
    out = np.zeros((len(passages), len(themes), len(coders)))
    theme_index = {t: j for j, t in enumerate(themes)}
    coder_index = {c: k for k, c in enumerate(coders)}
    rows = passaged["passage_id"].map(index).to_numpy()
    cols = passaged["theme"].map(theme_index).to_numpy()
    kk = passaged["coder"].map(coder_index).to_numpy()
    out[rows, cols, kk] = 1.0
    coded = passaged.groupby("transcript_id")["coder"].unique().map(set)
    for k, coder in enumerate(coders):
        absent = ~passages["transcript_id"].map(lambda t, c=coder: c in coded.get(t, set())).to_numpy()
        out[absent, :, k] = np.nan
    return passages, out


def excerpt(text: str, max_chars: int) -> str:
    """``text`` with runs of white space folded, cut at a word boundary to ``max_chars`` (ending in ``…``)."""
    text = " ".join(str(text).split())
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    if text[max_chars - 1] != " " and " " in cut:  # do not end inside a word
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + "…"


def passage_text(passaged: pd.DataFrame) -> pd.Series:
    """The text shown for each passage: its longest coded span (ties: the first in the table)."""
    longest = passaged.assign(_len=passaged["text"].str.len()).sort_values(["passage_id", "_len"], ascending=[True, False], kind="stable")
    return longest.drop_duplicates("passage_id").set_index("passage_id")["text"]
