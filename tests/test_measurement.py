"""The Study 2 measurement stage: polychoric tables, the CFA of the intended model, invariance, named reliability coefficients."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from camhs_rom.ingest.survey import clean_responses
from camhs_rom.stats.cfa import Clusters, GroupMoments, fit_ml
from camhs_rom.stats.polychoric import polychoric
from camhs_rom.stats.reliability import cronbach_alpha, omega_from_correlations, standardized_alpha
from camhs_rom.study2 import coefficients, measurement
from camhs_rom.study2.efa import item_matrix, keyed_codes
from camhs_rom.study2.reliability import reliability

SETTINGS = {"acceptable_cfi": 0.90, "acceptable_rmsea": 0.08, "delta_cfi": 0.01, "delta_rmsea": 0.015, "advised_group_n": 100}


@pytest.fixture(scope="module")
def clean(synthetic_dir, questionnaire):
    return clean_responses(synthetic_dir / "responses.csv", questionnaire)


@pytest.fixture(scope="module")
def matrix(clean, questionnaire):
    return item_matrix(clean.scored, clean.coded, questionnaire, "polychoric")


def test_polychoric_tables_report_every_pair_with_its_n_and_every_threshold(matrix, questionnaire):
    corr, tau = measurement.polychoric_tables(matrix)
    p = len(questionnaire.item_ids)
    assert len(corr) == p * (p - 1) // 2 and (corr["n"] <= len(matrix.data)).all() and corr["n"].min() > 0
    assert corr["rho"].between(-1, 1).all() and corr["rho_analysed"].between(-1, 1).all()
    assert matrix.smoothed == (not np.allclose(corr["rho"], corr["rho_analysed"]))
    assert set(tau["item"]) == set(questionnaire.item_ids) and tau.groupby("item").size().eq(questionnaire.scale_max - questionnaire.scale_min).all()


def test_the_intended_model_is_fitted_by_ml_and_wlsmv(matrix, questionnaire):
    fit, loadings, factor_r = measurement.confirmatory(questionnaire, matrix.data, matrix.codes)
    assert list(fit["estimator"]) == ["ml", "wlsmv"] and fit["converged"].all()
    p, m = len(questionnaire.item_ids), len(questionnaire.subscales)
    assert (fit["df"] == p * (p + 1) // 2 - (2 * p - m + m * (m + 1) // 2)).all()  # ML: covariances; WLSMV: correlations + thresholds, same df
    assert fit.loc[fit["estimator"] == "ml", "n"].item() == len(matrix.data)
    assert fit.loc[fit["estimator"] == "wlsmv", "n"].item() == len(matrix.codes.dropna())
    assert fit.loc[fit["estimator"] == "wlsmv", "chisq_scaled"].notna().all()
    assert len(loadings) == 2 * p and (loadings.groupby(["estimator", "factor"])["estimate"].first() == 1).all()  # markers
    assert loadings["std_estimate"].abs().max() < 1 and len(factor_r) == 2


def test_a_single_item_subscale_is_not_fitted_and_says_why(matrix, questionnaire):
    items = [dataclasses.replace(i, subscale="lonely") if i.id == questionnaire.item_ids[0] else i for i in questionnaire.items]
    q = dataclasses.replace(questionnaire, items=tuple(items) if isinstance(questionnaire.items, tuple) else items,
                            subscales={**questionnaire.subscales, "lonely": "Lonely"})
    fit, loadings, _ = measurement.confirmatory(q, matrix.data, matrix.codes)
    assert fit["chisq"].isna().all() and loadings.empty
    assert fit["note"].str.contains("'lonely' has one item").all()


def test_invariance_on_groups_big_enough_to_fit(questionnaire):
    """Two groups drawn from one two-factor model: every level holds, with the verdict that means can be compared."""
    rng = np.random.default_rng(8)
    items = questionnaire.item_ids
    which = np.array([list(questionnaire.subscales).index(questionnaire.intended_subscales[i]) for i in items])
    factors = rng.multivariate_normal([0, 0], [[1, 0.3], [0.3, 1]], size=1200)
    data = pd.DataFrame(factors[:, which] * 0.7 + rng.normal(size=(1200, len(items))) * 0.7 + 3, columns=items)
    group = pd.Series(np.where(np.arange(1200) % 2, "user", "non_user"), dtype="string")
    group[::7] = pd.NA  # in neither group (a blank group answer): left out
    table, verdict = measurement.invariance(questionnaire, data, group, ("user", "non_user"), SETTINGS)
    assert list(table["model"]) == ["configural", "metric", "scalar"] and table["holds"].tolist() == [True, True, True]
    assert list(table["df"]) == sorted(table["df"]) and table["delta_df"].iloc[1:].tolist() == [len(items) - 2, len(items) - 2]
    assert verdict.startswith("Scalar invariance held") and "descriptive" not in verdict
    assert table["n_1"].iloc[0] + table["n_2"].iloc[0] == (group.notna()).sum()


def test_invariance_with_a_group_too_small_says_so_in_the_table(matrix, questionnaire):
    group = pd.Series(["user"] * 10 + ["non_user"] * (len(matrix.data) - 10))
    table, verdict = measurement.invariance(questionnaire, matrix.data, group, ("user", "non_user"), SETTINGS)
    assert table["chisq"].isna().all() and table["note"].str.contains("group 'user' has 10 respondents for 18 items").all()
    assert verdict.startswith("Measurement invariance was not tested")


@pytest.mark.parametrize(
    ("holds", "start"),
    [((True, True, False), "Metric but not scalar"), ((True, False, False), "Only configural"), ((False, False, False), "The configural model fitted poorly")],
)
def test_the_verdict_names_the_highest_level_that_holds(holds, start):
    table = pd.DataFrame({"model": ["configural", "metric", "scalar"], "estimator": "ml", "holds": holds, "chisq": 300.0, "cfi": 0.8, "rmsea": 0.1, "n_1": 150, "n_2": 150})
    assert measurement.invariance_verdict(table, SETTINGS).startswith(start)


def test_the_verdict_when_the_configural_model_could_not_be_fitted():
    table = pd.DataFrame({"model": ["configural", "metric", "scalar"], "estimator": "ml", "holds": None, "chisq": np.nan, "cfi": np.nan, "rmsea": np.nan,
                          "n_1": 150, "n_2": 150, "note": "not fitted: the optimiser failed"})
    assert measurement.invariance_verdict(table, SETTINGS).startswith("The configural model could not be fitted (the optimiser failed)")


def test_the_configural_model_is_the_groups_fitted_separately():
    """Configural invariance is the two groups' separate ML fits: chi-square and df add up."""
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(300, 6)) + rng.normal(size=(300, 1)), rng.normal(size=(250, 6)) + rng.normal(size=(250, 1))
    clusters = Clusters(tuple("abcdef"), tuple("fffggg"))
    joint = fit_ml(clusters, [GroupMoments.of(a), GroupMoments.of(b)], "configural")
    alone = [fit_ml(clusters, [GroupMoments.of(x)]) for x in (a, b)]
    assert joint.chisq == pytest.approx(sum(r.chisq for r in alone), rel=1e-6) and joint.df == sum(r.df for r in alone)


