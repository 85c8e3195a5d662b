"""Study 2 beyond the paper: the answers as ordinal, a confirmatory test of the intended model, invariance between groups.

The reliability coefficients of ``reliability_coefficients.csv`` are in :mod:`camhs_rom.study2.coefficients`.

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
``measurement.md``
    one APA paragraph: the two CFA fits, the factor correlation and the invariance verdict.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy import stats

from camhs_rom.core.markup import markdown_text
from camhs_rom.instruments.questionnaire import Questionnaire
from camhs_rom.stats.categorical_cfa import fit_dwls, ordinal_moments
from camhs_rom.stats.cfa import Clusters, GroupMoments, fit_ml
from camhs_rom.stats.factors import MODEL_ERRORS
from camhs_rom.stats.missing import MissingMoments
from camhs_rom.study2.apa import interval, number, p_value
from camhs_rom.study2.efa import ItemMatrix

log = logging.getLogger(__name__)

FIT_COLUMNS = [
    "estimator", "correlations", "missing_data", "n", "chisq", "df", "pvalue", "chisq_scaled", "pvalue_scaled", "scaling_factor", "shift",
    "cfi", "tli", "rmsea", "rmsea_ci_low", "rmsea_ci_high", "srmr", "cfi_scaled", "tli_scaled", "rmsea_scaled",
    "cfi_robust", "tli_robust", "rmsea_robust", "rmsea_robust_ci_low", "rmsea_robust_ci_high", "converged", "note",
]
INDICES = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_low", "rmsea_ci_high", "srmr"]
INVARIANCE_COLUMNS = [
    "model", "estimator", "constraints", "missing_data", "group_1", "group_2", "n_1", "n_2", *INDICES,
    "chisq_scaled", "pvalue_scaled", "cfi_scaled", "tli_scaled", "rmsea_scaled",
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


def missing_words(method: str, q: Questionnaire) -> str:
    """How a maximum-likelihood model treated skipped answers, for the ``missing_data`` column."""
    if method == "fiml":
        return "full-information ML: every answer given"
    rule = {"person_mean": "skipped answers filled by the person's mean", "listwise": "listwise"}.get(q.missing_method, q.missing_method)
    return f"the factor analysis's respondents ({rule}, spec rule)"


def _fit_row(estimator: str, n: int, fit, scaled: dict | None, converged: bool, note: str = "", missing: str = "") -> dict:
    row = {"estimator": estimator, "correlations": ESTIMATORS[estimator], "missing_data": missing, "n": n, **{k: getattr(fit, k) for k in INDICES}}
    if scaled:
        row.update(
            chisq_scaled=scaled["chisq"], pvalue_scaled=scaled["pvalue"], scaling_factor=scaled["scaling_factor"], shift=scaled["shift"],
            cfi_scaled=scaled["cfi"], tli_scaled=scaled["tli"], rmsea_scaled=scaled["rmsea"],
            cfi_robust=scaled["cfi_robust"], tli_robust=scaled["tli_robust"], rmsea_robust=scaled["rmsea_robust"],
            rmsea_robust_ci_low=scaled["rmsea_ci_low_robust"], rmsea_robust_ci_high=scaled["rmsea_ci_high_robust"],
        )
    return {**row, "converged": converged, "note": note}


def confirmatory(q: Questionnaire, data: pd.DataFrame, codes: pd.DataFrame, missing: str = "spec",
                 given: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The intended model by ML and WLSMV (complete answers): fit, loadings, factor correlations.

    ML reads ``data`` (the factor analysis's respondents, scored by the spec's missing-data rule) or, with
    ``missing="fiml"``, ``given`` (every respondent's answers as given, :func:`answered_as_given`) by
    full-information ML.
    """
    clusters, why = model_clusters(q)
    fits, loadings, correlations = [], [], []
    complete = codes.dropna()
    fiml = missing == "fiml"
    ml_n = int(given[q.item_ids].notna().any(axis=1).sum()) if fiml else len(data)
    methods = {"ml": missing_words(missing, q), "wlsmv": "respondents who answered every item"}
    for estimator, n in (("ml", ml_n), ("wlsmv", len(complete))):
        if clusters is None:
            fits.append({"estimator": estimator, "correlations": ESTIMATORS[estimator], "missing_data": methods[estimator], "n": n, "note": f"not fitted: {why}"})
            continue
        items = list(clusters.items)
        try:
            if estimator == "ml":
                moments = MissingMoments.of(given[items].to_numpy()) if fiml else GroupMoments.of(data[items].to_numpy())
                result = fit_ml(clusters, [moments])
                raw, std, phi = result.loadings[0], result.standardized_loadings(), result.factor_correlations()
                fits.append(_fit_row("ml", n, result.fit, None, result.converged, missing=methods["ml"]))
            else:
                result = fit_dwls(clusters, ordinal_moments(complete[items]))
                raw, std, phi = result.loadings, result.standardized_loadings(), result.factor_correlations()
                fits.append(_fit_row("wlsmv", n, result.fit, result.scaled, result.converged, missing=methods["wlsmv"]))
        except MODEL_ERRORS as error:
            log.info("CFA (%s) not fitted: %s", estimator, error)
            fits.append({"estimator": estimator, "correlations": ESTIMATORS[estimator], "missing_data": methods[estimator], "n": n,
                         "note": f"not fitted: {str(error)[:160]}"})
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


