# The replication scorecard, the executed notebooks and results/report.html.


rule replication_deviations:
    priority: 10
    input:
        unpack(deviation_inputs),
    output:
        DEVIATIONS,
    log:
        "logs/replication_deviations.log",
    params:
        # only with a preregistration named do the settings and the code matter (then any change may be a deviation)
        config=Settings(config, "config") if config["replication"]["preregistration"] else None,
        code=running_code_digest(),
    script:
        "../scripts/replication_deviations.py"


rule replication_scorecard:
    priority: 10  # the scorecard does not wait behind the simulation
    input:
        unpack(scorecard_inputs),
        deviations=DEVIATIONS,
    output:
        report(
            SCORECARD,
            caption="../report/scorecard-synthetic.rst" if SYNTHETIC_RUN else "../report/scorecard.rst",
            category="Replication",
        ),
    log:
        "logs/replication_scorecard.log",
    params:
        settings=Settings(config["replication"], "replication"),
        retention=config["study2"]["efa"]["retention"] if "study2" in STUDIES else None,
    script:
        "../scripts/replication_scorecard.py"


if {"study1", "study2"} <= set(STUDIES):

    rule joint_display:
        priority: 10
        input:
            tallies=f"{STUDY1}/theme_tallies.csv",
            distribution=f"{STUDY2}/response_distribution.csv",
            flags=f"{STUDY2}/efa_item_flags.csv",
            questionnaire=questionnaire_path(),
            provenance=INPUT_RECORD,
        output:
            table=report(JOINT_DISPLAY, caption="../report/joint_display.rst", category="Both studies"),
            png=report(f"{RESULTS}/joint_display.png", caption="../report/joint_display.rst", category="Both studies"),
            svg=f"{RESULTS}/joint_display.svg",
        log:
            "logs/joint_display.log",
        params:
            majority=config["replication"]["majority"],
        script:
            "../scripts/joint_display.py"


rule report_checklists:
    input:
        checklist_inputs,
        provenance=INPUT_RECORD,
    output:
        **{key: report(path, caption="../report/checklists.rst", category="Reporting checklists") for key, path in checklist_outputs().items()},
    log:
        "logs/report_checklists.log",
    params:
        codebook=config["study1"]["codebook"] if "study1" in STUDIES else None,
        questionnaire=questionnaire_path() if "study2" in STUDIES else None,
        config=Settings(config, "config"),
    script:
        "../scripts/report_checklists.py"


rule run_record:
    input:
        provenance=PROVENANCE,
    output:
        RUN_RECORD,
    log:
        "logs/run_record.log",
    params:
        outputs=run_outputs(),
        config=Settings(config, "config"),
    script:
        "../scripts/run_record.py"


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
        checklists=list(checklist_outputs().values()),
        study1=study1_summary_inputs(),
        run=RUN_RECORD,
    output:
        REPORT,
    log:
        "logs/report_html.log",
    params:
        config=Settings(config, "config"),
        simulation=simulation_model(),
    script:
        "../scripts/report_html.py"


rule manuscript:
    input:
        manuscript_inputs,
    output:
        md=f"{MANUSCRIPT}.md",
        docx=f"{MANUSCRIPT}.docx",
    log:
        "logs/manuscript.log",
    params:
        # the settings the manuscript states (a robustness setting reaches it only through the tables it reads)
        config=Settings({key: config.get(key) for key in ("study1", "study2", "replication")}, "study1+study2+replication"),
        questionnaire=questionnaire_path() if "study2" in STUDIES else None,
        codebook=config["study1"]["codebook"] if "study1" in STUDIES else None,
    script:
        "../scripts/manuscript.py"


rule crate_workflow:
    input:
        workflow_code(),
    output:
        directory(WORKFLOW_COPY),
    log:
        "logs/crate_workflow.log",
    script:
        "../scripts/crate_workflow.py"


rule ro_crate:
    input:
        outputs=crate_outputs(),
        provenance=PROVENANCE,
        workflow=WORKFLOW_COPY,
    output:
        RO_CRATE,
    log:
        "logs/ro_crate.log",
    script:
        "../scripts/ro_crate.py"
