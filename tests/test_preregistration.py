"""Preregistration and deviations: the frozen record, the comparison, the documents, and the whole life end to end."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import zipfile

import pandas as pd
import pytest
import yaml

from camhs_rom.core.errors import InputError
from camhs_rom.core.provenance import code_digest
from camhs_rom.core.schemas import with_defaults
from camhs_rom.core.studies import preregistering
from camhs_rom.replication.prereg_document import to_markdown, write_docx
from camhs_rom.replication.preregister_cli import command
from camhs_rom.replication.preregistration import (
    FORMAT,
    claims_of,
    compared,
    deviation_flags,
    deviations,
    flatten,
    frozen_record,
    read_frozen,
    simulation_config,
)
from camhs_rom.replication.recipe import FOR_AUTHORS, ITEMS, recipe_answers
from camhs_rom.stats.evidence import power_two_sample

from .conftest import ROOT
from .test_pipeline_e2e import snakemake, workflow_copy

CONFIG = with_defaults(yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8")), "config")
INSTRUMENTS = {"questionnaire": {"path": "q.yaml", "sha256": "a" * 64}, "codebook": {"path": "c.yaml", "sha256": "b" * 64}}


def frozen(config=CONFIG) -> dict:
    return json.loads(json.dumps(frozen_record(config, INSTRUMENTS, "c0de", {})))


def test_flatten_writes_text_as_text_and_the_rest_as_json():
    assert flatten({"a": {"b": "x", "c": [1, 2]}, "d": None, "e": {}}) == {"a.b": "x", "a.c": "[1, 2]", "d": "null", "e": "{}"}


def test_compared_leaves_out_data_paths_instruments_and_the_simulation_assumptions():
    keys = compared(CONFIG)
    assert "study2.efa.rotation" in keys and "replication.sesoi" in keys and "seed" in keys
    assert not any(k.startswith("synthetic.") for k in keys)
    for left_out in ("study2.responses", "study1.segments", "study2.questionnaire", "study1.codebook", "replication.preregistration"):
        assert left_out not in keys


def test_no_deviation_when_nothing_changed_even_the_data_paths():
    config = copy.deepcopy(CONFIG)
    config["study2"]["responses"] = "data/ours.csv"
    config["synthetic"]["study2"]["n_respondents"] = 500
    config["replication"]["preregistration"] = "plan.json"
    assert deviations(frozen(), config, INSTRUMENTS, "c0de").empty


def test_every_changed_setting_instrument_and_code_is_one_row_with_the_claims_it_can_move():
    config = copy.deepcopy(CONFIG)
    config["study2"]["efa"]["rotation"] = "promax"
    config["replication"]["alpha"] = 0.01
    config["study1"]["quotes"]["per_theme"] = 5
    changed = dict(INSTRUMENTS, questionnaire={"path": "q.yaml", "sha256": "f" * 64})
    table = deviations(frozen(), config, changed, "other").set_index("key")
    assert table.loc["study2.efa.rotation", ["preregistered", "used", "claims"]].tolist() == ["oblimin", "promax", "S2-K"]
    assert table.loc["replication.alpha", "claims"] == "S2-G+;S2-G-"
    assert table.loc["study1.quotes.per_theme", "claims"] == ""  # shown, but moves no verdict
    assert table.loc["questionnaire (SHA-256 of its content)", "claims"] == "S2-N;S2-F;S2-K;S2-G+;S2-G-"
    assert table.loc["code: SHA-256 of the workflow and package", "claims"] == "all"
    assert len(table) == 5
    flags = deviation_flags(table.reset_index(), ["S1-T1", "S2-K", "S2-G+"])
    assert flags["S1-T1"] == "code: SHA-256 of the workflow and package"
    assert "study2.efa.rotation" in flags["S2-K"] and "replication.alpha" not in flags["S2-K"] and "replication.alpha" in flags["S2-G+"]


def test_a_study_dropped_after_preregistration_is_a_deviation():
    config = copy.deepcopy(CONFIG)
    config["study1"] = None
    table = deviations(frozen(), config, {"questionnaire": INSTRUMENTS["questionnaire"]}, "c0de").set_index("key")
    assert table.values.tolist() == [["included", "null", "S1-N;S1-T*"]]


def test_claims_of_takes_the_most_specific_prefix():
    assert claims_of("study2.efa.rotation") == "S2-K"
    assert claims_of("replication.theme_rule.groups") == "S1-T*"
    assert claims_of("study2.bootstrap.resamples") == "" and claims_of("report") == ""


def test_read_frozen_refuses_what_is_not_a_preregistration(tmp_path):
    bad = tmp_path / "plan.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not readable JSON"):
        read_frozen(bad)
    bad.write_text(json.dumps({"format": "something else", "config": {}}), encoding="utf-8")
    with pytest.raises(InputError, match=f"a preregistration record \\(format '{FORMAT}'\\)"):
        read_frozen(bad)
    bad.write_text(json.dumps([1, 2]), encoding="utf-8")
    with pytest.raises(InputError, match="a JSON list"):
        read_frozen(bad)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(frozen()), encoding="utf-8")
    assert read_frozen(good)["format"] == FORMAT


def test_simulation_config_points_the_data_at_the_generator_and_the_instruments_at_their_copies():
    config = copy.deepcopy(CONFIG)
    config["study2"]["responses"] = "data/ours.csv"
    config["study1"]["participant_map"] = "data/map.csv"
    config["replication"]["preregistration"] = "plan.json"
    plan = simulation_config(config, {"study2.questionnaire": "spec.yaml", "study1.codebook": "codebook.yaml"})
    assert plan["study2"]["responses"] == "data/synthetic/study2/responses.csv" and plan["study2"]["questionnaire"] == "instruments/spec.yaml"
    assert plan["study1"]["segments"] == "data/synthetic/study1/coded_segments.csv" and plan["study1"]["participant_map"] is None
    assert plan["replication"]["preregistration"] is None and config["study2"]["responses"] == "data/ours.csv"  # input untouched


def test_preregistering_reads_the_targets():
    assert preregistering(["preregistration"]) and preregistering(["results/preregistration/preregistration.md"])
    assert not preregistering([]) and not preregistering(["all", "--cores", "2"])
    assert command(["my.yaml"], 3)[3:] == ["preregistration", "--snakefile", "Snakefile", "--cores", "3", "--configfile", "my.yaml"]


def test_code_digest_changes_with_any_code_file(tmp_path):
    for name in ("Snakefile", "workflow/rules/a.smk", "notebooks/n.ipynb", "pkg/m.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name, encoding="utf-8")
    before = code_digest(tmp_path, tmp_path / "pkg")
    assert before == code_digest(tmp_path, tmp_path / "pkg")
    (tmp_path / "workflow/rules/a.smk").write_text("changed", encoding="utf-8")
    assert code_digest(tmp_path, tmp_path / "pkg") != before


def test_recipe_answers_every_item_and_leaves_the_rest_for_the_authors():
    plan = dict.fromkeys(["claims", "original_n", "target_n", "rationale", "measures", "exclusions", "analysis", "success", "deviations_rule"], "x")
    answers = recipe_answers(plan)
    assert [a[0] for a in answers] == list(range(1, 37)) == [n for n, _ in ITEMS]
    assert answers[14][3] == "x" and answers[1][3] == FOR_AUTHORS  # 15 target sample; 2 why it matters
    assert answers[0][1] == "The nature of the effect" and answers[35][1] == "Reporting the replication (post-study)"


def test_documents_escape_user_text_and_are_byte_identical(tmp_path):
    blocks = [("h1", "Plan"), ("p", "<script>alert(1)</script> *x*"), ("table", ["a", "b"], [["|pipe|", "<b>"]])]
    md = to_markdown(blocks)
    assert "<script>" not in md and r"\<script\>" in md and r"\|pipe\|" in md
    write_docx(blocks, tmp_path / "a.docx", "Plan")
    write_docx(blocks, tmp_path / "b.docx", "Plan")
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()
    from docx import Document

    document = Document(str(tmp_path / "a.docx"))
    assert document.tables[0].cell(1, 0).text == "|pipe|" and "<script>" in document.paragraphs[1].text
    assert {i.date_time for i in zipfile.ZipFile(tmp_path / "a.docx").infolist()} == {(2015, 11, 4, 0, 0, 0)}


@pytest.mark.e2e
@pytest.mark.pipeline
def test_preregister_on_a_public_spec_then_run_with_data_and_a_deviation(tmp_path):
    """psych::bfi's spec (examples/public-data/bfi) before any data: the plan; then its first 400 respondents, with
    no change (the report says there is no deviation) and with one (exactly that one is listed)."""
    work = workflow_copy(tmp_path / "team")
    (work / "team").mkdir()
    spec = work / "team" / "questionnaire.yaml"
    spec.write_bytes((ROOT / "examples" / "public-data" / "bfi" / "questionnaire.yaml").read_bytes())
    plan = {
        "seed": 2010, "study1": None,
        "study2": {"questionnaire": "team/questionnaire.yaml", "responses": "team/responses.csv"},
        "replication": {"subscales": {"positive": "openness", "negative": "neuroticism"}},
        "synthetic": {"study2": {"n_respondents": 150, "user_shift": {"openness": 0.3, "neuroticism": 0.2},
                                 "covariates": {"gender": {"levels": {"male": 1, "female": 2}}, "age": {"mean": 30, "sd": 10, "min": 16, "max": 80}}}},
    }
    (work / "plan.yaml").write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "camhs_rom.replication.preregister_cli", "--configfile", "plan.yaml", "robustness_small.yaml",
                           "--cores", "2"], cwd=work, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    out = work / "results" / "preregistration"
    record = json.loads((out / "preregistration.json").read_text(encoding="utf-8"))
    assert record["format"] == FORMAT and record["studies"] == ["study2"] and record["sample_size"]["study2"]["planned_respondents"] == 150
    text = (out / "preregistration.md").read_text(encoding="utf-8")
    assert "## 2. Planned sample and its justification" in text and "Study 2: 150 respondents" in text and "Replication Recipe" in text
    assert "openness" in text and not (work / "data" / "synthetic").exists() and not (work / "team" / "responses.csv").exists()
    assert (out / "simulated_run" / "results" / "replication" / "scorecard.csv").is_file()

    bfi = pd.read_csv(ROOT / "examples" / "public-data" / "bfi" / "bfi.csv", dtype=str, keep_default_na=False).head(400)
    bfi.to_csv(work / "team" / "responses.csv", index=False)
    (work / "run.yaml").write_text("replication:\n  preregistration: results/preregistration/preregistration.json\n", encoding="utf-8")
    done = snakemake(work, "--configfile", "plan.yaml", "robustness_small.yaml", "run.yaml")
    assert done.returncode == 0, done.stderr[-3000:]
    assert pd.read_csv(work / "results" / "replication" / "deviations.csv").empty
    # the evidence on five subscales: Hedges' g from the comparisons' Student row, power with Holm over all five
    card = pd.read_csv(work / "results" / "replication" / "scorecard.csv").set_index("claim_id")
    comparisons = pd.read_csv(work / "results" / "study2" / "group_comparisons.csv")
    student = comparisons[(comparisons["subscale"] == "openness") & (comparisons["test"] == "student_t")].iloc[0]
    assert card.loc["S2-G+", "effect"] == pytest.approx(student["effect_size"]) and comparisons["subscale"].nunique() == 5
    assert card.loc["S2-G+", "power_at_sesoi"] == pytest.approx(power_two_sample(0.4, int(student["n_1"]), int(student["n_2"]), 0.05 / 10))
    bf = card.loc["S2-G+", "bayes_factor_10"]
    assert 0 < bf < float("inf") and (student["effect_size"] > 0 or bf < 1) and card.loc["S2-G+", "outcome"] != ""
    # against R on the same respondents, scored there as the spec says (tests/fixtures/evidence/bfi400.R): Bayes factor
    # to a relative 1e-4, the equivalence p and the power to 1e-6
    reference = json.loads((ROOT / "tests" / "fixtures" / "evidence" / "bfi400.json").read_text(encoding="utf-8"))
    for claim, subscale in (("S2-G+", "openness"), ("S2-G-", "neuroticism")):
        assert card.loc[claim, "bayes_factor_10"] == pytest.approx(reference[subscale]["bf10"], rel=1e-4)
        assert card.loc[claim, "equivalence_p"] == pytest.approx(reference[subscale]["equivalence_p"], abs=1e-6)
        assert card.loc[claim, "power_at_sesoi"] == pytest.approx(reference[subscale]["power"], abs=1e-6)
    assert card.loc["S2-G+", "outcome"] == "signal" and card.loc["S2-G-", "outcome"] == "no signal"  # graduates: no more neurotic
    page = (work / "results" / "report.html").read_text(encoding="utf-8")
    assert "No deviation from the preregistration results/preregistration/preregistration.json" in page

    (work / "run.yaml").write_text("replication:\n  preregistration: results/preregistration/preregistration.json\nstudy2:\n  efa: {rotation: promax}\n",
                                   encoding="utf-8")
    done = snakemake(work, "--configfile", "plan.yaml", "robustness_small.yaml", "run.yaml")
    assert done.returncode == 0, done.stderr[-3000:]
    table = pd.read_csv(work / "results" / "replication" / "deviations.csv", keep_default_na=False)
    assert table.values.tolist() == [["study2.efa.rotation", "oblimin", "promax", "S2-K"]]
    card = pd.read_csv(work / "results" / "replication" / "scorecard.csv", keep_default_na=False).set_index("claim_id")
    assert card.loc["S2-K", "deviation"] == "study2.efa.rotation" and card.loc["S2-G+", "deviation"] == ""
    page = (work / "results" / "report.html").read_text(encoding="utf-8")
    assert "Deviations From the Preregistration" in page and "No deviation from the preregistration" not in page


def test_the_settings_digest_moves_with_a_compared_setting_only():
    from camhs_rom.replication.preregistration import settings_digest

    config = copy.deepcopy(CONFIG)
    config["study2"]["responses"] = "elsewhere.csv"
    assert settings_digest(config) == frozen()["config_digest"]
    config["replication"]["sesoi"] = 0.3
    assert settings_digest(config) != frozen()["config_digest"]
