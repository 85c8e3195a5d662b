# `snakemake preregistration --configfile my-study.yaml`: before any data exist, simulate the plan (the
# team's spec and codebook, its `synthetic` assumptions and planned sample size), run every analysis on
# the simulated data in a folder of its own, and write the frozen plan. Only the instruments must exist.


rule preregistration:
    localrule: True
    input:
        **instrument_inputs(),
    output:
        json=f"{PREREGISTRATION}/preregistration.json",
        md=f"{PREREGISTRATION}/preregistration.md",
        docx=f"{PREREGISTRATION}/preregistration.docx",
        run=directory(f"{PREREGISTRATION}/simulated_run"),
    log:
        main="logs/preregistration.log",
        run="logs/preregistration_simulated_run.log",
    threads: workflow.cores
    params:
        config=Settings(config, "config"),
        workflow_root=workflow.basedir,
        package_root=PACKAGE_ROOT,
    script:
        "../scripts/preregistration.py"
