"""The evidence beside the verdicts: outcome classes, the group claims' evidence columns, the theme rule."""

from __future__ import annotations

import copy
import math

import pandas as pd
import pytest

from camhs_rom.replication.evidence import (
    EVIDENCE_COLUMNS,
    FRAGILE,
    INCONCLUSIVE,
    NO_SIGNAL,
    OPPOSITE,
    SIGNAL,
    bayes_factor_words,
    evidence_in_words,
    group_claim_evidence,
    outcome_class,
)
from camhs_rom.replication.scorecard import NOT_REPRODUCED, NOT_TESTABLE, REPRODUCED, saturation_note, scorecard
from camhs_rom.stats.evidence import jzs_bayes_factor, pooled_t, power_two_sample, tost

from .test_replication import SETTINGS, both_studies, published_tables


@pytest.mark.parametrize(
    ("low", "high", "tost_p", "share", "want"),
    [
        (0.1, 1.1, 0.9, 0.8, SIGNAL),
        (0.1, 1.1, 0.9, 0.3, FRAGILE),
        (0.1, 1.1, 0.9, math.nan, SIGNAL),  # no multiverse: not called fragile
        (-1.1, -0.1, 0.9, 0.0, OPPOSITE),
        (-0.2, 0.25, 0.01, 0.1, NO_SIGNAL),
        (-0.2, 0.9, 0.4, 0.5, INCONCLUSIVE),
        (math.nan, math.nan, math.nan, 0.5, ""),
    ],
)
def test_outcome_classes(low, high, tost_p, share, want):
    assert outcome_class(low, high, tost_p, 0.05, share, 0.5) == want


def group_tables(n=(21, 37), means=(3.9, 3.3), sds=(1.0, 1.0), share=0.7) -> dict:
    """group_comparisons / group_descriptives / multiverse_summary shaped like the pipeline's, one subscale."""
    (n1, n2), (m1, m2), (s1, s2) = n, means, sds
    rows = []
    for test, measure, effect in (("welch_t", "bonett_d", 0.61), ("student_t", "hedges_g", 0.60)):
        rows.append({"subscale": "positive_impact", "test": test, "p": 0.03, "effect_measure": measure, "effect_size": effect,
                     "ci_low": 0.05, "ci_high": 1.15, "group_1": "user", "group_2": "non_user"})
    rows.append({**rows[0], "subscale": "negative_impact", "p": 0.01})
    descriptives = pd.DataFrame({"subscale": ["positive_impact"] * 2, "group": ["user", "non_user"], "n": [n1, n2], "mean": [m1, m2], "sd": [s1, s2]})
    multiverse = pd.DataFrame({"claim": ["S2-G+"], "specifications": [100], "testable": [True], "supported": [share * 100], "share_supported": [share]})
    return {"comparisons": pd.DataFrame(rows), "descriptives": descriptives, "multiverse": multiverse}


def test_group_claim_evidence_is_computed_from_the_groups_summaries():
    got = group_claim_evidence("S2-G+", "positive_impact", group_tables(), SETTINGS)
    assert set(got) == set(EVIDENCE_COLUMNS)
    assert (got["effect"], got["effect_ci_low"], got["effect_ci_high"]) == (0.60, 0.05, 1.15)  # the Student row's Hedges g
    assert got["bonett_d"] == 0.61
    t = pooled_t(3.9, 1.0, 21, 3.3, 1.0, 37)
    assert got["bayes_factor_10"] == pytest.approx(jzs_bayes_factor(t, 21, 37))
    assert got["equivalence_p"] == pytest.approx(tost(0.6, 1.0, 21, 1.0, 37, SETTINGS["sesoi"] * 1.0)[2])
    # Holm over the two subscales the welch_t rows hold: one-sided at alpha / 4
    assert got["power_at_sesoi"] == pytest.approx(power_two_sample(SETTINGS["sesoi"], 21, 37, SETTINGS["alpha"] / 4))
    assert got["multiverse_share"] == 0.7 and got["sesoi"] == SETTINGS["sesoi"] and got["outcome"] == SIGNAL


def test_a_large_null_sample_is_no_signal_and_a_low_multiverse_share_fragile():
    tables = group_tables(n=(400, 400), means=(3.01, 3.0))
    tables["comparisons"][["effect_size", "ci_low", "ci_high"]] = [0.01, -0.13, 0.15]
    got = group_claim_evidence("S2-G+", "positive_impact", tables, SETTINGS)
    assert got["equivalence_p"] < 0.001 and got["outcome"] == NO_SIGNAL and got["bayes_factor_10"] < 1 / 10
    assert group_claim_evidence("S2-G+", "positive_impact", group_tables(share=0.2), SETTINGS)["outcome"] == FRAGILE
    wider = dict(SETTINGS, fragile_share=0.1)
    assert group_claim_evidence("S2-G+", "positive_impact", group_tables(share=0.2), wider)["outcome"] == SIGNAL


