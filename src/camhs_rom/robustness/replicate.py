"""The main analysis of one simulated Study 2 data set, on arrays (the power stage's inner loop).

The power simulation analyses tens of thousands of data sets of a few dozen respondents;
building the clean tables for each (as the Study 2 step does for the one real data set)
cost most of the time. Here the same analysis runs on the simulated answers as arrays,
through the same functions wherever they exist in array form:

1. keying and the questionnaire's missing-data rule (:func:`camhs_rom.ingest.survey.prorate`,
   what :func:`~camhs_rom.ingest.survey.score_items` applies);
2. the respondents with every item (:func:`camhs_rom.study2.efa.efa_data`'s rule), the
   factorability checks (:func:`camhs_rom.stats.factors.check_factorable_array`) and the
   number of factors (:func:`camhs_rom.study2.efa.pearson_factors_used`, parallel analysis's
   null drawn once per number of analysed respondents and cached);
3. the EFA (:func:`camhs_rom.stats.factors.fit_efa`), factors matched to subscales
   (:func:`~camhs_rom.stats.factors.match_factors`, :func:`~camhs_rom.stats.factors.matched_from_arrays`) and the misplaced items
   (:func:`~camhs_rom.stats.factors.flag_arrays`), judged by
   :func:`camhs_rom.replication.claims.two_factors_recovered`;
4. subscale means of the scorable respondents and the replication test with Holm's
   adjustment (:func:`camhs_rom.replication.claims.directional_tests`).

Every number equals the table route's (score_items -> efa_data -> retention -> run_efa ->
loading_flags -> subscale_scores; ``tests/test_power.py`` compares them replicate by
replicate), so the power table does not depend on which route computed it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from camhs_rom.core.errors import InputError, short_reason
from camhs_rom.core.seeding import rng_for
from camhs_rom.ingest.survey import prorate
from camhs_rom.instruments.questionnaire import Questionnaire
from camhs_rom.replication.claims import directional_tests, two_factors_recovered
from camhs_rom.replication.roles import roles_present
from camhs_rom.stats.factors import (
    MODEL_ERRORS,
    check_factorable_array,
    check_n_factors,
    fit_efa,
    flag_arrays,
    match_factors,
    matched_from_arrays,
)
from camhs_rom.study2.comparisons import compared_groups
from camhs_rom.study2.efa import pearson_factors_used

SOURCE = "<simulation>"  # the file named in a simulated data set's notes


@dataclass(frozen=True)
class AnalysisPlan:
    """What every replicate's analysis shares: the questionnaire's layout and the settings, worked out once."""

    items: list[str]
    reverse: np.ndarray  # per item: reverse-keyed
    scale_sum: float  # min + max of the answer scale (reverse keying: min + max - x)
    subscales: dict[str, np.ndarray]  # the spec's subscales, in order: their items' column numbers
    own: list[str]  # per item: its intended subscale
    target: np.ndarray  # items x intended subscales, 0/1 membership
    matched_order: list[str]  # the intended subscales in order of first appearance (the columns of ``target``)
    missing_method: str
    max_missing_share: float
    efa: dict
    replication: dict
    groups: tuple[str, str]
    present: dict
    permutations: int

    @classmethod
    def of(cls, q: Questionnaire, config: dict) -> AnalysisPlan:
        """The plan for ``q`` under ``config`` (parallel analysis with ``robustness.power.parallel_analysis_iterations``)."""
        efa = dict(config["study2"]["efa"])
        efa["parallel_analysis"] = dict(efa["parallel_analysis"], iterations=config["robustness"]["power"]["parallel_analysis_iterations"])
        intended = q.intended_subscales
        order = list(dict.fromkeys(intended.values()))
        items = q.item_ids
        return cls(
            items=items,
            reverse=np.array([item.reverse for item in q.items], dtype=bool),
            scale_sum=float(q.scale_min + q.scale_max),
            subscales={s: np.array([items.index(i.id) for i in q.items_of(s)], dtype=int) for s in q.subscales},
            own=[intended[i] for i in items],
            target=np.array([[intended[i] == s for s in order] for i in items], dtype=float),
            matched_order=order,
            missing_method=q.missing_method,
            max_missing_share=q.max_missing_share,
            efa=efa,
            replication=config["replication"],
            groups=compared_groups(q),
            present=roles_present(config["replication"], q.subscales),
            permutations=config["study2"]["comparisons"]["permutations"],
        )


def score(plan: AnalysisPlan, answers: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Keyed answers after the missing-data rule, and per subscale whether each respondent is scorable."""
    scored = answers.astype(float, copy=True)
    scored[:, plan.reverse] = plan.scale_sum - scored[:, plan.reverse]
    scorable = {}
    for subscale, cols in plan.subscales.items():
        scored[:, cols], _, scorable[subscale], _ = prorate(scored[:, cols], plan.missing_method, plan.max_missing_share)
    return scored, scorable


