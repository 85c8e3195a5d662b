"""Robustness figures: the specification curve of the multiverse and the power curves."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from camhs_rom.core.plotting import PALETTE
from camhs_rom.robustness.plan import OPTION_WORDS

DECISION_NAMES = {
    "missing": "Missing data",
    "user_definition": "Groups defined by",
    "correlation": "Correlations",
    "extraction": "Extraction",
    "rotation": "Rotation",
    "retention": "Retention",
    "test": "Test",
}


def specification_curve(table: pd.DataFrame, claims: dict, decisions: dict, alpha: float, groups: tuple[str, str] = ("users", "non-users")):
    """Specification curves: Bonett's d per specification with its 95% interval, ranked, with each
    specification's choices below in words (:data:`camhs_rom.robustness.plan.OPTION_WORDS`).

    ``claims`` maps a claim column (``S2-G+``) to ``(prefix, title)``; ``decisions`` maps
    a decision column to the options in grid order. The claims are stacked one above the
    other at the width the report shows (8 inches), the labels at 10 points, so that they stay
    at 7 points or more when the figure is shrunk to fit an A4 page (about 11.5 inches tall at 19 options). "Supported" is a filled dark
    circle and a full-height tick, "not supported" an open grey circle and a dot, "not testable"
    a cross: shape and fill say it, not colour alone. The intervals are drawn when the table has
    them (``<prefix>_d_ci_low``/``_high``). ``groups``: the compared groups' labels (the sign of d).
    """
    options = [(d, o) for d, opts in decisions.items() for o in opts if (table[d].astype(str) == str(o)).any()]  # an option no specification ran (no frequency item) has no row
    grid_height = 0.17 * len(options) + 0.3
    fig = plt.figure(figsize=(8, len(claims) * (1.5 + grid_height + 0.7)))
    panels = fig.subfigures(len(claims), 1, squeeze=False)[:, 0]
    for k, (claim, (prefix, title)) in enumerate(claims.items()):
        ranked = table.sort_values([f"{prefix}_d", "spec_id"], kind="stable").reset_index(drop=True)
        x = np.arange(len(ranked))
        verdict = ranked[claim]
        supported = verdict.fillna(False).astype(bool).to_numpy()
        top, bottom = panels[k].subplots(2, 1, gridspec_kw={"height_ratios": [1.5, grid_height], "hspace": 0.06})
        if {f"{prefix}_d_ci_low", f"{prefix}_d_ci_high"} <= set(ranked.columns):
            top.vlines(x, ranked[f"{prefix}_d_ci_low"], ranked[f"{prefix}_d_ci_high"], color="#c8c8c8", linewidth=0.8, zorder=2,
                       label="95% interval")
        markers = (
            (supported, dict(color=PALETTE[2], marker="o"), "supported"),
            (verdict.notna().to_numpy() & ~supported, dict(facecolors="white", edgecolors="#6a6a6a", marker="o", linewidths=0.9), "not supported"),
            (verdict.isna().to_numpy(), dict(color="#8a8a8a", marker="x"), "not testable"),
        )
        for mask, style, name in markers:
            if mask.any():
                top.scatter(x[mask], ranked.loc[mask, f"{prefix}_d"], s=16, label=f"{name} ({mask.sum()})", zorder=3, **style)
        main = np.flatnonzero(ranked["is_main"].fillna(False).astype(bool).to_numpy())
        for m in main:
            top.scatter([x[m]], [ranked.loc[m, f"{prefix}_d"]], s=90, facecolors="none", edgecolors="#b00020", linewidths=1.5, zorder=4, label="main analysis")
        top.axhline(0, color="#555555", linewidth=0.8)
        top.set_title(title, loc="left", fontsize=11)
        top.set_ylabel(f"Bonett's d\n({groups[0]} \u2212 {groups[1]})", fontsize=10)
        top.tick_params(axis="y", labelsize=10)
        top.legend(loc="upper left", fontsize=9, frameon=True, title=f"Holm p < {alpha:g} and d > 0", title_fontsize=9, ncols=2)
        top.set_xlim(-1, len(ranked))
        top.tick_params(labelbottom=False)
        for row, (decision, option) in enumerate(options):
            used = (ranked[decision].astype(str) == str(option)).to_numpy()
            yes, no = used & supported, used & ~supported
            bottom.scatter(x[yes], np.full(yes.sum(), row), marker="|", s=60, color=PALETTE[2], linewidths=1.4)
            bottom.scatter(x[no], np.full(no.sum(), row), marker=".", s=12, color="#7a7a7a", linewidths=0)
        bottom.set_yticks(range(len(options)), [f"{DECISION_NAMES.get(d, d)}: {OPTION_WORDS.get(str(o), o)}" for d, o in options], fontsize=10)
        bottom.set_ylim(len(options) - 0.5, -0.5)
        bottom.set_xlim(-1, len(ranked))
        bottom.grid(axis="x", visible=False)
        bottom.tick_params(axis="x", labelsize=10)
        bottom.set_xlabel(f"{len(ranked)} specifications, ranked by d (tick: the claim is supported; dot: not supported)", fontsize=10)
    return fig


def power_curves(power: pd.DataFrame, mde: pd.DataFrame, subscales: dict, reference_n: int, target: float,
                 groups: tuple[str, str] = ("users", "non-users"), simulated: str = "calibrated"):
    """Power against sample size (the model's own group difference) and against the latent shift between ``groups``
    at ``reference_n``; ``simulated``: ``calibrated`` (the synthetic generator) or ``fitted`` (a model of the data)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.3))
    lines = {f"users_higher_{key}": (f"{groups[0]} > {groups[1]}: {name}", PALETTE[k]) for k, (key, name) in enumerate(subscales.items())}
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
    left.set_xlabel("Respondents (calibrated user shift)" if simulated == "calibrated" else "Respondents (the group difference as fitted)")
    left.set_title("Power against sample size")
    sim = mde[mde["method"] == "simulation"]
    for k, (key, _) in enumerate(subscales.items()):
        shift = sim.loc[sim["subscale"] == key, "latent_shift"]
        if len(shift) and np.isfinite(shift.iloc[0]):
            right.axvline(shift.iloc[0], color=PALETTE[k], linestyle=":", linewidth=1.2)
    right.set_xlabel(f"Latent shift, {groups[0]} \u2212 {groups[1]} (SD), n = {reference_n}")
    right.set_title(f"Sensitivity at n = {reference_n} (dotted: shift with power {target:g})")
    handles, names = left.get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=3, frameon=False, bbox_to_anchor=(0.5, -0.1))
    return fig
