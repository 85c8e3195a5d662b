"""The replication stage as the workflow runs it: read the result tables, write ``scorecard.csv``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from camhs_rom.core.plotting import apply_style, save
from camhs_rom.core.provenance import code_digest, figure_label, read_provenance, write_record
from camhs_rom.core.tables import sha256_of, write_table
from camhs_rom.instruments.codebook import load_codebook
from camhs_rom.instruments.questionnaire import load_questionnaire
from camhs_rom.replication.joint import joint_figure, joint_table
from camhs_rom.replication.prereg_document import write_documents
from camhs_rom.replication.prereg_steps import instruments_of, plan_blocks, run_simulated_plan, sample_size
from camhs_rom.replication.preregistration import DEVIATION_COLUMNS, deviations, frozen_record, read_frozen
from camhs_rom.replication.scorecard import scorecard, terms_here
from camhs_rom.study2.wording import group_names


def replication_deviations(frozen, instruments: dict, config: dict, code: str | None, out) -> None:
    """Write ``deviations.csv``: every difference of this run from the preregistration ``frozen`` (its path), or
    no rows when the run names none (the report then says so)."""
    if not frozen:
        write_table(pd.DataFrame(columns=DEVIATION_COLUMNS), out)
        return
    record = read_frozen(frozen)
    used = {role: {"path": str(path), "sha256": sha256_of(path)} for role, path in instruments.items()}
    write_table(deviations(record, config, used, code), out)


def replication_scorecard(inputs: dict, settings: dict, retention_rule: str, provenance, out) -> None:
    """Read the result tables named in ``inputs`` (and the run's ``questionnaire`` and
    ``codebook``, for the claims' terms and the compared groups' labels in this study; ``deviations``, to flag
    the claims a deviation from the preregistration can move) and write ``scorecard.csv``."""
    inputs = dict(inputs)
    questionnaire, codebook = inputs.pop("questionnaire", None), inputs.pop("codebook", None)
    deviation_table = pd.read_csv(inputs.pop("deviations"), keep_default_na=False, dtype=str) if "deviations" in inputs else None
    q = load_questionnaire(questionnaire) if questionnaire else None
    terms = terms_here(settings, q, load_codebook(codebook) if codebook else None)
    tables = {}
    for key, path in inputs.items():
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
        tables[key] = frame if not (key == "frequency" and frame.empty) else None
    groups = group_names(q) if q is not None else ("the first group", "the second group")
    write_table(scorecard(tables, settings, retention_rule, read_provenance(provenance)["studies"], terms, groups, deviation_table), out)


def joint_display(tallies, distribution, flags, questionnaire, provenance, majority: float, out, figure_stem) -> None:
    """Write ``joint_display.csv`` and its figure (``figure_stem``.png/.svg) from both studies' tables."""
    spec = load_questionnaire(questionnaire)
    items = pd.DataFrame(
        [{"item": i.id, "theme": i.theme, "subscale": i.subscale, "reverse": i.reverse} for i in spec.items]
    )
    table = joint_table(
        pd.read_csv(tallies), items, pd.read_csv(distribution), pd.read_csv(flags),
        (spec.scale_min, spec.scale_max), majority,
    )
    write_table(table, out)
    apply_style()
    label = figure_label(provenance, "study1") or figure_label(provenance, "study2")
    save(joint_figure(table, majority), Path(figure_stem), label)


def preregistration(config: dict, workflow_root, package_root, cores: int, run_log, outputs: dict) -> None:
    """Simulate the plan, run it, and write ``json``, ``md`` and ``docx`` (``outputs``; ``run``: the simulated run's
    folder; ``run_log``: where the simulated run's own Snakemake log goes)."""
    folder = Path(outputs["run"])
    run_simulated_plan(config, Path(workflow_root), folder, cores, Path(run_log))
    record = frozen_record(config, instruments_of(config), code_digest(workflow_root, package_root), sample_size(config, folder))
    write_record(record, outputs["json"])
    write_documents(plan_blocks(config, record, folder), outputs["md"], outputs["docx"], "Preregistration: a replication of James et al. (2015)")
