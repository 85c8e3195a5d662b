"""Power and sensitivity of Study 2, by simulation from the calibrated synthetic model.

Each replicate draws a data set from the synthetic generator
(:func:`camhs_rom.synthetic.study2.simulate_study2`, the ``synthetic.study2`` settings with
the design's sample size and user shift), scores it with the questionnaire spec's own
missing-data rule (:func:`camhs_rom.ingest.survey.score_items`) and runs the main analysis
on it with the config's settings: the retention rule (:func:`camhs_rom.study2.efa.retention`,
parallel analysis with ``parallel_analysis_iterations`` random data sets), the EFA
(:func:`camhs_rom.stats.factors.run_efa`), subscale scores
(:func:`camhs_rom.study2.reliability.subscale_scores`) and the replication test
(:func:`camhs_rom.stats.two_groups.run_test`, Holm across the subscales). Per replicate it
records whether claim S2-K holds (two factors recovered, judged by
:func:`camhs_rom.replication.claims.two_factors_recovered`, as the scorecard and the
multiverse judge it) and, per subscale, the difference, Bonett's d, p, Holm-adjusted p and
whether the claim "users > non-users" holds
(:func:`camhs_rom.replication.claims.directional_tests`).

Designs (``robustness.power``):

``sample_size``
    each of ``sample_sizes`` at the calibrated user shifts: power against n.
``effect``
    each latent shift in ``shifts`` (both subscales) at ``reference_n``: the sensitivity
    curve, from which the minimum detectable latent shift is interpolated where power
    crosses ``target_power``.

Replicate ``r`` of a design draws from its own generator, seeded by the config seed, the
design and ``r``; parallel analysis's random data sets are seeded by the design, so the
replicates of a design share one null distribution per number of analysed respondents,
drawn once per job. All designs' replicates, in order, are split into ``jobs`` contiguous
parts, one Snakemake job each, so the results are the same whichever way they are split or
scheduled.

The analytic minimum detectable standardised difference at ``reference_n`` (statsmodels'
``TTestIndPower`` for the expected group sizes of the generator, two-sided, at ``alpha``
and at ``alpha / 2``, the first step of Holm's procedure over two subscales) is reported
beside the simulated curve.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from camhs_rom.core.errors import InputError
from camhs_rom.core.seeding import rng_for
from camhs_rom.instruments.questionnaire import Questionnaire
from camhs_rom.robustness.fitted import FittedModel, draw_fitted
from camhs_rom.robustness.plan import chunk, designs, simulated_studies
from camhs_rom.robustness.replicate import AnalysisPlan, analyse
from camhs_rom.stats.proportions import wilson_interval
from camhs_rom.synthetic.study2 import allocate, draw_study2

log = logging.getLogger(__name__)


REPLICATE_COLUMNS = [
    "design", "kind", "n", "shift", "replicate", "n_analysed", "n_factors", "two_factors",
    *[f"{key}_{name}" for key in ("positive", "negative") for name in ("difference", "d", "p", "p_holm", "supported")],
    "note",
]


def replicate_seed(seed: int, design: str, replicate: int) -> int:
    """The seed of one replicate, from the config seed, the design and the replicate number."""
    return int(rng_for(seed, f"power-{design}-{replicate}").integers(2**62))


def simulated_coded(frame: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """A simulated data set as the clean ``responses_coded`` table (groups mapped, answers as codes).

    The table route of a simulated study, as the Study 2 step would read it from a file; the
    simulation itself analyses the draws as arrays (:mod:`camhs_rom.robustness.replicate`), and
    the tests compare the two routes replicate by replicate.
    """
    owner = {str(v): group for group, values in q.group_levels.items() for v in values}
    coded = pd.DataFrame({"respondent_id": frame[q.id_column], "source_row": np.arange(2, len(frame) + 2).astype(str)})
    coded["group"] = frame[q.group_column].astype(str).map(owner).astype("string")
    if q.frequency_column:
        coded["frequency"] = frame[q.frequency_column]
        coded["frequency_code"] = frame[q.frequency_column].map({lv: k + 1 for k, lv in enumerate(q.frequency_levels)})
    for col in q.item_ids:
        coded[col] = frame[col]
    for col in q.covariates:  # the simulated analysis does not use covariates: those the generator does not make stay empty
        coded[col] = frame[col] if col in frame.columns else pd.NA
    return coded


def design_null_seed(seed: int, design: str) -> int:
    """The seed of a design's parallel-analysis null distribution (shared by its replicates)."""
    return int(rng_for(seed, f"power-{design}-parallel-analysis").integers(2**62))


