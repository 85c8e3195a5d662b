from pathlib import Path

from camhs_rom.core.runner import run_step
from camhs_rom.robustness.steps import robustness_figures

run_step(
    snakemake.log[0],
    robustness_figures,
    multiverse=snakemake.input.multiverse,
    power=snakemake.input.power,
    mde=snakemake.input.mde,
    questionnaire=snakemake.input.questionnaire,
    provenance=snakemake.input.provenance,
    config=dict(snakemake.params.settings),
    out_dir=Path(snakemake.output[0]).parent,
)
