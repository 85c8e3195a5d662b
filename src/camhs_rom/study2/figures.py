"""Study 2 figures: item responses, scree and parallel analysis, loadings, scores by group, adjusted differences."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from camhs_rom.core.plotting import PALETTE, seeded_numpy_global
from camhs_rom.study2.apa import group_label

NEUTRAL = "#a3a3a3"  # mid grey: apart from the white page and from both sides in colour and in greyscale


def likert_colours(k: int) -> tuple[list, list]:
    """Colours and hatches of ``k`` answer categories: brown (disagree) to teal (agree), the midpoint
    of an odd scale mid grey and dotted, so that no category is near-white on a white page."""
    scale = matplotlib.colormaps["BrBG"]  # its pale centre (near-white) is left out on both sides
    half = k // 2
    colours = [scale(x)[:3] for x in np.linspace(0.05, 0.3, half)] + ([NEUTRAL] if k % 2 else []) + [scale(x)[:3] for x in np.linspace(0.7, 0.95, half)]
    hatches = ["...." if k % 2 and j == k // 2 else None for j in range(k)]
    return colours, hatches


def diverging_responses(distribution: pd.DataFrame, items: pd.DataFrame, scale_min: int, scale_max: int, names: dict | None = None):
    """Diverging stacked bars: the answers below the scale's midpoint left of zero, those above it right, the
    midpoint split across it; the axis names the scale's ends by their labels in the spec, and each item by
    ``names`` (its short label) where given."""
    names = names or {}
    codes = list(range(scale_min, scale_max + 1))
    k = len(codes)
    colours, hatches = likert_colours(k)
    order = items["item"].tolist()  # the spec's order: subscales, and themes within them, stay together
    wide = distribution.pivot(index="item", columns="code", values="pct").reindex(index=order, columns=codes).fillna(0)
    labels = distribution.drop_duplicates("code").set_index("code")["label"].reindex(codes)
    mid = (k - 1) / 2
    left = -(wide[[c for j, c in enumerate(codes) if j < mid]].sum(axis=1) + (wide[codes[int(mid)]] / 2 if k % 2 else 0))
    fig, ax = plt.subplots(figsize=(9, 0.38 * len(order) + 1.8))
    y = np.arange(len(order))
    start = left.to_numpy().copy()
    for j, code in enumerate(codes):
        width = wide[code].to_numpy()
        ax.barh(y, width, left=start, color=colours[j], edgecolor="white", linewidth=0.4, hatch=hatches[j], label=str(labels[code]).capitalize())
        start += width
    ax.axvline(0, color="#333333", linewidth=1)
    subscale_of = items.set_index("item")["subscale"]
    reverse = items.set_index("item")["reverse"]
    ax.set_yticks(y, [f"{names.get(i, i)}{' (R)' if bool(reverse[i]) else ''}" for i in order], fontsize=8)
    ax.invert_yaxis()
    for j in range(1, len(order)):
        if subscale_of[order[j]] != subscale_of[order[j - 1]]:
            ax.axhline(j - 0.5, color="#333333", linewidth=0.8, linestyle=":")
    ax.set_xlim(-100, 100)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{abs(v):.0f}"))
    ax.set_xlabel(f"Respondents (%), towards '{labels[codes[0]]}' to the left, towards '{labels[codes[-1]]}' to the right")
    ax.set_title("Study 2: answers to each item, as given")
    ax.legend(ncol=k, loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=8, frameon=False)
    return fig


def scree_parallel(scree: pd.DataFrame, n_used: int, percentile: float):
    """Observed eigenvalues against parallel analysis, with Kaiser's line at 1."""
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    ax.plot(scree["component"], scree["observed"], marker="o", color=PALETTE[0], label="Observed eigenvalues")
    ax.plot(scree["component"], scree["random_percentile"], linestyle="--", color=PALETTE[1], label=f"Random data, {percentile:g}th percentile")
    ax.plot(scree["component"], scree["random_mean"], linestyle=":", color=PALETTE[1], label="Random data, mean")
    ax.axhline(1, color="#777777", linewidth=0.8, label="Eigenvalue 1 (Kaiser)")
    ax.axvline(n_used + 0.5, color=PALETTE[2], linewidth=1, linestyle="-.", label=f"Factors retained: {n_used}")
    ax.set_xticks(scree["component"])
    ax.set_xlabel("Component")
    ax.set_ylabel("Eigenvalue")
    ax.set_title("Study 2: scree plot and parallel analysis")
    ax.legend(fontsize=8)
    return fig