def test_reliability_coefficients_come_from_one_set_of_rows_per_subscale(clean, questionnaire):
    """Each subscale's coefficients from the respondents who answered each of its items as given: alpha and omega
    as reliability.csv computes them on those rows, ordinal alpha and omega of their polychoric matrix."""
    codes = keyed_codes(clean.coded, questionnaire)
    given = coefficients.answered_as_given(clean.scored, codes)
    assert given.notna().sum().sum() < clean.scored[questionnaire.item_ids].notna().sum().sum()  # pro-rated values blanked
    rel, _ = reliability(given, questionnaire, 50, 0.95, 1)
    table = coefficients.reliability_coefficients(rel, given, codes, questionnaire, 50, 0.95, 1)
    assert table["model"].ne("").all()
    assert set(table["coefficient"]) == {"alpha", "omega_total", "ordinal_alpha", "ordinal_omega", "omega_hierarchical"}
    for subscale in questionnaire.subscales:
        items = [i.id for i in questionnaire.items_of(subscale)]
        answered = codes[items].dropna()
        mine = table[table["subscale"] == subscale].set_index("coefficient")
        assert set(mine["n"]) == {len(answered)}  # one set of rows
        assert mine.loc["alpha", "estimate"] == pytest.approx(cronbach_alpha(answered), abs=1e-12)  # keyed codes: the scored answers shifted
        rho, _ = polychoric(answered, questionnaire.scale_max - questionnaire.scale_min + 1)
        for name, expected in (("ordinal_alpha", standardized_alpha(rho.to_numpy())), ("ordinal_omega", omega_from_correlations(rho.to_numpy()[None])[0])):
            assert mine.loc[name, "estimate"] == pytest.approx(expected, abs=1e-6)
            assert mine.loc[name, "ci_low"] < mine.loc[name, "estimate"] < mine.loc[name, "ci_high"]
    again = coefficients.reliability_coefficients(rel, given, codes, questionnaire, 50, 0.95, 1)
    pd.testing.assert_frame_equal(table, again)  # seeded
    omega_h = table[table["coefficient"] == "omega_hierarchical"].iloc[0]
    assert np.isnan(omega_h["estimate"]) and "three or more" in omega_h["note"] and omega_h["n"] == len(codes.dropna())
    with pytest.raises(ValueError, match="not one set of rows"):  # alpha of other respondents (pro-rated answers) is refused
        coefficients.reliability_coefficients(reliability(clean.scored, questionnaire, 5, 0.95, 1)[0], given, codes, questionnaire, 5, 0.95, 1)


