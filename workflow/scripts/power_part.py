from camhs_rom.core.runner import run_step
from camhs_rom.robustness.steps import power_part

run_step(
    snakemake.log[0],
    power_part,
    questionnaire=snakemake.input.questionnaire,
    coded=snakemake.input.get("coded"),  # the team's answers, when the simulation draws from a model fitted to them
    config=dict(snakemake.params.settings),
    index=int(snakemake.wildcards.index),
    parts=int(snakemake.wildcards.parts),
    out=snakemake.output[0],
)