def run_power_part(q: Questionnaire, config: dict, index: int, parts: int, model: FittedModel | None = None) -> pd.DataFrame:
    """The ``index``-th (1-based) of ``parts`` contiguous slices of the simulated studies (one Snakemake job;
    :func:`~camhs_rom.robustness.plan.simulated_studies`).

    Each replicate is seeded by the config seed, its design and its number, so the rows are
    the same however the plan is split.
    """
    todo = simulated_studies(config["robustness"]["power"])
    rows = [todo[k] for k in chunk(len(todo), index, parts)]
    frames = []
    for design in dict.fromkeys(d for d, _ in rows):
        mine = [r for d, r in rows if d == design]
        frames.append(run_replicates(q, config, design, range(mine[0], mine[-1] + 1), model))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=REPLICATE_COLUMNS)


def run_replicates(q: Questionnaire, config: dict, design: str, replicates: range, model: FittedModel | None = None) -> pd.DataFrame:
    """Replicates ``replicates`` of one design (rows of :data:`REPLICATE_COLUMNS`).

    Data sets are drawn from the calibrated synthetic generator, or, when ``model`` is
    given, from the model fitted to the team's own data (:mod:`camhs_rom.robustness.fitted`).
    """
    settings = config["robustness"]["power"]
    table = designs(settings).set_index("design")
    if design not in table.index:
        raise InputError("config", "robustness.power", f"no design {design!r}", f"one of {', '.join(table.index)}")
    row = table.loc[design]
    if model is None:
        synthetic = dict(config["synthetic"]["study2"], n_respondents=int(row["n"]), n_items=None)
        if np.isfinite(row["shift"]):
            synthetic["user_shift"] = {s: float(row["shift"]) for s in q.subscales}
    null_seed = design_null_seed(config["seed"], design)
    plan = AnalysisPlan.of(q, config)
    first, second = plan.groups
    rows = []
    for r in replicates:
        seed = replicate_seed(config["seed"], design, r)
        if model is None:
            draw = draw_study2(q, synthetic, seed)
            groups, answers = np.where(draw.is_user, first, second).astype(object), draw.answers
        else:
            groups, answers = draw_fitted(model, q, int(row["n"]), float(row["shift"]), rng_for(seed, "power-fitted-data"))
        rows.append({"design": design, "kind": row["kind"], "n": int(row["n"]), "shift": row["shift"], "replicate": r,
                     **analyse(plan, groups, answers, seed, null_seed)})
    return pd.DataFrame(rows, columns=REPLICATE_COLUMNS)


def _rate(flags: pd.Series, level: float = 0.95) -> tuple[float, float, float, float]:
    """Proportion, Monte Carlo standard error and Wilson interval of a 0/1 series."""
    k, n = int(flags.sum()), len(flags)
    low, high = wilson_interval(k, n, level)
    p = k / n
    return p, float(np.sqrt(p * (1 - p) / n)), float(low), float(high)


def summarise(replicates: pd.DataFrame, subscales: dict, two_factors: bool = True) -> pd.DataFrame:
    """One row per design and quantity: ``two_factors`` (unless ``two_factors`` is False: the
    questionnaire lacks an intended subscale) and ``users_higher_<key>`` for the roles in
    ``subscales``, with MC SE and Wilson CI."""
    rows = []
    for design, group in replicates.groupby("design", sort=True):
        first = group.iloc[0]
        quantities = {"two_factors": group["two_factors"].astype(bool)} if two_factors else {}
        quantities.update({f"users_higher_{key}": group[f"{key}_supported"].astype(bool) for key in subscales})
        for name, flags in quantities.items():
            rate, se, low, high = _rate(flags)
            key = name.removeprefix("users_higher_")
            mean_d = group[f"{key}_d"].mean() if name != "two_factors" else np.nan
            rows.append([design, first["kind"], int(first["n"]), first["shift"], name, len(group), rate, se, low, high, mean_d])
    return pd.DataFrame(rows, columns=["design", "kind", "n", "shift", "quantity", "replicates", "rate", "mc_se", "ci_low", "ci_high", "mean_observed_d"])


def expected_group_sizes(synthetic: dict, q: Questionnaire, n: int) -> tuple[float, float]:
    """Expected numbers of the first and second group at size ``n`` under the generator's settings."""
    if not q.frequency_column:
        return 0.35 * n, 0.65 * n
    counts = allocate({lv: synthetic["frequency_weights"][lv] for lv in q.frequency_levels}, n)
    users = sum(counts[lv] * synthetic["p_user_by_frequency"][lv] for lv in q.frequency_levels)
    return users, n - users


