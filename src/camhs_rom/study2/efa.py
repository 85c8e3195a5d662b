"""Study 2 factor structure as the analysis runs it: the data factor-analysed and the number of factors.

Factor analysis runs on the scored items (reverse-keyed, the spec's missing-data rule
applied) of the respondents who have every item after that rule (:func:`efa_data`).
:func:`retention` applies the three retention rules of :mod:`camhs_rom.stats.factors`
and the config's choice between them.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from camhs_rom.stats.factors import kaiser, parallel_analysis, velicer_map

log = logging.getLogger(__name__)


RETENTION_RULES = ("parallel_analysis", "map", "kaiser")


def efa_data(scored: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    """Scored items of the respondents with every item after the missing-data rule."""
    data = scored[items].astype(float)
    return data.dropna().reset_index(drop=True)


def retention(data: pd.DataFrame, efa: dict, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, int]:
    """The three retention rules, the number used, and the scree/parallel-analysis and MAP tables."""
    iterations, percentile = efa["parallel_analysis"]["iterations"], efa["parallel_analysis"]["percentile"]
    corr = np.corrcoef(data.to_numpy(), rowvar=False)
    n_pa, scree = parallel_analysis(data, iterations, percentile, seed)
    n_map, map_table = velicer_map(corr)
    n_kaiser = kaiser(corr)
    found = {"parallel_analysis": n_pa, "map": n_map, "kaiser": n_kaiser}
    requested = efa["n_factors"]
    rule = efa["retention"]
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
