"""The Study 2 questionnaire spec: items, response scale, subscales, groups, frequency item.

A replication team may rewrite the spec for their own questionnaire. It is validated
first against its JSON Schema (unknown keys, missing keys, wrong types; defaults filled
in from the schema) and then for the rules a schema cannot express (scale range, duplicate
ids, subscales used but not declared, group values claimed by two groups, one column in
two roles). The loaded :class:`Questionnaire` is immutable and carries everything the
analysis needs, so no stage re-reads the YAML. The keys are documented in
``docs/own-data.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from camhs_rom.core.errors import InputError, quote_list
from camhs_rom.core.schemas import read_document, with_defaults


def normalise_label(value) -> str:
    """Text as it is matched: lower case, surrounding spaces removed, inner runs of spaces folded."""
    return re.sub(r"\s+", " ", str(value).strip().lower())


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
    """One belief item: its id, wording, intended subscale, source theme, keying, export column and short label.

    ``id`` names the item in every output; ``column`` is its column in the responses file
    when that differs (a survey export's ``Q3_1``), so an export is used as downloaded.
    """

    id: str
    text: str
    subscale: str
    theme: str | None = None
    reverse: bool = False
    column: str | None = None
    short: str | None = None

    @property
    def label(self) -> str:
        """What the report shows for the item: its short label, or its id."""
        return self.short or self.id

    @property
    def source_column(self) -> str:
        """The item's column in the responses file."""
        return self.column or self.id


@dataclass(frozen=True)
class Questionnaire:
    """A validated questionnaire spec (the keys are documented in ``docs/own-data.md``)."""
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
    missing_method: str
    max_missing_share: float
    frequency_column: str | None = None
    frequency_levels: tuple[str, ...] = ()
    covariates: tuple[str, ...] = ()
    cluster_column: str | None = None
    missing_values: frozenset[str] = frozenset()
    group_labels: dict[str, str] = field(default_factory=dict)
    covariate_types: dict[str, str] = field(default_factory=dict)  # covariate -> numeric | categorical, when declared

    @property
    def item_ids(self) -> list[str]:
        return [item.id for item in self.items]

    @property
    def intended_subscales(self) -> dict[str, str]:
        """Each item's intended subscale, in item order (what factor solutions are matched to)."""
        return {item.id: item.subscale for item in self.items}

    def items_of(self, subscale: str) -> list[Item]:
        return [item for item in self.items if item.subscale == subscale]

    @property
    def columns(self) -> list[str]:
        """Every column of the responses file the spec names, in a stable order."""
        cols = [self.id_column, self.group_column]
        if self.frequency_column:
            cols.append(self.frequency_column)
        cols += list(self.covariates) + [item.source_column for item in self.items]
        return cols

    @property
    def renamed_columns(self) -> dict[str, str]:
        """Export column -> item id, for the items whose column in the responses file has another name."""
        return {item.column: item.id for item in self.items if item.column and item.column != item.id}

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
    return questionnaire_from_dict(read_document(path, "questionnaire"), path)


def questionnaire_from_dict(spec: dict, path: str | Path = "<questionnaire>") -> Questionnaire:
    """Build a :class:`Questionnaire` from an already schema-valid mapping; check the rest.

    Optional keys the mapping leaves out take their schema defaults
    (:func:`camhs_rom.core.schemas.with_defaults`).
    """
    spec = with_defaults(spec, "questionnaire")
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
                reverse=bool(entry["reverse"]),
                column=entry.get("column"),
                short=entry.get("short"),
            )
        )

    first_with: dict[str, int] = {}
    for k, item in enumerate(items):
        if item.short and item.short in first_with:
            raise InputError(path, f"key items[{k}].short", f"{item.short!r}, the short label of items[{first_with[item.short]}] too",
                             "a different short label for each item")
        first_with.setdefault(item.short or "", k)
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
    missing = spec["missing"]
    covariates = tuple(c["column"] if isinstance(c, dict) else c for c in spec["covariates"])
    if len(set(covariates)) < len(covariates):
        again = next(c for c in covariates if covariates.count(c) > 1)
        raise InputError(path, "key covariates", f"column {again!r} twice", "each covariate once")
    covariate_types = {c["column"]: c["type"] for c in spec["covariates"] if isinstance(c, dict)}
    if spec["cluster"] is not None and spec["cluster"] not in covariates:
        raise InputError(path, "key cluster", repr(spec["cluster"]), f"one of the covariates {quote_list(covariates)} (the cluster is also a covariate)")
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
        cluster_column=spec["cluster"],
        missing_method=missing["method"],
        max_missing_share=float(missing["max_missing_share"]),
        missing_values=frozenset(key for value in scale.get("missing_values") or () for key in raw_value_keys(value)),
        group_labels=dict(group.get("labels") or {}),
        covariate_types=covariate_types,
    )
    roles: dict[str, str] = {}
    for role, column in [("id_column", q.id_column), ("group.column", q.group_column)] + (
        [("frequency.column", q.frequency_column)] if q.frequency_column else []
    ) + [(f"covariates[{i}]", c) for i, c in enumerate(covariates)] + [(f"items[{i}].column" if it.column else f"items[{i}].id", it.source_column) for i, it in enumerate(items)]:
        if column in roles:
            raise InputError(path, f"key {role}", f"column {column!r}, already used as {roles[column]}", "each column in one role only")
        roles[column] = role
    check_clean_names(q, path)
    return q


DERIVED_COLUMNS = ("respondent_id", "source_row", "group", "frequency", "frequency_code")  # what the clean tables call their own columns


def check_clean_names(q: Questionnaire, path) -> None:
    """Every column of the clean tables has one name: covariates, item ids and subscale scores never share one.

    The clean tables hold :data:`DERIVED_COLUMNS`, the covariates and the items under
    their ids, ``n_missing_<subscale>`` and ``scorable_<subscale>``; the subscale scores
    table holds the subscales beside the covariates. A covariate called ``group``, or an
    item id equal to a covariate, would overwrite one column with another.
    """
    owners: dict[str, str] = {name: "a column the pipeline derives (respondent_id, source_row, group, frequency, frequency_code)" for name in DERIVED_COLUMNS}
    named = [(f"covariates[{i}]", c, "covariate") for i, c in enumerate(q.covariates)]
    for subscale in q.subscales:
        key = f"items[{next(i for i, item in enumerate(q.items) if item.subscale == subscale)}].subscale"
        named += [(key, name, f"a column of subscale {subscale!r}") for name in (subscale, f"n_missing_{subscale}", f"scorable_{subscale}")]
    named += [(f"items[{i}].id", item.id, "item id") for i, item in enumerate(q.items)]
    for key, name, role in named:
        if name in owners:
            raise InputError(
                path, f"key {key}", f"{name!r}, a name the clean tables already give to {owners[name]}",
                "a name of its own (covariates, item ids and subscales name columns of one table: rename one of them in the spec, or the column in your export)",
            )
        owners[name] = f"{role} {name!r}" if role in ("covariate", "item id") else role

