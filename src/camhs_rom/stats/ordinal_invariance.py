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
one group only cannot be equal across groups). The model's Jacobian is analytic and sparse
(each statistic depends on a handful of parameters), so the fit and the traces, taken group
block by group block through Gamma's root, stay within memory for long questionnaires. Written on scipy: no maintained Python library
fits ordinal multi-group models; tested against lavaan 0.6.14 and semTools 0.5.6 in
``tests/test_ordinal_invariance.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, sparse, stats

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
            self.psi_var.append(np.array([free(None, False) if g > 0 and "loadings" in equal else -1 for _ in range(self.m)], dtype=int))
            self.psi_cov.append(np.array([free(None, False) for _ in self.cov_pairs[0]], dtype=int))  # none with one factor
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

    def jacobian(self, x: np.ndarray, g: int) -> sparse.csr_matrix:
        """d (group g's model statistics) / d (free parameters), analytic and sparse: a threshold depends on its
        own value and its item's loading, intercept, residual variance and factor variance; a correlation on its
        two items' loadings and residual variances and their factors' (co)variance."""
        p, fi = self.p, self.factor_index
        lam = self._take(x, self.lam[g], 0.0)
        psi = np.diag(self._take(x, self.psi_var[g], 1.0))
        psi[self.cov_pairs] = psi[self.cov_pairs[::-1]] = x[self.psi_cov[g]]
        own = psi[fi, fi]
        s_ii = lam**2 * own + self._take(x, self.theta[g], 1.0)
        d = np.sqrt(s_ii)
        rows, cols, vals = [], [], []

        def add(r, c, v):
            keep = c >= 0
            rows.append(r[keep])
            cols.append(c[keep])
            vals.append(np.broadcast_to(v, r.shape)[keep])

        t = np.arange(len(self.item_of_threshold))
        i = self.item_of_threshold
        z = (x[self.tau[g]] - self._take(x, self.nu[g], 0.0)[i]) / d[i]
        add(t, self.tau[g], 1 / d[i])
        add(t, self.nu[g][i], -1 / d[i])
        add(t, self.theta[g][i], -z / (2 * s_ii[i]))
        add(t, self.lam[g][i], -z * lam[i] * own[i] / s_ii[i])
        add(t, self.psi_var[g][fi[i]], -z * lam[i] ** 2 / (2 * s_ii[i]))
        a, b = _pairs(p)
        q = len(t) + np.arange(len(a))
        cross = psi[fi[a], fi[b]]
        dd = d[a] * d[b]
        r = lam[a] * lam[b] * cross / dd
        add(q, self.lam[g][a], lam[b] * cross / dd - r * lam[a] * own[a] / s_ii[a])
        add(q, self.lam[g][b], lam[a] * cross / dd - r * lam[b] * own[b] / s_ii[b])
        add(q, self.theta[g][a], -r / (2 * s_ii[a]))
        add(q, self.theta[g][b], -r / (2 * s_ii[b]))
        same = fi[a] == fi[b]
        position = np.full((self.m, self.m), -1)
        position[self.cov_pairs] = position[self.cov_pairs[::-1]] = self.psi_cov[g]
        add(q, np.where(same, -1, position[fi[a], fi[b]]), lam[a] * lam[b] / dd)
        add(q, np.where(same, self.psi_var[g][fi[a]], -1), lam[a] * lam[b] / dd)  # a shared factor's variance in the numerator
        add(q, self.psi_var[g][fi[a]], -r * lam[a] ** 2 / (2 * s_ii[a]))
        add(q, self.psi_var[g][fi[b]], -r * lam[b] ** 2 / (2 * s_ii[b]))
        shape = (len(t) + len(a), self.size)
        return sparse.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=shape).tocsr()  # repeats add up

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
class _Groups:
    """The groups' statistics as the estimator reads them: per group the observed thresholds and correlations,
    the DWLS weights ``W_g``, a root ``R_g`` of ``Gamma_g / f_g`` and ``N_g - 1``; ``shares`` the ``f_g``."""

    observed: list[np.ndarray]
    weights: list[np.ndarray]
    roots: list[np.ndarray]
    counts: list[float]
    shares: np.ndarray
    n_thresholds: list[int]

    @classmethod
    def of(cls, moments: list[OrdinalMoments]) -> _Groups:
        n = sum(m.n for m in moments)
        shares = np.array([m.n / n for m in moments])
        observed = [np.concatenate([*m.thresholds, m.correlations[_pairs(len(m.correlations))]]) for m in moments]
        roots = [m.gamma_root_full / np.sqrt(f) for m, f in zip(moments, shares, strict=True)]
        return cls(observed, [1 / m.gamma_diagonal for m in moments], roots, [m.n - 1.0 for m in moments], shares,
                   [sum(len(t) for t in m.thresholds) for m in moments])

    def scaled_shifted(self, stat: float, df: int, jacobians: list) -> float:
        """``a T + b`` with ``U = W - W Delta (Delta' W Delta)^-1 Delta' W``, ``W = bdiag(f_g W_g)`` and
        ``Gamma = bdiag(Gamma_g / f_g) = R'R``: the traces of ``U Gamma`` from ``R U R'``, group block by block."""
        inner = self._projected(jacobians, None)
        a = np.sqrt(df / float(np.sum(inner * inner)))
        return a * stat + df - a * float(np.trace(inner))

    def _projected(self, jacobians: list, middle: np.ndarray | None) -> np.ndarray:
        """``R U R'`` (``middle`` None) or ``R W Delta M Delta' W R'`` (the difference test's ``U_d``)."""
        rw = [r * (f * w)[None, :] for r, f, w in zip(self.roots, self.shares, self.weights, strict=True)]
        rwj = np.vstack([np.asarray((j.T @ x.T).T) for j, x in zip(jacobians, rw, strict=True)])  # R W Delta
        if middle is not None:
            return rwj @ middle @ rwj.T
        info = self.information(jacobians)
        sizes = [x.shape[0] for x in rw]
        inner = -rwj @ np.linalg.solve(info, rwj.T)
        start = 0
        for x, r, k in zip(rw, self.roots, sizes, strict=True):
            inner[start : start + k, start : start + k] += x @ r.T
            start += k
        return inner

    def information(self, jacobians: list) -> np.ndarray:
        """``Delta' W Delta`` with ``W = bdiag(f_g W_g)``."""
        return sum(np.asarray((j.T @ sparse.diags(f * w) @ j).todense()) for j, f, w in zip(jacobians, self.shares, self.weights, strict=True))


