from camhs_rom.consortium.steps import consortium_pool
from camhs_rom.core.runner import run_step

run_step(
    snakemake.log[0],
    consortium_pool,
    sites=dict(snakemake.params.sites),
    config=dict(snakemake.params.config),
    frozen=snakemake.input.get("frozen"),
    code=snakemake.params.code,
    questionnaire=snakemake.input.get("questionnaire"),
    codebook=snakemake.input.get("codebook"),
    out=dict(snakemake.output.items()),
)
