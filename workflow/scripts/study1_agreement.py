from camhs_rom.core.runner import run_step
from camhs_rom.study1.steps import study1_agreement

run_step(
    snakemake.log[0],
    study1_agreement,
    segments=snakemake.input.segments,
    codebook=snakemake.input.codebook,
    agreement_out=snakemake.output.agreement,
    disagreements_out=snakemake.output.disagreements,
    scope_out=snakemake.output.scope,
    resamples=snakemake.params.agreement["resamples"],
    ci=snakemake.params.agreement["ci"],
    sources=snakemake.params.agreement["sources"],
    seed=snakemake.params.seed,
)
