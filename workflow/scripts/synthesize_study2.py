from camhs_rom.core.runner import run_step
from camhs_rom.synthetic.steps import synthesize_study2

run_step(
    snakemake.log[0],
    synthesize_study2,
    questionnaire_path=snakemake.input.questionnaire,
    settings=dict(snakemake.params.settings),
    seed=snakemake.params.seed,
    csv_path=snakemake.output.csv,
    sav_path=snakemake.output.sav,
    manifest_path=snakemake.output.manifest,
    spec_out=snakemake.output.spec[0] if snakemake.output.spec else None,
)
