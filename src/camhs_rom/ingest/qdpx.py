"""REFI-QDA ``.qdpx`` projects: read coded text selections, write the synthetic project.

A ``.qdpx`` is a zip holding ``project.qde`` (XML in the namespace
``urn:QDA-XML:project:1.0``) and, under ``Sources/``, the plain text of each source.
QualCoder, NVivo, ATLAS.ti and MAXQDA export it.

How a selection becomes a row of the coded-segments table:

- **code**: each ``Coding/CodeRef`` names a ``CodeBook`` code by GUID; the code's
  ``name`` is matched to the codebook (id, child code or theme label).
- **coder**: the ``creatingUser`` of the ``Coding`` (else of the selection), looked up in
  ``Users``; a selection with neither is ``unattributed``.
- **participant**: the ``Case`` whose ``SelectionRef`` (or ``SourceRef``) points at the
  selection; failing that, the speaker tag (``P03:``) that opens the line the selection
  starts in. **group**: the case's ``group_id`` (or ``group``/``focus_group``) variable;
  failing that, the source (one focus-group transcript per source).
- **segment_id**: the selection's ``name``, else its GUID.

Positions are zero-based character offsets into the source's plain text, end exclusive.

What is read from the archive is bounded (:data:`MAX_MEMBER_BYTES` per member,
:data:`MAX_TOTAL_BYTES` in all, a compression ratio of at most :data:`MAX_RATIO`), checked
on the sizes the archive declares and again on the bytes actually inflated, so a zip
bomb is rejected by name and size before it fills memory. XML entity expansion is
bounded by the parser (expat's amplification limit) and reported as malformed XML.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from camhs_rom.core.contract import SEGMENT_COLUMNS
from camhs_rom.core.errors import InputError, quote_list
from camhs_rom.instruments.codebook import normalise_code

NS = "urn:QDA-XML:project:1.0"


_Q = f"{{{NS}}}"


MAX_MEMBER_BYTES = 64 * 1024 * 1024  # one transcript or project.qde, inflated


MAX_TOTAL_BYTES = 256 * 1024 * 1024  # everything the reader inflates from one archive


MAX_RATIO = 200  # inflated / compressed size; plain text compresses about 3-10 times


MAX_MEMBERS = 10_000


READABLE_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


GROUP_VARIABLES = {"group_id", "group", "focus_group"}


SPEAKER_TAG = re.compile(r"[ \t]*([A-Za-z][\w .'-]{0,40}?)[ \t]*:")


@dataclass
class QdpxProject:
    """Coded selections of a ``.qdpx`` as a coded-segments table, with where each came from."""
    segments: pd.DataFrame
    locations: list[str]
    transcripts: dict[str, str]
    notes: list[str] = field(default_factory=list)


def _guid(value: str | None) -> str | None:
    """GUIDs compare without braces and case: ATLAS.ti writes ``{ABC...}``, QualCoder ``abc...``."""
    return value.strip().strip("{}").lower() if value else None


def _int_attr(elem, name, path, where) -> int:
    raw = elem.get(name)
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise InputError(path, f"{where}, attribute {name}", repr(raw), "a whole number of characters") from None


class _BoundedArchive:
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


def _zip_member(archive: zipfile.ZipFile, wanted: str) -> str | None:
    lowered = {n.lower(): n for n in archive.namelist()}
    return lowered.get(wanted.lower())


def read_qdpx(path: str | Path) -> QdpxProject:
    """Read a REFI-QDA project into the coded-segments shape of :data:`SEGMENT_COLUMNS`.

    Raises :class:`InputError` when the file is not a zip, has no ``project.qde``, holds
    malformed XML or another root element, refers to a code, user or source file that is
    not there, places a selection outside its source text, or has no coding at all.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file", "no such file", "a REFI-QDA .qdpx project")
    if not zipfile.is_zipfile(path):
        raise InputError(path, "file", "a file that is not a zip archive", "a .qdpx project (a zip holding project.qde and Sources/)")
    with zipfile.ZipFile(path) as opened:
        archive = _BoundedArchive(opened, path)
        qde_name = next((n for n in archive.namelist() if n.lower().endswith(".qde") and "/" not in n), None)
        if qde_name is None:
            raise InputError(path, "zip contents", f"members {quote_list(archive.namelist())}", "a project.qde file at the top of the archive")
        try:
            root = ET.fromstring(archive.read(qde_name))
        except ET.ParseError as exc:
            line, col = exc.position
            raise InputError(path, f"{qde_name} line {line}, column {col}", f"malformed XML ({exc.msg if hasattr(exc, 'msg') else exc})", "well-formed XML") from None
        if root.tag != f"{_Q}Project":
            raise InputError(path, qde_name, f"root element {root.tag!r}", f"<Project> in the namespace {NS}")
        return _read_project(root, archive, path, qde_name)


