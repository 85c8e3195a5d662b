from camhs_rom.core.runner import run_step
from camhs_rom.ingest.steps import write_cleaning_record

run_step(
    snakemake.log[0],
    write_cleaning_record,
    audits=list(snakemake.input.audits),
    inputs=dict(snakemake.params.inputs),
    config=dict(snakemake.params.config),
    audit_out=snakemake.output.audit,
    provenance_out=snakemake.output.provenance,
)
