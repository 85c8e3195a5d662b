"""The replication scorecard: each published claim of James et al. (2015), checked on the data given.

Every criterion is fixed in the config (``replication``) before any data are seen; the
verdict is ``reproduced``, ``not_reproduced`` or ``not_testable`` (the data or
instruments cannot speak to the claim, e.g. a questionnaire without the frequency item).
A claim is never dropped silently.

Columns of ``scorecard.csv``: claim_id, claim (in the paper's words), original, replicated,
criterion, verdict, evidence (the result file(s) holding the numbers), data_label (of the
claim's own study), in_this_study (what the claim is about in this study's own terms: the
questionnaire's group and subscale labels, the codebook's theme labels); then, beside the
verdicts of S2-G+ and S2-G- and empty for the other claims, the evidence of
:mod:`camhs_rom.replication.evidence` (effect with interval, Bayes factor, equivalence test,
multiverse share, power at the smallest effect of interest, outcome class); last, ``deviation``: the
settings in which this run deviates from its preregistration that can move the claim's verdict
(empty when none, or when the run names no preregistration).
"""

from __future__ import annotations

import math

import pandas as pd

from camhs_rom.core.contract import EVIDENCE
from camhs_rom.instruments.codebook import Codebook
from camhs_rom.instruments.questionnaire import Questionnaire
from camhs_rom.replication.claims import first_higher, participants_needed, theme_voiced, two_factors_recovered
from camhs_rom.replication.evidence import EVIDENCE_COLUMNS, group_claim_evidence
from camhs_rom.replication.preregistration import deviation_flags
from camhs_rom.replication.roles import CLAIM_TEXT, GROUP_CLAIMS, PAPER_FREQUENCY_LEVEL
from camhs_rom.stats.factors import matched_congruences
from camhs_rom.study2.apa import EFFECT_SYMBOLS, number, p_value
from camhs_rom.study2.comparisons import compared_groups

REPRODUCED, NOT_REPRODUCED, NOT_TESTABLE = "reproduced", "not_reproduced", "not_testable"


SCORECARD_COLUMNS = ["claim_id", "claim", "original", "replicated", "criterion", "verdict", "evidence", "data_label", "in_this_study", *EVIDENCE_COLUMNS, "deviation"]
STUDY_OF = {"S1": "study1", "S2": "study2"}


def study1_claim_list(settings: dict) -> list[tuple[str, str, str]]:
    """Study 1's claims as (claim_id, claim, original), in the paper's words."""
    want = settings["participants"]
    out = [("S1-N", f"{want} focus-group participants", str(want))]
    out += [(f"S1-T{k}", f"{valence} theme: {theme.replace('_', ' ')}", valence) for k, (theme, valence) in enumerate(settings["themes"].items(), start=1)]
    return out


def study2_claim_list(settings: dict) -> list[tuple[str, str, str]]:
    """Study 2's claims as (claim_id, claim, original), in the paper's words."""
    return [
        ("S2-N", f"{settings['respondents']} respondents from {settings['teams']} teams", f"{settings['respondents']}; {settings['teams']} teams"),
        ("S2-F", f"{settings['frequency_pct']}% use session-by-session ROM '{PAPER_FREQUENCY_LEVEL}'", f"{settings['frequency_pct']}%"),
        ("S2-K", CLAIM_TEXT["S2-K"], f"{settings['n_factors']} factors"),
        *[(claim_id, CLAIM_TEXT[claim_id], "users > non-users") for claim_id in GROUP_CLAIMS],
    ]


def terms_here(settings: dict, q: Questionnaire | None, codebook: Codebook | None) -> dict[str, str]:
    """What each claim is about in this study's own terms: the spec's group, subscale and
    frequency labels and the codebook's theme labels, beside the paper's wording (``claim``)."""
    out = {"S1-N": "distinct participants in the coded segments"}
    for k, theme in enumerate(settings["themes"], start=1):
        known = codebook is not None and theme in codebook.theme_ids
        if codebook is None:
            out[f"S1-T{k}"] = f"theme {theme!r}"
        else:
            out[f"S1-T{k}"] = f"codebook theme '{codebook.theme(theme).label}' ({theme})" if known else f"theme {theme!r}, which the codebook does not have"
    if q is None:
        return out
    subscale = {role: q.subscales.get(s, f"{s} (not a subscale of the questionnaire)") if s else "(no such subscale here)" for role, s in settings["subscales"].items()}
    first, second = (q.group_labels.get(g, g.replace("_", " ")) for g in compared_groups(q))
    out["S2-N"] = f"respondents after cleaning, in the values of {q.cluster_column!r}" if q.cluster_column else "respondents after cleaning (no cluster column)"
    out["S2-F"] = f"share answering {settings['frequency_level']!r} to {q.frequency_column!r}" if q.frequency_column else "no frequency item"
    out["S2-K"] = f"{settings['n_factors']} factors matching '{subscale['negative']}' and '{subscale['positive']}'"
    for claim_id, role in GROUP_CLAIMS.items():
        out[claim_id] = f"{first} > {second} on '{subscale[role]}'"
    return out


