"""Invariance of ordered items (WLSMV, theta parameterisation, Wu & Estabrook, 2016) against lavaan and semTools.

Known answers: tests/fixtures/lavaan/ordinal_invariance.R (lavaan 0.6.14 with semTools 0.5.6's measEq.syntax,
R 4.2.2) on ten bfi items (A1-A5, C1-C5) of the 2,632 respondents who answered all ten, by gender. Tolerance
1e-3 (absolute; chi-squares relative); measured at about 2e-7 relative.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from camhs_rom.instruments.questionnaire import load_questionnaire
from camhs_rom.stats.categorical_cfa import fit_dwls, ordinal_moments
from camhs_rom.stats.cfa import Clusters
from camhs_rom.stats.ordinal_invariance import ORDINAL_LEVELS, _Layout, check_categories, fit_ordinal_level, satorra_2000
from camhs_rom.study2.efa import keyed_codes
from camhs_rom.study2.ordinal_invariance import ordinal_invariance, ordinal_verdict

from .conftest import ROOT

ITEMS = [f"A{k}" for k in range(1, 6)] + [f"C{k}" for k in range(1, 6)]
CLUSTERS = Clusters.from_mapping({"agree": ITEMS[:5], "consc": ITEMS[5:]})
SETTINGS = {"acceptable_cfi": 0.9, "acceptable_rmsea": 0.08, "delta_cfi": 0.01, "delta_rmsea": 0.015, "advised_group_n": 100}


@pytest.fixture(scope="module")
def bfi():
    data = pd.read_csv(ROOT / "examples" / "public-data" / "bfi" / "bfi.csv")
    return data.dropna(subset=[*ITEMS, "gender"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def fits(bfi):
    moments = [ordinal_moments(bfi.loc[bfi["gender"] == g, ITEMS], full=True) for g in ("female", "male")]
    return {level: fit_ordinal_level(CLUSTERS, moments, level) for level in ORDINAL_LEVELS}


@pytest.fixture(scope="module")
def lavaan():
    table = pd.read_csv(ROOT / "tests" / "fixtures" / "lavaan" / "ordinal_invariance.csv")
    return {model: dict(zip(rows["measure"], rows["value"], strict=True)) for model, rows in table.groupby("model")}


@pytest.mark.parametrize("level", list(ORDINAL_LEVELS))
def test_the_analytic_jacobian_is_the_models_derivative(level):
    """Every free parameter of both groups, at a point away from any estimate: central differences agree to 1e-7."""
    layout = _Layout(CLUSTERS, [5] * 10, 2, ORDINAL_LEVELS[level])
    x = np.abs(np.random.default_rng(4).normal(size=layout.size)) * 0.3 + 0.5  # variances positive
    for g in range(2):
        numeric = np.empty((len(layout.implied(x, g)), layout.size))
        for k in range(layout.size):
            step = np.zeros(layout.size)
            step[k] = 1e-6
            numeric[:, k] = (layout.implied(x + step, g) - layout.implied(x - step, g)) / 2e-6
        np.testing.assert_allclose(layout.jacobian(x, g).toarray(), numeric, atol=1e-7)


@pytest.mark.parametrize("level", list(ORDINAL_LEVELS))
def test_each_level_matches_lavaan(fits, lavaan, level):
    fit, expected = fits[level], lavaan[level]
    assert fit.converged and fit.df == expected["df"]
    for ours, theirs in ((fit.chisq, "chisq"), (fit.chisq_scaled, "chisq.scaled")):
        assert ours == pytest.approx(expected[theirs], rel=1e-3)
    assert fit.cfi_scaled == pytest.approx(expected["cfi.scaled"], abs=1e-3)
    assert fit.rmsea_scaled == pytest.approx(expected["rmsea.scaled"], abs=1e-3)


@pytest.mark.parametrize(("restricted", "free"), [("thresholds", "configural"), ("thresholds_loadings", "thresholds")])
def test_scaled_differences_match_lavtestlrt(fits, lavaan, restricted, free):
    t, df, p = satorra_2000(fits[restricted], fits[free])
    assert df == lavaan[restricted]["delta_df"]
    assert t == pytest.approx(lavaan[restricted]["delta_chisq"], rel=1e-3) and p == pytest.approx(lavaan[restricted]["delta_p"], abs=1e-3)


def test_the_configural_model_is_the_groups_fitted_alone(bfi, fits):
    """Configural (Wu & Estabrook) is each group's one-group model: the statistics add up."""
    alone = [fit_dwls(CLUSTERS, ordinal_moments(bfi.loc[bfi["gender"] == g, ITEMS])).chisq for g in ("female", "male")]
    assert fits["configural"].chisq == pytest.approx(sum(alone), rel=1e-6)


