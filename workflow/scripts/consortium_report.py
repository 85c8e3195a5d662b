from camhs_rom.consortium.steps import consortium_report
from camhs_rom.core.runner import run_step

run_step(
    snakemake.log[0],
    consortium_report,
    tables={name: path for name, path in snakemake.input.items() if name not in ("questionnaire", "codebook")},
    config=dict(snakemake.params.config),
    questionnaire=snakemake.input.get("questionnaire"),
    codebook=snakemake.input.get("codebook"),
    figures_dir=snakemake.output.figures,
    out=snakemake.output.report,
)
