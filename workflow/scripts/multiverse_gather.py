from camhs_rom.core.runner import run_step
from camhs_rom.robustness.steps import multiverse_gather

run_step(
    snakemake.log[0],
    multiverse_gather,
    parts=list(snakemake.input),
    outputs=dict(snakemake.output.items()),
)
