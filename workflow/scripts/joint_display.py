from camhs_rom.core.runner import run_step
from camhs_rom.replication.steps import joint_display

run_step(
    snakemake.log[0],
    joint_display,
    tallies=snakemake.input.tallies,
    distribution=snakemake.input.distribution,
    flags=snakemake.input.flags,
    questionnaire=snakemake.input.questionnaire,
    provenance=snakemake.input.provenance,
    majority=snakemake.params.majority,
    out=snakemake.output.table,
    figure_stem=snakemake.output.png.removesuffix(".png"),
)
