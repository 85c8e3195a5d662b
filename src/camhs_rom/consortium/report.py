"""The consortium's report: the pooled scorecard, the pooled tables and forest plots, and a section per site.

Everything shown is read from this pooling run's own tables and the figures this step
draws; every text a site or the config supplied (site names, labels, deviations) is escaped.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from camhs_rom.consortium.figures import forest_figure
from camhs_rom.consortium.report_sections import Numbered, headed, per_site_html, provenance_html, study1_html, study2_html
from camhs_rom.core.plotting import apply_style, save
from camhs_rom.core.tables import write_text
from camhs_rom.instruments.codebook import load_codebook
from camhs_rom.instruments.questionnaire import load_questionnaire
from camhs_rom.report.html import STYLE

NUMBER_HEADINGS = ".apa-table thead th.num { text-align: right; }\n"  # a heading over numbers sits over their right edge

REFERENCES = [
    "Bonett, D. G. (2002). Sample size requirements for testing and estimating coefficient alpha. <i>Journal of Educational and Behavioral Statistics, 27</i>(4), 335\u2013340.",
    "Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement invariance. <i>Structural Equation Modeling, 14</i>(3), 464\u2013504.",
    "Higgins, J. P. T., &amp; Thompson, S. G. (2002). Quantifying heterogeneity in a meta-analysis. <i>Statistics in Medicine, 21</i>(11), 1539\u20131558.",
    "Hundepool, A., et al. (2010). <i>Handbook on statistical disclosure control</i> (version 1.2). ESSnet SDC.",
    "James, A., Elgie, S., Adams, J., Henderson, T., &amp; Salkovskis, P. (2015). Session-by-session outcome monitoring in CAMHS: clinicians' beliefs. <i>The Cognitive Behaviour Therapist, 8</i>, e26.",
    "Knapp, G., &amp; Hartung, J. (2003). Improved tests for a random effects meta-regression with a single covariate. <i>Statistics in Medicine, 22</i>(17), 2693\u20132710.",
    "Lorenzo-Seva, U., &amp; ten Berge, J. M. F. (2006). Tucker's congruence coefficient as a meaningful index of factor similarity. <i>Methodology, 2</i>(2), 57\u201364.",
    "Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance estimators in the random-effects model. <i>Journal of Educational and Behavioral Statistics, 30</i>(3), 261\u2013293.",
    "Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. <i>Journal of Statistical Software, 36</i>(3), 1\u201348.",
]


def draw_forests(tables: dict, q, figures_dir: Path, label: str | None, settings: dict) -> dict[str, Path]:
    """The forest plots this run's tables allow (group differences, frequency share, reliability); name -> PNG path."""
    apply_style()
    figures_dir.mkdir(parents=True, exist_ok=True)
    effects, meta, rel = tables["site_effects"], tables["meta_analysis"], tables["reliability_generalisation"]
    out = {}
    groups = meta[meta["measure"] == "hedges_g"]
    if len(groups):
        panels = [(s, f"{q.subscales.get(s, s) if q else s}{' (' + c + ')' if isinstance(c, str) and c else ''}") for s, c in zip(groups["subscale"], groups["claim"], strict=True)]
        fig = forest_figure(effects[effects["measure"] == "hedges_g"], groups, panels, 0.0, "Hedges' g (first group minus second)")
        out["forest_group_differences"] = save(fig, figures_dir / "forest_group_differences", label)[0]
    share = meta[meta["claim"] == "S2-F"]
    if len(share):
        fig = forest_figure(effects[effects["claim"] == "S2-F"], share, [("S2-F", f"share answering '{settings['frequency_level']}' (S2-F)")],
                            settings["frequency_pct"] / 100, "proportion", key="claim")
        out["forest_frequency"] = save(fig, figures_dir / "forest_frequency", label)[0]
    if len(rel):
        pooled = rel.rename(columns={"alpha": "estimate"})
        panels = [(s, f"Cronbach's alpha: {q.subscales.get(s, s) if q else s}") for s in pooled["subscale"]]
        fig = forest_figure(effects[effects["measure"] == "alpha"], pooled, panels, None, "Cronbach's alpha")
        out["forest_reliability"] = save(fig, figures_dir / "forest_reliability", label)[0]
    return out


