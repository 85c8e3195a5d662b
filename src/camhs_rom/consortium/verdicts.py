"""The consortium's scorecard: each claim judged on the pooled estimates, heterogeneity beside it.

The criteria are the single-site ones carried to the pooled evidence, fixed by the same
``replication`` settings:

``S1-T*``
    the theme rule (``replication.theme_rule``) on all sites' participants together (share
    of participants, focus groups counted over the sites) and the codebook valence;
``S2-F``
    the 95% Knapp-Hartung interval of the pooled share (logit scale, back-transformed)
    contains ``frequency_pct``;
``S2-K``
    the run's retention rule keeps ``n_factors`` factors of the pooled within-site correlation
    matrix, the pooled EFA matches every intended subscale with Tucker congruence >=
    ``min_congruence`` and misplaces no item, and the configural model across the sites fits
    acceptably (``study2.measurement``);
``S2-G+`` / ``S2-G-``
    the pooled Hedges g (first group minus second) is positive and its 95% Knapp-Hartung
    interval excludes 0 (the one-sided test at alpha / 2 = .025).

Beside each pooled claim: k, tau^2, I^2, Q with its p and the 95% prediction interval, in
words, and how many sites' own intervals support the claim.
"""

from __future__ import annotations

import pandas as pd

from camhs_rom.replication.claims import theme_voiced, two_factors_recovered
from camhs_rom.replication.roles import CLAIM_TEXT, GROUP_CLAIMS
from camhs_rom.replication.scorecard import NOT_REPRODUCED, NOT_TESTABLE, REPRODUCED, study1_claim_list, study2_claim_list
from camhs_rom.study2.apa import number, p_value

CONSORTIUM_SCORECARD_COLUMNS = ["claim_id", "claim", "original", "pooled", "criterion", "verdict", "k", "heterogeneity", "sites_supporting", "evidence", "data_label"]


def heterogeneity_words(row: dict) -> str:
    """tau^2, I^2, Q with its p and the prediction interval of a pooled row, in APA style (empty for one site)."""
    if int(row["k"]) < 2:
        return "one site: nothing to pool"
    return (f"\u03c4\u00b2 = {number(row['tau2'], 3, False)}, I\u00b2 = {row['i2']:.0f}%, Q({int(row['k']) - 1}) = {number(row['q'], 2)}, "
            f"{p_value(row['q_p'])}; 95% PI [{number(row['pi_low'], 2)}, {number(row['pi_high'], 2)}]")


def _verdict(ok: bool) -> str:
    return REPRODUCED if ok else NOT_REPRODUCED


def study1_rows(themes: pd.DataFrame, settings: dict, codebook, label: str) -> list[dict]:
    rows = []
    rule = settings["theme_rule"]
    for k, ((theme, valence), (_, claim, _)) in enumerate(zip(settings["themes"].items(), study1_claim_list(settings)[1:], strict=True), start=1):
        base = {"claim_id": f"S1-T{k}", "claim": claim, "original": valence, "evidence": "themes_by_site.csv", "data_label": label}
        criterion = (f"across the sites, the theme is coded for at least {rule['participant_share']:.0%} of the participants from at least "
                     f"{rule['groups']} focus groups, and has valence {valence}")
        total = themes[(themes["theme"] == theme) & (themes["site"] == "all sites")]
        if total.empty or codebook is None or theme not in codebook.theme_ids:
            rows.append({**base, "pooled": "theme not in the sites' summaries or the codebook", "criterion": criterion, "verdict": NOT_TESTABLE, "k": 0})
            continue
        row = total.iloc[0]
        per_site = themes[(themes["theme"] == theme) & (themes["site"] != "all sites")]
        voiced_sites = int((per_site["participants"] > 0).sum())
        ok = theme_voiced(int(row["participants"]), int(row["groups"]), rule, int(row["n_participants"])) and codebook.theme(theme).valence == valence
        rows.append({**base, "pooled": f"{int(row['participants'])} of {int(row['n_participants'])} participants ({row['share']:.0%}) from "
                     f"{int(row['groups'])} of {int(row['n_groups'])} groups at {voiced_sites} of {len(per_site)} sites",
                     "criterion": criterion, "verdict": _verdict(bool(ok)), "k": len(per_site), "heterogeneity": "",
                     "sites_supporting": f"{voiced_sites} of {len(per_site)} sites: voiced by someone"})
    return rows


