"""The factor structure across sites, from each site's item means and covariance matrix.

``factor_structure``
    an EFA of the pooled within-site correlation matrix (each site's covariance matrix about
    its own means, weighted by its n: site differences in level do not enter), as many factors
    as the run's retention rule keeps on that matrix (or ``study2.efa.n_factors``), named by
    the intended subscales as in a site's own run, and each site's EFA of its own
    matrix compared with it by Tucker's congruence (factors matched one to one by the
    largest absolute congruence, signs aligned);
``invariance_across_sites``
    the intended independent-clusters model fitted by ML to all sites at once as groups
    (:func:`camhs_rom.stats.cfa.fit_ml`: configural, metric, scalar), with the same
    criteria as the between-group invariance of a site's run (``study2.measurement``).

ML from the sites' means and covariance matrices is exact: the normal-theory likelihood
depends on the data only through them (lavaan's ``sample.cov``/``sample.mean``/``sample.nobs``
give the same fit; ``tests/test_consortium_stats.py``). The ordinal (WLSMV) models are not
fitted across sites: their weight matrix, the asymptotic covariance of the polychoric
correlations and thresholds, needs each respondent's answers or each site's exported
weight matrix, which a summary does not carry; an ML fit to 5-point answers treats them as
continuous, an approximation the report states.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize

from camhs_rom.stats.cfa import Clusters, GroupMoments
from camhs_rom.stats.factors import MODEL_ERRORS, congruence, fit_efa, loading_flags, matched_congruences, name_factors
from camhs_rom.stats.retention import eigenvalues, kaiser, random_eigenvalues, retained_above, velicer_map
from camhs_rom.study2.measurement import CONSTRAINTS, INDICES, ml_invariance_rows

CONGRUENCE_COLUMNS = ["site", "factor", "congruence", "n"]
INVARIANCE_COLUMNS = ["model", "constraints", "k", "n", *INDICES, "delta_chisq", "delta_df", "delta_p", "delta_cfi", "delta_rmsea", "holds", "note"]


def pooled_within(moments: list[GroupMoments]) -> np.ndarray:
    """The pooled within-site covariance matrix (divisor N): ``sum_s n_s S_s / N``."""
    total = sum(m.n for m in moments)
    return sum(m.n * m.cov for m in moments) / total


def correlation_of(cov: np.ndarray) -> np.ndarray:
    scale = 1 / np.sqrt(np.diag(cov))
    return cov * np.outer(scale, scale)


def _loadings(corr: np.ndarray, n_factors: int, extraction: str, rotation: str) -> np.ndarray:
    return np.asarray(fit_efa(None, n_factors, extraction, rotation, corr).loadings_, dtype=float)


def pooled_retention(corr: np.ndarray, n: int, efa: dict, seed: int) -> tuple[int, dict[str, int], str]:
    """The factors to fit to the pooled matrix: ``study2.efa.n_factors`` when a number, else the run's retention rule
    on the pooled within-site correlation matrix (parallel analysis against ``n`` x p normal data with the run's
    iterations, percentile and seed; Velicer's MAP; Kaiser), at least one. Returns (used, every rule's count, why)."""
    pa = efa["parallel_analysis"]
    found = {
        "parallel_analysis": retained_above(eigenvalues(corr), random_eigenvalues(n, corr.shape[0], pa["iterations"], seed), pa["percentile"])[0],
        "map": velicer_map(corr)[0],
        "kaiser": kaiser(corr),
    }
    if isinstance(efa["n_factors"], int):
        return efa["n_factors"], found, "fixed in config (study2.efa.n_factors)"
    return max(1, found[efa["retention"]]), found, f"the {efa['retention'].replace('_', ' ')} rule on the pooled within-site correlation matrix"


def factor_structure(moments: dict[str, GroupMoments], items: list[str], intended: dict[str, str], efa: dict, seed: int) -> dict:
    """The pooled solution and each site's congruence with it (see the module docstring).

    Returns ``n_factors`` (fitted, with ``retention``: each rule's count, and ``why``), ``pooled``
    (item x factor loadings, factors named), ``congruences`` (of each intended subscale's matched pooled
    factor), ``misplaced`` (items loading most on another subscale's factor) and ``sites`` (table
    :data:`CONGRUENCE_COLUMNS`).
    """
    corr = correlation_of(pooled_within(list(moments.values())))
    n = sum(m.n for m in moments.values()) - (len(moments) - 1)  # each site's own mean removed: one df per site
    n_factors, found, why = pooled_retention(corr, n, efa, seed)
    pooled_raw = _loadings(corr, n_factors, efa["extraction"], efa["rotation"])
    names, signs, table = name_factors(pooled_raw, items, intended)
    pooled = pd.DataFrame(pooled_raw * signs, index=items, columns=names)
    flags = loading_flags(pooled, intended, efa["min_loading"], efa["cross_loading"])
    rows = []
    for site, mom in moments.items():
        try:
            raw = _loadings(correlation_of(mom.cov), n_factors, efa["extraction"], efa["rotation"])
        except MODEL_ERRORS:  # a site whose matrix admits no solution has no congruence (NaN), the others still do
            rows += [[site, name, np.nan, mom.n] for name in names]
            continue
        phi = congruence(raw, pooled.to_numpy())  # site factors x pooled factors
        site_idx, pooled_idx = optimize.linear_sum_assignment(-np.abs(np.nan_to_num(phi)))
        matched = dict(zip(pooled_idx, site_idx, strict=True))
        rows += [[site, name, float(abs(phi[matched[j], j])) if j in matched else np.nan, mom.n] for j, name in enumerate(names)]
    subscales = list(dict.fromkeys(intended.values()))
    return {
        "n_factors": n_factors,
        "retention": found,
        "why": why,
        "pooled": pooled,
        "congruences": matched_congruences(table, subscales),
        "misplaced": int(flags["misplaced"].sum()),
        "sites": pd.DataFrame(rows, columns=CONGRUENCE_COLUMNS),
    }


def invariance_across_sites(clusters: Clusters, moments: dict[str, GroupMoments], settings: dict) -> pd.DataFrame:
    """Configural, metric and scalar ML models with the sites as groups (columns :data:`INVARIANCE_COLUMNS`)."""
    p = len(clusters.items)
    small = [f"{site} ({m.n} respondents)" for site, m in moments.items() if m.n <= p]
    base = {"k": len(moments), "n": sum(m.n for m in moments.values())}
    if len(moments) < 2 or small:
        reason = "fewer than two sites with item covariances" if len(moments) < 2 else f"{', '.join(small)}: a covariance matrix needs more respondents than the {p} items"
        return pd.DataFrame([{"model": level, "constraints": held, **base, "note": f"not fitted: {reason}"} for level, held in CONSTRAINTS.items()],
                            columns=INVARIANCE_COLUMNS)
    return pd.DataFrame(ml_invariance_rows(clusters, list(moments.values()), base, settings), columns=INVARIANCE_COLUMNS)
