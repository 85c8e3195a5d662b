"""Study 2 psychometrics: descriptives, retention, EFA naming, reliability bootstrap, bad data, any questionnaire."""

import copy

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import yaml
from factor_analyzer import FactorAnalyzer
from statsmodels.stats.proportion import proportion_confint

from camhs_rom.core.errors import InputError
from camhs_rom.core.schemas import with_defaults
from camhs_rom.ingest.survey import clean_responses
from camhs_rom.instruments.questionnaire import questionnaire_from_dict
from camhs_rom.stats.factors import check_factorable, congruence, loading_flags, name_factors, run_efa
from camhs_rom.stats.reliability import _paf_eigh, alpha_batch, feldt_interval, omega_batch, omega_total, one_factor_uniquenesses
from camhs_rom.stats.retention import parallel_analysis
from camhs_rom.study2.descriptives import frequency_of_use, item_descriptives, sample_description
from camhs_rom.study2.efa import ItemMatrix, retention
from camhs_rom.study2.reliability import reliability
from camhs_rom.study2.steps import study2_psychometrics
from camhs_rom.synthetic.study2 import simulate_study2, write_study2_export

from .conftest import SPEC

OUTPUT_KEYS = [
    "sample", "sample_numeric", "frequency", "item_descriptives", "responses", "factorability", "kmo_items", "n_factors",
    "scree", "map", "loadings", "loading_flags", "structure", "factor_correlations", "communalities", "variance", "fit",
    "congruence", "reliability", "item_reliability", "scores",
]
CONTRACT = {
    "frequency": ["level", "n", "pct", "ci_low", "ci_high"],
    "factorability": ["measure", "value"],
    "n_factors": ["rule", "n_factors"],
    "loadings": ["item", "factor", "loading"],
    "reliability": ["subscale", "n_items", "n", "alpha", "alpha_ci_low", "alpha_ci_high", "omega_total"],
}
# The documented EFA settings (schema defaults), with fewer parallel-analysis data sets for speed.
EFA = with_defaults({"study2": {"questionnaire": "q.yaml", "responses": "r.csv", "efa": {"parallel_analysis": {"iterations": 200}}}}, "config")["study2"]["efa"]


def run_stage(tmp_path, clean, spec_path, efa=EFA, resamples=200):
    (tmp_path / "coded.csv").write_text(clean.coded.to_csv(index=False), encoding="utf-8")
    (tmp_path / "scored.csv").write_text(clean.scored.to_csv(index=False), encoding="utf-8")
    outputs = {k: tmp_path / f"{k}.csv" for k in OUTPUT_KEYS}
    study2_psychometrics(tmp_path / "coded.csv", tmp_path / "scored.csv", spec_path, "responses.csv", efa, {"resamples": resamples, "ci": 0.95}, 7, outputs)
    return {k: pd.read_csv(v, keep_default_na=False) for k, v in outputs.items()}


@pytest.fixture(scope="module")
def default_tables(tmp_path_factory, synthetic_dir, questionnaire):
    clean = clean_responses(synthetic_dir / "responses.csv", questionnaire)
    return run_stage(tmp_path_factory.mktemp("study2"), clean, SPEC)


def test_default_reproduces_the_published_sample_and_structure(default_tables):
    t = default_tables
    for key, columns in CONTRACT.items():
        assert list(t[key].columns[: len(columns)]) == columns, key
    freq = t["frequency"].set_index("level")
    assert freq.loc["almost always", "n"] == 4 and round(freq.loc["almost always", "pct"], 1) == 6.8
    assert freq["n"].sum() == 59
    teams = t["sample"][t["sample"].variable == "team"]
    assert len(teams) == 4 and teams["n"].sum() == 59
    used = t["n_factors"].set_index("rule").loc["used", "n_factors"]
    assert int(used) == 2
    assert set(t["loadings"]["factor"]) == {"positive_impact", "negative_impact"}
    assert not t["loading_flags"]["misplaced"].astype(str).eq("True").any()
    matched = t["congruence"][t["congruence"]["matched"].astype(str) == "True"]
    assert (matched["congruence"].astype(float) > 0.9).all()
    rel = t["reliability"].set_index("subscale")
    assert (rel["alpha"].astype(float) > 0.7).all()
    assert (rel["alpha_ci_low"].astype(float) < rel["alpha"].astype(float)).all()
    scores = t["scores"]
    assert len(scores) == 59 and {"positive_impact", "negative_impact"} <= set(scores.columns)


