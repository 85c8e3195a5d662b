"""Public data sets through the own-data way (`snakemake --configfile X`), checked against R.

examples/public-data/bfi: psych::bfi (R package psych, GPL; 2,800 respondents of the SAPA
project, 25 items on a 1-6 scale, five subscales, seven reverse-keyed items, missing
answers, a group column with missing values (degree), text covariates with missing values,
no frequency item, Study 2 only).
examples/public-data/datcat: semTools::datCat (R package semTools, GPL; 200 respondents,
8 items on a 1-5 scale without labels, two subscales, the groups as text, Study 2 only).
examples/public-data/anes96: the ANES 1996 extract of statsmodels (public domain; 944
respondents, one subscale of three 1-7 placements, numeric covariates, Study 2 only).
The key numbers come from each folder's reference.R (R 4.2.2, psych 2.2.9) under the
spec's missing-data rule.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from .conftest import ROOT
from .test_pipeline_e2e import snakemake, workflow_copy

pytestmark = pytest.mark.e2e
PUBLIC = ROOT / "examples" / "public-data"
BFI = PUBLIC / "bfi"
GROUPS = {"bfi": ("graduate", "non_graduate"), "datcat": ("female", "male"), "anes96": ("dole", "clinton")}  # compared groups, first and second
# what the known-answer test reads: the Study 2 tables of the own-data way, without the rest of the pipeline
STUDY2_TARGETS = ["results/study2/reliability.csv", "results/study2/group_comparisons.csv", "results/study2/group_descriptives.csv"]


def run_example(tmp_path_factory, name: str, *targets: str):
    """``snakemake --configfile examples/public-data/<name>/<name>.yaml [targets]`` in a fresh workflow copy."""
    work = workflow_copy(tmp_path_factory.mktemp(name) / "w")
    shutil.copytree(PUBLIC / name, work / "examples" / "public-data" / name)
    done = snakemake(work, *targets, "--configfile", f"examples/public-data/{name}/{name}.yaml")
    assert done.returncode == 0, done.stderr[-3000:]
    return work


@pytest.fixture(scope="module")
def bfi_run(tmp_path_factory):
    return run_example(tmp_path_factory, "bfi")


@pytest.fixture(scope="module")
def datcat_run(tmp_path_factory):
    return run_example(tmp_path_factory, "datcat")


@pytest.fixture(scope="module")
def anes96_run(tmp_path_factory):
    return run_example(tmp_path_factory, "anes96")


@pytest.mark.parametrize("name", ["bfi", "datcat", "anes96"])
def test_reliability_and_group_tests_match_r(name, tmp_path_factory):
    """Alpha per subscale (psych::alpha) and Welch's t of the first group against the second (stats::t.test) to 1e-8; n exactly."""
    run = run_example(tmp_path_factory, name, *STUDY2_TARGETS)
    reference = json.loads((PUBLIC / name / "reference.json").read_text(encoding="utf-8"))
    results = run / "results" / "study2"
    reliability = pd.read_csv(results / "reliability.csv").set_index("subscale")
    welch = pd.read_csv(results / "group_comparisons.csv").query("test == 'welch_t'").set_index("subscale")
    described = pd.read_csv(results / "group_descriptives.csv").set_index(["subscale", "group"])
    assert list(reliability.index) == list(reference)
    for subscale, r in reference.items():
        assert reliability.loc[subscale, "n"] == r["n"]
        assert reliability.loc[subscale, "alpha"] == pytest.approx(r["alpha"], abs=1e-8)
        first, second = GROUPS[name]
        assert described.loc[(subscale, first), "mean"] == pytest.approx(r["mean_first"], abs=1e-8)
        assert described.loc[(subscale, second), "mean"] == pytest.approx(r["mean_second"], abs=1e-8)
        assert welch.loc[subscale, "statistic"] == pytest.approx(r["welch_t"], abs=1e-8)
        assert welch.loc[subscale, "df"] == pytest.approx(r["welch_df"], rel=1e-6)
        assert welch.loc[subscale, "p"] == pytest.approx(r["welch_p"], rel=1e-6)


