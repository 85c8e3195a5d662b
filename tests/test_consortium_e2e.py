"""A consortium end to end: a public data set split into sites, each site's own run, one pooling run.

psych::bfi (examples/public-data/bfi, 2,800 respondents, five subscales, graduates vs
non-graduates) is split into three sites of consecutive rows. Each site runs the pipeline in
its own folder on its own rows only (``snakemake site_summary``, the consortium's frozen
settings); one site sends its summary as the zip ``camhs-rom-site-summary`` packs. The pooling
run reads the three summaries and nothing else. Checked: the pooled effects and alphas equal
the same meta-analysis computed directly from each site's own individual-level tables
(1e-7 relative: tables are written with 10 significant digits), no summary holds an individual row, an id or a count of 1 to 4 people, and no site
deviates. Then the worked consortium of the README (examples/consortium/run.py) runs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from camhs_rom.stats.meta import bonett_alpha, hedges_g, inverse_bonett, random_effects

from .conftest import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.pipeline]  # several sites' runs, then pooling runs: `pytest -m pipeline`

BFI = ROOT / "examples" / "public-data" / "bfi"
SUBSCALES = ["agreeableness", "conscientiousness", "extraversion", "neuroticism", "openness"]
FROZEN = {
    "seed": 2010,
    "study1": None,
    "study2": {
        "questionnaire": "instruments/questionnaire.yaml",
        "efa": {"parallel_analysis": {"iterations": 50, "percentile": 95}},
        "bootstrap": {"resamples": 100, "ci": 0.95},
    },
    "replication": {"subscales": {"positive": "openness", "negative": "neuroticism"}},
}


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "--cores", "2", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def consortium(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("consortium")
    (base / "frozen.yaml").write_text(yaml.safe_dump(FROZEN), encoding="utf-8")
    data = pd.read_csv(BFI / "bfi.csv", dtype=str, keep_default_na=False)
    sites = {}
    for k, rows in enumerate(np.array_split(np.arange(len(data)), 3), start=1):
        folder = base / f"site_{k}"
        (folder / "instruments").mkdir(parents=True)
        shutil.copyfile(ROOT / "config.yaml", folder / "config.yaml")
        shutil.copyfile(BFI / "questionnaire.yaml", folder / "instruments" / "questionnaire.yaml")
        data.iloc[rows].to_csv(folder / "responses.csv", index=False)
        (folder / "site.yaml").write_text("study2: {responses: responses.csv}\n", encoding="utf-8")
        run(folder, "site_summary", "--configfile", str(base / "frozen.yaml"), "site.yaml")
        sites[f"site_{k}"] = folder
    packed = subprocess.run([sys.executable, "-m", "camhs_rom.consortium.cli", "--site", "site_3", "--out", str(base / "site_3.zip"),
                             "--summary", str(sites["site_3"] / "results" / "site_summary")], capture_output=True, text=True)
    assert packed.returncode == 0, packed.stderr
    pool = base / "pool"
    (pool / "instruments").mkdir(parents=True)
    shutil.copyfile(ROOT / "config.yaml", pool / "config.yaml")
    shutil.copyfile(BFI / "questionnaire.yaml", pool / "instruments" / "questionnaire.yaml")
    listed = {"site_1": str(sites["site_1"] / "results" / "site_summary"), "site_2": str(sites["site_2"] / "results" / "site_summary"),
              "site_3": str(base / "site_3.zip")}
    (pool / "pool.yaml").write_text(yaml.safe_dump({"consortium": {"sites": listed}}), encoding="utf-8")
    run(pool, "--configfile", str(base / "frozen.yaml"), "pool.yaml")
    return {"sites": sites, "pool": pool / "results" / "consortium", "n": len(data)}


def test_pooled_effects_equal_the_meta_analysis_of_each_sites_own_tables(consortium):
    meta = pd.read_csv(consortium["pool"] / "meta_analysis.csv", keep_default_na=False, na_values=[""]).set_index("subscale")
    assert sorted(meta.index) == SUBSCALES and set(meta["k"]) == {3}
    assert meta.loc["openness", "claim"] == "S2-G+" and meta.loc["neuroticism", "claim"] == "S2-G-"
    for subscale in SUBSCALES:
        y, v = [], []
        for folder in consortium["sites"].values():
            scores = pd.read_csv(folder / "results" / "study2" / "subscale_scores.csv").dropna(subset=[subscale, "group"])
            first, second = (scores.loc[scores["group"] == g, subscale] for g in ("graduate", "non_graduate"))
            g, var = hedges_g(len(first), first.mean(), first.std(), len(second), second.mean(), second.std())
            y.append(float(g))
            v.append(float(var))
        direct = random_effects(y, v).as_dict()
        for key in ("estimate", "ci_low", "ci_high", "tau2", "i2", "q", "q_p", "pi_low", "pi_high"):
            assert meta.loc[subscale, key] == pytest.approx(direct[key], rel=1e-7, abs=1e-8), (subscale, key)


def test_reliability_generalisation_equals_bonetts_pooling_of_the_sites_alphas(consortium):
    pooled = pd.read_csv(consortium["pool"] / "reliability_generalisation.csv").set_index("subscale")
    for subscale in SUBSCALES:
        rows = [pd.read_csv(f / "results" / "study2" / "reliability.csv").set_index("subscale").loc[subscale] for f in consortium["sites"].values()]
        y, v = bonett_alpha([r["alpha"] for r in rows], [r["n_items"] for r in rows], [r["n"] for r in rows])
        direct = random_effects(y, v).transformed(inverse_bonett)
        assert pooled.loc[subscale, "alpha"] == pytest.approx(direct["estimate"], abs=1e-8)
        assert pooled.loc[subscale, "ci_low"] == pytest.approx(direct["ci_low"], abs=1e-8)


def test_no_summary_holds_an_individual_row_an_id_or_a_small_count(consortium):
    for folder in consortium["sites"].values():
        summary = folder / "results" / "site_summary"
        ids = set(pd.read_csv(folder / "results" / "clean" / "study2" / "responses_scored.csv", dtype=str)["respondent_id"])
        n = len(ids)
        assert (summary / "site.json").is_file()
        for table in summary.glob("study*.csv"):
            text = table.read_text(encoding="utf-8")
            assert not any(i in text for i in ids), table.name
            frame = pd.read_csv(table)
            assert len(frame) < n / 10, table.name  # a table of aggregates, never one row per respondent
            for column in ("n", "n_answered", "participants", "n_participants"):
                if column in frame:
                    counts = frame[column].dropna().to_numpy()
                    assert ((counts == 0) | (counts >= 5)).all(), (table.name, column)
        assert pd.read_csv(summary / "disclosure.csv")["passed"].all()
        shared = (summary / "site.json").read_text(encoding="utf-8")
        assert str(folder) not in shared and "responses.csv" not in shared  # where the site keeps its files stays there
        assert '"responses": "(kept at the site)"' in shared


def test_the_sites_ran_the_frozen_settings_and_the_report_says_whose_data(consortium):
    sites = pd.read_csv(consortium["pool"] / "sites.csv")
    assert sites["deviations"].tolist() == [0, 0, 0] and sites["respondents"].sum() < consortium["n"]
    assert pd.read_csv(consortium["pool"] / "site_deviations.csv").empty
    factors = set(pd.read_csv(consortium["pool"] / "congruence_across_sites.csv")["factor"])
    assert factors >= set(SUBSCALES)  # the retention rule on the pooled matrix keeps at least the five scales, each matched
    invariance = pd.read_csv(consortium["pool"] / "invariance_across_sites.csv").set_index("model")
    assert invariance.loc["configural", "k"] == 3 and np.isfinite(invariance.loc["scalar", "cfi"])
    report = (consortium["pool"] / "report.html").read_text(encoding="utf-8")
    assert "User-supplied data (site summaries)" in report and "SYNTHETIC" not in report
    assert (consortium["pool"] / "figures" / "forest_group_differences.png").is_file()
    assert not (consortium["pool"] / "figures" / "forest_frequency.png").exists()  # bfi has no frequency item: no empty figure


def test_a_site_whose_check_failed_stops_the_pooling_run_at_start(consortium, tmp_path):
    failed = tmp_path / "site_summary"
    failed.mkdir()
    (failed / "disclosure.csv").write_text("check,table,cells,failures,passed,detail\n", encoding="utf-8")
    pool = consortium["pool"].parents[1]
    (pool / "bad.yaml").write_text(yaml.safe_dump({"consortium": {"sites": {"north": str(failed), "south": str(failed)}}}), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "-n", "--cores", "1", "--configfile", "bad.yaml"],
                          cwd=pool, capture_output=True, text=True)
    assert done.returncode != 0
    assert "consortium.sites.north" in done.stderr and "disclosure check failed" in done.stderr and "nothing was run" in done.stderr


def test_the_worked_consortium_runs_with_one_command(tmp_path):
    work = tmp_path / "repo"
    work.mkdir()
    for name in ("Snakefile", "config.yaml"):
        shutil.copy(ROOT / name, work / name)
    for name in ("workflow", "notebooks", "data/instruments", "examples/consortium"):
        shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("work"))
    done = subprocess.run([sys.executable, "examples/consortium/run.py", "--cores", "2"], cwd=work, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    out = work / "results" / "consortium"
    card = pd.read_csv(out / "scorecard.csv").set_index("claim_id")
    assert set(card.index) >= {"S1-T1", "S2-F", "S2-K", "S2-G+", "S2-G-"} and set(card["k"]) == {4}
    assert card["data_label"].str.startswith("SYNTHETIC").all()
    deviations = pd.read_csv(out / "site_deviations.csv")
    assert deviations[["site", "key"]].values.tolist() == [["site_d", "study2.efa.rotation"]]
    assert "SYNTHETIC" in (out / "report.html").read_text(encoding="utf-8")
    agreement = pd.read_csv(out / "agreement_across_sites.csv")
    assert set(agreement["site"]) == {"site_a", "site_b", "site_c", "site_d", "all sites"} and agreement["kappa"].between(0, 1).all()
