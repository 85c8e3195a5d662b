from camhs_rom.consortium.steps import site_summary
from camhs_rom.core.runner import run_step

run_step(
    snakemake.log[0],
    site_summary,
    inputs=dict(snakemake.input.items()),
    config=dict(snakemake.params.config),
    min_count=snakemake.params.min_count,
    code=snakemake.params.code,
    out_dir=snakemake.output[0],
)
