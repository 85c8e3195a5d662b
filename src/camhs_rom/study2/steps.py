"""The Study 2 stage as the workflow runs it: read the clean tables, write tables and figures.

One function per rule (``study2_psychometrics``, ``study2_figures``,
``study2_comparisons``, ``study2_comparison_figures``); the only code of Study 2 that
reads or writes files. Problems the data make impossible to analyse (zero-variance item,
more items than respondents, singular correlations, more factors than the items allow)
stop the stage with one message; a subscale with a single item is a documented fall-back
(reliability undefined, noted in the table and the log).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from camhs_rom.core.errors import InputError
from camhs_rom.core.plotting import apply_style, save
from camhs_rom.core.provenance import figure_label
from camhs_rom.core.tables import write_table, write_text
from camhs_rom.ingest.survey import read_clean
from camhs_rom.instruments.questionnaire import load_questionnaire
from camhs_rom.stats.factors import check_factorable, check_n_factors, factorability, loading_flags, run_efa
from camhs_rom.study2 import apa, coefficients, measurement
from camhs_rom.study2.apa import group_label
from camhs_rom.study2.comparisons import compared_groups, group_comparisons
from camhs_rom.study2.descriptives import FREQUENCY_COLUMNS, frequency_of_use, item_descriptives, response_distribution, sample_description
from camhs_rom.study2.efa import efa_data, item_matrix, keyed_codes, retention
from camhs_rom.study2.figures import diverging_responses, group_coefficients, loadings_heatmap, scores_by_group, scree_parallel
from camhs_rom.study2.models import adjusted_models
from camhs_rom.study2.ordinal_invariance import ordinal_invariance, ordinal_verdict
from camhs_rom.study2.reliability import reliability, subscale_scores

log = logging.getLogger(__name__)


def study2_psychometrics(coded, scored, questionnaire, source: str, efa: dict, bootstrap: dict, seed: int, outputs: dict) -> None:
    """Write every Study 2 psychometric table; ``outputs`` maps table names to paths.

    Keys of ``outputs``: sample, sample_numeric, frequency, item_descriptives, responses, factorability,
    kmo_items, n_factors, scree, map, loadings, loading_flags, structure,
    factor_correlations, communalities, variance, fit, congruence, reliability,
    item_reliability, scores. ``source`` is the responses file named in messages.
    """
    q = load_questionnaire(questionnaire)
    coded_t, scored_t = read_clean(coded), read_clean(scored)
    if q.frequency_column is None:
        log.info("the spec has no frequency item; frequency_of_use.csv lists no levels")
    sample, numeric = sample_description(coded_t, q)
    write_table(sample, outputs["sample"])
    write_table(numeric, outputs["sample_numeric"])
    write_table(frequency_of_use(coded_t, q) if q.frequency_column else pd.DataFrame(columns=FREQUENCY_COLUMNS), outputs["frequency"])
    write_table(item_descriptives(coded_t, scored_t, q), outputs["item_descriptives"])
    write_table(response_distribution(coded_t, q), outputs["responses"])

    data = efa_data(scored_t, q.item_ids)
    log.info("factor analysis on %d of %d respondents (every item present after the missing-data rule)", len(data), len(scored_t))
    check_factorable(data, source)
    matrix = item_matrix(scored_t, coded_t, q, efa["correlation"])
    log.info("factor analysis of %s correlations%s", matrix.kind, " (smoothed to be positive definite)" if matrix.smoothed else "")
    table, kmo_items = factorability(data, matrix.corr)
    write_table(table, outputs["factorability"])
    write_table(kmo_items, outputs["kmo_items"])
    n_table, scree, map_table, n_factors = retention(matrix, efa, seed)
    check_n_factors(data.shape[1], n_factors)  # a fixed number from config, or what the rule found
    write_table(n_table, outputs["n_factors"])
    write_table(scree, outputs["scree"])
    write_table(map_table, outputs["map"])

    result = run_efa(data, q.intended_subscales, n_factors, efa["extraction"], efa["rotation"], corr=matrix.corr)
    long = result.loadings.rename_axis("item").reset_index().melt(id_vars="item", var_name="factor", value_name="loading")
    write_table(long, outputs["loadings"])
    write_table(loading_flags(result.loadings, q.intended_subscales, efa["min_loading"], efa["cross_loading"]), outputs["loading_flags"])
    structure = result.structure if result.structure is not None else result.loadings.iloc[:0]
    write_table(structure.rename_axis("item").reset_index().melt(id_vars="item", var_name="factor", value_name="loading"), outputs["structure"])
    phi = result.factor_correlations
    phi_long = (
        phi.rename_axis("factor_a").reset_index().melt(id_vars="factor_a", var_name="factor_b", value_name="r")
        if phi is not None
        else pd.DataFrame(columns=["factor_a", "factor_b", "r"])
    )
    write_table(phi_long, outputs["factor_correlations"])
    write_table(result.communalities.rename_axis("item").reset_index(), outputs["communalities"])
    write_table(result.variance, outputs["variance"])
    write_table(result.fit.assign(n=len(data), n_factors=n_factors), outputs["fit"])
    write_table(result.congruence, outputs["congruence"])

    rel, item_rel = reliability(scored_t, q, bootstrap["resamples"], bootstrap["ci"], seed)
    write_table(rel, outputs["reliability"])
    write_table(item_rel, outputs["item_reliability"])
    write_table(subscale_scores(scored_t, q), outputs["scores"])


def study2_measurement(coded, scored, questionnaire, provenance, settings: dict, bootstrap: dict, seed: int, outputs: dict, missing: str = "spec",
                       correlation: str = "pearson") -> None:
    """Write the measurement tables (polychoric matrix, CFA, invariance, named reliability coefficients) and paragraph.

    Keys of ``outputs``: polychoric, thresholds, cfa_fit, cfa_loadings, cfa_factor_correlations,
    invariance, coefficients, paragraph (see :mod:`camhs_rom.study2.measurement`). ``missing``:
    ``study2.missing.method`` (``spec`` or ``fiml``, for the ML models); ``correlation``:
    ``study2.efa.correlation`` (``polychoric``: the invariance verdict is the ordinal models').
    """
    q = load_questionnaire(questionnaire)
    coded_t, scored_t = read_clean(coded), read_clean(scored)
    matrix = item_matrix(scored_t, coded_t, q, "polychoric")
    corr, tau = measurement.polychoric_tables(matrix)
    write_table(corr, outputs["polychoric"])
    write_table(tau, outputs["thresholds"])
    codes = keyed_codes(coded_t, q)
    given = coefficients.answered_as_given(scored_t, codes)  # every respondent's answers as given (NaN skipped)
    fit, loadings, factor_r = measurement.confirmatory(q, matrix.data, matrix.codes, missing, given)
    for name, table in (("cfa_fit", fit), ("cfa_loadings", loadings), ("cfa_factor_correlations", factor_r)):
        write_table(table, outputs[name])
    if missing == "fiml":
        invariance, verdict = measurement.invariance(q, given, scored_t["group"], compared_groups(q), settings, missing)
    else:
        group = scored_t.loc[matrix.rows, "group"].reset_index(drop=True)
        invariance, verdict = measurement.invariance(q, matrix.data, group, compared_groups(q), settings)
    log.info("invariance (ML, %s): %s", missing, verdict)
    ordinal = ordinal_invariance(q, codes, scored_t["group"], compared_groups(q), settings)
    invariance = pd.concat([invariance, ordinal], ignore_index=True)
    if correlation == "polychoric":  # the run treats the answers as ordinal: the verdict is the WLSMV models'
        verdict = ordinal_verdict(invariance, settings)
        log.info("invariance (WLSMV): %s", verdict)
    write_table(invariance, outputs["invariance"])
    # each subscale's coefficients from one set of rows, the respondents who answered each of its items (all
    # respondents, not only the factor analysis's); alpha and omega as reliability.csv computes them, on those rows
    rel, _ = reliability(given, q, bootstrap["resamples"], bootstrap["ci"], seed)
    table = coefficients.reliability_coefficients(rel, given, codes, q, bootstrap["resamples"], bootstrap["ci"], seed)
    write_table(table, outputs["coefficients"])
    write_text(measurement.measurement_paragraph(fit, factor_r, verdict, q.subscales, figure_label(provenance, "study2")), outputs["paragraph"])


def study2_comparisons(scores, questionnaire, provenance, settings: dict, bootstrap: dict, seed: int, outputs: dict) -> None:
    """Write the comparison, descriptive, model and APA outputs; ``outputs`` maps names to paths.

    Keys: comparisons, descriptives, models, model_notes, sentences, apa_table, apa_table_md.
    """

    q = load_questionnaire(questionnaire)
    frame = read_clean(scores)
    groups = compared_groups(q)
    present = set(frame["group"].dropna())
    missing = [g for g in groups if g not in present]
    if missing:
        raise InputError(scores, "column group", f"no respondent in group {missing[0]!r} (groups present: {sorted(present)})", "respondents in both compared groups")
    permutations = settings["permutations"]
    alpha = settings["alpha"]
    table, described = group_comparisons(frame, q, permutations, bootstrap["resamples"], bootstrap["ci"], seed)
    write_table(table, outputs["comparisons"])
    write_table(described, outputs["descriptives"])
    models, notes = adjusted_models(frame, q, settings["min_teams"])
    write_table(models, outputs["models"])
    write_table(notes, outputs["model_notes"])
    labels = q.group_labels
    write_text(apa.sentences_markdown(table, described, q.subscales, labels, alpha, permutations, figure_label(provenance, "study2")), outputs["sentences"])
    formatted = apa.comparison_table(table, described, q.subscales, labels)
    write_table(formatted, outputs["apa_table"])
    first, second = (apa.group_label(g, labels) for g in groups)
    note = (
        f"Differences are {first} minus {second}. d = Bonett's standardised difference (average-variance standardiser, "
        "for Welch's test); g = Hedges' g (pooled SD); r = rank-biserial correlation; "
        f"intervals for r and the mean difference are seeded bootstrap percentile intervals. Holm adjustment across "
        f"{len(q.subscales)} subscales per test."
    )
    write_text(apa.markdown_table(formatted, "Table 1. Group Comparisons of Subscale Scores", note), outputs["apa_table_md"])


def study2_figures(distribution, items, scree, n_factors, loadings, questionnaire, provenance, min_loading: float, out_dir) -> None:
    """Draw and write the Study 2 psychometric figures into ``out_dir``."""
    apply_style()
    q = load_questionnaire(questionnaire)
    label = figure_label(provenance, "study2")
    items_t = pd.read_csv(items, keep_default_na=False)
    n_table = pd.read_csv(n_factors)
    used = int(n_table.loc[n_table["rule"] == "used", "n_factors"].iloc[0])
    percentile = float(n_table.loc[n_table["rule"] == "parallel_analysis", "percentile"].iloc[0])
    out = Path(out_dir)
    shorts = {item.id: item.label for item in q.items}
    save(diverging_responses(pd.read_csv(distribution, keep_default_na=False), items_t, q.scale_min, q.scale_max, shorts), out / "item_responses", label)
    save(scree_parallel(pd.read_csv(scree), used, percentile), out / "scree_parallel", label)
    save(loadings_heatmap(pd.read_csv(loadings), items_t, min_loading, {**q.subscales, **shorts}), out / "loadings", label)


def study2_comparison_figures(scores, models, questionnaire, provenance, ci: float, seed: int, out_dir) -> None:
    """Draw and write the group-comparison figures into ``out_dir``."""
    apply_style()
    q = load_questionnaire(questionnaire)
    label = figure_label(provenance, "study2")
    frame = read_clean(scores)
    out = Path(out_dir)
    save(scores_by_group(frame, q.subscales, compared_groups(q), q.group_labels, ci, seed), out / "scores_by_group", label)
    first, second = (group_label(g, q.group_labels) for g in compared_groups(q))
    models_t = pd.read_csv(models, keep_default_na=False, na_values=[""])
    save(group_coefficients(models_t, q.subscales, f"{first} \u2212 {second}", q.cluster_column or "cluster"), out / "group_coefficients", label)
