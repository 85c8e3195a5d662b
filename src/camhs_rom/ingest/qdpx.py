"""REFI-QDA ``.qdpx`` projects: read coded text selections, write the synthetic project.

A ``.qdpx`` is a zip holding ``project.qde`` (XML in the namespace
``urn:QDA-XML:project:1.0``) and, under ``Sources/``, the plain text of each source.
QualCoder, NVivo, ATLAS.ti and MAXQDA export it.

How a selection becomes rows of the coded-segments table:

- **text**: from ``PlainTextContent``, else the file ``plainTextPath`` names: inside the
  archive (``internal://x.txt`` under ``Sources/``, or a plain relative path such as
  qc's ``board_2017.txt``; folder names and accents compared loosely), else in the folder
  ``study1.sources_dir`` (by the path's file name or the source's name). Only a source
  with codings needs its text.
- **positions**: converted to code points by the convention that fits the source
  (:mod:`camhs_rom.ingest.positions`), so ``text == source[start:end]`` exactly.
- **code**: each ``Coding/CodeRef`` names a ``CodeBook`` code by GUID; the row keeps the
  code's name and GUID, and the codebook is matched by GUID, then by name or path.
- **coder**: the ``creatingUser`` of the ``Coding`` (else of the selection), looked up in
  ``Users``; a user the project does not list is ``user <first 8 hex digits>``; a
  selection with neither is ``unattributed``.
- **participant**, in this order: the ``Case`` whose ``SelectionRef`` (or ``SourceRef``)
  points at the selection; the last speaker tag at or before the selection (a turn runs
  to the next tag; ``study1.speaker_pattern``), or the source itself when
  ``study1.participants: per_source``; a row of the ``study1.participant_map`` CSV. A
  selection running over several speakers' turns gives one row per speaker, each with
  the part of the selection in that turn. **group**: the case's ``group_id`` (or
  ``group``/``focus_group``) variable; failing that, the source.
- **segment_id**: the selection's ``name``, else its GUID.

The archive is opened and read within bounds by :mod:`camhs_rom.ingest.archive`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from camhs_rom.core.contract import SEGMENT_COLUMNS
from camhs_rom.core.errors import InputError, clip, quote_list
from camhs_rom.ingest.archive import _Q, MAX_MEMBER_BYTES, folded, open_project, zip_member
from camhs_rom.ingest.codetree import ProjectCode, check_unique_guids, code_tree, guid_key
from camhs_rom.ingest.placement import PARTICIPANT_MODES, PlacementSettings, read_participant_map, speaker_turns, turns_in
from camhs_rom.ingest.positions import describe_trials, place
from camhs_rom.instruments.codebook import normalise_code

GROUP_VARIABLES = {"group_id", "group", "focus_group"}


PLACED_BY = ("case", "speaker_tag", "source", "mapping")


NOT_TEXT_SELECTIONS = {"PictureSelection": "pictures", "PDFSelection": "PDF regions", "AudioSelection": "audio", "VideoSelection": "video"}
"""Selections Study 1 does not analyse (it reads coded text), by what they select."""


@dataclass(frozen=True)
class _TextUnit:
    """A coded text: a TextSource, a PDF source's text Representation or a media Transcript."""
    text_elem: object  # the element holding PlainTextContent or plainTextPath
    name: str
    owner: object  # the source a Case may point at
    selections: list
    kind: str  # "text", "PDF text" or "transcript"


@dataclass
class SourceRecord:
    """How one source of a project was read: where its text came from and how its selections were placed."""
    transcript_id: str
    text_from: str
    positions: str
    n_selections: int
    placed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PLACED_BY, 0))
    spanning: int = 0


@dataclass
class QdpxProject:
    """Coded selections of a ``.qdpx`` as a coded-segments table, with where each came from.

    ``segments`` has :data:`SEGMENT_COLUMNS` plus ``code_guid`` (the CodeRef's GUID, for
    matching the codebook by GUID) and ``placed_by`` (``case``, ``speaker_tag``,
    ``source`` or ``mapping``). ``codes`` is the project's whole code tree by GUID.
    """
    segments: pd.DataFrame
    locations: list[str]
    transcripts: dict[str, str]
    codes: dict[str, ProjectCode]
    sources: list[SourceRecord]
    origin: str = ""
    notes: list[str] = field(default_factory=list)
    spanning: list[str] = field(default_factory=list)
    not_analysed: dict[str, int] = field(default_factory=dict)  # codings of pictures, audio, video, PDF regions