def left_out_rows(claims: list[tuple[str, str, str]], study: str, reason: str) -> list[list]:
    """A study the run does not include: each of its claims is not testable, with the reason."""
    return [[claim_id, claim, original, f"{study} was not part of this run: {reason}", "", NOT_TESTABLE, ""] for claim_id, claim, original in claims]


def _verdict(ok: bool) -> str:
    return REPRODUCED if ok else NOT_REPRODUCED


def theme_criterion(settings: dict, n_participants: int) -> str:
    """The S1-T* criterion in words, with the participant count the share means here."""
    rule = settings["theme_rule"]
    need = participants_needed(rule, n_participants)
    return (f"the theme is coded for at least {rule['participant_share']:.0%} of the participants ({need} of {n_participants}) "
            f"from at least {rule['groups']} focus group{'s' if rule['groups'] != 1 else ''}")


def saturation_note(theme: str, saturation: pd.DataFrame | None) -> str:
    """``first coded in transcript 1 of 3; no new theme after transcript 1`` from saturation.csv (empty without it)."""
    if saturation is None or saturation.empty:
        return ""
    saturation = saturation.sort_values("order")
    total = len(saturation)
    first = next((int(r["order"]) for r in saturation.to_dict("records") if theme in str(r["new_theme_ids"]).split(";")), None)
    new = saturation.loc[saturation["new_themes"] > 0, "order"]
    last = int(new.max()) if len(new) else 0
    where = f"first coded in transcript {first} of {total}" if first else "not coded in any transcript"
    return f"{where}; no new theme after transcript {last} of {total}" if last < total else f"{where}; the last transcript still added a theme"


def study1_claims(participants: pd.DataFrame, tallies: pd.DataFrame, settings: dict, saturation: pd.DataFrame | None = None) -> list[list]:
    """S1-N (participants) and S1-T1..T5 (each theme voiced widely enough: ``settings["theme_rule"]``).

    A theme is reproduced when it has the reported valence and at least ``participant_share`` of
    the participants, from at least ``groups`` focus groups, voiced it; with fewer focus groups
    in the data than the rule asks for, the claim is not testable. The counts and the
    saturation evidence stand beside the verdict.
    """
    rows = []
    n, groups = len(participants), participants["group_id"].nunique()
    want = settings["participants"]
    (_, claim_n, original_n), *theme_claims = study1_claim_list(settings)
    rows.append(
        ["S1-N", claim_n, original_n, f"{n} participants in {groups} focus groups",
         f"exactly {want} distinct participants in the coded segments", _verdict(n == want), "participants"]
    )
    by_theme = tallies.set_index("theme")
    rule = settings["theme_rule"]
    for k, ((theme, valence), (_, claim, _)) in enumerate(zip(settings["themes"].items(), theme_claims, strict=True), start=1):
        criterion = theme_criterion(settings, n) + f", and has valence {valence}"
        if theme not in by_theme.index:
            rows.append([f"S1-T{k}", claim, valence, "theme not in the codebook", criterion, NOT_TESTABLE, "tallies"])
            continue
        row = by_theme.loc[theme]
        found = f"{int(row['n_participants'])} of {n} participants ({row['pct_participants']:.0f}%) from {int(row['n_groups'])} of {groups} groups"
        note = saturation_note(theme, saturation)
        found += f"; {note}" if note else ""
        if row["valence"] != valence:
            found += f"; coded as {row['valence']}"
        evidence = "tallies+saturation" if note else "tallies"
        if groups < rule["groups"]:
            rows.append([f"S1-T{k}", claim, valence, found + f"; the data hold {groups} focus group(s), the rule asks for {rule['groups']}",
                         criterion, NOT_TESTABLE, evidence])
            continue
        ok = theme_voiced(int(row["n_participants"]), int(row["n_groups"]), rule, n) and row["valence"] == valence
        rows.append([f"S1-T{k}", claim, valence, found, criterion, _verdict(bool(ok)), evidence])
    return rows


