"""The Study 1 codebook: themes with their valence, definitions and child codes.

Validated against its JSON Schema, then for ids used twice (after the matching rule of
:func:`normalise_code`). :meth:`Codebook.resolve` is how a code name from a coded-segments
file or a QDA export is matched to the codebook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from camhs_rom.core.errors import InputError, quote_list
from camhs_rom.core.schemas import read_document
from camhs_rom.instruments.questionnaire import Questionnaire


def normalise_code(value) -> str:
    """A code name as it is matched: lower case, spaces and hyphens as underscores."""
    return re.sub(r"[\s\-]+", "_", str(value).strip().lower())


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
    """A validated Study 1 codebook: themes and the child codes that roll up to them."""
    path: str
    themes: tuple[Theme, ...]
    code_theme: dict[str, str]  # every code id (themes included) -> its theme id

    @property
    def theme_ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def theme(self, theme_id: str) -> Theme:
        return next(t for t in self.themes if t.id == theme_id)

    def resolve(self, code) -> str | None:
        """The code id matching ``code``: exactly, after :func:`normalise_code`, or by theme label; None if none."""
        if code in self.code_theme:
            return code
        wanted = normalise_code(code)
        for known in self.code_theme:
            if normalise_code(known) == wanted:
                return known
        for theme in self.themes:  # tools export code names, which are often the labels
            if normalise_code(theme.label) == wanted:
                return theme.id
        return None


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook YAML file."""
    return codebook_from_dict(read_document(path, "codebook"), path)


def codebook_from_dict(doc: dict, path: str | Path = "<codebook>") -> Codebook:
    """Build a :class:`Codebook` from a schema-valid mapping; reject ids used twice."""
    themes, code_theme, where = [], {}, {}
    for k, entry in enumerate(doc["themes"]):
        if normalise_code(entry["id"]) in where:
            raise InputError(path, f"key themes[{k}].id", f"{entry['id']!r}, already {where[normalise_code(entry['id'])]}", "each code id once")
        where[normalise_code(entry["id"])] = f"the theme at themes[{k}]"
        code_theme[entry["id"]] = entry["id"]
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
        themes.append(Theme(entry["id"], entry["label"], entry["valence"], " ".join(entry["definition"].split()), tuple(codes)))
    return Codebook(path=str(path), themes=tuple(themes), code_theme=code_theme)


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
