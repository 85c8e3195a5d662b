from camhs_rom.core.runner import run_step
from camhs_rom.robustness.steps import power_chunk

run_step(
    snakemake.log[0],
    power_chunk,
    questionnaire=snakemake.input.questionnaire,
    coded=snakemake.input.get("coded"),  # the team's answers, when the simulation draws from a model fitted to them
    config=dict(snakemake.params.settings),
    design=snakemake.wildcards.design,
    index=int(snakemake.wildcards.chunk),
    chunks=snakemake.params.settings["robustness"]["power"]["jobs_per_design"],
    out=snakemake.output[0],
)
