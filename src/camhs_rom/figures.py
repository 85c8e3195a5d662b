"""Figures: one seaborn style for the whole project, written as PNG and SVG.

The style is seaborn's ``whitegrid`` with the colour-blind-safe ``colorblind`` palette,
sized to stay readable when printed. Benefit and concern keep the same two colours in
every figure. Files are deterministic (no timestamps, fixed SVG ids), and every figure
made from synthetic data carries a label saying so.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from .apa import group_label  # noqa: E402
from .tables import atomic_path  # noqa: E402

PALETTE = sns.color_palette("colorblind")
VALENCE_COLOURS = {"benefit": PALETTE[0], "concern": PALETTE[1], "other": PALETTE[7]}
ABSENT = "#eeeeee"
SYNTHETIC_LABEL = "SYNTHETIC DATA: not the 2015 study's data"


def apply_style() -> None:
    """Set the project's plotting style (call before drawing)."""
    sns.set_theme(context="paper", style="whitegrid", palette=PALETTE, font_scale=1.15)
    plt.rcParams.update(
        {
            "svg.hashsalt": "camhs-rom",
            "svg.fonttype": "none",
            "figure.dpi": 100,
            "savefig.dpi": 200,
            "savefig.bbox": "tight",
            "axes.titleweight": "bold",
            "axes.titlesize": 12,
        }
    )


def data_label(provenance_path: str | Path | None) -> str | None:
    """The label figures carry: the synthetic warning when the run read the synthetic default."""
    from .provenance import read_provenance

    if provenance_path is None:
        return None
    return SYNTHETIC_LABEL if read_provenance(provenance_path).get("synthetic") else None


def save(fig, stem: str | Path, label: str | None = None) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg`` (no timestamps) and close the figure."""
    if label:
        # below everything drawn so far (tick labels and axis titles included), right-aligned
        fig.canvas.draw()
        bottom = fig.get_tightbbox(fig.canvas.get_renderer()).y0 / fig.get_figheight()
        fig.text(0.99, bottom - 0.01, label, ha="right", va="top", fontsize=8, color="#b00020", style="italic")
    stem = Path(stem)
    written = []
    for suffix, metadata in ((".png", {"Software": None}), (".svg", {"Date": None, "Creator": None})):
        path = stem.with_suffix(suffix)
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=suffix[1:], metadata=metadata)
        written.append(path)
    plt.close(fig)
    return written


# ----------------------------------------------------------------- Study 1


def theme_prevalence(tallies: pd.DataFrame, n_participants: int):
    """Horizontal bars: % of participants voicing each theme, coloured by valence."""
    order = tallies.assign(_v=tallies["valence"].map({"benefit": 0, "concern": 1, "other": 2}))
    order = order.sort_values(["_v", "pct_participants"], ascending=[True, False], kind="stable")
    fig, ax = plt.subplots(figsize=(7, 0.55 * len(order) + 1.4))
    colours = [VALENCE_COLOURS[v] for v in order["valence"]]
    ax.barh(order["label"], order["pct_participants"], color=colours)
    for y, (pct, n) in enumerate(zip(order["pct_participants"], order["n_participants"], strict=True)):
        ax.text(pct + 1.5, y, f"{n}/{n_participants}", va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, 112)
    ax.set_xlabel("Participants voicing the theme (%)")
    ax.set_ylabel("")
    ax.set_title("Study 1: themes by share of participants")
    handles = [plt.Rectangle((0, 0), 1, 1, color=VALENCE_COLOURS[v]) for v in order["valence"].unique()]
    ax.legend(handles, [v.capitalize() for v in order["valence"].unique()], loc="lower right", frameon=True)
    return fig


def theme_participant_heatmap(by_participant: pd.DataFrame, tallies: pd.DataFrame):
    """Themes (rows) x participants (columns, grouped by focus group): who voiced what."""
    themes = tallies["theme"].tolist()
    matrix = by_participant[themes].to_numpy().T
    image = np.ones(matrix.shape + (3,))
    for i, valence in enumerate(tallies["valence"]):
        on = np.array(VALENCE_COLOURS[valence])
        off = np.array(matplotlib.colors.to_rgb(ABSENT))
        image[i] = np.where(matrix[i][:, None] == 1, on, off)
    fig, ax = plt.subplots(figsize=(max(6, 0.45 * matrix.shape[1] + 3), 0.5 * len(themes) + 1.8))
    ax.imshow(image, aspect="auto", interpolation="nearest")
    ax.set_yticks(range(len(themes)), tallies["label"])
    ax.set_xticks(range(matrix.shape[1]), by_participant["participant_id"], rotation=90)
    ax.grid(False)
    groups = by_participant["group_id"].tolist()
    edges = [k for k in range(1, len(groups)) if groups[k] != groups[k - 1]]
    for k in edges:
        ax.axvline(k - 0.5, color="black", linewidth=1.5)
    starts = [0] + edges
    ends = edges + [len(groups)]
    for s, e in zip(starts, ends, strict=True):
        ax.text((s + e - 1) / 2, -0.6, groups[s], ha="center", va="bottom", fontsize=10, fontweight="bold")
    ax.set_xticks(np.arange(-0.5, matrix.shape[1], 1), minor=True)
    ax.set_yticks(np.arange(-0.5, len(themes), 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel("Participant (pseudonym), by focus group")
    ax.set_title("Study 1: themes voiced by each participant", pad=30)
    return fig


def cooccurrence_heatmap(cooccurrence: pd.DataFrame, tallies: pd.DataFrame, level: str = "participant"):
    """Counts of participants (or passages) carrying both themes; the diagonal is each theme's own count."""
    labels = dict(zip(tallies["theme"], tallies["label"], strict=True))
    mine = cooccurrence[cooccurrence["level"] == level]
    matrix = mine.pivot(index="theme_a", columns="theme_b", values="n").reindex(index=tallies["theme"], columns=tallies["theme"])
    matrix = matrix.rename(index=labels, columns=labels)
    fig, ax = plt.subplots(figsize=(7.5, 6))
    sns.heatmap(matrix, annot=True, fmt="d", cmap="Blues", vmin=0, cbar_kws={"label": f"{level.capitalize()}s"}, square=True, linewidths=0.5, ax=ax)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(f"Study 1: theme co-occurrence within {level}s")
    return fig


