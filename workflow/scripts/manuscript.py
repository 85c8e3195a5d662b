from pathlib import Path

from camhs_rom.core.runner import run_step
from camhs_rom.report.steps import manuscript

run_step(
    snakemake.log[0],
    manuscript,
    results_dir=Path(snakemake.output.md).parent,
    provenance_path=Path(snakemake.output.md).parent / "clean" / "provenance.json",
    config=dict(snakemake.params.config),
    questionnaire=snakemake.params.questionnaire,
    codebook=snakemake.params.codebook,
    md=snakemake.output.md,
    docx=snakemake.output.docx,
)
