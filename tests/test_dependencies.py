"""The pinned dependency ranges work together.

factor_analyzer 0.5.1 calls scikit-learn's ``check_array(force_all_finite=...)``, which
scikit-learn 1.6 deprecated and 1.8 removed; pyproject.toml keeps scikit-learn below 1.6.
"""

import warnings

import numpy as np
import pytest
from packaging.version import Version


def test_scikit_learn_is_inside_the_range_factor_analyzer_supports():
    import sklearn

    assert Version(sklearn.__version__) < Version("1.6")


def test_factor_analyzer_fits_without_warnings_or_errors():
    from factor_analyzer import FactorAnalyzer
    from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo

    rng = np.random.default_rng(1)
    factors = rng.standard_normal((300, 2))
    pattern = np.zeros((6, 2))
    pattern[:3, 0] = pattern[3:, 1] = 0.8
    data = factors @ pattern.T + 0.6 * rng.standard_normal((300, 6))
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        fa = FactorAnalyzer(n_factors=2, rotation="oblimin", method="minres").fit(data)
        calculate_kmo(data)
        calculate_bartlett_sphericity(data)
    loadings = np.abs(fa.loadings_)
    assert (loadings[:3].argmax(axis=1) == loadings[:3].argmax(axis=1)[0]).all()
    assert (loadings[3:].argmax(axis=1) != loadings[:3].argmax(axis=1)[0]).all()
    assert loadings.max(axis=1).min() > 0.6


@pytest.mark.parametrize("module", ["snakemake", "statsmodels", "pingouin", "seaborn", "papermill", "pyreadstat", "xmlschema", "krippendorff"])
def test_declared_dependency_imports(module):
    __import__(module)
