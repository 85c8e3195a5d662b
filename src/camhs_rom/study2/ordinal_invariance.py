"""Invariance between the compared groups with the answers as ordered categories: the WLSMV rows of ``invariance.csv``.

Three levels (Wu & Estabrook, 2016; :mod:`camhs_rom.stats.ordinal_invariance`): ``configural``,
``thresholds`` (equal thresholds) and ``thresholds_loadings`` (equal thresholds and loadings),
fitted to the respondents who answered every item, each with its scaled-and-shifted test and
the fit indices of it (``chisq_scaled``, ``cfi_scaled``, ...), and each level against the one
above it by the scaled-and-shifted difference test (``delta_chisq``, ``delta_df``,
``delta_p``: lavaan's ``lavTestLRT(method = "satorra.2000")``) and the change in scaled CFI
and RMSEA. A level holds by the rule the ML levels use (``study2.measurement``): the
configural model fits acceptably, each constraint costs no more than ``delta_cfi`` of CFI and
``delta_rmsea`` of RMSEA. When the run treats the answers as ordinal
(``study2.efa.correlation: polychoric``) the measurement paragraph's verdict is read from
these rows (:func:`ordinal_verdict`).
"""

from __future__ import annotations

import logging

import pandas as pd

from camhs_rom.instruments.questionnaire import Questionnaire
from camhs_rom.stats.categorical_cfa import ordinal_moments
from camhs_rom.stats.factors import MODEL_ERRORS
from camhs_rom.stats.ordinal_invariance import ORDINAL_LEVELS, check_categories, fit_ordinal_level, satorra_2000
from camhs_rom.study2.apa import number, p_value
from camhs_rom.study2.measurement import INVARIANCE_COLUMNS, level_holds, model_clusters, not_fitted_rows

log = logging.getLogger(__name__)

ORDINAL_CONSTRAINTS = {"configural": "none (same pattern)", "thresholds": "thresholds", "thresholds_loadings": "thresholds, loadings"}
ANSWERED = "respondents who answered every item"


def ordinal_invariance(q: Questionnaire, codes: pd.DataFrame, group: pd.Series, groups: tuple[str, str], settings: dict) -> pd.DataFrame:
    """The WLSMV rows of ``invariance.csv`` (``codes``: keyed answer codes, NaN unanswered; ``group``: each row's group)."""
    clusters, why = model_clusters(q)
    answered = codes.notna().all(axis=1)
    members = [(group.eq(g).fillna(False) & answered).to_numpy(dtype=bool) for g in groups]
    sizes = [int(m.sum()) for m in members]
    base = {"estimator": "wlsmv", "missing_data": ANSWERED, "group_1": groups[0], "group_2": groups[1], "n_1": sizes[0], "n_2": sizes[1]}

    if clusters is None:
        return not_fitted_rows(ORDINAL_CONSTRAINTS, base, why)
    items = list(clusters.items)
    try:
        answers = [codes.loc[m, items] for m in members]
        check_categories(items, answers, groups)
        moments = [ordinal_moments(frame, full=True) for frame in answers]
    except MODEL_ERRORS as error:
        log.info("ordinal invariance not fitted: %s", error)
        return not_fitted_rows(ORDINAL_CONSTRAINTS, base, str(error)[:200])
    rows, previous = [], None
    for level in ORDINAL_LEVELS:
        row = {"model": level, "constraints": ORDINAL_CONSTRAINTS[level], **base}
        try:
            fit = fit_ordinal_level(clusters, moments, level)
        except MODEL_ERRORS as error:
            rows.append({**row, "note": f"not fitted: {str(error)[:160]}"})
            previous = None
            continue
        row.update(chisq=fit.chisq, df=fit.df, chisq_scaled=fit.chisq_scaled, pvalue_scaled=fit.pvalue_scaled, cfi_scaled=fit.cfi_scaled,
                   tli_scaled=fit.tli_scaled, rmsea_scaled=fit.rmsea_scaled)
        if level == "configural":
            row["holds"] = level_holds(None, fit.cfi_scaled, fit.rmsea_scaled, settings)
        elif previous is not None:
            t, df, p = satorra_2000(fit, previous)
            d_cfi, d_rmsea = fit.cfi_scaled - previous.cfi_scaled, fit.rmsea_scaled - previous.rmsea_scaled
            row.update(delta_chisq=t, delta_df=df, delta_p=p, delta_cfi=d_cfi, delta_rmsea=d_rmsea)
            row["holds"] = level_holds(rows[-1], d_cfi, d_rmsea, settings)
        row["note"] = "" if fit.converged else "the optimiser did not converge"
        rows.append(row)
        previous = fit
    return pd.DataFrame(rows).reindex(columns=INVARIANCE_COLUMNS)


def ordinal_verdict(table: pd.DataFrame, settings: dict) -> str:
    """Which ordinal level holds and what it allows, in one or two sentences (from the WLSMV rows)."""
    rows = table[table["estimator"] == "wlsmv"].set_index("model")
    holds = {m: str(rows.loc[m, "holds"]) == "True" for m in ORDINAL_LEVELS}
    configural = rows.loc["configural"]
    if pd.isna(configural["chisq"]):
        return f"With the answers as ordinal, the configural model could not be fitted ({configural['note'].removeprefix('not fitted: ')}), so invariance was not tested."
    if not holds["configural"]:
        text = (f"With the answers as ordinal, the configural model fitted poorly (scaled CFI = {number(configural['cfi_scaled'], 2, False)}, "
                f"RMSEA = {number(configural['rmsea_scaled'], 2, False)}), so equal thresholds and loadings cannot be established on top of it.")
    else:
        def test(level):
            r = rows.loc[level]
            return f"scaled \u0394\u03c7\u00b2({int(r['delta_df'])}) = {number(r['delta_chisq'], 2)}, {p_value(r['delta_p'])}, \u0394CFI = {number(r['delta_cfi'], 3, False)}"
        if holds["thresholds_loadings"]:
            text = (f"With the answers as ordinal (WLSMV, Wu & Estabrook, 2016), equal thresholds ({test('thresholds')}) and equal loadings "
                    f"({test('thresholds_loadings')}) held: the items relate to the latent responses alike in both groups; comparing the "
                    "groups' latent means would also need equal intercepts, which is not tested here.")
        elif holds["thresholds"]:
            text = (f"With the answers as ordinal (WLSMV, Wu & Estabrook, 2016), equal thresholds held ({test('thresholds')}) but equal loadings "
                    f"did not ({test('thresholds_loadings')}): the groups' subscale means are not shown to be comparable.")
        else:
            text = (f"With the answers as ordinal (WLSMV, Wu & Estabrook, 2016), equal thresholds did not hold ({test('thresholds')}): "
                    "the groups answer the items on different terms, and their subscale means are not shown to be comparable.")
    n = min(int(configural["n_1"]), int(configural["n_2"]))
    if n < settings["advised_group_n"]:
        text += f" With {int(configural['n_1'])} and {int(configural['n_2'])} respondents per group (fewer than {settings['advised_group_n']}), these tests have little power; read them as descriptive."
    return text


__all__ = ["ORDINAL_CONSTRAINTS", "ordinal_invariance", "ordinal_verdict"]