def test_wilson_interval_matches_statsmodels(questionnaire):
    coded = pd.DataFrame({"frequency": ["never"] * 10 + ["often"] * 3 + [None]})
    table = frequency_of_use(coded, questionnaire).set_index("level")
    low, high = proportion_confint(3, 13, method="wilson")
    assert table.loc["often", ["n", "n_answered"]].tolist() == [3, 13]
    assert table.loc["often", "ci_low"] == pytest.approx(100 * low)
    assert table.loc["often", "ci_high"] == pytest.approx(100 * high)
    assert table.loc["rarely", "n"] == 0 and table.loc["rarely", "ci_low"] == pytest.approx(0)


def test_item_descriptives_by_hand(questionnaire):
    q = questionnaire
    coded = pd.DataFrame({i: [1, 2, 5, 5, np.nan] for i in q.item_ids})
    coded["group"], coded["team"], coded["profession"], coded["years_qualified"] = "user", "A", "n", 3
    scored = coded.copy()
    table = item_descriptives(coded, scored, q).set_index("item")
    row = table.loc[q.item_ids[0]]
    assert row["n"] == 4 and row["missing_pct"] == 20
    assert row["mean"] == pytest.approx(3.25) and row["sd"] == pytest.approx(np.std([1, 2, 5, 5], ddof=1))
    assert row["floor_pct"] == 25 and row["ceiling_pct"] == 50
    sample, numeric = sample_description(coded, q)
    assert numeric.set_index("variable").loc["years_qualified", "mean"] == 3


def test_feldt_interval_matches_pingouin():
    rng = np.random.default_rng(5)
    data = pd.DataFrame(rng.standard_normal((80, 1)) + rng.standard_normal((80, 6)))
    alpha, ci = pg.cronbach_alpha(data=data)
    low, high = feldt_interval(alpha, 80, 6, 0.95)
    assert (round(low, 3), round(high, 3)) == tuple(ci)


def test_bootstrap_estimators_equal_the_libraries_per_resample():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((70, 1)) * 0.8 + rng.standard_normal((70, 5))
    weights = rng.multinomial(70, np.full(70, 1 / 70), size=4).astype(float)
    alphas, omegas = alpha_batch(x, weights), omega_batch(x, weights)
    for b in range(4):
        resample = pd.DataFrame(np.repeat(x, weights[b].astype(int), axis=0))
        assert alphas[b] == pytest.approx(pg.cronbach_alpha(data=resample)[0], abs=1e-10)
        assert omegas[b] == pytest.approx(omega_total(resample), abs=1e-4)


def test_power_step_uniquenesses_equal_the_eigendecomposition_path():
    # 300 bootstrap correlation matrices of 6 items, plus one with a Heywood case (item 0
    # correlates .9 with items 1 and 2, which correlate .3: communality at the 1.0 bound) and one with near-zero
    # correlations, where the first eigenvalue barely leads: the fast path must reach
    # the same fixed point as full eigendecompositions, to well inside the 1e-8 step tolerance.
    rng = np.random.default_rng(12)
    x = rng.standard_normal((60, 1)) * 0.7 + rng.standard_normal((60, 6))
    weights = rng.multinomial(60, np.full(60, 1 / 60), size=300).astype(float)
    from camhs_rom.stats.reliability import weighted_covariances

    cov = weighted_covariances(x, weights)
    sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    corr = cov / (sd[:, :, None] * sd[:, None, :])
    heywood = np.full((6, 6), 0.3) + np.eye(6) * 0.7
    heywood[0, 1:3] = heywood[1:3, 0] = 0.9
    heywood[1, 2] = heywood[2, 1] = 0.3
    weak = np.full((6, 6), 0.02) + np.eye(6) * 0.98
    batch = np.concatenate([corr, heywood[None], weak[None]])
    fast, slow = one_factor_uniquenesses(batch), _paf_eigh(batch, 1e-8, 5000)
    assert np.abs(fast - slow).max() < 1e-6
    assert fast[-2].min() == pytest.approx(0.0, abs=1e-9)  # the bound 1 - 1.0 is reached


