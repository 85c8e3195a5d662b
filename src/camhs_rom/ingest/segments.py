"""Study 1 coded segments: read (CSV or REFI-QDA ``.qdpx``), validate against the codebook, clean.

The coded-segments CSV has one row per code application with exactly these columns::

    transcript_id, group_id, participant_id, segment_id, start, end, text, code, coder

``start`` and ``end`` are zero-based character offsets into the transcript's plain text,
``end`` exclusive (the REFI-QDA convention), so ``text == transcript[start:end]``.
``code`` is a theme id or a child code of the codebook; it is matched exactly or,
failing that, ignoring case and with spaces/hyphens read as underscores (logged).
A column outside this list is an error, since a misspelled header would otherwise drop
data silently.

The clean table (``results/clean/study1/coded_segments.csv``) has the same columns plus
``theme`` and ``valence`` (the code rolled up through the codebook) and ``source_format``
(``csv`` or ``qdpx``), sorted by transcript, position, coder and code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from camhs_rom.core.audit import AuditLog, neutralise_logged
from camhs_rom.core.contract import SEGMENT_COLUMNS
from camhs_rom.core.errors import InputError, quote_list
from camhs_rom.core.tables import read_delimited
from camhs_rom.ingest.qdpx import read_qdpx
from camhs_rom.instruments.codebook import Codebook

REQUIRED_FILLED = ["transcript_id", "group_id", "participant_id", "segment_id", "code", "coder"]


CLEAN_COLUMNS = SEGMENT_COLUMNS[:8] + ["theme", "valence", "coder", "source_format"]


SORT_KEYS = ["transcript_id", "start", "end", "coder", "code", "segment_id"]


@dataclass
class CleanSegments:
    """The result of :func:`clean_segments`."""
    segments: pd.DataFrame
    audit: pd.DataFrame


def read_segments_csv(path: str | Path, audit: AuditLog | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Read a coded-segments CSV/TSV; return the raw text table and each row's location."""
    frame, rows = read_delimited(path, audit=audit)
    unknown = [c for c in frame.columns if c not in SEGMENT_COLUMNS]
    missing = [c for c in SEGMENT_COLUMNS if c not in frame.columns]
    if missing or unknown:
        found = []
        if missing:
            found.append(f"no column {quote_list(missing)}")
        if unknown:
            found.append(f"unknown column {quote_list(unknown)}")
        raise InputError(path, "row 1 (header)", " and ".join(found), f"exactly the columns {', '.join(SEGMENT_COLUMNS)}")
    return frame[SEGMENT_COLUMNS], [f"row {r}" for r in rows]


def read_segments(path: str | Path, audit: AuditLog) -> tuple[pd.DataFrame, list[str], str]:
    """Read coded segments from a CSV/TSV or a ``.qdpx``; return (table, row locations, format)."""
    if Path(path).suffix.lower() == ".qdpx":

        project = read_qdpx(path)
        for note in project.notes:
            audit.add(path, "", "", "", note, "qdpx_reading")
        return project.segments, project.locations, "qdpx"
    frame, rows = read_segments_csv(path, audit)
    return frame, rows, "csv"


def clean_segments(path: str | Path, codebook: Codebook) -> CleanSegments:
    """Read, validate and clean coded segments against the codebook.

    Raises :class:`InputError` for: a required cell left blank, a position that is not a
    whole number or with ``start >= end``, a code not in the codebook, a participant
    placed in two focus groups, and the same code applied twice by one coder to one
    segment.
    """
    audit = AuditLog()
    frame, rows, fmt = read_segments(path, audit)
    frame = frame.copy()
    for col in REQUIRED_FILLED:
        values = frame[col].astype(str).str.strip()
        blank = np.flatnonzero((values == "").to_numpy())
        if len(blank):
            what = "a participant in no focus group" if col == "group_id" else f"a blank {col}"
            raise InputError(path, f"{rows[blank[0]]}, column {col}", what, f"a {col} on every row")
        frame[col] = values
    for col in ("start", "end"):
        numbers = pd.to_numeric(frame[col], errors="coerce")
        bad = np.flatnonzero((numbers.isna() | (numbers < 0) | (numbers % 1 != 0)).to_numpy())
        if len(bad):
            raise InputError(path, f"{rows[bad[0]]}, column {col}", repr(frame[col].iloc[bad[0]]), "a whole number of characters, 0 or more")
        frame[col] = numbers.astype("int64")
    bad = np.flatnonzero((frame["start"] >= frame["end"]).to_numpy())
    if len(bad):
        i = bad[0]
        raise InputError(
            path, f"{rows[i]}, columns start/end", f"start {frame['start'].iloc[i]} and end {frame['end'].iloc[i]}", "start smaller than end"
        )

    mapping = {}
    for code in pd.unique(frame["code"]):
        known = codebook.resolve(code)
        if known is None:
            first = next(i for i, c in enumerate(frame["code"]) if c == code)
            raise InputError(
                path,
                f"{rows[first]}, column code",
                f"code {code!r}, which is not in the codebook {codebook.path}",
                f"a theme or child code of the codebook: {quote_list(codebook.code_theme, limit=30)}",
            )
        mapping[code] = known
    resolved = frame["code"].map(mapping)
    changed = np.flatnonzero((resolved != frame["code"]).to_numpy())
    if len(changed):
        audit.add_many(path, [rows[i] for i in changed], "code", frame["code"].iloc[changed], resolved.iloc[changed], "code_matched_to_codebook")
    frame["code"] = resolved

    groups = frame.groupby("participant_id")["group_id"].unique()
    split = groups[groups.map(len) > 1]
    if len(split):
        pid = split.index[0]
        where = [rows[i] for i in np.flatnonzero((frame["participant_id"] == pid).to_numpy())][:4]
        raise InputError(path, ", ".join(where), f"participant {pid!r} in focus groups {quote_list(sorted(split.iloc[0]))}", "each participant in one focus group")

    dup = frame.duplicated(["transcript_id", "segment_id", "code", "coder"], keep=False).to_numpy()
    if dup.any():
        idx = np.flatnonzero(dup)[:2]
        i = idx[0]
        raise InputError(
            path,
            " and ".join(rows[j] for j in idx),
            f"code {frame['code'].iloc[i]!r} applied twice by {frame['coder'].iloc[i]!r} to segment {frame['segment_id'].iloc[i]!r}",
            "each code once per segment and coder",
        )

    frame = neutralise_logged(frame, [r.removeprefix("row ") for r in rows], path, audit)
    frame["theme"] = frame["code"].map(codebook.code_theme)
    frame["valence"] = frame["theme"].map({t.id: t.valence for t in codebook.themes})
    frame["source_format"] = fmt
    clean = frame[CLEAN_COLUMNS].sort_values(SORT_KEYS, kind="stable").reset_index(drop=True)
    return CleanSegments(segments=clean, audit=audit.to_frame())