@pytest.mark.pipeline
def test_bfi_scorecard_and_report_speak_of_this_study(bfi_run):
    card = pd.read_csv(bfi_run / "results" / "replication" / "scorecard.csv", keep_default_na=False).set_index("claim_id")
    assert card.loc[card.index.str.startswith("S1"), "verdict"].eq("not_testable").all()  # study1: null
    assert card.loc["S2-F", "verdict"] == "not_testable" and card.loc["S2-N", "verdict"] == "not_testable"  # no frequency item, no cluster
    assert card.loc["S2-K", "verdict"] == "not_reproduced"  # five subscales, not two
    # graduates score higher on openness (reproduced) and lower on neuroticism (not reproduced)
    assert card.loc["S2-G+", "in_this_study"] == "graduates > non-graduates on 'Openness'" and card.loc["S2-G+", "verdict"] == "reproduced"
    assert card.loc["S2-G-", "in_this_study"] == "graduates > non-graduates on 'Neuroticism'" and card.loc["S2-G-", "verdict"] == "not_reproduced"
    assert card["data_label"].isin(["User-supplied data", ""]).all()
    summary = (bfi_run / "results" / "robustness" / "robustness_summary.md").read_text(encoding="utf-8")
    assert "**graduates > non-graduates on openness**" in summary and "a model fitted to the Study 2 data analysed" in summary
    page = (bfi_run / "results" / "report.html").read_text(encoding="utf-8")
    assert "SYNTHETIC" not in page and "Study 1 was not part of this run" in page
    # Study 2 and robustness in the spec's words: its groups, no frequency table, no 2015 sample size or scale
    assert "and graduates against non-graduates." in page and "Group terms: graduates minus non-graduates" in page
    assert "finds graduates higher than non-graduates" in page and "Graduates higher: Openness" in page
    assert "there is no frequency of use to show" in page and "Frequency of Session-by-Session" not in page
    for wording in ("Users against non-users", "a sample of 59", "users minus non-users", "latent user shifts", "belief items", "of them."):
        assert wording not in page, wording
    coded = pd.read_csv(bfi_run / "results" / "clean" / "study2" / "responses_coded.csv")
    assert len(coded) == 2800 and coded["education"].isna().sum() == 223 and coded["group"].isna().sum() == 223  # blank degree: in neither group
    described = pd.read_csv(bfi_run / "results" / "study2" / "group_descriptives.csv").query("subscale == 'openness'").set_index("group")
    assert dict(described["n"]) == {"graduate": 812, "non_graduate": 1762}  # R: scored on openness, by degree (blank degree: neither)


@pytest.mark.pipeline
def test_datcat_two_factors_and_the_groups_in_their_own_words(datcat_run):
    card = pd.read_csv(datcat_run / "results" / "replication" / "scorecard.csv", keep_default_na=False).set_index("claim_id")
    assert card.loc["S2-K", "verdict"] == "reproduced"  # the documented two-factor model
    assert card.loc["S2-G+", "in_this_study"] == "women > men on 'Factor 1 (u1-u4)'"
    assert card.loc["S2-G+", "verdict"] == "not_reproduced" and "difference −0.32" in card.loc["S2-G+", "replicated"]  # men score higher
    assert (datcat_run / "results" / "report.html").stat().st_size > 0


@pytest.mark.pipeline
def test_anes96_one_subscale_gets_through_and_matches_r(anes96_run):
    """One subscale of three items (their alpha is negative: the placements are no scale, and the table says so)."""
    r = json.loads((PUBLIC / "anes96" / "reference.json").read_text(encoding="utf-8"))["placement"]
    results = anes96_run / "results" / "study2"
    reliability = pd.read_csv(results / "reliability.csv").set_index("subscale")
    welch = pd.read_csv(results / "group_comparisons.csv").query("test == 'welch_t'").set_index("subscale")
    assert reliability.loc["placement", "n"] == r["n"] and reliability.loc["placement", "alpha"] == pytest.approx(r["alpha"], abs=1e-8)
    assert welch.loc["placement", "statistic"] == pytest.approx(r["welch_t"], abs=1e-8)
    assert welch.loc["placement", "df"] == pytest.approx(r["welch_df"], rel=1e-6) and welch.loc["placement", "p"] == pytest.approx(r["welch_p"], rel=1e-6)
    card = pd.read_csv(anes96_run / "results" / "replication" / "scorecard.csv", keep_default_na=False).set_index("claim_id")
    assert card.loc["S2-G+", "verdict"] == "reproduced" and card.loc["S2-G+", "in_this_study"] == "Dole voters > Clinton voters on 'Left-right placements'"
    assert card.loc["S2-G-", "verdict"] == "not_testable" and card.loc["S2-K", "verdict"] == "not_testable"  # no second subscale
    power = pd.read_csv(anes96_run / "results" / "robustness" / "power.csv")
    assert set(power["quantity"]) == {"users_higher_positive"} and set(power["model"]) == {"fitted"}
    multiverse = pd.read_csv(anes96_run / "results" / "robustness" / "multiverse.csv", keep_default_na=False)
    assert (multiverse["S2-G+"] != "").all()  # one factor by MAP: every specification tests the claim


