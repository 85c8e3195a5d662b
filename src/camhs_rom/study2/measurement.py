"""Study 2 beyond the paper: the answers as ordinal, a confirmatory test of the intended model, invariance between groups.

Every table here is computed whatever ``study2.efa.correlation`` says (the EFA's choice),
from the respondents the factor analysis keeps (every item present after the spec's
missing-data rule, :func:`camhs_rom.study2.efa.efa_data`):

``polychoric_correlations.csv``, ``polychoric_thresholds.csv``
    each pair's polychoric correlation (pairwise-complete answers, with its n), the value
    analysed (``rho_analysed``: the same unless the matrix had to be smoothed to be
    positive definite, as ``psych::cor.smooth`` does), and each item's thresholds
    (:mod:`camhs_rom.stats.polychoric`).
``cfa_fit.csv``, ``cfa_loadings.csv``, ``cfa_factor_correlations.csv``
    the intended model (each item on its spec subscale, factors correlated, marker-variable
    identification) fitted twice: ``ml`` to the Pearson covariances of the scored items
    (:mod:`camhs_rom.stats.cfa`) and ``wlsmv`` (DWLS on the polychoric correlations with
    the scaled-and-shifted test, :mod:`camhs_rom.stats.categorical_cfa`) to the
    respondents who answered every item (DWLS needs complete answers; pro-rated values are
    not answer categories). A subscale of one item cannot carry a factor: the model is then
    not fitted, and the row says why.
``invariance.csv``
    configural, metric (equal loadings) and scalar (equal loadings and intercepts) ML
    models across the two compared groups, each with its fit, the chi-square difference
    test and the change in CFI and RMSEA from the level below, and whether the level
    holds: the configural model fits acceptably (CFI >= ``acceptable_cfi``, RMSEA <=
    ``acceptable_rmsea``), a constrained level loses no more than ``delta_cfi`` of CFI and
    gains no more than ``delta_rmsea`` of RMSEA (Chen, 2007). A group with no more
    respondents than items cannot be fitted: every row then says so.
``reliability_coefficients.csv``
    each subscale's coefficients named with their model, each with a seeded percentile
    bootstrap interval, each subscale's from one set of respondents, those who answered every
    item of it as given (a pro-rated value is no answer category; ``reliability.csv`` keeps the
    spec's missing-data rule): Cronbach's alpha and omega total (computed as ``reliability.csv``
    computes them), ordinal alpha and ordinal omega (alpha, and omega total of a one-factor
    minres model, of the polychoric matrix; both from the same resamples), and for the whole
    questionnaire omega hierarchical (the respondents who answered every item) where three or
    more subscales define a general factor.
``measurement.md``
    one APA paragraph: the two CFA fits, the factor correlation and the invariance verdict.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy import stats

from camhs_rom.core.markup import markdown_text
from camhs_rom.core.seeding import percentile_interval, rng_for
from camhs_rom.instruments.questionnaire import Questionnaire
from camhs_rom.stats.categorical_cfa import fit_dwls, ordinal_moments
from camhs_rom.stats.cfa import Clusters, GroupMoments, fit_ml
from camhs_rom.stats.factors import MODEL_ERRORS
from camhs_rom.stats.polychoric import fit_group, polychoric_batch, polychoric_resampled
from camhs_rom.stats.reliability import full_rank, omega_from_correlations, omega_hierarchical, one_factor_uniquenesses, standardized_alpha
from camhs_rom.study2.apa import interval, number, p_value
from camhs_rom.study2.efa import ItemMatrix

log = logging.getLogger(__name__)

FIT_COLUMNS = [
    "estimator", "correlations", "n", "chisq", "df", "pvalue", "chisq_scaled", "pvalue_scaled", "scaling_factor", "shift",
    "cfi", "tli", "rmsea", "rmsea_ci_low", "rmsea_ci_high", "srmr", "cfi_scaled", "tli_scaled", "rmsea_scaled",
    "cfi_robust", "tli_robust", "rmsea_robust", "rmsea_robust_ci_low", "rmsea_robust_ci_high", "converged", "note",
]
INDICES = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_low", "rmsea_ci_high", "srmr"]
INVARIANCE_COLUMNS = [
    "model", "constraints", "group_1", "group_2", "n_1", "n_2", *INDICES,
    "delta_chisq", "delta_df", "delta_p", "delta_cfi", "delta_rmsea", "holds", "note",
]
CONSTRAINTS = {"configural": "none (same pattern)", "metric": "loadings", "scalar": "loadings, intercepts"}
ESTIMATORS = {"ml": "Pearson covariances", "wlsmv": "polychoric correlations"}


def model_clusters(q: Questionnaire) -> tuple[Clusters | None, str]:
    """The intended model's clusters, or None and why it cannot be fitted."""
    subscales = {s: [i.id for i in q.items_of(s)] for s in q.subscales}
    single = [s for s, items in subscales.items() if len(items) < 2]
    if single:
        return None, f"subscale {single[0]!r} has one item: a factor needs at least two"
    return Clusters.from_mapping(subscales), ""


