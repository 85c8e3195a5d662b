from camhs_rom.core.runner import run_step
from camhs_rom.ingest.steps import provenance_record

run_step(snakemake.log[0], provenance_record, record=snakemake.input.record, config=dict(snakemake.params.config), out=snakemake.output[0])
