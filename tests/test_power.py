"""The power simulation: designs, chunking, the simulated path through the real cleaning, summaries."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.power import TTestIndPower
from statsmodels.stats.proportion import proportion_confint

from camhs_rom.core.audit import AuditLog
from camhs_rom.ingest.survey import clean_responses, score_items
from camhs_rom.robustness.fitted import draw_fitted, simulate_coded
from camhs_rom.robustness.plan import chunk, designs
from camhs_rom.robustness.power import (
    expected_group_sizes,
    minimum_detectable,
    run_power_part,
    run_replicates,
    simulated_coded,
    statements,
    summarise,
)
from camhs_rom.synthetic.study2 import simulate_study2, write_study2_export


def small(config, **power) -> dict:
    out = copy.deepcopy(config)
    out["robustness"]["power"].update(power)
    return out


def test_designs_and_chunks(config):
    table = designs(config["robustness"]["power"])
    assert table["design"].is_unique
    assert (table["kind"] == "sample_size").sum() == len(config["robustness"]["power"]["sample_sizes"])
    assert (table.loc[table["kind"] == "effect", "n"] == config["robustness"]["power"]["reference_n"]).all()
    for chunks in (1, 2, 3, 7):
        numbers = [r for k in range(1, chunks + 1) for r in chunk(10, k, chunks)]
        assert numbers == list(range(10))


def test_simulated_data_take_the_same_path_as_a_file(tmp_path, questionnaire, config):
    # a simulated data set, scored directly, equals the same data written as a survey export and cleaned
    settings = dict(config["synthetic"]["study2"], n_respondents=40)
    frame = simulate_study2(questionnaire, settings, 11)
    write_study2_export(frame, questionnaire, tmp_path / "r.csv", 11, labels=True)
    from_file = clean_responses(tmp_path / "r.csv", questionnaire).scored
    direct = score_items(simulated_coded(frame, questionnaire), questionnaire, "x", AuditLog())
    cols = ["respondent_id", "group", "frequency", *questionnaire.item_ids, "scorable_positive_impact", "scorable_negative_impact"]
    pd.testing.assert_frame_equal(direct[cols].reset_index(drop=True), from_file[cols].reset_index(drop=True), check_dtype=False)


def analyse_by_tables(coded, q, config, seed, null_seed):
    """The reference: one replicate through the Study 2 step's table functions, one at a time
    (score_items -> efa_data -> retention -> run_efa -> loading_flags -> subscale_scores)."""
    from camhs_rom.core.audit import DiscardedAudit
    from camhs_rom.core.errors import InputError, short_reason
    from camhs_rom.core.seeding import rng_for
    from camhs_rom.replication.claims import directional_tests, two_factors_recovered
    from camhs_rom.replication.roles import roles_present
    from camhs_rom.stats.factors import MODEL_ERRORS, check_factorable, check_n_factors, loading_flags, matched_congruences, run_efa
    from camhs_rom.study2.comparisons import compared_groups
    from camhs_rom.study2.efa import ItemMatrix, efa_data, retention
    from camhs_rom.study2.reliability import subscale_scores

    power, replication = config["robustness"]["power"], config["replication"]
    efa = dict(config["study2"]["efa"])
    efa["parallel_analysis"] = dict(efa["parallel_analysis"], iterations=power["parallel_analysis_iterations"])
    scored = score_items(coded, q, "<simulation>", DiscardedAudit())
    out = {"n_analysed": np.nan, "n_factors": np.nan, "two_factors": False, "note": ""}
    data = efa_data(scored, q.item_ids)
    out["n_analysed"] = len(data)
    try:
        check_factorable(data, "<simulation>")
        n_factors = retention(ItemMatrix.pearson(data), efa, null_seed)[3]
        out["n_factors"] = n_factors
        check_n_factors(data.shape[1], n_factors)
        result = run_efa(data, q.intended_subscales, n_factors, efa["extraction"], efa["rotation"])
        flags = loading_flags(result.loadings, q.intended_subscales, efa["min_loading"], efa["cross_loading"])
    except (InputError, *MODEL_ERRORS) as error:
        out["note"] = f"no factor analysis: {error.found if isinstance(error, InputError) else short_reason(error)}"
    else:
        phis = matched_congruences(result.congruence, replication["subscales"].values())
        out["two_factors"] = two_factors_recovered(n_factors, phis, int(flags["misplaced"].sum()), replication)
    scores = subscale_scores(scored, q)
    pairs, present = {}, roles_present(replication, q.subscales)
    for key, subscale in replication["subscales"].items():
        if key not in present:
            pairs[key] = (np.array([]), np.array([]))
            continue
        answered = scores.dropna(subset=[subscale, "group"])
        pairs[key] = tuple(answered.loc[answered["group"] == g, subscale].to_numpy(float) for g in compared_groups(q))
    rng = rng_for(seed, "power-test")
    tested = directional_tests(pairs, replication["test"], config["study2"]["comparisons"]["permutations"], dict.fromkeys(pairs, rng), replication["alpha"])
    for key, cells in tested.items():
        out.update({f"{key}_{name}": cells[name] for name in ("difference", "d", "p", "p_holm")})
        out[f"{key}_supported"] = bool(cells["supported"]) if key in present else np.nan
    return out


def same_cells(a: dict, b: dict) -> bool:
    """Equal to the last bit, NaN equal to NaN, and of the same Python/numpy kind (the table's dtypes follow)."""
    assert a.keys() == b.keys()
    for key in a:
        x, y = a[key], b[key]
        if isinstance(x, float) and np.isnan(x):
            assert isinstance(y, float) and np.isnan(y), (key, x, y)
        else:
            assert x == y and type(x) is type(y), (key, x, y)
    return True


@pytest.mark.parametrize(
    "change",
    [
        {},  # the default: parallel analysis, MINRES, oblimin, Welch, person-mean pro-rating
        {"study2.efa.retention": "map", "study2.efa.rotation": "promax", "replication.test": "permutation"},
        {"study2.efa.retention": "kaiser", "study2.efa.extraction": "ml", "replication.test": "mann_whitney"},
        {"study2.efa.n_factors": 3, "study2.efa.extraction": "principal", "study2.efa.rotation": "varimax"},
        {"missing": "listwise", "synthetic.study2.missing_share": 0.04},
    ],
    ids=["default", "map-promax-permutation", "kaiser-ml-mann-whitney", "three-principal-varimax", "listwise"],
)
def test_the_array_route_gives_every_replicate_the_table_routes_numbers(questionnaire, config, change):
    """Batch = one at a time: the power stage's array analysis (robustness.replicate) equals, cell by
    cell and to the last bit, the same replicate taken through the Study 2 step's table functions;
    sizes from 12 respondents (the EFA refused: the note) to 200, shifts 0 to 1.2 SD."""
    import dataclasses

    from camhs_rom.core.seeding import rng_for
    from camhs_rom.robustness.power import replicate_seed
    from camhs_rom.robustness.replicate import AnalysisPlan, analyse
    from camhs_rom.synthetic.study2 import draw_study2

    cfg = copy.deepcopy(config)
    cfg["robustness"]["power"]["parallel_analysis_iterations"] = 50
    cfg["study2"]["comparisons"]["permutations"] = 200
    q = questionnaire
    for key, value in change.items():
        if key == "missing":
            q = dataclasses.replace(q, missing_method=value)
            continue
        *path, last = key.split(".")
        node = cfg
        for part in path:
            node = node[part]
        node[last] = value
    plan = AnalysisPlan.of(q, cfg)
    notes = 0
    for k, (n, shift) in enumerate([(12, 0.0), (19, 0.3), (30, 0.0), (59, 0.5), (59, 1.2), (200, 0.2)] * 3):
        seed = replicate_seed(cfg["seed"], "check", k)
        settings = dict(cfg["synthetic"]["study2"], n_respondents=n, n_items=None, user_shift={s: shift for s in q.subscales})
        frame = simulate_study2(q, settings, seed)
        draw = draw_study2(q, settings, seed)
        groups = np.where(draw.is_user, *plan.groups).astype(object)
        expected = analyse_by_tables(simulated_coded(frame, q), q, cfg, seed, 77)
        assert same_cells(analyse(plan, groups, draw.answers, seed, 77), expected)
        notes += expected["note"] != ""
    assert 0 < notes < 18  # both branches compared: some data sets too small for the EFA, most not
    model = fit_model_of(q, cfg)
    for k, shift in enumerate((np.nan, 0.0, 0.8)):
        rng_a, rng_b = rng_for(k, "fitted"), rng_for(k, "fitted")
        groups, answers = draw_fitted(model, q, 45, shift, rng_a)
        coded = simulate_coded(model, q, 45, shift, rng_b)
        assert same_cells(analyse(plan, groups, answers, k, 78), analyse_by_tables(coded, q, cfg, k, 78))


def test_subscale_means_equal_the_score_tables_to_the_last_bit(questionnaire):
    """Pro-rated answers are fractions, whose sums depend on the order of addition: the array
    route's means must be summed as the table route's (pandas) are, or p-values move in the last digits."""
    from camhs_rom.robustness.replicate import subscale_means
    from camhs_rom.study2.reliability import subscale_scores

    rng = np.random.default_rng(8)
    q = questionnaire
    values = rng.integers(1, 6, (500, len(q.item_ids))) + rng.random((500, len(q.item_ids))) / 3  # every cell fractional
    scored = pd.DataFrame(values, columns=q.item_ids)
    for s in q.subscales:
        scored[f"scorable_{s}"] = rng.random(500) > 0.1
    tables = subscale_scores(scored, q)
    for s in q.subscales:
        cols = np.array([q.item_ids.index(i.id) for i in q.items_of(s)])
        np.testing.assert_array_equal(subscale_means(values, cols, scored[f"scorable_{s}"].to_numpy()), tables[s].to_numpy(float))


def fit_model_of(q, config):
    from camhs_rom.robustness.fitted import fit_model

    frame = simulate_study2(q, dict(config["synthetic"]["study2"], n_respondents=300, n_items=None), 9)
    return fit_model(simulated_coded(frame, q), q)


def test_replicates_do_not_depend_on_chunking(questionnaire, config):
    cfg = small(config, replicates=6, sample_sizes=[40], shifts=[], parallel_analysis_iterations=20)
    whole = run_replicates(questionnaire, cfg, "n0040", range(6))
    pieces = pd.concat([run_replicates(questionnaire, cfg, "n0040", chunk(6, k, 4)) for k in range(1, 5)], ignore_index=True)
    pd.testing.assert_frame_equal(whole, pieces)
    assert whole["replicate"].tolist() == list(range(6))
    assert whole["positive_p"].nunique() == 6  # each replicate is its own data set
    again = run_replicates(questionnaire, small(cfg, replicates=6), "n0040", range(6))
    pd.testing.assert_frame_equal(whole, again)


def test_parts_across_designs_give_the_same_rows_however_split(questionnaire, config):
    """The simulation's jobs split every design's replicates in order; any split gives the same rows."""
    from camhs_rom.robustness.plan import power_jobs, simulated_studies

    cfg = small(config, replicates=3, sample_sizes=[30, 40], shifts=[0.5], parallel_analysis_iterations=20)
    settings = cfg["robustness"]["power"]
    assert simulated_studies(settings)[:4] == [("n0030", 0), ("n0030", 1), ("n0030", 2), ("n0040", 0)]
    whole = run_power_part(questionnaire, cfg, 1, 1)
    assert len(whole) == 9 and whole["design"].unique().tolist() == ["n0030", "n0040", "shift0.50_n0059"]
    for parts in (2, 4, 9):
        split = pd.concat([run_power_part(questionnaire, cfg, k, parts) for k in range(1, parts + 1)], ignore_index=True)
        pd.testing.assert_frame_equal(whole, split)
    pd.testing.assert_frame_equal(whole[whole["design"] == "n0040"].reset_index(drop=True), run_replicates(questionnaire, cfg, "n0040", range(3)))
    assert power_jobs(settings) == settings["jobs"] and power_jobs(dict(settings, jobs_per_design=2)) == 6


def test_replicates_of_a_design_share_one_parallel_analysis_null(questionnaire, config, monkeypatch):
    """Parallel analysis's random eigenvalues are drawn once per design and number analysed, not per replicate."""
    from camhs_rom.stats import retention

    retention.random_eigenvalues.cache_clear()
    retention.random_percentile.cache_clear()
    cfg = small(config, replicates=5, sample_sizes=[40], shifts=[], parallel_analysis_iterations=20)
    rows = run_power_part(questionnaire, cfg, 1, 1)
    info = retention.random_percentile.cache_info()
    shapes = rows["n_analysed"].nunique()  # missing answers shorten some replicates: one null per shape
    assert info.misses == shapes < 5 and info.hits == 5 - shapes
    assert retention.random_eigenvalues.cache_info().misses == shapes


def test_no_shift_gives_about_the_nominal_error_rate(questionnaire, config):
    # users > non-users with Holm p < .05 when there is no difference: at most about 2.5% per
    # subscale (one tail of a two-sided test); 60 replicates, so allow up to 4 hits (p < .01 under 2.5%)
    cfg = small(config, replicates=60, sample_sizes=[], shifts=[0.0], parallel_analysis_iterations=20)
    rows = run_replicates(questionnaire, cfg, "shift0.00_n0059", range(60))
    assert rows["positive_supported"].sum() <= 4 and rows["negative_supported"].sum() <= 4
    assert rows["two_factors"].mean() > 0.9


def test_summary_rates_and_wilson_intervals():
    reps = pd.DataFrame(
        {
            "design": ["a"] * 8,
            "kind": "sample_size",
            "n": 30,
            "shift": np.nan,
            "two_factors": [True] * 8,
            "positive_supported": [True, True, True, False, False, False, False, False],
            "negative_supported": [True] * 7 + [False],
            "positive_d": 0.5,
            "negative_d": 0.7,
        }
    )
    table = summarise(reps, {"positive": "p", "negative": "n"}).set_index("quantity")
    assert table.loc["users_higher_positive", "rate"] == 3 / 8
    low, high = proportion_confint(3, 8, alpha=0.05, method="wilson")
    assert table.loc["users_higher_positive", ["ci_low", "ci_high"]].tolist() == pytest.approx([low, high], abs=1e-12)
    assert table.loc["users_higher_negative", "mc_se"] == pytest.approx(np.sqrt(7 / 8 * 1 / 8 / 8))
    assert table.loc["two_factors", "rate"] == 1.0


def test_minimum_detectable_effect_interpolates_and_matches_statsmodels(questionnaire, config):
    settings = dict(config["robustness"]["power"], reference_n=59, target_power=0.8)
    rows = []
    for shift, rate, d in ((0.0, 0.05, 0.0), (0.5, 0.6, 0.45), (1.0, 0.9, 0.95)):
        for key in ("positive", "negative"):
            rows.append(["e", "effect", 59, shift, f"users_higher_{key}", 100, rate, 0.0, 0.0, 0.0, d])
    power = pd.DataFrame(rows, columns=["design", "kind", "n", "shift", "quantity", "replicates", "rate", "mc_se", "ci_low", "ci_high", "mean_observed_d"])
    mde = minimum_detectable(power, settings, expected_group_sizes(config["synthetic"]["study2"], questionnaire, 59), 0.05, {"positive": "p", "negative": "n"})
    sim = mde[mde["method"] == "simulation"].iloc[0]
    assert sim["latent_shift"] == pytest.approx(0.5 + 0.5 * (0.2 / 0.3))
    assert sim["observed_d"] == pytest.approx(0.45 + 0.5 * (0.2 / 0.3))
    n1, n2 = expected_group_sizes(config["synthetic"]["study2"], questionnaire, 59)
    assert n1 == pytest.approx(0 * 13 + 0.05 * 16 + 0.35 * 14 + 0.9 * 12 + 1.0 * 4)
    analytic = mde[(mde["method"] == "analytic") & (mde["alpha"] == 0.05)].iloc[0]
    assert analytic["observed_d"] == pytest.approx(TTestIndPower().solve_power(nobs1=n1, ratio=n2 / n1, alpha=0.05, power=0.8))
    text = statements(power.assign(kind="effect"), mde, settings, {"positive": "positive impact", "negative": "negative impact"})
    assert any("latent shift of 0.83 SD" in line for line in text)


# ----------------------------------------------------------------- the model fitted to a team's own data


@pytest.fixture(scope="module")
def fitted(questionnaire, config):
    from camhs_rom.robustness.fitted import fit_model

    frame = simulate_study2(questionnaire, dict(config["synthetic"]["study2"], n_respondents=600), 5)
    coded = simulated_coded(frame, questionnaire)
    return coded, fit_model(coded, questionnaire)


def test_the_fitted_model_reproduces_the_teams_item_distributions_groups_and_missingness(questionnaire, fitted):
    """Known answer by construction: data simulated from the model have the fitted data's item
    answer shares (to 0.03 at n = 20,000), group share (to 0.02) and missing shares (to 0.01)."""
    from camhs_rom.robustness.fitted import simulate_coded

    coded, model = fitted
    sim = simulate_coded(model, questionnaire, 20000, None, np.random.default_rng(3))
    for item in questionnaire.item_ids:
        observed = coded[item].dropna().astype(int).value_counts(normalize=True)
        simulated = sim[item].dropna().astype(int).value_counts(normalize=True)
        assert (observed.sub(simulated, fill_value=0).abs() <= 0.03).all(), item
    share = (coded["group"] == "user").sum() / coded["group"].isin(["user", "non_user"]).sum()
    assert abs((sim["group"] == "user").mean() - share) < 0.02
    assert np.allclose(sim[questionnaire.item_ids].isna().mean(), coded[questionnaire.item_ids].isna().mean(), atol=0.01)


def test_the_fitted_model_carries_the_observed_difference_and_a_shift_of_zero_has_none(questionnaire, fitted):
    from camhs_rom.robustness.fitted import simulate_coded
    from camhs_rom.study2.reliability import subscale_scores

    coded, model = fitted
    scores = subscale_scores(score_items(coded, questionnaire, "x", AuditLog()), questionnaire)
    observed = scores.groupby("group")["positive_impact"].mean()
    for shift, expected in ((None, observed["user"] - observed["non_user"]), (0.0, 0.0)):
        sim = simulate_coded(model, questionnaire, 20000, shift, np.random.default_rng(4))
        simulated = subscale_scores(score_items(sim, questionnaire, "x", AuditLog()), questionnaire).groupby("group")["positive_impact"].mean()
        assert abs((simulated["user"] - simulated["non_user"]) - expected) < 0.06, shift
    big = simulate_coded(model, questionnaire, 20000, 1.0, np.random.default_rng(5))
    means = subscale_scores(score_items(big, questionnaire, "x", AuditLog()), questionnaire).groupby("group")["negative_impact"].mean()
    assert means["user"] - means["non_user"] > 0.4  # a latent shift of 1 SD raises the keyed subscale


def test_power_from_a_fitted_model_on_a_questionnaire_unlike_the_default(questionnaire, config, fitted):
    """Other subscale ids, a covariate the generator does not make: the simulation runs (it used to stop or crash)."""
    import dataclasses

    from camhs_rom.robustness.fitted import fit_model

    coded, _ = fitted
    items = tuple(dataclasses.replace(i, subscale={"positive_impact": "helps", "negative_impact": "hinders"}[i.subscale]) for i in questionnaire.items)
    q = dataclasses.replace(questionnaire, items=items, subscales={"helps": "Helps", "hinders": "Hinders"}, covariates=("carer_age",))
    data = coded.assign(carer_age=40.0)
    cfg = copy.deepcopy(config)
    cfg["replication"]["subscales"] = {"positive": "helps", "negative": "hinders"}
    cfg["robustness"]["power"].update(replicates=4, parallel_analysis_iterations=20)
    table = run_replicates(q, cfg, "n0059", range(cfg["robustness"]["power"]["replicates"]), fit_model(data, q))
    assert len(table) == 4 and table["two_factors"].mean() >= 0.5 and table["positive_supported"].notna().all()


def test_nearest_positive_definite_keeps_a_correlation_matrix_and_mends_one_that_is_not():
    from camhs_rom.robustness.fitted import nearest_positive_definite

    good = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.3], [0.2, 0.3, 1.0]])
    np.testing.assert_allclose(nearest_positive_definite(good), good, atol=1e-12)
    bad = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])  # pairwise correlations no data can have
    fixed = nearest_positive_definite(bad)
    assert np.linalg.eigvalsh(fixed).min() > 0 and np.allclose(np.diag(fixed), 1.0)
