"""Study 2 factor structure: factorability, how many factors, exploratory factor analysis.

Every function reads the item data and, optionally, the correlation matrix to analyse:
Pearson correlations of the data by default, or a polychoric matrix
(:mod:`camhs_rom.stats.polychoric`) when the items are treated as ordinal.

Factorability
    Kaiser-Meyer-Olkin measure of sampling adequacy (overall and per item) and
    Bartlett's test of sphericity, from the matrix (``factor_analyzer``'s formulas, which
    take data only; tested equal).
How many factors
    :mod:`camhs_rom.stats.retention`.
EFA
    ``factor_analyzer`` with the configured extraction and rotation, fitted to the
    matrix; pattern loadings,
    structure matrix and factor correlations for oblique rotations, communalities,
    variance explained. Fit statistics as R's ``psych::fa`` defines them: the likelihood
    ratio chi-square with Bartlett's correction ``(n - 1 - (2p + 5)/6 - 2m/3) F``, its
    degrees of freedom ``((p - m)^2 - (p + m)) / 2``, RMSEA ``sqrt(max(chi2/(df n) -
    1/(n - 1), 0))`` with a 90% interval from the noncentral chi-square, the Tucker-Lewis
    index ``(F_0/df_0 - F/df) / (F_0/df_0 - 1/(n - 1 - (2p + 5)/6 - 2m/3))`` against the
    independence model, and BIC ``chi2 - df ln n``.
Matching factors to subscales
    Each factor is matched to an intended subscale by Tucker's congruence coefficient
    between its loadings and the subscale's 0/1 membership vector (Hungarian assignment),
    reflected so the subscale's items load positively, and named after the subscale.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from factor_analyzer.rotator import Rotator
from scipy import optimize, stats

from camhs_rom.core.errors import InputError, quote_list
from camhs_rom.stats.extraction import AnalyticFactorAnalyzer
from camhs_rom.stats.fit_indices import noncentrality_bounds

log = logging.getLogger(__name__)


EXTRACTIONS = ("minres", "ml", "principal")
# What a factor model can raise on data it cannot fit (an optimiser or a matrix routine
# failing); callers that fit many models record these as "not fitted" and go on.
MODEL_ERRORS = (ValueError, ArithmeticError, np.linalg.LinAlgError)
ROTATIONS = {"oblimin": "oblimin", "promax": "promax", "varimax": "varimax", "none": None}
OBLIQUE = {"oblimin", "promax"}


def check_factorable(data: pd.DataFrame, file: str, n_factors: int | None = None) -> None:
    """Stop with one clear message when factor analysis cannot run on ``data``.

    Checks: at least 3 items; more respondents than items; no item with zero variance;
    a correlation matrix that is not singular (no item a linear combination of others);
    and, when ``n_factors`` is given, a model with non-negative degrees of freedom.
    """
    check_factorable_array(data.to_numpy(dtype=float), list(data.columns), file, n_factors)


def check_factorable_array(x: np.ndarray, items: list[str], file: str, n_factors: int | None = None) -> None:
    """:func:`check_factorable` on the answers as an array (respondents x ``items``), as the power simulation holds them."""
    n, p = x.shape
    if p < 3:
        raise InputError(file, "items", f"{p} item(s)", "at least 3 items for factor analysis")
    if n <= p:
        raise InputError(file, "rows", f"{n} respondents with every item answered, for {p} items", "more respondents than items for factor analysis")
    flat = [c for c, column in zip(items, x.T, strict=True) if len(np.unique(column[~np.isnan(column)])) < 2]
    if flat:
        raise InputError(file, f"column {flat[0]}", f"the same answer from every respondent (zero variance; items {quote_list(flat)})", "answers that vary; drop the item from the spec to analyse without it")
    eig = np.linalg.eigvalsh(np.corrcoef(x, rowvar=False))
    if eig.min() < 1e-10:
        raise InputError(
            file, "items", "a singular correlation matrix (some item is a linear combination of others, or two items are identical)", "items that each carry their own information"
        )
    if n_factors is not None:
        check_n_factors(p, n_factors)


def check_n_factors(p: int, n_factors: int) -> None:
    """Stop when ``n_factors`` factors leave a model of ``p`` items with negative degrees of freedom."""
    df = ((p - n_factors) ** 2 - (p + n_factors)) / 2
    if n_factors < 1 or n_factors >= p or df < 0:
        limit = max(m for m in range(1, p) if ((p - m) ** 2 - (p + m)) >= 0) if p >= 3 else 1
        raise InputError("config", "key study2.efa.n_factors", f"{n_factors} factors for {p} items", f"at most {limit} factors (a model with non-negative degrees of freedom)")


def factorability(data: pd.DataFrame, corr: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """KMO (overall) and Bartlett's test as a tidy table, and KMO per item.

    ``corr`` is the correlation matrix analysed (Pearson of ``data`` when None); Bartlett's
    test takes its n from ``data``.
    """
    matrix = np.corrcoef(data.to_numpy(), rowvar=False) if corr is None else np.asarray(corr, dtype=float)
    kmo_items, kmo_total = kmo(matrix)
    chi2, df, p_value = bartlett_sphericity(matrix, len(data))
    table = pd.DataFrame({"measure": ["kmo", "bartlett_chi2", "bartlett_df", "bartlett_p"], "value": [kmo_total, chi2, df, p_value]})
    return table, pd.DataFrame({"item": data.columns, "kmo": kmo_items})


def kmo(corr: np.ndarray) -> tuple[np.ndarray, float]:
    """Kaiser-Meyer-Olkin sampling adequacy of a correlation matrix: per item and overall.

    ``sum r_ij^2 / (sum r_ij^2 + sum a_ij^2)`` over the off-diagonal, ``a`` the partial
    correlations from the inverse matrix. ``factor_analyzer.calculate_kmo`` computes the
    same from data only; this takes the matrix so that a polychoric one can be judged
    (tested equal to factor_analyzer on data).
    """
    inverse = np.linalg.inv(corr)
    scale = 1 / np.sqrt(np.diag(inverse))
    partial = -inverse * np.outer(scale, scale)
    off = ~np.eye(len(corr), dtype=bool)
    r2 = np.where(off, corr**2, 0.0)
    a2 = np.where(off, partial**2, 0.0)
    return r2.sum(axis=0) / (r2.sum(axis=0) + a2.sum(axis=0)), float(r2.sum() / (r2.sum() + a2.sum()))


def bartlett_sphericity(corr: np.ndarray, n: int) -> tuple[float, float, float]:
    """Bartlett's test that a correlation matrix is the identity: chi2, df, p.

    ``-(n - 1 - (2p + 5) / 6) ln|R|`` on ``p(p - 1)/2`` df (as ``factor_analyzer``'s
    ``calculate_bartlett_sphericity``, which takes data only; tested equal).
    """
    p = len(corr)
    chi2 = -np.linalg.slogdet(corr)[1] * (n - 1 - (2 * p + 5) / 6)
    df = p * (p - 1) / 2
    return float(chi2), df, float(stats.chi2.sf(chi2, df))


@dataclass
class EfaResult:
    """An exploratory factor analysis, factors named after matched subscales."""
    loadings: pd.DataFrame  # items x factors (pattern)
    structure: pd.DataFrame | None
    factor_correlations: pd.DataFrame | None
    communalities: pd.Series
    variance: pd.DataFrame
    fit: pd.DataFrame
    congruence: pd.DataFrame


class PrincipalSolution:
    """Principal-component extraction, exact, rotated with ``factor_analyzer``'s Rotator.

    ``factor_analyzer`` 0.5.1 computes principal loadings either by a randomised SVD
    (approximate) or, with ``svd_method="lapack"``, keeps every component and rotates all
    of them. Here the loadings are the first ``n`` eigenvectors of the correlation matrix
    times the square roots of their eigenvalues, and only those are rotated. Exposes the
    attributes of ``FactorAnalyzer`` that :func:`run_efa` reads.
    """

    def __init__(self, corr: np.ndarray, n_factors: int, rotation: str | None):
        values, vectors = np.linalg.eigh(corr)
        order = np.argsort(values)[::-1][:n_factors]
        loadings = vectors[:, order] * np.sqrt(values[order])
        loadings *= np.where(loadings.sum(axis=0) < 0, -1.0, 1.0)  # a fixed sign per component
        self.phi_ = self.structure_ = None
        if rotation is not None:
            rotator = Rotator(method=rotation)
            loadings = rotator.fit_transform(loadings)
            if rotation in OBLIQUE:
                self.phi_ = rotator.phi_
                self.structure_ = loadings @ rotator.phi_
        self.loadings_ = loadings

    def get_factor_variance(self):
        ss = (self.loadings_**2).sum(axis=0)
        proportion = ss / self.loadings_.shape[0]
        return ss, proportion, np.cumsum(proportion)


def fit_efa(data: pd.DataFrame, n_factors: int, extraction: str, rotation: str, corr: pd.DataFrame | None = None):
    """Fit the EFA deterministically: :class:`AnalyticFactorAnalyzer` or :class:`PrincipalSolution`.

    ``corr`` is the correlation matrix to analyse (Pearson of ``data`` when None).
    """
    rot = ROTATIONS[rotation] if n_factors > 1 else None
    if extraction not in EXTRACTIONS:
        raise ValueError(f"unknown extraction {extraction!r}; expected one of {', '.join(EXTRACTIONS)}")
    matrix = np.corrcoef(data.to_numpy(), rowvar=False) if corr is None else np.asarray(corr, dtype=float)
    if extraction == "principal":
        return PrincipalSolution(matrix, n_factors, rot)
    fa = AnalyticFactorAnalyzer(n_factors=n_factors, rotation=rot, method=extraction, svd_method="lapack", is_corr_matrix=True)
    return fa.fit(matrix)


def communality(loadings: np.ndarray, phi: np.ndarray | None = None) -> np.ndarray:
    """Communalities ``diag(L Phi L')``: with correlated factors the pattern's squares are not enough."""
    phi = np.eye(loadings.shape[1]) if phi is None else phi
    return np.einsum("ij,jk,ik->i", loadings, phi, loadings)


def fit_statistics(corr: np.ndarray, loadings: np.ndarray, phi: np.ndarray | None, n: int) -> dict:
    """Chi-square, df, p, RMSEA with 90% CI, TLI and BIC as ``psych::fa`` computes them.

    When the solution's implied correlation matrix is not positive definite (a Heywood
    case: some loading pattern implies a communality above 1), the likelihood is undefined
    and every statistic is NaN; ``psych::fa`` reports no fit for such a solution either.
    """
    p, m = loadings.shape
    phi = np.eye(m) if phi is None else phi
    model = loadings @ phi @ loadings.T
    model[np.diag_indices(p)] = 1.0  # implied correlation: common part plus uniqueness
    df = ((p - m) ** 2 - (p + m)) / 2
    undefined = {"chi2": np.nan, "df": df, "p": np.nan, "rmsea": np.nan, "rmsea_ci_low": np.nan, "rmsea_ci_high": np.nan, "tli": np.nan, "bic": np.nan}
    if np.linalg.eigvalsh(model).min() <= 0:
        return undefined
    ratio = np.linalg.solve(model, corr)
    objective = np.trace(ratio) - np.log(np.linalg.det(ratio)) - p
    multiplier = n - 1 - (2 * p + 5) / 6 - 2 * m / 3
    chi2 = max(objective * multiplier, 0.0)
    null_objective = np.trace(corr) - np.log(np.linalg.det(corr)) - p
    out = dict(undefined, chi2=chi2)
    if df > 0 and np.isfinite(chi2):
        out["p"] = stats.chi2.sf(chi2, df)
        out["rmsea"] = np.sqrt(max(chi2 / (df * n) - 1 / (n - 1), 0))
        low, high = noncentrality_bounds(chi2, df, 0.90)
        out["rmsea_ci_low"], out["rmsea_ci_high"] = np.sqrt(low / (df * (n - 1))), np.sqrt(high / (df * (n - 1)))
        null_per_df = null_objective / (p * (p - 1) / 2)
        out["tli"] = (null_per_df - objective / df) / (null_per_df - 1 / multiplier)
        out["bic"] = chi2 - df * np.log(n)
    return out


def congruence(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Tucker's congruence coefficients between the columns of ``a`` and of ``b``."""
    num = a.T @ b
    den = np.sqrt(np.outer((a**2).sum(axis=0), (b**2).sum(axis=0)))
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def name_factors(loadings: np.ndarray, items: list[str], intended: dict[str, str]) -> tuple[list[str], np.ndarray, pd.DataFrame]:
    """Match factors to intended subscales by congruence; return names, signs and the congruence table.

    ``intended`` maps each item to its intended subscale; subscales are taken in the order
    they first appear there.
    """
    subscales = list(dict.fromkeys(intended.values()))
    names, signs, phi = match_factors(loadings, np.array([[intended[item] == s for s in subscales] for item in items], dtype=float), subscales)
    table = pd.DataFrame(
        [[names[f], subscales[s], signs[f] * phi[f, s], names[f] == subscales[s]] for f in range(loadings.shape[1]) for s in range(len(subscales))],
        columns=["factor", "subscale", "congruence", "matched"],
    )
    return names, signs, table