def _banner(label: str) -> str:
    user = not label.startswith(("SYNTHETIC", "MIXED"))
    return f'<header class="banner{" user" if user else ""}" role="banner">{html.escape(label)}</header>'


def write_report(tables: dict, config: dict, questionnaire, codebook, figures_dir, out) -> None:
    """Draw the forests and write ``report.html`` (``tables``: name -> path of this run's consortium tables)."""
    frames = {name: pd.read_csv(path, keep_default_na=False, na_values=[""]) for name, path in tables.items()}
    q = load_questionnaire(questionnaire) if questionnaire else None
    book = load_codebook(codebook) if codebook else None
    settings = config["replication"]
    card, sites = frames["scorecard"], frames["sites"]
    labels = sorted(set(card["data_label"].dropna()))
    label = next((x for x in labels if x.startswith("SYNTHETIC")), None) or next((x for x in labels if x.startswith("MIXED")), None) or (labels[0] if labels else "")
    figure_label = label.split(";")[0] if label.startswith(("SYNTHETIC", "MIXED")) else None
    figures = draw_forests(frames, q, Path(figures_dir), figure_label, settings)
    n = Numbered()
    parts = [f"<h1>Consortium replication of James et al. (2015): {len(sites)} sites pooled</h1>"]
    parts.append(f"<p>Each site analysed its own data with the pipeline and shared only its summary: aggregates that passed a disclosure check "
                 f"(no count of people from 1 to {config['consortium']['min_count'] - 1}, no free text, no identifiers). No individual's answers "
                 "were pooled. Effects are pooled by random-effects meta-analysis (REML estimate of \u03c4\u00b2, Knapp-Hartung 95% intervals, "
                 "95% prediction intervals).</p>")
    parts.append('<h2 id="scorecard">Consortium scorecard</h2>')
    shown = card[["claim_id", "claim", "original", "pooled", "verdict", "k", "heterogeneity", "sites_supporting", "criterion"]]
    parts.append(n.table(shown.rename(columns={"claim_id": "Claim", "claim": "Claim (2015 wording)", "original": "2015 finding", "pooled": "Pooled estimate",
                                               "verdict": "Verdict", "k": "k", "heterogeneity": "Heterogeneity", "sites_supporting": "Sites",
                                               "criterion": "Criterion"}),
                         "Each claim judged on the pooled estimates", "\u03c4\u00b2 = between-site variance; I\u00b2 = share of variation beyond sampling error; "
                         "PI = 95% prediction interval of a new site's effect."))
    parts.append('<h2 id="sites">Sites</h2>')
    parts.append(n.table(headed(sites.drop(columns=["summary_sha256"])), "The sites and what each shared", "deviations = settings, instruments or code version that differ from the reference record "
                         f"({'the preregistration named in consortium.frozen' if config['consortium']['frozen'] else 'the config of this pooling run'})."))
    deviations = frames["site_deviations"]
    parts.append(n.table(headed(deviations), "Each site's deviations from the reference record") if len(deviations)
                 else "<p>No site deviates from the reference record: every site ran the same settings, instruments and code.</p>")
    parts += study2_html(frames, figures, q, settings, n)
    parts += study1_html(frames, book, n)
    parts += per_site_html(frames, book, n)
    parts.append('<h2 id="references">References</h2><ul>' + "".join(f"<li>{r}</li>" for r in REFERENCES) + "</ul>")
    parts.append(provenance_html(sites, config))
    nav = "".join(f'<a href="#{i}">{t}</a>' for i, t in (("scorecard", "Scorecard"), ("sites", "Sites"), ("study2", "Study 2"), ("study1", "Study 1"),
                                                          ("per-site", "Each site"), ("references", "References"), ("provenance", "Provenance")))
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Consortium replication report</title><style>{STYLE}{NUMBER_HEADINGS}</style></head><body>{_banner(label)}"
            f'<nav aria-label="Sections">{nav}</nav><main>{"".join(parts)}</main></body></html>\n')
    write_text(page, out)
