"""Drafting a spec from a survey export, and items read from export columns with other names."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from camhs_rom.core.errors import InputError
from camhs_rom.ingest.draft import draft_spec, main
from camhs_rom.ingest.survey import clean_responses
from camhs_rom.instruments.questionnaire import questionnaire_from_dict

from .conftest import write_lines


def test_a_drafted_spec_lists_the_exports_items_with_their_wording(synthetic_dir, questionnaire):
    text = draft_spec(synthetic_dir / "responses.csv")
    assert text.count("FILL IN") >= 2  # what an export cannot say is left for the team
    filled = yaml.safe_load(text.replace("FILL IN", "null"))
    assert filled["id_column"] == "respondent_id"
    assert [i["column"] for i in filled["items"]] == questionnaire.item_ids
    assert [i["text"] for i in filled["items"]] == [i.text for i in questionnaire.items]
    assert {label.lower() for label in filled["response_scale"]["labels"]} == set(questionnaire.labels)


def test_the_drafted_spec_once_filled_in_reads_the_export_as_downloaded(synthetic_dir, questionnaire, tmp_path):
    """The team fills in subscales, codes and the group; the pipeline then reads the export unchanged."""
    spec = yaml.safe_load(draft_spec(synthetic_dir / "responses.csv").replace("FILL IN", "null"))
    spec["response_scale"].update(min=1, max=5, labels={label: questionnaire.labels[label.lower()] for label in spec["response_scale"]["labels"]})
    truth = {i.id: i for i in questionnaire.items}
    for k, item in enumerate(spec["items"], start=1):
        item["id"] = f"belief_{k:02d}"  # the team's own ids, not the export's column names
        item["subscale"], item["reverse"] = truth[item["column"]].subscale, truth[item["column"]].reverse
    spec["group"] = {"column": "currently_uses_sbs_rom", "levels": {"user": ["yes"], "non_user": ["no"]}}
    q = questionnaire_from_dict(spec, tmp_path / "spec.yaml")
    ours = clean_responses(synthetic_dir / "responses.csv", q)
    reference = clean_responses(synthetic_dir / "responses.csv", questionnaire)
    pd.testing.assert_frame_equal(ours.coded[q.item_ids].set_axis(questionnaire.item_ids, axis=1), reference.coded[questionnaire.item_ids])
    pd.testing.assert_frame_equal(ours.scored[q.item_ids].set_axis(questionnaire.item_ids, axis=1), reference.scored[questionnaire.item_ids])
    renamed = ours.audit[ours.audit["rule"] == "column_renamed_to_item_id"]
    assert len(renamed) == 18 and set(renamed["before"]) == set(questionnaire.item_ids)


def test_an_item_column_may_not_be_another_columns(questionnaire):
    from camhs_rom.core.schemas import read_yaml

    spec = read_yaml(questionnaire.path)
    spec["items"][0]["column"] = "team"
    with pytest.raises(InputError, match=r"key items\[0\]\.column: found column 'team', already used as covariates\[0\]"):
        questionnaire_from_dict(spec, "spec.yaml")


def test_the_command_writes_a_file_and_never_overwrites(synthetic_dir, tmp_path, capsys):
    out = tmp_path / "spec.yaml"
    assert main([str(synthetic_dir / "responses.csv"), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("# Drafted from responses.csv")
    assert main([str(synthetic_dir / "responses.csv"), "--out", str(out)]) == 1
    assert "exists; not overwritten" in capsys.readouterr().err
    free_text = write_lines(tmp_path / "free.csv", ["id,comment", "1,It was fine", "2,Too long for me"])
    assert main([str(free_text)]) == 1
    assert "no column whose answers look like a rating scale" in capsys.readouterr().err


def test_codes_on_the_modal_range_are_items_and_a_team_coded_1_to_4_is_not(tmp_path):
    rows = ["rid,team,q1,q2,q3"] + [f"R{k},{k % 4 + 1},{k % 5 + 1},{(k + 1) % 5 + 1},{(k + 2) % 5 + 1}" for k in range(20)]
    spec = yaml.safe_load(draft_spec(write_lines(tmp_path / "e.csv", rows)).replace("FILL IN", "null"))
    assert [i["column"] for i in spec["items"]] == ["q1", "q2", "q3"] and (spec["response_scale"]["min"], spec["response_scale"]["max"]) == (1, 5)
    assert spec["id_column"] == "rid"