def saturation_curve(saturation: pd.DataFrame, n_themes: int, n_codes: int):
    """Cumulative themes and codes as transcripts are added, against the codebook's totals."""
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    x = saturation["order"]
    for column, total, colour, name in (("cumulative_themes", n_themes, PALETTE[0], "Themes"), ("cumulative_codes", n_codes, PALETTE[2], "Codes")):
        ax.plot(x, saturation[column], marker="o", color=colour, label=f"{name} found")
        ax.axhline(total, color=colour, linestyle="--", linewidth=1, label=f"{name} in codebook ({total})")
    ax.set_xticks(x, [f"{k}\n{t}" for k, t in zip(x, saturation["transcript_id"], strict=True)], fontsize=8)
    ax.set_xlabel("Transcripts analysed, in order")
    ax.set_ylabel("Cumulative count")
    ax.set_ylim(0, max(n_codes, saturation["cumulative_codes"].max()) * 1.15)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_title("Study 1: saturation of themes and codes")
    ax.legend(loc="lower right", fontsize=8)
    return fig


LANDIS_KOCH = [(-1.0, 0.0, "poor"), (0.0, 0.2, "slight"), (0.2, 0.4, "fair"), (0.4, 0.6, "moderate"), (0.6, 0.8, "substantial"), (0.8, 1.0, "almost perfect")]


def kappa_by_theme(agreement: pd.DataFrame, tallies: pd.DataFrame):
    """Cohen's kappa per theme and overall with bootstrap CIs, over Landis & Koch's bands."""
    labels = dict(zip(tallies["theme"], tallies["label"], strict=True)) | {"all": "All themes (pooled)"}
    kappa = agreement[agreement["measure"] == "cohen_kappa"].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(kappa) + 1.6))
    low = float(np.nanmin([kappa["ci_low"].min(), 0.0]))
    for lo, hi, name in LANDIS_KOCH:
        if hi <= low:
            continue
        ax.axvspan(max(lo, low - 0.05), hi, color="#f3f3f3" if LANDIS_KOCH.index((lo, hi, name)) % 2 else "white", zorder=0)
        ax.text((max(lo, low - 0.05) + hi) / 2, -0.9, name, ha="center", va="bottom", fontsize=8, color="#666666")
    y = np.arange(len(kappa))
    colours = [VALENCE_COLOURS.get(tallies.set_index("theme")["valence"].get(t, ""), "black") for t in kappa["theme"]]
    ax.errorbar(
        kappa["value"], y, xerr=[kappa["value"] - kappa["ci_low"], kappa["ci_high"] - kappa["value"]], fmt="none", ecolor="#444444", capsize=3, zorder=2
    )
    ax.scatter(kappa["value"], y, color=colours, s=50, zorder=3)
    ax.set_yticks(y, [labels.get(t, t) for t in kappa["theme"]])
    ax.set_ylim(len(kappa) - 0.5, -1)
    ax.set_xlim(low - 0.05, 1.02)
    level = kappa["ci_level"].iloc[0] if len(kappa) else 0.95
    ax.set_xlabel(f"Cohen's kappa with {level:.0%} bootstrap CI (unit: coded passage)")
    ax.set_title("Study 1: coder agreement by theme", pad=16)
    return fig


