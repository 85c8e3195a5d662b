# Reproduces James, Elgie, Adams, Henderson & Salkovskis (2015), "Session-by-session
# outcome monitoring in CAMHS: clinicians' beliefs", The Cognitive Behaviour Therapist 8, e26.
# Run:  snakemake --cores 4      (own data: add --configfile my-study.yaml)

from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"


# the Snakemake report's front page says what the data are (decided here: a run reads
# either the synthetic default, which the workflow itself writes, or the team's files)
report: "workflow/report/workflow-synthetic.rst" if SYNTHETIC_RUN else "workflow/report/workflow.rst"

if POOLING:

    include: "workflow/rules/consortium.smk"

else:

    include: "workflow/rules/synthesize.smk"
    include: "workflow/rules/ingest.smk"

    if "study1" in STUDIES:

        include: "workflow/rules/study1.smk"

    if "study2" in STUDIES:

        include: "workflow/rules/study2.smk"
        include: "workflow/rules/robustness.smk"

    include: "workflow/rules/report.smk"
    include: "workflow/rules/site_summary.smk"

    # only when asked for by name: a run that compares itself with a preregistration never rewrites it
    if PREREGISTERING:

        include: "workflow/rules/preregistration.smk"

    # A report left by an earlier run must not pass for this one's: a failed run puts a notice at the top of
    # report.html (camhs_rom.report.run_record), which the next run takes off when it starts.
    onstart:
        from camhs_rom.report.run_record import clear_failed

        clear_failed(REPORT)

    onerror:
        from camhs_rom.report.run_record import mark_failed

        if mark_failed(REPORT, config, log):
            print(f"The run failed; {REPORT} is an earlier run's and now says so at its top.", file=sys.stderr)


rule all:
    default_target: True
    input:
        all_outputs(),
