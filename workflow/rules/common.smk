# Validation of the config and the small helpers the rules share. Defaults come from the
# JSON Schema and are filled in here, once: rules and the package read every setting
# from `config` without repeating a default.

import os
import sys

import camhs_rom

from camhs_rom.core.contract import (
    CHECKLISTS,
    CLEAN,
    CONSORTIUM,
    CONSORTIUM_TABLES,
    DEVIATIONS,
    COMPARISON_FIGURES,
    EVIDENCE,
    FIGURE_FORMATS,
    INPUT_RECORD,
    JOINT_DISPLAY,
    PREREGISTRATION,
    PROVENANCE,
    RESULTS,
    RO_CRATE,
    REPORT,
    RUN_RECORD,
    WORKFLOW_COPY,
    MANUSCRIPT,
    REPORT_NOTEBOOKS,
    ROBUSTNESS,
    ROBUSTNESS_FIGURES,
    SCORECARD,
    SITE_SUMMARY,
    STUDY1,
    STUDY1_FIGURES,
    STUDY2,
    STUDY2_FIGURES,
    SYNTHETIC,
)
from camhs_rom.core.errors import InputError
from camhs_rom.core.provenance import Settings, code_digest  # Settings: a rule's settings, shown by digest in -n reasons
from camhs_rom.core.schemas import check_config_files, validate_config, with_defaults
from camhs_rom.core.studies import DATA_KEY, check_generator_owns, check_sites, check_studies, included, is_generated, left_out, preregistering

PACKAGE_ROOT = os.path.dirname(camhs_rom.__file__)
# `snakemake preregistration` runs before the team's data exist: only the instruments must be there
# (Snakemake sets its DAG settings after parsing the workflow, so the command line's targets are read here)
PREREGISTERING = preregistering(workflow.dag_settings.targets if workflow.dag_settings else sys.argv[1:])

# A pooling run lists the sites' summaries (consortium.sites) and reads no data of its own
POOLING = bool((config.get("consortium") or {}).get("sites"))
try:
    check_config_files(workflow.configfiles)
    validate_config(config, "config (config.yaml and any --configfile)")
    if POOLING:
        check_sites(config, "config (config.yaml and any --configfile)")
    else:
        check_studies(config, SYNTHETIC, "config (config.yaml and any --configfile)", require_data=not PREREGISTERING)
except InputError as err:
    sys.exit(f"Bad configuration, nothing was run: {err}")
config.update(with_defaults(config, "config"))

# The studies this run analyses (a study set to null, or left with the synthetic default
# while the other reads the user's files, is left out: camhs_rom.core.studies). A pooling run analyses none.
STUDIES = [] if POOLING else included(config, SYNTHETIC)
LEFT_OUT = {} if POOLING else left_out(config, SYNTHETIC)
for _study, _reason in LEFT_OUT.items():
    print(f"{_study} is not part of this run: {_reason}.", file=sys.stderr)

NOTEBOOKS = ["00_scorecard"] + (["01_study1"] if "study1" in STUDIES else []) + (["02_study2", "03_robustness"] if "study2" in STUDIES else [])


def study1_reading():
    """The study1 keys that say how a .qdpx is read (sources_dir, participants, speaker_pattern, participant_map)."""
    keys = ("sources_dir", "participants", "speaker_pattern", "participant_map")
    return {k: config["study1"][k] for k in keys} if "study1" in STUDIES else {}


def study1_reading_inputs():
    """Files the reading of a .qdpx depends on: the participant map and the texts in study1.sources_dir."""
    if "study1" not in STUDIES:
        return []
    files = [config["study1"]["participant_map"]] if config["study1"]["participant_map"] else []
    folder = config["study1"]["sources_dir"]
    if folder and os.path.isdir(folder):
        files += sorted(os.path.join(folder, name) for name in os.listdir(folder) if os.path.isfile(os.path.join(folder, name)))
    return files


def study1_checked_already():
    """Whether this run's clean Study 1 table is newer than every file it was read from: the ingest job
    validated those files, so parsing the workflow again (a no-op re-run, each cluster job) need not."""
    clean = f"{CLEAN}/study1/coded_segments.csv"
    sources = [config["study1"]["segments"], config["study1"]["codebook"], *study1_reading_inputs()]
    return os.path.exists(clean) and all(os.path.exists(p) and os.path.getmtime(p) <= os.path.getmtime(clean) for p in sources)


