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
import subprocess
from importlib import metadata
from pathlib import Path

import nbformat
import yaml
from nbconvert import HTMLExporter

from . import __version__
from .instruments import load_questionnaire
from .plan import DECISIONS
from .provenance import input_path, read_provenance
from .tables import write_text

PACKAGES = ["camhs-rom", "snakemake", "pandas", "numpy", "scipy", "statsmodels", "factor_analyzer", "scikit-learn", "pingouin", "krippendorff", "seaborn", "matplotlib", "papermill", "nbconvert"]
STYLE = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; max-width: 1080px; margin: 0 auto; padding: 0 24px 48px; color: #222; line-height: 1.45; }
h1 { font-size: 1.8em; margin-top: 1.2em; } h2 { border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 2em; }
table { border-collapse: collapse; margin: 12px 0 20px; font-size: 0.88em; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } caption { caption-side: top; font-weight: bold; text-align: left; padding: 4px 0; }
img { max-width: 100%; height: auto; }
.banner { position: sticky; top: 0; z-index: 9; padding: 6px 12px; font-weight: bold; color: #fff; background: #b00020; }
.banner.user { background: #1b5e20; }
nav { background: #fafafa; border: 1px solid #eee; padding: 8px 14px; margin: 14px 0; }
nav a { margin-right: 14px; }
.verdict-reproduced { color: #1b5e20; font-weight: bold; } .verdict-not_reproduced { color: #b00020; font-weight: bold; }
.verdict-not_testable { color: #8a6d00; font-weight: bold; }
code, pre { background: #f6f6f6; font-size: 0.9em; } pre { padding: 8px; overflow-x: auto; }
.jp-OutputPrompt, .jp-InputPrompt, .prompt, .anchor-link { display: none; }
.jp-OutputArea-output, .output_html { overflow-x: auto; }
section > h1 { font-size: 1.6em; border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 2em; }
"""


def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit(folder: str | Path = ".") -> str:
    """The checkout's commit (with ``-dirty`` if it has changes), or a note when there is none."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=folder, capture_output=True, text=True, check=True).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"


def methods_html(config: dict, questionnaire: str | None) -> str:
    """The methods section, written from the effective config and the questionnaire spec the run read."""
    s1, s2 = config["study1"], config["study2"]
    efa, boot = s2.get("efa", {}), s2.get("bootstrap", {})
    pa = efa.get("parallel_analysis", {})
    comp = s2.get("comparisons", {})
    tally = s1.get("tally", {})
    agree = s1.get("agreement", {})
    spec = load_questionnaire(questionnaire or s2["questionnaire"])
    items = [
        f"<b>Seed.</b> Every random step derives its seed from <code>{config['seed']}</code>.",
        f"<b>Study 1.</b> Unit of analysis: the coded passage. Tally rule: <code>{tally.get('rule', 'primary')}</code>"
        + (f" (primary coder <code>{tally.get('primary_coder')}</code>)" if tally.get("primary_coder") else "")
        + f". Agreement: Cohen's kappa, Krippendorff's alpha (nominal), percentage agreement; {agree.get('resamples', 2000)} bootstrap resamples, {agree.get('ci', 0.95):.0%} intervals.",
        f"<b>Missing data.</b> Rule <code>{spec.missing_method}</code>"
        + (f" with at most {spec.max_missing_share:.0%} of a subscale's items missing." if spec.missing_method == "person_mean" else ": a subscale is scored only when every item is answered."),
        f"<b>Factor analysis.</b> Extraction <code>{efa.get('extraction', 'minres')}</code>, rotation <code>{efa.get('rotation', 'oblimin')}</code>, "
        f"number of factors <code>{efa.get('n_factors', 'auto')}</code> by <code>{efa.get('retention', 'parallel_analysis')}</code>; parallel analysis with "
        f"{pa.get('iterations', 1000)} random data sets at the {pa.get('percentile', 95)}th percentile.",
        f"<b>Reliability.</b> Cronbach's alpha (Feldt interval), omega total; {boot.get('resamples', 2000)} bootstrap resamples, {boot.get('ci', 0.95):.0%} intervals.",
        f"<b>Group comparisons.</b> Welch's t (default), Student's t, Mann-Whitney U, permutation test with {comp.get('permutations', 10000)} relabellings; "
        f"Holm adjustment across subscales; significance level {comp.get('alpha', 0.05)} in the APA sentences. Mixed model with a team random intercept from {comp.get('min_teams', 5)} teams.",
    ]
    robust = config.get("robustness")
    if robust:
        grid, power = robust["multiverse"], robust["power"]
        choices = "; ".join(f"{d.replace('_', ' ')}: {', '.join(map(str, grid[d]))}" for d in DECISIONS)
        items += [
            f"<b>Multiverse.</b> Every combination of {choices} (a user by frequency: at least <i>{grid['frequency_threshold']}</i>); "
            f"specifications split over {grid['jobs']} jobs, each seeded by its own choices.",
            f"<b>Power.</b> {power['replicates']} data sets per design simulated from the calibrated synthetic model at n = "
            f"{', '.join(map(str, power['sample_sizes']))}, and at n = {power['reference_n']} with latent user shifts "
            f"{', '.join(f'{s:g}' for s in power['shifts'])}; parallel analysis with {power['parallel_analysis_iterations']} random data sets per simulated study; "
            f"target power {power['target_power']:g}.",
        ]
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def inputs_html(provenance: dict) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(d['role'])}</td><td><code>{html.escape(d['path'])}</code></td><td>{'synthetic default' if d['synthetic'] else 'user-supplied'}</td><td><code>{d['sha256']}</code></td></tr>"
        for d in provenance["inputs"]
    )
    return f"<table><caption>Inputs read</caption><tr><th>role</th><th>file</th><th>source</th><th>SHA-256</th></tr>{rows}</table>"


def notebook_body(path: str | Path) -> str:
    """An executed notebook as HTML without its code cells or prompts."""
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nbformat.read(str(path), as_version=4))
    return body


def build_report(notebooks: dict[str, str], provenance_path, config: dict, out, workdir: str | Path = ".") -> None:
    """Assemble ``report.html`` from the executed notebooks (keys: scorecard, study1, study2, robustness)."""
    provenance = read_provenance(provenance_path)
    synthetic = provenance["synthetic"]
    label = html.escape(provenance["data_label"])
    banner = f'<div class="banner{"" if synthetic else " user"}">{label}</div>'
    versions = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in package_versions().items())
    sections = [
        ("about", "About this report", (
            "<p>A re-run of both studies of James, Elgie, Adams, Henderson &amp; Salkovskis (2015), <i>Session-by-session outcome "
            "monitoring in CAMHS: clinicians' beliefs</i>, The Cognitive Behaviour Therapist 8, e26 "
            "(doi:10.1017/S1754470X15000653), made by the camhs-rom pipeline.</p>"
            + (f"<p><b>{label}</b> The questionnaire items are this project's reconstruction from the Study 1 themes; the "
               "numbers below show what the pipeline does, not what the 2015 clinicians answered.</p>" if synthetic else
               "<p>The inputs are the files listed below, identified by their SHA-256.</p>")
            + inputs_html(provenance)
        )),
        ("methods", "Methods", methods_html(config, input_path(provenance, "study2_questionnaire"))),
        ("scorecard", "Replication scorecard", notebook_body(notebooks["scorecard"])),
        ("study1", "Study 1: focus groups", notebook_body(notebooks["study1"])),
        ("study2", "Study 2: questionnaire", notebook_body(notebooks["study2"])),
        ("robustness", "Robustness", notebook_body(notebooks["robustness"])),
        ("provenance", "Provenance", (
            f"<p>camhs-rom {__version__}; git commit <code>{git_commit(workdir)}</code>.</p>"
            f"<table><caption>Package versions</caption><tr><th>package</th><th>version</th></tr>{versions}</table>"
            f"<p>Effective configuration:</p><pre>{html.escape(yaml.safe_dump(config, sort_keys=False))}</pre>"
        )),
    ]
    nav = "<nav>" + "".join(f'<a href="#{key}">{title}</a>' for key, title, _ in sections) + "</nav>"
    from_notebook = {"scorecard", "study1", "study2", "robustness"}  # these bring their own title
    body = "".join(
        f'<section id="{key}">{"" if key in from_notebook else f"<h2>{title}</h2>"}{content}</section>' for key, title, content in sections
    )
    body = re.sub(r">(reproduced|not_reproduced|not_testable)</td>", r'><span class="verdict-\1">\1</span></td>', body)
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>camhs-rom replication report</title>'
        f"<style>{STYLE}</style></head><body>{banner}<h1>Session-by-session outcome monitoring in CAMHS: replication report</h1>"
        f"{nav}{body}{banner}</body></html>\n"
    )
    write_text(page, out)


def execute_notebook(notebook, out, results_dir) -> None:
    """Run one notebook with papermill, its ``results_dir`` parameter pointing at the results."""
    import os
    import sys

    import papermill

    # the "python3" kernel of this environment first, so the notebook imports this camhs_rom
    # even when the user has a "python3" kernel of their own elsewhere
    here = str(Path(sys.prefix) / "share" / "jupyter")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (here, os.environ.get("JUPYTER_PATH", "")) if p)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(notebook), str(out), parameters={"results_dir": str(Path(results_dir).resolve())}, kernel_name="python3",
        cwd=str(Path(notebook).parent), progress_bar=False, log_output=False,
    )