def polychoric_tables(matrix: ItemMatrix) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each pair's polychoric correlation with its pairwise n, and each item's thresholds."""
    items = list(matrix.corr.columns)
    answered = matrix.codes.notna().to_numpy(dtype=float)
    pairs = answered.T @ answered
    first, second = np.triu_indices(len(items), k=1)
    corr = pd.DataFrame(
        {
            "item_a": [items[i] for i in first],
            "item_b": [items[j] for j in second],
            "rho": matrix.estimates.to_numpy()[first, second],
            "rho_analysed": matrix.corr.to_numpy()[first, second],
            "n": pairs[first, second].astype(int),
        }
    )
    tau = matrix.thresholds.rename_axis("item").reset_index().melt(id_vars="item", var_name="threshold", value_name="value")
    tau["threshold"] = tau["threshold"].astype(int)
    return corr, tau.sort_values(["item", "threshold"], kind="stable").reset_index(drop=True)


def _fit_row(estimator: str, n: int, fit, scaled: dict | None, converged: bool, note: str = "") -> dict:
    row = {"estimator": estimator, "correlations": ESTIMATORS[estimator], "n": n, **{k: getattr(fit, k) for k in INDICES}}
    if scaled:
        row.update(
            chisq_scaled=scaled["chisq"], pvalue_scaled=scaled["pvalue"], scaling_factor=scaled["scaling_factor"], shift=scaled["shift"],
            cfi_scaled=scaled["cfi"], tli_scaled=scaled["tli"], rmsea_scaled=scaled["rmsea"],
            cfi_robust=scaled["cfi_robust"], tli_robust=scaled["tli_robust"], rmsea_robust=scaled["rmsea_robust"],
            rmsea_robust_ci_low=scaled["rmsea_ci_low_robust"], rmsea_robust_ci_high=scaled["rmsea_ci_high_robust"],
        )
    return {**row, "converged": converged, "note": note}


def confirmatory(q: Questionnaire, data: pd.DataFrame, codes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The intended model by ML (scored items) and WLSMV (complete answers): fit, loadings, factor correlations."""
    clusters, why = model_clusters(q)
    fits, loadings, correlations = [], [], []
    complete = codes.dropna()
    for estimator, n in (("ml", len(data)), ("wlsmv", len(complete))):
        if clusters is None:
            fits.append({"estimator": estimator, "correlations": ESTIMATORS[estimator], "n": n, "note": f"not fitted: {why}"})
            continue
        items = list(clusters.items)
        try:
            if estimator == "ml":
                result = fit_ml(clusters, [GroupMoments.of(data[items].to_numpy())])
                raw, std, phi = result.loadings[0], result.standardized_loadings(), result.factor_correlations()
                fits.append(_fit_row("ml", n, result.fit, None, result.converged))
            else:
                result = fit_dwls(clusters, ordinal_moments(complete[items]))
                raw, std, phi = result.loadings, result.standardized_loadings(), result.factor_correlations()
                fits.append(_fit_row("wlsmv", n, result.fit, result.scaled, result.converged))
        except MODEL_ERRORS as error:
            log.info("CFA (%s) not fitted: %s", estimator, error)
            fits.append({"estimator": estimator, "correlations": ESTIMATORS[estimator], "n": n, "note": f"not fitted: {str(error)[:160]}"})
            continue
        factor_index, _ = clusters.pattern()
        for i, item in enumerate(items):
            k = factor_index[i]
            loadings.append([estimator, clusters.factors[k], item, raw[i, k], std[i, k]])
        for a in range(len(clusters.factors)):
            for b in range(a + 1, len(clusters.factors)):
                correlations.append([estimator, clusters.factors[a], clusters.factors[b], phi[a, b]])
    return (
        pd.DataFrame(fits).reindex(columns=FIT_COLUMNS),
        pd.DataFrame(loadings, columns=["estimator", "factor", "item", "estimate", "std_estimate"]),
        pd.DataFrame(correlations, columns=["estimator", "factor_a", "factor_b", "r"]),
    )