def frequency_row(meta: pd.DataFrame, effects: pd.DataFrame, settings: dict, label: str) -> dict:
    _, claim, original = study2_claim_list(settings)[1]
    base = {"claim_id": "S2-F", "claim": claim, "original": original, "evidence": "meta_analysis.csv", "data_label": label,
            "criterion": f"the 95% Knapp-Hartung interval of the pooled share answering {settings['frequency_level']!r} contains {settings['frequency_pct']}%"}
    pooled = meta[meta["claim"] == "S2-F"]
    if pooled.empty:
        return {**base, "pooled": "no site summary has the frequency level", "verdict": NOT_TESTABLE, "k": 0}
    row = pooled.iloc[0].to_dict()
    want = settings["frequency_pct"] / 100
    sites = effects[effects["claim"] == "S2-F"]
    inside = int(((sites["ci_low"] <= want) & (sites["ci_high"] >= want)).sum())
    return {**base, "pooled": f"{row['estimate']:.1%}, 95% CI [{row['ci_low']:.1%}, {row['ci_high']:.1%}]", "k": int(row["k"]),
            "verdict": _verdict(row["ci_low"] <= want <= row["ci_high"]), "heterogeneity": heterogeneity_words(row).replace("\u03c4\u00b2 =", "\u03c4\u00b2 (log odds) ="),
            "sites_supporting": f"{inside} of {len(sites)} sites' Wilson intervals contain {settings['frequency_pct']}%"}


def structure_row(structure: dict | None, invariance: pd.DataFrame, settings: dict, label: str) -> dict:
    _, claim, original = study2_claim_list(settings)[2]
    criterion = (f"the retention rule keeps {settings['n_factors']} factors of the pooled within-site correlation matrix, the pooled EFA "
                 f"matches each subscale with congruence \u2265 {settings['min_congruence']:.2f} and misplaces no item, and the configural "
                 "model across the sites fits acceptably")
    base = {"claim_id": "S2-K", "claim": claim, "original": original, "criterion": criterion, "evidence": "congruence_across_sites.csv; invariance_across_sites.csv",
            "data_label": label}
    if structure is None:
        return {**base, "pooled": "no site summary has item covariances", "verdict": NOT_TESTABLE, "k": 0}
    configural = invariance[invariance["model"] == "configural"].iloc[0]
    holds = str(configural.get("holds")) == "True"
    ok = two_factors_recovered(structure["n_factors"], structure["congruences"], structure["misplaced"], settings) and holds
    fitted = (f"configural model across sites CFI {number(configural['cfi'], 2, False)}, RMSEA {number(configural['rmsea'], 2, False)}"
              if pd.notna(configural.get("cfi")) else str(configural["note"]))
    sites = structure["sites"]
    low = sites.groupby("site")["congruence"].min()
    found = (f"{structure['why']}: {structure['n_factors']} factors; congruence {', '.join(number(c, 2, False) for c in structure['congruences'])}; "
             f"{structure['misplaced']} item(s) misplaced; {fitted}")
    return {**base, "pooled": found, "verdict": _verdict(ok), "k": int(configural["k"]), "heterogeneity": "",
            "sites_supporting": f"{int((low >= settings['min_congruence']).sum())} of {len(low)} sites' solutions at congruence \u2265 {settings['min_congruence']:.2f} with the pooled one"}


def group_rows(meta: pd.DataFrame, effects: pd.DataFrame, settings: dict, label: str) -> list[dict]:
    rows = []
    for claim_id, role in GROUP_CLAIMS.items():
        subscale = settings["subscales"].get(role)
        base = {"claim_id": claim_id, "claim": CLAIM_TEXT[claim_id], "original": "users > non-users", "evidence": "meta_analysis.csv; site_effects.csv",
                "data_label": label, "criterion": f"{subscale}: pooled Hedges g > 0 with its 95% Knapp-Hartung interval above 0"}
        pooled = meta[(meta["measure"] == "hedges_g") & (meta["subscale"] == subscale)]
        if pooled.empty:
            rows.append({**base, "pooled": "no site summary compares the groups on this subscale", "verdict": NOT_TESTABLE, "k": 0})
            continue
        row = pooled.iloc[0].to_dict()
        sites = effects[(effects["measure"] == "hedges_g") & (effects["subscale"] == subscale)]
        rows.append({**base, "pooled": f"g = {number(row['estimate'], 2)}, 95% CI [{number(row['ci_low'], 2)}, {number(row['ci_high'], 2)}], {p_value(row['p'])}",
                     "verdict": _verdict(row["estimate"] > 0 and row["ci_low"] > 0), "k": int(row["k"]), "heterogeneity": heterogeneity_words(row),
                     "sites_supporting": f"{int((sites['ci_low'] > 0).sum())} of {len(sites)} sites' own intervals above 0"})
    return rows


def consortium_scorecard(tables: dict, structure: dict | None, settings: dict, codebook, study1_label: str, study2_label: str) -> pd.DataFrame:
    """The consortium's scorecard (columns :data:`CONSORTIUM_SCORECARD_COLUMNS`) from the pooled tables."""
    rows = []
    if len(tables["themes_by_site"]):
        rows += study1_rows(tables["themes_by_site"], settings, codebook, study1_label)
    if len(tables["site_effects"]) or structure is not None:
        rows.append(frequency_row(tables["meta_analysis"], tables["site_effects"], settings, study2_label))
        rows.append(structure_row(structure, tables["invariance_across_sites"], settings, study2_label))
        rows += group_rows(tables["meta_analysis"], tables["site_effects"], settings, study2_label)
    return pd.DataFrame(rows, columns=CONSORTIUM_SCORECARD_COLUMNS)
