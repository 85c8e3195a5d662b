from camhs_rom.core.runner import run_step
from camhs_rom.robustness.steps import multiverse_part

index, parts = (int(k) for k in snakemake.wildcards.scatteritem.split("-of-"))
run_step(
    snakemake.log[0],
    multiverse_part,
    coded=snakemake.input.coded,
    questionnaire=snakemake.input.questionnaire,
    config=dict(snakemake.params.settings),
    source=snakemake.params.source,
    index=index,
    parts=parts,
    out=snakemake.output[0],
)