def test_no_resample_is_dropped_from_the_ordinal_intervals(clean, questionnaire):
    """On the default's 47 complete answers most resampled polychoric matrices are not positive definite; each is
    smoothed as psych::polychoric does (cor.smooth) and counted, not dropped (dropping kept about half of them)."""
    from camhs_rom.core.seeding import rng_for
    from camhs_rom.stats.polychoric import polychoric_resampled
    from camhs_rom.stats.reliability import full_rank

    codes = keyed_codes(clean.coded, questionnaire)
    items = [i.id for i in questionnaire.items_of("positive_impact")]
    answered = codes[items].dropna()
    x = answered.to_numpy(dtype=float)
    weights = np.stack([np.bincount(rng_for(3, "t").integers(0, len(x), len(x)), minlength=len(x)) for _ in range(20)]).astype(np.float32)
    raw = np.nan_to_num(polychoric_resampled(x, 5, weights))
    assert (~full_rank(raw)).sum() >= 5  # the case this test is about: resamples the former filter dropped
    found = coefficients.ordinal_coefficients(answered, 5, 60, 0.95, rng_for(1, "test"))
    for name in ("ordinal_alpha", "ordinal_omega"):
        estimate, low, high, used = found[name]
        assert used == 60 and low < estimate < high


def test_the_paragraph_reports_both_fits_and_escapes_the_spec_labels(matrix, questionnaire):
    fit, _, factor_r = measurement.confirmatory(questionnaire, matrix.data, matrix.codes)
    labels = {s: f"*{label}*<script>" for s, label in questionnaire.subscales.items()}
    text = measurement.measurement_paragraph(fit, factor_r, "Scalar invariance held.", labels, "SYNTHETIC DATA")
    assert "maximum likelihood" in text and "scaled-and-shifted" in text and "CFI = " in text
    assert "<script>" not in text and "\\*" in text
    assert f"{int(fit['df'].iloc[0])})" in text



def test_the_wlsmv_sentence_gives_the_robust_indices_where_they_are_defined():
    row = {"df": 34, "chisq": 800.0, "pvalue": 0.0, "chisq_scaled": 700.0, "pvalue_scaled": 0.0, "cfi_scaled": 0.946, "tli_scaled": 0.929,
           "rmsea_scaled": 0.079, "cfi_robust": 0.905, "tli_robust": 0.875, "rmsea_robust": 0.087, "rmsea_robust_ci_low": 0.081,
           "rmsea_robust_ci_high": 0.093, "srmr": 0.05}
    text = measurement._fit_text(row)
    assert "= 700.00" in text and "robust CFI = .905, robust TLI = .875, robust RMSEA = .087, 90% CI [.081, .093]" in text
    text = measurement._fit_text({**row, "cfi_robust": np.nan, "tli_robust": np.nan, "rmsea_robust": np.nan})
    assert "scaled CFI = .946, scaled TLI = .929, scaled RMSEA = .079, SRMR" in text  # the polychoric matrix was not positive definite


def test_fiml_keeps_every_respondent_and_says_so(clean, matrix, questionnaire):
    """study2.missing.method: fiml fits the ML models to every answer given: more respondents than the factor
    analysis keeps, the same model as lavaan's missing = "ml" (tests/test_fiml.py), and the table names the method."""
    codes = keyed_codes(clean.coded, questionnaire)
    given = coefficients.answered_as_given(clean.scored, codes)
    spec, _, _ = measurement.confirmatory(questionnaire, matrix.data, matrix.codes)
    fiml, loadings, _ = measurement.confirmatory(questionnaire, matrix.data, matrix.codes, "fiml", given)
    spec, fiml = spec.set_index("estimator"), fiml.set_index("estimator")
    assert fiml.loc["ml", "n"] == given.notna().any(axis=1).sum() > spec.loc["ml", "n"] == len(matrix.data)
    assert fiml.loc["ml", "missing_data"] == "full-information ML: every answer given"
    assert spec.loc["ml", "missing_data"].startswith("the factor analysis's respondents (skipped answers filled by the person's mean")
    assert fiml.loc["ml", "df"] == spec.loc["ml", "df"] and fiml.loc["ml", "chisq"] != spec.loc["ml", "chisq"]
    pd.testing.assert_series_equal(fiml.loc["wlsmv", ["n", "chisq"]], spec.loc["wlsmv", ["n", "chisq"]])  # WLSMV: complete answers either way
    table, verdict = measurement.invariance(questionnaire, given, clean.scored["group"], ("user", "non_user"), SETTINGS, "fiml")
    assert table["missing_data"].eq("full-information ML: every answer given").all()
    assert table["n_1"].iloc[0] + table["n_2"].iloc[0] == clean.scored["group"].isin(["user", "non_user"]).sum()
    # 21 users with skipped answers on 18 items determine no covariance matrix: every level says so, nothing crashes
    assert table["chisq"].isna().all() and table["note"].str.startswith("not fitted: group 'user': the answers of 21 respondents").all()
    assert verdict.startswith("Measurement invariance was not tested: group 'user'")
    text = measurement.measurement_paragraph(fiml.reset_index(), pd.DataFrame(columns=["estimator", "factor_a", "factor_b", "r"]), verdict, {}, None)
    assert f"fitted by full-information maximum likelihood to every answer given by {fiml.loc['ml', 'n']} respondents" in text