def study1_figures(tallies, by_participant, cooccurrence, saturation, agreement, codebook, provenance, out_dir) -> None:
    """Draw and write the five Study 1 figures into ``out_dir``."""
    from .instruments import load_codebook

    apply_style()
    book = load_codebook(codebook)
    label = data_label(provenance)
    tallies = pd.read_csv(tallies, keep_default_na=False)
    people = pd.read_csv(by_participant, dtype={"participant_id": str, "group_id": str})
    out = Path(out_dir)
    save(theme_prevalence(tallies, len(people)), out / "theme_prevalence", label)
    save(theme_participant_heatmap(people, tallies), out / "theme_by_participant", label)
    save(cooccurrence_heatmap(pd.read_csv(cooccurrence), tallies), out / "cooccurrence", label)
    n_codes = sum(len(t.codes) or 1 for t in book.themes)
    save(saturation_curve(pd.read_csv(saturation), len(book.themes), n_codes), out / "saturation", label)
    agree = pd.read_csv(agreement)
    fig = kappa_by_theme(agree, tallies) if len(agree) else _no_agreement_figure()
    save(fig, out / "agreement_kappa", label)


def _no_agreement_figure():
    fig, ax = plt.subplots(figsize=(6, 2))
    ax.axis("off")
    ax.text(0.5, 0.5, "Coder agreement needs two or more coders;\nthe coded segments have one.", ha="center", va="center")
    return fig


# ----------------------------------------------------------------- Study 2


def diverging_responses(distribution: pd.DataFrame, items: pd.DataFrame, scale_min: int, scale_max: int):
    """Diverging stacked bars: disagreement left of zero, agreement right, the midpoint split across it."""
    codes = list(range(scale_min, scale_max + 1))
    k = len(codes)
    colours = sns.color_palette("BrBG", k)
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
        ax.barh(y, width, left=start, color=colours[j], edgecolor="white", linewidth=0.4, label=str(labels[code]).capitalize())
        start += width
    ax.axvline(0, color="#333333", linewidth=1)
    subscale_of = items.set_index("item")["subscale"]
    reverse = items.set_index("item")["reverse"]
    ax.set_yticks(y, [f"{i}{' (R)' if bool(reverse[i]) else ''}" for i in order], fontsize=8)
    ax.invert_yaxis()
    for j in range(1, len(order)):
        if subscale_of[order[j]] != subscale_of[order[j - 1]]:
            ax.axhline(j - 0.5, color="#333333", linewidth=0.8, linestyle=":")
    ax.set_xlim(-100, 100)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{abs(v):.0f}"))
    ax.set_xlabel("Respondents (%), disagreement to the left, agreement to the right")
    ax.set_title("Study 2: answers to the belief items, as given")
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


def loadings_heatmap(loadings: pd.DataFrame, items: pd.DataFrame, min_loading: float):
    """Pattern loadings, items grouped by intended subscale; loadings below ``min_loading`` shown faint."""
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
    ax.set_xlabel("Factor (named after the matched subscale)")
    ax.set_ylabel("Item (grouped by intended subscale)")
    ax.set_title(f"Study 2: pattern loadings (|loading| < {min_loading:g} left blank)")
    return fig


