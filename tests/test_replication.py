"""The scorecard: all claims reproduced on the default; verdicts flip on crafted results."""

import pandas as pd
import pytest
import yaml

from camhs_rom.replication.scorecard import NOT_REPRODUCED, NOT_TESTABLE, REPRODUCED, SCORECARD_COLUMNS, scorecard

from .conftest import ROOT

SETTINGS = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))["replication"]
THEMES = list(SETTINGS["themes"])


def both_studies(label: str) -> dict:
    """provenance.json's ``studies`` record of a run that includes both studies."""
    return {s: {"included": True, "reason": "", "synthetic": False, "data_label": label} for s in ("study1", "study2")}


def published_tables() -> dict:
    """Result tables shaped like the pipeline's, holding what the paper reports."""
    participants = pd.DataFrame({"participant_id": [f"P{k:02d}" for k in range(12)], "group_id": ["FG1"] * 4 + ["FG2"] * 4 + ["FG3"] * 4})
    tallies = pd.DataFrame(
        {"theme": THEMES, "valence": list(SETTINGS["themes"].values()), "n_participants": [5, 6, 4, 7, 8], "pct_participants": [41.7, 50, 33.3, 58.3, 66.7], "n_groups": [3] * 5}
    )
    sample = pd.DataFrame(
        {
            "variable": ["group", "group", "team", "team", "team", "team"],
            "level": ["user", "non_user", "A", "B", "C", "D"],
            "n": [21, 38, 15, 15, 15, 14],
            "pct": [0] * 6,
        }
    )
    frequency = pd.DataFrame({"level": ["never", "almost always"], "n": [55, 4], "pct": [93.2, 6.78], "ci_low": [83.8, 2.67], "ci_high": [97.3, 16.2], "code": [1, 5], "n_answered": [59, 59]})
    n_factors = pd.DataFrame({"rule": ["parallel_analysis", "map", "kaiser", "used"], "n_factors": [2, 2, 3, 2]})
    congruence = pd.DataFrame(
        {"factor": ["positive_impact", "negative_impact"], "subscale": ["positive_impact", "negative_impact"], "congruence": [0.98, 0.97], "matched": [True, True]}
    )
    flags = pd.DataFrame({"item": ["a", "b"], "misplaced": [False, False]})
    comparisons = pd.DataFrame(
        {
            "subscale": ["positive_impact", "negative_impact"],
            "test": ["welch_t", "welch_t"],
            "mean_difference": [0.6, 0.7],
            "effect_measure": ["bonett_d", "bonett_d"],
            "effect_size": [0.6, 0.8],
            "ci_low": [0.1, 0.3],
            "ci_high": [1.1, 1.3],
            "p_holm": [0.03, 0.004],
        }
    )
    return {
        "participants": participants, "tallies": tallies, "sample": sample, "frequency": frequency,
        "n_factors": n_factors, "congruence": congruence, "flags": flags, "comparisons": comparisons,
    }


def verdicts(tables, rule="parallel_analysis"):
    card = scorecard(tables, SETTINGS, rule, both_studies("test data"))
    assert list(card.columns) == SCORECARD_COLUMNS
    return card.set_index("claim_id")["verdict"]


def test_every_claim_is_listed_and_reproduced_on_published_values():
    got = verdicts(published_tables())
    assert list(got.index) == ["S1-N", "S1-T1", "S1-T2", "S1-T3", "S1-T4", "S1-T5", "S2-N", "S2-F", "S2-K", "S2-G+", "S2-G-"]
    assert (got == REPRODUCED).all()


def test_users_lower_on_positive_impact_is_not_reproduced():
    tables = published_tables()
    tables["comparisons"].loc[0, "mean_difference"] = -0.6
    got = verdicts(tables)
    assert got["S2-G+"] == NOT_REPRODUCED and got["S2-G-"] == REPRODUCED


def test_non_significant_difference_is_not_reproduced():
    tables = published_tables()
    tables["comparisons"].loc[1, "p_holm"] = 0.2
    assert verdicts(tables)["S2-G-"] == NOT_REPRODUCED


def test_three_factors_or_a_misplaced_item_is_not_reproduced():
    tables = published_tables()
    tables["n_factors"].loc[0, "n_factors"] = 3
    assert verdicts(tables)["S2-K"] == NOT_REPRODUCED
    assert verdicts(published_tables(), rule="kaiser")["S2-K"] == NOT_REPRODUCED  # Kaiser gives 3 here
    tables = published_tables()
    tables["flags"].loc[0, "misplaced"] = True
    assert verdicts(tables)["S2-K"] == NOT_REPRODUCED


