from camhs_rom.core.runner import run_step
from camhs_rom.replication.steps import replication_scorecard

inputs = {key: path for key, path in snakemake.input.items() if key != "provenance"}
run_step(
    snakemake.log[0],
    replication_scorecard,
    inputs=inputs,
    settings=dict(snakemake.params.settings),
    retention_rule=snakemake.params.retention,
    provenance=snakemake.input.provenance,
    out=snakemake.output[0],
)
