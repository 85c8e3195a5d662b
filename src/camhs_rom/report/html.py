"""The HTML report: executed notebooks, a front page, methods from the config, provenance.

``results/report.html`` is one self-contained file: the figures are embedded (PNG as
base64), the style is inline, and nothing is fetched from elsewhere when it is opened.
Sections: where the data came from (the synthetic label on every page, or the user's
files with their SHA-256), methods generated from the effective config, the replication
scorecard, Study 1, Study 2, robustness (multiverse and power), and provenance (package
versions, git commit, config).
"""

from __future__ import annotations

import html
import re
from importlib import metadata
from pathlib import Path

import pandas as pd

from camhs_rom.core.labels import INPUT_SOURCE, SIMULATION_MODEL
from camhs_rom.core.studies import STUDY_NAMES
from camhs_rom.instruments.questionnaire import load_questionnaire
from camhs_rom.report.presentation import apa_table_block, breakable, table_html
from camhs_rom.report.references import cite, reference_markdown
from camhs_rom.report.study1_summary import Study1Summary, describe_agreement, describe_material, describe_placement
from camhs_rom.robustness.plan import DECISIONS, frequency_threshold
from camhs_rom.study2.wording import difference_words

PACKAGES = ["camhs-rom", "snakemake", "pandas", "numpy", "scipy", "statsmodels", "factor_analyzer", "scikit-learn", "pingouin", "krippendorff", "seaborn", "matplotlib", "papermill", "nbconvert"]


