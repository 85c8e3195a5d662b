"""JSON Schema validation of the config, the questionnaire spec and the codebook.

The schemas live once, in ``workflow/schemas/`` (a wheel carries a copy as
``camhs_rom/schemas``). Each sets ``additionalProperties: false`` at every level, so a
misspelled key is an error that names the key, never a silently ignored setting.

What is read is bounded: a YAML file over :data:`MAX_YAML_BYTES`, or a document whose
anchors and aliases would expand to more than :data:`MAX_YAML_NODES` values (a "billion
laughs" bomb), is rejected before anything walks it. A key given twice in one mapping
(``reverse: true`` then ``reverse: false``) is an error naming both lines, never "the last
one wins".

Numbers are checked more strictly than JSON Schema's own types: ``integer`` is a whole
number written as one (``20.0`` and ``1.0e+3`` are refused where a count or seed belongs),
and ``number`` is finite (``.nan`` and ``.inf`` pass every ``minimum``/``maximum`` in
JSON Schema, so they are refused by type).
"""

from __future__ import annotations

import copy
import difflib
import math
import sys
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from camhs_rom.core.encoding import read_text
from camhs_rom.core.errors import InputError, clip, quote_list

if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
    # jsonschema imports rfc3987_syntax, when installed, only to check the "iri" string
    # formats, which these schemas do not use; that import builds a grammar costing about
    # 1.7 s in every pipeline step. Hidden while jsonschema loads, available afterwards.
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
    try:
        import jsonschema
    finally:
        del sys.modules["rfc3987_syntax"]
else:
    import jsonschema


MAX_YAML_BYTES = 2 * 1024 * 1024  # a questionnaire of a thousand items is about 150 KB


MAX_YAML_NODES = 100_000  # values in the document with every alias expanded


JSON_TYPES = {  # the schema's type names in the words of a YAML file
    "object": "a mapping of keys to values",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


SCHEMA_FILES = {
    "config": "config.schema.yaml",
    "questionnaire": "questionnaire.schema.yaml",
    "codebook": "codebook.schema.yaml",
}


def schema_dir() -> Path:
    """The folder holding the JSON Schemas (installed copy first, then the checkout)."""
    installed = resources.files("camhs_rom") / "schemas"
    if installed.is_dir():
        return Path(str(installed))
    checkout = Path(__file__).resolve().parents[3] / "workflow" / "schemas"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        "JSON Schemas not found: expected camhs_rom/schemas in the installed package or "
        f"workflow/schemas in the repository ({checkout})"
    )


@lru_cache(maxsize=None)
def load_schema(kind: str) -> dict:
    """Load one schema by kind: ``config``, ``questionnaire`` or ``codebook``."""
    if kind not in SCHEMA_FILES:
        raise ValueError(f"unknown schema kind {kind!r}; expected one of {sorted(SCHEMA_FILES)}")
    with open(schema_dir() / SCHEMA_FILES[kind], encoding="utf-8") as fh:
        return yaml.safe_load(fh)


class DuplicateKey(yaml.YAMLError):
    """A key given twice in one YAML mapping (raised by :class:`UniqueKeyLoader`)."""

    def __init__(self, key, first_line: int, second_line: int):
        super().__init__(f"key {key!r} on lines {first_line} and {second_line}")
        self.key, self.first_line, self.second_line = key, first_line, second_line


class UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping.

    YAML says keys are unique; PyYAML keeps the last value silently, so a spec reading
    ``reverse: true`` and then ``reverse: false`` for one item would flip its keying
    unseen. Keys merged in with ``<<: *anchor`` may be overridden, as YAML intends: only
    the keys written in the mapping itself are compared.
    """

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    if key in seen:
                        raise DuplicateKey(key, seen[key], line)
                    seen[key] = line
                except TypeError:  # an unhashable key: PyYAML's own error follows
                    continue
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: str | Path) -> Any:
    """Read a YAML file, turning every way it can be unreadable, too large or ambiguous into an :class:`InputError`."""
    path = Path(path)
    if path.is_file() and path.stat().st_size > MAX_YAML_BYTES:
        raise InputError(path, "file", f"{path.stat().st_size:,} bytes", f"a YAML document of at most {MAX_YAML_BYTES:,} bytes")
    text = read_text(path, "a YAML document", cp1252=False)
    try:
        document = yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except DuplicateKey as exc:
        raise InputError(
            path, f"lines {exc.first_line} and {exc.second_line}", f"the key {clip(repr(exc.key), 60)} twice in one mapping",
            "each key once (YAML keeps only the last value: delete the one you do not mean)",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(path, where, f"invalid YAML ({problem})", "well-formed YAML") from None
    except RecursionError:
        raise InputError(path, "file", "values nested too deeply to read", "a YAML document nested at most a few hundred levels") from None
    check_expanded_size(document, path)
    return document


def check_expanded_size(document: Any, file: str | Path, limit: int = MAX_YAML_NODES) -> None:
    """Raise :class:`InputError` when ``document`` holds more than ``limit`` values with aliases expanded.

    A YAML alias is loaded as a second reference to one Python object, so a small file can
    describe an exponentially large document that any later walk (validation, copying,
    printing) would expand. Sizes are counted once per object, so this check is linear
    in the file, whatever the document would expand to.
    """
    sizes: dict[int, int] = {}

    def size(value, trail: str) -> int:
        if not isinstance(value, (dict, list)):
            return 1
        known = sizes.get(id(value))
        if known is not None:
            return known
        sizes[id(value)] = 1  # a self-referencing alias counts once, never loops
        children = value.items() if isinstance(value, dict) else enumerate(value)
        total = 1
        for key, child in children:
            total += size(child, f"{trail}.{key}" if isinstance(value, dict) else f"{trail}[{key}]")
            if total > limit:
                raise InputError(
                    file, f"key {trail.lstrip('.') or '(top level)'}",
                    f"a document that expands to more than {limit:,} values (anchors and aliases repeated within each other)",
                    f"at most {limit:,} values: write repeated settings out, or use fewer nested aliases",
                )
        sizes[id(value)] = total
        return total

    try:
        size(document, "")
    except RecursionError:
        raise InputError(file, "file", "values nested too deeply to read", "a YAML document nested at most a few hundred levels") from None


def read_document(path: str | Path, kind: str) -> Any:
    """Read a YAML file and validate it against the schema of ``kind``; raise :class:`InputError` on the first problem."""
    document = read_yaml(path)
    validate(document, kind, path)
    return document


def _is_integer(checker, instance) -> bool:
    """A whole number written as one: ``int`` (never ``bool``), not ``20.0`` or ``1.0e+3``."""
    return isinstance(instance, int) and not isinstance(instance, bool)


def _is_number(checker, instance) -> bool:
    """A finite number (never ``bool``): NaN and infinity compare false with every bound."""
    if isinstance(instance, bool) or not isinstance(instance, (int, float)):
        return False
    return isinstance(instance, int) or math.isfinite(instance)


STRICT_VALIDATOR = jsonschema.validators.extend(
    jsonschema.Draft7Validator,
    type_checker=jsonschema.Draft7Validator.TYPE_CHECKER.redefine_many({"integer": _is_integer, "number": _is_number}),
)


def _number_words(value) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else f"{value:g}"


def describe_range(schema: dict) -> str:
    """What a numeric schema accepts, in words: ``a whole number from 1 to 100``, ``a number greater than 0 and less than 1``."""
    kinds = schema.get("type", "number")
    kinds = [kinds] if isinstance(kinds, str) else kinds
    noun = "a whole number" if "integer" in kinds else "a number"
    lo, hi = schema.get("minimum"), schema.get("maximum")
    xlo, xhi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if lo is not None and hi is not None:
        words = f"from {_number_words(lo)} to {_number_words(hi)}"
    else:
        parts = []
        if lo is not None:
            parts.append(f"of at least {_number_words(lo)}")
        if xlo is not None:
            parts.append(f"greater than {_number_words(xlo)}")
        if hi is not None:
            parts.append(f"{'and ' if parts else 'of '}at most {_number_words(hi)}")
        if xhi is not None:
            parts.append(f"{'and ' if parts else ''}less than {_number_words(xhi)}")
        words = " ".join(parts)
    text = f"{noun} {words}".strip()
    if "null" in kinds:
        text += ", or null"
    return text


def _found_number(instance) -> str:
    """A value found where a number belongs, said so that a reader sees what is wrong with it."""
    if isinstance(instance, float) and not math.isfinite(instance):
        return f"{instance!r} (not a finite number)"
    if isinstance(instance, float):
        return f"{instance!r} (a number with a decimal point or exponent)"
    return f"{instance!r} ({type(instance).__name__})"


def _key_path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(error: jsonschema.ValidationError) -> tuple[str, str, str]:
    """Turn a jsonschema error into (location, found, expected) in plain words."""
    where = _key_path(error.absolute_path)
    prefix = f"{where}." if where else ""
    instance, schema = error.instance, error.schema
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        extra = sorted(k for k in instance if k not in allowed)
        key = extra[0]
        hint = difflib.get_close_matches(str(key), allowed, n=1)
        expected = f"one of the keys {quote_list(allowed)}" if allowed else "no keys here"
        if hint:
            expected += f" (did you mean {hint[0]!r}?)"
        return f"key {prefix}{key}", f"unknown key {key!r}", expected
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in instance]
        return f"key {prefix}{missing[0]}", "no value (the key is missing)", "this required key"
    location = f"key {where}" if where else "top level"
    if error.validator == "enum":
        return location, repr(instance), f"one of {quote_list(error.validator_value)}"
    if error.validator == "type":
        kinds = error.validator_value
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if isinstance(instance, (int, float)) and not isinstance(instance, bool) and {"integer", "number"} & set(kinds):
            others = [JSON_TYPES.get(k, k) for k in kinds if k not in ("integer", "number", "null")]
            return location, _found_number(instance), ", or ".join([describe_range(schema), *others])
        return location, f"{instance!r} ({type(instance).__name__})", " or ".join(JSON_TYPES.get(k, f"a value of type {k}") for k in kinds)
    if error.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        expected = describe_range(schema)
        upper = schema.get("maximum", schema.get("exclusiveMaximum"))
        if upper is not None and upper <= 1 and isinstance(instance, (int, float)) and 1 < instance <= 100:
            expected += f" (a share, such as {instance / 100:g}, not a percentage)"
        return location, repr(instance), expected
    if error.validator in ("oneOf", "anyOf"):
        options = [s.get("enum", [s.get("type")]) for s in error.validator_value]
        flat = [o for opt in options for o in (opt if isinstance(opt, list) else [opt])]
        return location, repr(instance), f"one of: {', '.join(map(str, flat))}"
    sizes = {"minItems": "a list of at least {} value", "maxItems": "a list of at most {} value", "minLength": "text of at least {} character",
             "maxLength": "text of at most {} character", "minProperties": "a mapping of at least {} key", "maxProperties": "a mapping of at most {} key"}
    if error.validator in sizes:
        bound = error.validator_value
        return location, repr(instance), sizes[error.validator].format(f"{bound:,}") + ("" if bound == 1 else "s")
    if error.validator == "uniqueItems" and isinstance(instance, list):
        seen, again = [], None
        for value in instance:
            if value in seen:
                again = value
                break
            seen.append(value)
        return location, f"{again!r} listed twice", "each value once"
    if error.validator == "pattern":
        return location, repr(instance), schema.get("description") or f"text matching the pattern {error.validator_value}"
    return location, repr(instance), error.message.replace(repr(instance), "the value", 1)


def validate(document: Any, kind: str, file: str | Path) -> None:
    """Validate ``document`` against the schema of ``kind``; raise :class:`InputError` on the first problem.

    Errors are ordered by their position in the document so the message is stable.
    """
    validator = STRICT_VALIDATOR(load_schema(kind))
    errors = sorted(
        validator.iter_errors(document),
        key=lambda e: (len(e.absolute_path), [str(p) for p in e.absolute_path], e.validator),
    )
    if errors:
        # Prefer the shallowest error: a typo'd key explains the deeper "required" errors.
        location, found, expected = _describe(errors[0])
        raise InputError(file, location, found, expected)


def check_config_files(paths) -> None:
    """Read each config file as this module reads YAML (bounded, a key given twice refused).

    Snakemake loads ``config.yaml`` and every ``--configfile`` itself, keeping the last of a
    repeated key; the workflow calls this first, so the duplicate stops the run instead.
    """
    for path in paths:
        read_yaml(path)


def validate_config(config: dict, file: str | Path = "config") -> None:
    """Validate the merged pipeline configuration (config.yaml plus any --configfile)."""
    if not isinstance(config, dict):
        raise InputError(file, "top level", repr(config), "a mapping of settings")
    check_expanded_size(config, file)
    validate(config, "config", file)


def _resolve(schema: dict, root: dict) -> dict:
    ref = schema.get("$ref")
    if ref and ref.startswith("#/definitions/"):
        return root["definitions"][ref.removeprefix("#/definitions/")]
    return schema


def _fill(instance, schema: dict, root: dict) -> None:
    schema = _resolve(schema, root)
    if isinstance(instance, dict):
        for key, sub in schema.get("properties", {}).items():
            sub = _resolve(sub, root)
            if key not in instance and "default" in sub:
                instance[key] = copy.deepcopy(sub["default"])
            if key in instance:
                _fill(instance[key], sub, root)
    elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for element in instance:
            _fill(element, schema["items"], root)


def with_defaults(document: Any, kind: str) -> Any:
    """A copy of a schema-valid ``document`` with every missing optional key set to its schema ``default``.

    The schemas are the one place defaults are written down: an object whose key is
    missing is created from its ``default`` (usually ``{}``) and then filled in turn, so
    code downstream reads every documented setting without repeating its default. Keys
    the document sets, and values that are not mappings (``null``), are left as they are.
    """
    filled = copy.deepcopy(document)
    root = load_schema(kind)
    _fill(filled, root, root)
    return filled
