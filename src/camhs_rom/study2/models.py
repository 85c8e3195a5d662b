"""Study 2 adjusted models (statsmodels), as tidy coefficient tables.

``ols_hc3``
    ``subscale ~ group + covariates`` by OLS with HC3 heteroscedasticity-consistent
    standard errors (MacKinnon & White, 1985), one model per subscale. Text covariates
    (team, profession) enter as treatment-coded categories, numeric ones (years
    qualified) as linear terms. The group term is coded so its coefficient is *first
    group minus second group* in the spec's order.
``mixed_team``
    The same fixed effects without the spec's cluster column (``cluster:``, the team in the
    default spec), with a random intercept per cluster (REML), fitted
    only when there are at least ``min_teams`` clusters: with fewer, the between-cluster
    variance cannot be estimated and the model is skipped, with the reason in
    ``model_notes.csv`` and the log.
``ordinal_frequency``
    Ordinal logistic regression (proportional odds) of the frequency-of-use level on the
    subscale scores (statsmodels ``OrderedModel``); coefficients are log odds of a higher
    frequency per scale point; thresholds are listed as ``threshold k|k+1``.

A covariate with a single observed level is dropped from the models, with a note.
Columns of ``adjusted_models.csv``: model, outcome, term, estimate, se, statistic, p,
ci_low, ci_high, n, note.
"""

from __future__ import annotations

import logging
import re
import warnings

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from statsmodels.miscmodels.ordinal_model import OrderedModel

from camhs_rom.instruments.questionnaire import Questionnaire
from camhs_rom.study2.comparisons import compared_groups

log = logging.getLogger(__name__)


MODEL_COLUMNS = ["model", "outcome", "term", "estimate", "se", "statistic", "p", "ci_low", "ci_high", "n", "note"]


def _safe(name: str) -> str:
    return re.sub(r"\W", "_", name)


def usable_covariates(data: pd.DataFrame, q: Questionnaire, notes: list) -> list[str]:
    """Covariates with at least two observed values (others are noted and left out)."""
    keep = []
    for column in q.covariates:
        values = data[column].dropna().unique().tolist()
        if len(values) < 2:
            what = f"one value ({values[0]!r})" if values else "no value (every cell blank)"
            notes.append(["all", "all", f"covariate {column!r} has {what}; left out of the models"])
            log.info("covariate %s has %s; left out", column, what)
        else:
            keep.append(column)
    return keep


def _design(scores: pd.DataFrame, q: Questionnaire, outcome: str, covariates: list[str]) -> tuple[pd.DataFrame, str]:
    first, second = compared_groups(q)
    data = scores[scores["group"].isin([first, second])].copy()
    data["group_effect"] = (data["group"] == first).astype(float)
    columns = ["group_effect", *covariates]
    data = data.dropna(subset=[outcome, *columns])
    terms = ["group_effect"]
    for c in covariates:
        categorical = c == q.cluster_column or not pd.api.types.is_numeric_dtype(data[c])  # a cluster is a label, even when coded 1, 2, ...
        terms.append(f"C({_safe(c)})" if categorical else _safe(c))
    data = data.rename(columns={c: _safe(c) for c in covariates} | {outcome: _safe(outcome)})
    return data, f"{_safe(outcome)} ~ " + " + ".join(terms)


def _tidy(result, model: str, outcome: str, n: int, rename: dict, note: str = "") -> list[list]:
    conf = result.conf_int()
    rows = []
    for term in result.params.index:
        rows.append(
            [model, outcome, rename.get(term, term), result.params[term], result.bse[term], result.tvalues[term], result.pvalues[term], conf.loc[term, 0], conf.loc[term, 1], n, note]
        )
    return rows


def adjusted_models(scores: pd.DataFrame, q: Questionnaire, min_teams: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All adjusted models as one tidy table, and the notes on what was left out and why."""
    notes: list[list] = []
    first, second = compared_groups(q)
    rename = {"group_effect": f"group: {first} - {second}"}
    covariates = usable_covariates(scores, q, notes)
    rows = []
    for subscale in q.subscales:
        data, formula = _design(scores, q, subscale, covariates)
        fit = smf.ols(formula, data=data).fit(cov_type="HC3")
        rows += _tidy(fit, "ols_hc3", subscale, int(fit.nobs), rename)
        cluster = q.cluster_column
        if cluster is None or cluster not in covariates:
            why = "the questionnaire spec names no cluster column (cluster:)" if cluster is None else f"the cluster column {cluster!r} has one level"
            notes.append(["mixed_team", subscale, f"{why}: no random intercept to fit"])
            continue
        n_clusters = data[_safe(cluster)].nunique()
        if n_clusters < min_teams:
            notes.append(["mixed_team", subscale, f"{n_clusters} {cluster}s, fewer than study2.comparisons.min_teams = {min_teams}: a {cluster} variance cannot be estimated; see ols_hc3 ({cluster} as a fixed effect)"])
            log.info("mixed model for %s skipped: %d %s values", subscale, n_clusters, cluster)
            continue
        fixed = formula.replace(f" + C({_safe(cluster)})", "")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            mixed = smf.mixedlm(fixed, data=data, groups=data[_safe(cluster)]).fit(reml=True)
        note = "; ".join(sorted({str(w.message).splitlines()[0] for w in caught}))
        rows += _tidy(mixed, "mixed_team", subscale, int(mixed.nobs), rename | {"Group Var": f"{cluster} variance"}, note)
    if q.frequency_column:
        rows += ordinal_frequency(scores, q, notes)
    table = pd.DataFrame(rows, columns=MODEL_COLUMNS)
    return table, pd.DataFrame(notes, columns=["model", "outcome", "note"])


def ordinal_frequency(scores: pd.DataFrame, q: Questionnaire, notes: list) -> list[list]:
    """Proportional-odds regression of frequency of use on the subscale scores."""
    predictors = [_safe(s) for s in q.subscales]
    data = scores.rename(columns={s: _safe(s) for s in q.subscales}).dropna(subset=["frequency_code", *predictors])
    observed = sorted(data["frequency_code"].astype(int).unique())
    if len(observed) < 2:
        notes.append(["ordinal_frequency", "frequency", "fewer than two frequency levels observed: nothing to model"])
        return []
    levels = [q.frequency_levels[c - 1] for c in observed]
    endog = pd.Series(pd.Categorical(data["frequency_code"].astype(int), categories=observed, ordered=True), index=data.index)
    model = OrderedModel(endog, data[predictors], distr="logit")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = model.fit(method="bfgs", disp=False, maxiter=2000)
    rename = {p: s for p, s in zip(predictors, q.subscales, strict=True)}
    k = len(predictors)
    for j, name in enumerate(result.params.index[k:]):
        rename[name] = f"threshold {levels[j]}|{levels[j + 1]}"
    note = "" if result.mle_retvals.get("converged", True) else "optimiser did not converge"
    rows = _tidy(result, "ordinal_frequency", "frequency", int(result.nobs), rename, note)
    # statsmodels parameterises thresholds after the first as log increments; report the cut points
    cuts = model.transform_threshold_params(result.params.to_numpy()[k:])[1:-1]
    for row, cut in zip(rows[k:], cuts, strict=True):
        row[3] = cut
        row[4:9] = [np.nan] * 5
        row[10] = "cut point on the logit scale (statsmodels estimates increments)"
    return rows
