from camhs_rom.core.runner import run_step
from camhs_rom.study1.steps import study1_themes

run_step(
    snakemake.log[0],
    study1_themes,
    segments=snakemake.input.segments,
    codebook=snakemake.input.codebook,
    outputs=dict(snakemake.output.items()),
    rule=snakemake.params.tally["rule"],
    primary=snakemake.params.tally["primary_coder"],
    saturation_order=snakemake.params.saturation_order,
    quotes_per_theme=snakemake.params.quotes["per_theme"],
    quote_chars=snakemake.params.quotes["max_chars"],
    seed=snakemake.params.seed,
)