MAX_POSITION = 10**12  # no text a .qdpx can hold is longer: a larger position is refused as written, never overflowed


def _int_attr(elem, name, path, where) -> int:
    raw = elem.get(name)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InputError(path, f"{where}, attribute {name}", repr(raw), "a whole number of characters") from None
    if abs(value) > MAX_POSITION:
        raise InputError(path, f"{where}, attribute {name}", f"{raw.strip()!r}", f"a whole number of characters of at most {MAX_POSITION:,}")
    return value


def read_qdpx(path: str | Path, sources_dir: str | Path | None = None, placement: PlacementSettings | None = None) -> QdpxProject:
    """Read a REFI-QDA project into the coded-segments shape of :data:`SEGMENT_COLUMNS`.

    ``sources_dir`` (``study1.sources_dir``) is where texts not stored in the archive are
    looked for; ``placement`` says how selections are given a participant. Raises
    :class:`InputError` when the file is not a zip, has no ``project.qde``, holds malformed
    XML or another root element, refers to a code that is not in the code book, needs a
    source text that cannot be found, has selections no position convention fits, has a
    selection no participant can be found for, or has no coding at all.
    """
    path = Path(path)
    placement = placement or PlacementSettings()
    with open_project(path) as (archive, root, qde_name):
        return _Reader(root, archive, path, qde_name, sources_dir, placement).read()


def codings_not_on_text(root) -> dict[str, int]:
    """Codings of pictures, audio, video and PDF regions, by what they select: counted and said, never silently dropped."""
    out = {}
    for tag, what in NOT_TEXT_SELECTIONS.items():
        n = sum(len(sel.findall(f"{_Q}Coding")) for sel in root.iter(f"{_Q}{tag}"))
        if n:
            out[what] = n
    return out


