"""Measurement invariance of ordered items: WLSMV in the theta parameterisation (Wu & Estabrook, 2016).

Each item's answer is a cut latent response ``y* = nu + Lambda eta + eps``, ``Var(eps) = Theta``
(diagonal), ``eta ~ (0, Psi)``; a group's model thresholds and polychoric correlations are
those of ``y*`` standardised: ``(tau_jk - mu*_j) / sqrt(Sigma*_jj)`` and
``Sigma*_ij / sqrt(Sigma*_ii Sigma*_jj)`` with ``Sigma* = Lambda Psi Lambda' + Theta`` and
``mu* = nu``. Factors are identified by their variances (1; ``std.lv``). The three levels
are those ``semTools::measEq.syntax(ID.cat = "Wu.Estabrook.2016", parameterization = "theta")``
writes:

configural
    every loading, threshold and factor covariance free in every group; intercepts 0,
    residual variances 1 (each group is the one-group model, so its fit is the groups'
    separate fits added);
thresholds
    thresholds equal across groups; in every group but the first, the intercepts and
    residual variances free;
thresholds_loadings
    thresholds and loadings equal; in every group but the first, also the factor variances
    free.

The estimate minimises the sum over groups of ``(s_g - sigma_g)' W_g (s_g - sigma_g)``,
weighted by ``N_g - 1`` (``W_g`` the inverse diagonal of group g's Gamma,
:func:`camhs_rom.stats.categorical_cfa.ordinal_moments`), which is the test statistic
``T``; the robust test is scaled and shifted with ``U`` and ``Gamma`` over all groups (each
group's ``W_g`` weighted by its share ``f_g``, its Gamma by ``1 / f_g``), as lavaan does. Two
nested levels are compared by lavaan's ``lavTestLRT(method = "satorra.2000")``: the
difference ``T_0 - T_1`` scaled and shifted (``a (T_0 - T_1) + b``) by the traces of
``U_d Gamma`` with ``U_d = W Delta_1 M Delta_1' W``,
``M = P^-1 A' (A P^-1 A')^+ A P^-1``, ``P = sum_g f_g Delta_1g' W_g Delta_1g`` and ``A`` the
orthogonal complement of ``Delta_1^+ Delta_0`` (the constraints that make the less
restricted model the more restricted one, from the two models' Jacobians).

Every group must have answered each item in the same categories (a threshold that exists in
one group only cannot be equal across groups). Jacobians are central differences of the
model (1e-6 steps; the tests hold to 1e-3). Written on scipy: no maintained Python library
fits ordinal multi-group models; tested against lavaan 0.6.14 and semTools 0.5.6 in
``tests/test_ordinal_invariance.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from camhs_rom.stats.categorical_cfa import OrdinalMoments, _pairs
from camhs_rom.stats.cfa import Clusters, ParameterIndex, cluster_starts
from camhs_rom.stats.fit_indices import cfi_tli, rmsea

ORDINAL_LEVELS = {"configural": (), "thresholds": ("thresholds",), "thresholds_loadings": ("thresholds", "loadings")}


class _Layout:
    """Where each free parameter sits in each group; shared indices are equality constraints, -1 a fixed value."""

    def __init__(self, clusters: Clusters, n_thresholds: list[int], groups: int, equal: tuple[str, ...]):
        self.p, self.m = len(clusters.items), len(clusters.factors)
        self.factor_index, _ = clusters.pattern()
        self.n_thresholds = n_thresholds
        free = ParameterIndex()
        fixed = np.full(self.p, -1)
        self.cov_pairs = np.tril_indices(self.m, -1)
        self.lam, self.tau, self.nu, self.theta, self.psi_var, self.psi_cov = [], [], [], [], [], []
        for g in range(groups):
            self.lam.append(np.array([free(("lambda", i), "loadings" in equal) for i in range(self.p)]))
            self.tau.append(np.array([free(("tau", t), "thresholds" in equal) for t in range(sum(n_thresholds))]))
            later = g > 0 and "thresholds" in equal
            self.nu.append(np.array([free(None, False) for _ in range(self.p)]) if later else fixed)
            self.theta.append(np.array([free(None, False) for _ in range(self.p)]) if later else fixed)
            self.psi_var.append(np.array([free(None, False) if g > 0 and "loadings" in equal else -1 for _ in range(self.m)]))
            self.psi_cov.append(np.array([free(None, False) for _ in self.cov_pairs[0]]))
        self.size = free.size
        self.item_of_threshold = np.repeat(np.arange(self.p), n_thresholds)

    @staticmethod
    def _take(x, index, default):
        return np.where(index >= 0, x[np.maximum(index, 0)], default)

    def implied(self, x: np.ndarray, g: int) -> np.ndarray:
        """Group g's model thresholds (standardised) then correlations (lavaan's order)."""
        lam = self._take(x, self.lam[g], 0.0)
        psi = np.diag(self._take(x, self.psi_var[g], 1.0))
        psi[self.cov_pairs] = psi[self.cov_pairs[::-1]] = x[self.psi_cov[g]]
        loadings = np.zeros((self.p, self.m))
        loadings[np.arange(self.p), self.factor_index] = lam
        sigma = loadings @ psi @ loadings.T + np.diag(self._take(x, self.theta[g], 1.0))
        sd = np.sqrt(np.diag(sigma))
        mu = self._take(x, self.nu[g], 0.0)
        first, second = _pairs(self.p)
        items = self.item_of_threshold
        return np.concatenate([(x[self.tau[g]] - mu[items]) / sd[items], sigma[first, second] / (sd[first] * sd[second])])

    def jacobian(self, x: np.ndarray, g: int, step: float = 1e-6) -> np.ndarray:
        out = np.empty((len(self.implied(x, g)), self.size))
        for k in range(self.size):
            up, down = x.copy(), x.copy()
            up[k] += step
            down[k] -= step
            out[:, k] = (self.implied(up, g) - self.implied(down, g)) / (2 * step)
        return out

    def start(self, moments: list[OrdinalMoments]) -> np.ndarray:
        """Each group's one-factor-per-cluster components of its polychoric matrix, in the theta metric."""
        x = np.zeros(self.size)
        for g, mom in enumerate(moments):
            lam, variance = cluster_starts(mom.correlations, self.factor_index, self.m)
            standard = np.clip(lam * np.sqrt(variance[self.factor_index]), -0.95, 0.95)
            x[self.lam[g]] = standard / np.sqrt(1 - standard**2)  # y* variance 1 / (1 - l^2) with residual variance 1
            scale = 1 / np.sqrt(1 - standard**2)
            x[self.tau[g]] = np.concatenate(mom.thresholds) * scale[self.item_of_threshold]
            x[self.theta[g][self.theta[g] >= 0]] = 1.0
            x[self.psi_var[g][self.psi_var[g] >= 0]] = 1.0
        return x


