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
from camhs_rom.ingest.placement import PlacementSettings
from camhs_rom.ingest.qdpx import MAX_POSITION, QdpxProject, read_qdpx
from camhs_rom.instruments.codebook import Codebook

REQUIRED_FILLED = ["transcript_id", "group_id", "participant_id", "segment_id", "code", "coder"]


CLEAN_COLUMNS = SEGMENT_COLUMNS[:8] + ["theme", "valence", "coder", "source_format"]


SORT_KEYS = ["transcript_id", "start", "end", "coder", "code", "segment_id"]


SOURCE_COLUMNS = [
    "transcript_id", "text_from", "positions", "n_selections", "coders",
    "placed_by_case", "placed_by_speaker_tag", "placed_by_source", "placed_by_mapping", "spanning_speakers",
]
"""``results/clean/study1/sources.csv``: how each transcript was read and its selections placed."""


@dataclass(frozen=True)
class SegmentOptions:
    """The ``study1`` settings that say how a ``.qdpx`` is read (ignored for a CSV)."""
    sources_dir: str | None = None
    placement: PlacementSettings = PlacementSettings()


@dataclass
class CleanSegments:
    """The result of :func:`clean_segments`: the clean table, its audit log and one row per transcript."""
    segments: pd.DataFrame
    audit: pd.DataFrame
    sources: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()  # what a user should hear before the run: codings that are not analysed


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


def read_segments(path: str | Path, audit: AuditLog, options: SegmentOptions | None = None) -> tuple[pd.DataFrame, list[str], str, QdpxProject | None]:
    """Read coded segments from a CSV/TSV or a ``.qdpx``; return (table, row locations, format, the project or None)."""
    options = options or SegmentOptions()
    if Path(path).suffix.lower() == ".qdpx":
        project = read_qdpx(path, options.sources_dir, options.placement)
        for note in project.notes:
            audit.add(path, "", "", "", note, "qdpx_reading")
        for where in project.spanning:
            audit.add(path, where.split(": ", 1)[0], "participant_id", "", where.split(": ", 1)[1], "selection_spans_speakers")
        return project.segments, project.locations, "qdpx", project
    frame, rows = read_segments_csv(path, audit)
    return frame, rows, "csv", None


def resolve_project_codes(project: QdpxProject, codebook: Codebook) -> dict[str, str | None]:
    """The codebook code each project code GUID counts as: itself, else its nearest ancestor the codebook has.

    A code is matched by GUID (a codebook drafted from the project), else by its path or a
    label no other code shares (a hand-written codebook, a theme a team added to a draft, or a
    draft from another site's project with the same code tree), then the same for each of
    its ancestors in turn: a theme that names a parent code so takes all its descendants.
    """
    out = {}
    for guid in project.codes:
        node, found = project.codes[guid], None
        while node is not None and found is None:
            found = codebook.resolve(node.name, node.guid, node.path)
            node = project.codes.get(node.parent) if node.parent else None
        out[guid] = found
    return out


