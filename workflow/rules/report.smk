# The replication scorecard, the executed notebooks and results/report.html.


rule replication_scorecard:
    input:
        participants=f"{STUDY1}/theme_by_participant.csv",
        tallies=f"{STUDY1}/theme_tallies.csv",
        sample=f"{STUDY2}/sample.csv",
        frequency=f"{STUDY2}/frequency_of_use.csv",
        n_factors=f"{STUDY2}/n_factors.csv",
        congruence=f"{STUDY2}/efa_congruence.csv",
        flags=f"{STUDY2}/efa_item_flags.csv",
        comparisons=f"{STUDY2}/group_comparisons.csv",
        provenance=PROVENANCE,
    output:
        report(
            SCORECARD,
            caption="../report/scorecard.rst",
            category="Replication",
        ),
    log:
        "logs/replication_scorecard.log",
    params:
        settings=config["replication"],
        retention=config["study2"]["efa"]["retention"],
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
        config=config,
    script:
        "../scripts/report_html.py"
