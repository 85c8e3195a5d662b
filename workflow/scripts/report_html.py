from pathlib import Path

from camhs_rom.core.runner import run_step
from camhs_rom.report.steps import report_html

notebooks = {Path(path).stem: path for path in snakemake.input.notebooks}  # the notebooks of the studies in this run
run_step(
    snakemake.log[0],
    report_html,
    notebooks=notebooks,
    provenance_path=snakemake.input.provenance,
    config=dict(snakemake.params.config),
    out=snakemake.output[0],
    simulation=snakemake.params.simulation,
    checklists=list(snakemake.input.checklists),
    run_path=snakemake.input.run,
    study1_tables=dict(zip(("sources", "scope", "by_participant"), snakemake.input.study1, strict=True)) if snakemake.input.study1 else None,
)
