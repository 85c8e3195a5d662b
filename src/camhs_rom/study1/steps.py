"""The Study 1 stage as the workflow runs it: read the clean coded segments, write tables and figures.

One function per rule (``study1_themes``, ``study1_agreement``, ``study1_figures``); the
only code of Study 1 that reads or writes files.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from camhs_rom.core.plotting import apply_style, save
from camhs_rom.core.provenance import figure_label
from camhs_rom.core.tables import read_table, write_table
from camhs_rom.instruments.codebook import load_codebook
from camhs_rom.study1.agreement import agreement_scope, agreement_table, compared_passages, disagreements, no_agreement_reason
from camhs_rom.study1.figures import (
    cooccurrence_heatmap,
    kappa_by_theme,
    no_agreement_figure,
    saturation_curve,
    theme_participant_heatmap,
    theme_prevalence,
)
from camhs_rom.study1.passages import coded_passages
from camhs_rom.study1.themes import (
    cooccurrence,
    participants_of,
    primary_coder,
    saturation,
    select_quotes,
    tallied,
    theme_by_participant,
    theme_tallies,
    valence_tallies,
)

log = logging.getLogger(__name__)


def study1_agreement(segments, codebook, agreement_out, disagreements_out, resamples: int, ci: float, seed: int,
                     scope_out=None, sources: list[str] | None = None) -> None:
    """Write ``agreement.csv``, ``disagreements.csv`` and ``agreement_scope.csv`` from the clean coded segments.

    Only the transcripts every coder coded (or the listed ``sources``) are compared.
    """
    themes = load_codebook(codebook).theme_ids
    passaged = coded_passages(pd.read_csv(segments, keep_default_na=False, dtype={"start": int, "end": int}))
    scope = agreement_scope(passaged, sources)
    shared = compared_passages(passaged, scope)
    write_table(agreement_table(shared, themes, resamples, ci, seed), agreement_out)
    write_table(disagreements(shared, themes), disagreements_out)
    if scope_out is not None:
        write_table(scope, scope_out)


def study1_themes(segments, codebook, outputs: dict, rule: str, primary: str | None, saturation_order, quotes_per_theme: int, quote_chars: int, seed: int) -> None:
    """Write the Study 1 theme tables (keys of ``outputs``: tallies, valence, by_participant,
    cooccurrence, saturation, quotes, passages) from the clean coded segments."""

    book = load_codebook(codebook)
    clean = pd.read_csv(segments, keep_default_na=False, dtype={"start": int, "end": int})
    passaged = coded_passages(clean)
    who = primary_coder(passaged, primary) if rule == "primary" else None
    log.info("tally rule %s%s", rule, f" (primary coder {who})" if who else "")
    counted = tallied(passaged, rule, who)
    people = participants_of(clean)
    write_table(theme_tallies(counted, book, len(people)), outputs["tallies"])
    write_table(valence_tallies(counted, book, len(people)), outputs["valence"])
    write_table(theme_by_participant(counted, people, book.theme_ids), outputs["by_participant"])
    write_table(cooccurrence(counted, book.theme_ids), outputs["cooccurrence"])
    write_table(saturation(counted, saturation_order), outputs["saturation"])
    write_table(select_quotes(counted, passaged, book.theme_ids, quotes_per_theme, quote_chars, seed), outputs["quotes"])
    write_table(counted, outputs["passages"])


def study1_figures(tallies, by_participant, cooccurrence, saturation, agreement, codebook, provenance, out_dir, scope=None) -> None:
    """Draw and write the five Study 1 figures into ``out_dir`` (labels and ids as the user wrote them)."""
    apply_style()
    book = load_codebook(codebook)
    label = figure_label(provenance, "study1")
    tallies = read_table(tallies, keep_default_na=False)
    people = read_table(by_participant, dtype={"participant_id": str, "group_id": str}, keep_default_na=False)
    out = Path(out_dir)
    save(theme_prevalence(tallies, len(people)), out / "theme_prevalence", label)
    save(theme_participant_heatmap(people, tallies), out / "theme_by_participant", label)
    save(cooccurrence_heatmap(pd.read_csv(cooccurrence), tallies), out / "cooccurrence", label)
    n_codes = sum(len(t.codes) or 1 for t in book.themes)
    save(saturation_curve(read_table(saturation), len(book.themes), n_codes), out / "saturation", label)
    agree = pd.read_csv(agreement)
    if len(agree):
        fig = kappa_by_theme(agree, tallies)
    else:
        fig = no_agreement_figure(no_agreement_reason(read_table(scope, keep_default_na=False))) if scope else no_agreement_figure()
    save(fig, out / "agreement_kappa", label)
