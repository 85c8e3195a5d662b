"""Writing the synthetic Study 1 data as a REFI-QDA ``.qdpx`` project (reading is :mod:`camhs_rom.ingest.qdpx`).

GUIDs are derived from what they name, members and zip timestamps are fixed, so the same
project gives the same bytes.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd

from camhs_rom.core.schemas import schema_dir
from camhs_rom.core.tables import atomic_path
from camhs_rom.ingest.archive import _Q, NS
from camhs_rom.instruments.codebook import Codebook

GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://doi.org/10.1017/S1754470X15000653")


ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def stable_guid(kind: str, key: str) -> str:
    """A GUID that depends only on what it names, so the same project gives the same bytes."""
    return str(uuid.uuid5(GUID_NAMESPACE, f"{kind}:{key}"))


def _sub(parent, tag, **attrs):
    return ET.SubElement(parent, f"{_Q}{tag}", {k: str(v) for k, v in attrs.items()})


def build_qde(name: str, description: str, transcripts: dict[str, str], segments: pd.DataFrame, codebook: Codebook) -> bytes:
    """The ``project.qde`` XML for coded segments (columns of :data:`SEGMENT_COLUMNS`)."""
    ET.register_namespace("", NS)
    root = ET.Element(f"{_Q}Project", {"name": name, "origin": "camhs_rom synthetic generator"})
    users = _sub(root, "Users")
    for coder in sorted(segments["coder"].unique()):
        _sub(users, "User", guid=stable_guid("user", coder), name=coder)
    codes = _sub(_sub(root, "CodeBook"), "Codes")
    for theme in codebook.themes:
        theme_elem = _sub(codes, "Code", guid=stable_guid("code", theme.id), name=theme.id, isCodable="true")
        ET.SubElement(theme_elem, f"{_Q}Description").text = theme.definition
        for child in theme.codes:
            _sub(theme_elem, "Code", guid=stable_guid("code", child), name=child, isCodable="true")
    group_var = stable_guid("variable", "group_id")
    _sub(_sub(root, "Variables"), "Variable", guid=group_var, name="group_id", typeOfVariable="Text")

    selections = segments.groupby(["transcript_id", "segment_id", "coder"], sort=False)
    cases = _sub(root, "Cases")
    people = segments.drop_duplicates("participant_id")[["participant_id", "group_id"]]
    for pid, gid in people.itertuples(index=False):
        case = _sub(cases, "Case", guid=stable_guid("case", pid), name=pid)
        value = _sub(case, "VariableValue")
        _sub(value, "VariableRef", targetGUID=group_var)
        ET.SubElement(value, f"{_Q}TextValue").text = gid
        mine = segments[segments["participant_id"] == pid].drop_duplicates(["transcript_id", "segment_id", "coder"])
        for t, s, c in mine[["transcript_id", "segment_id", "coder"]].itertuples(index=False):
            _sub(case, "SelectionRef", targetGUID=stable_guid("selection", f"{t}/{s}/{c}"))

    sources = _sub(root, "Sources")
    for transcript_id in transcripts:
        source_guid = stable_guid("source", transcript_id)
        source = _sub(sources, "TextSource", guid=source_guid, name=transcript_id, plainTextPath=f"internal://{source_guid}.txt")
        for (t, s, c), rows in selections:
            if t != transcript_id:
                continue
            first = rows.iloc[0]
            sel = _sub(
                source,
                "PlainTextSelection",
                guid=stable_guid("selection", f"{t}/{s}/{c}"),
                name=s,
                startPosition=int(first["start"]),
                endPosition=int(first["end"]),
                creatingUser=stable_guid("user", c),
            )
            for code in rows["code"]:
                coding = _sub(sel, "Coding", guid=stable_guid("coding", f"{t}/{s}/{c}/{code}"), creatingUser=stable_guid("user", c))
                _sub(coding, "CodeRef", targetGUID=stable_guid("code", code))
    ET.SubElement(root, f"{_Q}Description").text = description
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write_qdpx(path: str | Path, name: str, description: str, transcripts: dict[str, str], segments: pd.DataFrame, codebook: Codebook) -> None:
    """Write a deterministic ``.qdpx``: fixed GUIDs, member order and zip timestamps."""
    qde = build_qde(name, description, transcripts, segments, codebook)
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w") as archive:
            members = [("project.qde", qde)] + [
                (f"Sources/{stable_guid('source', t)}.txt", text.encode("utf-8")) for t, text in transcripts.items()
            ]
            for member, data in members:
                info = zipfile.ZipInfo(member, date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)


def validate_qde(qde: bytes, xsd: str | Path | None = None) -> list[str]:
    """Validate ``project.qde`` bytes against a REFI-QDA schema; return the problems (empty if valid).

    By default the schema is ``workflow/schemas/refi_qda_project_subset.xsd``; pass the
    published ``Project.xsd`` as ``xsd`` to check against the whole standard.
    """
    import xmlschema

    schema = xmlschema.XMLSchema(str(xsd or schema_dir() / "refi_qda_project_subset.xsd"))
    return [str(error.reason or error) for error in schema.iter_errors(qde.decode("utf-8"))]
