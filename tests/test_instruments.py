"""The questionnaire spec and the codebook: the defaults meet the design, mistakes are named."""

import copy

import pytest
import yaml

from camhs_rom.core.errors import InputError
from camhs_rom.core.schemas import validate
from camhs_rom.instruments.codebook import check_item_themes, codebook_from_dict, load_codebook
from camhs_rom.instruments.questionnaire import load_questionnaire, normalise_label, questionnaire_from_dict, raw_value_keys

from .conftest import CODEBOOK, SPEC


@pytest.fixture()
def spec_dict():
    with open(SPEC, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture()
def codebook_dict():
    with open(CODEBOOK, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def test_default_questionnaire_meets_the_design(questionnaire, codebook):
    q = questionnaire
    assert len(q.items) >= 16
    per_subscale = {s: len(q.items_of(s)) for s in q.subscales}
    assert set(per_subscale) == {"positive_impact", "negative_impact"}
    assert abs(per_subscale["positive_impact"] - per_subscale["negative_impact"]) <= 2
    assert 2 <= sum(item.reverse for item in q.items) < len(q.items) / 2
    assert all(item.theme in codebook.theme_ids for item in q.items)
    assert {item.theme for item in q.items} == set(codebook.theme_ids)
    assert q.frequency_levels == ("never", "rarely", "sometimes", "often", "almost always")
    assert q.group_levels == {"user": ("yes",), "non_user": ("no",)}
    assert {"team", "profession", "years_qualified"} <= set(q.covariates)
    assert "reconstruct" in q.name.lower()
    check_item_themes(q, codebook)


def test_default_codebook_has_the_five_themes_of_the_paper(codebook):
    valence = {t.id: t.valence for t in codebook.themes}
    assert valence == {
        "objectivity": "benefit",
        "collaboration": "benefit",
        "empowerment": "benefit",
        "adverse_session_influence": "concern",
        "service_use_of_data": "concern",
    }
    assert all(len(t.codes) >= 2 for t in codebook.themes)
    assert codebook.code_theme["time_pressure"] == "adverse_session_influence"


def test_codebook_resolves_ids_case_variants_and_labels(codebook):
    assert codebook.resolve("time_pressure") == "time_pressure"
    assert codebook.resolve("Time Pressure") == "time_pressure"
    assert codebook.resolve("Adverse influence on the session") == "adverse_session_influence"
    assert codebook.resolve("not a code") is None


def test_label_matching_ignores_case_and_spaces():
    assert normalise_label("  Strongly   AGREE ") == "strongly agree"


def test_yaml_booleans_match_yes_and_no():
    assert raw_value_keys(True) == {"yes", "true"}
    assert raw_value_keys(False) == {"no", "false"}
    assert {"1", "1.0"} <= raw_value_keys(1)


def _raises(spec, match, location=None):
    with pytest.raises(InputError, match=match) as info:
        validate(spec, "questionnaire", "spec.yaml")
        questionnaire_from_dict(spec, "spec.yaml")
    if location:
        assert info.value.location == location
    return info.value


def test_item_with_no_subscale(spec_dict):
    del spec_dict["items"][3]["subscale"]
    _raises(spec_dict, "this required key", "key items[3].subscale")


def test_item_subscale_not_declared(spec_dict):
    spec_dict["items"][0]["subscale"] = "postive_impact"
    _raises(spec_dict, "'postive_impact'", "key items[0].subscale")


def test_declared_subscale_without_items(spec_dict):
    spec_dict["subscales"]["neutral"] = {"label": "Neutral"}
    _raises(spec_dict, "a subscale no item belongs to", "key subscales.neutral")


def test_unknown_spec_key(spec_dict):
    spec_dict["items"][2]["reversed"] = True
    _raises(spec_dict, "unknown key 'reversed'.*did you mean 'reverse'", "key items[2].reversed")


def test_duplicate_item_id(spec_dict):
    spec_dict["items"][5]["id"] = spec_dict["items"][4]["id"]
    _raises(spec_dict, "again; expected each item id once", "key items[5].id")


def test_label_code_outside_scale(spec_dict):
    spec_dict["response_scale"]["labels"]["strongly agree"] = 6
    _raises(spec_dict, "code 6; expected a code from 1 to 5")


def test_scale_min_not_below_max(spec_dict):
    spec_dict["response_scale"]["min"] = 5
    _raises(spec_dict, "min smaller than max")


def test_group_value_in_two_groups(spec_dict):
    spec_dict["group"]["levels"]["non_user"] = ["no", "YES"]
    _raises(spec_dict, "also listed for 'user'")


def test_column_in_two_roles(spec_dict):
    spec_dict["covariates"].append("sbs_rom_frequency")
    _raises(spec_dict, "already used as frequency.column")


def test_item_theme_not_in_codebook(spec_dict, codebook):
    spec_dict["items"][0]["theme"] = "objectiveness"
    q = questionnaire_from_dict(spec_dict, "spec.yaml")
    with pytest.raises(InputError, match="key items\\[0\\].theme: found 'objectiveness'"):
        check_item_themes(q, codebook)


def test_codebook_child_code_under_two_themes(codebook_dict):
    codebook_dict["themes"][1]["codes"].append("tracking_progress")
    with pytest.raises(InputError, match="already a child code of 'objectivity'"):
        codebook_from_dict(codebook_dict, "codebook.yaml")


def test_codebook_bad_valence(codebook_dict):
    codebook_dict["themes"][0]["valence"] = "positive"
    with pytest.raises(InputError, match="key themes\\[0\\].valence: found 'positive'; expected one of 'benefit', 'concern', 'other'"):
        validate(codebook_dict, "codebook", "codebook.yaml")


def test_loaders_read_the_files(tmp_path, spec_dict):
    spec_dict["name"] = "Another questionnaire"
    path = tmp_path / "q.yaml"
    path.write_text(yaml.safe_dump(spec_dict), encoding="utf-8")
    assert load_questionnaire(path).name == "Another questionnaire"
    assert load_codebook(CODEBOOK).path == str(CODEBOOK)


def test_any_likert_questionnaire_fits(spec_dict):
    """Three subscales on a 1-7 scale with numeric group codes: nothing is hard-wired."""
    spec = copy.deepcopy(spec_dict)
    spec["response_scale"] = {"min": 1, "max": 7}
    spec["subscales"]["neutral"] = {"label": "Neutral"}
    spec["items"][0]["subscale"] = spec["items"][1]["subscale"] = "neutral"
    spec["group"] = {"column": "uses", "levels": {"a": [1], "b": [0]}}
    del spec["frequency"]
    validate(spec, "questionnaire", "q.yaml")
    q = questionnaire_from_dict(spec, "q.yaml")
    assert list(q.subscales) == ["neutral", "positive_impact", "negative_impact"]
    assert q.reverse_score(2) == 6
    assert q.frequency_column is None


def test_missing_value_code_that_is_an_answer(spec_dict):
    spec_dict["response_scale"]["missing_values"] = ["prefer not to say", 3]
    _raises(spec_dict, "3, which is also an answer on the scale", "key response_scale.missing_values")


def test_short_labels_are_shown_for_items_and_must_differ(spec_dict):
    q = questionnaire_from_dict(spec_dict, "spec.yaml")
    assert q.items[0].label == "Objective view of progress" and q.items[0].id == "pos_objective_progress"
    bare = copy.deepcopy(spec_dict)
    del bare["items"][0]["short"]
    assert questionnaire_from_dict(bare, "spec.yaml").items[0].label == "pos_objective_progress"  # no short label: the id
    twice = copy.deepcopy(spec_dict)
    twice["items"][5]["short"] = twice["items"][2]["short"]
    with pytest.raises(InputError, match=r"items\[5\]\.short.*items\[2\] too"):
        questionnaire_from_dict(twice, "spec.yaml")
    long = copy.deepcopy(spec_dict)
    long["items"][0]["short"] = "x" * 41
    with pytest.raises(InputError, match="short"):
        validate(long, "questionnaire", "spec.yaml")
