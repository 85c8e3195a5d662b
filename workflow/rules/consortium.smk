# A pooling run (config consortium.sites): the sites' summaries in, results/consortium/ out.
# No data are read: every number comes from the summaries (docs/consortium.md).


rule consortium_pool:
    input:
        unpack(consortium_inputs),
    output:
        **{name: f"{CONSORTIUM}/{name}.csv" for name in CONSORTIUM_TABLES},
    log:
        "logs/consortium_pool.log",
    params:
        sites=config["consortium"]["sites"],
        config=Settings(config, "config"),
        code=code_digest(workflow.basedir, PACKAGE_ROOT),  # the reference record names the pooling run's code
    script:
        "../scripts/consortium_pool.py"


rule consortium_report:
    input:
        **{name: f"{CONSORTIUM}/{name}.csv" for name in CONSORTIUM_TABLES},
        **{k: v for k, v in consortium_inputs(None).items() if k in ("questionnaire", "codebook")},
    output:
        figures=directory(f"{CONSORTIUM}/figures"),
        report=f"{CONSORTIUM}/report.html",
    log:
        "logs/consortium_report.log",
    params:
        config=Settings(config, "config"),
    script:
        "../scripts/consortium_report.py"
