"""The robustness stage as the workflow runs it: multiverse parts and gather, power chunks and gather, figures, summary.

One function per rule; the only code of the robustness stage that reads or writes files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from camhs_rom.core.labels import SIMULATED_FIGURE, SIMULATION_MODEL
from camhs_rom.core.plotting import apply_style, notice_figure, save
from camhs_rom.core.provenance import figure_label, read_provenance, study_record
from camhs_rom.core.tables import write_table, write_text
from camhs_rom.ingest.survey import read_clean
from camhs_rom.instruments.questionnaire import load_questionnaire
from camhs_rom.replication.roles import roles_present
from camhs_rom.robustness.figures import power_curves, specification_curve
from camhs_rom.robustness.fitted import FittedModel, fit_model
from camhs_rom.robustness.multiverse import DECISIONS, by_choice, read_multiverse, run_part, summary
from camhs_rom.robustness.power import expected_group_sizes, minimum_detectable, run_power_part, summarise
from camhs_rom.robustness.summary import power_skipped, summary_markdown
from camhs_rom.study2.wording import group_names


def robustness_summary(summary, by_choice, power, mde, provenance, config: dict, out, questionnaire=None) -> None:
    """Read the robustness tables and write ``robustness_summary.md`` (in the questionnaire's group labels when given)."""
    def read(path):
        return pd.read_csv(path, keep_default_na=False, na_values=[""])

    study2 = study_record(read_provenance(provenance), "study2")
    groups, skipped = ("users", "non-users"), None
    if questionnaire:
        q = load_questionnaire(questionnaire)
        groups = group_names(q)
        skipped = power_skipped(config["replication"], q.subscales)
    model = SIMULATION_MODEL[simulated_from(study2)]
    text = summary_markdown(read(summary), read(by_choice), read(power), read(mde), config, study2["data_label"], model, groups, skipped)
    write_text(text, out)


def simulated_from(study2: dict) -> str:
    """``calibrated`` (the synthetic generator) when Study 2 read the synthetic default, else ``fitted``: the
    power simulation's model, known from the input record even when no claim was simulated."""
    return "calibrated" if study2["synthetic"] else "fitted"


def robustness_figures(multiverse, power, mde, questionnaire, provenance, config: dict, out_dir) -> None:
    """Draw and write the specification curve and the power curves into ``out_dir``."""
    apply_style()
    q = load_questionnaire(questionnaire)
    replication = config["replication"]
    settings = config["robustness"]
    out = Path(out_dir)
    table = read_multiverse(multiverse)
    names = {key: q.subscales.get(s, f"{s} (not in the questionnaire)") if s else "(no such subscale here)" for key, s in replication["subscales"].items()}
    claims = {"S2-G+": ("positive", f"S2-G+: {names['positive']}"), "S2-G-": ("negative", f"S2-G-: {names['negative']}")}
    decisions = {d: settings["multiverse"][d] for d in DECISIONS}
    groups = group_names(q)
    save(specification_curve(table, claims, decisions, replication["alpha"], groups), out / "specification_curve", figure_label(provenance, "study2"))
    power_t = pd.read_csv(power, keep_default_na=False, na_values=[""])
    mde_t = pd.read_csv(mde, keep_default_na=False, na_values=[""])
    present = {key: names[key] for key in roles_present(replication, q.subscales)}
    simulated = simulated_from(study_record(read_provenance(provenance), "study2"))
    if power_t.empty:
        fig = notice_figure(power_skipped(replication, q.subscales) or "No power simulation was run.")
    else:
        fig = power_curves(power_t, mde_t, present, settings["power"]["reference_n"], settings["power"]["target_power"], groups, simulated)
    save(fig, out / "power_curve", SIMULATED_FIGURE[simulated])


def multiverse_part(coded, questionnaire, config: dict, source: str, index: int, parts: int, out) -> None:
    """Write the rows of one part of the grid (a scatter job)."""
    q = load_questionnaire(questionnaire)
    write_table(run_part(read_clean(coded), q, config, source, index, parts), out)


def multiverse_gather(parts: list, outputs: dict) -> None:
    """Concatenate the parts in grid order; write the table, the summary and the per-choice shares."""
    table = pd.concat([read_multiverse(p) for p in parts], ignore_index=True).sort_values("spec_id", kind="stable")
    write_table(table, outputs["table"])
    write_table(summary(table), outputs["summary"])
    write_table(by_choice(table), outputs["by_choice"])


def simulation_model(q, coded) -> FittedModel | None:
    """The model the power simulation draws from: fitted to the team's clean answers (``coded``),
    or None for the calibrated synthetic generator (Study 2 reads the synthetic default)."""
    return fit_model(read_clean(coded), q) if coded else None


def power_part(questionnaire, config: dict, index: int, parts: int, out, coded=None) -> None:
    """Write the replicates of one part of the simulation (a Snakemake job)."""
    q = load_questionnaire(questionnaire)
    write_table(run_power_part(q, config, index, parts, simulation_model(q, coded)), out)


def power_gather(parts: list, questionnaire, config: dict, outputs: dict, coded=None) -> None:
    """Concatenate the chunks; write the replicates, the power table and the minimum detectable effects."""
    q = load_questionnaire(questionnaire)
    replicates = pd.concat([pd.read_csv(p, keep_default_na=False, na_values=[""]) for p in parts], ignore_index=True)
    replicates = replicates.sort_values(["design", "replicate"], kind="stable").reset_index(drop=True)
    subscales = roles_present(config["replication"], q.subscales)  # claims about a subscale the questionnaire lacks are not testable
    table = summarise(replicates, subscales, len(subscales) == len(config["replication"]["subscales"]))
    table = table.assign(model="calibrated" if coded is None else "fitted")
    write_table(replicates, outputs["replicates"])
    write_table(table, outputs["power"])
    settings = config["robustness"]["power"]
    model = simulation_model(q, coded)
    n = settings["reference_n"]
    groups = expected_group_sizes(config["synthetic"]["study2"], q, n) if model is None else model.group_sizes(n)
    write_table(minimum_detectable(table, settings, groups, config["replication"]["alpha"], subscales), outputs["mde"])
