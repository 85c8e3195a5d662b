"""The manuscript a team edits instead of retyping numbers: ``results/manuscript.docx`` and ``manuscript.md``.

APA 7 student-paper order, as papaja or apaquarto lay it out: a title page with placeholders for what
only the authors know (title, names, affiliations, author note), an abstract and introduction to
write, then a Method and a Results section written from this run, with the statistics in the text,
the APA tables as real tables (number, title, note) and the figures with their captions, a
discussion to write, and the reference list. Only what this run produced is used (the run's record,
:mod:`camhs_rom.report.run_record`); a study the run left out is said to be so. The numbers are
formatted by the functions the report's tables use (:mod:`camhs_rom.study2.apa`), so each equals the
report's. When any input is synthetic, the data label stands at the top of the first page and under
each figure's note.

Both files come from one list of blocks (:mod:`camhs_rom.replication.prereg_document`), so they say
the same; text from the team's files (labels, wording) is shown as text, never as markup.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from camhs_rom.core.labels import USER_DATA
from camhs_rom.core.tables import read_table, write_text
from camhs_rom.instruments.questionnaire import Questionnaire
from camhs_rom.replication.prereg_document import italic, plain, to_markdown, write_docx
from camhs_rom.report.references import cite, reference_markdown
from camhs_rom.report.run_record import produced
from camhs_rom.report.study1_summary import describe_agreement, describe_material, read_run_summary
from camhs_rom.study2.apa import comparison_table, group_label, number, p_value, sentence

TITLE = "[Title of the replication]"
_SYMBOL = re.compile(r"(?<![\w\u0394])(M|SD|t|p|d|g|r|U|n|N)(?=\s?[=(<>])")


def symbols(text: str) -> str:
    """``text`` with its statistical symbols (``M =``, ``t(39.73)``, ``p <``) marked for italics."""
    return _SYMBOL.sub(lambda m: italic(m[1]), text)


class Numbering:
    """Table and figure numbers in the order the manuscript shows them."""

    def __init__(self) -> None:
        self.tables = self.figures = 0

    def table(self, frame: pd.DataFrame, title: str, note: str) -> list[tuple]:
        self.tables += 1
        rows = [[plain(v) for v in row] for row in frame.astype(str).itertuples(index=False)]
        return [("caption", f"Table {self.tables}", title), ("table", [plain(c) for c in frame.columns], rows), ("note", note)]

    def figure(self, results: Path, relative: str, title: str, note: str, label: str | None) -> list[tuple]:
        self.figures += 1
        return [("caption", f"Figure {self.figures}", title), ("figure", str(results / relative), relative, title),
                ("note", note + (f" {label}" if label else ""))]


def manuscript_blocks(results_dir: str | Path, provenance: dict, config: dict, questionnaire: Questionnaire | None,
                      theme_labels: dict[str, str]) -> list[tuple]:
    """The manuscript's blocks for the run whose results are in ``results_dir``."""
    results = Path(results_dir)
    label = None if provenance["data_label"] == USER_DATA else plain(provenance["data_label"])
    number_of = Numbering()
    blocks: list[tuple] = [("h1", TITLE)]
    if label:
        blocks.append(("p", f"{label} Every number below describes these data, not the 2015 study's."))
    blocks += [
        ("p", "[Author names and affiliations]"),
        ("p", "[Author note: ORCID iDs, preregistration, data and code availability, funding, conflicts of interest, correspondence.]"),
        ("h2", "Abstract"), ("p", "[Abstract, 150-250 words.]"),
        ("h2", "Introduction"),
        ("p", "[Introduction.] This study replicates James et al. (2015), who reported clinicians' beliefs about session-by-session outcome monitoring in CAMHS from focus groups (Study 1) and "
              "a questionnaire (Study 2)."),
        ("h2", "Method"),
    ]
    studies = provenance["studies"]
    if studies["study1"]["included"]:
        blocks += study1_method(results, config)
    if studies["study2"]["included"] and questionnaire is not None:
        blocks += study2_method(results, config, questionnaire)
    for study, record in studies.items():
        if not record["included"]:
            blocks.append(("p", f"{'Study 1' if study == 'study1' else 'Study 2'} was not part of this run: {plain(record['reason'])}."))
    blocks.append(("h2", "Results"))
    if studies["study1"]["included"]:
        blocks += study1_results(results, theme_labels, number_of, label)
    if studies["study2"]["included"] and questionnaire is not None:
        blocks += study2_results(results, config, questionnaire, number_of, label)
    blocks += replication_results(results, number_of)
    blocks += [("h2", "Discussion"), ("p", "[Discussion: what replicated, what did not, limitations.]"), ("h2", "References")]
    text = " ".join(str(b[1]) for b in blocks if b[0] == "p")
    blocks += [("p", re.sub(r"\*(.+?)\*", lambda m: italic(m[1]), entry)) for entry in reference_markdown(text)]
    if questionnaire is not None:
        blocks += [("h2", "Appendix"), *number_of.table(
            pd.DataFrame({"Item": [i.label for i in questionnaire.items], "Wording": [i.text for i in questionnaire.items],
                          "Subscale": [questionnaire.subscales.get(i.subscale, i.subscale) for i in questionnaire.items],
                          "Reverse-keyed": ["yes" if i.reverse else "" for i in questionnaire.items]}),
            "Questionnaire Items as Worded", f"{plain(questionnaire.name)}.")]
    return blocks


