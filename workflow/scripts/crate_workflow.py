from camhs_rom.core.runner import run_step
from camhs_rom.report.steps import crate_workflow

run_step(snakemake.log[0], crate_workflow, files=list(snakemake.input), out=snakemake.output[0])
