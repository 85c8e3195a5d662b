from camhs_rom.core.runner import run_step
from camhs_rom.study2.steps import study2_measurement

run_step(
    snakemake.log[0],
    study2_measurement,
    coded=snakemake.input.coded,
    scored=snakemake.input.scored,
    questionnaire=snakemake.input.questionnaire,
    provenance=snakemake.input.provenance,
    settings=dict(snakemake.params.settings),
    missing=dict(snakemake.params.missing)["method"],
    correlation=snakemake.params.correlation,
    bootstrap=dict(snakemake.params.bootstrap),
    seed=snakemake.params.seed,
    outputs=dict(snakemake.output.items()),
)
