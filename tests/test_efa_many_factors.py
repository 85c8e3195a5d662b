"""Known answers from R for four and five factors, where oblique rotations reorder the factors.

On the 25 bfi items (examples/public-data/bfi/bfi.csv, the 2,436 rows answering every item),
``fixtures/psych/efa_many_factors.R`` (R 4.2.2, psych 2.2.9, GPArotation 2022.10.2) fitted
``psych::fa`` (minres, ml) and ``psych::principal`` with oblimin, promax and varimax; the
committed ``efa_many_factors.json`` holds its loadings, factor correlations, communalities
and fit. Factors are compared after matching columns (order and sign) on the loadings; the
factor correlations are then compared under the same matching. Tolerance 1e-3 (measured:
about 2e-6 for minres and ml, 2e-15 for principal components).
"""

from __future__ import annotations

import json
from itertools import permutations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from camhs_rom.stats.factors import communality, fit_efa, fit_statistics, run_efa

from .conftest import ROOT

REF = json.loads((Path(__file__).parent / "fixtures" / "psych" / "efa_many_factors.json").read_text(encoding="utf-8"))
ITEMS = [f"{trait}{k}" for trait in "ACENO" for k in range(1, 6)]
TOL = 1e-3
FITS = [key for key in REF if key.startswith("f")]


@pytest.fixture(scope="module")
def bfi():
    data = pd.read_csv(ROOT / "examples" / "public-data" / "bfi" / "bfi.csv")[ITEMS].dropna().astype(float)
    assert len(data) == REF["n"]
    return data


def matching(ours: np.ndarray, theirs: np.ndarray) -> tuple[list[int], np.ndarray]:
    """The column order and signs that bring ``ours`` closest to ``theirs``."""
    best = None
    for perm in permutations(range(ours.shape[1])):
        candidate = ours[:, list(perm)]
        signs = np.where((candidate * theirs).sum(axis=0) < 0, -1.0, 1.0)
        err = np.abs(candidate * signs - theirs).max()
        if best is None or err < best[0]:
            best = (err, list(perm), signs)
    return best[1], best[2]


@pytest.mark.parametrize("key", FITS)
def test_loadings_factor_correlations_communalities_and_fit(bfi, key):
    ref = REF[key]
    n_factors, extraction, rotation = int(key[1]), key.split("_")[1], key.split("_")[2]
    corr = np.corrcoef(bfi.to_numpy(), rowvar=False)
    fa = fit_efa(bfi, n_factors, extraction, rotation, corr)
    theirs = np.array(ref["loadings"])
    perm, signs = matching(fa.loadings_, theirs)
    np.testing.assert_allclose(fa.loadings_[:, perm] * signs, theirs, atol=TOL)
    oblique = rotation in ("oblimin", "promax")
    phi = fa.phi_ if oblique else None
    if oblique:
        np.testing.assert_allclose(fa.phi_[np.ix_(perm, perm)] * np.outer(signs, signs), np.array(ref["phi"]), atol=TOL)
    np.testing.assert_allclose(communality(fa.loadings_, phi), ref["communalities"], atol=TOL)
    if "chi2" in ref:
        fit = fit_statistics(corr, fa.loadings_, phi, len(bfi))
        assert fit["df"] == ref["df"]
        for ours, theirs_key in (("chi2", "chi2"), ("rmsea", "rmsea"), ("rmsea_ci_low", "rmsea_low"), ("rmsea_ci_high", "rmsea_high"), ("tli", "tli"), ("bic", "bic")):
            assert fit[ours] == pytest.approx(ref[theirs_key], abs=TOL, rel=1e-6), ours


def test_the_reordering_is_exercised():
    """The reference includes solutions whose factors the sort by variance does reorder (else the test could not fail)."""
    assert REF["f5_minres_oblimin"]["chi2"] < 0.5 * 3333  # what the factors' correlations in the rotation's order gave


@pytest.mark.parametrize("extraction, rotation", [("minres", "oblimin"), ("ml", "promax")])
def test_run_efa_tables_name_each_correlation_after_its_factor(bfi, extraction, rotation):
    """The published tables: factor correlations by subscale name, communalities and fit as psych gives them."""
    intended = {item: {"A": "agreeableness", "C": "conscientiousness", "E": "extraversion", "N": "neuroticism", "O": "openness"}[item[0]]
                for item in ITEMS}
    ref = REF[f"f5_{extraction}_{rotation}"]
    result = run_efa(bfi, intended, 5, extraction, rotation)
    theirs = pd.DataFrame(np.array(ref["loadings"]), index=ITEMS)
    perm, signs = matching(result.loadings.to_numpy(), theirs.to_numpy())
    names = [result.loadings.columns[p] for p in perm]
    phi = pd.DataFrame(np.array(ref["phi"]) * np.outer(signs, signs), index=names, columns=names)
    pd.testing.assert_frame_equal(result.factor_correlations.loc[names, names], phi, check_exact=False, atol=TOL)
    np.testing.assert_allclose(result.communalities.to_numpy(), ref["communalities"], atol=TOL)
    chi2 = result.fit.set_index("statistic")["value"]["chi2"]
    assert chi2 == pytest.approx(ref["chi2"], abs=TOL, rel=1e-6)