def test_a_group_of_one_gives_no_bayes_factor_or_power():
    got = group_claim_evidence("S2-G+", "positive_impact", group_tables(n=(1, 30)), SETTINGS)
    assert math.isnan(got["bayes_factor_10"]) and math.isnan(got["power_at_sesoi"]) and math.isnan(got["equivalence_p"])


def scored(tables: dict, settings=SETTINGS, **kwargs) -> pd.DataFrame:
    return scorecard(tables, settings, "parallel_analysis", both_studies("test data"), **kwargs).set_index("claim_id")


def with_group_evidence() -> dict:
    tables = published_tables()
    extra = group_tables()
    negative = extra["descriptives"].assign(subscale="negative_impact")
    student = extra["comparisons"].iloc[[1]].assign(subscale="negative_impact")
    tables["comparisons"] = pd.concat([tables["comparisons"].assign(p=0.01, group_1="user", group_2="non_user"), student, extra["comparisons"].iloc[[1]]])
    tables["descriptives"] = pd.concat([extra["descriptives"], negative])
    tables["multiverse"] = pd.concat([extra["multiverse"], extra["multiverse"].assign(claim="S2-G-", share_supported=0.3)])
    return tables


def test_the_scorecard_fills_the_evidence_for_group_claims_only_and_keeps_the_verdicts():
    card = scored(with_group_evidence())
    plain = scored(published_tables())
    assert (card["verdict"] == plain["verdict"]).all()  # the evidence never changes a verdict
    assert card.loc["S2-G+", "outcome"] == SIGNAL and card.loc["S2-G-", "outcome"] == FRAGILE
    others = card.drop(index=["S2-G+", "S2-G-"])
    assert others[[c for c in EVIDENCE_COLUMNS if c != "outcome"]].isna().all().all() and (others["outcome"] == "").all()
    assert "group_descriptives.csv" in card.loc["S2-G+", "evidence"] and "multiverse_summary.csv" in card.loc["S2-G+", "evidence"]


def test_evidence_in_words_says_each_piece():
    row = group_claim_evidence("S2-G+", "positive_impact", group_tables(share=0.3), SETTINGS) | {"fragile_share": 0.5}
    words = evidence_in_words(row, ("users", "non-users"))
    assert "Hedges' g = 0.60, 95% CI [0.05, 1.15]" in words and "fragile signal" in words
    assert "BF\u2081\u2080 = " in words and "two one-sided tests, p = " in words and "30.0% of the multiverse" in words and "power to detect g = 0.40" in words
    assert bayes_factor_words(0.05).endswith("strong evidence for no difference over the claimed direction")
    assert "anecdotal" in bayes_factor_words(1.5) and "extreme" in bayes_factor_words(250)
    assert evidence_in_words({"outcome": ""}).startswith("No evidence")


def theme_tables(n_participants, n_groups, participants_per_group=(4, 4, 4)) -> dict:
    tables = published_tables()
    groups = [f"FG{g + 1}" for g, size in enumerate(participants_per_group) for _ in range(size)]
    tables["participants"] = pd.DataFrame({"participant_id": [f"P{k:02d}" for k in range(len(groups))], "group_id": groups})
    tables["tallies"].loc[0, ["n_participants", "n_groups"]] = [n_participants, n_groups]
    return tables


def test_theme_rule_share_of_participants_and_groups():
    assert scored(theme_tables(3, 2)).loc["S1-T1", "verdict"] == REPRODUCED  # 3 of 12 = 25%, two groups
    assert scored(theme_tables(2, 2)).loc["S1-T1", "verdict"] == NOT_REPRODUCED  # 17%
    assert scored(theme_tables(6, 1)).loc["S1-T1", "verdict"] == NOT_REPRODUCED  # one group's view
    lenient = copy.deepcopy(SETTINGS)
    lenient["theme_rule"] = {"participant_share": 0.05, "groups": 1}
    card = scored(theme_tables(1, 1), lenient)
    assert card.loc["S1-T1", "verdict"] == REPRODUCED and "at least 5% of the participants (1 of 12)" in card.loc["S1-T1", "criterion"]


def test_one_focus_group_cannot_test_a_two_group_rule():
    card = scored(theme_tables(4, 1, participants_per_group=(12,)))
    assert card.loc["S1-T1", "verdict"] == NOT_TESTABLE and "the rule asks for 2" in card.loc["S1-T1", "replicated"]


def test_saturation_beside_the_theme_verdict():
    saturation = pd.DataFrame({"order": [1, 2, 3], "transcript_id": ["a", "b", "c"], "new_themes": [4, 1, 0],
                               "new_theme_ids": ["objectivity;collaboration;empowerment;service_use_of_data", "adverse_session_influence", ""]})
    assert saturation_note("adverse_session_influence", saturation) == "first coded in transcript 2 of 3; no new theme after transcript 2 of 3"
    assert saturation_note("objectivity", saturation.iloc[:2]).endswith("the last transcript still added a theme")
    tables = published_tables() | {"saturation": saturation}
    card = scored(tables)
    assert "first coded in transcript 1 of 3" in card.loc["S1-T1", "replicated"] and card.loc["S1-T1", "evidence"].endswith("saturation.csv")
