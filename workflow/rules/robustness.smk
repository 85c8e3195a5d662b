# Robustness of the Study 2 claims: the multiverse of analytic choices (scattered over
# jobs, gathered in grid order) and the power/sensitivity simulation (every design's
# replicates, in order, split over `robustness.power.jobs` jobs). Every random step is
# seeded from `seed` and the specification, design or replicate itself, so results do not
# depend on how jobs are split or scheduled.


scattergather:
    multiverse=config["robustness"]["multiverse"]["jobs"],


rule multiverse_part:
    input:
        coded=f"{CLEAN}/study2/responses_coded.csv",
        questionnaire=questionnaire_path(),
        audit=f"{CLEAN}/audit_log.csv",
    output:
        f"{ROBUSTNESS}/multiverse/parts/{{scatteritem}}.csv",
    log:
        "logs/multiverse/{scatteritem}.log",
    wildcard_constraints:
        scatteritem=r"\d+-of-\d+",
    params:
        settings=robustness_settings("multiverse"),
        source=config["study2"]["responses"],
    script:
        "../scripts/multiverse_part.py"


rule multiverse_gather:
    input:
        gather.multiverse(f"{ROBUSTNESS}/multiverse/parts/{{scatteritem}}.csv"),
    output:
        table=report(
            f"{ROBUSTNESS}/multiverse.csv",
            caption="../report/multiverse.rst",
            category="Robustness",
        ),
        summary=f"{ROBUSTNESS}/multiverse_summary.csv",
        by_choice=f"{ROBUSTNESS}/multiverse_by_choice.csv",
    log:
        "logs/multiverse.log",
    script:
        "../scripts/multiverse_gather.py"


rule power_part:
    input:
        unpack(power_model_inputs),
        audit=f"{CLEAN}/audit_log.csv",
    output:
        f"{ROBUSTNESS}/power/parts/{{index}}-of-{{parts}}.csv",
    log:
        "logs/power/{index}-of-{parts}.log",
    wildcard_constraints:
        index=r"\d+",
        parts=r"\d+",
    params:
        settings=robustness_settings("power", "synthetic"),
    script:
        "../scripts/power_part.py"


rule power_gather:
    input:
        unpack(power_model_inputs),
        chunks=power_parts(),
    output:
        replicates=f"{ROBUSTNESS}/power_replicates.csv",
        power=report(
            f"{ROBUSTNESS}/power.csv",
            caption="../report/power.rst",
            category="Robustness",
        ),
        mde=f"{ROBUSTNESS}/minimum_detectable_effect.csv",
    log:
        "logs/power.log",
    params:
        settings=robustness_settings("power", "synthetic"),
    script:
        "../scripts/power_gather.py"


rule robustness_figures:
    input:
        multiverse=f"{ROBUSTNESS}/multiverse.csv",
        power=f"{ROBUSTNESS}/power.csv",
        mde=f"{ROBUSTNESS}/minimum_detectable_effect.csv",
        questionnaire=questionnaire_path(),
        provenance=INPUT_RECORD,
    output:
        report(  # the PNGs: the SVG twins are not listed twice
            expand(f"{ROBUSTNESS}/figures/{{name}}.png", name=ROBUSTNESS_FIGURES),
            caption="../report/robustness_figures.rst",
            category="Robustness",
        ),
        expand(f"{ROBUSTNESS}/figures/{{name}}.svg", name=ROBUSTNESS_FIGURES),
    log:
        "logs/robustness_figures.log",
    params:
        settings=robustness_settings("robustness"),
    script:
        "../scripts/robustness_figures.py"


rule robustness_summary:
    input:
        summary=f"{ROBUSTNESS}/multiverse_summary.csv",
        by_choice=f"{ROBUSTNESS}/multiverse_by_choice.csv",
        power=f"{ROBUSTNESS}/power.csv",
        mde=f"{ROBUSTNESS}/minimum_detectable_effect.csv",
        provenance=INPUT_RECORD,
        questionnaire=questionnaire_path(),
    output:
        f"{ROBUSTNESS}/robustness_summary.md",
    log:
        "logs/robustness_summary.log",
    params:
        settings=robustness_settings("robustness"),
    script:
        "../scripts/robustness_summary.py"
