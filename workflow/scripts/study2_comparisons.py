from camhs_rom.core.runner import run_step
from camhs_rom.study2.steps import study2_comparisons

run_step(
    snakemake.log[0],
    study2_comparisons,
    scores=snakemake.input.scores,
    questionnaire=snakemake.input.questionnaire,
    provenance=snakemake.input.provenance,
    settings=dict(snakemake.params.settings),
    bootstrap=dict(snakemake.params.bootstrap),
    seed=snakemake.params.seed,
    outputs=dict(snakemake.output.items()),
)
