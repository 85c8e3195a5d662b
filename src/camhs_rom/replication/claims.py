"""The criteria of the published claims: one function per claim, used everywhere it is judged.

The scorecard (:mod:`camhs_rom.replication.scorecard`), the multiverse and the power
simulation (:mod:`camhs_rom.robustness`) all decide a claim by calling the function here,
so a claim cannot mean one thing in the scorecard and another in a robustness figure.

``S1-T*`` (:func:`participants_needed`, :func:`theme_voiced`)
    at least ``theme_rule.participant_share`` of the participants, from at least
    ``theme_rule.groups`` focus groups, voiced the theme, with the reported valence.
``S2-K`` (:func:`two_factors_recovered`)
    the retention rule gives ``n_factors`` factors, each intended subscale is matched by
    a factor with Tucker congruence >= ``min_congruence``, and no item loads most on
    another subscale's factor.
``S2-G+`` / ``S2-G-`` (:func:`first_higher`, :func:`directional_tests`)
    first group minus second group > 0 with Holm-adjusted p < ``alpha``.
"""

from __future__ import annotations

import math

import numpy as np

from camhs_rom.stats.two_groups import bonett_d, holm, run_test


def participants_needed(rule: dict, n_participants: int) -> int:
    """Claim S1-T*: how many of ``n_participants`` the theme rule's share means (at least one)."""
    return max(1, math.ceil(rule["participant_share"] * n_participants - 1e-9))  # 0.25 * 12 is 3, not 3.0000000001


def theme_voiced(voiced_by: int, voiced_in_groups: int, rule: dict, n_participants: int) -> bool:
    """Claim S1-T* (valence aside): voiced by enough participants from enough focus groups (``rule``: ``theme_rule``)."""
    return bool(voiced_by >= participants_needed(rule, n_participants) and voiced_in_groups >= rule["groups"])


def two_factors_recovered(n_factors: int, congruences, misplaced: int, settings: dict) -> bool:
    """Claim S2-K: the retention rule kept ``settings["n_factors"]`` factors, every intended
    subscale's matched factor has Tucker congruence >= ``settings["min_congruence"]``
    (``congruences``, NaN where no factor matched), and no item loads most on another
    subscale's factor (``misplaced`` items)."""
    congruent = all(np.isfinite(phi) and phi >= settings["min_congruence"] for phi in congruences)
    return bool(n_factors == settings["n_factors"] and misplaced == 0 and congruent)


def first_higher(difference: float, p_holm: float, alpha: float) -> bool:
    """The claim "the first group scores higher": difference > 0 and Holm-adjusted p < ``alpha``."""
    return bool(np.isfinite(p_holm) and difference > 0 and p_holm < alpha)


def directional_tests(pairs: dict, test: str, permutations: int, rngs: dict, alpha: float) -> dict:
    """Test "first group higher" for several outcomes, Holm-adjusted across them.

    ``pairs`` maps an outcome key to the two groups' scores ``(x, y)``; ``rngs`` maps it to
    the generator the permutation test draws from. Per key: ``difference``, Bonett's ``d``,
    ``d_ci_low``/``d_ci_high`` (its 95% interval), ``p`` of ``test``, ``p_holm`` across the testable keys, and
    ``supported`` (:func:`first_higher`), ``None`` where a group has fewer than two scores (not testable).
    """
    out = {}
    for key, (x, y) in pairs.items():
        cells = {"difference": np.nan, "d": np.nan, "d_ci_low": np.nan, "d_ci_high": np.nan, "p": np.nan}
        if len(x) >= 2 and len(y) >= 2:
            d, low, high = bonett_d(x, y)
            cells = {"difference": x.mean() - y.mean(), "d": d, "d_ci_low": low, "d_ci_high": high,
                     "p": run_test(x, y, test, permutations, rngs[key])[2]}
        out[key] = cells
    for key, p_holm in zip(out, holm([c["p"] for c in out.values()]), strict=True):
        out[key]["p_holm"] = p_holm
        out[key]["supported"] = first_higher(out[key]["difference"], p_holm, alpha) if np.isfinite(p_holm) else None
    return out
