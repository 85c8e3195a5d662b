from camhs_rom.core.runner import run_step
from camhs_rom.ingest.steps import ingest_study2

run_step(
    snakemake.log[0],
    ingest_study2,
    responses=snakemake.input.responses,
    questionnaire=snakemake.input.questionnaire,
    codebook=next(iter(snakemake.input.codebook), None),  # none when Study 1 is not part of the run
    coded_out=snakemake.output.coded,
    scored_out=snakemake.output.scored,
    audit_out=snakemake.output.audit,
)
