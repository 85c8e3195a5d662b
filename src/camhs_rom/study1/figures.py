"""Study 1 figures: theme prevalence, who voiced what, co-occurrence, saturation, agreement."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from camhs_rom.core.plotting import ABSENT, PALETTE, VALENCE_COLOURS, notice_figure


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


def no_agreement_figure(reason: str = "Coder agreement needs two or more coders; the coded segments have one."):
    """A panel saying, in words, why there is no agreement statistic (no axes, no number)."""
    return notice_figure(reason)