def test_s2k_cites_the_confirmatory_fit_without_changing_the_verdict():
    tables = published_tables()
    tables["cfa_fit"] = pd.DataFrame(
        {"estimator": ["ml", "wlsmv"], "cfi": [0.81, 0.9], "rmsea": [0.12, 0.2], "cfi_scaled": [None, 0.93], "rmsea_scaled": [None, 0.07]}
    )
    card = scorecard(tables, SETTINGS, "parallel_analysis", both_studies("test data")).set_index("claim_id")
    assert card.loc["S2-K", "verdict"] == REPRODUCED  # a poor CFA fit is evidence, not the criterion
    assert card.loc["S2-K", "replicated"].endswith("intended-model CFA: ML CFI .81, RMSEA .12; WLSMV (scaled) CFI .93, RMSEA .07")
    assert card.loc["S2-K", "evidence"] == "results/study2/n_factors.csv; results/study2/cfa_fit.csv"
    tables["cfa_fit"] = tables["cfa_fit"].assign(cfi_robust=[None, 0.88], rmsea_robust=[None, 0.09])  # preferred where defined
    card = scorecard(tables, SETTINGS, "parallel_analysis", both_studies("test data")).set_index("claim_id")
    assert card.loc["S2-K", "replicated"].endswith("intended-model CFA: ML CFI .81, RMSEA .12; WLSMV (robust) CFI .88, RMSEA .09")
    tables["cfa_fit"][["cfi", "cfi_scaled", "cfi_robust"]] = float("nan")
    card = scorecard(tables, SETTINGS, "parallel_analysis", both_studies("test data")).set_index("claim_id")
    assert card.loc["S2-K", "replicated"].endswith("intended-model CFA not fitted")


def test_sample_and_frequency_claims_flip():
    tables = published_tables()
    tables["sample"].loc[1, "n"] = 50
    tables["frequency"].loc[1, ["ci_low", "ci_high"]] = [10.0, 30.0]
    got = verdicts(tables)
    assert got["S2-N"] == NOT_REPRODUCED and got["S2-F"] == NOT_REPRODUCED


def test_missing_instruments_make_claims_not_testable():
    tables = published_tables()
    tables["frequency"] = None  # a questionnaire without the frequency item
    tables["tallies"] = tables["tallies"][tables["tallies"].theme != "empowerment"]  # a codebook without the theme
    tables["comparisons"] = tables["comparisons"].iloc[:1]
    got = verdicts(tables)
    assert got["S2-F"] == NOT_TESTABLE and got["S1-T3"] == NOT_TESTABLE and got["S2-G-"] == NOT_TESTABLE
    assert got["S2-G+"] == REPRODUCED


def test_undefined_statistics_make_a_claim_not_testable_never_not_reproduced():
    """A share of nobody (the frequency item unanswered) or an undefined test is no evidence against a claim."""
    tables = published_tables()
    tables["frequency"] = tables["frequency"].assign(n=0, pct=float("nan"), ci_low=float("nan"), ci_high=float("nan"), n_answered=0)
    tables["comparisons"].loc[1, "p_holm"] = float("nan")
    card = scorecard(tables, SETTINGS, "parallel_analysis", both_studies("x")).set_index("claim_id")
    assert card.loc["S2-F", "verdict"] == NOT_TESTABLE and "nan" not in card.loc["S2-F", "replicated"]
    assert card.loc["S2-G-", "verdict"] == NOT_TESTABLE and card.loc["S2-G+", "verdict"] == REPRODUCED


def test_theme_absent_from_the_data_or_with_another_valence():
    tables = published_tables()
    tables["tallies"].loc[0, "n_participants"] = 0
    tables["tallies"].loc[3, "valence"] = "benefit"
    got = verdicts(tables)
    assert got["S1-T1"] == NOT_REPRODUCED and got["S1-T4"] == NOT_REPRODUCED


def test_participant_count():
    tables = published_tables()
    tables["participants"] = tables["participants"].iloc[:10]
    assert verdicts(tables)["S1-N"] == NOT_REPRODUCED


