"""A simulation model fitted to a team's own Study 2 data, for the power and sensitivity stage.

When Study 2 reads the user's data, the power simulation does not draw from the synthetic
generator (which is calibrated to the 2015 paper and knows nothing of another
questionnaire) but from this model of the user's clean answers:

Items
    Each item is an ordinal cut of a standard-normal latent response. Its cut points are
    the normal quantiles of the item's observed cumulative answer shares, so simulated
    answers reproduce each item's response distribution.
Correlations
    Within the groups, the latent responses are multivariate normal with the correlation
    matrix of the items' normal scores (each answer replaced by the normal quantile of its
    mid-rank) centred on their group means, pairwise over answered items and made positive
    definite by clipping its eigenvalues. This is a fast approximation of the polychoric
    matrix; it keeps the factor structure of the data.
Groups
    The two compared groups in their observed proportions. In the "observed" designs each
    group answers each item with its own observed answer shares (its own cut points of the
    same latent responses), so the groups differ on every item as they did in the data; in
    a sensitivity design with latent shift ``s``, the first group's latent responses are
    ``s`` times the item's loading on the first principal axis of its subscale's items
    higher (signed so that reverse-keyed items move the other way), cut at everyone's cut
    points widened by the spread the shift adds.
Missing answers
    Each item's observed share of missing answers, blanked at random.

Covariates and the frequency item are set aside (the simulated analysis does not use them).
Each simulated data set has the shape of the clean ``responses_coded`` table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from camhs_rom.instruments.questionnaire import Questionnaire
from camhs_rom.study2.comparisons import compared_groups


@dataclass(frozen=True)
class FittedModel:
    """What :func:`fit_model` estimates from a team's clean answers (see the module docstring)."""

    thresholds: tuple[np.ndarray, ...]  # per item, the K - 1 latent cut points of everyone's answers
    group_thresholds: tuple[tuple[np.ndarray, np.ndarray], ...]  # per item, the cut points of the first and of the second group
    correlation: np.ndarray  # items x items, within the groups, positive definite
    loadings: np.ndarray  # per item, keyed loading on its subscale's first principal axis
    share_first: float  # the first group's share of the two compared groups
    missing_share: np.ndarray  # per item

    def group_sizes(self, n: int) -> tuple[float, float]:
        """Expected numbers of the first and second group among ``n`` simulated respondents."""
        return self.share_first * n, (1 - self.share_first) * n


def normal_scores(codes: pd.Series) -> pd.Series:
    """Each answer replaced by the standard-normal quantile of its mid-rank among the answered."""
    answered = codes.dropna()
    ranks = answered.rank(method="average")
    return pd.Series(stats.norm.ppf((ranks - 0.5) / len(answered)), index=answered.index).reindex(codes.index)


def nearest_positive_definite(matrix: np.ndarray, floor: float = 1e-3) -> np.ndarray:
    """Eigenvalues clipped at ``floor`` and rescaled to a unit diagonal."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    fixed = vectors @ np.diag(np.clip(values, floor, None)) @ vectors.T
    d = np.sqrt(np.diag(fixed))
    return fixed / np.outer(d, d)


def fit_model(coded: pd.DataFrame, q: Questionnaire) -> FittedModel:
    """Estimate the simulation model from the clean ``responses_coded`` table."""
    codes = coded[q.item_ids].astype(float)
    k = q.scale_max - q.scale_min + 1
    first, second = compared_groups(q)
    in_first, in_second = (coded["group"] == first).fillna(False).to_numpy(), (coded["group"] == second).fillna(False).to_numpy()

    def cut_points(answers: pd.Series) -> np.ndarray:
        answered = answers.dropna()
        shares = np.array([(answered == q.scale_min + c).mean() if len(answered) else 1 / k for c in range(k)])
        return stats.norm.ppf(np.clip(np.cumsum(shares)[:-1], 1e-4, 1 - 1e-4))

    thresholds = tuple(cut_points(codes[item]) for item in q.item_ids)
    group_thresholds = tuple((cut_points(codes.loc[in_first, item]), cut_points(codes.loc[in_second, item])) for item in q.item_ids)
    scores = pd.DataFrame({item: normal_scores(codes[item]) for item in q.item_ids})
    # the correlations and the scale of the difference are those within the groups: the
    # simulation adds the group difference on top of them
    group = np.where(in_first, 1, np.where(in_second, 2, 0))
    within = scores - scores.groupby(group).transform("mean")
    correlation = nearest_positive_definite(within.corr(min_periods=3).fillna(0).to_numpy())
    keyed = np.array([-1.0 if item.reverse else 1.0 for item in q.items])
    loadings = np.zeros(len(q.items))
    for subscale in q.subscales:
        idx = [j for j, item in enumerate(q.items) if item.subscale == subscale]
        sub = correlation[np.ix_(idx, idx)] * np.outer(keyed[idx], keyed[idx])
        values, vectors = np.linalg.eigh(sub)
        axis = vectors[:, -1] * np.sqrt(max(values[-1], 0.0))
        axis *= np.sign(axis.sum()) or 1.0
        loadings[idx] = np.clip(axis, -0.99, 0.99) * keyed[idx]
    n_groups = in_first.sum() + in_second.sum()
    return FittedModel(
        thresholds=thresholds,
        group_thresholds=group_thresholds,
        correlation=correlation,
        loadings=loadings,
        share_first=float(in_first.sum() / n_groups) if n_groups else 0.5,
        missing_share=codes.isna().mean().to_numpy(),
    )


def draw_fitted(model: FittedModel, q: Questionnaire, n: int, shift: float | None, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One simulated data set of ``n`` respondents: each one's group and the answers (codes, NaN missing).

    ``shift`` is the latent shift of the first group's subscale traits in SD (a sensitivity
    design), or None for the observed item differences.
    """
    first, second = compared_groups(q)
    is_first = rng.random(n) < model.share_first
    latent = rng.multivariate_normal(np.zeros(len(q.items)), model.correlation, size=n, method="cholesky")
    observed = shift is None or not np.isfinite(shift)
    if not observed:
        delta = shift * model.loadings
        latent += np.outer(is_first - model.share_first, delta)
        # the shift widens each item's latent distribution: its cut points widen with it, so
        # the simulated answers keep the observed answer shares
        spread = np.sqrt(1 + delta**2 * model.share_first * (1 - model.share_first))
    answers = np.empty((n, len(q.items)))
    for j in range(len(q.items)):
        if observed:  # each group answers with its own observed answer shares
            first_cuts, second_cuts = model.group_thresholds[j]
            steps = np.where(is_first, np.searchsorted(first_cuts, latent[:, j]), np.searchsorted(second_cuts, latent[:, j]))
        else:
            steps = np.searchsorted(model.thresholds[j] * spread[j], latent[:, j])
        answers[:, j] = q.scale_min + steps
        answers[rng.random(n) < model.missing_share[j], j] = np.nan
    return np.where(is_first, first, second).astype(object), answers


def simulate_coded(model: FittedModel, q: Questionnaire, n: int, shift: float | None, rng: np.random.Generator) -> pd.DataFrame:
    """:func:`draw_fitted` as a clean ``responses_coded`` table."""
    groups, answers = draw_fitted(model, q, n, shift, rng)
    width = max(3, len(str(n)))
    coded = pd.DataFrame({"respondent_id": [f"S{k + 1:0{width}d}" for k in range(n)], "source_row": [str(k + 2) for k in range(n)]})
    coded["group"] = pd.Series(groups, dtype="string")
    items = pd.DataFrame(answers, columns=q.item_ids).astype("Int64")
    return pd.concat([coded, items], axis=1)