def test_parallel_analysis_is_seeded_and_finds_two_factors(config):
    q = questionnaire_from_dict(yaml.safe_load(SPEC.read_text(encoding="utf-8")), SPEC)
    frame = simulate_study2(q, dict(config["synthetic"]["study2"], n_respondents=400, missing_share=0), 3)
    data = frame[q.item_ids].astype(float)
    a = parallel_analysis(data, 100, 95, seed=1)
    b = parallel_analysis(data, 100, 95, seed=1)
    c = parallel_analysis(data, 100, 95, seed=2)
    assert a[0] == 2
    pd.testing.assert_frame_equal(a[1], b[1])
    assert not a[1]["random_mean"].equals(c[1]["random_mean"])


def test_retention_fixed_and_rules(config):
    q = questionnaire_from_dict(yaml.safe_load(SPEC.read_text(encoding="utf-8")), SPEC)
    data = simulate_study2(q, dict(config["synthetic"]["study2"], n_respondents=300, missing_share=0), 4)[q.item_ids].astype(float)
    table, _, _, used = retention(ItemMatrix.pearson(data), dict(EFA, n_factors=3), 1)
    assert used == 3 and table.set_index("rule").loc["used", "detail"].startswith("fixed")
    table, _, _, used = retention(ItemMatrix.pearson(data), dict(EFA, retention="map"), 1)
    assert used == table.set_index("rule").loc["map", "n_factors"]


def test_simulated_two_factor_model_is_recovered(config):
    """n = 2,000 from the generator: the matched factors' congruence with the intended pattern is >= .95."""
    q = questionnaire_from_dict(yaml.safe_load(SPEC.read_text(encoding="utf-8")), SPEC)
    frame = simulate_study2(q, dict(config["synthetic"]["study2"], n_respondents=2000, missing_share=0), 11)
    data = q.keyed_items(frame)
    result = run_efa(data, q.intended_subscales, 2, "minres", "oblimin")
    matched = result.congruence[result.congruence["matched"]]
    assert len(matched) == 2 and (matched["congruence"] >= 0.95).all()


def test_factors_are_named_and_reflected_whatever_their_order(questionnaire):
    q = questionnaire
    target = np.array([[i.subscale == s for s in q.subscales] for i in q.items], dtype=float)
    scrambled = -target[:, ::-1] * 0.7  # factor order swapped and both reflected
    names, signs, table = name_factors(scrambled, q.item_ids, q.intended_subscales)
    assert names == list(q.subscales)[::-1] and (signs == -1).all()
    assert table[table.matched]["congruence"].tolist() == pytest.approx([1.0, 1.0])
    assert congruence(target, target)[0, 0] == pytest.approx(1.0)


def test_matched_congruences_from_the_arrays_equal_those_from_the_table(questionnaire):
    """Three factors for two subscales (one unmatched), reflected and scrambled, and a subscale no factor
    carries: the power stage's array form gives the table's values, NaN for the subscale without a factor."""
    from camhs_rom.stats.factors import match_factors, matched_congruences, matched_from_arrays

    q = questionnaire
    rng = np.random.default_rng(2)
    target = np.array([[i.subscale == s for s in q.subscales] for i in q.items], dtype=float)
    loadings = np.column_stack([rng.normal(0, 0.1, len(q.items)), -0.6 * target[:, 1], 0.5 * target[:, 0]]) + rng.normal(0, 0.05, (len(q.items), 3))
    wanted = [*q.subscales, "not_a_subscale"]
    _, _, table = name_factors(loadings, q.item_ids, q.intended_subscales)
    names, signs, phi = match_factors(loadings, target, list(q.subscales))
    from_arrays = matched_from_arrays(names, signs, phi, list(q.subscales), wanted)
    assert from_arrays[:2] == matched_congruences(table, wanted)[:2] and np.isnan(from_arrays[2]) and np.isnan(matched_congruences(table, wanted)[2])
    assert "factor_1" in names and signs.tolist() == [1.0, -1.0, 1.0] and min(from_arrays[:2]) > 0.9


