"""The study instruments: the Study 2 questionnaire spec and the Study 1 codebook.

Both are YAML files a replication team may rewrite for their own study. They are
validated first against their JSON Schema (unknown keys, missing keys, wrong types) and
then for the rules a schema cannot express (scale range, duplicate ids, subscales used
but not declared, group values claimed by two groups, ...). The loaded objects are
immutable and carry everything the analysis needs, so no stage re-reads the YAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError, quote_list
from .schemas import read_yaml, validate


def normalise_label(value) -> str:
    """Text as it is matched: lower case, surrounding spaces removed, inner runs of spaces folded."""
    return re.sub(r"\s+", " ", str(value).strip().lower())


def normalise_code(value) -> str:
    """A code name as it is matched: lower case, spaces and hyphens as underscores."""
    return re.sub(r"[\s\-]+", "_", str(value).strip().lower())


def raw_value_keys(value) -> set[str]:
    """The normalised strings a raw group value in the spec matches.

    YAML 1.1 reads unquoted ``yes``/``no`` as booleans, so ``True`` also matches "yes"
    and "true", and ``False`` matches "no" and "false". Numbers match their text form
    with or without a trailing ``.0`` (``1`` matches "1" and "1.0").
    """
    if isinstance(value, bool):
        return {"yes", "true"} if value else {"no", "false"}
    if isinstance(value, (int, float)):
        number = float(value)
        keys = {normalise_label(value), repr(number)}
        if number.is_integer():
            keys.add(str(int(number)))
        return keys
    return {normalise_label(value)}


@dataclass(frozen=True)
class Item:
    """One belief item: its column, wording, source theme, intended subscale and keying."""

    id: str
    text: str
    subscale: str
    theme: str | None = None
    reverse: bool = False


@dataclass(frozen=True)
class Questionnaire:
    """A validated questionnaire spec (see ``contract.md`` and the README for the keys)."""

    path: str
    name: str
    id_column: str
    scale_min: int
    scale_max: int
    labels: dict[str, int]
    items: tuple[Item, ...]
    subscales: dict[str, str]
    group_column: str
    group_levels: dict[str, tuple]
    frequency_column: str | None = None
    frequency_levels: tuple[str, ...] = ()
    covariates: tuple[str, ...] = ()
    missing_method: str = "person_mean"
    max_missing_share: float = 0.2
    missing_values: frozenset[str] = frozenset()
    group_labels: dict[str, str] = field(default_factory=dict)

    @property
    def item_ids(self) -> list[str]:
        return [item.id for item in self.items]

    def items_of(self, subscale: str) -> list[Item]:
        return [item for item in self.items if item.subscale == subscale]

    @property
    def columns(self) -> list[str]:
        """Every column of the responses file the spec names, in a stable order."""
        cols = [self.id_column, self.group_column]
        if self.frequency_column:
            cols.append(self.frequency_column)
        cols += list(self.covariates) + self.item_ids
        return cols

    def reverse_score(self, value):
        """Reverse keying: ``min + max - x``."""
        return self.scale_min + self.scale_max - value

    def keyed_items(self, frame):
        """The item columns of ``frame`` as floats, reverse-keyed items scored ``min + max - x``."""
        items = frame[self.item_ids].astype(float)
        for item in self.items:
            if item.reverse:
                items[item.id] = self.reverse_score(items[item.id])
        return items


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Read and validate a questionnaire spec YAML file."""
    spec = read_yaml(path)
    validate(spec, "questionnaire", path)
    return questionnaire_from_dict(spec, path)