def _read_project(root, archive, path, qde_name) -> QdpxProject:
    users = {_guid(u.get("guid")): (u.get("name") or u.get("id") or u.get("guid")) for u in root.iter(f"{_Q}User")}
    codes = {}
    codebook = root.find(f"{_Q}CodeBook")
    if codebook is not None:
        for code in codebook.iter(f"{_Q}Code"):
            codes[_guid(code.get("guid"))] = code.get("name")
    variables = {_guid(v.get("guid")): v.get("name", "") for v in root.iter(f"{_Q}Variable")}

    case_of, group_of_case = {}, {}
    for case in root.iter(f"{_Q}Case"):
        name = case.get("name") or case.get("guid")
        for value in case.findall(f"{_Q}VariableValue"):
            ref = value.find(f"{_Q}VariableRef")
            text = value.find(f"{_Q}TextValue")
            if ref is not None and text is not None and normalise_code(variables.get(_guid(ref.get("targetGUID")), "")) in GROUP_VARIABLES:
                group_of_case[name] = (text.text or "").strip()
        for tag in ("SelectionRef", "SourceRef"):
            for ref in case.findall(f"{_Q}{tag}"):
                case_of[_guid(ref.get("targetGUID"))] = name

    records, locations, transcripts, notes = [], [], {}, []
    from_cases = from_tags = 0
    for source in root.iter(f"{_Q}TextSource"):
        source_name = source.get("name") or source.get("guid")
        text = _source_text(source, archive, path, qde_name, source_name)
        selections = source.findall(f"{_Q}PlainTextSelection")
        if "\r\n" in text:
            # ATLAS.ti and MAXQDA count a CRLF line end as one character; a tool that
            # counted two would place some selection past the end of the folded text.
            folded = text.replace("\r\n", "\n")
            ends = [int(sel.get("endPosition", "0")) for sel in selections if (sel.get("endPosition") or "").lstrip("-").isdigit()]
            if all(end <= len(folded) for end in ends):
                text = folded
                notes.append(f"source {source_name!r}: CRLF line ends counted as one character")
            else:
                notes.append(f"source {source_name!r}: CRLF line ends counted as two characters")
        transcripts[source_name] = text
        for sel in selections:
            seg_id = sel.get("name") or sel.get("guid")
            where = f"{qde_name} selection {seg_id!r} in source {source_name!r}"
            start = _int_attr(sel, "startPosition", path, where)
            end = _int_attr(sel, "endPosition", path, where)
            if not 0 <= start < end <= len(text):
                raise InputError(path, where, f"characters {start} to {end}", f"a span inside the source text (0 to {len(text)}) with start before end")
            participant = case_of.get(_guid(sel.get("guid"))) or case_of.get(_guid(source.get("guid")))
            if participant is not None:
                from_cases += 1
                group = group_of_case.get(participant) or source_name
            else:
                line_start = text.rfind("\n", 0, start) + 1
                tag = SPEAKER_TAG.match(text, line_start)
                if tag is None:
                    raise InputError(path, where, "a selection linked to no Case and in a line with no speaker tag", "a Case with a SelectionRef to it, or a line opening 'P01:'")
                participant = tag.group(1).strip()
                group = group_of_case.get(participant) or source_name
                from_tags += 1
            for coding in sel.findall(f"{_Q}Coding"):
                ref = coding.find(f"{_Q}CodeRef")
                target = _guid(ref.get("targetGUID")) if ref is not None else None
                if target not in codes:
                    raise InputError(path, f"{where}, CodeRef", f"code GUID {target!r}", "the GUID of a Code in the project's CodeBook")
                coder_guid = _guid(coding.get("creatingUser") or sel.get("creatingUser"))
                if coder_guid is not None and coder_guid not in users:
                    raise InputError(path, f"{where}, creatingUser", f"coder GUID {coder_guid!r} with no User", "the GUID of a User in the project's Users")
                records.append(
                    {
                        "transcript_id": source_name,
                        "group_id": group,
                        "participant_id": participant,
                        "segment_id": seg_id,
                        "start": start,
                        "end": end,
                        "text": text[start:end],
                        "code": codes[target],
                        "coder": users.get(coder_guid, "unattributed"),
                    }
                )
                locations.append(where)
    if not records:
        raise InputError(path, qde_name, "a project with no coded text selections", "at least one PlainTextSelection with a Coding")
    notes.insert(0, f"participants from Cases for {from_cases} selection(s), from speaker tags for {from_tags}")
    return QdpxProject(pd.DataFrame.from_records(records, columns=SEGMENT_COLUMNS), locations, transcripts, notes)


def _source_text(source, archive, path, qde_name, source_name) -> str:
    content = source.find(f"{_Q}PlainTextContent")
    if content is not None:
        return content.text or ""
    ref = source.get("plainTextPath")
    where = f"{qde_name} source {source_name!r}"
    if not ref:
        raise InputError(path, where, "neither PlainTextContent nor plainTextPath", "one of them")
    if not ref.startswith("internal://"):
        raise InputError(path, f"{where}, plainTextPath", repr(ref), "a source stored inside the .qdpx (internal://...)")
    member = _zip_member(archive, "Sources/" + ref[len("internal://"):])
    if member is None:
        raise InputError(path, f"{where}, plainTextPath", f"{ref!r}, which is not in the archive", "a file under Sources/ in the .qdpx")
    try:
        return archive.read(member).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(path, member, "text that is not UTF-8", "a UTF-8 plain-text source") from None