def study2_figures(distribution, items, scree, n_factors, loadings, questionnaire, provenance, min_loading: float, out_dir) -> None:
    """Draw and write the Study 2 psychometric figures into ``out_dir``."""
    from .instruments import load_questionnaire

    apply_style()
    q = load_questionnaire(questionnaire)
    label = data_label(provenance)
    items_t = pd.read_csv(items, keep_default_na=False)
    n_table = pd.read_csv(n_factors)
    used = int(n_table.loc[n_table["rule"] == "used", "n_factors"].iloc[0])
    percentile = float(n_table.loc[n_table["rule"] == "parallel_analysis", "percentile"].iloc[0])
    out = Path(out_dir)
    save(diverging_responses(pd.read_csv(distribution, keep_default_na=False), items_t, q.scale_min, q.scale_max), out / "item_responses", label)
    save(scree_parallel(pd.read_csv(scree), used, percentile), out / "scree_parallel", label)
    save(loadings_heatmap(pd.read_csv(loadings), items_t, min_loading), out / "loadings", label)


def scores_by_group(scores: pd.DataFrame, subscales: dict, groups: tuple[str, str], labels: dict, ci: float = 0.95):
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


def group_coefficients(models: pd.DataFrame, subscales: dict, difference: str):
    """The group coefficient (first minus second group) per subscale and model, with 95% CIs."""
    term = models[models["term"].str.startswith("group: ")]
    names = {"ols_hc3": "OLS with covariates, HC3 SEs", "mixed_team": "Mixed, team random intercept"}
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


def study2_comparison_figures(scores, models, questionnaire, provenance, ci: float, out_dir) -> None:
    """Draw and write the group-comparison figures into ``out_dir``."""
    from .comparisons import compared_groups
    from .instruments import load_questionnaire
    from .survey import read_clean

    apply_style()
    q = load_questionnaire(questionnaire)
    label = data_label(provenance)
    frame = read_clean(scores)
    out = Path(out_dir)
    save(scores_by_group(frame, q.subscales, compared_groups(q), q.group_labels, ci), out / "scores_by_group", label)
    first, second = (group_label(g, q.group_labels) for g in compared_groups(q))
    models_t = pd.read_csv(models, keep_default_na=False, na_values=[""])
    save(group_coefficients(models_t, q.subscales, f"{first} \u2212 {second}"), out / "group_coefficients", label)


# ----------------------------------------------------------------- Robustness

SIMULATION_LABEL = "SIMULATED from the calibrated synthetic model"
DECISION_NAMES = {
    "missing": "Missing data",
    "user_definition": "User defined by",
    "extraction": "Extraction",
    "rotation": "Rotation",
    "retention": "Retention",
    "test": "Test",
}


def specification_curve(table: pd.DataFrame, claims: dict, decisions: dict, alpha: float):
    """Specification curves: Bonett's d per specification, ranked, with each specification's choices below.

    ``claims`` maps a claim column (``S2-G+``) to ``(prefix, title)``; ``decisions`` maps
    a decision column to the options in grid order.
    """
    options = [(d, o) for d, opts in decisions.items() for o in opts]
    fig, axes = plt.subplots(
        2, len(claims), figsize=(6.2 * len(claims), 3.4 + 0.22 * len(options)), sharex="col",
        gridspec_kw={"height_ratios": [3.2, 0.22 * len(options)], "hspace": 0.05},
        squeeze=False,
    )
    for col, (claim, (prefix, title)) in enumerate(claims.items()):
        ranked = table.sort_values([f"{prefix}_d", "spec_id"], kind="stable").reset_index(drop=True)
        x = np.arange(len(ranked))
        verdict = ranked[claim]
        top, bottom = axes[0, col], axes[1, col]
        groups = (
            (verdict.fillna(False).astype(bool), PALETTE[2], "supported", "o"),
            (verdict.notna() & ~verdict.fillna(False).astype(bool), "#9a9a9a", "not supported", "o"),
            (verdict.isna(), "#d0d0d0", "not testable", "x"),
        )
        for mask, colour, name, marker in groups:
            mask = mask.to_numpy()
            if mask.any():
                top.scatter(x[mask], ranked.loc[mask, f"{prefix}_d"], s=9, color=colour, marker=marker, label=f"{name} ({mask.sum()})", zorder=3)
        main = np.flatnonzero(ranked["is_main"].fillna(False).astype(bool).to_numpy())
        for m in main:
            top.scatter([x[m]], [ranked.loc[m, f"{prefix}_d"]], s=70, facecolors="none", edgecolors="#b00020", linewidths=1.5, zorder=4, label="main analysis")
        top.axhline(0, color="#555555", linewidth=0.8)
        top.set_title(title)
        top.set_ylabel("Bonett's d (users \u2212 non-users)" if col == 0 else "")
        top.legend(loc="upper left", fontsize=8, frameon=True, title=f"Holm p < {alpha:g}, d > 0", title_fontsize=8)
        for row, (decision, option) in enumerate(options):
            used = (ranked[decision].astype(str) == str(option)).to_numpy()
            colours = np.where(verdict.fillna(False).astype(bool).to_numpy()[used], "#1b7837", "#7a7a7a")
            bottom.scatter(x[used], np.full(used.sum(), row), marker="|", s=28, c=colours, linewidths=0.9)
        bottom.set_yticks(range(len(options)), [f"{DECISION_NAMES.get(d, d)}: {o}" for d, o in options] if col == 0 else [""] * len(options), fontsize=8)
        bottom.set_ylim(len(options) - 0.5, -0.5)
        bottom.grid(axis="x", visible=False)
        bottom.set_xlabel(f"{len(ranked)} specifications, ranked by d")
        bottom.set_xlim(-1, len(ranked))
    return fig