def loadings_heatmap(loadings: pd.DataFrame, items: pd.DataFrame, min_loading: float, names: dict | None = None):
    """Pattern loadings, items grouped by intended subscale (items and factors by ``names``, their short and subscale labels, where given);
    loadings below ``min_loading`` shown faint."""
    wide = loadings.pivot(index="item", columns="factor", values="loading")
    order = items["item"].tolist()
    wide = wide.reindex(index=order)
    annot = wide.map(lambda v: f"{v:.2f}".replace("0.", ".") if abs(v) >= min_loading else "")
    fig, ax = plt.subplots(figsize=(1.6 * wide.shape[1] + 4, 0.36 * len(order) + 1.6))
    sns.heatmap(wide, annot=annot, fmt="", cmap="vlag", vmin=-1, vmax=1, center=0, linewidths=0.5, cbar_kws={"label": "Loading"}, ax=ax)
    subscale_of = items.set_index("item")["subscale"]
    for j in range(1, len(order)):
        if subscale_of[order[j]] != subscale_of[order[j - 1]]:
            ax.axhline(j, color="#333333", linewidth=1.2)
    ax.set_yticks(ax.get_yticks(), [(names or {}).get(i, i) for i in order], rotation=0)
    ax.set_xticks(ax.get_xticks(), [(names or {}).get(str(f), str(f)) for f in wide.columns])
    ax.set_xlabel("Factor (named after the matched subscale)")
    ax.set_ylabel("Item (grouped by intended subscale)")
    ax.set_title(f"Study 2: pattern loadings (|loading| < {min_loading:g} left blank)")
    return fig


def scores_by_group(scores: pd.DataFrame, subscales: dict, groups: tuple[str, str], labels: dict, ci: float = 0.95, seed: int = 0):
    """Subscale scores by group: box plots, every respondent as a point, and the mean with its t interval."""
    from scipy import stats as st

    long = scores.melt(id_vars=["respondent_id", "group"], value_vars=list(subscales), var_name="subscale", value_name="score").dropna()
    long = long[long["group"].isin(groups)]
    long["Subscale"] = long["subscale"].map(subscales)
    long["Group"] = long["group"].map(lambda g: group_label(g, labels).capitalize())
    order = [group_label(g, labels).capitalize() for g in groups]
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    palette = {order[0]: PALETTE[0], order[1]: PALETTE[1]}
    sns.boxplot(
        data=long, x="Subscale", y="score", hue="Group", hue_order=order, palette=palette, width=0.6, fliersize=0,
        boxprops={"alpha": 0.35}, linecolor="#9a9a9a", linewidth=0.8, ax=ax,
    )
    with seeded_numpy_global(seed, "figure-scores-by-group"):  # the jitter of the points
        sns.stripplot(data=long, x="Subscale", y="score", hue="Group", hue_order=order, palette=palette, dodge=True, size=3.5, alpha=0.7, jitter=0.18, ax=ax, legend=False)
    for i, subscale in enumerate(subscales.values()):
        for j, group in enumerate(order):
            values = long.loc[(long["Subscale"] == subscale) & (long["Group"] == group), "score"]
            if len(values) < 2:
                continue
            half = st.t.ppf(0.5 + ci / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
            x = i + (-0.15 if j == 0 else 0.15)
            ax.errorbar(x, values.mean(), yerr=half, fmt="D", color="black", markersize=6, capsize=4, zorder=5)
    ax.set_xlabel("")
    ax.set_ylabel("Subscale score (mean of items)")
    ax.set_title(f"Study 2: subscale scores by group (diamonds: mean, {ci:.0%} CI)")
    ax.legend(title="", loc="lower right")
    return fig


def group_coefficients(models: pd.DataFrame, subscales: dict, difference: str, cluster: str = "team"):
    """The group coefficient (first minus second group) per subscale and model, with 95% CIs (``cluster``: the
    spec's cluster column, whose random intercept the mixed model has)."""
    term = models[models["term"].str.startswith("group: ")]
    names = {"ols_hc3": "OLS with covariates, HC3 SEs", "mixed_team": f"Mixed, {cluster} random intercept"}
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * max(len(term), 2) + 1.4))
    labels, y = [], 0
    for (subscale, model), row in term.set_index(["outcome", "model"]).iterrows():
        colour = PALETTE[0] if model == "ols_hc3" else PALETTE[2]
        ax.errorbar(row["estimate"], y, xerr=[[row["estimate"] - row["ci_low"]], [row["ci_high"] - row["estimate"]]], fmt="o", color=colour, capsize=4)
        labels.append(f"{subscales.get(subscale, subscale)}\n{names.get(model, model)}")
        y += 1
    ax.axvline(0, color="#555555", linewidth=1)
    ax.set_yticks(range(len(labels)), labels, fontsize=9)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlabel(f"Adjusted difference ({difference}), scale points, 95% CI")
    ax.set_title("Study 2: group difference after adjustment")
    return fig
