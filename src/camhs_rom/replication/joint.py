"""The joint display of the two studies: each focus-group theme beside the items written from it.

The paper's design is sequential: the Study 1 themes gave the Study 2 questionnaire its
items (each item's ``theme`` in the questionnaire spec). The joint display (Fetters,
Curry & Creswell, 2013, Health Services Research 48, 2134-2156) puts the two side by side,
one row per item, with its theme's figures repeated:

- **Study 1**: how many participants voiced the theme (``participants``,
  ``pct_participants``) in how many focus groups (``theme_tallies.csv``);
- **Study 2**: the share of respondents answering in the theme's direction
  (``endorse_pct``): above the scale's midpoint for an item worded in the theme's
  direction, below it for a reverse-keyed item (whose disagreement supports the theme);
  the item's loading on the factor matched to its intended subscale (``loading``) and
  whether it loads most on that factor (``loads_on_subscale``, ``efa_item_flags.csv``);
  the mean of ``endorse_pct`` over the theme's items (``theme_endorse_pct``);
- **convergence**, per theme, with ``majority`` (``replication.majority``, default .5):
  ``convergent (majority in both)`` when the theme was voiced by at least that share of
  participants and endorsed by at least that share of respondents on average;
  ``convergent (minority in both)`` when neither; ``divergent (focus groups higher)`` or
  ``divergent (questionnaire higher)`` otherwise; ``no items`` when no item was written
  from the theme.

Endorsement on a Likert scale and voicing a theme in a discussion are different acts, so
the labels describe agreement in direction, not equality of the percentages.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from camhs_rom.core.plotting import VALENCE_COLOURS

COLUMNS = [
    "theme", "theme_label", "valence", "participants", "pct_participants", "n_groups", "item", "subscale", "reverse",
    "endorse_pct", "loading", "loads_on_subscale", "theme_items", "theme_endorse_pct", "convergence",
]


def endorsement(distribution: pd.DataFrame, reverse: dict[str, bool], scale_min: float, scale_max: float) -> pd.Series:
    """Per item, the % of those answering who answered in the theme's direction (see the module docstring).

    ``distribution`` is ``response_distribution.csv`` (item, code, n); the midpoint itself
    counts for neither side.
    """
    middle = (scale_min + scale_max) / 2
    d = distribution.assign(code=pd.to_numeric(distribution["code"]))
    d = d.assign(favour=np.where(d["item"].map(reverse).fillna(False).astype(bool), d["code"] < middle, d["code"] > middle))
    totals = d.groupby("item", sort=False)["n"].sum()
    agree = d[d["favour"]].groupby("item", sort=False)["n"].sum().reindex(totals.index, fill_value=0)
    return (100 * agree / totals.where(totals > 0)).rename("endorse_pct")


def convergence(pct_participants: float, theme_endorse_pct: float, n_items: int, majority: float) -> str:
    """The theme's convergence label (module docstring)."""
    if n_items == 0 or not np.isfinite(theme_endorse_pct):
        return "no items"
    voiced, endorsed = pct_participants >= 100 * majority, theme_endorse_pct >= 100 * majority
    if voiced == endorsed:
        return "convergent (majority in both)" if voiced else "convergent (minority in both)"
    return "divergent (focus groups higher)" if voiced else "divergent (questionnaire higher)"


def joint_table(tallies: pd.DataFrame, items: pd.DataFrame, distribution: pd.DataFrame, flags: pd.DataFrame,
                scale: tuple[float, float], majority: float) -> pd.DataFrame:
    """One row per questionnaire item (and one per theme no item was written from), ordered by theme.

    ``tallies`` is ``theme_tallies.csv``; ``items`` has ``item``, ``theme``, ``subscale``,
    ``reverse`` (from the questionnaire spec); ``flags`` is ``efa_item_flags.csv``.
    """
    reverse = dict(zip(items["item"], items["reverse"].astype(bool), strict=True))
    endorse = endorsement(distribution, reverse, *scale)
    flag = flags.set_index("item")
    rows = []
    for theme in tallies.itertuples(index=False):
        written = items[items["theme"] == theme.theme]
        share = endorse.reindex(written["item"])
        mean = float(share.mean()) if len(written) and share.notna().any() else float("nan")
        label = convergence(theme.pct_participants, mean, len(written), majority)
        base = {"theme": theme.theme, "theme_label": theme.label, "valence": theme.valence, "participants": theme.n_participants,
                "pct_participants": theme.pct_participants, "n_groups": theme.n_groups, "theme_items": len(written),
                "theme_endorse_pct": mean, "convergence": label}
        if written.empty:
            rows.append({**base, "item": "", "subscale": "", "reverse": "", "endorse_pct": np.nan, "loading": np.nan, "loads_on_subscale": ""})
        for item in written.itertuples(index=False):
            known = item.item in flag.index
            rows.append({**base, "item": item.item, "subscale": item.subscale, "reverse": bool(item.reverse), "endorse_pct": endorse.get(item.item, np.nan),
                         "loading": flag.at[item.item, "own_loading"] if known else np.nan,
                         "loads_on_subscale": (not bool(flag.at[item.item, "misplaced"])) if known else ""})
    return pd.DataFrame(rows, columns=COLUMNS)


def joint_figure(table: pd.DataFrame, majority: float):
    """Per theme: the share of participants who voiced it (bar) beside its items' endorsement (dots)."""
    themes = table.drop_duplicates("theme")
    fig, ax = plt.subplots(figsize=(8, 0.75 * len(themes) + 1.9))
    y = np.arange(len(themes))
    colours = [VALENCE_COLOURS.get(v, VALENCE_COLOURS["other"]) for v in themes["valence"]]
    ax.barh(y, themes["pct_participants"], height=0.55, color=colours, alpha=0.85)
    for valence in dict.fromkeys(themes["valence"]):
        ax.barh([0], [0], color=VALENCE_COLOURS.get(valence, VALENCE_COLOURS["other"]), label=f"Study 1: participants voicing a {valence} theme")
    for k, theme in enumerate(themes["theme"]):
        rows = table[(table["theme"] == theme) & table["endorse_pct"].notna()]
        on = rows["loads_on_subscale"].astype(str) == "True"
        offsets = np.linspace(-0.18, 0.18, len(rows)) if len(rows) > 1 else np.zeros(len(rows))
        ax.scatter(rows["endorse_pct"][on], k + offsets[on.to_numpy()], marker="o", s=38, color="black", zorder=3,
                   label="Study 2: item endorsed (loads on its subscale)" if k == 0 else None)
        ax.scatter(rows["endorse_pct"][~on], k + offsets[~on.to_numpy()], marker="o", s=38, facecolor="white", edgecolor="black", zorder=3,
                   label="Study 2: item endorsed (loads elsewhere)" if k == 0 else None)
        if len(rows):
            ax.plot([rows["endorse_pct"].mean()] * 2, [k - 0.32, k + 0.32], color="black", linewidth=2, zorder=4)
    ax.axvline(100 * majority, color="#555555", linestyle="--", linewidth=1)
    ax.set_yticks(y, [f"{label}\n{conv}" for label, conv in zip(themes["theme_label"], themes["convergence"], strict=True)])
    ax.invert_yaxis()
    ax.set_xlim(0, 105)
    ax.set_xlabel("% of participants (bars); % of respondents agreeing in the theme's direction (dots; line: mean)")
    ax.set_title("Joint display: focus-group themes and the questionnaire items written from them")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False, fontsize=9)
    return fig
