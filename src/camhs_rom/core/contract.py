"""Names of the public data contract, defined once: input columns and where results are written.

Users write files in these shapes and other tools read the tables at these paths, so the
names here are a public interface (``docs/outputs.md``; a change needs a migration note in
the README). The workflow (``workflow/rules/common.smk``), the scorecard's evidence column
and the tests all take the paths from here.
"""

from __future__ import annotations

# The coded-segments CSV, one row per code application; a REFI-QDA project is read into
# the same shape.
SEGMENT_COLUMNS = ["transcript_id", "group_id", "participant_id", "segment_id", "start", "end", "text", "code", "coder"]

SYNTHETIC = "data/synthetic"
RESULTS = "results"
CLEAN = f"{RESULTS}/clean"
STUDY1 = f"{RESULTS}/study1"
STUDY2 = f"{RESULTS}/study2"
ROBUSTNESS = f"{RESULTS}/robustness"
REPLICATION = f"{RESULTS}/replication"
REPORT = f"{RESULTS}/report.html"
REPORT_NOTEBOOKS = f"{RESULTS}/report/notebooks"
SCORECARD = f"{REPLICATION}/scorecard.csv"
PROVENANCE = f"{CLEAN}/provenance.json"
INPUT_RECORD = f"{CLEAN}/inputs.json"  # provenance.json without the config: what analyses read for their labels
AUDIT_LOG = f"{CLEAN}/audit_log.csv"
JOINT_DISPLAY = f"{RESULTS}/joint_display.csv"  # both studies side by side (and joint_display.png/.svg)
CHECKLISTS = f"{RESULTS}/report/checklists"  # coreq.csv (Study 1), jars_quant.csv (Study 2)
RO_CRATE = f"{RESULTS}/ro-crate-metadata.json"  # the run described as a Workflow Run RO-Crate
MANUSCRIPT = f"{RESULTS}/manuscript"  # .docx and .md: the APA manuscript written from the run, for the authors to finish
WORKFLOW_COPY = f"{RESULTS}/workflow"  # the Snakefile and workflow/ as the run used them (the crate's main workflow)
RUN_RECORD = f"{RESULTS}/report/run.json"  # this run's outputs and config/input digests: what the report may show

STUDY1_FIGURES = ["theme_prevalence", "theme_by_participant", "cooccurrence", "saturation", "agreement_kappa"]
STUDY2_FIGURES = ["item_responses", "scree_parallel", "loadings"]
COMPARISON_FIGURES = ["scores_by_group", "group_coefficients"]
ROBUSTNESS_FIGURES = ["specification_curve", "power_curve"]
FIGURE_FORMATS = ["png", "svg"]

# The tables each claim of the scorecard is judged from (its ``evidence`` column).
EVIDENCE = {
    "participants": f"{STUDY1}/theme_by_participant.csv",
    "tallies": f"{STUDY1}/theme_tallies.csv",
    "sample": f"{STUDY2}/sample.csv",
    "frequency": f"{STUDY2}/frequency_of_use.csv",
    "n_factors": f"{STUDY2}/n_factors.csv",
    "congruence": f"{STUDY2}/efa_congruence.csv",
    "flags": f"{STUDY2}/efa_item_flags.csv",
    "comparisons": f"{STUDY2}/group_comparisons.csv",
    "cfa_fit": f"{STUDY2}/cfa_fit.csv",  # cited beside the EFA for S2-K; not part of its criterion
    # beside the verdicts, never part of a criterion: saturation (S1-T*), and the Bayes factor, equivalence
    # test, power (group sizes, means, SDs) and multiverse support of S2-G+/S2-G-
    "saturation": f"{STUDY1}/saturation.csv",
    "descriptives": f"{STUDY2}/group_descriptives.csv",
    "multiverse": f"{ROBUSTNESS}/multiverse_summary.csv",
}
DEVIATIONS = f"{REPLICATION}/deviations.csv"  # every difference of this run from its preregistration
PREREGISTRATION = f"{RESULTS}/preregistration"  # preregistration.md/.docx/.json, written before any data exist

# A multi-site replication (docs/consortium.md): every run's disclosure-checked aggregates, and a pooling run's results
SITE_SUMMARY = f"{RESULTS}/site_summary"  # site.json, disclosure.csv and the summary tables (camhs_rom.consortium.summary)
CONSORTIUM = f"{RESULTS}/consortium"  # a pooling run's tables, figures/ and report.html
CONSORTIUM_TABLES = [
    "sites", "site_deviations", "site_effects", "meta_analysis", "reliability_generalisation", "themes_by_site",
    "agreement_across_sites", "congruence_across_sites", "invariance_across_sites", "scorecard",
]
