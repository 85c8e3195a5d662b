from camhs_rom.core.runner import run_step
from camhs_rom.report.steps import report_html

notebooks = dict(zip(("scorecard", "study1", "study2", "robustness"), snakemake.input.notebooks, strict=True))
run_step(snakemake.log[0], report_html, notebooks=notebooks, provenance_path=snakemake.input.provenance, config=dict(snakemake.params.config), out=snakemake.output[0])