def study1_method(results: Path, config: dict) -> list[tuple]:
    summary = read_run_summary(results)
    tally, agree = config["study1"]["tally"], config["study1"]["agreement"]
    return [
        ("h3", "Study 1: focus groups"),
        ("p", f"Material. {plain(describe_material(summary))}"),
        ("p", f"Analysis. The unit of analysis was the coded passage; a theme counted for a participant by the "
              f"'{plain(tally['rule'])}' rule. Coder agreement was estimated with Cohen's kappa {cite('Cohen, 1960')} and "
              f"Krippendorff's alpha {cite('Krippendorff, 2004')}, with {agree['resamples']} bootstrap resamples for "
              f"{agree['ci']:.0%} intervals, and read against Landis and Koch's bands {cite('Landis & Koch, 1977')}. "
              f"{plain(describe_agreement(summary))}"),
    ]


def study2_method(results: Path, config: dict, q: Questionnaire) -> list[tuple]:
    sample = read_table(results / "study2/sample.csv", keep_default_na=False)
    groups = sample[sample["role"] == "group"]
    n = int(groups["n"].astype(int).sum())
    parts = ", ".join(f"{int(r.n)} {plain(group_label(r.level, q.group_labels))}" for r in groups.itertuples())
    efa, comp = config["study2"]["efa"], config["study2"]["comparisons"]
    scale = ", ".join(f"{code} = {plain(lab)}" for lab, code in sorted(q.labels.items(), key=lambda kv: kv[1]))
    return [
        ("h3", "Study 2: questionnaire"),
        ("p", symbols(f"Participants. N = {n} respondents ({parts}).")),
        ("p", f"Measures. {plain(q.name)}: {len(q.items)} items answered {scale}, in "
              f"{len(q.subscales)} subscales ({', '.join(plain(v) for v in q.subscales.values())}); the items are listed in the Appendix."),
        ("p", f"Analysis. Exploratory factor analysis of {efa['correlation']} correlations ({efa['extraction']} extraction, "
              f"{efa['rotation']} rotation), the number of factors by {efa['retention'].replace('_', ' ')} {cite('Horn, 1965')}; factors "
              f"were matched to the intended subscales by Tucker's congruence {cite('Lorenzo-Seva & ten Berge, 2006')}. Reliability: "
              f"Cronbach's alpha and omega total {cite('McDonald, 1999')} with percentile bootstrap intervals. The groups were "
              f"compared by Welch's t test {cite('Welch, 1947')} with Bonett's d {cite('Bonett, 2008')}, Holm-adjusted across "
              f"subscales {cite('Holm, 1979')} at \u03b1 = {comp['alpha']}; the analytic choices were varied in a multiverse "
              f"{cite('Steegen et al., 2016')}."),
    ]


def study1_results(results: Path, theme_labels: dict, number_of: Numbering, label: str | None) -> list[tuple]:
    tallies = read_table(results / "study1/theme_tallies.csv", keep_default_na=False)
    people = len(read_table(results / "study1/theme_by_participant.csv", keep_default_na=False))
    said = "; ".join(f"{plain(r.label)} by {int(r.n_participants)} of {people} participants ({float(r.pct_participants):.0f}%) in "
                     f"{int(r.n_groups)} groups" for r in tallies.itertuples())
    blocks = [("h3", "Study 1: themes"), ("p", f"The themes were voiced as follows: {said} (Table {number_of.tables + 1}, Figure {number_of.figures + 1}).")]
    agreement = read_table(results / "study1/agreement.csv", keep_default_na=False)
    kappa = agreement[agreement["measure"] == "cohen_kappa"]
    if len(kappa):
        names = {**theme_labels, "all": "all themes together"}
        values = "; ".join(f"{plain(names.get(r.theme, r.theme))} \u03ba = {number(float(r.value), 2, False)}, 95% CI "
                           f"[{number(float(r.ci_low), 2, False)}, {number(float(r.ci_high), 2, False)}]" for r in kappa.itertuples())
        blocks.append(("p", f"Coder agreement by theme: {values}."))
    shown = tallies[["label", "valence", "n_participants", "pct_participants", "n_groups"]].assign(
        pct_participants=[f"{float(v):.0f}" for v in tallies["pct_participants"]])
    blocks += number_of.table(shown.set_axis(["Theme", "Valence", "Participants", "Participants (%)", "Groups"], axis=1),
                              "Participants Voicing Each Theme", f"Of {people} participants.")
    blocks += number_of.figure(results, "study1/figures/theme_prevalence.png", "Share of Participants Voicing Each Theme",
                               "Bars: the percentage of focus-group participants who voiced the theme.", label)
    return blocks


