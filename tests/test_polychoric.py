"""Polychoric correlations: the bivariate normal, thresholds, the ML estimate and smoothing, against scipy and psych."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import multivariate_normal, norm

from camhs_rom.stats.factors import bartlett_sphericity, kmo, run_efa
from camhs_rom.stats.polychoric import (
    STEP_MAX_RHO,
    bivariate_normal_cdf,
    cdf_step,
    contingency_tables,
    polychoric,
    polychoric_batch,
    polychoric_resampled,
    smooth_correlation,
    thresholds,
)
from camhs_rom.stats.retention import parallel_analysis_polychoric

from .conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "psych"  # made by polychoric.R beside them (psych 2.2.9, R 4.2.2)
BFI_ITEMS = [f"{trait}{k}" for trait in "ACENO" for k in range(1, 6)]


def test_bivariate_normal_agrees_with_scipy():
    """Against scipy's numerical integration (its own error bound, 1e-5, sets the tolerance)."""
    rng = np.random.default_rng(3)
    for h, k, rho in zip(rng.uniform(-3, 3, 40), rng.uniform(-3, 3, 40), rng.uniform(-0.97, 0.97, 40), strict=True):
        expected = multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]]).cdf([h, k])
        assert bivariate_normal_cdf(h, k, rho) == pytest.approx(expected, abs=2e-6)


@pytest.mark.parametrize("rho", [-0.9, -0.3, 0.0, 0.45, 0.99])
def test_bivariate_normal_known_values(rho):
    """Exact cases: the orthant probability 1/4 + asin(r)/(2 pi), independence, and infinite limits."""
    assert bivariate_normal_cdf(0.0, 0.0, rho) == pytest.approx(0.25 + np.arcsin(rho) / (2 * np.pi), abs=1e-12)
    assert bivariate_normal_cdf(0.7, np.inf, rho) == pytest.approx(norm.cdf(0.7), abs=1e-12)
    assert bivariate_normal_cdf(-np.inf, 1.2, rho) == pytest.approx(0.0, abs=1e-12)
    if rho == 0.0:
        assert bivariate_normal_cdf(-0.4, 1.1, 0.0) == pytest.approx(norm.cdf(-0.4) * norm.cdf(1.1), abs=1e-12)


def test_cdf_step_moves_the_cdf_along_rho_exactly():
    """Plackett's identity by quadrature (used between Fisher-scoring steps) against Owen's T: 1e-13 wherever it answers."""
    h, k = np.meshgrid(np.linspace(-3, 3, 13), np.linspace(-2.5, 3.5, 13))
    h, k = np.broadcast_to(h, (5, 13, 13)), np.broadcast_to(k, (5, 13, 13))
    for delta in (3e-4, -8e-3, 0.04, -0.045):
        rho_from = np.array([-0.85, -0.4, 0.0, 0.5, 0.86])
        rho_to = rho_from + delta
        start = bivariate_normal_cdf(h, k, rho_from[:, None, None])
        moved = cdf_step(h, k, rho_from, rho_to, start)
        assert not np.isnan(moved).any()
        np.testing.assert_allclose(moved, bivariate_normal_cdf(h, k, rho_to[:, None, None]), rtol=0, atol=1e-13)
    # outside its rules (a long step, or |rho| past STEP_MAX_RHO) it answers NaN, for the caller to compute exactly
    far = cdf_step(h[:2], k[:2], np.array([0.0, 0.88]), np.array([0.3, STEP_MAX_RHO + 0.01]), np.zeros((2, 13, 13)))
    assert np.isnan(far).all()


def test_contingency_tables_count_exactly():
    """The single-precision products are exact counts (against a direct tally, missing answers left out)."""
    rng = np.random.default_rng(4)
    codes = rng.integers(1, 5, size=(2, 3000, 4)).astype(float)
    codes[rng.random(codes.shape) < 0.1] = np.nan
    tables = contingency_tables(codes, 4)
    for b, i, j in ((0, 0, 1), (1, 2, 3), (1, 1, 1)):
        expected = np.zeros((4, 4))
        np.add.at(expected, (codes[b, :, i][~np.isnan(codes[b, :, i] + codes[b, :, j])].astype(int) - 1,
                             codes[b, :, j][~np.isnan(codes[b, :, i] + codes[b, :, j])].astype(int) - 1), 1)
        np.testing.assert_array_equal(tables[b, i, j], expected)
    assert tables.dtype == np.float64


def test_thresholds_are_the_normal_quantiles_of_the_cumulative_shares():
    codes = np.array([[1, 2], [2, 2], [2, np.nan], [3, 1]], dtype=float)
    tau = thresholds(codes, 3)
    assert tau[0] == pytest.approx(norm.ppf([0.25, 0.75]))
    assert tau[1] == pytest.approx(norm.ppf([1 / 3, 1.0]))  # the third category nobody chose: +inf


