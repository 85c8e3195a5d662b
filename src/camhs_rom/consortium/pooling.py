"""The consortium's pooled estimates from the sites' summaries: one random-effects model per effect.

``site_effects`` lists each site's estimate with its 95% interval (Hedges g per subscale with
the normal interval of its variance; the share giving the claim's frequency level with its
Wilson interval; alpha per subscale with Feldt's interval), and ``meta_analysis`` pools them
with :func:`camhs_rom.stats.meta.random_effects` (REML, Knapp-Hartung): group differences on
Hedges g, the frequency share on the logit scale (back-transformed; tau^2 stays on the logit
scale), alpha on Bonett's scale (``reliability_generalisation``, back-transformed). Themes
(Study 1) are counted: the participants voicing each theme at each site and in all; coder
agreement (Cohen's kappa) at each site and from the sites' 2 x 2 tables summed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from camhs_rom.consortium.sites import SiteSummary
from camhs_rom.consortium.summary import kappa_of_counts
from camhs_rom.stats.meta import bonett_alpha, hedges_g, inverse_bonett, inverse_logit, logit_proportion, random_effects
from camhs_rom.stats.proportions import wilson_interval
from camhs_rom.stats.reliability import feldt_interval

SITE_EFFECT_COLUMNS = ["claim", "subscale", "measure", "site", "estimate", "ci_low", "ci_high", "variance", "n_1", "n_2"]
META_ANALYSIS_COLUMNS = ["claim", "subscale", "k", "estimate", "ci_low", "ci_high", "tau2", "i2", "q", "q_p", "pi_low", "pi_high", "measure", "p", "n"]
RELIABILITY_COLUMNS = ["subscale", "k", "alpha", "ci_low", "ci_high", "tau2", "i2", "q", "q_p", "pi_low", "pi_high", "n"]
THEME_COLUMNS = ["theme", "site", "participants", "n_participants", "share", "groups", "n_groups"]
AGREEMENT_COLUMNS = ["theme", "pair", "site", "passages", "both", "first_only", "second_only", "neither", "kappa"]
COUNTS = ["both", "first_only", "second_only", "neither"]
ALL_SITES = "all sites"
Z95 = stats.norm.ppf(0.975)


def claim_of_subscale(settings: dict) -> dict[str, str]:
    """Each group-difference claim's subscale (``replication.subscales``) -> its claim id."""
    claims = {"positive": "S2-G+", "negative": "S2-G-"}
    return {subscale: claims[role] for role, subscale in settings["subscales"].items() if role in claims}


def _pooled_row(claim: str, subscale: str, measure: str, y, v, n: int, back=None) -> dict:
    result = random_effects(y, v)
    values = result.transformed(back) if back else result.as_dict()
    return {"claim": claim, "subscale": subscale, "measure": measure, **{k: values[k] for k in META_ANALYSIS_COLUMNS if k in values}, "n": n}


def group_differences(sites: list[SiteSummary], subscales: list[str], groups: tuple[str, str], settings: dict) -> tuple[list[dict], list[dict]]:
    """Per subscale, each site's Hedges g (first group minus second) and the pooled g."""
    claim_of = claim_of_subscale(settings)
    effects, pooled = [], []
    for subscale in subscales:
        y, v, n = [], [], 0
        for site in sites:
            table = site.tables.get("study2_groups")
            if table is None:
                continue
            rows = table[table["subscale"].astype(str) == subscale]
            rows = rows.set_index(rows["group"].astype(str))
            if not all(g in rows.index for g in groups) or (rows.loc[list(groups), "n"] < 2).any():
                continue
            first, second = rows.loc[groups[0]], rows.loc[groups[1]]
            g, var = hedges_g(first["n"], first["mean"], first["sd"], second["n"], second["mean"], second["sd"])
            g, var = float(g), float(var)
            effects.append({"claim": claim_of.get(subscale, ""), "subscale": subscale, "measure": "hedges_g", "site": site.name,
                            "estimate": g, "ci_low": g - Z95 * np.sqrt(var), "ci_high": g + Z95 * np.sqrt(var), "variance": var,
                            "n_1": int(first["n"]), "n_2": int(second["n"])})
            y.append(g)
            v.append(var)
            n += int(first["n"] + second["n"])
        if y:
            pooled.append(_pooled_row(claim_of.get(subscale, ""), subscale, "hedges_g", y, v, n))
    return effects, pooled


