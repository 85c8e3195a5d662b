"""Random-effects meta-analysis (camhs_rom.stats.meta) against R's metafor.

Known answers: ``tests/fixtures/metafor/reference.R`` (metafor 3.8-1, R 4.2.2) on three
published data sets of metafor's metadat package (Normand 1999, standardised mean
differences; Pritz 1997, proportions with a study at 100%; Bonett 2010, Cronbach's alpha)
and two small subsets (k = 2; a set where REML puts tau^2 at a small value). Tolerance
1e-6 absolute on effects, variances and pooled numbers (1e-6 relative on Q); agreement
is about 1e-12.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from camhs_rom.stats.meta import bonett_alpha, hedges_g, inverse_bonett, inverse_logit, logit_proportion, random_effects

from .conftest import ROOT

REFERENCE = json.loads((ROOT / "tests" / "fixtures" / "metafor" / "reference.json").read_text())
POOLED = ["k", "estimate", "se", "ci_low", "ci_high", "p", "tau2", "i2", "h2", "q", "q_p", "pi_low", "pi_high"]


def _effects(case: dict):
    data = {key: [row[key] for row in case["input"]] for key in case["input"][0]}  # R's rows as records
    if case["measure"] == "SMD":
        return hedges_g(data["n1i"], data["m1i"], data["sd1i"], data["n2i"], data["m2i"], data["sd2i"])
    if case["measure"] == "PLO":
        return logit_proportion(data["xi"], data["ni"])
    return bonett_alpha(data["ai"], data["mi"], data["ni"])


@pytest.mark.parametrize("name", ["normand", "pritz", "bonett"])
def test_effect_sizes_match_escalc(name):
    case = REFERENCE[name]
    y, v = _effects(case)
    np.testing.assert_allclose(y, case["yi"], atol=1e-6, rtol=0)
    np.testing.assert_allclose(v, case["vi"], atol=1e-6, rtol=0)


@pytest.mark.parametrize("name", list(REFERENCE))
def test_reml_knapp_hartung_matches_rma(name):
    case = REFERENCE[name]
    result = random_effects(case["yi"], case["vi"]).as_dict()
    for key in POOLED:
        want = case[key]
        tolerance = 1e-6 * abs(want) if key == "q" else 1e-6
        assert result[key] == pytest.approx(want, abs=max(tolerance, 1e-9)), key


@pytest.mark.parametrize(("name", "back"), [("pritz", inverse_logit), ("bonett", inverse_bonett)])
def test_back_transformed_estimates_match_predict(name, back):
    case = REFERENCE[name]
    out = random_effects(case["yi"], case["vi"]).transformed(back)
    assert out["estimate"] == pytest.approx(case["back_estimate"], abs=1e-6)
    assert out["ci_low"] == pytest.approx(case["back_ci_low"], abs=1e-6)
    assert out["ci_high"] == pytest.approx(case["back_ci_high"], abs=1e-6)
    assert (out["pi_low"], out["pi_high"]) == pytest.approx((case["back_pi_low"], case["back_pi_high"]), abs=1e-6)
    assert np.isnan(out["se"])


def test_zero_cell_correction_only_where_a_cell_is_empty():
    y, v = logit_proportion([0, 3, 10], [10, 10, 10])
    assert y[0] == pytest.approx(np.log(0.5 / 10.5))
    assert y[1] == pytest.approx(np.log(3 / 7)) and v[1] == pytest.approx(1 / 3 + 1 / 7)
    assert y[2] == pytest.approx(np.log(10.5 / 0.5))


def test_one_site_is_reported_not_pooled():
    result = random_effects([0.4], [0.04])
    assert result.k == 1 and result.estimate == 0.4
    assert result.ci_low == pytest.approx(0.4 - 1.959964 * 0.2, abs=1e-6)
    assert np.isnan(result.tau2) and np.isnan(result.q) and np.isnan(result.pi_low)


def test_identical_sites_have_no_heterogeneity():
    result = random_effects([0.3] * 4, [0.05] * 4)
    assert result.tau2 == 0 and result.q == 0 and result.i2 == 0
    assert result.estimate == pytest.approx(0.3)


@pytest.mark.parametrize(("y", "v"), [([], []), ([0.1, 0.2], [0.1]), ([0.1, np.nan], [0.1, 0.1]), ([0.1, 0.2], [0.1, 0.0])])
def test_bad_input_is_refused(y, v):
    with pytest.raises(ValueError):
        random_effects(y, v)
