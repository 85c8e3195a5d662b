"""Full-information ML (lavaan's missing = "ml"): the one-group model and the invariance models, against lavaan.

Known answers: tests/fixtures/lavaan/fiml.R (lavaan 0.6.14, R 4.2.2) on ten bfi items (A1-A5, C1-C5) of the
2,800 respondents, 168 of whom skipped at least one of the ten. Tolerance 1e-3 (absolute; chi-squares
relative), measured at about 1e-7.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from camhs_rom.stats.categorical_cfa import fit_dwls, ordinal_moments
from camhs_rom.stats.cfa import Clusters, GroupMoments, fit_ml
from camhs_rom.stats.missing import MissingMoments, em_moments, fiml_discrepancy, missing_patterns

from .conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "lavaan"
ITEMS = [f"A{k}" for k in range(1, 6)] + [f"C{k}" for k in range(1, 6)]
CLUSTERS = Clusters.from_mapping({"agree": ITEMS[:5], "consc": ITEMS[5:]})
FIT = {"chisq": "chisq", "df": "df", "baseline.chisq": "baseline_chisq", "cfi": "cfi", "tli": "tli", "rmsea": "rmsea",
       "rmsea.ci.lower": "rmsea_ci_low", "rmsea.ci.upper": "rmsea_ci_high", "srmr": "srmr"}


@pytest.fixture(scope="module")
def bfi():
    data = pd.read_csv(ROOT / "examples" / "public-data" / "bfi" / "bfi.csv")
    return data[data["gender"].notna() & data[ITEMS].notna().any(axis=1)].reset_index(drop=True)


@pytest.fixture(scope="module")
def lavaan():
    table = pd.read_csv(FIXTURES / "fiml_fit.csv")
    return {model: dict(zip(rows["measure"], rows["value"], strict=True)) for model, rows in table.groupby("model")}


def _compare(fit: dict, expected: dict):
    for name, field in FIT.items():
        tolerance = 1e-3 * abs(expected[name]) if "chisq" in name else 1e-3
        assert fit[field] == pytest.approx(expected[name], abs=tolerance), name


def test_one_group_fiml_matches_lavaan(bfi, lavaan):
    moments = MissingMoments.of(bfi[ITEMS].to_numpy())
    assert moments.n == lavaan["fiml"]["ntotal"] and bfi[ITEMS].isna().any(axis=1).sum() == 168
    result = fit_ml(CLUSTERS, [moments])
    assert result.converged
    _compare(result.fit.as_dict(), lavaan["fiml"])
    expected = pd.read_csv(FIXTURES / "fiml_loadings.csv")
    loadings = expected[expected["op"] == "=~"].set_index("rhs").loc[ITEMS, "est.std"]
    np.testing.assert_allclose(result.standardized_loadings().sum(axis=1), loadings, atol=1e-3)
    assert result.factor_correlations()[0, 1] == pytest.approx(expected.loc[expected["op"] == "~~", "est.std"].iloc[0], abs=1e-3)


@pytest.mark.parametrize("level", ["configural", "metric", "scalar"])
def test_invariance_by_fiml_matches_lavaan(bfi, lavaan, level):
    groups = sorted(bfi["gender"].unique())
    moments = [MissingMoments.of(bfi.loc[bfi["gender"] == g, ITEMS].to_numpy()) for g in groups]
    result = fit_ml(CLUSTERS, moments, level)
    _compare(result.fit.as_dict(), lavaan[level])


def test_complete_answers_give_the_complete_data_fit():
    """Without a missing answer FIML is ML with means: the same chi-square as the covariance fit, EM the sample moments."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(400, 6)) + rng.normal(size=(400, 1))
    clusters = Clusters(tuple("abcdef"), tuple("fffggg"))
    moments = MissingMoments.of(x)
    np.testing.assert_allclose(moments.cov, np.cov(x, rowvar=False, bias=True), atol=1e-12)
    full, plain = fit_ml(clusters, [moments]), fit_ml(clusters, [GroupMoments.of(x)])
    assert full.chisq == pytest.approx(plain.chisq, rel=1e-6) and full.df == plain.df
    assert full.fit.baseline_chisq == pytest.approx(plain.fit.baseline_chisq, rel=1e-9)


