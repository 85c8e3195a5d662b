from pathlib import Path

from camhs_rom.core.runner import run_step
from camhs_rom.report.steps import run_record

run_step(
    snakemake.log[0],
    run_record,
    outputs=list(snakemake.params.outputs),
    provenance_path=snakemake.input.provenance,
    results_dir=Path(snakemake.input.provenance).parents[1],  # results/clean/provenance.json -> results/
    config=dict(snakemake.params.config),
    out=snakemake.output[0],
)