def frequency_share(sites: list[SiteSummary], level: str) -> tuple[list[dict], list[dict]]:
    """Each site's share giving ``level`` (Wilson interval) and the share pooled on the logit scale."""
    effects, x, n = [], [], []
    for site in sites:
        table = site.tables.get("study2_frequency")
        if table is None or level not in set(table["level"].astype(str)):
            continue
        row = table[table["level"].astype(str) == level].iloc[0]
        low, high = wilson_interval(int(row["n"]), int(row["n_answered"]))
        effects.append({"claim": "S2-F", "subscale": "", "measure": "proportion", "site": site.name, "estimate": row["n"] / row["n_answered"],
                        "ci_low": low, "ci_high": high, "variance": float(logit_proportion(row["n"], row["n_answered"])[1]),
                        "n_1": int(row["n_answered"]), "n_2": np.nan})
        x.append(int(row["n"]))
        n.append(int(row["n_answered"]))
    if not x:
        return effects, []
    y, v = logit_proportion(x, n)
    return effects, [_pooled_row("S2-F", "", "proportion (pooled as log odds; tau2 on that scale)", y, v, int(sum(n)), inverse_logit)]


def reliability_generalisation(sites: list[SiteSummary], subscales: list[str]) -> tuple[list[dict], pd.DataFrame]:
    """Each site's alpha (Feldt interval) and alpha pooled on Bonett's scale, per subscale."""
    effects, rows = [], []
    for subscale in subscales:
        alpha, k, n, names = [], [], [], []
        for site in sites:
            table = site.tables.get("study2_reliability")
            if table is None:
                continue
            match = table[table["subscale"].astype(str) == subscale]
            if match.empty or not np.isfinite(match["alpha"].iloc[0]) or match["n_items"].iloc[0] < 2 or match["n"].iloc[0] < 3:
                continue
            row = match.iloc[0]
            low, high = feldt_interval(float(row["alpha"]), int(row["n"]), int(row["n_items"]))
            effects.append({"claim": "", "subscale": subscale, "measure": "alpha", "site": site.name, "estimate": float(row["alpha"]),
                            "ci_low": low, "ci_high": high, "variance": float(bonett_alpha(row["alpha"], row["n_items"], row["n"])[1]),
                            "n_1": int(row["n"]), "n_2": np.nan})
            alpha.append(float(row["alpha"]))
            k.append(int(row["n_items"]))
            n.append(int(row["n"]))
            names.append(site.name)
        if alpha:
            y, v = bonett_alpha(alpha, k, n)
            values = random_effects(y, v).transformed(inverse_bonett)
            rows.append({"subscale": subscale, **{c: values[c] for c in RELIABILITY_COLUMNS if c in values and c != "alpha"},
                         "alpha": values["estimate"], "n": int(sum(n))})
    return effects, pd.DataFrame(rows, columns=RELIABILITY_COLUMNS)


def themes_by_site(sites: list[SiteSummary], themes: list[str]) -> pd.DataFrame:
    """Participants voicing each theme at each site, and in all sites together (site ``all sites``)."""
    rows = []
    for theme in themes:
        total = {"participants": 0, "n_participants": 0, "groups": 0, "n_groups": 0}
        for site in sites:
            table = site.tables.get("study1_themes")
            if table is None:
                continue
            match = table[table["theme"].astype(str) == theme]
            if match.empty:
                continue
            row = {c: int(match[c].iloc[0]) for c in total}
            rows.append([theme, site.name, *row.values(), row["participants"] / row["n_participants"] if row["n_participants"] else np.nan])
            total = {c: total[c] + row[c] for c in total}
        if total["n_participants"]:
            rows.append([theme, ALL_SITES, *total.values(), total["participants"] / total["n_participants"]])
    frame = pd.DataFrame(rows, columns=["theme", "site", "participants", "n_participants", "groups", "n_groups", "share"])
    return frame.reindex(columns=THEME_COLUMNS)


def agreement_across_sites(sites: list[SiteSummary], themes: list[str]) -> pd.DataFrame:
    """Cohen's kappa of each theme and coder pair at each site and from the 2 x 2 tables summed over the sites
    (``all sites``: the passages of every site as one table, weighting each site by its passages)."""
    rows = []
    for theme in themes:
        pairs = {}
        for site in sites:
            table = site.tables.get("study1_agreement_counts")
            if table is None:
                continue
            for row in table[table["theme"].astype(str) == theme].to_dict("records"):
                counts = [int(row[c]) for c in COUNTS]
                rows.append([theme, row["pair"], site.name, sum(counts), *counts, kappa_of_counts(*counts)])
                pairs[row["pair"]] = [a + b for a, b in zip(pairs.get(row["pair"], [0, 0, 0, 0]), counts, strict=True)]
        for pair, counts in pairs.items():
            rows.append([theme, pair, ALL_SITES, sum(counts), *counts, kappa_of_counts(*counts)])
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)


def site_effects_table(*parts: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([row for part in parts for row in part], columns=SITE_EFFECT_COLUMNS)


def meta_table(*parts: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([row for part in parts for row in part], columns=META_ANALYSIS_COLUMNS)