if "study1" in STUDIES and not PREREGISTERING and not POOLING and not is_generated(config["study1"]["segments"], SYNTHETIC) and not study1_checked_already():
    # A team's coding is checked against its codebook before anything runs (snakemake -n included).
    from camhs_rom.ingest.steps import check_study1

    try:
        for _warning in check_study1(config["study1"], "config (config.yaml and any --configfile)"):
            print(f"Note: {_warning}.", file=sys.stderr)
    except InputError as err:
        sys.exit(f"Bad input, nothing was run: {err}")


def synthetic_settings(study):
    """The generator settings of one study (an empty mapping when config has none)."""
    return config.get("synthetic", {}).get(study, {})


def generator_seed():
    """The synthetic data's seed: synthetic.seed, or the run's seed when that is null."""
    seed = (config.get("synthetic") or {}).get("seed")
    return config["seed"] if seed is None else seed


def generated(study):
    """Whether this run generates the study's data (the synthetic default)."""
    return study in STUDIES and is_generated(config[study][DATA_KEY[study]], SYNTHETIC)


SYNTHETIC_RUN = any(generated(study) for study in STUDIES)  # the included studies read the synthetic default


def n_synthetic_items():
    """The item count asked of the Study 2 generator, or None for the spec's own items."""
    return synthetic_settings("study2").get("n_items")


def synthetic_spec_path():
    return f"{SYNTHETIC}/study2/questionnaire_{n_synthetic_items()}_items.yaml"


def questionnaire_path():
    """The spec the pipeline reads: the config's, or the generator's expanded copy when n_items is set."""
    if n_synthetic_items() and generated("study2"):
        return synthetic_spec_path()
    return config["study2"]["questionnaire"]


def transcript_paths():
    groups = synthetic_settings("study1").get("participants_per_group", [])
    return [
        f"{SYNTHETIC}/study1/transcripts/focus_group_{g}.txt"
        for g in range(1, len(groups) + 1)
    ]


def input_files():
    """Every input the provenance record describes, by role (the included studies' only)."""
    files = {}
    if "study1" in STUDIES:
        files["study1_codebook"] = config["study1"]["codebook"]
        files["study1_segments"] = config["study1"]["segments"]
    if "study2" in STUDIES:
        files["study2_questionnaire"] = questionnaire_path()
        files["study2_responses"] = config["study2"]["responses"]
    return files


def study_codebook():
    """The codebook Study 2's item themes are checked against (none when Study 1 is left out)."""
    return [config["study1"]["codebook"]] if "study1" in STUDIES else []


def study1_summary_inputs():
    """The tables that say what the run's Study 1 material was (read by the methods, the notebook, COREQ)."""
    if "study1" not in STUDIES:
        return []
    return [f"{CLEAN}/study1/sources.csv", f"{STUDY1}/agreement_scope.csv", f"{STUDY1}/theme_by_participant.csv"]


def study1_results():
    return [
        f"{STUDY1}/theme_tallies.csv",
        f"{STUDY1}/valence_tallies.csv",
        f"{STUDY1}/agreement.csv",
        f"{STUDY1}/disagreements.csv",
        f"{STUDY1}/quotes.csv",
        *expand(
            f"{STUDY1}/figures/{{name}}.png",
            name=STUDY1_FIGURES,
        ),
        *study1_summary_inputs(),
    ]


def study2_results():
    return [
        f"{STUDY2}/reliability.csv",
        f"{STUDY2}/apa_sentences.md",
        f"{STUDY2}/measurement.md",
        f"{STUDY2}/model_notes.csv",
        *expand(
            f"{STUDY2}/figures/{{name}}.png",
            name=STUDY2_FIGURES + COMPARISON_FIGURES,
        ),
    ]


def robustness_results():
    return [
        f"{ROBUSTNESS}/multiverse.csv",
        f"{ROBUSTNESS}/multiverse_summary.csv",
        f"{ROBUSTNESS}/multiverse_by_choice.csv",
        f"{ROBUSTNESS}/power.csv",
        f"{ROBUSTNESS}/minimum_detectable_effect.csv",
        f"{ROBUSTNESS}/robustness_summary.md",
        *expand(
            f"{ROBUSTNESS}/figures/{{name}}.{{ext}}",
            name=ROBUSTNESS_FIGURES,
            ext=FIGURE_FORMATS,
        ),
    ]