def test_bfi_matches_psych():
    """psych::polychoric on the 25 bfi items (2,800 respondents, 6 categories, pairwise-complete):
    thresholds to 1e-8, correlations to 1e-3 (psych stops its search at about 1e-4; measured 2e-5)."""
    data = pd.read_csv(ROOT / "examples" / "public-data" / "bfi" / "bfi.csv")[BFI_ITEMS]
    rho, tau = polychoric(data, categories=6)
    expected_rho = pd.read_csv(FIXTURES / "polychoric_bfi_rho.csv", index_col=0)
    expected_tau = pd.read_csv(FIXTURES / "polychoric_bfi_tau.csv", index_col=0)
    assert list(rho.columns) == list(expected_rho.columns)
    np.testing.assert_allclose(tau.to_numpy(), expected_tau.to_numpy(), atol=1e-8)
    np.testing.assert_allclose(rho.to_numpy(), expected_rho.to_numpy(), atol=1e-3)
    assert np.abs(rho.to_numpy() - expected_rho.to_numpy()).max() > 0  # a real comparison, not a copy


def test_recovers_the_latent_correlation_of_cut_normal_data():
    rng = np.random.default_rng(11)
    latent = rng.multivariate_normal([0, 0, 0], [[1, 0.6, -0.3], [0.6, 1, 0.1], [-0.3, 0.1, 1]], size=40_000)
    cuts = [-1.0, -0.2, 0.5, 1.3]
    codes = pd.DataFrame(np.digitize(latent, cuts) + 1.0, columns=["a", "b", "c"])
    rho, tau = polychoric(codes, categories=5)
    assert rho.loc["a", "b"] == pytest.approx(0.6, abs=0.02) and rho.loc["a", "c"] == pytest.approx(-0.3, abs=0.02)
    assert tau.loc["b"].to_numpy() == pytest.approx(cuts, abs=0.03)
    # Pearson on the codes understates the latent correlation; the polychoric does not
    assert np.corrcoef(codes["a"], codes["b"])[0, 1] < rho.loc["a", "b"] - 0.02


def test_smoothing_matches_psych_and_leaves_a_positive_definite_matrix_alone():
    bad = np.array([[1, 0.9, 0.2], [0.9, 1, 0.8], [0.2, 0.8, 1]])
    expected = pd.read_csv(FIXTURES / "cor_smooth.csv").to_numpy()
    smoothed = smooth_correlation(bad)
    np.testing.assert_allclose(smoothed, expected, atol=1e-9)
    assert np.linalg.eigvalsh(smoothed).min() > 0
    good = np.array([[1, 0.3], [0.3, 1]])
    assert np.array_equal(smooth_correlation(good), good)


def test_batch_fisher_scoring_agrees_with_the_golden_section():
    """polychoric_batch (Fisher scoring) and polychoric (golden section) solve the same equations: 1e-6 on bfi
    (2,800 respondents, missing answers) and on small samples with empty cells and an unused category."""
    data = pd.read_csv(ROOT / "examples" / "public-data" / "bfi" / "bfi.csv")[BFI_ITEMS[:10]]
    rho, _ = polychoric(data, categories=6)
    np.testing.assert_allclose(polychoric_batch(data.to_numpy(float)[None], 6)[0], rho.to_numpy(), atol=1e-6)
    rng = np.random.default_rng(2)
    small = rng.integers(1, 5, size=(3, 30, 4)).astype(float)  # category 5 never used
    small[0, :3, 1] = np.nan
    batch = polychoric_batch(small, 5)
    for k in range(3):
        np.testing.assert_allclose(batch[k], polychoric(pd.DataFrame(small[k]), 5)[0].to_numpy(), atol=1e-6)
    # started elsewhere (as bootstrap resamples start from the full sample's estimate), the same solution
    np.testing.assert_allclose(polychoric_batch(small, 5, start=np.full((4, 4), 0.5)), batch, atol=1e-6)


def test_resampled_tables_give_the_resampled_data_sets_answers():
    """polychoric_resampled (counts of each respondent) = polychoric_batch on the gathered resamples, to rounding,
    however many resamples are fitted together; missing answers and an unused category included."""
    rng = np.random.default_rng(8)
    latent = rng.multivariate_normal(np.zeros(5), 0.5 + 0.5 * np.eye(5), size=200)
    codes = (np.digitize(latent, [-1.2, -0.2, 0.7]) + 1).astype(float)  # category 5 never used
    codes[rng.random(codes.shape) < 0.05] = np.nan
    rows = rng.integers(0, 200, size=(7, 200))
    weights = np.stack([np.bincount(r, minlength=200) for r in rows])
    start = polychoric_batch(codes[None], 5)[0]
    gathered = polychoric_batch(codes[rows], 5, tolerance=1e-7, start=start)
    for batch in (None, 3):
        np.testing.assert_allclose(polychoric_resampled(codes, 5, weights, tolerance=1e-7, start=start, batch=batch), gathered, rtol=0, atol=1e-12)


