"""CFA by ML (one group and the three invariance models) and by DWLS on polychoric correlations, against lavaan.

Known answers: ``tests/fixtures/lavaan/cfa.R`` (lavaan 0.6.14, R 4.2.2) on ten bfi items
(A1-A5, C1-C5) of the 2,632 respondents who answered all ten and gave a gender, and
``tests/fixtures/lavaan/default.R`` on the pipeline's default data (the ``default_data``
tests). Tolerance 1e-3 (absolute; chi-squares relative) on every estimate
and fit index; agreement measured at about 1e-7.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from camhs_rom.stats.categorical_cfa import fit_dwls, ordinal_moments
from camhs_rom.stats.cfa import Clusters, GroupMoments, fit_ml, group_moments
from camhs_rom.stats.factors import run_efa
from camhs_rom.stats.fit_indices import cfi_tli, rmsea
from camhs_rom.stats.polychoric import polychoric, smooth_correlation
from camhs_rom.stats.reliability import standardized_alpha

from .conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "lavaan"
ITEMS = [f"A{k}" for k in range(1, 6)] + [f"C{k}" for k in range(1, 6)]
CLUSTERS = Clusters.from_mapping({"agree": ITEMS[:5], "consc": ITEMS[5:]})
# fitMeasures names -> (FitIndices field or scaled key)
PLAIN = {
    "chisq": "chisq",
    "df": "df",
    "baseline.chisq": "baseline_chisq",
    "baseline.df": "baseline_df",
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "rmsea.ci.lower": "rmsea_ci_low",
    "rmsea.ci.upper": "rmsea_ci_high",
    "srmr": "srmr",
}
SCALED = {"chisq.scaled": "chisq", "baseline.chisq.scaled": "baseline_chisq", "cfi.scaled": "cfi", "tli.scaled": "tli", "rmsea.scaled": "rmsea"}
# lavaan's robust indices for ordered items (Savalei, 2021), kept beside the scaled ones
ROBUST = {"cfi.robust": "cfi_robust", "tli.robust": "tli_robust", "rmsea.robust": "rmsea_robust",
          "rmsea.ci.lower.robust": "rmsea_ci_low_robust", "rmsea.ci.upper.robust": "rmsea_ci_high_robust"}


@pytest.fixture(scope="module")
def bfi():
    data = pd.read_csv(ROOT / "examples" / "public-data" / "bfi" / "bfi.csv")
    return data.dropna(subset=[*ITEMS, "gender"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def lavaan_fit():
    table = pd.read_csv(FIXTURES / "cfa_fit.csv")
    return {model: dict(zip(rows["measure"], rows["value"], strict=True)) for model, rows in table.groupby("model")}


@pytest.fixture(scope="module")
def lavaan_estimates():
    return pd.read_csv(FIXTURES / "cfa_loadings.csv")


def _compare(ours: dict, expected: dict, names: dict):
    for lavaan_name, field in names.items():
        want = expected[lavaan_name]
        # chi-square values are in the hundreds: 1e-3 relative; indices 1e-3 absolute
        tolerance = 1e-3 * abs(want) if lavaan_name.startswith(("chisq", "baseline.chisq")) else 1e-3
        assert ours[field] == pytest.approx(want, abs=tolerance, nan_ok=True), lavaan_name  # NaN where lavaan gives NA


def _estimates(frame: pd.DataFrame, model: str):
    rows = frame[frame["model"] == model]
    loadings = rows[rows["op"] == "=~"].set_index("rhs")
    corr = rows[rows["op"] == "~~"]["std"].iloc[0]
    return loadings, corr


def test_ml_single_group_matches_lavaan(bfi, lavaan_fit, lavaan_estimates):
    _, moments = group_moments(bfi, ITEMS)
    result = fit_ml(CLUSTERS, moments)
    assert result.converged
    _compare(result.fit.as_dict(), lavaan_fit["ml"], PLAIN)
    loadings, corr = _estimates(lavaan_estimates, "ml")
    raw = result.loadings[0].sum(axis=1)
    std = result.standardized_loadings().sum(axis=1)
    np.testing.assert_allclose(raw, loadings.loc[ITEMS, "est"], atol=1e-3)
    np.testing.assert_allclose(std, loadings.loc[ITEMS, "std"], atol=1e-3)
    assert result.factor_correlations()[0, 1] == pytest.approx(corr, abs=1e-3)


@pytest.mark.parametrize("level", ["configural", "metric", "scalar"])
def test_invariance_models_match_lavaan(bfi, lavaan_fit, level):
    names, moments = group_moments(bfi, ITEMS, bfi["gender"])
    assert names == ["female", "male"]  # lavaan's group order is the order of first appearance; the fit does not depend on it
    result = fit_ml(CLUSTERS, moments, level)
    assert result.converged
    _compare(result.fit.as_dict(), lavaan_fit[level], PLAIN)
    if level != "configural":  # equal loadings really are equal
        np.testing.assert_allclose(result.loadings[0], result.loadings[1], atol=1e-12)
    if level == "scalar":
        np.testing.assert_allclose(result.intercepts[0], result.intercepts[1], atol=1e-12)
        assert result.latent_means[0] == pytest.approx([0, 0])


def test_wlsmv_matches_lavaan(bfi, lavaan_fit, lavaan_estimates):
    moments = ordinal_moments(bfi[ITEMS])
    gamma = pd.read_csv(FIXTURES / "wlsmv_gamma_diagonal.csv")["w"].to_numpy()
    np.testing.assert_allclose(moments.gamma_diagonal, gamma, rtol=1e-4)  # the DWLS weights themselves
    result = fit_dwls(CLUSTERS, moments)
    assert result.converged
    _compare(result.fit.as_dict(), lavaan_fit["wlsmv"], PLAIN)
    _compare(result.scaled, lavaan_fit["wlsmv"], SCALED)
    _compare(result.scaled, lavaan_fit["wlsmv"], ROBUST)  # measured within 5e-9
    loadings, corr = _estimates(lavaan_estimates, "wlsmv")
    np.testing.assert_allclose(result.loadings.sum(axis=1), loadings.loc[ITEMS, "est"], atol=1e-3)
    np.testing.assert_allclose(result.standardized_loadings().sum(axis=1), loadings.loc[ITEMS, "std"], atol=1e-3)
    assert result.factor_correlations()[0, 1] == pytest.approx(corr, abs=1e-3)


@pytest.mark.parametrize("n", [40, 3000])
def test_gamma_root_is_a_root_of_gammas_correlation_block(n):
    """R'R has Gamma's diagonal on its own; fewer respondents than pairs keeps their rows, more takes an eigen-root."""
    rng = np.random.default_rng(n)
    latent = rng.multivariate_normal(np.zeros(12), 0.4 + 0.6 * np.eye(12), size=n)
    codes = pd.DataFrame(np.digitize(latent, [-1.0, 0.0, 0.8]) + 1.0, columns=[f"x{i}" for i in range(12)])
    moments = ordinal_moments(codes)
    pairs = 66
    n_th = sum(len(t) for t in moments.thresholds)
    assert moments.gamma_root.shape == (min(n, pairs), pairs)
    np.testing.assert_allclose(np.diag(moments.gamma_root.T @ moments.gamma_root), moments.gamma_diagonal[n_th:], rtol=1e-10)
    assert len(moments.gamma_diagonal) == n_th + pairs


def test_ml_recovers_a_known_model():
    """Data drawn from a two-factor model: the population loadings come back and the model fits."""
    rng = np.random.default_rng(5)
    lam = np.array([0.8, 0.7, 0.6, 0.7, 0.5, 0.6])
    phi = np.array([[1.0, 0.4], [0.4, 1.0]])
    which = np.array([0, 0, 0, 1, 1, 1])
    factors = rng.multivariate_normal([0, 0], phi, size=20_000)
    data = factors[:, which] * lam + rng.normal(size=(20_000, 6)) * np.sqrt(1 - lam**2)
    clusters = Clusters(tuple("abcdef"), ("f", "f", "f", "g", "g", "g"))
    result = fit_ml(clusters, [GroupMoments.of(data)])
    np.testing.assert_allclose(result.standardized_loadings().sum(axis=1), lam, atol=0.02)
    assert result.factor_correlations()[0, 1] == pytest.approx(0.4, abs=0.02)
    assert result.fit.cfi > 0.99 and result.fit.rmsea < 0.02


def test_ml_refuses_a_singular_group():
    data = np.random.default_rng(1).normal(size=(5, 6))  # fewer respondents than items
    with pytest.raises(ValueError, match="singular"):
        fit_ml(Clusters(tuple("abcdef"), tuple("fffggg")), [GroupMoments.of(data)])


def test_fit_index_formulas():
    """Hand-computed values: CFI/TLI from two statistics; RMSEA zero when chisq < df, and scaled by sqrt(G)."""
    cfi, tli = cfi_tli(60.0, 30, 500.0, 45)
    assert cfi == pytest.approx(1 - 30 / 455)
    assert tli == pytest.approx((500 / 45 - 2) / (500 / 45 - 1))
    assert rmsea(20.0, 30, 100)[0] == 0.0
    assert rmsea(90.0, 30, 100, groups=2)[0] == pytest.approx(np.sqrt(2 / 100) * np.sqrt(2))


# The same quantities on the pipeline's default (synthetic) data, as the measurement stage computes them:
# 56 respondents, 18 five-point items, two subscales, users (19) against non-users (37); WLSMV on the 35 who
# answered every item. Known answers from tests/fixtures/lavaan/default.R (lavaan 0.6.14, psych 2.2.9); 1e-3.


@pytest.fixture(scope="module")
def default_data():
    table = pd.read_csv(FIXTURES / "default_items.csv")
    codes = table.filter(like="code_").rename(columns=lambda c: c.removeprefix("code_"))
    scores = table.filter(like="score_").rename(columns=lambda c: c.removeprefix("score_"))
    clusters = Clusters.from_mapping({s: [c for c in scores.columns if c.startswith(s[:3])] for s in ("positive_impact", "negative_impact")})
    return codes, scores, table["group"], clusters


@pytest.fixture(scope="module")
def default_expected():
    table = pd.read_csv(FIXTURES / "default_cfa_fit.csv")
    fits = {model: dict(zip(rows["measure"], rows["value"], strict=True)) for model, rows in table.groupby("model")}
    return fits, pd.read_csv(FIXTURES / "default_cfa_loadings.csv")


def test_default_data_polychoric_matrix_efa_and_ordinal_alpha_match_psych(default_data):
    codes, scores, _, clusters = default_data
    rho, tau = polychoric(codes, categories=5)
    np.testing.assert_allclose(rho.to_numpy(), pd.read_csv(FIXTURES / "default_polychoric_rho.csv", index_col=0).to_numpy(), atol=1e-3)
    np.testing.assert_allclose(tau.to_numpy(), pd.read_csv(FIXTURES / "default_polychoric_tau.csv", index_col=0).to_numpy(), atol=1e-8)
    smoothed = pd.DataFrame(smooth_correlation(rho.to_numpy()), index=rho.index, columns=rho.columns)
    intended = dict(zip(clusters.items, clusters.factor_of, strict=True))
    result = run_efa(scores[list(rho.columns)], intended, 2, "minres", "oblimin", corr=smoothed)
    theirs = pd.read_csv(FIXTURES / "default_polychoric_efa_loadings.csv", index_col=0).loc[list(rho.columns)].to_numpy()
    ours = result.loadings.to_numpy()
    order = np.argmax(np.abs(ours.T @ theirs), axis=1)  # psych's factor order and signs are its own
    theirs = theirs[:, order] * np.sign(np.sum(ours * theirs[:, order], axis=0))
    np.testing.assert_allclose(ours, theirs, atol=1e-3)
    alphas = pd.read_csv(FIXTURES / "default_ordinal_alpha.csv").set_index("subscale")["ordinal_alpha"]
    for subscale in ("positive_impact", "negative_impact"):
        items = [i for i, f in zip(clusters.items, clusters.factor_of, strict=True) if f == subscale]
        assert standardized_alpha(rho.loc[items, items].to_numpy()) == pytest.approx(alphas[subscale], abs=1e-3)


def test_default_data_cfa_and_invariance_match_lavaan(default_data, default_expected):
    codes, scores, group, clusters = default_data
    fits, loadings = default_expected
    items = list(clusters.items)
    ml = fit_ml(clusters, [GroupMoments.of(scores[items].to_numpy())])
    _compare(ml.fit.as_dict(), fits["ml"], PLAIN)
    wlsmv = fit_dwls(clusters, ordinal_moments(codes[items]))
    _compare(wlsmv.fit.as_dict(), fits["wlsmv"], PLAIN)
    _compare(wlsmv.scaled, fits["wlsmv"], SCALED)
    _compare(wlsmv.scaled, fits["wlsmv"], ROBUST)  # NA in lavaan: the polychoric matrix of 18 items is not positive definite
    assert np.isnan(wlsmv.scaled["cfi_robust"])
    for name, result in (("ml", ml), ("wlsmv", wlsmv)):
        rows = loadings[(loadings["model"] == name) & (loadings["op"] == "=~")].set_index("rhs").loc[items, "std"]
        np.testing.assert_allclose(result.standardized_loadings().sum(axis=1), rows, atol=1e-3)
        corr = loadings.loc[(loadings["model"] == name) & (loadings["op"] == "~~"), "std"].item()
        assert result.factor_correlations()[0, 1] == pytest.approx(corr, abs=1e-3)
    _, moments = group_moments(scores, items, group)
    for level in ("configural", "metric", "scalar"):
        _compare(fit_ml(clusters, moments, level).fit.as_dict(), fits[level], PLAIN)