def instrument_inputs():
    """The included studies' instruments by role (codebook, questionnaire): what a preregistration freezes."""
    out = {}
    if "study1" in STUDIES:
        out["codebook"] = config["study1"]["codebook"]
    if "study2" in STUDIES:
        out["questionnaire"] = config["study2"]["questionnaire"]
    return out


def deviation_inputs(wildcards):
    """The frozen plan a run is compared with (none when replication.preregistration is null) and the instruments."""
    frozen = config["replication"]["preregistration"]
    return {**({"frozen": frozen} if frozen else {}), **instrument_inputs()}


def running_code_digest():
    """The digest of the code this run executes, when a preregistration is named (the deviations rule re-runs
    when the code changes); None otherwise."""
    if not config["replication"]["preregistration"]:
        return None
    return code_digest(workflow.basedir, PACKAGE_ROOT)


def scorecard_inputs(wildcards):
    """The tables each claim is judged from (EVIDENCE), for the studies of this run."""
    study_of = {"participants": "study1", "tallies": "study1", "saturation": "study1"}
    tables = {key: path for key, path in EVIDENCE.items() if study_of.get(key, "study2") in STUDIES}
    if "study1" in STUDIES:
        tables["codebook"] = config["study1"]["codebook"]
    if "study2" in STUDIES:
        tables["questionnaire"] = questionnaire_path()
    return {**tables, "provenance": INPUT_RECORD}


def notebook_inputs(wildcards):
    """What each notebook presents: it runs only after those results exist (and the run's record says they are this run's)."""
    common = [PROVENANCE, RUN_RECORD]
    if wildcards.name == "01_study1":
        return common + study1_results()
    if wildcards.name == "02_study2":
        return common + study2_results()
    if wildcards.name == "03_robustness":
        return common + robustness_results()
    return common + [SCORECARD] + joint_outputs()[:2]


def manuscript_inputs(wildcards):
    """The results the manuscript is written from, for the studies of this run."""
    inputs = [RUN_RECORD, PROVENANCE, SCORECARD]
    if "study1" in STUDIES:
        inputs += [f"{STUDY1}/{name}.csv" for name in ("theme_tallies", "theme_by_participant", "agreement", "agreement_scope")]
        inputs += [f"{CLEAN}/study1/sources.csv", f"{STUDY1}/figures/theme_prevalence.png"]
    if "study2" in STUDIES:
        inputs += [f"{STUDY2}/{name}.csv" for name in ("sample", "frequency_of_use", "n_factors", "efa_congruence", "reliability",
                                                       "group_comparisons", "group_descriptives")]
        inputs += [f"{STUDY2}/figures/scores_by_group.png", f"{ROBUSTNESS}/multiverse_summary.csv", questionnaire_path()]
    return inputs


def checklist_outputs():
    """The reporting checklists of the studies in this run: COREQ (Study 1), JARS-Quant (Study 2)."""
    out = {}
    if "study1" in STUDIES:
        out["coreq"] = f"{CHECKLISTS}/coreq.csv"
    if "study2" in STUDIES:
        out["jars_quant"] = f"{CHECKLISTS}/jars_quant.csv"
    return out


def checklist_inputs(wildcards):
    """The results the checklists answer from."""
    inputs = [INPUT_RECORD]
    if "study1" in STUDIES:
        inputs += study1_results() + [f"{STUDY1}/theme_by_participant.csv", f"{STUDY1}/saturation.csv"]
    if "study2" in STUDIES:
        inputs += study2_results() + robustness_results() + [
            f"{STUDY2}/{name}.csv" for name in ("sample", "item_descriptives", "factorability", "n_factors", "group_comparisons", "adjusted_models")
        ]
    return inputs


def joint_outputs():
    """The joint display of the two studies (table, PNG, SVG), when the run includes both."""
    if not {"study1", "study2"} <= set(STUDIES):
        return []
    return [JOINT_DISPLAY, f"{RESULTS}/joint_display.png", f"{RESULTS}/joint_display.svg"]


