from camhs_rom.core.runner import run_step
from camhs_rom.ingest.steps import cleaning_audit

run_step(
    snakemake.log[0],
    cleaning_audit,
    audits=list(snakemake.input.audits),
    inputs=dict(snakemake.params.inputs),
    left_out=dict(snakemake.params.left_out),
    audit_out=snakemake.output.audit,
    record_out=snakemake.output.record,
)
