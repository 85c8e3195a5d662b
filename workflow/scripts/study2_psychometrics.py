from camhs_rom.core.runner import run_step
from camhs_rom.study2.steps import study2_psychometrics

run_step(
    snakemake.log[0],
    study2_psychometrics,
    coded=snakemake.input.coded,
    scored=snakemake.input.scored,
    questionnaire=snakemake.input.questionnaire,
    source=snakemake.params.source,
    efa=dict(snakemake.params.efa),
    bootstrap=dict(snakemake.params.bootstrap),
    seed=snakemake.params.seed,
    outputs=dict(snakemake.output.items()),
)