def questionnaire_from_dict(spec: dict, path: str | Path = "<questionnaire>") -> Questionnaire:
    """Build a :class:`Questionnaire` from an already schema-valid mapping; check the rest."""
    scale = spec["response_scale"]
    lo, hi = scale["min"], scale["max"]
    if lo >= hi:
        raise InputError(path, "key response_scale", f"min {lo} and max {hi}", "min smaller than max")
    labels: dict[str, int] = {}
    for label, code in (scale.get("labels") or {}).items():
        key = normalise_label(label)
        if not lo <= code <= hi:
            raise InputError(path, f"key response_scale.labels.{label}", f"code {code}", f"a code from {lo} to {hi}")
        if key in labels:
            raise InputError(path, f"key response_scale.labels.{label}", "a label given twice (ignoring case)", "each label once")
        labels[key] = code

    for value in scale.get("missing_values") or ():
        clash = raw_value_keys(value) & ({str(c) for c in range(lo, hi + 1)} | set(labels))
        if clash:
            raise InputError(path, "key response_scale.missing_values", f"{value!r}, which is also an answer on the scale", "values that are not answers")
    items, seen = [], set()
    for k, entry in enumerate(spec["items"]):
        if entry["id"] in seen:
            raise InputError(path, f"key items[{k}].id", f"{entry['id']!r} again", "each item id once")
        seen.add(entry["id"])
        items.append(
            Item(
                id=entry["id"],
                text=entry["text"],
                subscale=entry["subscale"],
                theme=entry.get("theme"),
                reverse=bool(entry.get("reverse", False)),
            )
        )

    used = list(dict.fromkeys(item.subscale for item in items))
    declared = spec.get("subscales") or {}
    if declared:
        for k, item in enumerate(items):
            if item.subscale not in declared:
                raise InputError(
                    path, f"key items[{k}].subscale", f"{item.subscale!r}", f"one of the subscales declared: {quote_list(declared)}"
                )
        for name in declared:
            if name not in used:
                raise InputError(path, f"key subscales.{name}", "a subscale no item belongs to", "every declared subscale to have items")
    subscales = {name: (declared.get(name) or {}).get("label", name.replace("_", " ").capitalize()) for name in used}

    group = spec["group"]
    owner: dict[str, str] = {}
    for group_id, values in group["levels"].items():
        for value in values:
            for key in raw_value_keys(value):
                if key in owner and owner[key] != group_id:
                    raise InputError(
                        path, f"key group.levels.{group_id}", f"value {value!r} also listed for {owner[key]!r}", "each raw value in one group only"
                    )
                owner[key] = group_id

    for group_id in group.get("labels") or {}:
        if group_id not in group["levels"]:
            raise InputError(path, f"key group.labels.{group_id}", "a label for a group not under group.levels", f"one of {quote_list(group['levels'])}")
    frequency = spec.get("frequency") or {}
    missing = spec.get("missing") or {}
    covariates = tuple(spec.get("covariates") or ())
    q = Questionnaire(
        path=str(path),
        name=spec["name"],
        id_column=spec["id_column"],
        scale_min=lo,
        scale_max=hi,
        labels=labels,
        items=tuple(items),
        subscales=subscales,
        group_column=group["column"],
        group_levels={g: tuple(v) for g, v in group["levels"].items()},
        frequency_column=frequency.get("column"),
        frequency_levels=tuple(frequency.get("levels") or ()),
        covariates=covariates,
        missing_method=missing.get("method", "person_mean"),
        max_missing_share=float(missing.get("max_missing_share", 0.2)),
        missing_values=frozenset(key for value in scale.get("missing_values") or () for key in raw_value_keys(value)),
        group_labels=dict(group.get("labels") or {}),
    )
    roles: dict[str, str] = {}
    for role, column in [("id_column", q.id_column), ("group.column", q.group_column)] + (
        [("frequency.column", q.frequency_column)] if q.frequency_column else []
    ) + [(f"covariates[{i}]", c) for i, c in enumerate(covariates)] + [(f"items[{i}].id", it.id) for i, it in enumerate(items)]:
        if column in roles:
            raise InputError(path, f"key {role}", f"column {column!r}, already used as {roles[column]}", "each column in one role only")
        roles[column] = role
    return q


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
    doc = read_yaml(path)
    validate(doc, "codebook", path)
    return codebook_from_dict(doc, path)


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
