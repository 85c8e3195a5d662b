"""End to end: the real Snakemake pipeline in a temporary copy of the workflow."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from .conftest import ROOT
from .report_checks import chromium as report_checks_chromium

pytestmark = pytest.mark.e2e
CLEAN_FILES = [
    "study1/coded_segments.csv",
    "study1/audit.csv",
    "study2/responses_coded.csv",
    "study2/responses_scored.csv",
    "study2/audit.csv",
    "audit_log.csv",
    "provenance.json",
]
STUDY1_TABLES = [
    "theme_tallies.csv",
    "valence_tallies.csv",
    "theme_by_participant.csv",
    "agreement.csv",
    "disagreements.csv",
    "cooccurrence.csv",
    "saturation.csv",
    "quotes.csv",
    "tallied_passages.csv",
]
STUDY1_FIGURES = ["theme_prevalence", "theme_by_participant", "cooccurrence", "saturation", "agreement_kappa"]


SMALL_ROBUSTNESS = ROOT / "tests" / "fixtures" / "robustness_small.yaml"
ROBUSTNESS_TABLES = [
    "multiverse.csv",
    "multiverse_summary.csv",
    "multiverse_by_choice.csv",
    "power.csv",
    "power_replicates.csv",
    "minimum_detectable_effect.csv",
    "robustness_summary.md",
]


FORMULA = '=HYPERLINK("http://evil.example","click")'


def assert_no_live_markup(work: Path) -> None:
    """Nothing a user or respondent wrote is live markup in report.html, the executed notebooks or the figures' SVG."""
    from .test_markup import live_markup

    page = (work / "results" / "report.html").read_text(encoding="utf-8")
    assert live_markup(page, allowed={"img", "style"}) == []
    assert page.count("<img") == len(re.findall(r'<img [^>]*src="data:image/png;base64,', page))  # only the embedded figures
    for notebook in (work / "results" / "report" / "notebooks").glob("*.ipynb"):
        for output in (o for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"] for o in c.get("outputs", [])):
            shown = "".join(output.get("data", {}).get("text/html", [])) + "".join(output.get("data", {}).get("text/markdown", []))
            assert live_markup(shown, allowed={"style", "img"}) == [], notebook.name
            assert shown.count("<img") == len(re.findall(r'<img src="data:image/png;base64,', shown)), notebook.name
    for svg in (work / "results").rglob("*.svg"):
        assert live_markup(svg.read_text(encoding="utf-8"), allowed={"svg", "style"}) == [], svg.name
    manuscript = work / "results" / "manuscript.md"
    if manuscript.exists():  # rendered as a Markdown editor would, raw HTML passed through: none is live
        import mistune

        assert live_markup(mistune.create_markdown(escape=False)(manuscript.read_text(encoding="utf-8")), allowed={"img"}) == []


def workflow_copy(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in ("Snakefile", "config.yaml"):
        shutil.copy(ROOT / name, dest / name)
    shutil.copy(SMALL_ROBUSTNESS, dest / "robustness_small.yaml")
    for name in ("workflow", "profiles", "notebooks"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copytree(ROOT / "data" / "instruments", dest / "data" / "instruments")
    return dest


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args], cwd=workdir, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def default_run(tmp_path_factory) -> Path:
    work = workflow_copy(tmp_path_factory.mktemp("e2e") / "default")
    done = snakemake(work, "--cores", "4", "--configfile", "robustness_small.yaml")
    assert done.returncode == 0, done.stderr[-3000:]
    return work


def test_default_run_writes_clean_tables_and_audit(default_run):
    clean = default_run / "results" / "clean"
    for name in CLEAN_FILES:
        assert (clean / name).is_file(), name
    coded = pd.read_csv(clean / "study2" / "responses_coded.csv")
    assert len(coded) == 59 and coded["team"].nunique() == 4
    assert (coded["frequency"] == "almost always").sum() == 4
    segments = pd.read_csv(clean / "study1" / "coded_segments.csv")
    assert segments["participant_id"].nunique() == 12
    audit = pd.read_csv(clean / "audit_log.csv", dtype=str, keep_default_na=False)
    assert list(audit.columns) == ["file", "row", "column", "before", "after", "rule"]
    assert {"label_to_code", "reverse_keyed", "extra_header_row_dropped", "column_not_in_spec"} <= set(audit["rule"])
    record = json.loads((clean / "provenance.json").read_text(encoding="utf-8"))
    assert record["synthetic"] is True and record["data_label"].startswith("SYNTHETIC")


def test_default_run_writes_study1_results(default_run):
    study1 = default_run / "results" / "study1"
    for name in STUDY1_TABLES:
        assert (study1 / name).is_file(), name
    for name in STUDY1_FIGURES:
        for ext in ("png", "svg"):
            assert (study1 / "figures" / f"{name}.{ext}").stat().st_size > 0
    tallies = pd.read_csv(study1 / "theme_tallies.csv")
    assert list(tallies.columns[:7]) == ["theme", "label", "valence", "n_participants", "pct_participants", "n_groups", "n_segments"]
    assert (tallies["n_participants"] > 0).all()
    people = pd.read_csv(study1 / "theme_by_participant.csv")
    assert len(people) == 12 and people["group_id"].nunique() == 3
    agreement = pd.read_csv(study1 / "agreement.csv")
    assert set(agreement["measure"]) == {"cohen_kappa", "krippendorff_alpha", "percent_agreement"}


def test_default_run_writes_study2_results(default_run):
    study2 = default_run / "results" / "study2"
    freq = pd.read_csv(study2 / "frequency_of_use.csv")
    assert list(freq.columns[:5]) == ["level", "n", "pct", "ci_low", "ci_high"]
    assert freq.set_index("level").loc["almost always", "n"] == 4
    n_factors = pd.read_csv(study2 / "n_factors.csv").set_index("rule")
    assert set(n_factors.index) == {"parallel_analysis", "map", "kaiser", "used"} and n_factors.loc["used", "n_factors"] == 2
    loadings = pd.read_csv(study2 / "efa_loadings.csv")
    assert list(loadings.columns) == ["item", "factor", "loading"] and set(loadings["factor"]) == {"positive_impact", "negative_impact"}
    factorability = pd.read_csv(study2 / "factorability.csv")
    assert factorability["measure"].tolist() == ["kmo", "bartlett_chi2", "bartlett_df", "bartlett_p"]
    reliability = pd.read_csv(study2 / "reliability.csv")
    assert list(reliability.columns[:7]) == ["subscale", "n_items", "n", "alpha", "alpha_ci_low", "alpha_ci_high", "omega_total"]
    for name in ("item_responses", "scree_parallel", "loadings", "scores_by_group", "group_coefficients"):
        assert (study2 / "figures" / f"{name}.png").stat().st_size > 0
    comparisons = pd.read_csv(study2 / "group_comparisons.csv")
    contract = ["subscale", "test", "statistic", "df", "p", "p_holm", "effect_measure", "effect_size", "ci_low", "ci_high"]
    assert list(comparisons.columns[:10]) == contract
    welch = comparisons[comparisons.test == "welch_t"].set_index("subscale")
    assert (welch["effect_size"] > 0).all() and (welch["mean_difference"] > 0).all()  # users higher on both
    sentences = (study2 / "apa_sentences.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in sentences and "Users scored higher on positive impact" in sentences
    assert (study2 / "adjusted_models.csv").stat().st_size > 0
    # beyond the paper: the intended model tested, invariance, coefficients by model
    cfa = pd.read_csv(study2 / "cfa_fit.csv").set_index("estimator")
    assert list(cfa.index) == ["ml", "wlsmv"] and cfa["cfi"].notna().all() and cfa.loc["wlsmv", "chisq_scaled"] > 0
    invariance = pd.read_csv(study2 / "invariance.csv")
    assert invariance["model"].tolist() == ["configural", "metric", "scalar", "configural", "thresholds", "thresholds_loadings"]
    assert invariance["estimator"].tolist() == ["ml"] * 3 + ["wlsmv"] * 3
    # the default's 35 complete respondents leave categories unused in one group: the ordinal rows say so
    assert invariance["note"].iloc[3:].str.contains("equal thresholds need the same categories").all()
    coefficients = pd.read_csv(study2 / "reliability_coefficients.csv")
    assert set(coefficients["coefficient"]) == {"alpha", "omega_total", "ordinal_alpha", "ordinal_omega", "omega_hierarchical"}
    assert (coefficients.groupby("subscale")["n"].nunique() == 1).all()  # one set of rows per subscale
    assert "SYNTHETIC" in (study2 / "measurement.md").read_text(encoding="utf-8")


def test_default_run_writes_the_report_and_the_scorecard(default_run):
    card = pd.read_csv(default_run / "results" / "replication" / "scorecard.csv")
    assert list(card.columns[:7]) == ["claim_id", "claim", "original", "replicated", "criterion", "verdict", "evidence"]
    assert len(card) == 11 and (card["verdict"] == "reproduced").all()
    page = (default_run / "results" / "report.html").read_text(encoding="utf-8")
    assert page.count("SYNTHETIC data generated by camhs_rom") >= 3
    for section in ("Replication scorecard", "Study 1: focus groups", "Study 2: questionnaire", "Methods", "Provenance"):
        assert section in page
    assert "data:image/png;base64," in page
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"https?://", page)  # nothing fetched from elsewhere
    # the ordinal invariance the default's few complete respondents cannot support: one sentence, not three rows of it
    assert "Measurement invariance with the answers as ordinal (WLSMV, Wu and Estabrook, 2016) was not fitted: item" in page
    assert "Measurement Invariance With the Answers as Ordinal" not in page


def test_the_default_runs_site_summary_is_withheld_by_its_disclosure_check(default_run):
    """4 of the 59 synthetic respondents answer "almost always": below the minimum count, so no summary is written."""
    folder = default_run / "results" / "site_summary"
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == ["disclosure.csv"]  # (and Snakemake's .snakemake_timestamp)
    verdict = pd.read_csv(folder / "disclosure.csv")
    failed = verdict[~verdict["passed"]]
    assert failed[["check", "table"]].values.tolist() == [["minimum count", "study2_frequency"]]
    assert "almost always" in failed["detail"].iloc[0] and "4" not in failed["detail"].iloc[0]
    assert set(verdict["table"]) >= {"study2_groups", "study2_moments", "study1_themes", "study1_agreement_counts"}


def test_the_report_numbers_and_captions_every_table_and_figure(default_run):
    """APA: every table and figure numbered in page order, titled, figures with a real alt text;
    every checklist link lands on a table, figure or section of the page."""
    page = (default_run / "results" / "report.html").read_text(encoding="utf-8")
    for kind, word in (("table", "Table"), ("figure", "Figure")):
        numbers = [int(n) for n in re.findall(rf'<b data-number="{kind}">{word} (\d+)</b>', page)]
        assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= (30 if kind == "table" else 13), (kind, numbers)
    images = re.findall(r"<img [^>]*>", page)
    assert images and all(re.search(r'alt="[^"]{40,}"', img) for img in images)
    assert "No description has been provided" not in page
    ids = set(re.findall(r'id="([^"]+)"', page))
    for name in ("coreq", "jars_quant"):
        checklist = pd.read_csv(default_run / "results" / "report" / "checklists" / f"{name}.csv", keep_default_na=False)
        assert set(checklist["status"]) == {"from the run", "for the authors to fill"}
        for where in checklist.loc[checklist["where"] != "", "where"]:
            assert where.lstrip("#") in ids, (name, where)
    assert len(pd.read_csv(default_run / "results" / "report" / "checklists" / "coreq.csv")) == 32
    answered = sum((pd.read_csv(p)["status"] == "from the run").sum() for p in (default_run / "results" / "report" / "checklists").glob("*.csv"))
    assert page.count("(shown here)</a>") == answered  # every answer links to where the page shows it
    joint = pd.read_csv(default_run / "results" / "joint_display.csv")
    assert joint["theme"].nunique() == 5 and joint["item"].notna().sum() == 18
    assert "Joint Display of the Two Studies by Theme" in page


def test_notebooks_run_standalone_on_results(default_run):
    """After a run, a notebook executes from notebooks/ with its default parameters."""
    import papermill

    shutil.copytree(ROOT / "notebooks", default_run / "notebooks", dirs_exist_ok=True)
    out = default_run / "standalone.ipynb"
    papermill.execute_notebook(str(default_run / "notebooks" / "00_scorecard.ipynb"), str(out), cwd=str(default_run / "notebooks"), kernel_name="python3", progress_bar=False)
    assert "reproduced" in out.read_text(encoding="utf-8")
    papermill.execute_notebook(str(default_run / "notebooks" / "03_robustness.ipynb"), str(out), cwd=str(default_run / "notebooks"), kernel_name="python3", progress_bar=False)
    assert "Specifications Supporting Each Claim" in out.read_text(encoding="utf-8")


def test_snakemake_report_bundle(default_run):
    done = snakemake(default_run, "--report", "results/snakemake-report.html", "--configfile", "robustness_small.yaml")
    assert done.returncode == 0, done.stderr[-2000:]
    assert (default_run / "results" / "snakemake-report.html").stat().st_size > 10_000


def test_default_run_writes_the_robustness_stage(default_run):
    out = default_run / "results" / "robustness"
    for name in ROBUSTNESS_TABLES:
        assert (out / name).stat().st_size > 0, name
    multiverse = pd.read_csv(out / "multiverse.csv")
    assert len(multiverse) == 2 * 2 * 2 * 2 * 1 * 2 * 2 and multiverse["is_main"].sum() == 1  # correlation [pearson, polychoric] from config.yaml
    assert len(list((out / "multiverse" / "parts").glob("*-of-3.csv"))) == 3  # scattered over three jobs
    assert len(list((out / "power" / "parts").glob("*-of-3.csv"))) == 3  # 4 designs x 6 replicates over three jobs
    replicates = pd.read_csv(out / "power_replicates.csv")
    assert len(replicates) == 4 * 6
    for name in ("specification_curve", "power_curve"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 10_000
    summary = (out / "robustness_summary.md").read_text(encoding="utf-8")
    assert "supported by" in summary and "SYNTHETIC" in summary
    html = (default_run / "results" / "report.html").read_text(encoding="utf-8")
    assert 'id="robustness"' in html and "Specifications Supporting Each Claim" in html


def test_nothing_to_do_after_a_run(default_run):
    dry = snakemake(default_run, "-n", "--configfile", "robustness_small.yaml")
    assert dry.returncode == 0
    assert "Nothing to be done" in dry.stdout + dry.stderr


def planned_jobs(work: Path, change: str) -> set[str]:
    """The rules `snakemake -n` would run after a completed run if ``change`` (YAML) were added to its config."""
    (work / "change.yaml").write_text(change, encoding="utf-8")
    done = snakemake(work, "-n", "--configfile", "robustness_small.yaml", "change.yaml")
    assert done.returncode == 0, done.stderr[-2000:]
    stats = done.stdout + done.stderr
    table = stats[stats.index("Job stats:"):].split("total")[0]
    return {line.split()[0] for line in table.splitlines()[3:] if line.strip()}


# what every setting reaches: the provenance record, the run record (its config digest), the report and the manuscript (they read both), and the site summary (its site.json carries the whole config)
REPORT_JOBS = {"provenance_record", "run_record", "manuscript", "report_notebook", "report_html", "report_checklists", "ro_crate", "site_summary", "all"}


@pytest.mark.parametrize(
    ("change", "runs", "never"),
    [
        ("study2:\n  efa:\n    rotation: varimax\n", {"study2_psychometrics", "multiverse_part", "power_part"},
         {"synthesize_study1", "synthesize_study2", "ingest_study1", "ingest_study2", "cleaning_audit", "study1_themes", "study1_agreement", "study1_figures"}),
        ("study1:\n  tally:\n    rule: union\n", {"study1_themes", "study1_figures", "replication_scorecard"},
         {"synthesize_study1", "synthesize_study2", "ingest_study1", "ingest_study2", "cleaning_audit", "study2_psychometrics", "study2_comparisons",
          "multiverse_part", "power_part", "study1_agreement"}),
        ("robustness:\n  power:\n    replicates: 12\n", {"power_part", "power_gather"}, None),
    ],
    ids=["study2_setting", "study1_setting", "robustness_setting"],
)
def test_a_changed_setting_reruns_only_what_uses_it(default_run, change, runs, never):
    """Re-run scope: each rule takes only the settings it uses; the analyses read the input record
    (no settings), so only provenance.json, the report and the site summary depend on every setting."""
    planned = planned_jobs(default_run, change)
    assert runs <= planned, planned
    if never is None:  # a power setting: the power simulation, what shows it and the report only
        assert planned <= REPORT_JOBS | {"power_part", "power_gather", "robustness_figures", "robustness_summary"}, planned
    else:
        assert not planned & never, planned & never
    done = snakemake(default_run, "-n", "--configfile", "robustness_small.yaml", "change.yaml")
    reasons = [line for line in (done.stdout + done.stderr).splitlines() if "reason: Params have changed" in line]
    assert reasons and max(len(line) for line in reasons) < 250  # a digest, never whole config sections
    assert all(re.search(r"<[\w.+]+ settings [0-9a-f]{16}>", line) for line in reasons)  # named by the config section
    assert "Shell command" not in done.stdout + done.stderr  # script rules print no empty shell command


@pytest.mark.pipeline
def test_the_archived_run_unpacks_and_reruns_to_identical_bytes(default_run, tmp_path):
    """`camhs-rom-archive` bundles the run; unpacked elsewhere and re-run from scratch at --cores 1
    (the multiverse gathered from one job instead of three), it gives the same bytes, report and
    figures included."""
    from camhs_rom.report.archive import write_archive

    archive = write_archive(default_run, tmp_path / "run.tar.gz", ["robustness_small.yaml"])
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path, filter="data")
    work = tmp_path / "camhs-rom-run"
    assert (work / "RERUN.md").is_file() and not (work / "results").exists()
    targets = ["results/report.html", "results/ro-crate-metadata.json"]
    args = ["--cores", "1", *targets, "--set-scatter", "multiverse=1", "--configfile", "run-config.yaml"]
    done = subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=work, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    for name in CLEAN_FILES:
        assert (work / "results" / "clean" / name).read_bytes() == (default_run / "results" / "clean" / name).read_bytes(), name
    for name in STUDY1_TABLES:
        assert (work / "results" / "study1" / name).read_bytes() == (default_run / "results" / "study1" / name).read_bytes(), name
    for table in sorted((default_run / "results" / "study2").glob("*.csv")):
        assert (work / "results" / "study2" / table.name).read_bytes() == table.read_bytes(), table.name
    for name in ROBUSTNESS_TABLES:
        assert (work / "results" / "robustness" / name).read_bytes() == (default_run / "results" / "robustness" / name).read_bytes(), name
    parts = sorted((default_run / "results" / "robustness" / "power" / "parts").glob("*.csv"))
    assert len(parts) == 3
    for part in parts:
        assert (work / "results" / "robustness" / "power" / "parts" / part.name).read_bytes() == part.read_bytes(), part.name
    assert len(list((work / "results" / "robustness" / "multiverse" / "parts").glob("*.csv"))) == 1
    figures = sorted((default_run / "results").glob("*/figures/*.*"))
    assert len(figures) == 2 * 12
    for figure in figures:
        assert (work / figure.relative_to(default_run)).read_bytes() == figure.read_bytes(), figure.name
    assert (work / "results" / "report.html").read_bytes() == (default_run / "results" / "report.html").read_bytes()
    for name in ("joint_display.csv", "joint_display.png", "report/checklists/coreq.csv", "report/checklists/jars_quant.csv"):
        assert (work / "results" / name).read_bytes() == (default_run / "results" / name).read_bytes(), name
    # every file of results/ both runs wrote (the multiverse's parts are split differently by design), the crate included
    rerun = {p.relative_to(work / "results") for p in (work / "results").rglob("*") if p.is_file()}
    compared = sorted(r for r in rerun if (default_run / "results" / r).is_file() and "multiverse/parts" not in r.as_posix())
    assert len(compared) > 100
    differ = [r.as_posix() for r in compared if (work / "results" / r).read_bytes() != (default_run / "results" / r).read_bytes()]
    assert differ == []
    archived = json.loads((work / "archived" / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    again = json.loads((work / "results" / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    checksums = {e["@id"]: e.get("sha256") for e in again["@graph"] if e.get("@type") == "File"}
    assert checksums == {e["@id"]: e.get("sha256") for e in archived["@graph"] if e.get("@type") == "File"}


def test_configfile_overrides_a_subset(tmp_path):
    work = workflow_copy(tmp_path / "override")
    override = {
        "synthetic": {"study2": {"n_respondents": 120, "n_items": 24}},
        "study1": {"segments": "data/synthetic/study1/focus_groups.qdpx"},
        "study2": {"responses": "data/synthetic/study2/responses.sav"},
    }
    (work / "small.yaml").write_text(yaml.safe_dump(override), encoding="utf-8")
    # the ingest stage is where formats and sizes matter; the analyses run in the other tests
    done = snakemake(work, "results/clean/provenance.json", "--configfile", "small.yaml")
    assert done.returncode == 0, done.stderr[-3000:]
    coded = pd.read_csv(work / "results" / "clean" / "study2" / "responses_coded.csv")
    assert len(coded) == 120
    assert sum(c.startswith(("pos_", "neg_")) for c in coded.columns) == 24
    segments = pd.read_csv(work / "results" / "clean" / "study1" / "coded_segments.csv")
    assert (segments["source_format"] == "qdpx").all()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        # a misspelled key (the JSON Schema)
        ("study2:\n  efa:\n    rotatoin: promax\n", "key study2.efa.rotatoin: found unknown key 'rotatoin'"),
        # a robustness setting the questionnaire cannot satisfy (plan.check_robustness)
        (
            "robustness:\n  multiverse:\n    frequency_threshold: daily\n",
            "key robustness.multiverse.frequency_threshold: found 'daily'; expected one of the frequency levels",
        ),
        # an input path that does not exist (checked at start, before any job)
        ("study2:\n  responses: mine/nowhere.csv\n", "key study2.responses: found 'mine/nowhere.csv', which is not there"),
        # a "billion laughs" alias bomb in a --configfile: refused at once, in a short message
        (
            'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
            + "".join(f"{k}: &{k} [{', '.join([f'*{j}'] * 9)}]\n" for j, k in zip("abcdefgh", "bcdefghi", strict=True)),
            "found a document that expands to more than 100,000 values",
        ),
    ],
    ids=["unknown_key", "robustness_vs_questionnaire", "missing_input", "alias_bomb"],
)
def test_bad_config_stops_before_anything_runs(tmp_path, settings, message):
    work = workflow_copy(tmp_path / "bad")
    (work / "bad.yaml").write_text(settings, encoding="utf-8")
    done = snakemake(work, "--configfile", "bad.yaml")
    assert done.returncode != 0
    assert message in done.stderr
    assert len(done.stderr) < 4000  # the message quotes the input briefly, never whole
    assert not (work / "data" / "synthetic").exists() and not (work / "results").exists()


def test_bad_user_data_stops_with_one_message_and_no_output(default_run, tmp_path):
    work = workflow_copy(tmp_path / "user")
    mine = work / "mine"
    mine.mkdir()
    responses = pd.read_csv(default_run / "data" / "synthetic" / "study2" / "responses.csv", dtype=str, keep_default_na=False)
    responses.loc[5, "pos_motivation"] = "Agree a lot"
    responses.to_csv(mine / "responses.csv", index=False)
    shutil.copy(default_run / "data" / "synthetic" / "study1" / "coded_segments.csv", mine / "segments.csv")
    config = {"study1": {"segments": "mine/segments.csv"}, "study2": {"responses": "mine/responses.csv"}}
    (work / "mine.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    done = snakemake(work, "--configfile", "mine.yaml")
    assert done.returncode != 0
    assert "mine/responses.csv: row 7, column pos_motivation: found 'Agree a lot' (not one of the scale's labels)" in done.stderr
    assert not (work / "results" / "clean" / "study2").exists() or not any((work / "results" / "clean" / "study2").iterdir())
    assert not (work / "results" / "clean" / "audit_log.csv").exists()
    assert not (work / "data" / "synthetic").exists()  # the user's run never generates the default


def test_a_missing_input_stops_the_run_even_when_old_results_exist(default_run):
    """Old clean tables must never be re-analysed under a config that names another file."""
    (default_run / "moved.yaml").write_text("study2:\n  responses: mine/moved.csv\n", encoding="utf-8")
    done = snakemake(default_run, "-n", "results/study2/group_comparisons.csv", "--configfile", "moved.yaml")
    assert done.returncode != 0
    assert "key study2.responses: found 'mine/moved.csv', which is not there" in done.stderr


@pytest.mark.pipeline
def test_worked_example_runs_on_the_teams_own_files(tmp_path):
    """The README's example: --configfile examples/replication-study.yaml reads the team's files only,
    and runs to the report (with the small robustness sizes of the test suite)."""
    work = workflow_copy(tmp_path / "example")
    shutil.copytree(ROOT / "examples", work / "examples")
    done = snakemake(work, "--configfile", "examples/replication-study.yaml", "robustness_small.yaml")
    assert done.returncode == 0, done.stderr[-3000:]
    assert (work / "results" / "report.html").stat().st_size > 0
    assert not (work / "data" / "synthetic").exists()
    coded = pd.read_csv(work / "results" / "clean" / "study2" / "responses_coded.csv")
    assert len(coded) == 40 and set(coded["group"]) == {"user", "non_user"}
    record = json.loads((work / "results" / "clean" / "provenance.json").read_text(encoding="utf-8"))
    # the example's files are synthetic (their MANIFEST.json says so): the run says so too, study by study
    assert record["synthetic"] is True and record["config"]["study2"]["efa"]["rotation"] == "promax"
    assert {d["role"]: d["source"] for d in record["inputs"]} == {
        "study1_codebook": "project instrument", "study1_segments": "synthetic", "study2_questionnaire": "project instrument", "study2_responses": "synthetic"}
    assert set(pd.read_csv(work / "results" / "clean" / "study1" / "coded_segments.csv")["coder"]) == {"anna", "ben"}
    card = pd.read_csv(work / "results" / "replication" / "scorecard.csv")
    assert len(card) == 11 and card["data_label"].str.startswith("SYNTHETIC").all()
    verdicts = card.set_index("claim_id")["verdict"].to_dict()
    # as docs/outputs.md states them: other sample sizes, the themes and the structure found, no group difference at n = 40
    assert verdicts == {"S1-N": "not_reproduced", **{f"S1-T{k}": "reproduced" for k in range(1, 6)}, "S2-N": "not_reproduced",
                        "S2-F": "reproduced", "S2-K": "reproduced", "S2-G+": "not_reproduced", "S2-G-": "not_reproduced"}
    # the journal's pieces exist for a team's run too
    assert len(pd.read_csv(work / "results" / "joint_display.csv")) == 18
    assert len(pd.read_csv(work / "results" / "report" / "checklists" / "coreq.csv")) == 32
    crate = json.loads((work / "results" / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    assert any(e.get("@id") == "#input-study2_responses" and e["name"] == "examples/replication-study/responses.tsv" for e in crate["@graph"])
    page = (work / "results" / "report.html").read_text(encoding="utf-8")
    assert "holds largely by construction" not in page and "Some or all of these data are synthetic" in page
    # archived and unpacked elsewhere, the team's files keep their labels (their MANIFEST.json travels with them)
    from camhs_rom.report.archive import write_archive

    with tarfile.open(write_archive(work, tmp_path / "example.tar.gz", ["examples/replication-study.yaml", "robustness_small.yaml"])) as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    again = tmp_path / "unpacked" / "camhs-rom-run"
    done = snakemake(again, "results/clean/inputs.json", "--configfile", "run-config.yaml")
    assert done.returncode == 0, done.stderr[-3000:]
    relabelled = json.loads((again / "results" / "clean" / "inputs.json").read_text(encoding="utf-8"))
    assert relabelled["studies"] == {k: v for k, v in record["studies"].items()} and relabelled["data_label"] == record["data_label"]
    assert [(d["path"], d["source"], d["sha256"]) for d in relabelled["inputs"]] == [(d["path"], d["source"], d["sha256"]) for d in record["inputs"]]


def test_example_data_script_reproduces_the_committed_files(tmp_path):
    work = tmp_path / "repo"
    shutil.copytree(ROOT / "examples", work / "examples")
    shutil.copytree(ROOT / "data" / "instruments", work / "data" / "instruments")
    shutil.copy(ROOT / "config.yaml", work / "config.yaml")
    done = subprocess.run([sys.executable, "examples/make_example_data.py"], cwd=work, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for name in ("responses.tsv", "coded_segments.csv", "MANIFEST.json"):
        assert (work / "examples" / "replication-study" / name).read_bytes() == (ROOT / "examples" / "replication-study" / name).read_bytes()


@pytest.mark.pipeline
def test_study2_alone_the_default_study1_is_left_out_not_shown_as_the_teams(default_run, tmp_path):
    """A team with only a questionnaire points study2 at its files: synthetic Study 1 is not analysed.

    Their file is a survey-platform export as downloaded: text answers and three header rows
    (column names, question wording, import ids)."""
    work = workflow_copy(tmp_path / "study2_alone")
    (work / "mine").mkdir()
    lines = (default_run / "data" / "synthetic" / "study2" / "responses.csv").read_text(encoding="utf-8-sig").splitlines()
    import_ids = ",".join(f'"{{""ImportId"":""QID{k}""}}"' for k in range(len(lines[0].split(","))))
    records = list(csv.reader(io.StringIO("\n".join([lines[0], lines[1], import_ids, *lines[2:]]) + "\n")))
    header = records[0]
    # hostile but valid text from respondents: a formula as an id, markup as a profession
    records[3][header.index("respondent_id")] = FORMULA
    records[4][header.index("profession")] = "<iframe src=javascript:alert(5)>"
    with open(work / "mine" / "responses.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(records)
    # and from the team's own spec: markup in group and subscale labels and an item's wording
    spec = yaml.safe_load((ROOT / "data" / "instruments" / "rom_beliefs_questionnaire.yaml").read_text(encoding="utf-8"))
    spec["group"]["labels"] = {k: f"<svg onload=alert(3)>{v}" for k, v in spec["group"]["labels"].items()}
    spec["items"][0]["text"] = "<b onmouseover=alert(4)>" + spec["items"][0]["text"]
    for key in spec["subscales"]:
        spec["subscales"][key]["label"] = f"<u onclick=alert(6)>{key}"
    (work / "mine" / "spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    # and the answers treated as ordinal: the whole run, report included, on polychoric correlations
    (work / "mine.yaml").write_text(
        "study2:\n  responses: mine/responses.csv\n  questionnaire: mine/spec.yaml\n  efa: {correlation: polychoric}\n", encoding="utf-8"
    )
    done = snakemake(work, "--configfile", "mine.yaml", "robustness_small.yaml")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "study1 is not part of this run: its data are the synthetic default while Study 2 reads your files" in done.stderr
    assert not (work / "data" / "synthetic").exists() and not (work / "results" / "study1").exists()
    record = json.loads((work / "results" / "clean" / "provenance.json").read_text(encoding="utf-8"))
    assert record["data_label"] == "User-supplied data" and record["studies"]["study1"]["included"] is False
    assert {d["role"]: d["source"] for d in record["inputs"]} == {"study2_questionnaire": "user-supplied", "study2_responses": "user-supplied"}
    card = pd.read_csv(work / "results" / "replication" / "scorecard.csv", keep_default_na=False).set_index("claim_id")
    study1 = card[card.index.str.startswith("S1")]
    assert len(study1) == 6 and study1["verdict"].eq("not_testable").all()
    assert study1["replicated"].str.startswith("Study 1 was not part of this run: its data are the synthetic default").all()
    assert card.loc["S2-N", "verdict"] == "reproduced" and card.loc["S2-N", "data_label"] == "User-supplied data"
    audit = pd.read_csv(work / "results" / "clean" / "audit_log.csv", dtype=str, keep_default_na=False)
    assert list(audit.loc[audit["rule"] == "extra_header_row_dropped", "row"]) == ["2", "3"]
    page = (work / "results" / "report.html").read_text(encoding="utf-8")
    assert "Study 1 was not part of this run" in page and "SYNTHETIC" not in page.split('<section id="study2">')[1]
    assert "SYNTHETIC DATA" not in (work / "results" / "study2" / "figures" / "loadings.svg").read_text(encoding="utf-8")
    assert_no_live_markup(work)
    assert "of the polychoric matrix" in pd.read_csv(work / "results" / "study2" / "n_factors.csv")["detail"].iloc[0]
    assert "From the polychoric correlation matrix" in page and "Measurement Invariance Between the Compared Groups" in page
    coded = pd.read_csv(work / "results" / "clean" / "study2" / "responses_coded.csv", dtype=str, keep_default_na=False)
    assert "'" + FORMULA in set(coded["respondent_id"]) and FORMULA not in set(coded["respondent_id"])
    assert "'" + FORMULA in set(pd.read_csv(work / "results" / "study2" / "subscale_scores.csv", dtype=str, keep_default_na=False)["respondent_id"])
    assert list(audit.loc[audit["rule"] == "formula_neutralised", "row"]) == ["4"]
    sentences = (work / "results" / "study2" / "apa_sentences.md").read_text(encoding="utf-8")
    assert r"\<svg onload=alert(3)\>users" in sentences and "<svg" not in sentences.replace(r"\<svg", "")
    # the power simulation draws from a model fitted to the team's data, and says so
    summary = (work / "results" / "robustness" / "robustness_summary.md").read_text(encoding="utf-8")
    assert "### Power and sensitivity (simulated from a model fitted to the Study 2 data analysed" in summary
    assert "SIMULATED from a model fitted to the Study 2 data analysed" in (work / "results" / "robustness" / "figures" / "power_curve.svg").read_text(encoding="utf-8")


@pytest.mark.pipeline
def test_a_team_run_after_the_quick_start_shows_nothing_of_it_and_a_failed_run_says_so(default_run, tmp_path):
    """The Quick start's results stay in results/ when a team then runs Study 2 alone on its own files: the
    team's report shows only what its run made (no synthetic joint display, no Study 1 tables, no synthetic
    label), names its own config and inputs digests, and a later failed run marks that report at its top
    until a run starts again."""
    work = workflow_copy(tmp_path / "after_quick_start")
    shutil.copytree(default_run / "results", work / "results")
    shutil.copytree(default_run / "data" / "synthetic", work / "data" / "synthetic")
    first = (default_run / "results" / "report.html").read_text(encoding="utf-8")
    first_run = json.loads((default_run / "results" / "report" / "run.json").read_text(encoding="utf-8"))
    (work / "mine").mkdir()
    shutil.copy(default_run / "data" / "synthetic" / "study2" / "responses.csv", work / "mine" / "responses.csv")
    shutil.copy(ROOT / "data" / "instruments" / "rom_beliefs_questionnaire.yaml", work / "mine" / "spec.yaml")
    (work / "mine.yaml").write_text("study2:\n  responses: mine/responses.csv\n  questionnaire: mine/spec.yaml\n", encoding="utf-8")
    done = snakemake(work, "--configfile", "mine.yaml", "robustness_small.yaml")
    assert done.returncode == 0, done.stderr[-3000:]
    assert (work / "results" / "joint_display.csv").exists() and (work / "results" / "study1" / "theme_tallies.csv").exists()  # the old files stay
    run = json.loads((work / "results" / "report" / "run.json").read_text(encoding="utf-8"))
    assert "joint_display.csv" not in run["outputs"] and not any(o.startswith("study1/") for o in run["outputs"])
    assert run["inputs_digest"] != first_run["inputs_digest"] and run["config_digest"] != first_run["config_digest"]
    page = (work / "results" / "report.html").read_text(encoding="utf-8")
    assert "SYNTHETIC" not in page and 'id="figure-joint-display"' not in page and "there is no joint display" in page
    assert f"run of config <code>{run['config_digest']}</code> on inputs <code>{run['inputs_digest']}</code>" in page
    assert first_run["config_digest"] not in page
    for theme in ("Objectivity", "Collaboration", "Empowerment"):  # the synthetic Study 1 themes of the first report
        assert theme in first and theme not in page, theme
    checklists = sorted(p.name for p in (work / "results" / "report" / "checklists").glob("*.csv"))
    assert checklists == ["coreq.csv", "jars_quant.csv"]  # the Quick start's COREQ stays in the folder ...
    assert "COREQ" not in page  # ... but is not this run's
    if report_checks_chromium() and shutil.which("pdftotext"):  # printed, no page carries the synthetic label
        from .report_checks import printed_pages

        pages = printed_pages(work / "results" / "report.html", tmp_path / "team.pdf")
        assert len(pages) > 5 and not any("SYNTHETIC" in text for text in pages)
        assert all("User-supplied data" in text for text in pages)
    manuscript = (work / "results" / "manuscript.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" not in manuscript and "Study 1 was not part of this run" in manuscript and "Objectivity" not in manuscript
    # a failed run: an answer the scale does not have stops the ingest job; the report says it is an earlier run's
    answers = (work / "mine" / "responses.csv").read_text(encoding="utf-8-sig").splitlines()
    header = answers[0].split(",")
    cells = answers[2].split(",")
    cells[next(k for k, name in enumerate(header) if name.startswith("pos_"))] = "banana"
    (work / "mine" / "bad.csv").write_text("\n".join([answers[0], answers[1], ",".join(cells), *answers[3:]]) + "\n", encoding="utf-8")
    (work / "bad.yaml").write_text("study2:\n  responses: mine/bad.csv\n  questionnaire: mine/spec.yaml\n", encoding="utf-8")
    before = (work / "results" / "report.html").read_bytes()
    failed = snakemake(work, "--configfile", "bad.yaml", "robustness_small.yaml")
    assert failed.returncode != 0
    marked = (work / "results" / "report.html").read_text(encoding="utf-8")
    assert marked.index("The latest run failed") < marked.index("<h1>") and "now says so at its top" in failed.stderr
    again = snakemake(work, "--configfile", "mine.yaml", "robustness_small.yaml")
    assert again.returncode == 0, again.stderr[-3000:]
    assert (work / "results" / "report.html").read_bytes() == before  # the notice gone, nothing else changed


def test_the_crate_passes_the_workflow_run_crate_profile(default_run, monkeypatch):
    """roc-validator (Workflow Run Crate 0.5, with Process Run Crate, Workflow RO-Crate and RO-Crate 1.1 under it)
    finds no REQUIRED issue: the workflow is in the crate, inputs and outputs are FormalParameters, sha256 is a defined term."""
    from .report_checks import crate_issues

    assert crate_issues(default_run / "results", monkeypatch) == []
    crate = json.loads((default_run / "results" / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    ids = {e["@id"] for e in crate["@graph"]}
    assert "workflow/Snakefile" in ids and "workflow/workflow/rules/report.smk" in ids
    assert (default_run / "results" / "workflow" / "Snakefile").read_bytes() == (default_run / "Snakefile").read_bytes()


@pytest.mark.skipif(not (report_checks_chromium() and shutil.which("pdftotext")), reason="needs Chromium and pdftotext (apt-get install chromium poppler-utils)")
def test_the_report_has_no_axe_violations_and_prints_the_synthetic_label_on_every_page(default_run, tmp_path):
    """axe-core finds nothing on report.html; printed to A4, every page carries the synthetic label (a running header)."""
    from .report_checks import axe_violations, printed_pages

    page = default_run / "results" / "report.html"
    assert axe_violations(page) == []
    pages = printed_pages(page, tmp_path / "a4.pdf")
    assert len(pages) > 10
    missing = [k + 1 for k, text in enumerate(pages) if "SYNTHETIC data generated by camhs_rom" not in text]
    assert missing == [], f"pages without the synthetic label: {missing}"


def _text(html_page: str) -> str:
    """A page's text as a reader sees it: tags, soft breaks and figure/non-breaking spaces out."""
    import html as html_module

    text = html_module.unescape(re.sub(r"<[^>]+>", "", html_page.replace("<wbr>", "")))
    return re.sub(r"[\u2007\u2008]", "", text).replace("\u00a0", " ")


def test_the_manuscript_opens_in_word_with_tables_figures_and_the_reports_numbers(default_run):
    """results/manuscript.docx: python-docx opens it; it holds real tables and the figures, says the data are
    synthetic, and every statistic of its comparison and reliability tables is in report.html as printed there."""
    from docx import Document

    document = Document(str(default_run / "results" / "manuscript.docx"))
    assert len(document.tables) >= 4 and len(document.inline_shapes) >= 2
    text = "\n".join(p.text for p in document.paragraphs)
    assert "SYNTHETIC data generated by camhs_rom" in text and "Welch's t(" in text and "[Author names and affiliations]" in text
    page = _text((default_run / "results" / "report.html").read_text(encoding="utf-8"))
    heads = {tuple(c.text for c in t.rows[0].cells): t for t in document.tables}
    comparisons = next(t for h, t in heads.items() if "Statistic" in h)
    cells = [c.text for row in comparisons.rows[1:] for c in row.cells[6:]]  # statistic, p, p (Holm), effect size
    assert len(cells) == 8 * 4 and all(c in page for c in cells if c != "\u2014"), [c for c in cells if c not in page]
    reliability = next(t for h, t in heads.items() if "\u03b1" in h)
    values = [c.text for row in reliability.rows[1:] for c in row.cells[3:]]
    assert values and all(v in page for v in values), [v for v in values if v not in page]
    markdown = (default_run / "results" / "manuscript.md").read_text(encoding="utf-8")
    assert "![Subscale Scores by Group](study2/figures/scores_by_group.png)" in markdown
    assert (default_run / "results" / "study2" / "figures" / "scores_by_group.png").is_file()
