from pathlib import Path

from camhs_rom.core.runner import run_step
from camhs_rom.synthetic.steps import synthesize_study1

run_step(
    snakemake.log[0],
    synthesize_study1,
    codebook_path=snakemake.input.codebook,
    settings=dict(snakemake.params.settings),
    seed=snakemake.params.seed,
    csv_path=snakemake.output.csv,
    qdpx_path=snakemake.output.qdpx,
    transcript_dir=Path(snakemake.output.transcripts[0]).parent,
    manifest_path=snakemake.output.manifest,
)
