"""The Study 1 codebook: themes with their valence, definitions and child codes.

Validated against its JSON Schema, then for ids used twice (after the matching rule of
:func:`normalise_code`). :meth:`Codebook.resolve` is how a code name from a coded-segments
file or a QDA export is matched to the codebook.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from camhs_rom.core.errors import InputError, quote_list
from camhs_rom.core.schemas import read_document
from camhs_rom.instruments.questionnaire import Questionnaire


def normalise_code(value) -> str:
    """A code name as it is matched: lower case, spaces and hyphens as underscores."""
    return re.sub(r"[\s\-]+", "_", str(value).strip().lower())


def normalise_label(value) -> str:
    """A code label or path as it is matched: Unicode NFC, case folded, runs of white space as one."""
    return " ".join(unicodedata.normalize("NFC", str(value)).casefold().split())


def normalise_guid(value) -> str:
    return str(value).strip().strip("{}").lower()


PATH_SEPARATOR = " / "


@dataclass(frozen=True)
class Theme:
    """A codebook theme with its valence and child codes."""
    id: str
    label: str
    valence: str
    definition: str
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Codebook:
    """A validated Study 1 codebook: themes and the child codes that roll up to them.

    ``guids`` maps a code GUID (lower case, no braces) to its code id, ``names`` maps each
    label and path (:func:`normalise_label`) to the code ids carrying it; ``labels`` holds
    each code's label.
    """
    path: str
    themes: tuple[Theme, ...]
    code_theme: dict[str, str]  # every code id (themes included) -> its theme id
    guids: dict[str, str] = field(default_factory=dict)
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def theme_ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def theme(self, theme_id: str) -> Theme:
        return next(t for t in self.themes if t.id == theme_id)

    def resolve(self, code, guid: str | None = None, path: tuple[str, ...] = ()) -> str | None:
        """The code id matching a code: by GUID, exactly, after :func:`normalise_code`, by label or path; None if none.

        A label shared by codes in different branches matches only by path (or GUID).
        """
        if guid and normalise_guid(guid) in self.guids:
            return self.guids[normalise_guid(guid)]
        if code in self.code_theme:
            return code
        wanted = normalise_code(code)
        for known in self.code_theme:
            if normalise_code(known) == wanted:
                return known
        if path:
            by_path = self.names.get(normalise_label(PATH_SEPARATOR.join(path)), ())
            if len(by_path) == 1:
                return by_path[0]
        by_label = self.names.get(normalise_label(code), ())
        return by_label[0] if len(by_label) == 1 else None


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook YAML file."""
    return codebook_from_dict(read_document(path, "codebook"), path)


def codebook_from_dict(doc: dict, path: str | Path = "<codebook>") -> Codebook:
    """Build a :class:`Codebook` from a schema-valid mapping; reject ids or GUIDs used twice."""
    themes, code_theme, where, guid_where = [], {}, {}, {}
    guids, names, labels = {}, {}, {}

    def note(code_id: str, entry, key: str) -> None:
        label = entry.get("label") if isinstance(entry, dict) else None
        labels[code_id] = label or code_id
        if isinstance(entry, dict) and entry.get("guid"):
            guid = normalise_guid(entry["guid"])
            if guid in guid_where:
                raise InputError(path, f"key {key}.guid", f"{entry['guid']!r}, already {guid_where[guid]}", "each code GUID once (a code in one theme)")
            guid_where[guid] = f"the GUID of {code_id!r}"
            guids[guid] = code_id
        for name in {label, entry.get("path") if isinstance(entry, dict) else None} - {None}:
            key_name = normalise_label(name)
            if code_id not in names.get(key_name, ()):
                names[key_name] = (*names.get(key_name, ()), code_id)

    for k, entry in enumerate(doc["themes"]):
        if normalise_code(entry["id"]) in where:
            raise InputError(path, f"key themes[{k}].id", f"{entry['id']!r}, already {where[normalise_code(entry['id'])]}", "each code id once")
        where[normalise_code(entry["id"])] = f"the theme at themes[{k}]"
        code_theme[entry["id"]] = entry["id"]
        note(entry["id"], entry, f"themes[{k}]")
    for k, entry in enumerate(doc["themes"]):
        codes = []
        for j, code in enumerate(entry.get("codes") or []):
            code_id = code if isinstance(code, str) else code["id"]
            key = normalise_code(code_id)
            if key in where:
                raise InputError(path, f"key themes[{k}].codes[{j}]", f"{code_id!r}, already {where[key]}", "each code id once")
            where[key] = f"a child code of {entry['id']!r}"
            code_theme[code_id] = entry["id"]
            codes.append(code_id)
            note(code_id, code if isinstance(code, dict) else {}, f"themes[{k}].codes[{j}]")
        themes.append(Theme(entry["id"], entry["label"], entry["valence"], " ".join(entry["definition"].split()), tuple(codes)))
    return Codebook(path=str(path), themes=tuple(themes), code_theme=code_theme, guids=guids, names=names, labels=labels)


def check_item_themes(questionnaire: Questionnaire, codebook: Codebook) -> None:
    """Every item ``theme`` must be a theme of the codebook (items may have none)."""
    for k, item in enumerate(questionnaire.items):
        if item.theme is not None and item.theme not in codebook.theme_ids:
            raise InputError(
                questionnaire.path,
                f"key items[{k}].theme",
                f"{item.theme!r}",
                f"a theme of {codebook.path}: {quote_list(codebook.theme_ids)}",
            )
