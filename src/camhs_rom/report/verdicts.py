"""The scorecard's evidence beside the verdicts, as the report shows it: a table and a paragraph per claim."""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML, display

from camhs_rom.core.markup import html_text
from camhs_rom.replication.evidence import evidence_in_words
from camhs_rom.report.presentation import run_setting, show_table, study2_words, table
from camhs_rom.study2.apa import number

EVIDENCE_SHOWN = ["claim_id", "verdict", "outcome", "effect", "effect_ci_low", "effect_ci_high", "bayes_factor_10", "equivalence_p",
                  "multiverse_share", "power_at_sesoi"]


def show_claim_evidence(results_dir) -> None:
    """The group-difference claims' evidence (scorecard.csv's evidence columns) as an APA table, then in words."""
    card = table(results_dir, "replication/scorecard.csv")
    shown = card[card["outcome"].notna() & (card["outcome"].astype(str) != "")]
    if shown.empty:
        return
    sesoi = float(shown["sesoi"].iloc[0])
    fragile = run_setting(results_dir, "replication.fragile_share")
    alpha = run_setting(results_dir, "replication.alpha")
    show_table(
        shown[EVIDENCE_SHOWN], "Evidence Beside the Group-Difference Verdicts", key="scorecard-evidence", kinds={"effect_ci_low": "stat", "multiverse_share": "bounded3"},
        note=(f"The verdict keeps its preregistered criterion; the rest stands beside it. Hedges' g with its 95% CI; BF\u2081\u2080: one-sided "
              f"default Bayes factor (Cauchy prior, scale \u221a2/2) for the claimed direction against no difference; p (equivalence): "
              f"two one-sided tests against \u00b1{sesoi:.2f} pooled SDs (the smallest effect size of interest, SESOI, fixed in the config); "
              f"multiverse support: share of the specifications supporting the claim; power: of the criterion at g = {sesoi:.2f} and this "
              f"run's group sizes. Outcome: signal (the interval excludes 0 in the claimed direction), no signal (equivalence at "
              f"\u03b1 = {number(alpha, 2, False)}), inconclusive (neither), fragile (a signal fewer than {fragile:.0%} of the multiverse supports)."),
    )
    words = study2_words(results_dir)
    for row in shown.to_dict("records"):
        row = {k: (v if not (isinstance(v, float) and pd.isna(v)) else float("nan")) for k, v in row.items()} | {"fragile_share": fragile}
        text = evidence_in_words(row, (words["first"], words["second"]))
        verdict = str(row["verdict"]).replace("_", " ")
        display(HTML(f"<p><b>{html_text(row['claim_id'])}</b> ({html_text(verdict)} by the preregistered criterion). {html_text(text)}</p>"))


def show_deviations(results_dir) -> None:
    """Deviations from the preregistration (deviations.csv), or a sentence saying there are none or no plan was named."""
    frozen = run_setting(results_dir, "replication.preregistration")
    if not frozen:
        display(HTML("<p><b>Preregistration.</b> This run names no preregistration (the config's replication.preregistration "
                     "is null), so no deviations are listed. <code>snakemake preregistration</code> writes one before data exist.</p>"))
        return
    found = table(results_dir, "replication/deviations.csv", keep_default_na=False, dtype=str)
    if found.empty:
        display(HTML(f"<p><b>Preregistration.</b> No deviation from the preregistration {html_text(frozen)}: every setting, the "
                     "questionnaire spec, the codebook and the code are as frozen there.</p>"))
        return
    show_table(found, "Deviations From the Preregistration", key="deviations", columns={"key": "Setting", "preregistered": "Preregistered",
               "used": "Used", "claims": "Claims it can move"},
               note=(f"Every difference between this run and the preregistration {frozen}, compared setting by setting (data paths "
                     "excepted), the instruments by their content and the code by its digest. The verdicts keep the criteria as used; "
                     "the scorecard's deviation column flags each claim a deviation can move."))