def study2_sample_claims(sample: pd.DataFrame, frequency: pd.DataFrame | None, settings: dict) -> list[list]:
    """S2-N (respondents and teams) and S2-F (share answering the top frequency level)."""
    rows = []
    groups = sample[sample["variable"] == "group"]
    n = int(groups["n"].sum())
    clusters = sample["role"] == "cluster" if "role" in sample.columns else sample["variable"] == "team"
    teams = sample[clusters & (sample["level"] != "(missing)")]
    want_n, want_teams = settings["respondents"], settings["teams"]
    texts = {claim_id: (claim, original) for claim_id, claim, original in study2_claim_list(settings)}
    criterion = f"exactly {want_n} respondents and {want_teams} teams after cleaning"
    if teams.empty:
        rows.append(["S2-N", *texts["S2-N"], f"{n} respondents; no cluster column in the questionnaire spec", criterion, NOT_TESTABLE, "sample"])
    else:
        found = f"{n} respondents; {len(teams)} teams"
        rows.append(["S2-N", *texts["S2-N"], found, criterion, _verdict(n == want_n and len(teams) == want_teams), "sample"])
    level, pct = settings["frequency_level"], settings["frequency_pct"]
    claim = texts["S2-F"][0]
    criterion = f"the Wilson 95% CI of the share answering '{level}' contains {pct}%"
    if frequency is None or frequency.empty or level not in set(frequency["level"]):
        rows.append(["S2-F", claim, f"{pct}%", "no frequency item with that level", criterion, NOT_TESTABLE, "frequency"])
    elif not frequency["n_answered"].max() or frequency.set_index("level").loc[[level], ["ci_low", "ci_high"]].isna().any(axis=None):
        rows.append(["S2-F", claim, f"{pct}%", "no respondent answered the frequency item: the share is undefined", criterion, NOT_TESTABLE, "frequency"])
    else:
        row = frequency.set_index("level").loc[level]
        found = f"{row['pct']:.1f}% ({int(row['n'])} of {int(row['n_answered'])}), 95% CI [{row['ci_low']:.1f}, {row['ci_high']:.1f}]"
        rows.append(["S2-F", claim, f"{pct}%", found, criterion, _verdict(row["ci_low"] <= pct <= row["ci_high"]), "frequency"])
    return rows


def structure_claim(n_factors: pd.DataFrame, congruence: pd.DataFrame, flags: pd.DataFrame, rule: str, settings: dict, cfa_fit: pd.DataFrame | None = None) -> list:
    """S2-K: the retention rule gives two factors, matching the intended subscales.

    The confirmatory fit of the intended model (``cfa_fit``) is cited in the evidence beside
    the EFA; the verdict is the criterion's alone, as fixed in the config.
    """
    want = settings["n_factors"]
    subscales = [s or "(none)" for s in settings["subscales"].values()]
    claim = CLAIM_TEXT["S2-K"]
    criterion = (
        f"the {rule} rule retains {want} factors; each of {', '.join(subscales)} is matched by a factor with Tucker "
        f"congruence >= {settings['min_congruence']:.2f}; no item loads most on another subscale's factor"
    )
    retained = n_factors.set_index("rule")["n_factors"]
    if any(s not in set(congruence["subscale"]) for s in subscales):
        return ["S2-K", claim, f"{want} factors", "the questionnaire lacks an intended subscale", criterion, NOT_TESTABLE, "congruence"]
    k = int(retained[rule])
    phis = matched_congruences(congruence, subscales)
    misplaced = int(flags["misplaced"].astype(str).eq("True").sum())
    found = f"{rule}: {k} factors; congruence " + ", ".join(f"{s} {number(p, 2, False)}" for s, p in zip(subscales, phis, strict=True))
    found += f"; {misplaced} item(s) misplaced"
    ok = two_factors_recovered(k, phis, misplaced, settings)
    evidence = "n_factors"
    if cfa_fit is not None:
        found += cfa_evidence(cfa_fit)
        evidence = "n_factors+cfa_fit"
    return ["S2-K", claim, f"{want} factors", found, criterion, _verdict(ok), evidence]


def cfa_evidence(cfa_fit: pd.DataFrame) -> str:
    """``; intended model CFA: ML CFI .95, RMSEA .07; WLSMV (robust) CFI .97, RMSEA .05`` (fits that could be computed;
    WLSMV's robust indices, or those of its scaled statistic where the robust ones are undefined)."""
    parts = []
    for row in cfa_fit.to_dict("records"):
        kind = next((k for k in ("robust", "scaled") if pd.notna(row.get(f"cfi_{k}"))), None)
        cfi, rmsea = (row[f"cfi_{kind}"], row[f"rmsea_{kind}"]) if kind else (row["cfi"], row["rmsea"])
        if pd.notna(cfi):
            name = f"WLSMV ({kind})" if row["estimator"] == "wlsmv" and kind else row["estimator"].upper()
            parts.append(f"{name} CFI {number(cfi, 2, False)}, RMSEA {number(rmsea, 2, False)}")
    return "; intended-model CFA: " + "; ".join(parts) if parts else "; intended-model CFA not fitted"


