# Ingest: every input is validated completely before any analysis reads it. Bad input
# stops the run with one message (file, row/column or key, found, expected) and leaves
# no output. Clean tables are new files under results/clean/; inputs are never changed.


if "study2" in STUDIES:

    rule ingest_study2:
        input:
            responses=config["study2"]["responses"],
            questionnaire=questionnaire_path(),
            codebook=study_codebook(),
        output:
            coded=f"{CLEAN}/study2/responses_coded.csv",
            scored=f"{CLEAN}/study2/responses_scored.csv",
            audit=f"{CLEAN}/study2/audit.csv",
        log:
            "logs/ingest_study2.log",
        script:
            "../scripts/ingest_study2.py"


if "study1" in STUDIES:

    rule ingest_study1:
        input:
            segments=config["study1"]["segments"],
            codebook=config["study1"]["codebook"],
            reading=study1_reading_inputs(),  # the participant map and the texts in study1.sources_dir
        output:
            segments=f"{CLEAN}/study1/coded_segments.csv",
            audit=f"{CLEAN}/study1/audit.csv",
            sources=f"{CLEAN}/study1/sources.csv",
        log:
            "logs/ingest_study1.log",
        params:
            reading=Settings(study1_reading(), "study1 reading"),
        script:
            "../scripts/ingest_study1.py"


rule cleaning_audit:
    input:
        audits=expand(f"{CLEAN}/{{study}}/audit.csv", study=STUDIES),
        data=list(input_files().values()),
    output:
        audit=report(
            f"{CLEAN}/audit_log.csv",
            caption="../report/audit_log.rst",
            category="Data",
        ),
        record=INPUT_RECORD,
    log:
        "logs/cleaning_audit.log",
    params:
        inputs=input_files(),
        left_out=LEFT_OUT,
    script:
        "../scripts/cleaning_audit.py"


# provenance.json: the input record and the effective config. Only this rule and the
# report depend on every setting; analyses read the input record for their labels.
rule provenance_record:
    input:
        record=INPUT_RECORD,
    output:
        PROVENANCE,
    log:
        "logs/provenance_record.log",
    params:
        config=Settings(config, "config"),
    script:
        "../scripts/provenance_record.py"