@dataclass(frozen=True)
class OrdinalInvarianceFit:
    """One level fitted: its test statistic and df, the scaled-and-shifted test, and what the difference test needs."""

    level: str
    chisq: float
    df: int
    chisq_scaled: float
    pvalue_scaled: float
    cfi_scaled: float
    tli_scaled: float
    rmsea_scaled: float
    converged: bool
    jacobian: np.ndarray  # all groups' rows stacked, one column per free parameter
    _moments: tuple = ()


def _stacked(moments: list[OrdinalMoments]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Observed statistics, DWLS weights, group shares and the block-diagonal root of Gamma / f_g (all groups)."""
    n = sum(m.n for m in moments)
    shares = np.array([m.n / n for m in moments])
    observed = np.concatenate([np.concatenate([*m.thresholds, m.correlations[_pairs(len(m.correlations))]]) for m in moments])
    weights = np.concatenate([1 / m.gamma_diagonal for m in moments])
    rows = sum(m.gamma_root_full.shape[0] for m in moments)
    root = np.zeros((rows, len(observed)))
    r0 = c0 = 0
    for share, m in zip(shares, moments, strict=True):
        block = m.gamma_root_full / np.sqrt(share)
        root[r0 : r0 + block.shape[0], c0 : c0 + block.shape[1]] = block
        r0, c0 = r0 + block.shape[0], c0 + block.shape[1]
    return observed, weights, shares, root


def check_categories(items: list[str], answers: list, groups: tuple[str, ...]) -> None:
    """Raise ``ValueError`` naming the first item answered in other categories in one group than in another
    (``answers``: each group's complete answers, a data frame with ``items`` as columns)."""
    for item in items:
        seen = [tuple(int(v) for v in np.unique(frame[item].to_numpy())) for frame in answers]
        k = next((i for i, s in enumerate(seen) if s != seen[0]), None)
        if k is not None:
            raise ValueError(f"item {item!r} was answered in categories {list(seen[0])} in group {groups[0]!r} "
                             f"but {list(seen[k])} in group {groups[k]!r}: equal thresholds need the same categories")


def fit_ordinal_level(clusters: Clusters, moments: list[OrdinalMoments], level: str) -> OrdinalInvarianceFit:
    """Fit one level (:data:`ORDINAL_LEVELS`) to the groups' moments (``ordinal_moments(..., full=True)``)."""
    equal = ORDINAL_LEVELS[level]
    layout = _Layout(clusters, [len(t) for t in moments[0].thresholds], len(moments), equal)
    observed, weights, shares, root = _stacked(moments)
    sizes = [len(np.concatenate([*m.thresholds])) + len(_pairs(len(m.correlations))[0]) for m in moments]
    group_weight = np.concatenate([np.full(k, m.n - 1.0) for k, m in zip(sizes, moments, strict=True)])
    scale = np.sqrt(group_weight * weights)

    def residuals(x):
        return scale * (observed - np.concatenate([layout.implied(x, g) for g in range(len(moments))]))

    solution = optimize.least_squares(residuals, layout.start(moments), method="trf", xtol=1e-14, ftol=1e-14, gtol=1e-12, max_nfev=20_000)
    x = solution.x
    stat = float(np.sum(residuals(x) ** 2))
    df = len(observed) - layout.size
    delta = np.vstack([layout.jacobian(x, g) for g in range(len(moments))])
    scaled = _scaled_shifted(stat, df, weights * np.repeat(shares, sizes), delta, root)  # W weighted by f_g
    base, base_df = _baseline(moments, observed, weights, shares, root, sizes)
    cfi, tli = cfi_tli(scaled, df, base, base_df)
    n = sum(mom.n for mom in moments)
    return OrdinalInvarianceFit(level, stat, int(df), float(scaled), float(stats.chi2.sf(scaled, df)), cfi, tli,
                                rmsea(scaled, df, n - len(moments), len(moments))[0], bool(solution.success), delta, (weights, shares, root, sizes))


def _scaled_shifted(stat: float, df: int, w: np.ndarray, delta: np.ndarray, root: np.ndarray) -> float:
    """``a T + b`` with ``U = W - W Delta (Delta' W Delta)^-1 Delta' W`` and Gamma = R'R (traces through the root)."""
    ru = root * w[None, :]
    wj = w[:, None] * delta
    ru = ru - (ru @ delta) @ np.linalg.solve(delta.T @ wj, wj.T)
    inner = ru @ root.T
    a = np.sqrt(df / float(np.sum(inner * inner)))
    return a * stat + df - a * float(np.sum(ru * root))


def _baseline(moments, observed, weights, shares, root, sizes) -> tuple[float, int]:
    """The baseline model's scaled statistic and df: every group's thresholds free, every correlation zero."""
    is_threshold = np.concatenate([np.r_[np.ones(sum(len(t) for t in m.thresholds)), np.zeros(k - sum(len(t) for t in m.thresholds))]
                                   for m, k in zip(moments, sizes, strict=True)]).astype(bool)
    group_weight = np.concatenate([np.full(k, m.n - 1.0) for k, m in zip(sizes, moments, strict=True)])
    stat = float(np.sum((group_weight * weights * observed**2)[~is_threshold]))
    delta = np.eye(len(observed))[:, is_threshold]  # the thresholds, fitted exactly
    df = int((~is_threshold).sum())
    return _scaled_shifted(stat, df, weights * np.repeat(shares, sizes), delta, root), df


def satorra_2000(restricted: OrdinalInvarianceFit, free: OrdinalInvarianceFit) -> tuple[float, int, float]:
    """The scaled-and-shifted difference test of two nested levels (``lavTestLRT(method = "satorra.2000")``):
    the statistic, its df and p (see the module docstring)."""
    m = restricted.df - free.df
    weights, shares, root, sizes = free._moments
    delta1, delta0 = free.jacobian, restricted.jacobian
    w = weights * np.repeat(shares, sizes)  # f_g W_g
    info_inv = np.linalg.inv(delta1.T @ (w[:, None] * delta1))
    h = np.linalg.pinv(delta1) @ delta0
    u, sv, _ = np.linalg.svd(h, full_matrices=True)
    rank = int(np.sum(sv > sv.max() * max(h.shape) * np.finfo(float).eps))
    constraints = u[:, rank:].T  # A with A H = 0
    middle = info_inv @ constraints.T @ np.linalg.pinv(constraints @ info_inv @ constraints.T) @ constraints @ info_inv
    rw = root @ (w[:, None] * delta1)  # R W Delta_1
    inner = rw @ middle @ rw.T  # R U_d R'
    a = np.sqrt(m / float(np.sum(inner * inner)))
    b = m - a * float(np.trace(inner))
    t = (restricted.chisq - free.chisq) * a + b
    return float(t), int(m), float(stats.chi2.sf(t, m))


__all__ = ["ORDINAL_LEVELS", "OrdinalInvarianceFit", "check_categories", "fit_ordinal_level", "satorra_2000"]
