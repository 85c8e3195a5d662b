"""Reporting checklists filled from the run: COREQ for Study 1, APA JARS-Quant for Study 2.

- COREQ, the 32-item consolidated criteria for reporting qualitative research (Tong,
  Sainsbury & Craig, 2007, International Journal for Quality in Health Care 19, 349-357);
- JARS-Quant, the APA journal article reporting standards for quantitative research
  (Appelbaum et al., 2018, American Psychologist 73, 3-25), the items that apply to a
  cross-sectional questionnaire study with a factor analysis and group comparisons.

Each item is either answered from the run's results, with ``where``: the report section,
table or figure that shows it (an anchor in ``report.html``), or marked ``for the authors
to fill`` (who facilitated, how participants were approached, ethics, ...): what no
pipeline can know. Answers are built from the result tables, the questionnaire, the
codebook and the provenance record, never typed in. Columns: ``checklist``, ``number``,
``domain``, ``item``, ``status`` (``from the run`` or ``for the authors to fill``),
``answer``, ``where``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from camhs_rom.core.contract import RESULTS
from camhs_rom.core.tables import read_table
from camhs_rom.report.study1_summary import describe_agreement, describe_placement, read_run_summary
from camhs_rom.study2.apa import EFFECT_SYMBOLS, number

FROM_RUN = "from the run"
AUTHORS = "for the authors to fill"
COLUMNS = ["checklist", "number", "domain", "item", "status", "answer", "where"]


def _rows(checklist: str, items: list[tuple]) -> pd.DataFrame:
    rows = []
    for key, domain, item, answer, where in items:
        rows.append({"checklist": checklist, "number": key, "domain": domain, "item": item,
                     "status": FROM_RUN if answer else AUTHORS, "answer": answer or "", "where": where if answer else ""})
    return pd.DataFrame(rows, columns=COLUMNS)


def _read(results: Path, relative: str) -> pd.DataFrame:
    return read_table(results / relative, keep_default_na=False, na_values=[""])


def coreq(results: str | Path, provenance: dict, codebook, settings: dict) -> pd.DataFrame:
    """The 32 COREQ items for Study 1 (``settings``: the config's ``study1`` section)."""
    results = Path(results)
    tallies, by_participant = _read(results, "study1/theme_tallies.csv"), _read(results, "study1/theme_by_participant.csv")
    agreement, saturation, quotes = _read(results, "study1/agreement.csv"), _read(results, "study1/saturation.csv"), _read(results, "study1/quotes.csv")
    groups = by_participant.groupby("group_id", sort=False).size()
    kappa = agreement[agreement["measure"] == "cohen_kappa"]
    summary = read_run_summary(results)
    coders = len(summary.coders)
    from_table = summary.source_format == "coded-segments table"
    segments = next((d for d in provenance["inputs"] if d["role"] == "study1_segments"), {"path": ""})
    n_codes = sum(len(t.codes) for t in codebook.themes)
    last = saturation.iloc[-1] if len(saturation) else None
    new_last = f"; the last transcript in analysis order added {int(last['new_themes'])} new themes and {int(last['new_codes'])} new codes" if last is not None else ""
    major = tallies.sort_values("pct_participants", ascending=False, kind="stable")
    tally_rule = settings["tally"]["rule"]
    items = [
        (1, "Research team and reflexivity", "Interviewer/facilitator: who conducted the focus groups", None, ""),
        (2, "Research team and reflexivity", "Credentials of the researchers", None, ""),
        (3, "Research team and reflexivity", "Occupation at the time of the study", None, ""),
        (4, "Research team and reflexivity", "Gender of the researchers", None, ""),
        (5, "Research team and reflexivity", "Experience and training", None, ""),
        (6, "Research team and reflexivity", "Relationship established with participants before the study", None, ""),
        (7, "Research team and reflexivity", "What participants knew about the researcher", None, ""),
        (8, "Research team and reflexivity", "Interviewer characteristics (bias, assumptions, interests)", None, ""),
        (9, "Study design", "Methodological orientation and theory", None, ""),
        (10, "Study design", "Sampling (purposive, convenience, ...)", None, ""),
        (11, "Study design", "Method of approach (face-to-face, email, ...)", None, ""),
        (12, "Study design", "Sample size", f"{len(by_participant)} participants with coded talk, in {len(groups)} focus groups" if from_table
         else f"{len(by_participant)} participants with coded talk, in {len(groups)} groups, from {summary.n_transcripts} transcripts of a REFI-QDA project",
         "#table-study1-theme-tallies"),
        (13, "Study design", "Non-participation: how many refused or dropped out, and why", None, ""),
        (14, "Study design", "Setting of data collection", None, ""),
        (15, "Study design", "Presence of non-participants", None, ""),
        (16, "Study design", "Description of the sample", "participants per focus group: " + ", ".join(f"{g} {n}" for g, n in groups.items())
         + " (demographics are for the authors to add)", "#figure-study1-theme-by-participant"),
        (17, "Study design", "Interview guide: questions, prompts, pilot testing", None, ""),
        (18, "Study design", "Repeat interviews", None, ""),
        (19, "Study design", "Audio/visual recording", None, ""),
        (20, "Study design", "Field notes", None, ""),
        (21, "Study design", "Duration of the focus groups", None, ""),
        (22, "Study design", "Data saturation", f"themes and codes found as transcripts were added, in {len(saturation)} transcripts{new_last}",
         "#figure-study1-saturation"),
        (23, "Study design", "Transcripts returned to participants for comment", None, ""),
        (24, "Data analysis", "Number of data coders", f"{coders} coders; agreement per theme by Cohen's kappa (range {number(kappa['value'].min(), 2, False)} to "
         f"{number(kappa['value'].max(), 2, False)}), Krippendorff's alpha and percentage agreement, with bootstrap intervals; tallies by the "
         f"'{tally_rule}' rule" + (f" ({describe_agreement(summary)})" if summary.left_out else "") if len(kappa)
         else f"{coders} coder{'s' if coders != 1 else ''} ({', '.join(summary.coders)}): {describe_agreement(summary)}",
         "#table-study1-agreement" if len(kappa) else "#study1"),
        (25, "Data analysis", "Description of the coding tree", f"the codebook: {len(tallies)} themes, {n_codes} codes rolled up to them", "#table-study1-theme-tallies"),
        (26, "Data analysis", "Derivation of themes (in advance or from the data)", None, ""),
        (27, "Data analysis", "Software used to manage the data", f"coded segments read from {Path(segments['path']).suffix or 'a file'} "
         f"({'REFI-QDA project' if segments['path'].endswith('.qdpx') else 'coded-segments table'}); "
         + ("analysed by" if from_table else f"{describe_placement(summary)} Analysed by") + f" camhs-rom {provenance.get('camhs_rom_version', '')}", "#provenance"),
        (28, "Data analysis", "Participant checking of the findings", None, ""),
        (29, "Reporting", "Quotations presented, each identified by participant", f"{len(quotes)} excerpts from {quotes['participant_id'].nunique()} participants, "
         "each with its pseudonym and focus group", "#table-study1-quotes"),
        (30, "Reporting", "Consistency between the data presented and the findings", None, ""),
        (31, "Reporting", "Clarity of major themes", "themes by share of participants voicing them: "
         + "; ".join(f"{r.label} {r.n_participants}/{len(by_participant)}" for r in major.itertuples()), "#figure-study1-theme-prevalence"),
        (32, "Reporting", "Clarity of minor themes (diverse cases)", None, ""),
    ]
    return _rows("COREQ", items)


def jars_quant(results: str | Path, provenance: dict, spec, config: dict) -> pd.DataFrame:
    """The JARS-Quant items for Study 2's design: answered from the run or left to the authors."""
    results = Path(results)
    sample, reliability = _read(results, "study2/sample.csv"), _read(results, "study2/reliability.csv")
    descriptives, factorability = _read(results, "study2/item_descriptives.csv"), _read(results, "study2/factorability.csv")
    n_factors, comparisons = _read(results, "study2/n_factors.csv"), _read(results, "study2/group_comparisons.csv")
    s2 = config["study2"]
    efa, comp = s2["efa"], s2["comparisons"]
    groups = sample[sample["role"] == "group"]
    n = int(groups["n"].sum())
    kmo = factorability.set_index("measure")["value"]
    chosen = n_factors[n_factors["rule"] == efa["retention"]]
    main = comparisons[comparisons["test"] == config["replication"]["test"]]
    label = spec.subscales
    effects = "; ".join(f"{label.get(r.subscale, r.subscale)}: {EFFECT_SYMBOLS[r.effect_measure]} = {number(r.effect_size)}, {r.ci_level:.0%} CI "
                        f"[{number(r.ci_low)}, {number(r.ci_high)}]" for r in main.itertuples())
    alphas = "; ".join(f"{label.get(r.subscale, r.subscale)}: \u03b1 = {number(r.alpha, 2, False)}, \u03c9 total = {number(r.omega_total, 2, False)} (n = {r.n})"
                       for r in reliability.itertuples())
    robust = config.get("robustness")
    power_answer = None
    if robust:  # the robustness tables are this run's: the checklist rule takes them as inputs
        mde = _read(results, "robustness/minimum_detectable_effect.csv")
        power_answer = (f"n = {n}; no a-priori power analysis is known to the run; simulated power at n = "
                        f"{', '.join(map(str, robust['power']['sample_sizes']))} and the minimum detectable effect at {robust['power']['target_power']:.0%} power: "
                        + "; ".join(f"{r.subscale} d = {number(r.observed_d)}" for r in mde.itertuples() if pd.notna(r.observed_d)))
    multiverse = (f"a multiverse of {len(_read(results, 'robustness/multiverse.csv'))} specifications across missing-data rule, "
                  "user definition, correlations, extraction, rotation, retention rule and test") if robust else None
    missing = descriptives["missing_pct"]
    items = [
        ("1", "Title and abstract", "Title, author note, abstract", None, ""),
        ("2", "Introduction", "Problem, hypotheses, aims", None, ""),
        ("3a", "Method: participants", "Inclusion and exclusion criteria", None, ""),
        ("3b", "Method: participants", "Major demographic characteristics", f"{n} respondents: " + ", ".join(f"{spec.group_labels.get(r.level, r.level.replace('_', ' '))} {r.n}" for r in groups.itertuples())
         + "; covariates in the sample tables", "#table-study2-sample"),
        ("4a", "Method: sampling", "Sampling procedures, setting, recruitment dates", None, ""),
        ("4b", "Method: sampling", "Agreements, payments, ethics approval", None, ""),
        ("5", "Method: sample size, power and precision", "Intended and achieved sample size; power or precision", power_answer, "#robustness"),
        ("6a", "Method: measures", "Definitions of all measures, with instruments and scales",
         f"{spec.name}: {len(spec.item_ids)} items on a {spec.scale_min}-{spec.scale_max} scale, subscales "
         + ", ".join(f"{label} ({len(spec.items_of(key))} items)" for key, label in spec.subscales.items()), "#table-study2-item-descriptives"),
        ("6b", "Method: measures", "Psychometric properties: reliability in this sample", alphas, "#table-study2-reliability"),
        ("6c", "Method: measures", "Data collection methods (platform, mode)", None, ""),
        ("7", "Method: research design", "Design (cross-sectional survey, ...)", None, ""),
        ("8a", "Method: data diagnostics", "Missing data: frequency and handling",
         f"item missingness {missing.min():.1f}% to {missing.max():.1f}%; subscales scored by the '{spec.missing_method}' rule; every change "
         "made while cleaning is in results/clean/audit_log.csv", "#methods"),
        ("8b", "Method: data diagnostics", "Distributions, outliers, assumptions",
         f"skew {descriptives['skew'].min():.2f} to {descriptives['skew'].max():.2f}; floor and ceiling shares per item", "#table-study2-item-descriptives"),
        ("9a", "Method: analytic strategy", "Factor analysis: factorability, extraction, rotation, retention",
         f"{efa['correlation']} correlations; KMO = {number(kmo.get('kmo', float('nan')), 2, False)}; {efa['extraction']} extraction, {efa['rotation']} rotation; "
         f"{int(chosen['n_factors'].iloc[0]) if len(chosen) else 'no'} factors by {efa['retention'].replace('_', ' ')}; the intended model tested "
         "by CFA (ML and WLSMV) with invariance between the groups in the measurement section", "#table-study2-factorability"),
        ("9b", "Method: analytic strategy", "Tests and their assumptions; multiplicity",
         f"group comparisons by Welch's t (main), Student's t, Mann-Whitney U and a permutation test; Holm adjustment across subscales; "
         f"alpha = {comp['alpha']}", "#table-study2-group-comparisons"),
        ("9c", "Method: analytic strategy", "Preregistration and criteria fixed before analysis",
         "the scorecard's criteria are fixed in the config before the data are read; whether a protocol was registered is for the authors", "#scorecard"),
        ("10a", "Results: participant flow", "Participants at each stage, exclusions", None, ""),
        ("10b", "Results: recruitment", "Dates of recruitment and follow-up", None, ""),
        ("11a", "Results: statistics", "Descriptive statistics for each group", "means and SDs per group and subscale", "#table-study2-group-comparisons"),
        ("11b", "Results: statistics", "Effect sizes with confidence intervals", effects or None, "#table-study2-group-comparisons"),
        ("11c", "Results: statistics", "Adjusted analyses (covariates)",
         (f"OLS with HC3 errors adjusted for {', '.join(spec.covariates)}" if spec.covariates else "no covariates named in the questionnaire spec")
         + (f"; a mixed model by {spec.cluster_column} where there are enough of them" if spec.cluster_column else "")
         + ("; an ordinal model of the frequency of use" if spec.frequency_column else ""), "#table-study2-adjusted-models"),
        ("12", "Results: ancillary analyses", "Sensitivity and robustness analyses", multiverse, "#robustness"),
        ("13", "Discussion", "Interpretation, limitations, generalisability", None, ""),
        ("14", "Open science", "Data, code and materials availability; reproducibility",
         f"seed {config['seed']}; inputs with SHA-256 in provenance.json; the run described in {Path(RESULTS).name}/ro-crate-metadata.json", "#provenance"),
        ("15", "Open science", "Conflicts of interest, funding", None, ""),
    ]
    return _rows("JARS-Quant", items)