STYLE = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; max-width: 1080px; margin: 0 auto; padding: 0 24px 48px; color: #222; line-height: 1.45; }
h1 { font-size: 1.8em; margin-top: 1.2em; } h2 { border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 2em; }
table { border-collapse: collapse; margin: 6px 0 8px; font-size: 0.88em; }
th, td { padding: 4px 8px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
th.num, .apa-table thead th.num { text-align: right; }
td.short { white-space: nowrap; }
caption { caption-side: top; text-align: left; padding: 0 0 8px; }
caption .apa-number, caption .apa-title { display: block; }
.apa-table, .apa-figure { margin: 22px 0 26px; break-inside: auto; }
.apa-number { margin: 0; } .apa-title { margin: 2px 0 8px; }
.apa-table table { border-top: 2px solid #222; border-bottom: 2px solid #222; }
.apa-table thead th { border-bottom: 1px solid #222; font-weight: normal; text-align: left; vertical-align: bottom; }
.apa-note { font-size: 0.88em; margin: 4px 0 0; }
.table-wrap { max-width: 100%; overflow-x: auto; }
.apa-figure { margin-left: 0; margin-right: 0; } .apa-figure img { display: block; }
.plain th, .plain td { border-bottom: 1px solid #ddd; } .plain th { background: #f3f3f3; }
img { max-width: 100%; height: auto; }
.banner { position: sticky; top: 0; z-index: 9; padding: 6px 12px; font-weight: bold; color: #fff; background: #b00020; }
.banner.user { background: #1b5e20; }
.failed-run { border: 3px solid #b00020; background: #fdecea; color: #5f0010; padding: 10px 14px; margin: 12px 0; }
.run-id { font-size: 0.9em; color: #444; }
.reference { padding-left: 2em; text-indent: -2em; margin: 0 0 6px; overflow-wrap: anywhere; }
nav { background: #fafafa; border: 1px solid #eee; padding: 8px 14px; margin: 14px 0; }
nav a { margin-right: 14px; display: inline-block; }
.verdict-reproduced { color: #1b5e20; font-weight: bold; } .verdict-not_reproduced { color: #b00020; font-weight: bold; }
.verdict-not_testable { color: #8a6d00; font-weight: bold; }
code, pre { background: #f6f6f6; font-size: 0.9em; } pre { padding: 8px; overflow-x: auto; white-space: pre-wrap; }
code.hash { overflow-wrap: anywhere; word-break: break-all; }
.jp-OutputPrompt, .jp-InputPrompt, .prompt, .anchor-link { display: none; }
.jp-OutputArea-output, .output_html { overflow-x: auto; }
section > h1 { font-size: 1.6em; border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 2em; }
@media (max-width: 600px) {
  body { padding: 0 10px 32px; font-size: 15px; }
  table { font-size: 0.78em; } th, td { padding: 3px 4px; }
}
@page { size: A4; margin: 20mm 14mm 16mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  .banner { position: static; }
  nav { display: none; }
  table { font-size: 7.5pt; width: 100%; } th, td { padding: 2px 3px; } td.num { white-space: normal; }
  .table-wrap, .jp-OutputArea-output, .output_html { overflow: visible; }
  .apa-figure, .apa-table tr, img { break-inside: avoid; }
  .apa-figure img { max-height: 230mm; width: auto !important; max-width: 100%; }
  h1, h2, .apa-number, .apa-title { break-after: avoid; }
  pre { font-size: 7pt; } pre.config { columns: 2; column-gap: 8mm; }
}
"""


def css_string(text: str) -> str:
    """``text`` as a CSS string literal: quotes, backslashes, line ends and ``<`` escaped (it sits inside a ``<style>``)."""
    return '"' + "".join(c if c.isalnum() or c in " .,;:()-_'/&%+" else f"\\{ord(c):x} " for c in text) + '"'


def running_header(label: str, user: bool) -> str:
    """The CSS that prints ``label`` in the top margin of every A4 page (a page-margin box, which Chromium prints
    on each page of the PDF) in the banner's colour."""
    colour = "#1b5e20" if user else "#b00020"
    return (f"@page {{ @top-left {{ content: {css_string(label)}; font: bold 7pt 'DejaVu Sans', Helvetica, Arial, sans-serif; "
            f"color: {colour}; vertical-align: bottom; padding-bottom: 2mm; }} }}")


def _cite(*keys: str) -> str:
    return " " + html.escape(cite(*keys))


def references_html(cited_in: str | None = None) -> str:
    """The reference list (only the works cited in ``cited_in`` when given): hanging-indented paragraphs, escaped, with APA's italics."""
    items = [re.sub(r"\*(.+?)\*", r"<i>\1</i>", html.escape(text)) for text in reference_markdown(cited_in)]
    return "".join(f'<p class="reference">{item}</p>' for item in items)


def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def methods_html(config: dict, questionnaire: str | None, studies: dict, simulation: str = "calibrated", study1: Study1Summary | None = None) -> str:
    """The methods section, written from the effective config and the questionnaire spec the run
    read, for the studies the run included (``studies``: provenance.json's record; ``study1``:
    what the run's Study 1 material was)."""
    items = [f"<b>Seed.</b> Every random step derives its seed from <code>{config['seed']}</code>."]
    for study, record in studies.items():
        if not record["included"]:
            items.append(f"<b>{STUDY_NAMES[study]}</b> was not part of this run: {html.escape(record['reason'])}.")
    if studies["study1"]["included"]:
        tally, agree = config["study1"]["tally"], config["study1"]["agreement"]
        material = ""
        if study1 is not None:
            material = html.escape(f" {describe_material(study1)} {describe_placement(study1)}")
        if study1 is not None and not study1.agreement_possible:
            agreement = html.escape(describe_agreement(study1))
        else:
            agreement = (f"Agreement: Cohen's kappa{_cite('Cohen, 1960')}, Krippendorff's alpha (nominal){_cite('Krippendorff, 2004')}, percentage "
                         f"agreement, kappa read against Landis and Koch's bands{_cite('Landis & Koch, 1977')}; {agree['resamples']} bootstrap resamples, "
                         f"{agree['ci']:.0%} intervals" + (f". {html.escape(describe_agreement(study1))}" if study1 is not None else "."))
        items.append(
            f"<b>Study 1.</b>{material} Unit of analysis: the coded passage. Tally rule: <code>{tally['rule']}</code>"
            + (f" (primary coder <code>{html.escape(str(tally['primary_coder']))}</code>)" if tally["primary_coder"] else "")
            + f". {agreement}"
        )
    if studies["study2"]["included"]:
        items += study2_methods(config, load_questionnaire(questionnaire or config["study2"]["questionnaire"]), simulation)
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def study2_methods(config: dict, spec, simulation: str) -> list[str]:
    """The Study 2 and robustness items of the methods section."""
    s2 = config["study2"]
    efa, boot, comp = s2["efa"], s2["bootstrap"], s2["comparisons"]
    pa = efa["parallel_analysis"]
    items = [
        f"<b>Missing data.</b> Rule <code>{spec.missing_method}</code>"
        + (f" with at most {spec.max_missing_share:.0%} of a subscale's items missing." if spec.missing_method == "person_mean" else ": a subscale is scored only when every item is answered."),
        f"<b>Factor analysis.</b> <code>{efa['correlation']}</code> correlations, extraction <code>{efa['extraction']}</code>, rotation <code>{efa['rotation']}</code>, "
        f"number of factors <code>{efa['n_factors']}</code> by <code>{efa['retention']}</code> (parallel analysis{_cite('Horn, 1965')}, "
        f"Velicer's MAP{_cite('Velicer, 1976')} or Kaiser's rule{_cite('Kaiser, 1960')}); factors named by Tucker's congruence with the intended "
        f"subscales{_cite('Lorenzo-Seva & ten Berge, 2006')}; parallel analysis with "
        f"{pa['iterations']} {'resampled answer sets' if efa['correlation'] == 'polychoric' else 'random data sets'} at the {pa['percentile']}th percentile.",
        f"<b>Reliability.</b> Cronbach's alpha, omega total{_cite('McDonald, 1999')}, ordinal alpha and "
        f"omega{_cite('Zumbo et al., 2007')}, omega hierarchical (three or more subscales); every coefficient with a percentile "
        f"bootstrap interval ({boot['resamples']} resamples, {boot['ci']:.0%}); Feldt's analytic interval for alpha{_cite('Feldt, 1965')} "
        "is written beside it in reliability.csv.",
        "<b>Measurement.</b> The intended model by maximum likelihood ("
        + ("full-information ML on every answer given, <code>study2.missing.method: fiml</code>" if s2["missing"]["method"] == "fiml"
           else "Pearson covariances of the factor analysis's respondents")
        + f") and WLSMV (polychoric correlations of the respondents who answered every item, scaled-and-shifted test, robust fit indices); "
        f"configural, metric and scalar invariance between the compared groups (ML), a level holding when the "
        f"configural model has CFI ≥ {s2['measurement']['acceptable_cfi']:g} and RMSEA ≤ {s2['measurement']['acceptable_rmsea']:g} and each "
        f"constraint costs at most {s2['measurement']['delta_cfi']:g} of CFI and {s2['measurement']['delta_rmsea']:g} of RMSEA{_cite('Chen, 2007')}; "
        f"ordinal invariance as Wu and Estabrook identify it{_cite('Wu & Estabrook, 2016')}.",
        f"<b>Group comparisons.</b> Welch's <i>t</i>{_cite('Welch, 1947')} with Bonett's <i>d</i>{_cite('Bonett, 2008')} (default), Student's <i>t</i> "
        f"with Hedges' <i>g</i>{_cite('Hedges, 1981')}, Mann-Whitney <i>U</i>{_cite('Mann & Whitney, 1947')}, permutation test with {comp['permutations']} relabellings; "
        f"Holm adjustment across subscales{_cite('Holm, 1979')}; significance level {comp['alpha']} in the APA sentences. Beside the verdicts: a default "
        f"Bayes factor{_cite('Rouder et al., 2009')} and an equivalence test{_cite('Lakens, 2017')}. "
        + (f"Mixed model with a random intercept per <code>{html.escape(spec.cluster_column)}</code>, fitted when the data hold at least "
           f"{comp['min_teams']} of them (study2.comparisons.min_teams)."
           if spec.cluster_column else "No mixed model: the questionnaire spec names no cluster column."),
    ]
    robust = config.get("robustness")
    if robust:
        grid, power = robust["multiverse"], robust["power"]
        choices = "; ".join(f"{d.replace('_', ' ')}: {', '.join(map(str, grid[d]))}" for d in DECISIONS)
        items += [
            f"<b>Multiverse</b>{_cite('Steegen et al., 2016')}<b>.</b> Every combination of {choices} "
            + (f"(a user by frequency: at least <i>{html.escape(str(frequency_threshold(grid, spec)))}</i>); " if spec.frequency_column
               else "(the questionnaire has no frequency item, so the groups are defined by the group item only); ")
            + f"specifications split over {grid['jobs']} jobs, each seeded by its own choices; shown as a specification curve{_cite('Simonsohn et al., 2020')}.",
            f"<b>Power.</b> {power['replicates']} data sets per design simulated from {SIMULATION_MODEL[simulation]} at n = "
            f"{', '.join(map(str, power['sample_sizes']))}, and at n = {power['reference_n']} with latent shifts ("
            f"{html.escape(difference_words(spec))}) of "
            f"{', '.join(f'{s:g}' for s in power['shifts'])}; parallel analysis with {power['parallel_analysis_iterations']} random data sets per simulated study; "
            f"target power {power['target_power']:g}; Wilson intervals{_cite('Wilson, 1927')} over simulated studies.",
        ]
    return items


def inputs_html(provenance: dict) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(d['role'].replace('_', ' '))}</td><td><code>{breakable(d['path'])}</code></td><td>{INPUT_SOURCE[d['source']]}</td>"
        f"<td><code class=hash>{d['sha256']}</code></td></tr>"
        for d in provenance["inputs"]
    )
    return apa_table_block(
        f"<table><thead><tr><th>Role</th><th>File</th><th>Source</th><th>SHA-256</th></tr></thead><tbody>{rows}</tbody></table>",
        "Inputs Read by This Run",
        "Paths as the run read them, relative to the run folder; a file counts as synthetic only when its bytes match the generator's manifest.",
        key="inputs",
    )


def instruments_html(questionnaire=None, codebook=None) -> str:
    """Appendix tables of what was measured: the questionnaire's items in their wording, and the codebook's code tree."""
    parts = []
    if questionnaire is not None:
        rows = pd.DataFrame({
            "No.": [str(k) for k in range(1, len(questionnaire.items) + 1)],
            "Item": [item.id for item in questionnaire.items],
            "Short label": [item.short or "" for item in questionnaire.items],
            "Wording": [item.text for item in questionnaire.items],
            "Subscale": [questionnaire.subscales.get(item.subscale, item.subscale) for item in questionnaire.items],
            "Reverse-keyed": ["yes" if item.reverse else "" for item in questionnaire.items],
        })
        scale = ", ".join(f"{code} = {label}" for label, code in sorted(questionnaire.labels.items(), key=lambda kv: kv[1]))
        parts.append(table_html(rows, "Questionnaire Items as Worded", f"{questionnaire.name}; answers {scale}.", key="appendix-items"))
    if codebook is not None:
        rows = pd.DataFrame({
            "Theme": [theme.label for theme in codebook.themes],
            "Valence": [theme.valence for theme in codebook.themes],
            "Definition": [theme.definition for theme in codebook.themes],
            "Codes": ["; ".join(codebook.labels.get(code, code) for code in theme.codes) or "(the theme itself)" for theme in codebook.themes],
        })
        parts.append(table_html(rows, "Codebook: Themes, Definitions and Codes", "Each theme with the codes the coders applied under it.",
                                key="appendix-codebook"))
    return "".join(parts)


def notebook_body(path: str | Path) -> str:
    """An executed notebook as HTML without its code cells or prompts."""
    # imported here, after camhs_rom.core.schemas has loaded jsonschema without the
    # rfc3987 grammar nbformat would otherwise build (about a second per report job)
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nbformat.read(str(path), as_version=4))
    return body


def checklists_html(paths) -> str:
    """The reporting checklists as tables: each item's answer from the run, with a link to where the
    report shows it, or "for the authors to fill"."""
    known = {"coreq": "COREQ" + _cite("Tong et al., 2007") + " for Study 1", "jars_quant": "JARS-Quant" + _cite("Appelbaum et al., 2018") + " for Study 2"}
    named = ", ".join(known[Path(p).stem] for p in paths if Path(p).stem in known)  # only this run's checklists
    parts = [
        f"<p>Each item of the reporting checklists ({named}) that the run can answer is answered from its results, with a link to the table, "
        "figure or section that shows it; the rest are for the authors to fill (who ran the focus groups, how participants were "
        "approached, ethics, ...). The tables are also written to <code>results/report/checklists/</code>.</p>"
    ]
    for path in paths:
        frame = pd.read_csv(path, keep_default_na=False, dtype=str)
        name = frame["checklist"].iloc[0] if len(frame) else Path(path).stem
        answered = int((frame["status"] == "from the run").sum())
        shown = frame[["number", "domain", "item", "answer", "where"]].copy()
        shown["answer"] = [a if a else "for the authors to fill" for a in shown["answer"]]
        where = [w if w.startswith("#") else "" for w in shown["where"]]  # anchors the pipeline wrote (escaped all the same)
        parts.append(table_html(shown.drop(columns="where").set_axis(["No.", "Domain", "Item", "Answer"], axis=1),
                                f"{name} Checklist", f"{answered} of {len(frame)} items answered from the run.", key=f"checklist-{name}",
                                links={"Answer": where}))
    return "".join(parts)
