# The replication scorecard, the executed notebooks and results/report.html.


rule replication_scorecard:
    priority: 10  # the scorecard does not wait behind the simulation
    input:
        unpack(scorecard_inputs),
    output:
        report(
            SCORECARD,
            caption="../report/scorecard.rst",
            category="Replication",
        ),
    log:
        "logs/replication_scorecard.log",
    params:
        settings=Settings(config["replication"]),
        retention=config["study2"]["efa"]["retention"] if "study2" in STUDIES else None,
    script:
        "../scripts/replication_scorecard.py"


rule report_notebook:
    input:
        notebook="notebooks/{name}.ipynb",
        results=notebook_inputs,
    output:
        f"{REPORT_NOTEBOOKS}/{{name}}.ipynb",
    log:
        "logs/report_notebook_{name}.log",
    wildcard_constraints:
        name="|".join(NOTEBOOKS),
    script:
        "../scripts/report_notebook.py"


rule report_html:
    input:
        notebooks=expand(f"{REPORT_NOTEBOOKS}/{{name}}.ipynb", name=NOTEBOOKS),
        provenance=PROVENANCE,
    output:
        REPORT,
    log:
        "logs/report_html.log",
    params:
        config=Settings(config),
        simulation=simulation_model(),
    script:
        "../scripts/report_html.py"