@pytest.mark.pipeline
def test_a_five_subscale_questionnaire_with_the_default_claim_roles(tmp_path_factory):
    """bfi with `replication` left at the defaults (roles naming subscales bfi does not have): the untestable
    claims are named at `snakemake -n`, the run finishes, the scorecard marks them, the report says why there is no power.
    The answers are treated as ordinal and skipped answers kept (FIML): the measurement stage on 25 items and five factors."""
    work = workflow_copy(tmp_path_factory.mktemp("bfi_default_roles") / "w")
    shutil.copytree(BFI, work / "examples" / "public-data" / "bfi")
    config = work / "examples" / "public-data" / "bfi" / "bfi.yaml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("  subscales: {positive: openness, negative: neuroticism}\n", "  teams: 4\n")
    text = text.replace("study2:\n", "study2:\n  efa: {correlation: polychoric, parallel_analysis: {iterations: 100}}\n  missing: {method: fiml}\n")
    config.write_text(text, encoding="utf-8")
    checked = snakemake(work, "-n", "--configfile", "examples/public-data/bfi/bfi.yaml")
    assert checked.returncode == 0, checked.stderr[-3000:]
    for claim in ("S2-K", "S2-G+", "S2-G-"):
        assert f"Not testable with this run's inputs: {claim}: replication.subscales." in checked.stderr
    assert "'positive_impact', not a subscale of examples/public-data/bfi/questionnaire.yaml" in checked.stderr
    done = snakemake(work, "--configfile", "examples/public-data/bfi/bfi.yaml")
    assert done.returncode == 0, done.stderr[-3000:]
    card = pd.read_csv(work / "results" / "replication" / "scorecard.csv", keep_default_na=False).set_index("claim_id")
    assert (card.loc[["S2-K", "S2-G+", "S2-G-"], "verdict"] == "not_testable").all()
    page = (work / "results" / "report.html").read_text(encoding="utf-8")
    assert "No power simulation" in page
    assert "no share by choice to show" in page and "by Choice" not in page  # no empty table
    fit = pd.read_csv(work / "results" / "study2" / "cfa_fit.csv").set_index("estimator")
    assert fit.loc["ml", "n"] == 2800 and fit.loc["ml", "missing_data"] == "full-information ML: every answer given"
    assert fit.loc["wlsmv", "n"] == 2436 and 0 < fit.loc["wlsmv", "cfi_robust"] < 1  # the respondents who answered all 25
    invariance = pd.read_csv(work / "results" / "study2" / "invariance.csv")
    assert invariance["estimator"].tolist() == ["ml"] * 3 + ["wlsmv"] * 3 and invariance["chisq_scaled"].iloc[3:].notna().all()
    assert invariance["delta_df"].iloc[4:].tolist() == [75, 20]  # 125 thresholds equated, 25 intercepts and 25 residual variances freed; 25 loadings equated, 5 factor variances freed
    measured = (work / "results" / "study2" / "measurement.md").read_text(encoding="utf-8")
    assert "full-information maximum likelihood to every answer given by 2,800 respondents" in measured and "With the answers as ordinal" in measured
    assert "Measurement Invariance With the Answers as Ordinal" in page
    assert (work / "results" / "robustness" / "figures" / "power_curve.png").exists()
