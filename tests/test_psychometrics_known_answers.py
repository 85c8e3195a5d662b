"""Known answers from R: psych 2.2.9 and GPArotation 2022.10.2 (R 4.2.2) on fixtures/psych/items.csv.

The reference values in fixtures/psych/reference.json were made by fixtures/psych/reference.R
(the data by fixtures/psych/make_items.py). Loadings are compared after aligning factor
order and sign, both arbitrary in factor analysis. Tolerance: 1e-3 absolute unless stated
(the optimisers of factor_analyzer and psych stop at slightly different points; most
values agree to 1e-6).
"""

import json
from itertools import permutations, product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from camhs_rom.stats.factors import communality, factorability, fit_efa, fit_statistics
from camhs_rom.stats.reliability import (
    alpha_if_dropped,
    cronbach_alpha,
    item_rest_correlations,
    omega_hierarchical,
    omega_total,
    standardized_alpha,
)
from camhs_rom.stats.retention import velicer_map

FIXTURES = Path(__file__).parent / "fixtures" / "psych"
REF = json.loads((FIXTURES / "reference.json").read_text(encoding="utf-8"))
TOL = 1e-3


@pytest.fixture(scope="module")
def items():
    return pd.read_csv(FIXTURES / "items.csv").astype(float)


def aligned(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """``ours`` with columns permuted and reflected to match ``theirs`` best."""
    m = ours.shape[1]
    best = None
    for perm in permutations(range(m)):
        for signs in product([1, -1], repeat=m):
            candidate = ours[:, list(perm)] * np.array(signs)
            err = np.abs(candidate - theirs).max()
            if best is None or err < best[0]:
                best = (err, candidate)
    return best[1]


def test_alpha(items):
    assert cronbach_alpha(items.iloc[:, :5]) == pytest.approx(REF["alpha_f1"], abs=1e-10)
    assert cronbach_alpha(items.iloc[:, 5:]) == pytest.approx(REF["alpha_f2"], abs=1e-10)


def test_item_rest_and_alpha_if_dropped(items):
    second = items.iloc[:, 5:]
    np.testing.assert_allclose(item_rest_correlations(second).to_numpy(), REF["alpha_f2_item_rest"], atol=1e-10)
    dropped = [cronbach_alpha(second.drop(columns=c)) for c in second.columns]
    np.testing.assert_allclose(dropped, REF["alpha_f2_if_dropped"], atol=1e-10)
    # the closed form the pipeline uses (one covariance matrix), against psych and pingouin alike
    np.testing.assert_allclose(alpha_if_dropped(second).to_numpy(), REF["alpha_f2_if_dropped"], atol=1e-10)
    np.testing.assert_allclose(alpha_if_dropped(second).to_numpy(), dropped, atol=1e-12)


def test_kmo_and_bartlett(items):
    table, per_item = factorability(items)
    values = table.set_index("measure")["value"]
    assert values["kmo"] == pytest.approx(REF["kmo"], abs=1e-10)
    np.testing.assert_allclose(per_item["kmo"], REF["kmo_items"], atol=1e-10)
    assert values["bartlett_chi2"] == pytest.approx(REF["bartlett_chi2"], rel=1e-10)
    assert values["bartlett_df"] == REF["bartlett_df"]
    assert values["bartlett_p"] == pytest.approx(REF["bartlett_p"], rel=1e-6)


def test_omega_total(items):
    assert omega_total(items.iloc[:, :5]) == pytest.approx(REF["omega_total_f1"], abs=TOL)
    assert omega_total(items.iloc[:, 5:]) == pytest.approx(REF["omega_total_f2"], abs=TOL)


@pytest.mark.parametrize(
    "key, n_factors, extraction, rotation",
    [
        ("fa_minres_oblimin", 2, "minres", "oblimin"),
        ("fa_ml_oblimin", 2, "ml", "oblimin"),
        ("fa_minres_varimax", 2, "minres", "varimax"),
        ("fa_minres_none", 2, "minres", "none"),
        ("fa_minres_one", 1, "minres", "none"),
    ],
)
def test_loadings_and_fit(items, key, n_factors, extraction, rotation):
    ref = REF[key]
    fa = fit_efa(items, n_factors, extraction, rotation)
    theirs = np.array(ref["loadings"])
    np.testing.assert_allclose(aligned(fa.loadings_, theirs), theirs, atol=TOL)
    oblique = rotation == "oblimin"
    np.testing.assert_allclose(communality(fa.loadings_, fa.phi_ if oblique else None), ref["communalities"], atol=TOL)
    if oblique:
        assert abs(fa.phi_[0, 1]) == pytest.approx(abs(np.array(ref["phi"])[0, 1]), abs=TOL)
    corr = np.corrcoef(items.to_numpy(), rowvar=False)
    fit = fit_statistics(corr, fa.loadings_, fa.phi_ if oblique else None, len(items))
    assert fit["df"] == ref["df"]
    assert fit["chi2"] == pytest.approx(ref["chi2"], abs=TOL)
    assert fit["p"] == pytest.approx(ref["p"], abs=TOL)
    assert fit["rmsea"] == pytest.approx(ref["rmsea"], abs=TOL)
    assert fit["rmsea_ci_low"] == pytest.approx(ref["rmsea_low"], abs=TOL)
    assert fit["rmsea_ci_high"] == pytest.approx(ref["rmsea_high"], abs=TOL)
    assert fit["tli"] == pytest.approx(ref["tli"], abs=TOL)
    assert fit["bic"] == pytest.approx(ref["bic"], abs=TOL)


def test_misfitting_model_has_informative_fit():
    """The one-factor reference misfits, so RMSEA and TLI are away from their bounds."""
    assert REF["fa_minres_one"]["rmsea"] > 0.1 and REF["fa_minres_one"]["tli"] < 0.9


def test_velicer_map(items):
    _, table = velicer_map(np.corrcoef(items.to_numpy(), rowvar=False))
    ours = table.set_index("n_components")["map_squared"]
    # psych::VSS reports 1..8 components; with 9 items the 8th partials out all but one
    # dimension and psych returns ~1, a degenerate value the test leaves out.
    np.testing.assert_allclose(ours.loc[1:7].to_numpy(), REF["map"][:7], atol=1e-10)


def test_fit_statistics_of_a_heywood_solution_are_undefined_not_an_error():
    """A loading pattern implying a non-positive-definite correlation matrix has no likelihood:
    every statistic is NaN (the multiverse used to stop here with 'function value ... is NaN')."""
    loadings = np.array([[0.99, 0.9], [0.99, 0.9], [0.2, 0.1], [0.1, 0.3], [0.3, 0.2]])  # implied r = 1.79 between items 1 and 2
    corr = np.corrcoef(np.random.default_rng(1).standard_normal((50, 5)), rowvar=False)
    fit = fit_statistics(corr, loadings, None, 50)
    assert fit["df"] == 1 and all(np.isnan(fit[k]) for k in ("chi2", "p", "rmsea", "rmsea_ci_low", "rmsea_ci_high", "tli", "bic"))


@pytest.mark.parametrize("objective", ["uls", "ml"])
@pytest.mark.parametrize("n_factors", [1, 2, 3])
def test_analytic_gradients_match_finite_differences(items, objective, n_factors):
    """The gradients the EFA fit uses (stats.factors.uls_objective / ml_objective) against scipy's
    finite differences at random uniquenesses; tolerance 1e-5 absolute (the differences' own error)."""
    from scipy.optimize import approx_fprime

    from camhs_rom.stats.extraction import ml_objective, uls_objective

    function = {"uls": uls_objective, "ml": ml_objective}[objective]
    corr = np.corrcoef(items.to_numpy(), rowvar=False)
    psi = np.random.default_rng(n_factors).uniform(0.2, 0.9, corr.shape[0])
    numeric = approx_fprime(psi, lambda x: function(x, corr, n_factors)[0], 1e-7)
    np.testing.assert_allclose(function(psi, corr, n_factors)[1], numeric, atol=1e-5)


@pytest.mark.parametrize("key, n_factors, method", [("fa_minres_none", 2, "minres"), ("fa_minres_one", 1, "minres"), ("fa_ml_oblimin", 2, "ml")])
def test_the_analytic_fit_reaches_the_optimum_psych_and_factor_analyzer_approach(items, key, n_factors, method):
    """Our extraction (analytic gradient, tight tolerances) ends at a discrepancy no larger than psych's
    (R, reference.json) or factor_analyzer's own fit, and within 1e-5 of both in every loading
    (psych's and factor_analyzer's optimisers stop earlier: their discrepancies are the larger)."""
    from factor_analyzer import FactorAnalyzer

    from camhs_rom.stats.extraction import AnalyticFactorAnalyzer, ml_objective, uls_objective

    objective = ml_objective if method == "ml" else uls_objective
    corr = np.corrcoef(items.to_numpy(), rowvar=False)
    ours = AnalyticFactorAnalyzer(n_factors=n_factors, rotation=None, method=method, svd_method="lapack").fit(items.to_numpy())
    theirs = FactorAnalyzer(n_factors=n_factors, rotation=None, method=method, svd_method="lapack").fit(items.to_numpy())
    psych_psi = 1 - np.array(REF[key]["communalities"])
    at_ours = objective(ours.get_uniquenesses(), corr, n_factors)[0]
    assert at_ours <= objective(theirs.get_uniquenesses(), corr, n_factors)[0] + 1e-15
    assert at_ours <= objective(psych_psi, corr, n_factors)[0] + 1e-15
    np.testing.assert_allclose(aligned(ours.loadings_, theirs.loadings_), theirs.loadings_, atol=1e-5)
    if key != "fa_ml_oblimin":  # psych reports this one rotated; its unrotated loadings are compared through the uniquenesses
        np.testing.assert_allclose(aligned(ours.loadings_, np.array(REF[key]["loadings"])), REF[key]["loadings"], atol=1e-5)
    np.testing.assert_allclose(ours.get_uniquenesses(), psych_psi, atol=1e-5)


@pytest.mark.parametrize("n_factors", [3, 5])
def test_omega_hierarchical_matches_psych(n_factors):
    """psych::omega on the 25 bfi items (complete answers, reverse items keyed; fixtures/psych/omega.R):
    omega_h to 1e-3 (measured 1e-6)."""
    items = [f"{t}{k}" for t in "ACENO" for k in range(1, 6)]
    data = pd.read_csv(Path(__file__).parents[1] / "examples" / "public-data" / "bfi" / "bfi.csv")[items].dropna()
    for item in ("A1", "C4", "C5", "E1", "E2", "O2", "O5"):
        data[item] = 7 - data[item]
    expected = pd.read_csv(FIXTURES / "omega_bfi.csv").set_index("nfactors").loc[n_factors]
    omega_h, general = omega_hierarchical(np.corrcoef(data.to_numpy(), rowvar=False), n_factors)
    assert omega_h == pytest.approx(expected["omega_h"], abs=1e-3)
    assert (general >= 0).all()  # items flipped to load positively, as psych does


def test_omega_hierarchical_needs_three_group_factors():
    with pytest.raises(ValueError, match="three group factors"):
        omega_hierarchical(np.eye(6), 2)


def test_ordinal_alpha_matches_psych():
    """psych::alpha of the polychoric matrix of ten bfi items, keyed (tests/fixtures/lavaan/cfa.R): 1e-3."""
    from camhs_rom.stats.polychoric import polychoric

    items = [f"A{k}" for k in range(1, 6)] + [f"C{k}" for k in range(1, 6)]
    data = pd.read_csv(Path(__file__).parents[1] / "examples" / "public-data" / "bfi" / "bfi.csv").dropna(subset=[*items, "gender"])[items]
    for item in ("A1", "C4", "C5"):
        data[item] = 7 - data[item]
    rho, _ = polychoric(data, 6)
    expected = pd.read_csv(Path(__file__).parent / "fixtures" / "lavaan" / "ordinal_alpha.csv").set_index("subscale")["ordinal_alpha"]
    assert standardized_alpha(rho.iloc[:5, :5].to_numpy()) == pytest.approx(expected["agree"], abs=1e-3)
    assert standardized_alpha(rho.iloc[5:, 5:].to_numpy()) == pytest.approx(expected["consc"], abs=1e-3)


@pytest.mark.parametrize("subscale", list("ACENO"))
def test_ordinal_omega_and_alpha_match_psych(subscale):
    """psych::omega (one factor, minres) and psych::alpha of psych::polychoric for each bfi subscale, the respondents
    who answered all 25 items, reverse items keyed (fixtures/psych/ordinal_omega.R): 1e-3 (measured 1e-5); the
    bootstrap interval (seeded, 40 resamples here) holds the estimate."""
    from camhs_rom.core.seeding import rng_for
    from camhs_rom.study2.coefficients import ordinal_coefficients

    items = [f"{t}{k}" for t in "ACENO" for k in range(1, 6)]
    data = pd.read_csv(Path(__file__).parents[1] / "examples" / "public-data" / "bfi" / "bfi.csv")[items].dropna()
    for item in ("A1", "C4", "C5", "E1", "E2", "O2", "O5"):
        data[item] = 7 - data[item]
    expected = pd.read_csv(FIXTURES / "ordinal_omega_bfi.csv").set_index("subscale").loc[subscale]
    assert len(data) == expected["n"]
    found = ordinal_coefficients(data[[f"{subscale}{k}" for k in range(1, 6)]], 6, 40, 0.95, rng_for(1, "test"))
    for name in ("ordinal_omega", "ordinal_alpha"):
        estimate, low, high, used = found[name]
        assert used == 40
        assert estimate == pytest.approx(expected[name], abs=1e-3)
        assert low < estimate < high