def test_polychoric_efa_matches_psych():
    """psych::fa(polychoric(x)$rho, 2, fm = "minres", rotate = "oblimin") on ten bfi items (complete answers,
    tests/fixtures/lavaan/cfa.R): pattern loadings to 1e-3."""
    data = pd.read_csv(ROOT / "examples" / "public-data" / "bfi" / "bfi.csv").dropna(subset=[*BFI_ITEMS[:10], "gender"])[BFI_ITEMS[:10]]
    rho, _ = polychoric(data, categories=6)
    intended = {item: ("agree" if item.startswith("A") else "consc") for item in data.columns}
    result = run_efa(data.astype(float), intended, 2, "minres", "oblimin", corr=rho)
    expected = pd.read_csv(ROOT / "tests" / "fixtures" / "lavaan" / "polychoric_efa_loadings.csv", index_col=0)
    ours = result.loadings[["consc", "agree"]].to_numpy()
    theirs = expected[["MR2", "MR1"]].to_numpy()
    theirs = theirs * np.sign(theirs.sum(axis=0) * ours.sum(axis=0))  # psych's signs are arbitrary
    np.testing.assert_allclose(ours, theirs, atol=1e-3)


def test_kmo_and_bartlett_from_a_matrix_equal_factor_analyzer_on_data():
    from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo

    data = pd.read_csv(ROOT / "examples" / "public-data" / "bfi" / "bfi.csv")[BFI_ITEMS].dropna()
    per_item, total = kmo(np.corrcoef(data.to_numpy(), rowvar=False))
    fa_items, fa_total = calculate_kmo(data)
    np.testing.assert_allclose(per_item, fa_items, atol=1e-12)
    assert total == pytest.approx(fa_total, abs=1e-12)
    chi2, df, p = bartlett_sphericity(np.corrcoef(data.to_numpy(), rowvar=False), len(data))
    fa_chi2, fa_p = calculate_bartlett_sphericity(data)
    assert chi2 == pytest.approx(fa_chi2, rel=1e-10) and df == 300 and p == pytest.approx(fa_p, abs=1e-12)


def test_parallel_analysis_on_resampled_answers():
    """Seeded; keeps two factors of two-cluster ordinal data and none of independent answers."""
    rng = np.random.default_rng(4)
    factors_ = rng.normal(size=(300, 2))
    latent = np.repeat(factors_, 4, axis=1) * 0.8 + rng.normal(size=(300, 8)) * 0.6
    codes = pd.DataFrame(np.digitize(latent, [-1.0, -0.3, 0.3, 1.0]) + 1.0)
    rho, _ = polychoric(codes, 5)
    keep, table = parallel_analysis_polychoric(codes, rho, 5, 50, 95, seed=9)
    again = parallel_analysis_polychoric(codes, rho, 5, 50, 95, seed=9)[1]
    assert keep == 2 and table.equals(again)
    assert not table.equals(parallel_analysis_polychoric(codes, rho, 5, 50, 95, seed=10)[1])
    noise = pd.DataFrame(rng.integers(1, 6, size=(300, 8)).astype(float))
    assert parallel_analysis_polychoric(noise, polychoric(noise, 5)[0], 5, 50, 95, seed=9)[0] == 0


def test_empty_cells_are_handled_as_lavaan_handles_them():
    """lavaan::lavCor on three-to-four small items (tests/fixtures/lavaan/zero_cell.R): a 2 x 2 table with one empty
    cell (corrected, keeping the margins), one with two (a correlation of -1), larger tables as they are; 1e-6."""
    lavaan = ROOT / "tests" / "fixtures" / "lavaan"
    data = pd.read_csv(lavaan / "zero_cell_items.csv").astype(float)
    expected = pd.read_csv(lavaan / "zero_cell_rho.csv", index_col=0).to_numpy()
    np.testing.assert_allclose(polychoric(data, 3)[0].to_numpy(), expected, atol=1e-6)
    np.testing.assert_allclose(polychoric_batch(data.to_numpy()[None], 3)[0], expected, atol=1e-6)
    # without the correction the one-empty-cell pair would be near 1: the fixture really tests it
    assert expected[0, 1] < 0.8