def site_summary_inputs(wildcards):
    """What a site's summary is made from: the provenance record, and each included study's results and instrument."""
    out = {"provenance": PROVENANCE}
    if "study2" in STUDIES:
        out |= {
            "scored": f"{CLEAN}/study2/responses_scored.csv",
            "scores": f"{STUDY2}/subscale_scores.csv",
            "frequency": f"{STUDY2}/frequency_of_use.csv",
            "reliability": f"{STUDY2}/reliability.csv",
            "questionnaire": questionnaire_path(),
        }
    if "study1" in STUDIES:
        out |= {
            "by_participant": f"{STUDY1}/theme_by_participant.csv",
            "agreement": f"{STUDY1}/agreement.csv",
            "segments": f"{CLEAN}/study1/coded_segments.csv",
            "scope": f"{STUDY1}/agreement_scope.csv",
            "codebook": config["study1"]["codebook"],
        }
    return out


def consortium_inputs(wildcards):
    """A pooling run's inputs: each site's summary (its site.json, or its zip), the frozen record, the instruments."""
    out = {}
    for name, path in config["consortium"]["sites"].items():
        out[f"site_{name}"] = os.path.join(path, "site.json") if os.path.isdir(path) else path
    if config["consortium"]["frozen"]:
        out["frozen"] = config["consortium"]["frozen"]
    if isinstance(config.get("study2"), dict) and os.path.isfile(str(config["study2"]["questionnaire"])):
        out["questionnaire"] = config["study2"]["questionnaire"]
    if isinstance(config.get("study1"), dict) and os.path.isfile(str(config["study1"]["codebook"])):
        out["codebook"] = config["study1"]["codebook"]
    return out


def all_outputs():
    if POOLING:
        return [*(f"{CONSORTIUM}/{name}.csv" for name in CONSORTIUM_TABLES), f"{CONSORTIUM}/report.html"]
    study1 = [
        f"{CLEAN}/study1/coded_segments.csv",
        f"{STUDY1}/theme_tallies.csv",
        f"{STUDY1}/agreement.csv",
        f"{STUDY1}/quotes.csv",
        *expand(
            f"{STUDY1}/figures/{{name}}.{{ext}}",
            name=STUDY1_FIGURES,
            ext=FIGURE_FORMATS,
        ),
    ]
    study2 = [
        f"{CLEAN}/study2/responses_coded.csv",
        f"{CLEAN}/study2/responses_scored.csv",
        f"{STUDY2}/frequency_of_use.csv",
        f"{STUDY2}/efa_loadings.csv",
        f"{STUDY2}/reliability.csv",
        f"{STUDY2}/subscale_scores.csv",
        *expand(
            f"{STUDY2}/figures/{{name}}.{{ext}}",
            name=STUDY2_FIGURES + COMPARISON_FIGURES,
            ext=FIGURE_FORMATS,
        ),
        f"{STUDY2}/group_comparisons.csv",
        f"{STUDY2}/adjusted_models.csv",
        f"{STUDY2}/apa_sentences.md",
        f"{STUDY2}/cfa_fit.csv",
        f"{STUDY2}/invariance.csv",
        *robustness_results(),
    ]
    return [
        f"{CLEAN}/audit_log.csv",
        PROVENANCE,
        *(study1 if "study1" in STUDIES else []),
        *(study2 if "study2" in STUDIES else []),
        SCORECARD,
        DEVIATIONS,
        *joint_outputs(),
        *checklist_outputs().values(),
        REPORT,
        f"{MANUSCRIPT}.docx",
        f"{MANUSCRIPT}.md",
        RO_CRATE,
        SITE_SUMMARY,
    ]


def run_outputs():
    """Every file this run's workflow produces (declared outputs, the results the notebooks present, the
    executed notebooks): the run's own list, which the report reads instead of what lies in results/."""
    study = {"study1": study1_results, "study2": lambda: study2_results() + robustness_results()}
    extra = [f"{REPORT_NOTEBOOKS}/{name}.ipynb" for name in NOTEBOOKS]
    for name in STUDIES:
        extra += study[name]()
    return list(dict.fromkeys(all_outputs() + extra + [RUN_RECORD, WORKFLOW_COPY]))


