"""Forest plots of the consortium: each site's estimate and interval, the pooled estimate and its prediction interval."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon

from camhs_rom.core.plotting import PALETTE

SITE_COLOUR, POOLED_COLOUR = "#333333", PALETTE[0]


def _panel(ax, sites: pd.DataFrame, pooled: dict, reference: float | None, axis_label: str = "") -> None:
    """One forest: sites top to bottom (squares sized by weight, 95% CIs), then the pooled diamond and prediction interval."""
    k = len(sites)
    weights = 1 / np.asarray(sites["variance"], dtype=float)
    sizes = 30 + 120 * weights / weights.max()
    ys = np.arange(k, 0, -1) + 1.0
    for y, (_, row), size in zip(ys, sites.iterrows(), sizes, strict=True):
        ax.plot([row["ci_low"], row["ci_high"]], [y, y], color=SITE_COLOUR, lw=1.2)
        ax.scatter([row["estimate"]], [y], marker="s", s=size, color=SITE_COLOUR, zorder=3)
    est, low, high = (pooled[key] for key in ("estimate", "ci_low", "ci_high"))
    ax.add_patch(Polygon([[low, 0.8], [est, 1.1], [high, 0.8], [est, 0.5]], closed=True, color=POOLED_COLOUR, zorder=3))
    if np.isfinite(pooled.get("pi_low", np.nan)):
        ax.plot([pooled["pi_low"], pooled["pi_high"]], [0.2, 0.2], color=POOLED_COLOUR, lw=2, linestyle=(0, (4, 2)))
    if reference is not None:
        ax.axvline(reference, color="#888888", lw=1, linestyle=":")
    labels = list(sites["site"]) + ["Pooled (REML, Knapp-Hartung 95% CI)", "95% prediction interval"]
    ax.set_yticks(list(ys) + [0.8, 0.2], labels=labels)
    ax.set_ylim(-0.3, k + 1.7)
    ax.set_xlabel(axis_label)
    ax.grid(axis="y", visible=False)


def forest_figure(effects: pd.DataFrame, meta: pd.DataFrame, panels: list[tuple[str, str]], reference: float | None, axis_label: str, key: str = "subscale"):
    """A figure with one forest per ``(value of key, panel title)`` in ``panels`` (``meta``: one pooled row per value, estimate and
    intervals on the scale of ``effects``)."""
    fig, axes = plt.subplots(len(panels), 1, figsize=(7.5, 1.2 + sum(0.38 * (len(effects[effects[key] == v]) + 2) + 0.9 for v, _ in panels)), squeeze=False)
    for ax, (value, title) in zip(axes[:, 0], panels, strict=True):
        sites = effects[effects[key] == value]
        pooled = meta[meta[key] == value].iloc[0].to_dict()
        _panel(ax, sites, pooled, reference, axis_label)
        ax.set_title(title, loc="left")
    handles = [Line2D([], [], marker="s", color=SITE_COLOUR, lw=1.2, label="site: estimate and 95% CI"),
               Line2D([], [], marker="D", color=POOLED_COLOUR, lw=0, label="pooled estimate and 95% CI"),
               Line2D([], [], color=POOLED_COLOUR, lw=2, linestyle=(0, (4, 2)), label="95% prediction interval")]
    fig.legend(handles=handles, loc="upper center", ncol=3, frameon=False, bbox_to_anchor=(0.5, 1.0), fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return fig
