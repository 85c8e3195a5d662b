"""The evidence beside each group-difference verdict (claims S2-G+ and S2-G-), and its outcome class.

The primary verdict keeps its preregistered criterion (:mod:`camhs_rom.replication.claims`);
nothing here changes it. Beside it the scorecard shows, per claim:

``effect``, ``effect_ci_low``, ``effect_ci_high``
    Hedges' g (first group minus second) with its interval, from ``group_comparisons.csv``
    (the ``student_t`` row); ``bonett_d`` and its interval from the ``welch_t`` row.
``bayes_factor_10``
    the one-sided default (JZS) Bayes factor of "first group higher" against no difference,
    Cauchy prior scale sqrt(2)/2, on Student's t from ``group_descriptives.csv``
    (:func:`camhs_rom.stats.evidence.jzs_bayes_factor`).
``equivalence_p``
    two one-sided Welch tests against +/- ``sesoi`` pooled SDs (:func:`~camhs_rom.stats.evidence.tost`).
``multiverse_share``
    the share of the multiverse's testable specifications that support the claim.
``power_at_sesoi``
    the power of the claim's criterion to detect d = ``sesoi`` at this run's group sizes: a
    Student t test one-sided at alpha / (2 m), m the subscales Holm adjusts over (a two-sided
    p below alpha / m in the claimed direction passes Holm's strictest step, so this is a
    lower bound on the power of the Holm-adjusted criterion).
``outcome``
    following LeBel, Vanpaemel, Cheung & Campbell (2019) where the original effect is unknown:
    ``signal`` (g's interval excludes 0 in the claimed direction), ``opposite signal`` (it
    excludes 0 the other way), ``no signal`` (equivalence: the TOST p below alpha), else
    ``inconclusive``; a signal that fewer than ``fragile_share`` of the multiverse supports is
    ``signal, fragile``.
"""

from __future__ import annotations

import math

import pandas as pd

from camhs_rom.stats.evidence import jzs_bayes_factor, pooled_sd, pooled_t, power_two_sample, tost
from camhs_rom.study2.apa import number, p_value

EVIDENCE_COLUMNS = [
    "effect", "effect_ci_low", "effect_ci_high", "bonett_d", "bonett_d_ci_low", "bonett_d_ci_high",
    "bayes_factor_10", "equivalence_p", "sesoi", "multiverse_share", "power_at_sesoi", "outcome",
]
SIGNAL, OPPOSITE, NO_SIGNAL, INCONCLUSIVE, FRAGILE = "signal", "opposite signal", "no signal", "inconclusive", "signal, fragile"


def outcome_class(low: float, high: float, equivalence_p: float, alpha: float, share: float, fragile_share: float) -> str:
    """The outcome class of one claim from the effect's interval ``[low, high]``, the TOST p and the multiverse share."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return ""
    if low > 0:
        return FRAGILE if math.isfinite(share) and share < fragile_share else SIGNAL
    if high < 0:
        return OPPOSITE
    if math.isfinite(equivalence_p) and equivalence_p < alpha:
        return NO_SIGNAL
    return INCONCLUSIVE


def _row(frame: pd.DataFrame, subscale: str, test: str) -> dict | None:
    mine = frame[(frame["subscale"] == subscale) & (frame["test"] == test)]
    return mine.iloc[0].to_dict() if len(mine) else None


def holm_family(comparisons: pd.DataFrame, test: str) -> int:
    """How many subscales the claim's test is Holm-adjusted over (those with a p value)."""
    return int(comparisons.loc[comparisons["test"] == test, "p"].notna().sum())