def test_em_and_the_gradient():
    """EM's estimates are where the saturated likelihood's gradient vanishes; the analytic gradient matches differences."""
    rng = np.random.default_rng(8)
    x = rng.normal(size=(300, 4)) @ np.array([[1, 0.5, 0.2, 0], [0, 1, 0.4, 0.1], [0, 0, 1, 0.3], [0, 0, 0, 1]])
    x[rng.random(x.shape) < 0.15] = np.nan
    x[0] = np.nan  # a respondent who answered nothing is left out
    patterns = missing_patterns(x)
    n = sum(p.n for p in patterns)
    assert n == 299
    mu, sigma = em_moments(patterns, 4)
    _, d_sigma, d_mu = fiml_discrepancy(patterns, n, sigma, mu)
    assert np.abs(d_sigma).max() < 1e-8 and np.abs(d_mu).max() < 1e-8
    sigma2, mu2 = sigma + 0.1 * np.eye(4), mu + 0.2
    value, d_sigma, d_mu = fiml_discrepancy(patterns, n, sigma2, mu2)
    h = 1e-6
    bump = np.zeros(4)
    bump[2] = h
    assert (fiml_discrepancy(patterns, n, sigma2, mu2 + bump)[0] - value) / h == pytest.approx(d_mu[2], rel=1e-4)
    step = np.zeros((4, 4))
    step[1, 3] = step[3, 1] = h
    assert (fiml_discrepancy(patterns, n, sigma2 + step, mu2)[0] - value) / h == pytest.approx(d_sigma[1, 3] + d_sigma[3, 1], rel=1e-4)


def test_five_factors_with_missing_answers_match_lavaan():
    """The 25 bfi items on their five factors (tests/fixtures/lavaan/five_factors.R): FIML on all 2,800 respondents
    and WLSMV's robust indices on the 2,436 who answered every item; 1e-3 (chi-squares relative), measured 1e-7."""
    items = [f"{t}{k}" for t in "ACENO" for k in range(1, 6)]
    data = pd.read_csv(ROOT / "examples" / "public-data" / "bfi" / "bfi.csv")[items]
    for item in ("A1", "C4", "C5", "E1", "E2", "O2", "O5"):
        data[item] = 7 - data[item]
    clusters = Clusters.from_mapping({t: [f"{t}{k}" for k in range(1, 6)] for t in "ACENO"})
    table = pd.read_csv(FIXTURES / "five_factors_fit.csv")
    expected = {model: dict(zip(rows["measure"], rows["value"], strict=True)) for model, rows in table.groupby("model")}
    moments = MissingMoments.of(data.to_numpy())
    assert moments.n == expected["fiml"]["ntotal"]
    fit = fit_ml(clusters, [moments]).fit.as_dict()
    assert fit["chisq"] == pytest.approx(expected["fiml"]["chisq"], rel=1e-3) and fit["df"] == expected["fiml"]["df"]
    for name in ("cfi", "tli", "rmsea", "srmr"):
        assert fit[name] == pytest.approx(expected["fiml"][name], abs=1e-3), name
    complete = data.dropna()
    assert len(complete) == expected["wlsmv"]["ntotal"]
    robust = fit_dwls(clusters, ordinal_moments(complete)).scaled
    assert robust["chisq"] == pytest.approx(expected["wlsmv"]["chisq.scaled"], rel=1e-3)
    for ours, theirs in (("cfi_robust", "cfi.robust"), ("tli_robust", "tli.robust"), ("rmsea_robust", "rmsea.robust"),
                         ("rmsea_ci_low_robust", "rmsea.ci.lower.robust"), ("rmsea_ci_high_robust", "rmsea.ci.upper.robust")):
        assert robust[ours] == pytest.approx(expected["wlsmv"][theirs], abs=1e-3), ours
