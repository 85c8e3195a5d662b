"""The sections of the consortium's report: pooled Study 2 and Study 1 results, each site, provenance.

Tables are numbered in page order with APA headings (:data:`HEADINGS`), numbers right-aligned;
every text from a site, the config or an instrument is escaped.
"""

from __future__ import annotations

import base64
import html
import platform
from pathlib import Path

import numpy as np
import pandas as pd

from camhs_rom import __version__
from camhs_rom.report.html import package_versions
from camhs_rom.study2.apa import number, p_value

HEADINGS = {
    "claim": "Claim", "subscale": "Subscale", "measure": "Measure", "site": "Site", "k": "k", "n": "N", "estimate": "Estimate",
    "ci_low": "95% CI low", "ci_high": "95% CI high", "p": "p", "tau2": "\u03c4\u00b2", "i2": "I\u00b2 (%)", "q": "Q", "q_p": "p (Q)",
    "pi_low": "95% PI low", "pi_high": "95% PI high", "alpha": "\u03b1", "n_1": "n (first group)", "n_2": "n (second group)",
    "model": "Model", "constraints": "Held equal", "chisq": "\u03c7\u00b2", "df": "df", "cfi": "CFI", "rmsea": "RMSEA", "srmr": "SRMR",
    "delta_cfi": "\u0394CFI", "delta_rmsea": "\u0394RMSEA", "holds": "Holds", "note": "Note", "theme": "Theme", "participants": "Voiced by",
    "n_participants": "Participants", "share": "Share", "groups": "Groups voicing", "n_groups": "Focus groups", "studies": "Studies",
    "respondents": "Respondents compared", "synthetic": "Synthetic", "package_version": "camhs-rom", "code_digest": "Code digest",
    "deviations": "Deviations", "data_label": "Data", "key": "Setting", "preregistered": "Reference", "used": "Used by the site",
    "claims": "Claims it can move", "pair": "Coders", "passages": "Passages", "both": "Both", "first_only": "First only",
    "second_only": "Second only", "neither": "Neither", "kappa": "κ",
}