def group_claim_evidence(claim_id: str, subscale: str, tables: dict, settings: dict) -> dict:
    """The evidence columns of one group-difference claim (NaN or empty where the data cannot give one).

    ``tables``: ``comparisons`` (group_comparisons.csv), ``descriptives`` (group_descriptives.csv) and,
    when the robustness stage ran, ``multiverse`` (multiverse_summary.csv).
    """
    out = dict.fromkeys(EVIDENCE_COLUMNS, math.nan) | {"sesoi": settings["sesoi"], "outcome": ""}
    comparisons, descriptives = tables["comparisons"], tables.get("descriptives")
    student, welch = _row(comparisons, subscale, "student_t"), _row(comparisons, subscale, "welch_t")
    if student is not None:
        out.update(effect=student["effect_size"], effect_ci_low=student["ci_low"], effect_ci_high=student["ci_high"])
    if welch is not None:
        out.update(bonett_d=welch["effect_size"], bonett_d_ci_low=welch["ci_low"], bonett_d_ci_high=welch["ci_high"])
    multiverse = tables.get("multiverse")
    if multiverse is not None and claim_id in set(multiverse["claim"]):
        mine = multiverse.set_index("claim").loc[claim_id]
        out["multiverse_share"] = float(mine["share_supported"]) if mine["testable"] else math.nan
    if student is None or descriptives is None:
        return out
    by_group = descriptives[descriptives["subscale"] == subscale].set_index("group")
    if not {student["group_1"], student["group_2"]} <= set(by_group.index):
        return out
    first, second = by_group.loc[student["group_1"]], by_group.loc[student["group_2"]]
    n1, n2 = int(first["n"]), int(second["n"])
    if n1 >= 2 and n2 >= 2 and first["sd"] + second["sd"] > 0:
        m1, s1, m2, s2 = (float(v) for v in (first["mean"], first["sd"], second["mean"], second["sd"]))
        out["bayes_factor_10"] = jzs_bayes_factor(pooled_t(m1, s1, n1, m2, s2, n2), n1, n2)
        out["equivalence_p"] = tost(m1 - m2, s1, n1, s2, n2, settings["sesoi"] * pooled_sd(s1, n1, s2, n2))[2]
        m = max(1, holm_family(comparisons, settings["test"]))
        out["power_at_sesoi"] = power_two_sample(settings["sesoi"], n1, n2, settings["alpha"] / (2 * m), "greater")
    out["outcome"] = outcome_class(out["effect_ci_low"], out["effect_ci_high"], out["equivalence_p"], settings["alpha"],
                                   out["multiverse_share"], settings["fragile_share"])
    return out


def bayes_factor_words(bf: float) -> str:
    """Lee & Wagenmakers' (2013) labels of a Bayes factor, for the claimed direction against no difference."""
    if not math.isfinite(bf):
        return "no Bayes factor"
    strength = next(word for limit, word in ((100, "extreme"), (30, "very strong"), (10, "strong"), (3, "moderate"), (1, "anecdotal"))
                    if max(bf, 1 / bf) >= limit)
    if 1 / 3 < bf < 3:
        return f"BF\u2081\u2080 = {bf:.2f}: anecdotal, the data barely tell the claim from no difference"
    side = "for the claimed direction" if bf > 1 else "for no difference over the claimed direction"
    return f"BF\u2081\u2080 = {bf:.2f}: {strength} evidence {side}"


def evidence_in_words(row: dict, groups: tuple[str, str] = ("the first group", "the second group")) -> str:
    """One paragraph a reader understands: what the evidence beside a group claim's verdict says."""
    if not row.get("outcome"):
        return "No evidence beyond the verdict: the effect is undefined on these data."
    sesoi = number(row["sesoi"])
    parts = [f"Hedges' g = {number(row['effect'])}, 95% CI [{number(row['effect_ci_low'])}, {number(row['effect_ci_high'])}]"]
    outcome = row["outcome"]
    meaning = {
        SIGNAL: f"the interval excludes zero: {groups[0]} score higher (a signal)",
        FRAGILE: (f"the interval excludes zero (a signal), but fewer than {row.get('fragile_share', 0.5):.0%} of the multiverse's "
                  "specifications support the claim: a fragile signal"),
        OPPOSITE: f"the interval excludes zero the other way: {groups[1]} score higher",
        NO_SIGNAL: f"the difference lies within \u00b1{sesoi} (equivalence): no signal",
        INCONCLUSIVE: f"the interval includes zero and is wider than \u00b1{sesoi}: inconclusive",
    }[outcome]
    parts.append(meaning)
    parts.append(bayes_factor_words(row["bayes_factor_10"]))
    if math.isfinite(row["equivalence_p"]):
        parts.append(f"equivalence to zero within \u00b1{sesoi} {'shown' if outcome == NO_SIGNAL else 'not shown'} (two one-sided tests, {p_value(row['equivalence_p'])})")
    if math.isfinite(row["multiverse_share"]):
        parts.append(f"{row['multiverse_share']:.1%} of the multiverse's specifications support the claim")
    if math.isfinite(row["power_at_sesoi"]):
        parts.append(f"power to detect g = {sesoi} at this n: {number(row['power_at_sesoi'], 2, False)}")
    return "; ".join(parts) + "."