def crate_outputs():
    """What the RO-Crate lists as the run's results: every output of the run but the crate itself, the site
    summary folder and the copy of the workflow (the crate lists that as the workflow)."""
    return [o for o in run_outputs() if o not in (RO_CRATE, SITE_SUMMARY, WORKFLOW_COPY)]


def workflow_code():
    """The workflow as it runs: the Snakefile and every file under workflow/ (caches left out), sorted."""
    # absolute: a run in another working directory (the preregistration's simulated run) finds them too
    base = workflow.basedir
    files = [os.path.join(root, name) for root, dirs, names in os.walk(os.path.join(base, "workflow")) for name in names if "__pycache__" not in root]
    return [os.path.abspath(workflow.main_snakefile)] + sorted(files)


# --- robustness stage


def check_robustness_at_start():
    """Settings the questionnaire cannot satisfy stop the run before anything runs.

    (A generated questionnaire does not exist yet at start; the generator makes it fit.)
    """
    from pathlib import Path

    from camhs_rom.instruments.questionnaire import load_questionnaire
    from camhs_rom.robustness.plan import check_robustness

    if "study2" in STUDIES and Path(questionnaire_path()).exists():
        try:
            check_robustness(config, load_questionnaire(questionnaire_path()), synthetic_model=generated("study2"))
        except InputError as err:
            sys.exit(f"Bad configuration, nothing was run: {err}")


check_robustness_at_start()


def name_untestable_claims():
    """Each claim this run's questionnaire and codebook cannot test, named with the reason before anything
    runs (the scorecard marks it not_testable; the power simulation leaves it out)."""
    from pathlib import Path

    from camhs_rom.instruments.codebook import load_codebook
    from camhs_rom.instruments.questionnaire import load_questionnaire
    from camhs_rom.replication.roles import untestable_claims

    try:
        q = load_questionnaire(questionnaire_path()) if "study2" in STUDIES and Path(questionnaire_path()).exists() else None
        book = load_codebook(config["study1"]["codebook"]) if "study1" in STUDIES else None
    except InputError:
        return  # the ingest stage names what is wrong with the file, before any analysis
    for claim_id, reason in untestable_claims(config["replication"], q, book):
        print(f"Not testable with this run's inputs: {claim_id}: {reason}.", file=sys.stderr)


name_untestable_claims()


def robustness_settings(*sections):
    """The config sections a robustness job reads (only these trigger a re-run when changed):
    always seed, study2 and replication; then "multiverse", "power" (that part of
    `robustness` only), "robustness" (all of it) or "synthetic" (the Study 2 generator's)."""
    settings = {key: config[key] for key in ("seed", "study2", "replication")}
    for section in sections:
        if section == "synthetic":
            settings["synthetic"] = {"study2": synthetic_settings("study2")}
        elif section == "robustness":
            settings["robustness"] = config["robustness"]
        else:
            settings.setdefault("robustness", {})[section] = config["robustness"][section]
    return Settings(settings, "robustness." + "+".join(sections))  # with seed, study2 and replication


def simulation_model():
    """What the power simulation draws from: the calibrated generator for the synthetic default,
    a model fitted to the team's data otherwise (the same rule as power_model_inputs)."""
    return "calibrated" if generated("study2") else "fitted"


def power_model_inputs(wildcards):
    """What the power simulation draws from: the questionnaire, and the team's clean answers
    when Study 2 reads the user's data (a model is fitted to them; the synthetic default is
    simulated from the calibrated generator instead)."""
    inputs = {"questionnaire": questionnaire_path()}
    if simulation_model() == "fitted":
        inputs["coded"] = f"{CLEAN}/study2/responses_coded.csv"
    return inputs


def power_parts():
    from camhs_rom.robustness.plan import power_jobs

    parts = power_jobs(config["robustness"]["power"])
    return [f"{ROBUSTNESS}/power/parts/{k}-of-{parts}.csv" for k in range(1, parts + 1)]


def check_synthetic_outputs(outputs, manifest, key):
    """Stop before Snakemake would replace a file under data/synthetic/ the generator did not write."""
    if not workflow.is_main_process:  # checked once, before any job; a job's process may see files mid-write
        return
    try:
        check_generator_owns(outputs, manifest, key, "config (config.yaml and any --configfile)")
    except InputError as err:
        sys.exit(f"Bad input, nothing was run: {err}")