def study2_results(results: Path, config: dict, q: Questionnaire, number_of: Numbering, label: str | None) -> list[tuple]:
    blocks = [("h3", "Study 2: questionnaire")]
    if q.frequency_column:
        frequency = read_table(results / "study2/frequency_of_use.csv", keep_default_na=False)
        top = frequency.iloc[-1]
        blocks.append(("p", f"On the frequency item, {int(top['n'])} of {int(top['n_answered'])} respondents "
                            f"({number(float(top['pct']), 1)}%, 95% CI [{number(float(top['ci_low']), 1)}, {number(float(top['ci_high']), 1)}]) "
                            f"answered '{plain(top['level'])}', its highest category."))
    n_factors = read_table(results / "study2/n_factors.csv", keep_default_na=False)
    chosen = n_factors[n_factors["rule"] == config["study2"]["efa"]["retention"]]
    congruence = read_table(results / "study2/efa_congruence.csv", keep_default_na=False)
    matched = congruence[congruence["matched"].astype(str) == "True"]
    if len(chosen):
        phis = "; ".join(f"{plain(q.subscales.get(r.subscale, r.subscale))} {number(float(r.congruence), 2, False)}" for r in matched.itertuples())
        blocks.append(("p", f"{config['study2']['efa']['retention'].replace('_', ' ').capitalize()} retained {int(chosen['n_factors'].iloc[0])} "
                            f"factors; congruence with the intended subscales: {phis or 'no factor matched a subscale'}."))
    reliability = read_table(results / "study2/reliability.csv", keep_default_na=False)
    rows = [[plain(q.subscales.get(r.subscale, r.subscale)), str(int(r.n_items)), str(int(r.n)), number(float(r.alpha), 2, False),
             f"[{number(float(r.alpha_boot_ci_low), 2, False)}, {number(float(r.alpha_boot_ci_high), 2, False)}]",
             number(float(r.omega_total), 2, False), f"[{number(float(r.omega_ci_low), 2, False)}, {number(float(r.omega_ci_high), 2, False)}]"]
            for r in reliability.itertuples()]
    blocks += number_of.table(pd.DataFrame(rows, columns=["Subscale", "Items", "n", "\u03b1", "95% CI", "\u03c9 total", "95% CI "]),
                              "Reliability of the Subscales", "Percentile bootstrap intervals.")
    comparisons = read_table(results / "study2/group_comparisons.csv")
    descriptives = read_table(results / "study2/group_descriptives.csv")
    main = comparisons[comparisons["test"] == config["replication"]["test"]]
    for row in main.itertuples():
        text = sentence(row, descriptives, q.subscales.get(row.subscale, row.subscale), q.group_labels, config["study2"]["comparisons"]["alpha"])
        blocks.append(("p", symbols(plain(text)) + f" Holm-adjusted: {symbols(p_value(row.p_holm))}."))
    table = comparison_table(comparisons, descriptives, q.subscales, q.group_labels)
    blocks += number_of.table(table, "Group Comparisons of Subscale Scores",
                              "Effect sizes: d = Bonett's standardised difference (Welch's test), g = Hedges' g, r = rank-biserial correlation, "
                              "\u0394M = mean difference.")
    blocks += number_of.figure(results, "study2/figures/scores_by_group.png", "Subscale Scores by Group",
                               "Boxes: median and quartiles; each dot one respondent.", label)
    if produced(results, "robustness/multiverse_summary.csv"):
        summary = read_table(results / "robustness/multiverse_summary.csv", keep_default_na=False)
        blocks.append(("p", "Across the multiverse of analytic choices, " + "; ".join(
            f"{plain(r.claim)}: {int(r.supported)} of {int(r.testable)} specifications supported the claim" for r in summary.itertuples()
            if str(r.testable) not in ("", "0")) + "."))
    return blocks


def replication_results(results: Path, number_of: Numbering) -> list[tuple]:
    card = read_table(results / "replication/scorecard.csv", keep_default_na=False)
    shown = card[["claim_id", "claim", "original", "replicated", "verdict"]].assign(verdict=card["verdict"].str.replace("_", " "))
    return [("h3", "Replication of the published claims"),
            *number_of.table(shown.set_axis(["ID", "Claim (2015)", "2015 finding", "This study", "Verdict"], axis=1),
                             "Published Claims and Their Verdicts", "Each verdict by the criterion fixed before the data were read.")]


def write_manuscript(blocks: list[tuple], md_path: str | Path, docx_path: str | Path) -> None:
    """Write the manuscript as Markdown (beside the results it links its figures from) and as Word."""
    write_text(to_markdown(blocks), md_path)
    write_docx(blocks, docx_path, TITLE)
