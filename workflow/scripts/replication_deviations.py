from camhs_rom.core.runner import run_step
from camhs_rom.replication.steps import replication_deviations

run_step(
    snakemake.log[0],
    replication_deviations,
    frozen=snakemake.input.get("frozen"),
    instruments={role: snakemake.input[role] for role in ("questionnaire", "codebook") if role in snakemake.input.keys()},
    config=dict(snakemake.params.config or {}),
    code=snakemake.params.code,
    out=snakemake.output[0],
)
