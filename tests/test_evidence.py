"""The evidence beside a group-difference verdict (camhs_rom.stats.evidence) against R.

Known answers: tests/fixtures/evidence/reference.json, made by reference.R beside it
(BayesFactor 0.9.12-4.4 and pwr 1.3-0 under R 4.2.2) on tests/fixtures/comparisons/scores.csv
and on grids of t statistics and group sizes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from camhs_rom.stats.evidence import effect_for_power, jzs_bayes_factor, n_per_group_for_power, pooled_t, power_two_sample, tost

FIXTURES = Path(__file__).parent / "fixtures"
REF = json.loads((FIXTURES / "evidence" / "reference.json").read_text())
SCORES = pd.read_csv(FIXTURES / "comparisons" / "scores.csv")
USERS = SCORES.loc[SCORES["group"] == "user", "score"].to_numpy()
OTHERS = SCORES.loc[SCORES["group"] == "non_user", "score"].to_numpy()


def summary(x):
    return x.mean(), x.std(ddof=1), len(x)


def raw_t():
    (m1, s1, n1), (m2, s2, n2) = summary(USERS), summary(OTHERS)
    return pooled_t(m1, s1, n1, m2, s2, n2), n1, n2


def test_pooled_t_is_students_t():
    t, _, _ = raw_t()
    assert t == pytest.approx(stats.ttest_ind(USERS, OTHERS).statistic, rel=1e-12)


@pytest.mark.parametrize(
    ("key", "interval", "r"),
    [("greater", (0, math.inf), math.sqrt(2) / 2), ("less", (-math.inf, 0), math.sqrt(2) / 2),
     ("two_sided", (-math.inf, math.inf), math.sqrt(2) / 2), ("wide", (0, math.inf), 1.0)],
)
def test_bayes_factor_on_raw_scores_matches_bayesfactor(key, interval, r):
    """ttestBF on the fixture's scores; relative tolerance 1e-4 (BayesFactor integrates numerically too)."""
    t, n1, n2 = raw_t()
    assert jzs_bayes_factor(t, n1, n2, r, interval) == pytest.approx(REF["raw"][key], rel=1e-4)


@pytest.mark.parametrize("row", REF["grid"], ids=lambda r: f"t{r['t']}-n{r['n1']}-{r['n2']}")
def test_bayes_factor_grid_matches_ttest_tstat(row):
    """One-sided and two-sided factors over t from -2.5 to 4.5 and groups of 8 to 400; relative tolerance 1e-4."""
    assert jzs_bayes_factor(row["t"], row["n1"], row["n2"]) == pytest.approx(row["bf_greater"], rel=1e-4)
    assert jzs_bayes_factor(row["t"], row["n1"], row["n2"], interval=(-math.inf, math.inf)) == pytest.approx(row["bf_two_sided"], rel=1e-4)


def test_bayes_factor_undefined_for_a_group_of_one():
    assert math.isnan(jzs_bayes_factor(2.0, 1, 20))
    assert math.isnan(jzs_bayes_factor(math.nan, 10, 20))


@pytest.mark.parametrize("case", REF["tost"], ids=lambda c: f"bound{c['bound']}")
def test_tost_matches_two_welch_t_tests_in_r(case):
    """Two one-sided t.test(var.equal = FALSE) calls; absolute tolerance 1e-10."""
    (m1, s1, n1), (m2, s2, n2) = summary(USERS), summary(OTHERS)
    p_lower, p_upper, p = tost(m1 - m2, s1, n1, s2, n2, case["bound"])
    assert p_lower == pytest.approx(case["p_lower"], abs=1e-10)
    assert p_upper == pytest.approx(case["p_upper"], abs=1e-10)
    assert p == max(p_lower, p_upper)


def test_tost_is_the_ninety_percent_interval_inside_the_bounds():
    """Equivalence at alpha = .05 exactly when Welch's 90% interval lies inside +/- bound."""
    (m1, s1, n1), (m2, s2, n2) = summary(USERS), summary(OTHERS)
    low, high = stats.ttest_ind(USERS, OTHERS, equal_var=False).confidence_interval(0.90)
    for bound in np.linspace(0.05, 2, 40):
        assert (tost(m1 - m2, s1, n1, s2, n2, bound)[2] < 0.05) == (-bound < low and high < bound)
    assert all(math.isnan(v) for v in tost(0.3, 1.0, 1, 1.0, 10, 0.5))


@pytest.mark.parametrize("row", REF["power"], ids=lambda r: f"d{r['d']}-n{r['n1']}-{r['n2']}-a{r['alpha']}")
def test_power_matches_pwr(row):
    """pwr.t2n.test, one-sided and two-sided; absolute tolerance 1e-6."""
    args = (row["d"], row["n1"], row["n2"], row["alpha"])
    assert power_two_sample(*args, "greater") == pytest.approx(row["greater"], abs=1e-6)
    assert power_two_sample(*args, "two-sided") == pytest.approx(row["two_sided"], abs=1e-6)


def test_power_agrees_with_a_simulated_t_test():
    """20,000 seeded simulated studies at d = 0.4, 21 + 37: within 4 Monte Carlo SE of the analytic power."""
    rng = np.random.default_rng(2015)
    x = rng.normal(0.4, 1, (20_000, 21))
    y = rng.normal(0, 1, (20_000, 37))
    p = stats.ttest_ind(x, y, axis=1, alternative="greater").pvalue
    simulated, exact = (p < 0.0125).mean(), power_two_sample(0.4, 21, 37, 0.0125)
    assert abs(simulated - exact) < 4 * math.sqrt(exact * (1 - exact) / 20_000)


def test_small_telescopes_default_sesoi():
    """d33 of the 2015 study's 59 respondents split 29 + 30 (pwr's uniroot stops at 1e-4): the config's sesoi of 0.40."""
    assert effect_for_power(29, 30, 1 / 3) == pytest.approx(REF["d33"], abs=1e-4)
    assert round(REF["d33"], 2) == 0.40


def test_sample_size_for_power():
    """The smallest equal groups reaching 80% (pwr.t.test's n, rounded up), and the next size down falls short."""
    n1, n2 = n_per_group_for_power(0.4, 0.8, 0.0125)
    assert n1 == n2 == math.ceil(REF["n80_d04_alpha0125"])
    assert power_two_sample(0.4, n1 - 1, n1 - 1, 0.0125) < 0.8 <= power_two_sample(0.4, n1, n1, 0.0125)
    assert n_per_group_for_power(0.0, 0.8) == (0, 0)
    n1, n2 = n_per_group_for_power(0.5, 0.8, 0.05, ratio=2.0)
    assert n2 == math.ceil(2 * n1) and power_two_sample(0.5, n1, n2, 0.05) >= 0.8
