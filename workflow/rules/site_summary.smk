# The site's summary for a consortium (docs/consortium.md): the aggregates a pooling run needs, written
# to results/site_summary/ only when they pass the disclosure check (disclosure.csv says either way).


rule site_summary:
    input:
        unpack(site_summary_inputs),
    output:
        directory(SITE_SUMMARY),
    log:
        "logs/site_summary.log",
    params:
        config=Settings(config, "config"),  # the frozen record the summary carries
        min_count=config["consortium"]["min_count"],
        code=code_digest(workflow.basedir, PACKAGE_ROOT),  # the record names it: re-written when the code changes
    script:
        "../scripts/site_summary.py"