@dataclass(frozen=True)
class OrdinalInvarianceFit:
    """One level fitted: its test statistic and df, the scaled-and-shifted test and its indices, and what the
    difference test needs (each group's Jacobian at the estimate, the groups' statistics)."""

    level: str
    chisq: float
    df: int
    chisq_scaled: float
    pvalue_scaled: float
    cfi_scaled: float
    tli_scaled: float
    rmsea_scaled: float
    converged: bool
    jacobians: list
    groups: _Groups


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
    layout = _Layout(clusters, [len(t) for t in moments[0].thresholds], len(moments), ORDINAL_LEVELS[level])
    data = _Groups.of(moments)
    scale = np.concatenate([np.sqrt(c * w) for c, w in zip(data.counts, data.weights, strict=True)])
    observed = np.concatenate(data.observed)
    groups = range(len(moments))

    def residuals(x):
        return scale * (observed - np.concatenate([layout.implied(x, g) for g in groups]))

    def jacobian(x):
        return sparse.diags(-scale) @ sparse.vstack([layout.jacobian(x, g) for g in groups]).tocsr()

    solution = optimize.least_squares(residuals, layout.start(moments), jac=jacobian, method="trf", x_scale="jac",
                                      xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=5_000)  # 1e-15: 10x the evaluations, chi-square alike to 1e-9 relative
    x = solution.x
    stat = float(np.sum(residuals(x) ** 2))
    df = len(observed) - layout.size
    jacobians = [layout.jacobian(x, g) for g in groups]
    scaled = data.scaled_shifted(stat, df, jacobians)
    base, base_df = _baseline(data)
    cfi, tli = cfi_tli(scaled, df, base, base_df)
    n = sum(mom.n for mom in moments)
    return OrdinalInvarianceFit(level, stat, int(df), float(scaled), float(stats.chi2.sf(scaled, df)), cfi, tli,
                                rmsea(scaled, df, n - len(moments), len(moments))[0], bool(solution.success), jacobians, data)


def _baseline(data: _Groups) -> tuple[float, int]:
    """The baseline model's scaled statistic and df: every group's thresholds free (fitted exactly), every
    correlation zero."""
    stat, df, jacobians, column = 0.0, 0, [], 0
    total = sum(data.n_thresholds)
    for observed, weights, count, k in zip(data.observed, data.weights, data.counts, data.n_thresholds, strict=True):
        stat += count * float(np.sum((weights * observed**2)[k:]))
        df += len(observed) - k
        jacobians.append(sparse.csr_matrix((np.ones(k), (np.arange(k), column + np.arange(k))), shape=(len(observed), total)))
        column += k
    return data.scaled_shifted(stat, df, jacobians), df


def satorra_2000(restricted: OrdinalInvarianceFit, free: OrdinalInvarianceFit) -> tuple[float, int, float]:
    """The scaled-and-shifted difference test of two nested levels (``lavTestLRT(method = "satorra.2000")``):
    the statistic, its df and p (see the module docstring)."""
    m = restricted.df - free.df
    data = free.groups
    delta1 = sparse.vstack(free.jacobians).tocsr()
    delta0 = sparse.vstack(restricted.jacobians).tocsr()
    info_inv = np.linalg.inv(data.information(free.jacobians))
    # H = Delta_1^+ Delta_0 (Delta_1 has full column rank), and A its orthogonal complement: A H = 0
    h = np.linalg.solve(np.asarray((delta1.T @ delta1).todense()), np.asarray((delta1.T @ delta0).todense()))
    u, sv, _ = np.linalg.svd(h, full_matrices=True)
    rank = int(np.sum(sv > sv.max() * max(h.shape) * np.finfo(float).eps))
    constraints = u[:, rank:].T
    middle = info_inv @ constraints.T @ np.linalg.pinv(constraints @ info_inv @ constraints.T) @ constraints @ info_inv
    inner = data._projected(free.jacobians, middle)  # R U_d R'
    a = np.sqrt(m / float(np.sum(inner * inner)))
    b = m - a * float(np.trace(inner))
    t = (restricted.chisq - free.chisq) * a + b
    return float(t), int(m), float(stats.chi2.sf(t, m))


__all__ = ["ORDINAL_LEVELS", "OrdinalInvarianceFit", "check_categories", "fit_ordinal_level", "satorra_2000"]
