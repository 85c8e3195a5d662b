from pathlib import Path

from camhs_rom.core.runner import run_step
from camhs_rom.study1.steps import study1_figures

run_step(
    snakemake.log[0],
    study1_figures,
    tallies=snakemake.input.tallies,
    by_participant=snakemake.input.by_participant,
    cooccurrence=snakemake.input.cooccurrence,
    saturation=snakemake.input.saturation,
    agreement=snakemake.input.agreement,
    scope=snakemake.input.scope,
    codebook=snakemake.input.codebook,
    provenance=snakemake.input.provenance,
    out_dir=Path(snakemake.output[0]).parent,
)
