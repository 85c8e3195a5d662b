from camhs_rom.core.runner import run_step
from camhs_rom.ingest.steps import ingest_study1

run_step(
    snakemake.log[0],
    ingest_study1,
    segments=snakemake.input.segments,
    codebook=snakemake.input.codebook,
    segments_out=snakemake.output.segments,
    audit_out=snakemake.output.audit,
    sources_out=snakemake.output.sources,
    settings=snakemake.params.reading,
)
