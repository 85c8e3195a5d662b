from camhs_rom.core.runner import run_step
from camhs_rom.replication.steps import preregistration

run_step(
    snakemake.log.main,
    preregistration,
    config=dict(snakemake.params.config),
    workflow_root=snakemake.params.workflow_root,
    package_root=snakemake.params.package_root,
    cores=snakemake.threads,
    run_log=snakemake.log.run,
    outputs=dict(snakemake.output.items()),
)
