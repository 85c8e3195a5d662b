from pathlib import Path

from camhs_rom.core.runner import run_step
from camhs_rom.report.steps import report_notebook

# results/report/notebooks/<name>.ipynb -> results/
results_dir = Path(snakemake.output[0]).parents[2]
run_step(snakemake.log[0], report_notebook, notebook=snakemake.input.notebook, out=snakemake.output[0], results_dir=results_dir)
