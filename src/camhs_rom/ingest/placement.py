"""How a coded selection of a REFI-QDA project is given a participant when no Case claims it.

A speaker tag opens a turn that runs until the next tag, however many lines it wraps over
(:func:`speaker_turns`, :func:`turns_in`); the tag is a regular expression
(``study1.speaker_pattern``, default :data:`DEFAULT_SPEAKER_PATTERN`) whose group
``speaker`` (or first group) is the name. ``study1.participants: per_source`` makes each
source one participant instead, and a participant map (``study1.participant_map``,
:func:`read_participant_map`) places what nothing else does. The order is applied by
:mod:`camhs_rom.ingest.qdpx`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from camhs_rom.core.errors import InputError, quote_list
from camhs_rom.core.tables import read_delimited

DEFAULT_SPEAKER_PATTERN = r"^[ \t]*(?P<speaker>[^\W\d_][\w.'-]*(?:[ ][\w.'-]+){0,2})[ \t]*:(?=[ \t\r\n])"
"""A line opening with a name of one to three words and a colon (``P03:``, ``Speaker 2:``, ``Dr Ann Lee:``)."""


PARTICIPANT_MODES = ("speaker_tags", "per_source")


@dataclass(frozen=True)
class PlacementSettings:
    """How selections are given a participant (``study1.participants``, ``speaker_pattern``, ``participant_map``)."""
    mode: str = "speaker_tags"
    speaker_pattern: str = DEFAULT_SPEAKER_PATTERN
    mapping: str | None = None
    config_file: str = "config"


def speaker_turns(text: str, pattern: re.Pattern) -> list[tuple[int, str]]:
    """(offset, speaker) of every speaker tag in ``text``: a turn runs from its tag to the next tag."""
    turns = []
    for match in pattern.finditer(text):
        name = match.groupdict().get("speaker") if "speaker" in pattern.groupindex else (match.group(1) if pattern.groups else match.group(0))
        name = " ".join((name or "").split())
        if name:
            turns.append((match.start(), name))
    return turns


def turns_in(turns: list[tuple[int, str]], start: int, end: int) -> list[tuple[str | None, int, int]]:
    """The parts of ``[start, end)`` in each speaker's turn, in text order; ``None`` before the first tag."""
    offsets = [t for t, _ in turns]
    k = bisect_right(offsets, start) - 1
    who = turns[k][1] if k >= 0 else None
    parts, s = [], start
    for offset, name in turns[k + 1:]:
        if offset >= end:
            break
        if offset > s:
            parts.append((who, s, offset))
        who, s = name, offset
    parts.append((who, s, end))
    merged: list[tuple[str | None, int, int]] = []
    for who, s, e in parts:  # one speaker's two turns within a selection are one part
        if merged and merged[-1][0] == who:
            merged[-1] = (who, merged[-1][1], e)
        else:
            merged.append((who, s, e))
    return merged


@dataclass(frozen=True)
class ParticipantMap:
    """A team's own placement of selections (``study1.participant_map``): by source, or by selection."""
    by_selection: dict[tuple[str, str], tuple[str, str]]
    by_source: dict[str, tuple[str, str]]

    def lookup(self, source: str, name: str, guid: str) -> tuple[str, str] | None:
        for key in (name, guid):
            if key and (source, key) in self.by_selection:
                return self.by_selection[(source, key)]
        return self.by_source.get(source)


def read_participant_map(path: str | Path, config_file: str = "config") -> ParticipantMap:
    """Read the participant map CSV: ``transcript_id, participant_id`` with optional ``group_id`` and ``segment_id``.

    A row without ``segment_id`` places every otherwise unplaced selection of the source;
    one with it places that selection (its name or GUID).
    """
    frame, rows = read_delimited(path)
    known = {"transcript_id", "participant_id", "group_id", "segment_id"}
    missing = [c for c in ("transcript_id", "participant_id") if c not in frame.columns]
    unknown = [c for c in frame.columns if c not in known]
    if missing or unknown:
        raise InputError(path, "row 1 (header)", f"columns {quote_list(list(frame.columns))}",
                         "transcript_id and participant_id, optionally group_id and segment_id, and no other column")
    by_selection, by_source = {}, {}
    for i, row in enumerate(frame.to_dict("records")):
        source, participant = str(row["transcript_id"]).strip(), str(row["participant_id"]).strip()
        if not source or not participant:
            raise InputError(path, f"row {rows[i]}", "a blank transcript_id or participant_id", "both filled on every row")
        value = (participant, str(row.get("group_id") or "").strip())
        segment = str(row.get("segment_id") or "").strip()
        target = by_selection if segment else by_source
        key = (source, segment.strip('{}').lower() if _looks_like_guid(segment) else segment) if segment else source
        if key in target:
            raise InputError(path, f"row {rows[i]}", f"a second row for {key!r}", "one row per source, or per selection")
        target[key] = value
    return ParticipantMap(by_selection, by_source)


def _looks_like_guid(value: str) -> bool:
    return bool(re.fullmatch(r"\{?[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\}?", value))
