"""Config validation: the shipped config is valid; every kind of mistake is named by key."""

import pytest

from camhs_rom.core.errors import InputError
from camhs_rom.core.schemas import load_schema, read_yaml, validate_config


def test_shipped_config_is_valid(config):
    validate_config(config, "config.yaml")


def _walk(schema, path="$"):
    yield path, schema
    for key, sub in (schema.get("properties") or {}).items():
        yield from _walk(sub, f"{path}.{key}")
    for key, sub in (schema.get("definitions") or {}).items():
        yield from _walk(sub, f"{path}#{key}")


@pytest.mark.parametrize("kind", ["config", "questionnaire", "codebook"])
def test_every_object_level_rejects_unknown_keys(kind):
    for path, node in _walk(load_schema(kind)):
        if node.get("type") == "object" and "properties" in node:
            assert node.get("additionalProperties") is False, f"{kind} schema {path} lets unknown keys pass"


@pytest.mark.parametrize(
    "mutate, location, found",
    [
        (lambda c: c.update(seeed=1), "key seeed", "unknown key 'seeed'"),
        (lambda c: c["study2"]["efa"].update(rotatoin="oblimin"), "key study2.efa.rotatoin", "did you mean 'rotation'"),
        (lambda c: c["synthetic"]["study2"].update(n_respondent=10), "key synthetic.study2.n_respondent", "unknown key"),
        (lambda c: c["study2"]["efa"].update(rotation="quartimax"), "key study2.efa.rotation", "'quartimax'"),
        (lambda c: c["study2"]["efa"].update(n_factors="two"), "key study2.efa.n_factors", "'two'"),
        (lambda c: c.update(seed="abc"), "key seed", "'abc' (str)"),
        (lambda c: c["study1"].pop("codebook"), "key study1.codebook", "the key is missing"),
        (lambda c: c["study2"]["bootstrap"].update(ci=1.5), "key study2.bootstrap.ci", "1.5"),
    ],
)
def test_config_mistakes_name_the_key(fresh_config, mutate, location, found):
    mutate(fresh_config)
    with pytest.raises(InputError) as info:
        validate_config(fresh_config, "my-study.yaml")
    message = str(info.value)
    assert message.startswith("my-study.yaml: ")
    assert info.value.location == location
    assert found in message


def test_read_yaml_reports_line_of_syntax_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: 1\nb: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.yaml: line \d+, column \d+: found invalid YAML"):
        read_yaml(bad)


def test_read_yaml_rejects_empty_and_non_utf8(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("  \n", encoding="utf-8")
    with pytest.raises(InputError, match="found an empty file"):
        read_yaml(empty)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"line 1 \(byte 9\): found byte 0xe9, which is not UTF-8"):
        read_yaml(latin)
