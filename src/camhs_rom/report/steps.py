"""The report stage as the workflow runs it: execute each notebook, then assemble ``results/report.html``."""

from __future__ import annotations

import html
import platform
import re
from pathlib import Path

from camhs_rom import __version__
from camhs_rom.core.labels import INSTRUMENT, USER_DATA
from camhs_rom.core.provenance import input_path, read_provenance, write_record
from camhs_rom.core.studies import STUDY_NAMES
from camhs_rom.core.tables import write_table, write_text
from camhs_rom.instruments.codebook import load_codebook
from camhs_rom.instruments.questionnaire import load_questionnaire
from camhs_rom.report.checklists import coreq, jars_quant
from camhs_rom.report.crate import write_crate
from camhs_rom.report.html import (
    STYLE,
    checklists_html,
    inputs_html,
    instruments_html,
    methods_html,
    notebook_body,
    package_versions,
    references_html,
    running_header,
)
from camhs_rom.report.manuscript import manuscript_blocks, write_manuscript
from camhs_rom.report.presentation import apa_table_block, renumber
from camhs_rom.report.references import cite
from camhs_rom.report.revision import commit_label, run_date, run_files
from camhs_rom.report.run_record import read_run_file
from camhs_rom.report.run_record import run_record as make_run_record
from camhs_rom.report.study1_summary import read_summary

NOTEBOOK_SECTIONS = [  # (section id, title, notebook, the study it presents)
    ("scorecard", "Replication scorecard", "00_scorecard", None),
    ("study1", "Study 1: focus groups", "01_study1", "study1"),
    ("study2", "Study 2: questionnaire", "02_study2", "study2"),
    ("robustness", "Robustness", "03_robustness", "study2"),
]


def about_html(provenance: dict) -> str:
    """The front page: the paper, where each study's data came from, the inputs read."""
    lines = []
    for study, record in provenance["studies"].items():
        what = html.escape(record["data_label"]) if record["included"] else f"not part of this run: {html.escape(record['reason'])}"
        lines.append(f"<li><b>{STUDY_NAMES[study]}:</b> {what}</li>")
    sources = {d["role"]: d["source"] for d in provenance["inputs"]}
    notes = []
    if sources.get("study2_questionnaire") == INSTRUMENT:
        notes.append("The questionnaire items are this project's reconstruction from the Study 1 themes (the 2015 wording is not public).")
    if provenance["synthetic"]:
        notes.append("The numbers below show what the pipeline does, not what the 2015 clinicians said or answered.")
    return (
        "<p>A re-run of the studies of James, Elgie, Adams, Henderson &amp; Salkovskis (2015), <i>Session-by-session outcome "
        "monitoring in CAMHS: clinicians' beliefs</i>, The Cognitive Behaviour Therapist 8, e26 "
        "(doi:10.1017/S1754470X15000653), made by the camhs-rom pipeline.</p>"
        f"<ul>{''.join(lines)}</ul>" + "".join(f"<p>{n}</p>" for n in notes)
        + "<p>The inputs are the files listed below, identified by their SHA-256.</p>" + inputs_html(provenance)
    )


def report_html(notebooks: dict[str, str], provenance_path, config: dict, out, workdir: str | Path = ".", simulation: str = "calibrated",
                checklists: list[str] | tuple = (), study1_tables: dict | None = None, run_path=None) -> None:
    """Assemble ``report.html`` from the executed notebooks (keyed by notebook name, e.g. ``01_study1``)
    and the reporting checklists (``checklists``: their CSV paths); a study the run left out gets a
    section saying so. ``study1_tables`` (``sources``, ``scope``, ``by_participant``: this run's
    tables) let the methods describe the run's Study 1 material; ``run_path`` (``report/run.json``) gives the
    config and inputs digests the header names. Tables and figures are numbered in page order."""
    provenance = read_provenance(provenance_path)
    study1 = read_summary(**study1_tables) if study1_tables else None
    label = html.escape(provenance["data_label"])
    user = " user" if provenance["data_label"] == USER_DATA else ""
    banner = f'<div class="banner{user}">{label}</div>'
    running = running_header(provenance["data_label"], bool(user))  # printed at the top of every A4 page
    run = read_run_file(run_path) if run_path else None
    run_line = (f'<p class="run-id">This report describes the run of config <code>{run["config_digest"]}</code> on inputs '
                f'<code>{run["inputs_digest"]}</code> (camhs-rom {__version__}).</p>') if run else ""
    versions = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in package_versions().items())
    sections = [
        ("about", "About this report", about_html(provenance)),
        ("methods", "Methods", methods_html(config, input_path(provenance, "study2_questionnaire"), provenance["studies"], simulation, study1)),
    ]
    for key, title, notebook, study in NOTEBOOK_SECTIONS:
        if notebook in notebooks:
            sections.append((key, title, notebook_body(notebooks[notebook])))
        else:
            reason = html.escape(provenance["studies"][study]["reason"])
            sections.append((key, title, f"<h1>{title}</h1><p>{STUDY_NAMES[study]} was not part of this run: {reason}.</p>"))
    if checklists:
        sections.append(("checklists", "Reporting checklists", checklists_html(checklists)))
    questionnaire, codebook = input_path(provenance, "study2_questionnaire"), input_path(provenance, "study1_codebook")
    appendix = instruments_html(load_questionnaire(Path(workdir) / questionnaire) if questionnaire else None,
                                load_codebook(Path(workdir) / codebook) if codebook else None)
    if appendix:
        sections.append(("instruments", "Appendix: what was measured", appendix))
    cited = "".join(content for _, _, content in sections) + about_html(provenance)
    sections.append(("references", "References", references_html(cited)))
    sections.append(
        ("provenance", "Provenance", (
            f"<p>Made by a Snakemake workflow{html.escape(' ' + cite('Mölder et al., 2021'))}: camhs-rom {__version__}; git commit <code>{commit_label(workdir)}</code>; Python {platform.python_version()} on "
            f"{html.escape(platform.system())} {html.escape(platform.machine())}; dated {run_date(workdir, run_files(workdir, provenance))} "
            "(the code's commit date, so that a re-run gives the same bytes; Snakemake's log under .snakemake/log/ has the run's clock times).</p>"
            + apa_table_block(f"<table><thead><tr><th>Package</th><th>Version</th></tr></thead><tbody>{versions}</tbody></table>",
                              "Package Versions", "The versions this run imported; requirements.lock pins the set the test suite last passed with.",
                              key="package-versions")
            + "<p>The effective configuration (every setting, defaults filled in) is in <code>results/clean/provenance.json</code>; "
            "its digest is in this report's header, and the Methods section above states the settings that shape the results.</p>"
        ))
    )
    nav = '<nav aria-label="Sections">' + "".join(f'<a href="#{key}">{title}</a>' for key, title, _ in sections) + "</nav>"
    from_notebook = {"scorecard", "study1", "study2", "robustness"}  # these bring their own title
    body = "".join(
        f'<section id="{key}">{"" if key in from_notebook else f"<h2>{title}</h2>"}{content}</section>' for key, title, content in sections
    )
    body = re.sub(r">(reproduced|not reproduced|not testable)</td>",
                  lambda m: f'><span class="verdict-{m[1].replace(" ", "_")}">{m[1]}</span></td>', body)
    body = renumber(body)
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>camhs-rom replication report</title>'
        f"<style>{STYLE}{running}</style></head><body><header>{banner}<h1>Session-by-session outcome monitoring in CAMHS: replication report</h1>"
        f"{run_line}{nav}</header><main>{body}</main><footer>{banner}</footer></body></html>\n"
    )
    write_text(page, out)


