from pathlib import Path

from camhs_rom.core.runner import run_step
from camhs_rom.study2.steps import study2_figures

run_step(
    snakemake.log[0],
    study2_figures,
    distribution=snakemake.input.distribution,
    items=snakemake.input.item_descriptives,
    scree=snakemake.input.scree,
    n_factors=snakemake.input.n_factors,
    loadings=snakemake.input.loadings,
    questionnaire=snakemake.input.questionnaire,
    provenance=snakemake.input.provenance,
    min_loading=snakemake.params.min_loading,
    out_dir=Path(snakemake.output[0]).parent,
)
