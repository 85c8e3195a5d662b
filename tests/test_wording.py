"""Study 2's words come from the questionnaire spec: groups, the scale's ends, what the spec lacks."""

import dataclasses

import pandas as pd

from camhs_rom.instruments.questionnaire import load_questionnaire
from camhs_rom.study2.figures import diverging_responses, group_coefficients
from camhs_rom.study2.wording import difference_words, group_names, scale_ends, study2_lead

from .conftest import ROOT

BFI = load_questionnaire(ROOT / "examples" / "public-data" / "bfi" / "questionnaire.yaml")


def test_the_default_spec_speaks_of_users_on_a_disagree_agree_scale(questionnaire):
    assert group_names(questionnaire) == ("users", "non-users")
    assert scale_ends(questionnaire) == ("strongly disagree", "strongly agree")
    lead = study2_lead(questionnaire)
    assert lead.startswith("Study 2 shows how often respondents answered each level of the frequency item (sbs_rom_frequency)")
    assert lead.endswith("and users against non-users.")


def test_a_team_spec_speaks_of_its_own_groups_scale_and_instrument():
    assert group_names(BFI) == ("graduates", "non-graduates") and difference_words(BFI) == "graduates minus non-graduates"
    assert scale_ends(BFI) == ("very inaccurate", "very accurate")
    lead = study2_lead(BFI)
    assert "frequency" not in lead and "Big Five Inventory items of psych::bfi (SAPA project)" in lead and lead.endswith("graduates against non-graduates.")


def test_unlabelled_groups_and_scale_ends_fall_back_to_ids_and_codes(questionnaire):
    bare = dataclasses.replace(questionnaire, group_labels={}, labels={"agree": 4})
    assert group_names(bare) == ("user", "non user")
    assert scale_ends(bare) == ("1", "5")


def test_figures_name_the_scale_ends_and_the_cluster():
    items = pd.DataFrame({"item": ["a", "b"], "subscale": ["s", "s"], "reverse": [False, True]})
    distribution = pd.DataFrame([[i, code, label, 50.0 if code in (1, 6) else 0.0] for i in ("a", "b")
                                 for code, label in zip(range(1, 7), ["very inaccurate", "x", "y", "z", "w", "very accurate"], strict=True)],
                                columns=["item", "code", "label", "pct"])
    fig = diverging_responses(distribution, items, 1, 6)
    assert fig.axes[0].get_xlabel() == "Respondents (%), towards 'very inaccurate' to the left, towards 'very accurate' to the right"
    models = pd.DataFrame({"model": ["mixed_team"], "outcome": ["s"], "term": ["group: a - b"], "estimate": [0.1], "ci_low": [0.0], "ci_high": [0.2]})
    fig = group_coefficients(models, {"s": "S"}, "a \u2212 b", cluster="study")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["S\nMixed, study random intercept"]
