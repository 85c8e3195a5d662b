from camhs_rom.report import execute_notebook
from camhs_rom.steps import run_step

run_step(snakemake.log[0], execute_notebook, notebook=snakemake.input.notebook, out=snakemake.output[0], results_dir=snakemake.params.results_dir)