def group_claims(comparisons: pd.DataFrame, settings: dict, groups: tuple[str, str] = ("users", "non-users")) -> list[list]:
    """S2-G+ and S2-G-: the first compared group (``groups``: the spec's labels) scores higher than the second on each subscale."""
    rows = []
    test, alpha = settings["test"], settings["alpha"]
    for claim_id, key in GROUP_CLAIMS.items():
        subscale = settings["subscales"][key]
        claim = CLAIM_TEXT[claim_id]
        criterion = f"{subscale}: difference {groups[0]} - {groups[1]} > 0 with Holm-adjusted {test} p < {alpha:g}"
        mine = comparisons[(comparisons["subscale"] == subscale) & (comparisons["test"] == test)]
        if mine.empty:
            rows.append([claim_id, claim, "users > non-users", "subscale or groups not in the data", criterion, NOT_TESTABLE, "comparisons"])
            continue
        row = mine.iloc[0]
        if pd.isna(row["mean_difference"]) or pd.isna(row["p_holm"]):
            rows.append([claim_id, claim, "users > non-users", f"{test} is undefined on these data (no variance in the subscale's scores?)",
                         criterion, NOT_TESTABLE, "comparisons"])
            continue
        found = (
            f"difference {number(row['mean_difference'])}; {EFFECT_SYMBOLS.get(row['effect_measure'], row['effect_measure'])} = {number(row['effect_size'])} "
            f"[{number(row['ci_low'])}, {number(row['ci_high'])}]; Holm-adjusted {p_value(row['p_holm'])}"
        )
        ok = first_higher(row["mean_difference"], row["p_holm"], alpha)
        rows.append([claim_id, claim, "users > non-users", found, criterion, _verdict(ok), "comparisons+descriptives+multiverse"])
    return rows


def evidence_columns(frame: pd.DataFrame, tables: dict, settings: dict) -> pd.DataFrame:
    """The scorecard with :data:`EVIDENCE_COLUMNS` added: filled for each testable group claim, empty elsewhere."""
    filled = pd.DataFrame([dict.fromkeys(EVIDENCE_COLUMNS, math.nan) | {"outcome": ""}] * len(frame), index=frame.index)
    for index, claim_id in frame["claim_id"].items():
        if claim_id in GROUP_CLAIMS and frame.at[index, "verdict"] != NOT_TESTABLE and "comparisons" in tables:
            filled.loc[index] = pd.Series(group_claim_evidence(claim_id, settings["subscales"][GROUP_CLAIMS[claim_id]], tables, settings))
    return pd.concat([frame, filled], axis=1)


def scorecard(tables: dict, settings: dict, retention_rule: str, studies: dict, terms: dict[str, str] | None = None,
              groups: tuple[str, str] = ("users", "non-users"), deviation_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The full scorecard from the result tables (keys of :data:`EVIDENCE`; ``frequency`` may be None).

    ``studies`` is provenance.json's ``studies`` record: a study the run left out has no
    tables, and each of its claims is ``not_testable`` with the reason. Each claim carries
    the data label of its own study.
    """
    if studies["study1"]["included"]:
        rows = study1_claims(tables["participants"], tables["tallies"], settings, tables.get("saturation"))
    else:
        rows = left_out_rows(study1_claim_list(settings), "Study 1", studies["study1"]["reason"])
    if studies["study2"]["included"]:
        rows += study2_sample_claims(tables["sample"], tables.get("frequency"), settings)
        rows.append(structure_claim(tables["n_factors"], tables["congruence"], tables["flags"], retention_rule, settings, tables.get("cfa_fit")))
        rows += group_claims(tables["comparisons"], settings, groups)
    else:
        rows += left_out_rows(study2_claim_list(settings), "Study 2", studies["study2"]["reason"])
    frame = pd.DataFrame(rows, columns=SCORECARD_COLUMNS[:7])
    frame["evidence"] = ["; ".join(EVIDENCE[k] for k in key.split("+")) if key else "" for key in frame["evidence"].fillna("")]
    frame["data_label"] = [studies[STUDY_OF[claim_id[:2]]]["data_label"] for claim_id in frame["claim_id"]]
    frame["in_this_study"] = [(terms or {}).get(claim_id, "") for claim_id in frame["claim_id"]]
    frame = evidence_columns(frame, tables, settings)
    flags = deviation_flags(deviation_table, frame["claim_id"]) if deviation_table is not None else {}
    frame["deviation"] = [flags.get(claim_id, "") for claim_id in frame["claim_id"]]
    return frame