def invariance(q: Questionnaire, data: pd.DataFrame, group: pd.Series, groups: tuple[str, str], settings: dict) -> tuple[pd.DataFrame, str]:
    """Configural, metric and scalar ML models across ``groups`` and the verdict (see the module docstring)."""
    clusters, why = model_clusters(q)
    members = [group.eq(g).fillna(False).to_numpy(dtype=bool) for g in groups]  # respondents in neither group are left out
    sizes = [int(m.sum()) for m in members]
    base = {"group_1": groups[0], "group_2": groups[1], "n_1": sizes[0], "n_2": sizes[1]}
    p = len(q.item_ids)
    if clusters is None:
        reason = why
    elif min(sizes) <= p:
        small = groups[int(np.argmin(sizes))]
        reason = f"group {small!r} has {min(sizes)} respondents for {p} items: a covariance matrix needs more respondents than items"
    else:
        reason = ""
    if reason:
        rows = [{"model": m, "constraints": CONSTRAINTS[m], **base, "note": f"not fitted: {reason}"} for m in CONSTRAINTS]
        return pd.DataFrame(rows).reindex(columns=INVARIANCE_COLUMNS), f"Measurement invariance was not tested: {reason}."
    items = list(clusters.items)
    moments = [GroupMoments.of(data.loc[m, items].to_numpy()) for m in members]
    rows, previous = [], None
    for level in CONSTRAINTS:
        row = {"model": level, "constraints": CONSTRAINTS[level], **base}
        try:
            result = fit_ml(clusters, moments, level)
        except MODEL_ERRORS as error:
            rows.append({**row, "note": f"not fitted: {str(error)[:160]}"})
            previous = None
            continue
        fit = result.fit
        row.update({k: getattr(fit, k) for k in INDICES})
        if level == "configural":
            row["holds"] = bool(fit.cfi >= settings["acceptable_cfi"] and fit.rmsea <= settings["acceptable_rmsea"])
        elif previous is not None:
            d_chisq, d_df = fit.chisq - previous.chisq, fit.df - previous.df
            d_cfi, d_rmsea = fit.cfi - previous.cfi, fit.rmsea - previous.rmsea
            row.update(delta_chisq=d_chisq, delta_df=d_df, delta_p=float(stats.chi2.sf(max(d_chisq, 0.0), d_df)), delta_cfi=d_cfi, delta_rmsea=d_rmsea)
            row["holds"] = bool(rows[-1].get("holds") is True and d_cfi >= -settings["delta_cfi"] and d_rmsea <= settings["delta_rmsea"])
        row["note"] = "" if result.converged else "the optimiser did not converge"
        rows.append(row)
        previous = fit
    table = pd.DataFrame(rows).reindex(columns=INVARIANCE_COLUMNS)
    return table, invariance_verdict(table, settings)