def minimum_detectable(summary: pd.DataFrame, settings: dict, group_sizes: tuple[float, float], alpha: float, subscales: dict) -> pd.DataFrame:
    """Minimum detectable effects at ``reference_n``: simulated latent shift and analytic d
    (``group_sizes``: the expected sizes of the two groups at ``reference_n``)."""
    from statsmodels.stats.power import TTestIndPower  # only the gather job needs it

    target, n = settings["target_power"], settings["reference_n"]
    rows = []
    effect = summary[summary["kind"] == "effect"]
    for key in subscales:
        curve = effect[effect["quantity"] == f"users_higher_{key}"].sort_values("shift")
        shift = d = np.nan
        above = np.flatnonzero(curve["rate"].to_numpy() >= target)
        if len(above) and above[0] > 0:
            k = above[0]
            lo, hi = curve.iloc[k - 1], curve.iloc[k]
            w = (target - lo["rate"]) / (hi["rate"] - lo["rate"])
            shift = lo["shift"] + w * (hi["shift"] - lo["shift"])
            d = lo["mean_observed_d"] + w * (hi["mean_observed_d"] - lo["mean_observed_d"])
        elif len(above):
            shift, d = curve.iloc[0]["shift"], curve.iloc[0]["mean_observed_d"]
        note = "" if len(above) else f"power stays below {target:g} over the shifts simulated"
        rows.append([key, "simulation", n, target, alpha, shift, d, note])
    n1, n2 = group_sizes
    for level, words in ((alpha, "two-sided t test"), (alpha / 2, "two-sided t test at alpha/2 (Holm's first step over two subscales)")):
        d = TTestIndPower().solve_power(effect_size=None, nobs1=n1, ratio=n2 / n1, alpha=level, power=target, alternative="two-sided")
        rows.append(["any", "analytic", n, target, level, np.nan, float(d), f"{words}; expected groups {n1:.1f} and {n2:.1f}"])
    return pd.DataFrame(rows, columns=["subscale", "method", "n", "power", "alpha", "latent_shift", "observed_d", "note"])


def statements(power: pd.DataFrame, mde: pd.DataFrame, settings: dict, subscales: dict, groups: tuple[str, str] = ("users", "non-users")) -> list[str]:
    """Plain sentences on power at the reference size, the size reaching the target, and the minimum detectable effect
    (``groups``: the compared groups' labels, first and second)."""
    n, target = settings["reference_n"], settings["target_power"]
    sizes = power[power["kind"] == "sample_size"]
    lines = []
    at = sizes[sizes["n"] == n]
    for key in (*[f"users_higher_{k}" for k in subscales], "two_factors"):
        what = "two factors recovered" if key == "two_factors" else f"{groups[0]} > {groups[1]} on {subscales[key.removeprefix('users_higher_')]}"
        rows = sizes[sizes["quantity"] == key].sort_values("n")
        if rows.empty:
            continue
        reach = rows.loc[rows["rate"] >= target, "n"]
        reached = f"first reaches {target:g} at n = {int(reach.iloc[0])} of the sizes simulated" if len(reach) else f"stays below {target:g} up to n = {int(rows['n'].max())}"
        here = at[at["quantity"] == key]
        now = f"{here['rate'].iloc[0]:.2f} (MC SE {here['mc_se'].iloc[0]:.2f}, {int(here['replicates'].iloc[0])} replicates) at n = {n}; " if len(here) else ""
        lines.append(f"**{what}**: {now}{reached}.")
    for row in mde[mde["method"] == "simulation"].itertuples(index=False):
        if np.isfinite(row.latent_shift):
            lines.append(
                f"Minimum detectable effect at n = {n}, {subscales[row.subscale]}: a latent shift of {row.latent_shift:.2f} SD "
                f"(observed Bonett's d about {row.observed_d:.2f}) gives power {target:g}."
            )
        else:
            lines.append(f"Minimum detectable effect at n = {n}, {subscales[row.subscale]}: {row.note}.")
    analytic = mde[mde["method"] == "analytic"]
    if len(analytic):
        parts = [f"d = {r.observed_d:.2f} at alpha {r.alpha:g}" for r in analytic.itertuples(index=False)]
        lines.append(f"Analytic minimum detectable standardised difference (two-sided t test, expected group sizes): {'; '.join(parts)}.")
    return lines
