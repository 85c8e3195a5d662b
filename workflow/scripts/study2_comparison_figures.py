from pathlib import Path

from camhs_rom.core.runner import run_step
from camhs_rom.study2.steps import study2_comparison_figures

run_step(
    snakemake.log[0],
    study2_comparison_figures,
    scores=snakemake.input.scores,
    models=snakemake.input.models,
    questionnaire=snakemake.input.questionnaire,
    provenance=snakemake.input.provenance,
    ci=snakemake.params.ci,
    seed=snakemake.params.seed,
    out_dir=Path(snakemake.output[0]).parent,
)
