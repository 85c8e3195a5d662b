from camhs_rom.core.runner import run_step
from camhs_rom.robustness.steps import robustness_summary

run_step(
    snakemake.log[0],
    robustness_summary,
    summary=snakemake.input.summary,
    by_choice=snakemake.input.by_choice,
    power=snakemake.input.power,
    mde=snakemake.input.mde,
    provenance=snakemake.input.provenance,
    questionnaire=snakemake.input.questionnaire,
    config=dict(snakemake.params.settings),
    out=snakemake.output[0],
)
