"""Study 2 factor structure as the analysis runs it: the data factor-analysed and the number of factors.

Factor analysis runs on the respondents who have every item after the spec's
missing-data rule (:func:`efa_data`). ``study2.efa.correlation`` chooses the matrix
analysed (:func:`item_matrix`): ``pearson`` correlations of their scored items
(reverse-keyed, person-mean pro-rated where the rule allows; the 2015 analysis), or
``polychoric`` correlations of their keyed answer codes, each pair from the
respondents who answered both (a pro-rated value is not an answer category), smoothed
as ``psych::cor.smooth`` when not positive definite. :func:`retention` applies the
three retention rules of :mod:`camhs_rom.stats.retention` to that matrix and the
config's choice between them.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from camhs_rom.instruments.questionnaire import Questionnaire
from camhs_rom.stats.polychoric import polychoric, smooth_correlation
from camhs_rom.stats.retention import (
    count_above,
    eigenvalues,
    kaiser,
    parallel_analysis,
    parallel_analysis_polychoric,
    random_percentile,
    velicer_map,
)

log = logging.getLogger(__name__)


RETENTION_RULES = ("parallel_analysis", "map", "kaiser")
CORRELATIONS = ("pearson", "polychoric")


def analysed_rows(scored: pd.DataFrame, items: list[str]) -> np.ndarray:
    """Which respondents the factor analysis keeps: those with every item after the missing-data rule."""
    return scored[items].astype(float).notna().all(axis=1).to_numpy()


def efa_data(scored: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    """Scored items of the respondents with every item after the missing-data rule."""
    return scored.loc[analysed_rows(scored, items), items].astype(float).reset_index(drop=True)


@dataclass(frozen=True)
class ItemMatrix:
    """The correlation matrix a factor analysis reads, with the data it came from.

    ``data``: the analysed respondents' scored items (n for the fit statistics);
    ``kind``: pearson | polychoric; ``corr``: the matrix (items x items); for polychoric
    also ``codes`` (keyed answers ``1..categories``, NaN unanswered), ``thresholds``, the
    pairwise ML ``estimates`` and whether ``corr`` is them ``smoothed``; ``rows`` marks the
    analysed respondents among those given to :func:`item_matrix`.
    """

    kind: str
    data: pd.DataFrame
    corr: pd.DataFrame
    codes: pd.DataFrame | None = None
    categories: int | None = None
    thresholds: pd.DataFrame | None = None
    estimates: pd.DataFrame | None = None
    smoothed: bool = False
    rows: np.ndarray | None = None

    @classmethod
    def pearson(cls, data: pd.DataFrame) -> ItemMatrix:
        items = list(data.columns)
        return cls("pearson", data, pd.DataFrame(np.corrcoef(data.to_numpy(), rowvar=False), index=items, columns=items))


def keyed_codes(coded: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Each item's answers keyed (reverse items flipped) as codes ``1..K``, NaN where unanswered."""
    return q.keyed_items(coded)[q.item_ids] - q.scale_min + 1


def item_matrix(scored: pd.DataFrame, coded: pd.DataFrame, q: Questionnaire, kind: str) -> ItemMatrix:
    """The matrix ``study2.efa.correlation`` asks for, over the respondents :func:`efa_data` keeps."""
    if kind not in CORRELATIONS:
        raise ValueError(f"unknown correlation {kind!r}; expected one of {', '.join(CORRELATIONS)}")
    items = q.item_ids
    keep = analysed_rows(scored, items)
    data = efa_data(scored, items)
    if kind == "pearson":
        return dataclasses.replace(ItemMatrix.pearson(data), rows=keep)
    codes = keyed_codes(coded, q).loc[keep].reset_index(drop=True)
    categories = q.scale_max - q.scale_min + 1
    rho, tau = polychoric(codes, categories)
    matrix = rho.to_numpy()
    smoothed = bool(np.linalg.eigvalsh(np.nan_to_num(matrix)).min() < np.finfo(float).eps)
    if smoothed:
        log.info("the polychoric matrix is not positive definite; smoothed as psych::cor.smooth does")
        matrix = smooth_correlation(np.nan_to_num(matrix))
    corr = pd.DataFrame(matrix, index=items, columns=items)
    return ItemMatrix("polychoric", data, corr, codes, categories, tau, rho, smoothed, keep)


def retention(matrix: ItemMatrix, efa: dict, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, int]:
    """The three retention rules on ``matrix``, the number used, and the scree/parallel-analysis and MAP tables."""
    iterations, percentile = efa["parallel_analysis"]["iterations"], efa["parallel_analysis"]["percentile"]
    corr = matrix.corr.to_numpy()
    if matrix.kind == "polychoric":
        n_pa, scree = parallel_analysis_polychoric(matrix.codes, matrix.corr, matrix.categories, iterations, percentile, seed)
        null = f"of the polychoric matrix against the {percentile:g}th percentile of polychoric matrices of {iterations} resamples of the answers, each item permuted independently (seed {seed})"
    else:
        n_pa, scree = parallel_analysis(matrix.data, iterations, percentile, seed)
        null = f"against the {percentile:g}th percentile of {iterations} random data sets (seed {seed})"
    n_map, map_table = velicer_map(corr)
    n_kaiser = kaiser(corr)
    used, why = factors_used({"parallel_analysis": n_pa, "map": n_map, "kaiser": n_kaiser}, efa)
    details = {
        "parallel_analysis": f"principal-component eigenvalues {null}",
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


def factors_used(found: dict, efa: dict) -> tuple[int, str]:
    """How many factors the EFA fits, and why: the configured rule's count in ``found`` (at least one) or the fixed number."""
    requested, rule = efa["n_factors"], efa["retention"]
    if requested != "auto":
        return int(requested), "fixed in config (study2.efa.n_factors)"
    if found[rule] < 1:
        log.info("the %s rule retains no factor; one factor is fitted instead", rule)
        return 1, f"auto: the {rule} rule retained none, so one factor is fitted"
    return found[rule], f"auto: the {rule} rule"


def pearson_factors_used(corr: np.ndarray, n: int, efa: dict, seed: int) -> int:
    """The number of factors :func:`retention` uses on a Pearson matrix ``corr`` of ``n`` respondents.

    Computes only the rule that decides (for simulations that fit thousands of data sets);
    the same number as :func:`retention` (tested), with parallel analysis's null read from
    the cache of :func:`~camhs_rom.stats.retention.random_percentile`.
    """
    if efa["n_factors"] != "auto":
        return factors_used({}, efa)[0]
    rule, pa = efa["retention"], efa["parallel_analysis"]
    if rule == "parallel_analysis":
        count = count_above(eigenvalues(corr), random_percentile(n, corr.shape[0], pa["iterations"], pa["percentile"], seed))
    elif rule == "map":
        count = velicer_map(corr)[0]
    else:
        count = kaiser(corr)
    return factors_used({rule: count}, efa)[0]