class _Reader:
    """One reading of a project (the state shared by its steps)."""

    def __init__(self, root, archive, path, qde_name, sources_dir, placement: PlacementSettings):
        self.root, self.archive, self.path, self.qde = root, archive, path, qde_name
        self.sources_dir = Path(sources_dir) if sources_dir else None
        self.placement = placement
        if placement.mode not in PARTICIPANT_MODES:
            raise InputError(placement.config_file, "key study1.participants", repr(placement.mode), f"one of {', '.join(PARTICIPANT_MODES)}")
        try:
            self.tags = re.compile(placement.speaker_pattern, re.MULTILINE)
        except re.error as exc:
            raise InputError(placement.config_file, "key study1.speaker_pattern", f"{clip(placement.speaker_pattern)!r}, not a regular expression ({exc})",
                             "a Python regular expression whose group 'speaker' (or first group) is the speaker's name") from None
        self.mapping = read_participant_map(placement.mapping, placement.config_file) if placement.mapping else None
        check_unique_guids(root, path, qde_name)
        self.users = {guid_key(u.get("guid")): (u.get("name") or u.get("id") or u.get("guid")) for u in root.iter(f"{_Q}User")}
        self.codes = code_tree(root)
        self.notes: list[str] = []
        self.unlisted_users: set[str] = set()
        self._cases()

    def _cases(self):
        variables = {guid_key(v.get("guid")): v.get("name", "") for v in self.root.iter(f"{_Q}Variable")}
        self.case_of, self.group_of_case = {}, {}
        for case in self.root.iter(f"{_Q}Case"):
            name = case.get("name") or case.get("guid")
            for value in case.findall(f"{_Q}VariableValue"):
                ref = value.find(f"{_Q}VariableRef")
                text = value.find(f"{_Q}TextValue")
                if ref is not None and text is not None and normalise_code(variables.get(guid_key(ref.get("targetGUID")), "")) in GROUP_VARIABLES:
                    self.group_of_case[name] = (text.text or "").strip()
            for tag in ("SelectionRef", "SourceRef"):
                for ref in case.findall(f"{_Q}{tag}"):
                    self.case_of[guid_key(ref.get("targetGUID"))] = name

    def _text_units(self):
        """Every coded text of the project: text sources, PDF sources' text representations, audio and video transcripts."""
        for source in self.root.iter(f"{_Q}TextSource"):
            yield _TextUnit(source, source.get("name") or _source_file_name(source) or source.get("guid"), source,
                            source.findall(f"{_Q}PlainTextSelection"), "text")
        for pdf in self.root.iter(f"{_Q}PDFSource"):
            for rep in pdf.findall(f"{_Q}Representation"):
                yield _TextUnit(rep, pdf.get("name") or rep.get("name") or pdf.get("guid"), pdf, rep.findall(f"{_Q}PlainTextSelection"), "PDF text")
        for tag in ("AudioSource", "VideoSource"):
            for media in self.root.iter(f"{_Q}{tag}"):
                for transcript in media.findall(f"{_Q}Transcript"):
                    yield _TextUnit(transcript, transcript.get("name") or media.get("name") or transcript.get("guid"), media,
                                    transcript.findall(f"{_Q}TranscriptSelection"), "transcript")

    def _raw_positions(self, unit: _TextUnit, selections, where) -> tuple[list[int], list[int]]:
        """Positions as the project holds them; a transcript's selections run between two of its sync points."""
        if unit.kind != "transcript":
            return ([_int_attr(sel, "startPosition", self.path, w) for sel, w in zip(selections, where, strict=True)],
                    [_int_attr(sel, "endPosition", self.path, w) for sel, w in zip(selections, where, strict=True)])
        sync = {guid_key(p.get("guid")): _int_attr(p, "position", self.path, f"{self.qde} sync point in {unit.name!r}")
                for p in unit.text_elem.findall(f"{_Q}SyncPoint")}
        starts, ends = [], []
        for sel, w in zip(selections, where, strict=True):
            for attr, out in (("fromSyncPoint", starts), ("toSyncPoint", ends)):
                ref = guid_key(sel.get(attr))
                if ref not in sync:
                    raise InputError(self.path, f"{w}, {attr}", repr(sel.get(attr)), f"the GUID of a SyncPoint of the transcript {unit.name!r}")
                out.append(sync[ref])
        return starts, ends

    def read(self) -> QdpxProject:
        records, locations, transcripts, sources, spanning = [], [], {}, [], []
        for unit in self._text_units():
            selections = [sel for sel in unit.selections if sel.find(f"{_Q}Coding") is not None]
            if not selections:
                continue  # a source nobody coded is not needed, wherever its text is
            source_name = unit.name
            if source_name in transcripts:  # two sources of one name (folders in NVivo) stay two transcripts
                source_name = f"{unit.name} ({guid_key(unit.owner.get('guid')) or len(transcripts)})"
                self.notes.append(f"two sources named {unit.name!r}: the second is {source_name!r}")
            text, text_from = self._source_text(unit.text_elem, source_name, selections)
            where = [f"{self.qde} selection {(sel.get('name') or sel.get('guid'))!r} in source {source_name!r}" for sel in selections]
            starts, ends = self._raw_positions(unit, selections, where)
            fit, trials = place(text, starts, ends)
            if fit is None and all(t.starts is None for t in trials):
                outside = [i for i, (a, b) in enumerate(zip(starts, ends, strict=True)) if not 0 <= a < b <= 2 * len(text)]  # 2: UTF-16 at most
                k = outside[0] if outside else 0
                raise InputError(self.path, where[k], f"characters {starts[k]} to {ends[k]}",
                                 f"a span inside the source text (0 to {len(text)} characters) with start before end")
            if fit is None:
                raise InputError(
                    self.path, f"{self.qde} source {source_name!r}",
                    f"{len(selections)} selection(s) that no way of counting characters places at word boundaries ({describe_trials(trials)})",
                    "positions counting code points or UTF-16 code units, a CRLF as one or two, most selections starting and ending between words "
                    "(a text other than the one coded, e.g. an edited copy in study1.sources_dir, gives this)",
                )
            transcripts[source_name] = text
            record = SourceRecord(source_name, text_from, fit.convention, len(selections))
            sources.append(record)
            kind = "" if unit.kind == "text" else f" ({unit.kind})"
            note = f"source {source_name!r}{kind}: text from {text_from}; positions count {fit.convention}"
            if fit.alternatives:
                note += f" (the same spans as {', '.join(fit.alternatives)})"
            self.notes.append(note + f"; {fit.boundary_share:.0%} of selections start and end at word boundaries")
            turns = speaker_turns(text, self.tags) if self.placement.mode == "speaker_tags" else []
            for k, sel in enumerate(selections):
                start, end = int(fit.starts[k]), int(fit.ends[k])
                parts = self._participants(sel, unit.owner, source_name, text, start, end, turns, where[k])
                if len(parts) > 1:
                    record.spanning += 1
                    spanning.append(f"{where[k]}: {', '.join(p for p, *_ in parts)}")
                for participant, group, how, p_start, p_end in parts:
                    record.placed[how] += 1
                    for coding in sel.findall(f"{_Q}Coding"):
                        records.append(self._row(source_name, group, participant, sel, p_start, p_end, text, coding, where[k], how))
                        locations.append(where[k])
        not_analysed = codings_not_on_text(self.root)
        if not records:
            other = f" ({', '.join(f'{n} on {what}' for what, n in not_analysed.items())})" if not_analysed else ""
            raise InputError(self.path, self.qde, f"a project with no coded text selections{other}",
                             "at least one coded PlainTextSelection (or TranscriptSelection): Study 1 analyses coded text")
        if not_analysed:
            self.notes.append("codings not on text, not analysed (Study 1 reads coded text): "
                              + ", ".join(f"{n} on {what}" for what, n in not_analysed.items()))
        for guid in sorted(self.unlisted_users):
            self.notes.append(f"codings by user {guid!r}, who is not in the project's Users: coder named {_unlisted(guid)!r}")
        columns = SEGMENT_COLUMNS + ["code_guid", "placed_by"]
        placed = {how: sum(r.placed[how] for r in sources) for how in PLACED_BY}
        words = {"case": "Case", "speaker_tag": "speaker tag", "source": "source (per_source)", "mapping": "participant map"}
        self.notes.insert(0, "selections placed with a participant: " + ", ".join(f"{n} by {words[how]}" for how, n in placed.items()))
        return QdpxProject(pd.DataFrame.from_records(records, columns=columns), locations, transcripts, self.codes, sources,
                           self.root.get("origin") or "", self.notes, spanning, not_analysed)

    def _row(self, source_name, group, participant, sel, start, end, text, coding, where, how) -> dict:
        ref = coding.find(f"{_Q}CodeRef")
        target = guid_key(ref.get("targetGUID")) if ref is not None else None
        if target not in self.codes:
            raise InputError(self.path, f"{where}, CodeRef", f"code GUID {target!r}", "the GUID of a Code in the project's CodeBook")
        coder_guid = guid_key(coding.get("creatingUser") or sel.get("creatingUser"))
        if coder_guid is None:
            coder = "unattributed"
        elif coder_guid in self.users:
            coder = self.users[coder_guid]
        else:  # NVivo writes codings by users it leaves out of <Users>: a coder all the same
            self.unlisted_users.add(coder_guid)
            coder = _unlisted(coder_guid)
        return {
            "transcript_id": source_name, "group_id": group, "participant_id": participant,
            "segment_id": sel.get("name") or sel.get("guid"), "start": start, "end": end, "text": text[start:end],
            "code": self.codes[target].name, "coder": coder, "code_guid": target, "placed_by": how,
        }

    def _participants(self, sel, source, source_name, text, start, end, turns, where) -> list[tuple[str, str, str, int, int]]:
        """(participant, group, how placed, start, end) for each speaker's part of one selection."""
        case = self.case_of.get(guid_key(sel.get("guid"))) or self.case_of.get(guid_key(source.get("guid")))
        if case is not None:
            return [(case, self.group_of_case.get(case) or source_name, "case", start, end)]
        if self.placement.mode == "per_source":
            return [(source_name, source_name, "source", start, end)]
        parts = turns_in(turns, start, end)
        placed = [(who, self.group_of_case.get(who) or source_name, "speaker_tag", s, e) for who, s, e in parts if who is not None]
        unplaced = [(s, e) for who, s, e in parts if who is None and text[s:e].strip()]
        if unplaced:
            mapped = self.mapping.lookup(source_name, sel.get("name") or "", guid_key(sel.get("guid")) or "") if self.mapping else None
            if mapped is None:
                raise InputError(
                    self.path, where,
                    f"a selection (characters {start} to {end}: {clip(text[start:end], 60)!r}) linked to no Case and with no speaker tag at or before it "
                    f"(pattern {clip(self.placement.speaker_pattern, 60)!r})",
                    "a Case with a SelectionRef to it, a line opening with a speaker tag ('P01:'), study1.participants: per_source "
                    "(each source one participant), or a row for it in the study1.participant_map CSV",
                )
            participant, group = mapped
            s, e = unplaced[0][0], unplaced[-1][1]
            placed.insert(0, (participant, group or source_name, "mapping", s, e))
        return placed

    def _source_text(self, source, source_name, selections) -> tuple[str, str]:
        content = source.find(f"{_Q}PlainTextContent")
        if content is not None:
            return content.text or "", "the project file"
        ref = source.get("plainTextPath") or ""
        if ref.startswith("internal://"):
            relative = ref[len("internal://"):]
            member = zip_member(self.archive, "Sources/" + relative) or zip_member(self.archive, relative)
        elif ref and "://" not in ref and not _is_absolute(ref):  # a path relative to Sources/ (qc writes 'board_2017.txt')
            member = zip_member(self.archive, "Sources/" + ref) or zip_member(self.archive, ref)
        else:
            member = None
        if member is not None:
            return self._decode(self.archive.read(member), member), "the archive"
        candidates = _external_names(ref, source_name)
        found = self._in_sources_dir(candidates)
        if found is not None:
            data = _read_bounded(found, self.path)
            return self._decode(data, str(found)), f"study1.sources_dir ({found.name})"
        names = [s.get("name") or s.get("guid") for s in selections]
        looked = f" nor in {self.sources_dir}" if self.sources_dir else ", and study1.sources_dir is not set"
        raise InputError(
            self.path, f"{self.qde} source {source_name!r}, plainTextPath {clip(ref, 60)!r}",
            f"a text not in the archive{looked}; {len(selections)} coded selection(s) depend on it ({quote_list(names, limit=2)})",
            f"the source's plain text inside the .qdpx under Sources/, or in the folder named by the key study1.sources_dir as {quote_list(candidates, limit=3)} "
            "(UTF-8 plain text, as the QDA program exported it)",
        )

    def _in_sources_dir(self, candidates: list[str]) -> Path | None:
        if self.sources_dir is None or not self.sources_dir.is_dir():
            return None
        files = {folded(p.name): p for p in sorted(self.sources_dir.iterdir()) if p.is_file()}
        for name in candidates:
            hit = files.get(folded(name))
            if hit is not None:
                return hit
        return None

    def _decode(self, data: bytes, where: str) -> str:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(self.path, where, f"text that is not UTF-8 (byte {exc.start})", "a UTF-8 plain-text source") from None


def _unlisted(guid: str) -> str:
    return f"user {guid[:8]}"


def _is_absolute(ref: str) -> bool:
    return ref.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:[\\/]", ref))


def _source_file_name(source) -> str | None:
    ref = source.get("plainTextPath") or ""
    tail = re.split(r"[\\/]", ref.split("://", 1)[-1])[-1]
    return tail or None


def _external_names(ref: str, source_name: str) -> list[str]:
    """File names a source's text may have in ``study1.sources_dir``: its own file name, then the source's name."""
    names = []
    tail = re.split(r"[\\/]", ref.split("://", 1)[-1])[-1] if ref else ""
    for name in (tail, source_name, f"{source_name}.txt"):
        if name and name not in names and name not in (".", ".."):
            names.append(name)
    return names


def _read_bounded(file: Path, project: Path) -> bytes:
    size = file.stat().st_size
    if size > MAX_MEMBER_BYTES:
        raise InputError(file, "file", f"{size:,} bytes", f"a source text of at most {MAX_MEMBER_BYTES:,} bytes (needed by {project.name})")
    return file.read_bytes()
