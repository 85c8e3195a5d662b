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

What is read from the archive is bounded (:data:`MAX_MEMBER_BYTES` per member,
:data:`MAX_TOTAL_BYTES` in all, a compression ratio of at most :data:`MAX_RATIO`), checked
on the sizes the archive declares and again on the bytes actually inflated, so a zip
bomb is rejected by name and size before it fills memory. XML entity expansion is
bounded by the parser (expat's amplification limit) and reported as malformed XML.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
import zlib
from bisect import bisect_right
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from camhs_rom.core.contract import SEGMENT_COLUMNS
from camhs_rom.core.errors import InputError, clip, quote_list
from camhs_rom.ingest.positions import describe_trials, place
from camhs_rom.instruments.codebook import normalise_code

NS = "urn:QDA-XML:project:1.0"


_Q = f"{{{NS}}}"


MAX_MEMBER_BYTES = 64 * 1024 * 1024  # one transcript or project.qde, inflated


MAX_TOTAL_BYTES = 256 * 1024 * 1024  # everything the reader inflates from one archive


MAX_RATIO = 200  # inflated / compressed size; plain text compresses about 3-10 times


MAX_MEMBERS = 10_000


READABLE_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


GROUP_VARIABLES = {"group_id", "group", "focus_group"}


DEFAULT_SPEAKER_PATTERN = r"^[ \t]*(?P<speaker>[^\W\d_][\w.'-]*(?:[ ][\w.'-]+){0,2})[ \t]*:(?=[ \t\r\n])"
"""A line opening with a name of one to three words and a colon (``P03:``, ``Speaker 2:``, ``Dr Ann Lee:``)."""


PARTICIPANT_MODES = ("speaker_tags", "per_source")


PLACED_BY = ("case", "speaker_tag", "source", "mapping")


@dataclass(frozen=True)
class ProjectCode:
    """One code of a project's code tree."""
    guid: str
    name: str
    path: tuple[str, ...]  # names from the top-level code down to this one
    parent: str | None  # the parent code's GUID
    description: str


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


@dataclass(frozen=True)
class PlacementSettings:
    """How selections are given a participant (``study1.participants``, ``speaker_pattern``, ``participant_map``)."""
    mode: str = "speaker_tags"
    speaker_pattern: str = DEFAULT_SPEAKER_PATTERN
    mapping: str | None = None
    config_file: str = "config"


def _guid(value: str | None) -> str | None:
    """GUIDs compare without braces and case: ATLAS.ti writes ``{ABC...}``, QualCoder ``abc...``."""
    return value.strip().strip("{}").lower() if value else None


def _int_attr(elem, name, path, where) -> int:
    raw = elem.get(name)
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise InputError(path, f"{where}, attribute {name}", repr(raw), "a whole number of characters") from None


class BoundedArchive:
    """A zip archive read member by member within the size and ratio bounds of this module."""

    def __init__(self, archive: zipfile.ZipFile, path: Path):
        self.archive, self.path, self.inflated = archive, path, 0
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise InputError(path, "zip contents", f"{len(members):,} members", f"at most {MAX_MEMBERS:,} files in a .qdpx")

    def namelist(self) -> list[str]:
        return self.archive.namelist()

    def _reject(self, name: str, found: str) -> None:
        raise InputError(
            self.path, f"zip member {name!r}", found,
            f"at most {MAX_MEMBER_BYTES:,} bytes per member, {MAX_TOTAL_BYTES:,} in all and {MAX_RATIO} times the "
            "compressed size (an archive that inflates beyond that is refused as a possible zip bomb)",
        )

    def read(self, name: str) -> bytes:
        info = self.archive.getinfo(name)
        if info.compress_type not in READABLE_COMPRESSION:
            raise InputError(self.path, f"zip member {name!r}", f"compression method {info.compress_type}", "a member stored or compressed with deflate, bzip2 or lzma")
        allowed = min(MAX_MEMBER_BYTES, MAX_TOTAL_BYTES - self.inflated, max(info.compress_size, 1) * MAX_RATIO)
        if info.file_size > allowed:
            self._reject(name, f"{info.file_size:,} bytes when inflated from {info.compress_size:,}")
        try:
            with self.archive.open(info) as fh:  # a declared size may lie: never inflate past the bound
                data = fh.read(allowed + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError) as exc:
            raise InputError(self.path, f"zip member {name!r}", f"a member that cannot be unpacked ({exc})", "an intact .qdpx archive") from None
        if len(data) > allowed:
            self._reject(name, f"more than {allowed:,} bytes when inflated from {info.compress_size:,}")
        self.inflated += len(data)
        return data


def _folded(name: str) -> str:
    """A file name as it is matched: NFC (macOS writes accents decomposed), case folded, ``\\`` as ``/``."""
    return unicodedata.normalize("NFC", name.replace("\\", "/")).casefold()


def _zip_member(archive, wanted: str) -> str | None:
    lowered = {_folded(n): n for n in archive.namelist()}
    return lowered.get(_folded(wanted))


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


@contextmanager
def open_project(path: str | Path):
    """Open a ``.qdpx`` within the bounds of this module: yields ``(archive, <Project> element, qde member name)``.

    Raises :class:`InputError` when the file is missing or not a zip, has no ``project.qde``
    at its top, or holds malformed XML or another root element.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file", "no such file", "a REFI-QDA .qdpx project")
    if not zipfile.is_zipfile(path):
        raise InputError(path, "file", "a file that is not a zip archive", "a .qdpx project (a zip holding project.qde and Sources/)")
    with zipfile.ZipFile(path) as opened:
        archive = BoundedArchive(opened, path)
        qde_name = next((n for n in archive.namelist() if n.lower().endswith(".qde") and "/" not in n), None)
        if qde_name is None:
            raise InputError(path, "zip contents", f"members {quote_list(archive.namelist())}", "a project.qde file at the top of the archive")
        yield archive, parse_qde(archive.read(qde_name), path, qde_name), qde_name


def parse_qde(data: bytes, path, qde_name: str = "project.qde"):
    """The ``<Project>`` element of ``project.qde`` bytes, or an :class:`InputError` naming the problem."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, col = exc.position
        raise InputError(path, f"{qde_name} line {line}, column {col}", f"malformed XML ({exc.msg if hasattr(exc, 'msg') else exc})", "well-formed XML") from None
    if root.tag != f"{_Q}Project":
        raise InputError(path, qde_name, f"root element {root.tag!r}", f"<Project> in the namespace {NS}")
    return root


def code_tree(root) -> dict[str, ProjectCode]:
    """Every code of the project's ``CodeBook`` by GUID, in document order, with its path and parent."""
    codes: dict[str, ProjectCode] = {}

    def walk(elem, parent: ProjectCode | None):
        for code in elem.findall(f"{_Q}Code"):
            guid = _guid(code.get("guid"))
            name = code.get("name") or guid or ""
            description = code.findtext(f"{_Q}Description") or ""
            node = ProjectCode(guid, name, (*(parent.path if parent else ()), name), parent.guid if parent else None, " ".join(description.split()))
            if guid:
                codes[guid] = node
            walk(code, node)

    codebook = root.find(f"{_Q}CodeBook")
    if codebook is not None:
        codes_elem = codebook.find(f"{_Q}Codes")
        walk(codes_elem if codes_elem is not None else codebook, None)
    return codes


def codings_per_code(root) -> dict[str, int]:
    """How many codings of text selections each code GUID has (its own, not its descendants')."""
    counts: dict[str, int] = {}
    for ref in root.iter(f"{_Q}CodeRef"):
        guid = _guid(ref.get("targetGUID"))
        counts[guid] = counts.get(guid, 0) + 1
    return counts


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
        self.users = {_guid(u.get("guid")): (u.get("name") or u.get("id") or u.get("guid")) for u in root.iter(f"{_Q}User")}
        self.codes = code_tree(root)
        self.notes: list[str] = []
        self.unlisted_users: set[str] = set()
        self._cases()

    def _cases(self):
        variables = {_guid(v.get("guid")): v.get("name", "") for v in self.root.iter(f"{_Q}Variable")}
        self.case_of, self.group_of_case = {}, {}
        for case in self.root.iter(f"{_Q}Case"):
            name = case.get("name") or case.get("guid")
            for value in case.findall(f"{_Q}VariableValue"):
                ref = value.find(f"{_Q}VariableRef")
                text = value.find(f"{_Q}TextValue")
                if ref is not None and text is not None and normalise_code(variables.get(_guid(ref.get("targetGUID")), "")) in GROUP_VARIABLES:
                    self.group_of_case[name] = (text.text or "").strip()
            for tag in ("SelectionRef", "SourceRef"):
                for ref in case.findall(f"{_Q}{tag}"):
                    self.case_of[_guid(ref.get("targetGUID"))] = name

    def read(self) -> QdpxProject:
        records, locations, transcripts, sources, spanning = [], [], {}, [], []
        for source in self.root.iter(f"{_Q}TextSource"):
            selections = source.findall(f"{_Q}PlainTextSelection")
            source_name = source.get("name") or _source_file_name(source) or source.get("guid")
            if not any(sel.find(f"{_Q}Coding") is not None for sel in selections):
                continue  # a source nobody coded is not needed, wherever its text is
            text, text_from = self._source_text(source, source_name, selections)
            where = [f"{self.qde} selection {(sel.get('name') or sel.get('guid'))!r} in source {source_name!r}" for sel in selections]
            starts = [_int_attr(sel, "startPosition", self.path, w) for sel, w in zip(selections, where, strict=True)]
            ends = [_int_attr(sel, "endPosition", self.path, w) for sel, w in zip(selections, where, strict=True)]
            fit, trials = place(text, starts, ends)
            if fit is None and all(t.starts is None for t in trials):
                k = next(i for i, (a, b) in enumerate(zip(starts, ends, strict=True)) if not 0 <= a < b <= 2 * len(text)) if any(
                    not 0 <= a < b <= 2 * len(text) for a, b in zip(starts, ends, strict=True)) else 0
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
            note = f"source {source_name!r}: text from {text_from}; positions count {fit.convention}"
            if fit.alternatives:
                note += f" (the same spans as {', '.join(fit.alternatives)})"
            self.notes.append(note + f"; {fit.boundary_share:.0%} of selections start and end at word boundaries")
            turns = speaker_turns(text, self.tags) if self.placement.mode == "speaker_tags" else []
            for k, sel in enumerate(selections):
                start, end = int(fit.starts[k]), int(fit.ends[k])
                parts = self._participants(sel, source, source_name, text, start, end, turns, where[k])
                if len(parts) > 1:
                    record.spanning += 1
                    spanning.append(f"{where[k]}: {', '.join(p for p, *_ in parts)}")
                for participant, group, how, p_start, p_end in parts:
                    record.placed[how] += 1
                    for coding in sel.findall(f"{_Q}Coding"):
                        records.append(self._row(source_name, group, participant, sel, p_start, p_end, text, coding, where[k], how))
                        locations.append(where[k])
        if not records:
            raise InputError(self.path, self.qde, "a project with no coded text selections", "at least one PlainTextSelection with a Coding")
        for guid in sorted(self.unlisted_users):
            self.notes.append(f"codings by user {guid!r}, who is not in the project's Users: coder named {_unlisted(guid)!r}")
        columns = SEGMENT_COLUMNS + ["code_guid", "placed_by"]
        placed = {how: sum(r.placed[how] for r in sources) for how in PLACED_BY}
        words = {"case": "Case", "speaker_tag": "speaker tag", "source": "source (per_source)", "mapping": "participant map"}
        self.notes.insert(0, "selections placed with a participant: " + ", ".join(f"{n} by {words[how]}" for how, n in placed.items()))
        return QdpxProject(pd.DataFrame.from_records(records, columns=columns), locations, transcripts, self.codes, sources,
                           self.root.get("origin") or "", self.notes, spanning)

    def _row(self, source_name, group, participant, sel, start, end, text, coding, where, how) -> dict:
        ref = coding.find(f"{_Q}CodeRef")
        target = _guid(ref.get("targetGUID")) if ref is not None else None
        if target not in self.codes:
            raise InputError(self.path, f"{where}, CodeRef", f"code GUID {target!r}", "the GUID of a Code in the project's CodeBook")
        coder_guid = _guid(coding.get("creatingUser") or sel.get("creatingUser"))
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
        case = self.case_of.get(_guid(sel.get("guid"))) or self.case_of.get(_guid(source.get("guid")))
        if case is not None:
            return [(case, self.group_of_case.get(case) or source_name, "case", start, end)]
        if self.placement.mode == "per_source":
            return [(source_name, source_name, "source", start, end)]
        parts = turns_in(turns, start, end)
        placed = [(who, self.group_of_case.get(who) or source_name, "speaker_tag", s, e) for who, s, e in parts if who is not None]
        unplaced = [(s, e) for who, s, e in parts if who is None and text[s:e].strip()]
        if unplaced:
            mapped = self.mapping.lookup(source_name, sel.get("name") or "", _guid(sel.get("guid")) or "") if self.mapping else None
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
            member = _zip_member(self.archive, "Sources/" + relative) or _zip_member(self.archive, relative)
        elif ref and "://" not in ref and not _is_absolute(ref):  # a path relative to Sources/ (qc writes 'board_2017.txt')
            member = _zip_member(self.archive, "Sources/" + ref) or _zip_member(self.archive, ref)
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
        files = {_folded(p.name): p for p in sorted(self.sources_dir.iterdir()) if p.is_file()}
        for name in candidates:
            hit = files.get(_folded(name))
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
    from camhs_rom.core.tables import read_delimited  # the ingest readers' own CSV reader (encodings, bounds)

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
        key = (source, _guid(segment) if _looks_like_guid(segment) else segment) if segment else source
        if key in target:
            raise InputError(path, f"row {rows[i]}", f"a second row for {key!r}", "one row per source, or per selection")
        target[key] = value
    return ParticipantMap(by_selection, by_source)


def _looks_like_guid(value: str) -> bool:
    return bool(re.fullmatch(r"\{?[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\}?", value))
