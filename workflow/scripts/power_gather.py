from camhs_rom.core.runner import run_step
from camhs_rom.robustness.steps import power_gather

run_step(
    snakemake.log[0],
    power_gather,
    parts=list(snakemake.input.chunks),
    questionnaire=snakemake.input.questionnaire,
    coded=snakemake.input.get("coded"),  # the team's answers, when the simulation draws from a model fitted to them
    config=dict(snakemake.params.settings),
    outputs=dict(snakemake.output.items()),
)
