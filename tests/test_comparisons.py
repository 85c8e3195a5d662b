"""Group comparisons, adjusted models and APA reporting.

Known answers for the t and Mann-Whitney tests come from base R 4.2.2 (t.test and
wilcox.test with exact = FALSE, correct = TRUE) on fixtures/comparisons/scores.csv,
made by fixtures/comparisons/reference.R; tolerance 1e-10. Effect sizes are checked
against pingouin and hand-worked formulas.
"""

import json
from dataclasses import replace
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats

from camhs_rom.core.errors import InputError
from camhs_rom.core.seeding import rng_for
from camhs_rom.stats.two_groups import bonett_d, hedges_g, permutation_p, rank_biserial_batch
from camhs_rom.study2 import apa
from camhs_rom.study2.comparisons import compare_subscale, group_comparisons, split_scores
from camhs_rom.study2.models import adjusted_models
from camhs_rom.study2.steps import study2_comparisons

FIXTURES = Path(__file__).parent / "fixtures" / "comparisons"
REF = json.loads((FIXTURES / "reference.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def fixture_groups():
    frame = pd.read_csv(FIXTURES / "scores.csv")
    return frame.loc[frame.group == "user", "score"].to_numpy(), frame.loc[frame.group == "non_user", "score"].to_numpy()


@pytest.fixture(scope="module")
def fixture_rows(fixture_groups):
    x, y = fixture_groups
    rows = compare_subscale(x, y, "s", ("user", "non_user"), 2000, 500, 0.95, 1)
    return pd.DataFrame(rows, columns=[
        "subscale", "test", "statistic", "df", "p", "p_holm", "effect_measure", "effect_size", "ci_low", "ci_high",
        "group_1", "group_2", "n_1", "n_2", "mean_difference", "ci_level",
    ]).set_index("test")


def test_welch_and_student_match_r(fixture_rows):
    welch, student = fixture_rows.loc["welch_t"], fixture_rows.loc["student_t"]
    assert welch["statistic"] == pytest.approx(REF["welch"]["t"], abs=1e-10)
    assert welch["df"] == pytest.approx(REF["welch"]["df"], abs=1e-10)
    assert welch["p"] == pytest.approx(REF["welch"]["p"], abs=1e-10)
    assert student["statistic"] == pytest.approx(REF["student"]["t"], abs=1e-10)
    assert student["df"] == REF["student"]["df"]
    assert student["p"] == pytest.approx(REF["student"]["p"], abs=1e-10)


def test_mann_whitney_matches_r(fixture_rows):
    mw = fixture_rows.loc["mann_whitney"]
    assert mw["statistic"] == REF["wilcox"]["W"]  # R's W is U of the first group
    assert mw["p"] == pytest.approx(REF["wilcox"]["p"], abs=1e-10)


def test_hedges_g_matches_pingouin(fixture_groups):
    x, y = fixture_groups
    g, low, high = hedges_g(x, y)
    assert g == pytest.approx(pg.compute_effsize(x, y, eftype="hedges"), abs=1e-12)
    assert (round(low, 2), round(high, 2)) == tuple(pg.compute_esci(g, len(x), len(y), eftype="hedges"))


def test_bonett_d_by_hand():
    # x: mean 3, var 1; y: mean 2, var 3; n = 5 and 4
    x = np.array([3 - np.sqrt(2), 3, 3, 3, 3 + np.sqrt(2)])
    y = np.array([2 - 1.5, 2 - 1.5, 2 + 1.5, 2 + 1.5])
    d, low, high = bonett_d(x, y)
    s2 = (1 + 3) / 2
    assert d == pytest.approx(1 / np.sqrt(s2))
    var = d**2 * (1 / 4 + 9 / 3) / (8 * s2**2) + (1 / 4 + 3 / 3) / s2
    assert high - d == pytest.approx(1.959963985 * np.sqrt(var))


def test_rank_biserial_matches_pingouin_and_has_the_group_sign(fixture_groups, fixture_rows):
    x, y = fixture_groups
    r = fixture_rows.loc["mann_whitney", "effect_size"]
    assert r == pytest.approx(pg.mwu(x, y)["RBC"].iloc[0], abs=1e-12)
    assert rank_biserial_batch(x[None, :], y[None, :])[0] == pytest.approx(r)
    assert rank_biserial_batch(y[None, :], x[None, :])[0] == pytest.approx(-r)


def test_permutation_p_matches_the_exact_test():
    """Monte Carlo p against the exact two-sided p from all 462 splits of 11 values into 5 and 6."""
    x, y = np.array([3.1, 4.2, 3.9, 4.8, 4.4]), np.array([2.9, 3.3, 3.0, 4.1, 2.7, 3.4])
    pooled = np.concatenate([x, y])
    observed = abs(x.mean() - y.mean())
    splits = [abs(pooled[list(c)].mean() - np.delete(pooled, list(c)).mean()) >= observed - 1e-12 for c in combinations(range(11), 5)]
    exact = np.mean(splits)
    # scipy's exact one-sided p, doubled, bounds the two-sided p from above
    one_sided = stats.permutation_test((x, y), lambda a, b, axis: np.mean(a, axis=axis) - np.mean(b, axis=axis), permutation_type="independent", n_resamples=np.inf, alternative="greater").pvalue
    assert exact <= 2 * one_sided + 1e-12
    ours = permutation_p(x, y, 20000, rng_for(1, "test"))
    assert ours == pytest.approx(exact, abs=0.01)  # Monte Carlo SE at B = 20,000 is below .002


def test_permutation_p_draws_as_permuting_a_broadcast_view_did():
    """Same seed, same p: the in-place shuffle of a row-major copy equals, draw for draw, the
    former ``rng.permuted(np.broadcast_to(...))`` (kept here as the reference), on subscale-like
    means with many exact ties, on continuous data, and across batch boundaries."""

    def reference(x, y, permutations, rng):
        pooled, n1 = np.concatenate([x, y]), len(x)
        observed, hits = abs(x.mean() - y.mean()), 0
        batch = max(1, int(5e6 // len(pooled)))
        for start in range(0, permutations, batch):
            k = min(batch, permutations - start)
            shuffled = rng.permuted(np.broadcast_to(pooled, (k, len(pooled))), axis=1)
            hits += int((np.abs(shuffled[:, :n1].mean(axis=1) - shuffled[:, n1:].mean(axis=1)) >= observed - 1e-12).sum())
        return (1 + hits) / (1 + permutations)

    gen = np.random.default_rng(4)
    for case in range(12):
        n1, n2 = int(gen.integers(3, 40)), int(gen.integers(3, 60))
        if case % 2:  # means of nine 1-5 answers: a coarse grid, so many relabellings tie the observed difference
            x, y = gen.integers(9, 46, n1) / 9, gen.integers(9, 46, n2) / 9
        else:
            x, y = gen.normal(0.3, 1, n1), gen.normal(0, 1, n2)
        permutations = 150_000 if case == 0 else 3_000  # case 0 crosses the 5e6-value batch boundary
        assert permutation_p(x, y, permutations, rng_for(case, "t")) == reference(x, y, permutations, rng_for(case, "t")), case


def scores_frame(rng, n1=20, n2=30, shift=0.6, teams=4):
    frame = pd.DataFrame(
        {
            "respondent_id": [f"R{k}" for k in range(n1 + n2)],
            "group": ["user"] * n1 + ["non_user"] * n2,
            "team": [f"T{k % teams}" for k in range(n1 + n2)],
            "profession": rng.choice(["nurse", "psychologist", "psychiatrist"], n1 + n2),
            "years_qualified": rng.integers(0, 30, n1 + n2),
            "frequency": None,
            "frequency_code": rng.integers(1, 6, n1 + n2),
        }
    )
    frame["positive_impact"] = rng.normal(3, 0.8, n1 + n2) + shift * (frame["group"] == "user")
    frame["negative_impact"] = rng.normal(3, 0.8, n1 + n2) + shift * (frame["group"] == "user")
    frame["group"] = frame["group"].astype("string")
    return frame


def test_signs_follow_the_spec_order_and_holm_is_applied(questionnaire):
    frame = scores_frame(np.random.default_rng(1))
    table, described = group_comparisons(frame, questionnaire, 500, 200, 0.95, 3)
    assert (table["mean_difference"] > 0).all() and (table["effect_size"] > 0).all()
    assert set(table["group_1"]) == {"user"}
    for _, rows in table.groupby("test"):
        from statsmodels.stats.multitest import multipletests

        np.testing.assert_allclose(rows["p_holm"], multipletests(rows["p"], method="holm")[1])
    swapped = replace(questionnaire, group_levels={"non_user": ("no",), "user": ("yes",)})
    flipped, _ = group_comparisons(frame, swapped, 500, 200, 0.95, 3)
    np.testing.assert_allclose(flipped["effect_size"], -table["effect_size"])
    assert described.set_index(["subscale", "group"]).loc[("positive_impact", "user"), "n"] == 20


def test_too_few_scored_respondents_in_a_group(questionnaire):
    frame = scores_frame(np.random.default_rng(1), n1=1)
    with pytest.raises(InputError, match="column positive_impact, group 'user': found 1 respondent\\(s\\) with a score"):
        split_scores(frame, "positive_impact", ("user", "non_user"))


def test_only_one_group_present(tmp_path, questionnaire):
    from .conftest import SPEC

    frame = scores_frame(np.random.default_rng(1))
    frame = frame[frame.group == "non_user"]
    frame.to_csv(tmp_path / "scores.csv", index=False)
    (tmp_path / "p.json").write_text('{"synthetic": false, "studies": {"study2": {"synthetic": false, "data_label": "User-supplied data"}}}', encoding="utf-8")
    outputs = {k: tmp_path / f"{k}.out" for k in ["comparisons", "descriptives", "models", "model_notes", "sentences", "apa_table", "apa_table_md"]}
    with pytest.raises(InputError, match="column group: found no respondent in group 'user'"):
        study2_comparisons(tmp_path / "scores.csv", SPEC, tmp_path / "p.json", {}, {}, 1, outputs)
    assert not any(p.exists() for p in outputs.values())


def test_models_group_term_mixed_model_and_notes(questionnaire):
    rng = np.random.default_rng(2)
    few = scores_frame(rng)
    table, notes = adjusted_models(few, questionnaire, min_teams=5)
    ols = table[(table.model == "ols_hc3") & (table.term == "group: user - non_user")]
    assert len(ols) == 2 and (ols["estimate"] > 0).all()
    assert set(notes["model"]) == {"mixed_team"} and notes["note"].str.contains("4 teams").all()
    many = scores_frame(rng, n1=60, n2=90, teams=8)
    table, notes = adjusted_models(many, questionnaire, min_teams=5)
    mixed = table[table.model == "mixed_team"]
    assert {"group: user - non_user", "team variance"} <= set(mixed["term"])
    assert notes.empty


def test_covariate_with_one_level_is_left_out(questionnaire):
    frame = scores_frame(np.random.default_rng(3)).assign(profession="nurse")
    table, notes = adjusted_models(frame, questionnaire, min_teams=5)
    assert not table["term"].str.contains("profession").any()
    assert notes["note"].str.contains("covariate 'profession' has one value ('nurse'); left out of the models", regex=False).any()
    blank = scores_frame(np.random.default_rng(3)).assign(profession=None)
    _, notes = adjusted_models(blank, questionnaire, min_teams=5)
    assert notes["note"].str.contains(r"covariate 'profession' has no value \(every cell blank\); left out of the models").any()


def test_ordinal_model_reports_increasing_cut_points(questionnaire):
    rng = np.random.default_rng(5)
    frame = scores_frame(rng, n1=100, n2=100)
    latent = frame["positive_impact"] + rng.logistic(size=len(frame))
    frame["frequency_code"] = np.digitize(latent, [2, 2.8, 3.4, 4.2]) + 1
    table, _ = adjusted_models(frame, questionnaire, min_teams=5)
    ordinal = table[table.model == "ordinal_frequency"].set_index("term")
    assert ordinal.loc["positive_impact", "estimate"] > 0.5 and ordinal.loc["positive_impact", "p"] < 0.01
    cuts = ordinal[ordinal.index.str.startswith("threshold")]["estimate"].to_numpy()
    assert len(cuts) == 4 and (np.diff(cuts) > 0).all()


def test_apa_numbers():
    assert apa.number(0.456) == "0.46" and apa.number(-0.456, leading_zero=False) == "\u2212.46"
    assert apa.number(-0.001) == "0.00"
    assert apa.p_value(0.0004) == "p < .001" and apa.p_value(0.0349) == "p = .035" and apa.p_value(0.9999) == "p > .999"
    assert apa.interval(0.04, 1.17, 0.95) == "95% CI [0.04, 1.17]"


def test_apa_sentences(questionnaire):
    frame = scores_frame(np.random.default_rng(1), shift=1.0)
    table, described = group_comparisons(frame, questionnaire, 500, 200, 0.95, 3)
    welch = table[(table.test == "welch_t") & (table.subscale == "positive_impact")].iloc[0]
    text = apa.sentence(welch, described, "Positive impact", {"user": "users", "non_user": "non-users"}, 0.05)
    m = described.set_index(["subscale", "group"]).loc[("positive_impact", "user")]
    assert text.startswith(f"Users scored higher on positive impact (M = {m['mean']:.2f}, SD = {m['sd']:.2f}) than non-users (M = ")
    assert f"Welch's t({welch.df:.2f}) = {welch.statistic:.2f}" in text and ", d = " in text and "95% CI [" in text
    mw = table[(table.test == "mann_whitney") & (table.subscale == "positive_impact")].iloc[0]
    assert "r = ." in apa.sentence(mw, described, "Positive impact", {}, 0.05)
    same = scores_frame(np.random.default_rng(1), shift=0.0)
    table0, described0 = group_comparisons(same, questionnaire, 500, 200, 0.95, 3)
    row = table0[(table0.test == "student_t")].iloc[0]
    if row.p >= 0.05:
        assert "did not differ significantly" in apa.sentence(row, described0, "Positive impact", {}, 0.05)
    assert f"Student's t({row.df:.0f})" in apa.sentence(row, described0, "Positive impact", {}, 0.05)


def test_holm_equals_statsmodels_and_skips_missing_p():
    from statsmodels.stats.multitest import multipletests

    from camhs_rom.stats.two_groups import holm

    rng = np.random.default_rng(4)
    for m in (1, 2, 3, 6, 15):  # statsmodels collects garbage on every call: few calls
        for _ in range(4):
            p = rng.random(m) ** 3
            np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1], rtol=0, atol=1e-15)
    out = holm([0.01, np.nan, 0.04])
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2]], multipletests([0.01, 0.04], method="holm")[1])