def test_a_threshold_one_group_lacks_is_named(bfi):
    male = bfi[bfi["gender"] == "male"].copy()
    male = male[male["A1"] != 6]  # no man answered A1 with 6: one threshold fewer
    with pytest.raises(ValueError, match=r"item 'A1' was answered in categories \[1, 2, 3, 4, 5, 6\] in group 'female' but \[1, 2, 3, 4, 5\]"):
        check_categories(ITEMS, [bfi.loc[bfi["gender"] == "female", ITEMS], male[ITEMS]], ("female", "male"))


def test_the_table_and_verdict_of_a_questionnaire(bfi):
    """The study2 rows on bfi's agreeableness and conscientiousness items by gender: three fitted levels, the
    differences of lavTestLRT, and a verdict that cites them."""
    spec = load_questionnaire(ROOT / "examples" / "public-data" / "bfi" / "questionnaire.yaml")
    keep = [i for i in spec.items if i.id in ITEMS]
    q = dataclasses.replace(spec, items=tuple(dataclasses.replace(i, reverse=False) for i in keep),
                            subscales={"agreeableness": "Agreeableness", "conscientiousness": "Conscientiousness"})
    settings = {**SETTINGS, "acceptable_rmsea": 0.085}  # the configural RMSEA is .080: acceptable here, so the levels are judged
    table = ordinal_invariance(q, keyed_codes(bfi, q), bfi["gender"], ("female", "male"), settings)
    assert table["model"].tolist() == list(ORDINAL_LEVELS) and table["estimator"].eq("wlsmv").all()
    assert table["n_1"].iloc[0] == 1765 and table["n_2"].iloc[0] == 867
    assert table.loc[1, "delta_chisq"] == pytest.approx(34.371, abs=1e-2) and table.loc[2, "delta_df"] == 8
    verdict = ordinal_verdict(table, settings)
    assert verdict.startswith("With the answers as ordinal (WLSMV, Wu & Estabrook, 2016), equal thresholds (scaled \u0394\u03c7\u00b2(30) = 34.37, p = .266")
    assert "equal loadings (scaled \u0394\u03c7\u00b2(8) = 21.01, p = .007, \u0394CFI = .005) held" in verdict  # CFI rises: the rule holds
    assert verdict.endswith("comparing the groups' latent means would also need equal intercepts, which is not tested here.")
    strict = ordinal_invariance(q, keyed_codes(bfi, q), bfi["gender"], ("female", "male"), SETTINGS)  # RMSEA .080 > .08
    assert not strict.loc[0, "holds"] and ordinal_verdict(strict, SETTINGS).startswith(
        "With the answers as ordinal, the configural model fitted poorly (scaled CFI = .94, RMSEA = .08)")


def test_small_groups_with_unused_categories_are_reported_not_fitted(synthetic_dir, questionnaire):
    from camhs_rom.ingest.survey import clean_responses

    clean = clean_responses(synthetic_dir / "responses.csv", questionnaire)
    table = ordinal_invariance(questionnaire, keyed_codes(clean.coded, questionnaire), clean.scored["group"], ("user", "non_user"), SETTINGS)
    assert table["chisq"].isna().all() and table["note"].str.contains("equal thresholds need the same categories").all()
    assert ordinal_verdict(table, SETTINGS).startswith("With the answers as ordinal, the configural model could not be fitted (item ")
    assert np.isnan(table["delta_p"]).all()


def test_one_factor_has_no_factor_covariance_to_fit(bfi):
    """A single subscale (anes96's case): every level fits, and the configural model is the groups alone."""
    one = Clusters.from_mapping({"agree": ITEMS[:5]})
    moments = [ordinal_moments(bfi.loc[bfi["gender"] == g, ITEMS[:5]], full=True) for g in ("female", "male")]
    fits = [fit_ordinal_level(one, moments, level) for level in ORDINAL_LEVELS]
    alone = sum(fit_dwls(one, ordinal_moments(bfi.loc[bfi["gender"] == g, ITEMS[:5]])).chisq for g in ("female", "male"))
    assert fits[0].chisq == pytest.approx(alone, rel=1e-6) and [f.df for f in fits] == [10, 25, 29]  # 25 thresholds equated, 5 + 5 freed; 5 loadings equated, 1 variance freed
