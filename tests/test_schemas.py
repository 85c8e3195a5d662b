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


# ----------------------------------------------------------------- one list of options, one default


def _enum(schema: dict, *path: str) -> list:
    node = schema
    for key in path:
        node = node["properties"][key] if key != "[]" else node["items"]
    return list(node["enum"])


def test_every_option_list_in_the_schemas_equals_the_codes():
    from camhs_rom.ingest.survey import MISSING_METHODS
    from camhs_rom.robustness.plan import USER_DEFINITIONS
    from camhs_rom.stats.factors import EXTRACTIONS, ROTATIONS
    from camhs_rom.stats.two_groups import TESTS
    from camhs_rom.study1.themes import TALLY_RULES, VALENCES
    from camhs_rom.study2.efa import CORRELATIONS, RETENTION_RULES

    config, spec, book = load_schema("config"), load_schema("questionnaire"), load_schema("codebook")
    expected = {
        ("study2", "efa", "retention"): RETENTION_RULES,
        ("study2", "efa", "extraction"): EXTRACTIONS,
        ("study2", "efa", "rotation"): tuple(ROTATIONS),
        ("study2", "efa", "correlation"): CORRELATIONS,
        ("study1", "tally", "rule"): TALLY_RULES,
        ("replication", "test"): TESTS,
        ("robustness", "multiverse", "missing", "[]"): MISSING_METHODS,
        ("robustness", "multiverse", "user_definition", "[]"): USER_DEFINITIONS,
        ("robustness", "multiverse", "correlation", "[]"): CORRELATIONS,
        ("robustness", "multiverse", "extraction", "[]"): EXTRACTIONS,
        ("robustness", "multiverse", "rotation", "[]"): tuple(ROTATIONS),
        ("robustness", "multiverse", "retention", "[]"): RETENTION_RULES,
        ("robustness", "multiverse", "test", "[]"): TESTS,
    }
    for path, options in expected.items():
        assert _enum(config, *path) == list(options), path
    assert _enum(spec, "missing", "method") == list(MISSING_METHODS)
    assert _enum(book, "themes", "[]", "valence") == list(VALENCES)
    assert set(config["properties"]["replication"]["properties"]["themes"]["additionalProperties"]["enum"]) == set(VALENCES)


def test_defaults_fill_what_is_missing_and_keep_what_is_set():
    from camhs_rom.core.schemas import with_defaults

    given = {"seed": 7, "study1": {"codebook": "c.yaml", "segments": "s.csv", "tally": {"rule": "union"}},
             "study2": {"questionnaire": "q.yaml", "responses": "r.csv", "efa": {"rotation": "varimax"}}}
    filled = with_defaults(given, "config")
    assert filled["seed"] == 7 and filled["study1"]["tally"] == {"rule": "union", "primary_coder": None}
    efa = filled["study2"]["efa"]
    assert efa["rotation"] == "varimax" and efa["extraction"] == "minres" and efa["parallel_analysis"] == {"iterations": 1000, "percentile": 95}
    assert filled["study2"]["comparisons"] == {"permutations": 10000, "alpha": 0.05, "min_teams": 5}
    assert given["study2"]["efa"] == {"rotation": "varimax"}  # the caller's mapping is not changed
    validate_config(filled)


def test_the_shipped_config_states_the_schema_defaults(config):
    """config.yaml documents every analysis setting; where it sets one, it is the schema default."""
    from camhs_rom.core.schemas import with_defaults

    def leaves(document, path=()):
        for key, value in document.items():
            if isinstance(value, dict):
                yield from leaves(value, (*path, key))
            else:
                yield (*path, key), value

    bare = {"study1": {k: config["study1"][k] for k in ("codebook", "segments")}, "study2": {k: config["study2"][k] for k in ("questionnaire", "responses")}}
    defaults = dict(leaves(with_defaults(bare, "config")))
    shipped = dict(leaves({k: config[k] for k in ("seed", "study1", "study2", "consortium")}))
    for path, value in defaults.items():
        assert shipped.get(path) == value, f"config.yaml sets {'.'.join(path)} = {shipped.get(path)!r}; the schema default is {value!r}"


def test_questionnaire_defaults_come_from_the_schema(questionnaire):
    from camhs_rom.instruments.questionnaire import questionnaire_from_dict

    spec = read_yaml(questionnaire.path)
    spec.pop("missing", None)
    spec.pop("covariates", None)
    spec.pop("cluster", None)
    for item in spec["items"]:
        item.pop("reverse", None)
    q = questionnaire_from_dict(spec, "spec.yaml")
    assert (q.missing_method, q.max_missing_share, q.covariates, q.cluster_column) == ("person_mean", 0.2, (), None)
    assert not any(item.reverse for item in q.items)


def test_input_files_must_exist_unless_the_pipeline_generates_them(tmp_path, config):
    from camhs_rom.core.studies import check_studies as check_input_files

    present = tmp_path / "codebook.yaml"
    present.write_text("themes: []\n", encoding="utf-8")
    settings = {"study1": {"codebook": str(present), "segments": "data/synthetic/study1/coded_segments.csv"},
                "study2": {"questionnaire": str(tmp_path), "responses": "data/synthetic/study2/responses.csv"}}
    with pytest.raises(InputError, match=r"key study2\.questionnaire: found '.*', which is a directory"):
        check_input_files(settings, "data/synthetic", "my.yaml")
    settings["study2"]["questionnaire"] = str(present)
    check_input_files(settings, "data/synthetic", "my.yaml")  # generated paths need not exist yet
    settings["study1"]["segments"] = "mine/segments.csv"
    with pytest.raises(InputError, match=r"my\.yaml: key study1\.segments: found 'mine/segments\.csv', which is not there"):
        check_input_files(settings, "data/synthetic", "my.yaml")