def headed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with APA column headings (names not in :data:`HEADINGS` kept)."""
    return frame.rename(columns={c: HEADINGS.get(c, c) for c in frame.columns})


def _cell(value, decimals: int = 2) -> tuple[str, bool]:
    if value is None or value is pd.NA:
        return "", True
    if isinstance(value, (bool, np.bool_)):
        return ("yes" if value else "no"), False
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}", True
    if isinstance(value, (float, np.floating)):
        return ("" if not np.isfinite(value) else number(float(value), decimals)), True
    return html.escape(str(value)), False


class Numbered:
    """Tables and figures numbered in page order."""

    def __init__(self) -> None:
        self.tables = self.figures = 0

    def table(self, frame: pd.DataFrame, title: str, note: str = "", decimals: dict | None = None) -> str:
        """An APA table: number, italic title, a caption, headings over right-aligned numbers, an optional note (trusted HTML)."""
        self.tables += 1
        decimals = decimals or {}
        numeric = {c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])}
        head = "".join(f'<th scope="col"{" class=num" if c in numeric else ""}>{html.escape(str(c))}</th>' for c in frame.columns)
        body = []
        for row in frame.itertuples(index=False):
            cells = []
            for column, value in zip(frame.columns, row, strict=True):
                text, numeric = _cell(value, decimals.get(column, 2))
                cls = f' class="verdict-{text}"' if str(column).lower() == "verdict" else (' class="num"' if numeric else "")
                cells.append(f"<td{cls}>{text}</td>")
            body.append(f"<tr>{''.join(cells)}</tr>")
        note_html = f'<p class="apa-note"><i>Note.</i> {note}</p>' if note else ""
        return (f'<div class="apa-table"><div class="table-wrap"><table><caption><span class="apa-number">Table {self.tables}</span> '
                f'<i>{html.escape(title)}</i></caption><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>{note_html}</div>')

    def figure(self, png: Path, title: str, alt: str, note: str) -> str:
        self.figures += 1
        data = base64.b64encode(Path(png).read_bytes()).decode("ascii")
        return (f'<figure class="apa-figure"><p class="apa-number"><b>Figure {self.figures}</b></p><p class="apa-title"><i>{html.escape(title)}</i></p>'
                f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}"><figcaption class="apa-note"><i>Note.</i> {note}</figcaption></figure>')


def pooled_sentences(meta: pd.DataFrame, q) -> str:
    """One APA sentence per pooled group difference: g with its interval, t and p (Knapp-Hartung), heterogeneity."""
    groups = list(q.group_levels) if q else ["first group", "second group"]
    first, second = ((q.group_labels.get(g, g) if q else g) for g in groups[:2])
    out = []
    for row in meta[meta["measure"] == "hedges_g"].to_dict("records"):
        label = q.subscales.get(row["subscale"], row["subscale"]) if q else row["subscale"]
        k = int(row["k"])
        text = (f"Across <i>k</i> = {k} sites (<i>N</i> = {int(row['n']):,}), {html.escape(str(first))} minus {html.escape(str(second))} on "
                f"{html.escape(str(label))}: <i>g</i> = {number(row['estimate'], 2)}, 95% CI [{number(row['ci_low'], 2)}, {number(row['ci_high'], 2)}], "
                f"<i>{p_value(row['p'])[0]}</i>{p_value(row['p'])[1:]}")
        if k > 1:
            text += (f"; \u03c4\u00b2 = {number(row['tau2'], 3, False)}, <i>I</i>\u00b2 = {row['i2']:.0f}%, <i>Q</i>({k - 1}) = {number(row['q'], 2)}, "
                     f"<i>{p_value(row['q_p'])[0]}</i>{p_value(row['q_p'])[1:]}; 95% PI [{number(row['pi_low'], 2)}, {number(row['pi_high'], 2)}]")
        out.append(text + ".")
    return "".join(f"<p>{t}</p>" for t in out)


def study2_html(frames: dict, figures: dict, q, settings: dict, n: Numbered) -> list[str]:
    parts = ['<h2 id="study2">Study 2: questionnaire</h2>']
    meta = frames["meta_analysis"]
    if not len(meta) and not len(frames["reliability_generalisation"]):
        return parts + ["<p>No site's summary holds Study 2 (or this pooling run names no questionnaire).</p>"]
    parts.append(pooled_sentences(meta, q))
    columns = ["claim", "subscale", "measure", "k", "n", "estimate", "ci_low", "ci_high", "p", "tau2", "i2", "q", "q_p", "pi_low", "pi_high"]
    parts.append(n.table(headed(meta[columns]), "Pooled effects", "Hedges' <i>g</i> of the first compared group minus the second; the frequency share pooled as "
                         "log odds and shown as a proportion (\u03c4\u00b2 on the log-odds scale). CI: Knapp-Hartung 95% confidence interval; PI: 95% prediction "
                         "interval of a new site.", {"\u03c4\u00b2": 3, "p (Q)": 3, "p": 3, "I\u00b2 (%)": 1}))
    if "forest_group_differences" in figures:
        parts.append(n.figure(figures["forest_group_differences"], "Group differences by site and pooled",
                              "Forest plot of Hedges' g per site with 95% confidence intervals, and the pooled g with its confidence and prediction intervals.",
                              "Squares: each site's <i>g</i> (area by weight) and 95% CI; diamond: the pooled <i>g</i> and its Knapp-Hartung 95% CI; "
                              "dashed line: 95% prediction interval; dotted line: no difference."))
    if "forest_frequency" in figures:
        parts.append(n.figure(figures["forest_frequency"], "Share of respondents at the claim's frequency level",
                              "Forest plot of each site's share with Wilson intervals and the pooled share.",
                              f"Dotted line: the 2015 figure, {settings['frequency_pct']}%. Site intervals: Wilson 95%; pooled on the log-odds scale."))
    rel = frames["reliability_generalisation"]
    if len(rel):
        parts.append(n.table(headed(rel), "Reliability generalisation: Cronbach's alpha pooled across sites",
                             "Pooled on Bonett's (2002) scale, ln(1 \u2212 \u03b1), and back-transformed; \u03c4\u00b2 on that scale.",
                             {"\u03c4\u00b2": 4, "p (Q)": 3, "I\u00b2 (%)": 1}))
    if "forest_reliability" in figures:
        parts.append(n.figure(figures["forest_reliability"], "Cronbach's alpha by site and pooled", "Forest plot of alpha per site and pooled per subscale.",
                              "Site intervals: Feldt 95%; pooled: Knapp-Hartung 95% CI on Bonett's scale, back-transformed."))
    congruence = frames["congruence_across_sites"]
    if len(congruence):
        wide = congruence.pivot(index="site", columns="factor", values="congruence").reset_index()
        wide = wide.rename(columns={"site": "Site", **({f: q.subscales.get(f, f) for f in wide.columns} if q else {})})
        parts.append(n.table(wide, "Tucker congruence of each site's factors with the pooled solution",
                             "The pooled solution: EFA of the pooled within-site correlation matrix (the consortium's extraction and rotation); each site's "
                             "factors matched one to one by the largest absolute congruence."))
    inv = frames["invariance_across_sites"]
    parts.append(n.table(headed(inv[["model", "constraints", "k", "n", "chisq", "df", "cfi", "rmsea", "srmr", "delta_cfi", "delta_rmsea", "holds", "note"]]),
                         "Measurement invariance across sites (ML from the sites' covariance matrices)",
                         "Each site a group; ML from means and covariance matrices is exact for ML. ML treats the answers as continuous; the ordinal "
                         "(WLSMV) models need each site's weight matrix, which a summary does not carry."))
    return parts


def study1_html(frames: dict, book, n: Numbered) -> list[str]:
    parts = ['<h2 id="study1">Study 1: focus groups</h2>']
    themes = frames["themes_by_site"]
    if not len(themes):
        return parts + ["<p>No site's summary holds Study 1 (or this pooling run names no codebook).</p>"]
    shown = themes.assign(theme=[book.theme(t).label if book and t in book.theme_ids else t for t in themes["theme"]])
    parts.append(n.table(headed(shown), "Participants voicing each theme, by site and in all sites", "Share = participants voicing the theme / participants."))
    agreement = frames["agreement_across_sites"]
    if len(agreement):
        shown = agreement.assign(theme=[book.theme(t).label if book and t in book.theme_ids else t for t in agreement["theme"]])
        parts.append(n.table(headed(shown), "Coder agreement on each theme, by site and from the sites' tables summed",
                             "Counts of coded passages both coders coded: with the theme by both, by the first only, by the second only, by neither; "
                             "κ = Cohen's kappa of that 2 × 2 table (all sites: the tables summed). Coders are numbered, never named."))
    else:
        parts.append("<p>No site's summary holds two coders' coding of the same transcripts: no agreement to pool.</p>")
    return parts


def per_site_html(frames: dict, book, n: Numbered) -> list[str]:
    """A section per site: what it shared, its deviations, its own estimates and theme counts."""
    parts = ['<h2 id="per-site">Each site</h2>']
    effects, deviations, themes = frames["site_effects"], frames["site_deviations"], frames["themes_by_site"]
    for row in frames["sites"].to_dict("records"):
        site = row["site"]
        parts.append(f"<h3>{html.escape(str(site))}</h3>")
        what = [f"studies {html.escape(str(row['studies']))}", html.escape(str(row["data_label"]).rstrip("."))]
        if pd.notna(row["respondents"]):
            what.append(f"{int(row['respondents']):,} respondents compared")
        if pd.notna(row["participants"]):
            what.append(f"{int(row['participants']):,} focus-group participants")
        parts.append(f"<p>{'; '.join(what)}.</p>")
        own = deviations[deviations["site"] == site].drop(columns=["site"])
        parts.append(n.table(headed(own), f"Deviations of {site} from the reference record") if len(own) else "<p>No deviation from the reference record.</p>")
        estimates = effects[effects["site"] == site][["claim", "subscale", "measure", "estimate", "ci_low", "ci_high", "n_1", "n_2"]].astype({"n_1": "Int64", "n_2": "Int64"})
        if len(estimates):
            parts.append(n.table(headed(estimates), f"Estimates of {site}", "Hedges' <i>g</i> with its normal 95% CI (n: first and second group); "
                                 "proportions with Wilson 95% CIs (n: respondents answering); alpha with Feldt 95% CIs (n: respondents)."))
        counts = themes[themes["site"] == site].drop(columns=["site"])
        counts = counts.assign(theme=[book.theme(t).label if book and t in book.theme_ids else t for t in counts["theme"]])
        if len(counts):
            parts.append(n.table(headed(counts), f"Themes at {site}"))
    return parts


def provenance_html(sites: pd.DataFrame, config: dict) -> str:
    versions = package_versions()
    rows = "".join(f"<tr><td>{html.escape(str(r['site']))}</td><td><code class=\"hash\">{html.escape(str(r['summary_sha256']))}</code></td></tr>"
                   for r in sites.to_dict("records"))
    return ('<h2 id="provenance">Provenance</h2>'
            f"<p>Pooled by camhs-rom {html.escape(__version__)} (Python {html.escape(platform.python_version())}; "
            f"{', '.join(f'{html.escape(k)} {html.escape(v)}' for k, v in versions.items() if k in ('pandas', 'numpy', 'scipy', 'factor_analyzer', 'matplotlib'))}); "
            f"seed {int(config['seed'])}. Each site's summary is identified by the SHA-256 of its site.json, which records the SHA-256 of every table:</p>"
            f'<table class="plain"><caption>Site summaries read</caption><thead><tr><th scope="col">Site</th><th scope="col">SHA-256 of site.json</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")