def invariance_verdict(table: pd.DataFrame, settings: dict) -> str:
    """Which level holds and what it allows, in one or two sentences."""
    rows = table.set_index("model")
    holds = {m: rows.loc[m, "holds"] is True or str(rows.loc[m, "holds"]) == "True" for m in CONSTRAINTS}
    configural = rows.loc["configural"]
    if pd.isna(configural["chisq"]):
        text = f"The configural model could not be fitted ({configural['note'].removeprefix('not fitted: ')}), so invariance was not tested."
    elif not holds["configural"]:
        text = (
            f"The configural model fitted poorly (CFI = {number(configural['cfi'], 2, False)}, RMSEA = {number(configural['rmsea'], 2, False)}; "
            f"acceptable: CFI \u2265 {number(settings['acceptable_cfi'], 2, False)}, RMSEA \u2264 {number(settings['acceptable_rmsea'], 2, False)}), "
            "so equal loadings and intercepts cannot be established on top of it: the groups' subscale means are not shown to be comparable."
        )
    elif holds["scalar"]:
        text = "Scalar invariance held (equal loadings and intercepts): the groups' subscale means can be compared."
    elif holds["metric"]:
        text = (
            "Metric but not scalar invariance held (equal loadings, unequal intercepts): relations of the subscales with other "
            "variables can be compared across groups, but a difference in means may reflect the items rather than the construct."
        )
    else:
        text = "Only configural invariance held (same structure, unequal loadings): neither the groups' means nor their relations are shown to be comparable."
    n = min(int(configural["n_1"]), int(configural["n_2"]))
    if n < settings["advised_group_n"]:
        text += f" With {int(configural['n_1'])} and {int(configural['n_2'])} respondents per group (fewer than {settings['advised_group_n']}), these tests have little power; read them as descriptive."
    return text


