# Reproduces James, Elgie, Adams, Henderson & Salkovskis (2015), "Session-by-session
# outcome monitoring in CAMHS: clinicians' beliefs", The Cognitive Behaviour Therapist 8, e26.
# Run:  snakemake --cores 4      (own data: add --configfile my-study.yaml)

from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/synthesize.smk"
include: "workflow/rules/ingest.smk"


if "study1" in STUDIES:

    include: "workflow/rules/study1.smk"


if "study2" in STUDIES:

    include: "workflow/rules/study2.smk"
    include: "workflow/rules/robustness.smk"


include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        all_outputs(),
