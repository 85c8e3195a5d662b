"""The multiverse: grid, splitting, user definitions, and agreement with the main analysis."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from camhs_rom.core.errors import InputError
from camhs_rom.ingest.survey import clean_responses
from camhs_rom.robustness.multiverse import (
    DECISIONS,
    assigned_scores,
    by_choice,
    check_settings,
    part,
    run_part,
    specifications,
    statements,
    summary,
    user_groups,
)
from camhs_rom.robustness.plan import check_robustness
from camhs_rom.stats.factors import run_efa
from camhs_rom.study2.comparisons import group_comparisons
from camhs_rom.study2.efa import ItemMatrix, efa_data, item_matrix, retention
from camhs_rom.study2.reliability import subscale_scores


@pytest.fixture(scope="module")
def clean(synthetic_dir, questionnaire):
    return clean_responses(synthetic_dir / "responses.csv", questionnaire)


def small_config(config, **grid) -> dict:
    """The config with a smaller grid: Pearson correlations only unless ``grid`` says otherwise."""
    out = copy.deepcopy(config)
    out["robustness"]["multiverse"].update({"correlation": ["pearson"], **grid})
    return out


def test_grid_is_every_combination_in_order(config):
    settings = config["robustness"]["multiverse"]
    specs = specifications(settings)
    assert len(specs) == np.prod([len(settings[d]) for d in DECISIONS])
    assert specs["spec_id"].is_unique and specs["spec_id"].iloc[0] == "S001"
    assert not specs[list(DECISIONS)].duplicated().any()
    # the last decision varies fastest
    assert specs["test"].iloc[: len(settings["test"])].tolist() == settings["test"]


@pytest.mark.parametrize("parts", [1, 2, 3, 7, 324])
def test_parts_cover_the_grid_once_in_order(config, parts):
    specs = specifications(config["robustness"]["multiverse"])
    joined = pd.concat([part(specs, k, parts) for k in range(1, parts + 1)])
    pd.testing.assert_frame_equal(joined, specs)


def test_main_specification_reproduces_the_main_analysis(clean, questionnaire, config):
    cfg = small_config(config, user_definition=["group_item"], correlation=["pearson"], extraction=["minres"], rotation=["oblimin"], retention=["parallel_analysis"], test=["welch_t"], missing=["person_mean"])
    row = run_part(clean.coded, questionnaire, cfg, "responses.csv", 1, 1).iloc[0]
    assert bool(row["is_main"])
    # the factor structure of the main analysis
    data = efa_data(clean.scored, questionnaire.item_ids)
    *_, n_factors = retention(ItemMatrix.pearson(data), config["study2"]["efa"], config["seed"])
    result = run_efa(data, questionnaire.intended_subscales, n_factors, "minres", "oblimin")
    matched = result.congruence[result.congruence["matched"]].set_index("subscale")["congruence"]
    assert row["n_factors"] == n_factors
    assert row["congruence_positive"] == pytest.approx(matched["positive_impact"], abs=1e-12)
    # the comparisons of the main analysis (every item on its intended factor here)
    assert row["positive_items"] == row["negative_items"] == 9
    table, _ = group_comparisons(subscale_scores(clean.scored, questionnaire), questionnaire, 100, 10, 0.95, config["seed"])
    welch = table[table["test"] == "welch_t"].set_index("subscale")
    assert row["positive_p_holm"] == pytest.approx(welch.loc["positive_impact", "p_holm"], rel=1e-12)
    assert row["negative_difference"] == pytest.approx(welch.loc["negative_impact", "mean_difference"], rel=1e-12)


def test_results_do_not_depend_on_how_the_grid_is_split(clean, questionnaire, config):
    cfg = small_config(config, correlation=["pearson"], extraction=["minres", "principal"], rotation=["oblimin"], retention=["parallel_analysis", "kaiser"], test=["welch_t", "permutation"])
    whole = run_part(clean.coded, questionnaire, cfg, "responses.csv", 1, 1)
    pieces = pd.concat([run_part(clean.coded, questionnaire, cfg, "responses.csv", k, 5) for k in range(1, 6)], ignore_index=True)
    pd.testing.assert_frame_equal(whole, pieces)
    assert len(whole) == 2 * 2 * 2 * 1 * 2 * 2
    # Kaiser retains three factors on the default data: the structure claim fails there
    assert not whole.loc[whole["retention"] == "kaiser", "S2-K"].any()
    assert whole.loc[whole["retention"] == "parallel_analysis", "S2-K"].all()


def test_polychoric_specifications_analyse_the_polychoric_matrix(clean, questionnaire, config):
    """The correlation decision reaches the EFA: polychoric rows match the main analysis run with correlation: polychoric."""
    cfg = small_config(config, user_definition=["group_item"], correlation=["pearson", "polychoric"], extraction=["minres"], rotation=["oblimin"], retention=["kaiser"], test=["welch_t"], missing=["person_mean"])
    cfg["study2"]["efa"]["parallel_analysis"]["iterations"] = 20
    rows = run_part(clean.coded, questionnaire, cfg, "responses.csv", 1, 1).set_index("correlation")
    matrix = item_matrix(clean.scored, clean.coded, questionnaire, "polychoric")
    *_, n_factors = retention(matrix, dict(cfg["study2"]["efa"], retention="kaiser"), cfg["seed"])
    result = run_efa(matrix.data, questionnaire.intended_subscales, n_factors, "minres", "oblimin", corr=matrix.corr)
    matched = result.congruence[result.congruence["matched"]].set_index("subscale")["congruence"]
    assert rows.loc["polychoric", "n_factors"] == n_factors
    assert rows.loc["polychoric", "congruence_positive"] == pytest.approx(matched["positive_impact"], abs=1e-12)
    assert rows.loc["polychoric", "congruence_positive"] != rows.loc["pearson", "congruence_positive"]


def test_frequency_user_definition(questionnaire):
    coded = pd.DataFrame({"group": ["user", "non_user", "user", "non_user"], "frequency_code": [5, 4, 3, pd.NA]})
    assert user_groups(coded, questionnaire, "group_item", None).tolist() == ["user", "non_user", "user", "non_user"]
    by_freq = user_groups(coded, questionnaire, "frequency", "often")  # often = level 4 of 5
    assert by_freq.iloc[:3].tolist() == ["user", "user", "non_user"]
    assert pd.isna(by_freq.iloc[3])


def test_settings_the_questionnaire_cannot_give_stop_with_the_key(questionnaire, config):
    settings = dict(config["robustness"]["multiverse"], frequency_threshold="daily")
    with pytest.raises(InputError, match="robustness.multiverse.frequency_threshold.*'daily'.*never"):
        check_settings(settings, questionnaire)


def test_assigned_scores_need_every_assigned_item():
    scored = pd.DataFrame({"a": [1.0, 2.0, np.nan], "b": [3.0, 4.0, 5.0]})
    assert assigned_scores(scored, ["a", "b"]).tolist()[:2] == [2.0, 3.0]
    assert np.isnan(assigned_scores(scored, ["a", "b"]).iloc[2])
    assert assigned_scores(scored, []).isna().all()


def test_summary_counts_and_statements():
    table = pd.DataFrame(
        {
            "spec_id": ["S1", "S2", "S3", "S4"],
            **{d: ["x"] * 4 for d in DECISIONS},
            "is_main": [True, False, False, False],
            "S2-K": [True, True, False, False],
            "S2-G+": pd.array([True, pd.NA, False, True], dtype="boolean"),
            "S2-G-": pd.array([False, False, False, False], dtype="boolean"),
        }
    )
    table["user_definition"] = ["group_item", "group_item", "frequency", "frequency"]
    s = summary(table).set_index("claim")
    assert s.loc["S2-G+", ["specifications", "testable", "supported"]].tolist() == [4, 3, 2]
    assert s.loc["S2-G+", "share_supported"] == pytest.approx(2 / 3)
    assert s.loc["S2-K", "main_analysis"] == "supported" and s.loc["S2-G-", "main_analysis"] == "not supported"
    lines = statements(summary(table), by_choice(table))
    assert "supported by 2 of 4 testable" in lines[0]
    assert r"moves it most is user definition (group\_item 100%, frequency 0%)" in lines[0]  # Markdown: options escaped
    assert "moves it most" not in lines[2]  # no decision changes a claim supported nowhere


def test_power_settings_must_name_the_questionnaires_subscales(questionnaire, config):
    bad = copy.deepcopy(config)
    bad["synthetic"]["study2"]["user_shift"] = {"positiv": 0.5}
    with pytest.raises(InputError, match=r"synthetic.study2.user_shift: found subscales 'positiv', none of them the spec's"):
        check_robustness(bad, questionnaire)
    check_robustness(config, questionnaire)  # the default fits
    # the default spec's subscales left beside a team's (Snakemake merges a --configfile key by key) are ignored
    merged = copy.deepcopy(config)
    merged["synthetic"]["study2"]["user_shift"] = {"positive_impact": 0.8, "openness": 0.3}
    check_robustness(merged, questionnaire)


def test_a_specification_whose_model_cannot_be_fitted_is_not_testable_and_the_grid_goes_on(clean, questionnaire, config, monkeypatch):
    import camhs_rom.robustness.multiverse as mv

    real = mv.run_efa

    def fails_for_ml(data, intended, n_factors, extraction, rotation, corr=None):
        if extraction == "ml":
            raise ValueError("The function value at x=1e-10 is NaN")
        return real(data, intended, n_factors, extraction, rotation, corr=corr)

    monkeypatch.setattr(mv, "run_efa", fails_for_ml)
    cfg = small_config(config, missing=["person_mean"], user_definition=["group_item"], correlation=["pearson"], extraction=["minres", "ml"],
                       rotation=["oblimin"], retention=["parallel_analysis"], test=["welch_t"])
    table = run_part(clean.coded, questionnaire, cfg, "responses.csv", 1, 1).set_index("extraction")
    assert table.loc["ml", "note"] == "no EFA: The function value at x=1e-10 is NaN"
    assert pd.isna(table.loc["ml", "S2-K"]) and pd.isna(table.loc["ml", "S2-G+"]) and pd.isna(table.loc["ml", "S2-G-"])
    assert table.loc["minres", "note"] == "" and bool(table.loc["minres", "S2-K"])
    assert summary(table.reset_index()).set_index("claim").loc["S2-K", "testable"] == 1


def test_a_questionnaire_without_a_frequency_item_runs_the_grid_without_that_user_definition(clean, questionnaire, config):
    import dataclasses

    from camhs_rom.robustness.plan import frequency_threshold

    assert frequency_threshold(config["robustness"]["multiverse"], questionnaire) == "often"  # null: the upper half of the levels
    assert frequency_threshold(dict(config["robustness"]["multiverse"], frequency_threshold="sometimes"), questionnaire) == "sometimes"
    q = dataclasses.replace(questionnaire, frequency_column=None, frequency_levels=())
    cfg = small_config(config, missing=["person_mean"], extraction=["minres"], rotation=["oblimin"], retention=["parallel_analysis"], test=["welch_t"])
    check_robustness(cfg, q, synthetic_model=False)  # no error: the frequency definition is simply not applicable
    table = run_part(clean.coded.drop(columns=["frequency", "frequency_code"]), q, cfg, "responses.csv", 1, 1)
    assert list(table["user_definition"]) == ["group_item"] and table["S2-K"].notna().all()
