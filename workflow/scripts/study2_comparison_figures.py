from pathlib import Path

from camhs_rom.figures import study2_comparison_figures
from camhs_rom.steps import run_step

run_step(
    snakemake.log[0],
    study2_comparison_figures,
    scores=snakemake.input.scores,
    models=snakemake.input.models,
    questionnaire=snakemake.input.questionnaire,
    provenance=snakemake.input.provenance,
    ci=snakemake.params.ci,
    out_dir=Path(snakemake.output[0]).parent,
)