def ordinal_coefficients(codes: pd.DataFrame, categories: int, resamples: int, ci: float, rng: np.random.Generator) -> dict[str, tuple[float, float, float]]:
    """Ordinal alpha and ordinal omega of one subscale's keyed codes, each with its percentile bootstrap interval.

    ``{"ordinal_alpha": (estimate, low, high), "ordinal_omega": (...)}``: alpha of the polychoric
    matrix (:func:`camhs_rom.stats.reliability.standardized_alpha`) and omega total of a one-factor
    minres model of it (:func:`camhs_rom.stats.reliability.omega_from_correlations`, psych's
    ``omega.tot``; NaN below three items). Both come from the same resamples: each is drawn as row
    indices (in batches whose sizes fix the random stream) and analysed as its counts of each
    respondent (:func:`camhs_rom.stats.polychoric.polychoric_resampled`); its polychoric search
    starts from the full sample's correlations and stops at 1e-5, far below the interval's
    precision. Tables for up to about 200 MB of resamples (and their counts, 100 MB) are formed at
    once, and fitted in groups of about 20,000 pairs (:func:`camhs_rom.stats.polychoric.fit_group`).
    """
    x = codes.to_numpy(dtype=float)
    n, k = x.shape
    full = np.nan_to_num(polychoric_batch(x[None], categories)[0])
    with_omega = k >= 3
    start = 1 - one_factor_uniquenesses(full[None])[0] if with_omega else None
    estimates = {"ordinal_alpha": float(standardized_alpha(full)),
                 "ordinal_omega": float(omega_from_correlations(full[None], start)[0]) if with_omega else np.nan}
    draw = max(1, int(2e6 // max(x.size * categories, 1)))
    cells = max(1, k * (k - 1) // 2) * categories * categories
    per_group = max(1, int(min(5e7 // cells, 2.5e7 // n)) // draw) * draw
    boot: dict[str, list] = {"ordinal_alpha": [], "ordinal_omega": []}
    for group in range(0, resamples, per_group):
        weights = np.empty((min(per_group, resamples - group), n), dtype=np.float32)  # exact: a count is at most n < 2^24
        for first in range(group, group + len(weights), draw):
            size = min(draw, resamples - first)
            rows = rng.integers(0, n, size=(size, n))
            weights[first - group : first - group + size] = np.bincount((rows + n * np.arange(size)[:, None]).ravel(), minlength=size * n).reshape(size, n)
        matrices = np.nan_to_num(polychoric_resampled(x, categories, weights, tolerance=1e-5, start=full, batch=fit_group(k)))
        boot["ordinal_alpha"].append(standardized_alpha(matrices))
        if with_omega:
            fine = np.isfinite(matrices).all(axis=(1, 2)) & full_rank(matrices)
            omega = np.full(len(matrices), np.nan)
            omega[fine] = omega_from_correlations(matrices[fine], start) if fine.any() else omega[fine]
            boot["ordinal_omega"].append(omega)
    out = {}
    for name, estimate in estimates.items():
        low, high = percentile_interval(np.concatenate(boot[name]) if boot[name] else np.array([]), ci)
        out[name] = (estimate, low, high)
    return out


COEFFICIENT_MODELS = {
    "alpha": "essentially tau-equivalent items; Pearson covariances of the scored items",
    "omega_total": "one-factor minres model of the Pearson correlations",
    "ordinal_alpha": "alpha of the polychoric correlations: the latent responses, not the answer codes",
    "ordinal_omega": "one-factor minres model of the polychoric correlations: the latent responses, not the answer codes",
    "omega_hierarchical": "Schmid-Leiman general factor of an oblimin solution with one factor per subscale",
}
COEFFICIENT_COLUMNS = ["subscale", "coefficient", "model", "estimate", "ci_low", "ci_high", "ci_method", "n", "note"]


def answered_as_given(scored: pd.DataFrame, codes: pd.DataFrame) -> pd.DataFrame:
    """The scored items with every answer the respondent did not give (a pro-rated value) blanked: a subscale's
    complete rows in this frame are the respondents who answered each of its items."""
    return scored[list(codes.columns)].astype(float).where(codes.notna().to_numpy())


def reliability_coefficients(reliability: pd.DataFrame, scored: pd.DataFrame, codes: pd.DataFrame, q: Questionnaire, resamples: int, ci: float,
                             seed: int) -> pd.DataFrame:
    """Every coefficient per subscale with its model and interval (see the module docstring).

    One set of rows per subscale: the respondents who answered every item of it as given
    (``scored``: :func:`answered_as_given`; ``codes``: their keyed codes, NaN unanswered);
    ``reliability``: :func:`camhs_rom.study2.reliability.reliability` of ``scored``, so that alpha and
    omega are computed on the rows of the ordinal coefficients beside them (checked). Omega
    hierarchical takes the respondents who answered every item. Every row's ``n`` is its rows'.
    """
    rows = []
    categories = q.scale_max - q.scale_min + 1
    boot = f"percentile bootstrap, {resamples} resamples"
    for rel in reliability.itertuples():
        items = [i.id for i in q.items_of(rel.subscale)]
        answered = codes[items].notna().all(axis=1).to_numpy()
        n = int(answered.sum())
        if n != rel.n:
            raise ValueError(f"subscale {rel.subscale!r}: reliability on {rel.n} respondents, {n} answered every item: not one set of rows")
        rows.append([rel.subscale, "alpha", COEFFICIENT_MODELS["alpha"], rel.alpha, rel.alpha_boot_ci_low, rel.alpha_boot_ci_high, boot, n, rel.note])
        rows.append([rel.subscale, "omega_total", COEFFICIENT_MODELS["omega_total"], rel.omega_total, rel.omega_ci_low, rel.omega_ci_high, boot, n, rel.note])
        if len(items) < 2:
            for name in ("ordinal_alpha", "ordinal_omega"):
                rows.append([rel.subscale, name, COEFFICIENT_MODELS[name], np.nan, np.nan, np.nan, "", n, "one item: internal consistency is undefined"])
            continue
        rng = rng_for(seed, f"study2-ordinal-alpha-{rel.subscale}")
        found = ordinal_coefficients(codes.loc[answered, items], categories, resamples, ci, rng)
        for name, (estimate, low, high) in found.items():
            note = "two items: omega needs three or more" if name == "ordinal_omega" and len(items) < 3 else ""
            rows.append([rel.subscale, name, COEFFICIENT_MODELS[name], estimate, low, high, boot if np.isfinite(estimate) else "", n, note])
    m = len(q.subscales)
    model = COEFFICIENT_MODELS["omega_hierarchical"]
    x = scored.dropna().to_numpy()
    if m < 3:
        note = f"{m} subscale(s): a general factor needs three or more group factors to be identified"
        rows.append(["(all items)", "omega_hierarchical", model, np.nan, np.nan, np.nan, "", len(x), note])
    else:
        estimate, _ = omega_hierarchical(np.corrcoef(x, rowvar=False), m)
        rng = rng_for(seed, "study2-omega-hierarchical")
        estimates = []
        for _ in range(resamples):
            sample = x[rng.integers(0, len(x), len(x))]
            try:
                estimates.append(omega_hierarchical(np.corrcoef(sample, rowvar=False), m)[0])
            except MODEL_ERRORS:
                estimates.append(np.nan)
        low, high = percentile_interval(np.array(estimates), ci)
        rows.append(["(all items)", "omega_hierarchical", model, estimate, low, high, boot, len(x), ""])
    return pd.DataFrame(rows, columns=COEFFICIENT_COLUMNS)


def _fit_text(row) -> str:
    """``chi2(df) = x, p; CFI, TLI, RMSEA [CI], SRMR`` for one fit row: the plain statistics (ML); for WLSMV the
    scaled-and-shifted chi-square with the robust indices (lavaan's ``cfi.robust``, ...), or the indices of the
    scaled statistic where the robust ones are undefined (a polychoric matrix that is not positive definite)."""
    scaled = pd.notna(row.get("chisq_scaled"))
    robust = scaled and pd.notna(row.get("cfi_robust"))
    chisq = row["chisq_scaled"] if scaled else row["chisq"]
    p = row["pvalue_scaled"] if scaled else row["pvalue"]
    kind = "_robust" if robust else ("_scaled" if scaled else "")
    cfi, tli, rmsea = (row[f"{k}{kind}"] for k in ("cfi", "tli", "rmsea"))
    label = "robust " if robust else ("scaled " if scaled else "")
    text = (f"\u03c7\u00b2({int(row['df'])}) = {number(chisq, 2)}, {p_value(p)}, {label}CFI = {number(cfi, 3, False)}, "
            f"{label}TLI = {number(tli, 3, False)}, {label}RMSEA = {number(rmsea, 3, False)}")
    if robust:
        text += f", {interval(row['rmsea_robust_ci_low'], row['rmsea_robust_ci_high'], 0.90, 3, False)}"
    elif not scaled:
        text += f", {interval(row['rmsea_ci_low'], row['rmsea_ci_high'], 0.90, 3, False)}"
    return text + f", SRMR = {number(row['srmr'], 3, False)}"


def measurement_paragraph(fit: pd.DataFrame, factor_correlations: pd.DataFrame, verdict: str, subscale_labels: dict, data_label: str | None) -> str:
    """The APA paragraph of the measurement section, as Markdown."""
    lines = ["# Measurement, APA style", ""]
    if data_label:
        lines += [f"*{data_label}*", ""]
    rows = fit.set_index("estimator")
    parts = []
    ml, wlsmv = rows.loc["ml"], rows.loc["wlsmv"]
    model = "the intended model (each item on its subscale's factor, factors correlated)"
    if pd.isna(ml["chisq"]):
        parts.append(f"A confirmatory factor analysis of {model} could not be fitted by maximum likelihood ({markdown_text(ml['note'])}).")
    else:
        parts.append(f"A confirmatory factor analysis of {model}, fitted by maximum likelihood to the Pearson covariances of {int(ml['n']):,} respondents, gave {_fit_text(ml)}.")
    if pd.isna(wlsmv["chisq"]):
        parts.append(f"Treating the answers as ordinal (DWLS on polychoric correlations) was not possible ({markdown_text(wlsmv['note'])}).")
    else:
        parts.append(
            f"Treating the answers as ordinal (DWLS on polychoric correlations, scaled-and-shifted test; the {int(wlsmv['n']):,} respondents "
            f"who answered every item) gave {_fit_text(wlsmv)}."
        )
    ml_r = factor_correlations[factor_correlations["estimator"] == "ml"]
    if len(ml_r) == 1:
        r = ml_r.iloc[0]
        a, b = (markdown_text(subscale_labels.get(x, x)) for x in (r["factor_a"], r["factor_b"]))
        parts.append(f"The {a} and {b} factors correlated r = {number(r['r'], 2, False)} (ML).")
    parts.append(markdown_text(verdict))  # it quotes group ids from the spec
    lines += [" ".join(parts), ""]
    return "\n".join(lines)
