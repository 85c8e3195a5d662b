from camhs_rom.core.runner import run_step
from camhs_rom.robustness.steps import power_gather

run_step(
    snakemake.log[0],
    power_gather,
    parts=list(snakemake.input.chunks),
    questionnaire=snakemake.input.questionnaire,
    config=dict(snakemake.params.settings),
    outputs=dict(snakemake.output.items()),
)