def invariance(q: Questionnaire, data: pd.DataFrame, group: pd.Series, groups: tuple[str, str], settings: dict,
               missing: str = "spec") -> tuple[pd.DataFrame, str]:
    """Configural, metric and scalar ML models across ``groups`` and the verdict (see the module docstring).

    ``data``: the scored items of the factor analysis's respondents, or with ``missing="fiml"`` every
    respondent's answers as given (:func:`answered_as_given`; a respondent who answered nothing is left out).
    """
    clusters, why = model_clusters(q)
    fiml = missing == "fiml"
    anything = data[q.item_ids].notna().any(axis=1) if fiml else pd.Series(True, index=data.index)
    members = [(group.eq(g).fillna(False) & anything).to_numpy(dtype=bool) for g in groups]  # respondents in neither group are left out
    sizes = [int(m.sum()) for m in members]
    base = {"estimator": "ml", "missing_data": missing_words(missing, q), "group_1": groups[0], "group_2": groups[1], "n_1": sizes[0], "n_2": sizes[1]}
    p = len(q.item_ids)
    if clusters is None:
        reason = why
    elif min(sizes) <= p:
        small = groups[int(np.argmin(sizes))]
        reason = f"group {small!r} has {min(sizes)} respondents for {p} items: a covariance matrix needs more respondents than items"
    else:
        reason = ""
    moments = []
    for name, member in zip(groups, members, strict=True):
        if reason:
            break
        try:
            moments.append((MissingMoments.of if fiml else GroupMoments.of)(data.loc[member, list(clusters.items)].to_numpy()))
        except MODEL_ERRORS as error:
            reason = f"group {name!r}: {str(error)[:160]}"
    if reason:
        return not_fitted_rows(CONSTRAINTS, base, reason), f"Measurement invariance was not tested: {reason}."
    rows = ml_invariance_rows(clusters, moments, base, settings)
    table = pd.DataFrame(rows).reindex(columns=INVARIANCE_COLUMNS)
    return table, invariance_verdict(table, settings)


def ml_invariance_rows(clusters: Clusters, moments: list, base: dict, settings: dict) -> list[dict]:
    """One row per level of :data:`CONSTRAINTS` fitted by ML to the groups' ``moments``: ``base`` (the columns
    naming the groups), the fit indices, the change from the level above and whether the level holds."""
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
            row["holds"] = level_holds(None, fit.cfi, fit.rmsea, settings)
        elif previous is not None:
            d_chisq, d_df = fit.chisq - previous.chisq, fit.df - previous.df
            d_cfi, d_rmsea = fit.cfi - previous.cfi, fit.rmsea - previous.rmsea
            row.update(delta_chisq=d_chisq, delta_df=d_df, delta_p=float(stats.chi2.sf(max(d_chisq, 0.0), d_df)), delta_cfi=d_cfi, delta_rmsea=d_rmsea)
            row["holds"] = level_holds(rows[-1], d_cfi, d_rmsea, settings)
        row["note"] = "" if result.converged else "the optimiser did not converge"
        rows.append(row)
        previous = fit
    return rows


def level_holds(above: dict | None, cfi: float, rmsea: float, settings: dict) -> bool:
    """Whether an invariance level holds (``study2.measurement``): the configural model (``above`` None) when its CFI
    and RMSEA are acceptable; a constrained level when the level above held and the constraint changed CFI
    by at least ``-delta_cfi`` and RMSEA by at most ``delta_rmsea`` (Chen, 2007; ``cfi``, ``rmsea``: the changes)."""
    if above is None:
        return bool(cfi >= settings["acceptable_cfi"] and rmsea <= settings["acceptable_rmsea"])
    return bool(above.get("holds") is True and cfi >= -settings["delta_cfi"] and rmsea <= settings["delta_rmsea"])


def not_fitted_rows(constraints: dict[str, str], base: dict, reason: str) -> pd.DataFrame:
    """Invariance rows, one per level of ``constraints`` (level: what it holds equal), each saying why it was not fitted."""
    rows = [{"model": level, "constraints": held, **base, "note": f"not fitted: {reason}"} for level, held in constraints.items()]
    return pd.DataFrame(rows).reindex(columns=INVARIANCE_COLUMNS)


def invariance_verdict(table: pd.DataFrame, settings: dict) -> str:
    """Which level of the ML models holds and what it allows, in one or two sentences."""
    rows = table[table["estimator"] == "ml"].set_index("model")
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
        how = ("full-information maximum likelihood to every answer given by" if str(ml.get("missing_data", "")).startswith("full-information")
               else "maximum likelihood to the Pearson covariances of")
        parts.append(f"A confirmatory factor analysis of {model}, fitted by {how} {int(ml['n']):,} respondents, gave {_fit_text(ml)}.")
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
