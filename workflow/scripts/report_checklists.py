from pathlib import Path

from camhs_rom.core.runner import run_step
from camhs_rom.report.steps import report_checklists

run_step(
    snakemake.log[0],
    report_checklists,
    results_dir=Path(snakemake.input.provenance).parents[1],  # results/clean/inputs.json -> results/
    provenance_path=snakemake.input.provenance,
    codebook=snakemake.params.codebook,
    questionnaire=snakemake.params.questionnaire,
    config=dict(snakemake.params.config),
    outputs=dict(snakemake.output.items()),
)