def power_curves(power: pd.DataFrame, mde: pd.DataFrame, subscales: dict, reference_n: int, target: float):
    """Power against sample size (calibrated effect) and against the latent user shift at ``reference_n``."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.3))
    lines = {f"users_higher_{key}": (f"users > non-users: {name}", PALETTE[k]) for k, (key, name) in enumerate(subscales.items())}
    lines["two_factors"] = ("two factors recovered", PALETTE[2])
    for ax, kind, xcol in ((left, "sample_size", "n"), (right, "effect", "shift")):
        part = power[power["kind"] == kind]
        for quantity, (name, colour) in lines.items():
            rows = part[part["quantity"] == quantity].sort_values(xcol)
            if rows.empty:
                continue
            ax.plot(rows[xcol], rows["rate"], marker="o", color=colour, label=name)
            ax.fill_between(rows[xcol], rows["ci_low"], rows["ci_high"], color=colour, alpha=0.15, linewidth=0)
        ax.axhline(target, color="#555555", linestyle="--", linewidth=1)
        ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel("Share of simulated studies")
    left.axvline(reference_n, color="#b00020", linestyle=":", linewidth=1.2)
    left.text(reference_n, 0.03, f" n = {reference_n}", color="#b00020", fontsize=9)
    left.set_xlabel("Respondents (calibrated user shift)")
    left.set_title("Power against sample size")
    sim = mde[mde["method"] == "simulation"]
    for k, (key, _) in enumerate(subscales.items()):
        shift = sim.loc[sim["subscale"] == key, "latent_shift"]
        if len(shift) and np.isfinite(shift.iloc[0]):
            right.axvline(shift.iloc[0], color=PALETTE[k], linestyle=":", linewidth=1.2)
    right.set_xlabel(f"Latent shift, users \u2212 non-users (SD), n = {reference_n}")
    right.set_title(f"Sensitivity at n = {reference_n} (dotted: shift with power {target:g})")
    handles, names = left.get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=3, frameon=False, bbox_to_anchor=(0.5, -0.1))
    return fig


def robustness_figures(multiverse, power, mde, questionnaire, provenance, config: dict, out_dir) -> None:
    """Draw and write the specification curve and the power curves into ``out_dir``."""
    from .instruments import load_questionnaire
    from .multiverse import DECISIONS, read_multiverse

    apply_style()
    q = load_questionnaire(questionnaire)
    replication = config["replication"]
    settings = config["robustness"]
    out = Path(out_dir)
    table = read_multiverse(multiverse)
    names = {key: q.subscales.get(s, s) for key, s in replication["subscales"].items()}
    claims = {"S2-G+": ("positive", f"S2-G+: {names['positive']}"), "S2-G-": ("negative", f"S2-G-: {names['negative']}")}
    decisions = {d: settings["multiverse"][d] for d in DECISIONS}
    save(specification_curve(table, claims, decisions, replication["alpha"]), out / "specification_curve", data_label(provenance))
    power_t = pd.read_csv(power, keep_default_na=False, na_values=[""])
    mde_t = pd.read_csv(mde, keep_default_na=False, na_values=[""])
    fig = power_curves(power_t, mde_t, names, settings["power"]["reference_n"], settings["power"]["target_power"])
    save(fig, out / "power_curve", SIMULATION_LABEL)