def match_factors(loadings: np.ndarray, target: np.ndarray, subscales: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The matching of :func:`name_factors` on arrays: ``target`` is items x subscales membership (0/1).

    Returns each factor's name (its subscale, or ``factor_<k>`` when unmatched), its sign
    and the congruence matrix (factors x subscales, before the signs).
    """
    phi = congruence(loadings, target)  # factors x subscales
    rows, cols = optimize.linear_sum_assignment(-np.abs(np.nan_to_num(phi)))
    names = [f"factor_{k + 1}" for k in range(loadings.shape[1])]
    signs = np.ones(loadings.shape[1])
    for r, c in zip(rows, cols, strict=True):
        names[r] = subscales[c]
        signs[r] = -1.0 if phi[r, c] < 0 else 1.0
    return names, signs, phi


def matched_from_arrays(names: list[str], signs: np.ndarray, phi: np.ndarray, order: list[str], subscales) -> list[float]:
    """:func:`matched_congruences` on :func:`match_factors`' results (``order``: the columns of ``phi``),
    without building the table: the signed congruence of the factor named after each of ``subscales``."""
    matched = {order[s]: signs[f] * phi[f, s] for f in range(len(names)) for s in range(len(order)) if names[f] == order[s]}
    return [float(matched.get(s, np.nan)) for s in subscales]


def matched_congruences(congruence_table: pd.DataFrame, subscales) -> list[float]:
    """Tucker congruence of the factor matched to each of ``subscales`` (NaN where none is).

    ``congruence_table`` is :attr:`EfaResult.congruence` or that table read back from CSV.
    """
    matched = congruence_table[congruence_table["matched"].astype(str) == "True"]
    by_subscale = matched.set_index("subscale")["congruence"].astype(float)
    return [float(by_subscale.get(s, np.nan)) for s in subscales]


def run_efa(data: pd.DataFrame, intended: dict[str, str], n_factors: int, extraction: str, rotation: str, corr: pd.DataFrame | None = None) -> EfaResult:
    """Fit the EFA and return every table, factors named after the intended subscales (``intended``: item -> subscale).

    ``corr`` is the correlation matrix analysed (Pearson of ``data`` when None, or a
    polychoric one); the fit statistics take their n from ``data``.
    """
    items = list(data.columns)
    matrix = np.corrcoef(data.to_numpy(), rowvar=False) if corr is None else np.asarray(corr, dtype=float)
    fa = fit_efa(data, n_factors, extraction, rotation, matrix)
    raw = fa.loadings_
    names, signs, congruence_table = name_factors(raw, items, intended)
    loadings = pd.DataFrame(raw * signs, index=items, columns=names)
    oblique = rotation in OBLIQUE and n_factors > 1
    phi = fa.phi_ * np.outer(signs, signs) if oblique and fa.phi_ is not None else None
    structure = pd.DataFrame(fa.structure_ * signs, index=items, columns=names) if oblique and fa.structure_ is not None else None
    factor_correlations = pd.DataFrame(phi, index=names, columns=names) if phi is not None else None
    ss, prop, cum = fa.get_factor_variance()
    variance = pd.DataFrame({"factor": names, "ss_loadings": ss, "proportion": prop, "cumulative": cum})
    fit = fit_statistics(matrix, raw, fa.phi_ if oblique else None, len(data))
    fit_table = pd.DataFrame({"statistic": list(fit), "value": list(fit.values())})
    communalities = pd.Series(communality(raw, fa.phi_ if oblique else None), index=items, name="communality")
    return EfaResult(loadings, structure, factor_correlations, communalities, variance, fit_table, congruence_table)


def loading_flags(loadings: pd.DataFrame, intended: dict[str, str], min_loading: float, cross_loading: float) -> pd.DataFrame:
    """Per item: intended subscale, factor it loads on most, and flags for low, cross- and misplaced loadings."""
    items = list(loadings.index)
    own = [intended[item] for item in items]
    strongest, own_loading, low, cross, misplaced = flag_arrays(loadings.to_numpy(dtype=float), list(loadings.columns), own, min_loading, cross_loading)
    return pd.DataFrame(
        {"item": items, "intended_subscale": own, "strongest_factor": strongest, "own_loading": own_loading,
         "low_loading": low, "cross_loading": cross, "misplaced": misplaced},
        columns=["item", "intended_subscale", "strongest_factor", "own_loading", "low_loading", "cross_loading", "misplaced"],
    )


def flag_arrays(loadings: np.ndarray, names: list[str], own: list[str], min_loading: float, cross_loading: float):
    """:func:`loading_flags` on arrays (items x factors named ``names``; ``own``: each item's intended subscale).

    Returns per item the strongest factor's name (by absolute loading, the first on ties,
    NaN loadings skipped; NaN if all are), the loading on the item's own subscale's factor
    (NaN when no factor is named after it), and the low, cross- and misplaced flags as
    boolean arrays.
    """
    size = np.abs(loadings)
    column = {name: k for k, name in enumerate(names)}
    blank = np.isnan(size).all(axis=1)
    best = np.argmax(np.where(np.isnan(size), -np.inf, size), axis=1)
    strongest = [np.nan if blank[i] else names[best[i]] for i in range(len(own))]
    mine = np.array([column.get(o, -1) for o in own], dtype=int)
    own_loading = np.where(mine >= 0, loadings[np.arange(len(own)), mine], np.nan)
    low = ~np.isfinite(own_loading) | (np.abs(own_loading) < min_loading)
    others = np.where(np.arange(len(names))[None, :] == mine[:, None], np.nan, size)
    with np.errstate(invalid="ignore"):
        cross = (others >= cross_loading).any(axis=1)
    misplaced = np.array([s != o for s, o in zip(strongest, own, strict=True)], dtype=bool)
    return strongest, own_loading, low, cross, misplaced
