"""A REFI-QDA project's code tree: every code with its path, parent and description, and its codings."""

from __future__ import annotations

from dataclasses import dataclass

from camhs_rom.core.errors import InputError
from camhs_rom.ingest.archive import _Q

IDENTIFIED = ("Code", "User", "Case", "Variable", "Set", "TextSource", "PDFSource", "PictureSource", "AudioSource", "VideoSource")
"""Elements a GUID identifies across the project: codings refer to codes, users, cases and sources by it."""


def guid_key(value: str | None) -> str | None:
    """GUIDs compare without braces and case: ATLAS.ti writes ``{ABC...}``, QualCoder ``abc...``."""
    return value.strip().strip("{}").lower() if value else None


@dataclass(frozen=True)
class ProjectCode:
    """One code of a project's code tree."""
    guid: str
    name: str
    path: tuple[str, ...]  # names from the top-level code down to this one
    parent: str | None  # the parent code's GUID
    description: str


def _describe(elem) -> str:
    tag = elem.tag.removeprefix(_Q)
    name = elem.get("name")
    return f"<{tag} name={name!r}>" if name else f"<{tag}>"


def check_unique_guids(root, path, qde_name: str = "project.qde") -> None:
    """Stop when one GUID identifies two elements: two codes (or two users) sharing one would move codings between themes.

    The elements of :data:`IDENTIFIED` share one namespace; a text selection's GUID must be
    unique among text selections (ATLAS.ti gives a PDF selection and its text
    representation one GUID, which is allowed).
    """
    for tags in (IDENTIFIED, ("PlainTextSelection",)):
        seen: dict[str, object] = {}
        for tag in tags:
            for elem in root.iter(f"{_Q}{tag}"):
                guid = guid_key(elem.get("guid"))
                if not guid:
                    continue
                if guid in seen:
                    raise InputError(
                        path, f"{qde_name}, GUID {guid!r}", f"one GUID on two elements: {_describe(seen[guid])} and {_describe(elem)}",
                        "a GUID of its own for every code, user, case, variable, set, source and selection (export the project again)",
                    )
                seen[guid] = elem


def code_tree(root) -> dict[str, ProjectCode]:
    """Every code of the project's ``CodeBook`` by GUID, in document order, with its path and parent."""
    codes: dict[str, ProjectCode] = {}

    def walk(elem, parent: ProjectCode | None):
        for code in elem.findall(f"{_Q}Code"):
            guid = guid_key(code.get("guid"))
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
        guid = guid_key(ref.get("targetGUID"))
        counts[guid] = counts.get(guid, 0) + 1
    return counts