def report_notebook(notebook, out, results_dir) -> None:
    """Run one notebook with papermill, its ``results_dir`` parameter pointing at the results."""
    import os
    import sys

    import nbformat  # here, after camhs_rom.core.schemas loaded jsonschema without the rfc3987 grammar
    import papermill

    # the "python3" kernel of this environment first, so the notebook imports this camhs_rom
    # even when the user has a "python3" kernel of their own elsewhere
    here = str(Path(sys.prefix) / "share" / "jupyter")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (here, os.environ.get("JUPYTER_PATH", "")) if p)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    cwd = Path(notebook).resolve().parent
    # relative to the notebook's folder, so the executed notebook does not name the machine's folders
    relative = os.path.relpath(Path(results_dir).resolve(), cwd)
    papermill.execute_notebook(
        str(notebook), str(out), parameters={"results_dir": Path(relative).as_posix()}, kernel_name="python3",
        cwd=str(cwd), progress_bar=False, log_output=False,
    )
    # papermill gives the cell it injects a random id and records times and paths; a fixed id and
    # no times keep the executed notebooks (and report.html) byte-identical from run to run
    executed = nbformat.read(str(out), as_version=4)
    executed.metadata["papermill"] = {k: v for k, v in executed.metadata.get("papermill", {}).items() if k in ("parameters", "version")}
    for cell in executed.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
        cell.get("metadata", {}).pop("papermill", None)
        cell.get("metadata", {}).pop("execution", None)
    nbformat.write(executed, str(out))


def report_checklists(results_dir, provenance_path, codebook, questionnaire, config: dict, outputs: dict) -> None:
    """Write the checklists of the studies the run included (``outputs``: ``coreq`` and/or ``jars_quant`` paths)."""
    provenance = read_provenance(provenance_path)
    if "coreq" in outputs:
        write_table(coreq(results_dir, provenance, load_codebook(codebook), config["study1"]), outputs["coreq"])
    if "jars_quant" in outputs:
        write_table(jars_quant(results_dir, provenance, load_questionnaire(questionnaire), config), outputs["jars_quant"])


def run_record(outputs: list[str], provenance_path, results_dir, config: dict, out) -> None:
    """Write ``report/run.json``: this run's outputs and its config and inputs digests (:mod:`camhs_rom.report.run_record`)."""
    write_record(make_run_record(outputs, results_dir, read_provenance(provenance_path), config), out)


def manuscript(results_dir, provenance_path, config: dict, questionnaire, codebook, md, docx) -> None:
    """Write ``manuscript.md`` and ``manuscript.docx`` from this run's results (:mod:`camhs_rom.report.manuscript`)."""
    q = load_questionnaire(questionnaire) if questionnaire else None
    themes = {t.id: t.label for t in load_codebook(codebook).themes} if codebook else {}
    write_manuscript(manuscript_blocks(results_dir, read_provenance(provenance_path), config, q, themes), md, docx)


def crate_workflow(files: list[str], out) -> None:
    """Copy the workflow as it ran (the Snakefile first, then ``workflow/``'s files) under ``out``, at their paths
    relative to the Snakefile's folder."""
    root = Path(files[0]).parent
    for name in files:
        target = Path(out) / Path(name).resolve().relative_to(root.resolve())
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(Path(name).read_bytes())


def ro_crate(outputs: list[str], provenance_path, results_dir, out, workflow_dir=None) -> None:
    """Write ``ro-crate-metadata.json``: the run as a Workflow Run RO-Crate (:mod:`camhs_rom.report.crate`),
    its main workflow the copy in ``workflow_dir``."""
    code = sorted(str(p) for p in Path(workflow_dir).rglob("*") if p.is_file()) if workflow_dir else []
    write_crate(results_dir, outputs, read_provenance(provenance_path), package_versions(), out, code)
