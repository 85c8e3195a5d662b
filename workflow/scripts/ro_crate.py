from pathlib import Path

from camhs_rom.core.runner import run_step
from camhs_rom.report.steps import ro_crate

run_step(
    snakemake.log[0],
    ro_crate,
    outputs=list(snakemake.input.outputs),
    provenance_path=snakemake.input.provenance,
    results_dir=Path(snakemake.output[0]).parent,
    out=snakemake.output[0],
    workflow_dir=snakemake.input.workflow,
)