def test_run_test_is_the_scipy_test():
    from scipy import stats

    from camhs_rom.stats.two_groups import run_test

    rng = np.random.default_rng(8)
    x, y = rng.normal(0.4, 1, 25), rng.normal(0, 1.4, 31)
    welch = stats.ttest_ind(x, y, equal_var=False)
    assert run_test(x, y, "welch_t") == pytest.approx((welch.statistic, welch.df, welch.pvalue), rel=1e-14)
    assert run_test(x, y, "mann_whitney")[2] == pytest.approx(stats.mannwhitneyu(x, y, method="asymptotic").pvalue, rel=1e-14)
    with pytest.raises(ValueError, match="unknown test 'z'"):
        run_test(x, y, "z")


def test_the_cluster_column_comes_from_the_spec_even_when_coded_as_numbers(questionnaire):
    """A team called 'site' with values 1..8: the mixed model and S2-N find it through the spec's cluster."""
    from camhs_rom.replication.scorecard import study2_sample_claims
    from camhs_rom.study2.descriptives import sample_description

    frame = scores_frame(np.random.default_rng(2), n1=60, n2=90, teams=8)
    frame["site"] = frame.pop("team").str[1:].astype(int) + 1
    q = replace(questionnaire, covariates=("site", "profession", "years_qualified"), cluster_column="site")
    table, notes = adjusted_models(frame, q, min_teams=5)
    assert {"group: user - non_user", "site variance"} <= set(table.loc[table.model == "mixed_team", "term"]) and notes.empty
    assert not table["term"].str.fullmatch("site").any()  # a label, not a linear term
    sample, _ = sample_description(frame.assign(frequency_code=pd.NA), q)
    sites = sample[sample["role"] == "cluster"]
    assert list(sites["level"]) == [str(k) for k in range(1, 9)] and set(sample["role"]) == {"group", "cluster", "covariate"}
    settings = {"respondents": 150, "teams": 8, "frequency_level": "almost always", "frequency_pct": 6.8, "n_factors": 2}
    s2n = study2_sample_claims(sample, None, settings)[0]
    assert s2n[3] == "150 respondents; 8 teams" and s2n[5] == "reproduced"
    no_cluster = replace(q, cluster_column=None)
    _, notes = adjusted_models(frame, no_cluster, min_teams=5)
    assert notes["note"].str.contains("names no cluster column").all()


def test_the_cluster_must_be_a_covariate(questionnaire):
    from camhs_rom.core.schemas import read_yaml
    from camhs_rom.instruments.questionnaire import questionnaire_from_dict

    spec = read_yaml(questionnaire.path)
    spec["cluster"] = "site"
    with pytest.raises(InputError, match="key cluster: found 'site'; expected one of the covariates 'team', 'profession', 'years_qualified'"):
        questionnaire_from_dict(spec, "spec.yaml")