def test_loading_flags(questionnaire):
    q = questionnaire
    loadings = pd.DataFrame(0.7 * np.array([[i.subscale == s for s in q.subscales] for i in q.items], dtype=float), index=q.item_ids, columns=list(q.subscales))
    first, second = q.item_ids[0], q.item_ids[1]
    loadings.loc[first] = [0.2, 0.1]  # weak on its own factor
    loadings.loc[second] = [0.5, 0.45]  # cross-loads
    flags = loading_flags(loadings, q.intended_subscales, 0.3, 0.3).set_index("item")
    assert flags.loc[first, "low_loading"] and not flags.loc[first, "cross_loading"]
    assert flags.loc[second, "cross_loading"] and not flags.loc[second, "low_loading"]
    assert not flags.drop(index=[first, second])[["low_loading", "cross_loading", "misplaced"]].any().any()


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda d: d.assign(q1=3.0), "column q1: found the same answer from every respondent"),
        (lambda d: d.head(5), "found 5 respondents with every item answered, for 6 items"),
        (lambda d: d.assign(q6=d["q1"] + d["q2"]), "a singular correlation matrix"),
    ],
)
def test_data_that_cannot_be_factored(mutate, match):
    rng = np.random.default_rng(2)
    data = pd.DataFrame(rng.integers(1, 6, (50, 6)).astype(float), columns=[f"q{k}" for k in range(1, 7)])
    with pytest.raises(InputError, match=match):
        check_factorable(mutate(data), "responses.csv")


def test_more_factors_than_the_items_allow():
    rng = np.random.default_rng(2)
    data = pd.DataFrame(rng.standard_normal((50, 6)), columns=list("abcdef"))
    with pytest.raises(InputError, match="key study2.efa.n_factors: found 4 factors for 6 items; expected at most 3 factors"):
        check_factorable(data, "responses.csv", 4)


def test_one_item_subscale_is_a_documented_fallback(questionnaire):
    spec = copy.deepcopy(yaml.safe_load(SPEC.read_text(encoding="utf-8")))
    spec["subscales"]["single"] = {"label": "Single"}
    spec["items"][0]["subscale"] = "single"
    q = questionnaire_from_dict(spec, "spec.yaml")
    rng = np.random.default_rng(1)
    scored = pd.DataFrame(rng.integers(1, 6, (40, len(q.items))).astype(float), columns=q.item_ids)
    table, _ = reliability(scored, q, 50, 0.95, 1)
    single = table.set_index("subscale").loc["single"]
    assert single["n_items"] == 1 and np.isnan(single["alpha"]) and "one item" in single["note"]


def test_any_questionnaire_three_subscales_on_a_seven_point_scale(tmp_path, config):
    spec = copy.deepcopy(yaml.safe_load(SPEC.read_text(encoding="utf-8")))
    spec["response_scale"] = {"min": 1, "max": 7}
    spec["subscales"]["practical"] = {"label": "Practical burden"}
    for k in range(12, 18):
        spec["items"][k]["subscale"] = "practical"
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    q = questionnaire_from_dict(spec, tmp_path / "spec.yaml")
    settings = dict(config["synthetic"]["study2"], n_respondents=400, user_shift={"positive_impact": 0.5})
    frame = simulate_study2(q, settings, 5)
    write_study2_export(frame, q, tmp_path / "responses.csv", 5, labels=False)
    clean = clean_responses(tmp_path / "responses.csv", q)
    tables = run_stage(tmp_path, clean, tmp_path / "spec.yaml", efa=dict(EFA, n_factors=3))
    assert set(tables["loadings"]["factor"]) == {"positive_impact", "negative_impact", "practical"}
    assert tables["reliability"]["subscale"].tolist() == ["positive_impact", "negative_impact", "practical"]
    assert sorted(tables["responses"]["code"].unique().tolist()) == list(range(1, 8))
    assert not tables["loading_flags"]["misplaced"].astype(str).eq("True").any()


def test_factor_analyzer_oblimin_is_deterministic():
    rng = np.random.default_rng(0)
    data = rng.standard_normal((100, 6)) + rng.standard_normal((100, 1))
    a = FactorAnalyzer(n_factors=2, rotation="oblimin", svd_method="lapack").fit(data).loadings_
    b = FactorAnalyzer(n_factors=2, rotation="oblimin", svd_method="lapack").fit(data).loadings_
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("rotation", ["oblimin", "promax", "varimax", "none"])
def test_principal_extraction_matches_factor_analyzer(rotation):
    """Exact principal loadings agree with factor_analyzer's randomised SVD (accurate to ~1e-6)."""
    from camhs_rom.stats.factors import fit_efa

    rng = np.random.default_rng(4)
    data = pd.DataFrame(rng.standard_normal((150, 2)) @ rng.uniform(0.3, 0.9, (2, 7)) + rng.standard_normal((150, 7)))
    ours = fit_efa(data, 2, "principal", rotation).loadings_
    theirs = FactorAnalyzer(2, rotation=None if rotation == "none" else rotation, method="principal", svd_method="randomized").fit(data.to_numpy()).loadings_
    assert ours.shape == (7, 2)
    np.testing.assert_allclose(np.abs(ours), np.abs(theirs), atol=1e-5)