@pytest.mark.parametrize("claim", ["S2-G+", "S2-G-"])
def test_group_claims_say_what_was_found(claim):
    card = scorecard(published_tables(), SETTINGS, "parallel_analysis", both_studies("x")).set_index("claim_id")
    assert "Holm-adjusted p = " in card.loc[claim, "replicated"] and card.loc[claim, "evidence"].startswith("results/study2/group_comparisons.csv")


@pytest.mark.parametrize("study", ["study1", "study2"])
def test_a_study_left_out_of_the_run_makes_its_claims_not_testable_with_the_reason(study):
    studies = both_studies("User-supplied data")
    studies[study] = {"included": False, "reason": "its config section is null", "synthetic": False, "data_label": ""}
    tables = {k: v for k, v in published_tables().items() if (k in ("participants", "tallies")) == (study == "study2")}
    card = scorecard(tables, SETTINGS, "parallel_analysis", studies)
    prefix = "S1" if study == "study1" else "S2"
    mine, other = card[card["claim_id"].str.startswith(prefix)], card[~card["claim_id"].str.startswith(prefix)]
    assert len(card) == 11 and len(mine) == (6 if study == "study1" else 5)
    assert mine["verdict"].eq("not_testable").all() and mine["evidence"].eq("").all() and mine["data_label"].eq("").all()
    name = "Study 1" if study == "study1" else "Study 2"
    assert mine["replicated"].eq(f"{name} was not part of this run: its config section is null").all()
    assert other["verdict"].eq("reproduced").all() and other["data_label"].eq("User-supplied data").all()


def test_claims_are_worded_in_the_studys_own_terms_beside_the_papers(questionnaire, codebook):
    """A sex comparison on 'Neuroticism' is not called 'users hold stronger positive beliefs' only."""
    import dataclasses

    from camhs_rom.replication.scorecard import terms_here

    q = dataclasses.replace(questionnaire, group_levels={"female": ("2",), "male": ("1",)}, group_labels={"female": "women", "male": "men"},
                            subscales={"positive_impact": "Neuroticism", "negative_impact": "Agreeableness"}, cluster_column=None)
    terms = terms_here(SETTINGS, q, codebook)
    assert terms["S2-G+"] == "women > men on 'Neuroticism'" and terms["S2-G-"] == "women > men on 'Agreeableness'"
    assert terms["S2-F"] == "share answering 'almost always' to 'sbs_rom_frequency'"
    assert terms["S2-N"] == "respondents after cleaning (no cluster column)"
    assert terms["S1-T1"] == f"codebook theme '{codebook.theme('objectivity').label}' (objectivity)"
    card = scorecard(published_tables(), SETTINGS, "parallel_analysis", both_studies("x"), terms, ("women", "men")).set_index("claim_id")
    assert card.loc["S2-G+", "claim"] == "users hold stronger positive beliefs than non-users"  # the paper's words stay
    assert card.loc["S2-G+", "in_this_study"] == "women > men on 'Neuroticism'"
    assert card.loc["S2-G+", "criterion"].startswith("positive_impact: difference women - men > 0 with Holm-adjusted welch_t p")


def test_claims_the_inputs_cannot_test_are_known_before_the_run(config, questionnaire, codebook):
    """The default instruments can test every claim; roles and themes they lack are named with the reason."""
    from camhs_rom.replication.roles import untestable_claims
    from camhs_rom.robustness.summary import power_skipped

    assert untestable_claims(config["replication"], questionnaire, codebook) == []
    assert power_skipped(config["replication"], questionnaire.subscales) is None
    settings = {**config["replication"], "subscales": {"positive": "positive_impact", "negative": "mood"},
                "themes": {**config["replication"]["themes"], "trust": "benefit"}}
    found = dict(untestable_claims(settings, questionnaire, codebook))
    assert set(found) == {"S1-T6", "S2-K", "S2-G-"}
    assert "'trust'" in found["S1-T6"] and "replication.subscales.negative names 'mood'" in found["S2-G-"]
    sentence = power_skipped(settings, questionnaire.subscales)
    assert sentence.startswith("Not simulated: S2-K, S2-G-") and "'mood' (negative), which is not a subscale" in sentence
    none = power_skipped({**settings, "subscales": {"positive": "a", "negative": "b"}}, questionnaire.subscales)
    assert none.startswith("No power simulation") and "S2-K, S2-G+, S2-G-" in none
