"""The Study 2 psychometrics stage: sample, items, factor structure, reliability, scores.

:func:`study2_psychometrics` reads the clean tables, runs every analysis of
:mod:`camhs_rom.descriptives`, :mod:`camhs_rom.factors` and :mod:`camhs_rom.reliability`
and writes the tables named in the README. Problems the data make impossible to analyse
(zero-variance item, more items than respondents, singular correlations, more factors
than the items allow) stop the stage with one message; a subscale with a single item is
a documented fall-back (reliability undefined, noted in the table and the log).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .descriptives import FREQUENCY_COLUMNS, frequency_of_use, item_descriptives, response_distribution, sample_description
from .factors import check_factorable, check_n_factors, factorability, kaiser, loading_flags, parallel_analysis, run_efa, velicer_map
from .instruments import load_questionnaire
from .reliability import reliability, subscale_scores
from .survey import read_clean
from .tables import write_table

log = logging.getLogger(__name__)
RETENTION_RULES = ("parallel_analysis", "map", "kaiser")


def efa_data(scored: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    """Scored items of the respondents with every item after the missing-data rule."""
    data = scored[items].astype(float)
    return data.dropna().reset_index(drop=True)


def retention(data: pd.DataFrame, efa: dict, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, int]:
    """The three retention rules, the number used, and the scree/parallel-analysis and MAP tables."""
    pa = efa.get("parallel_analysis", {})
    iterations, percentile = pa.get("iterations", 1000), pa.get("percentile", 95)
    corr = np.corrcoef(data.to_numpy(), rowvar=False)
    n_pa, scree = parallel_analysis(data, iterations, percentile, seed)
    n_map, map_table = velicer_map(corr)
    n_kaiser = kaiser(corr)
    found = {"parallel_analysis": n_pa, "map": n_map, "kaiser": n_kaiser}
    requested = efa.get("n_factors", "auto")
    rule = efa.get("retention", "parallel_analysis")
    if requested == "auto":
        used, why = found[rule], f"auto: the {rule} rule"
        if used < 1:
            log.info("the %s rule retains no factor; one factor is fitted instead", rule)
            used, why = 1, f"auto: the {rule} rule retained none, so one factor is fitted"
    else:
        used, why = int(requested), "fixed in config (study2.efa.n_factors)"
    details = {
        "parallel_analysis": f"principal-component eigenvalues against the {percentile:g}th percentile of {iterations} random data sets (seed {seed})",
        "map": "Velicer (1976), average squared partial correlation",
        "kaiser": "eigenvalues above 1",
        "used": why,
    }
    table = pd.DataFrame(
        {
            "rule": [*RETENTION_RULES, "used"],
            "n_factors": [n_pa, n_map, n_kaiser, used],
            "iterations": [iterations, np.nan, np.nan, np.nan],
            "percentile": [percentile, np.nan, np.nan, np.nan],
            "detail": [details[r] for r in (*RETENTION_RULES, "used")],
        }
    )
    return table, scree, map_table, used


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
    table, kmo_items = factorability(data)
    write_table(table, outputs["factorability"])
    write_table(kmo_items, outputs["kmo_items"])
    n_table, scree, map_table, n_factors = retention(data, efa, seed)
    check_n_factors(data.shape[1], n_factors)  # a fixed number from config, or what the rule found
    write_table(n_table, outputs["n_factors"])
    write_table(scree, outputs["scree"])
    write_table(map_table, outputs["map"])

    result = run_efa(data, q, n_factors, efa.get("extraction", "minres"), efa.get("rotation", "oblimin"))
    long = result.loadings.rename_axis("item").reset_index().melt(id_vars="item", var_name="factor", value_name="loading")
    write_table(long, outputs["loadings"])
    write_table(loading_flags(result.loadings, q, efa.get("min_loading", 0.3), efa.get("cross_loading", 0.3)), outputs["loading_flags"])
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

    rel, item_rel = reliability(scored_t, q, bootstrap.get("resamples", 2000), bootstrap.get("ci", 0.95), seed)
    write_table(rel, outputs["reliability"])
    write_table(item_rel, outputs["item_reliability"])
    write_table(subscale_scores(scored_t, q), outputs["scores"])