def source_table(project: QdpxProject | None, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per transcript (:data:`SOURCE_COLUMNS`): where its text came from, how positions and participants were read."""
    rows = []
    coders = frame.groupby("transcript_id")["coder"].agg(lambda c: ";".join(sorted(set(c))))
    if project is None:
        for transcript, n in frame.groupby("transcript_id")["segment_id"].nunique().items():
            rows.append([transcript, "coded-segments table", "code points (as given)", n, coders[transcript], 0, 0, 0, 0, 0])
    else:
        for record in project.sources:
            rows.append([record.transcript_id, record.text_from, record.positions, record.n_selections, coders.get(record.transcript_id, ""),
                         *(record.placed[how] for how in ("case", "speaker_tag", "source", "mapping")), record.spanning])
    return pd.DataFrame(rows, columns=SOURCE_COLUMNS).sort_values("transcript_id", kind="stable").reset_index(drop=True)


def _qualify_shared_speakers(frame: pd.DataFrame, audit: AuditLog, path) -> pd.DataFrame:
    """A speaker tag's name in several transcripts, none of them in a case's group, is one person per transcript.

    ``Speaker 1`` of two interviews is two people; a team whose pseudonyms are unique across
    transcripts (``P03``) sees no change.
    """
    tagged = frame["placed_by"] == "speaker_tag"
    own_group = frame["group_id"] == frame["transcript_id"]
    candidates = frame[tagged & own_group]
    spread = candidates.groupby("participant_id")["transcript_id"].nunique()
    shared = set(spread[spread > 1].index)
    if not shared:
        return frame
    frame = frame.copy()
    hit = tagged & own_group & frame["participant_id"].isin(shared)
    renamed = frame.loc[hit, "participant_id"] + " (" + frame.loc[hit, "transcript_id"] + ")"
    for name in sorted(shared):
        audit.add(path, "", "participant_id", name, f"{name} (<transcript>): the tag is in {int(spread[name])} transcripts", "speaker_named_per_transcript")
    frame.loc[hit, "participant_id"] = renamed
    return frame


def clean_segments(path: str | Path, codebook: Codebook, options: SegmentOptions | None = None) -> CleanSegments:
    """Read, validate and clean coded segments against the codebook.

    Raises :class:`InputError` for: a required cell left blank, a position that is not a
    whole number or with ``start >= end``, a code not in the codebook, a participant
    placed in two focus groups, and the same code applied twice by one coder to one
    segment.
    """
    audit = AuditLog()
    frame, rows, fmt, project = read_segments(path, audit, options)
    frame = frame.copy()
    if project is not None:
        frame = _qualify_shared_speakers(frame, audit, path)
    for col in REQUIRED_FILLED:
        values = frame[col].astype(str).str.strip()
        blank = np.flatnonzero((values == "").to_numpy())
        if len(blank):
            what = "a participant in no focus group" if col == "group_id" else f"a blank {col}"
            raise InputError(path, f"{rows[blank[0]]}, column {col}", what, f"a {col} on every row")
        frame[col] = values
    for col in ("start", "end"):
        # digits only (an exponent or a 25-digit offset would overflow int64 and be reported as another number)
        text = frame[col].astype(str).str.strip()
        whole = text.str.fullmatch(r"\d{1,13}(\.0*)?")
        numbers = pd.to_numeric(text.where(whole), errors="coerce")
        bad = np.flatnonzero((~whole | numbers.isna() | (numbers > MAX_POSITION)).to_numpy())
        if len(bad):
            raise InputError(path, f"{rows[bad[0]]}, column {col}", repr(frame[col].iloc[bad[0]]), f"a whole number of characters from 0 to {MAX_POSITION:,}")
        frame[col] = numbers.astype("int64")
    bad = np.flatnonzero((frame["start"] >= frame["end"]).to_numpy())
    if len(bad):
        i = bad[0]
        raise InputError(
            path, f"{rows[i]}, columns start/end", f"start {frame['start'].iloc[i]} and end {frame['end'].iloc[i]}", "start smaller than end"
        )

    if project is not None:
        frame, rows = _match_project_codes(frame, rows, project, codebook, path, audit)
    else:
        mapping = {}
        for code in pd.unique(frame["code"]):
            known = codebook.resolve(code)
            if known is None:
                first = next(i for i, c in enumerate(frame["code"]) if c == code)
                raise InputError(
                    path,
                    f"{rows[first]}, column code",
                    f"code {code!r}, which is not in the codebook {codebook.path}",
                    f"a theme or child code of the codebook (by id, label or path): {quote_list(codebook.code_theme, limit=30)}",
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

    dup = frame.duplicated(["transcript_id", "segment_id", "participant_id", "code", "coder"], keep=False).to_numpy()
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
    notes = ()
    if project is not None and project.not_analysed:
        counts = ", ".join(f"{n} on {what}" for what, n in project.not_analysed.items())
        notes = (f"{path}: codings not on text are not analysed ({counts}); Study 1 reads coded text",)
    return CleanSegments(segments=clean, audit=audit.to_frame(), sources=source_table(project, frame), notes=notes)


def _match_project_codes(frame, rows, project: QdpxProject, codebook: Codebook, path, audit: AuditLog):
    """Codes of a ``.qdpx`` matched to the codebook by GUID (or name/path), rolled up to the nearest listed ancestor.

    Two codes of one selection that roll up to the same codebook code are one application
    (logged); a code neither listed nor under a listed code stops the run.
    """
    resolved = resolve_project_codes(project, codebook)
    unknown = [g for g in pd.unique(frame["code_guid"]) if resolved.get(g) is None]
    if unknown:
        node = project.codes[unknown[0]]
        first = next(i for i, g in enumerate(frame["code_guid"]) if g == unknown[0])
        how = "GUID, path or label"
        raise InputError(
            path, f"{rows[first]}, CodeRef",
            f"code {' / '.join(node.path)!r} (GUID {node.guid}), which is not in the codebook {codebook.path} by {how}, "
            f"nor under a code that is; {len(unknown)} such code(s): {quote_list([' / '.join(project.codes[g].path) for g in unknown], limit=6)}",
            "every coded code, or one of its parent codes, in a theme's codes (camhs-rom-draft-codebook drafts a codebook that has them all)",
        )
    new = frame["code_guid"].map(resolved)
    changed = np.flatnonzero((new != frame["code"]).to_numpy())
    if len(changed):
        audit.add_many(path, [rows[i] for i in changed], "code", frame["code"].iloc[changed], new.iloc[changed], "code_matched_to_codebook")
    frame = frame.assign(code=new)
    keys = ["transcript_id", "segment_id", "participant_id", "code", "coder"]
    dup = frame.duplicated(keys).to_numpy()
    if dup.any():
        for i in np.flatnonzero(dup):
            audit.add(path, rows[i], "code", frame["code"].iloc[i], "one application (codes rolled up to the same codebook code)", "codes_rolled_up_into_one")
        keep = ~dup
        frame = frame[keep].reset_index(drop=True)
        rows = [r for r, k in zip(rows, keep, strict=True) if k]
    return frame, rows