def subscale_means(scored: np.ndarray, cols: np.ndarray, scorable: np.ndarray) -> np.ndarray:
    """Each respondent's mean over ``cols``, NaN where not scorable.

    Summed item by item, left to right, as pandas' row mean sums (so the means equal
    :func:`camhs_rom.study2.reliability.subscale_scores` to the last bit; tested).
    """
    total = scored[:, cols[0]].copy()
    for c in cols[1:]:
        total += scored[:, c]
    return np.where(scorable, total / len(cols), np.nan)


def analyse(plan: AnalysisPlan, groups: np.ndarray, answers: np.ndarray, seed: int, null_seed: int) -> dict:
    """The main analysis of one simulated data set (``groups``: each respondent's group name or None;
    ``answers``: raw codes, respondents x items, NaN missing). ``null_seed`` seeds parallel analysis's
    random data sets (shared by a design's replicates). Returns the cells of
    :data:`camhs_rom.robustness.power.REPLICATE_COLUMNS` after ``replicate``."""
    scored, scorable = score(plan, answers)
    data = scored[~np.isnan(scored).any(axis=1)]
    out = {"n_analysed": len(data), "n_factors": np.nan, "two_factors": False, "note": ""}
    efa = plan.efa
    try:
        check_factorable_array(data, plan.items, SOURCE)
        corr = np.corrcoef(data, rowvar=False)
        n_factors = pearson_factors_used(corr, len(data), efa, null_seed)
        out["n_factors"] = n_factors
        check_n_factors(data.shape[1], n_factors)
        raw = fit_efa(None, n_factors, efa["extraction"], efa["rotation"], corr).loadings_
        names, signs, phi = match_factors(raw, plan.target, plan.matched_order)
        misplaced = flag_arrays(raw * signs, names, plan.own, efa["min_loading"], efa["cross_loading"])[4]
    except (InputError, *MODEL_ERRORS) as error:
        # a simulated study whose model cannot be fitted does not recover two factors; the note says why
        out["note"] = f"no factor analysis: {error.found if isinstance(error, InputError) else short_reason(error)}"
    else:
        phis = matched_from_arrays(names, signs, phi, plan.matched_order, plan.replication["subscales"].values())
        out["two_factors"] = two_factors_recovered(n_factors, phis, int(misplaced.sum()), plan.replication)
    known = np.array([g is not None for g in groups], dtype=bool)
    pairs = {}
    for key, subscale in plan.replication["subscales"].items():
        if key not in plan.present:  # the questionnaire has no such subscale: not testable
            pairs[key] = (np.array([]), np.array([]))
            continue
        means = subscale_means(scored, plan.subscales[subscale], scorable[subscale])
        answered = known & ~np.isnan(means)
        pairs[key] = tuple(means[answered & (groups == g)] for g in plan.groups)
    rng = rng_for(seed, "power-test")  # one stream, drawn from in subscale order
    tested = directional_tests(pairs, plan.replication["test"], plan.permutations, dict.fromkeys(pairs, rng), plan.replication["alpha"])
    for key, cells in tested.items():
        out.update({f"{key}_{name}": cells[name] for name in ("difference", "d", "p", "p_holm")})
        out[f"{key}_supported"] = bool(cells["supported"]) if key in plan.present else np.nan
    return out