@pytest.mark.parametrize("extraction", ["minres", "ml", "principal"])
@pytest.mark.parametrize("rotation", ["oblimin", "promax", "varimax"])
def test_every_configured_extraction_and_rotation_recovers_the_subscales(default_tables, synthetic_dir, questionnaire, extraction, rotation):
    from camhs_rom.study2.efa import efa_data

    scored = clean_responses(synthetic_dir / "responses.csv", questionnaire).scored
    result = run_efa(efa_data(scored, questionnaire.item_ids), questionnaire.intended_subscales, 2, extraction, rotation)
    matched = result.congruence[result.congruence["matched"]]
    assert len(matched) == 2 and (matched["congruence"] >= 0.95).all()


@pytest.mark.parametrize(("resamples", "n"), [(2000, 59), (2000, 100_000), (7, 3), (10_000, 4_000_001)])
def test_bootstrap_batches_cover_every_resample_in_bounded_memory(resamples, n):
    from camhs_rom.core.seeding import batches

    sizes = batches(resamples, n)
    assert sum(sizes) == resamples and min(sizes) >= 1
    assert max(sizes) * n <= max(4e6, n)  # one resample of n units is the least a batch can hold
    if resamples * n <= 4e6:
        assert sizes == [resamples]  # small samples draw everything at once


@pytest.mark.parametrize("n, p", [(30, 80), (200, 30)])
def test_parallel_analysis_null_equals_the_direct_computation(n, p):
    """The random eigenvalues (BLAS products; with n < p from the n x n matrix ZZ', with n > p from the
    centred and scaled p x p cross-products) equal the textbook computation on the same draws (to 1e-12):
    standardise each column, form the p x p correlation matrix, take its eigenvalues."""
    from camhs_rom.core.seeding import rng_for
    from camhs_rom.stats.retention import random_eigenvalues

    iterations = 40
    fast = random_eigenvalues(n, p, iterations, 7)
    rng = rng_for(7, "study2-parallel-analysis")
    noise = rng.standard_normal((iterations, n, p))
    noise -= noise.mean(axis=1, keepdims=True)
    noise /= np.sqrt((noise**2).sum(axis=1, keepdims=True))
    full = np.linalg.eigvalsh(np.einsum("bni,bnj->bij", noise, noise))[:, ::-1]
    np.testing.assert_allclose(fast, full, atol=1e-12)
    assert (fast[:, n:] == 0).all() and not fast.flags.writeable  # n < p: the other p - n are exactly zero


def test_full_rank_agrees_with_the_eigenvalue_test():
    """The Cholesky fast path decides rank as numpy.linalg.matrix_rank's tolerance does: on well-conditioned,
    exactly singular (a duplicated item) and nearly singular correlation matrices, chunks mixed."""
    from camhs_rom.stats.reliability import full_rank

    rng = np.random.default_rng(4)
    batch = []
    for kind in ["good"] * 40 + ["duplicate"] * 3 + ["near"] * 3:
        x = rng.standard_normal((50, 6)) + rng.standard_normal((50, 1))
        if kind == "duplicate":
            x[:, 5] = x[:, 4]
        if kind == "near":
            x[:, 5] = x[:, 4] + 1e-9 * rng.standard_normal(50)
        batch.append(np.corrcoef(x, rowvar=False))
    batch = np.array(batch)
    values = np.linalg.eigvalsh(batch)
    expected = values[:, 0] > values[:, -1] * 6 * np.finfo(float).eps
    assert expected[:40].all() and not expected[40:43].any()
    np.testing.assert_array_equal(full_rank(batch, chunk=8), expected)
    np.testing.assert_array_equal(full_rank(batch[:40]), expected[:40])
