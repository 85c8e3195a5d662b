"""The run described as a Workflow Run RO-Crate: ``results/ro-crate-metadata.json``.

RO-Crate 1.1 (https://w3id.org/ro/crate/1.1) with the Workflow Run Crate profile 0.5
(https://w3id.org/ro/wfrun/workflow/0.5): one JSON-LD file that a repository, a journal
or WorkflowHub can read, saying what was run, on what, and what came out:

- the crate's root is ``results/``; every output the run declares is a ``File`` in it
  (``hasPart``), with its SHA-256 and size;
- the workflow that ran is in the crate: ``results/workflow/`` holds a copy of the
  ``Snakefile`` (the main entity, a ``ComputationalWorkflow`` in Snakemake) and of
  ``workflow/`` (rules, scripts, schemas), each with its SHA-256;
- the default configuration and the inputs are the run directory's files beside
  ``results/``, outside the crate: they are described by local ids
  (``#input-study2_responses``) with their path (``name``), SHA-256, role and whether they
  are the synthetic default. ``camhs-rom-archive`` bundles them with the code for a package
  that re-runs;
- the workflow's ``input`` and ``output`` are ``FormalParameter`` entities, one per input
  role and per result; each file of the run names its parameter (``exampleOfWork``);
- one ``CreateAction`` (the run) links the workflow (``instrument``), the inputs and
  the configuration (``object``) and the outputs (``result``);
- the software the run used (``SoftwareApplication``, with versions) is listed as the
  workflow's ``softwareRequirements``.

``tests/test_crate_validation.py`` checks the file with roc-validator's Workflow Run Crate 0.5
profile (no REQUIRED failure). The file has no timestamps of its own: ``datePublished`` is the
date of the code's commit (:func:`camhs_rom.report.revision.run_date`), so the same run gives
the same bytes; for the same reason the action has no ``endTime``.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path

from camhs_rom import __version__
from camhs_rom.core.labels import INPUT_SOURCE
from camhs_rom.core.tables import sha256_of, write_text
from camhs_rom.report.revision import run_date, run_files

PROFILE_NAMES = {"https://w3id.org/ro/wfrun/process/0.5": "Process Run Crate", "https://w3id.org/ro/wfrun/workflow/0.5": "Workflow Run Crate",
                 "https://w3id.org/workflowhub/workflow-ro-crate/1.0": "Workflow RO-Crate"}
PROFILES = list(PROFILE_NAMES)
FORMATS = {".csv": "text/csv", ".md": "text/markdown", ".json": "application/json", ".ipynb": "application/x-ipynb+json",
           ".svg": "image/svg+xml", ".png": "image/png", ".html": "text/html", ".yaml": "application/yaml", ".sav": "application/x-spss-sav",
           ".qdpx": "application/zip", ".tsv": "text/tab-separated-values", ".txt": "text/plain"}


def file_entity(path: Path, crate_id: str, **extra) -> dict:
    return {"@id": crate_id, "@type": "File", "name": path.name, "contentSize": str(path.stat().st_size),
            "encodingFormat": FORMATS.get(path.suffix, mimetypes.guess_type(path.name)[0] or "application/octet-stream"),
            "sha256": sha256_of(path), **extra}


def _parameter(entity: dict, name: str, description: str) -> dict:
    """The FormalParameter a workflow input or output is an instance of (Workflow Run Crate 0.5, section 1.1)."""
    return {"@id": f"#param-{entity['@id'].lstrip('#').replace('/', '-')}", "@type": "FormalParameter", "additionalType": "File",
            "name": name, "description": description, "encodingFormat": entity["encodingFormat"],
            "conformsTo": {"@id": "https://bioschemas.org/profiles/FormalParameter/1.0-RELEASE"}}


def crate_metadata(results: Path, outputs: list[str], provenance: dict, software: dict[str, str], date: str,
                   workflow_files: list[str] = ()) -> dict:
    """The RO-Crate JSON-LD of a run whose ``results`` folder holds ``outputs`` and, under ``workflow/``, the
    copy of the workflow that ran (``workflow_files``: paths under ``results``, the Snakefile first)."""
    workdir = results.resolve().parent
    relative = lambda paths: sorted(dict.fromkeys(str(Path(o).resolve().relative_to(results.resolve()).as_posix()) for o in paths))  # noqa: E731
    outputs = relative(outputs)
    result_entities = [file_entity(results / o, o) for o in outputs]
    code = relative(workflow_files)
    main = next((c for c in code if c.endswith("/Snakefile")), None)
    code_entities = [file_entity(results / c, c, encodingFormat="text/x-python" if c.endswith((".py", "Snakefile", ".smk")) else FORMATS.get(Path(c).suffix, "text/plain"))
                     for c in code if c != main]
    inputs = []
    for record in provenance["inputs"]:
        path = Path(record["path"])
        local = path if path.is_absolute() else workdir / path
        entity = file_entity(local, f"#input-{record['role']}", description=f"{record['role'].replace('_', ' ')} ({INPUT_SOURCE[record['source']]})")
        entity["name"] = path.as_posix()
        inputs.append(entity)
    config = [file_entity(workdir / "config.yaml", "#config", description="the default configuration")] if (workdir / "config.yaml").exists() else []
    parameters = [_parameter(e, e["@id"].removeprefix("#input-").removeprefix("#"), e["description"]) for e in inputs + config]
    parameters += [_parameter(e, e["@id"], f"result {e['@id']}") for e in result_entities]
    for entity, parameter in zip(inputs + config + result_entities, parameters, strict=True):
        entity["exampleOfWork"] = {"@id": parameter["@id"]}
    # each library by its PyPI page (an absolute id with a url, as Process Run Crate recommends); this package by a local id
    tools = [{"@id": f"#software-{name}", "@type": "SoftwareApplication", "name": name, "version": version} if name == "camhs-rom" else
             {"@id": f"https://pypi.org/project/{name}/", "@type": "SoftwareApplication", "name": name, "version": version,
              "url": f"https://pypi.org/project/{name}/"} for name, version in sorted(software.items())]
    workflow = {
        **(file_entity(results / main, main) if main else {"@id": "#workflow"}),
        "@type": ["File", "SoftwareSourceCode", "ComputationalWorkflow"], "name": "Snakefile", "alternateName": "camhs-rom",
        "description": "Snakemake workflow reproducing both studies of James et al. (2015): this Snakefile and the rules, scripts "
                       "and schemas beside it under workflow/, as the run used them", "version": __version__, "encodingFormat": "text/x-python",
        "programmingLanguage": {"@id": "#snakemake"}, "softwareRequirements": [{"@id": t["@id"]} for t in tools],
        "hasPart": [{"@id": e["@id"]} for e in code_entities],
        "input": [{"@id": p["@id"]} for p in parameters[:len(inputs + config)]],
        "output": [{"@id": p["@id"]} for p in parameters[len(inputs + config):]],
    }
    run = {
        "@id": "#run", "@type": "CreateAction", "name": f"camhs-rom run: {provenance['data_label']}",
        "description": "One run of the workflow; the effective configuration is in clean/provenance.json.",
        "instrument": {"@id": workflow["@id"]}, "object": [{"@id": e["@id"]} for e in inputs + config],
        "result": [{"@id": e["@id"]} for e in result_entities], "actionStatus": {"@id": "http://schema.org/CompletedActionStatus"},
    }
    root = {
        "@id": "./", "@type": "Dataset", "name": "camhs-rom replication run of James et al. (2015)",
        "description": f"Results of one run of camhs-rom {__version__}. {provenance['data_label']}",
        "datePublished": date, "license": {"@id": "https://spdx.org/licenses/MIT"}, "conformsTo": [{"@id": p} for p in PROFILES],
        "mainEntity": {"@id": workflow["@id"]}, "mentions": {"@id": run["@id"]},
        "hasPart": [{"@id": e["@id"]} for e in [workflow, *code_entities, *result_entities]],
        "citation": {"@id": "https://doi.org/10.1017/S1754470X15000653"},
    }
    graph = [
        {"@id": "ro-crate-metadata.json", "@type": "CreativeWork", "about": {"@id": "./"},
         "conformsTo": [{"@id": "https://w3id.org/ro/crate/1.1"}, {"@id": "https://w3id.org/workflowhub/workflow-ro-crate/1.0"}]},
        root, workflow, run,
        {"@id": "#snakemake", "@type": "ComputerLanguage", "name": "Snakemake", "identifier": {"@id": "https://doi.org/10.12688/f1000research.29032.2"},
         "url": {"@id": "https://snakemake.github.io"}, "version": software.get("snakemake", "")},
        {"@id": "https://doi.org/10.1017/S1754470X15000653", "@type": "ScholarlyArticle", "name": "Session-by-session outcome monitoring in CAMHS: clinicians' beliefs"},
        {"@id": "https://spdx.org/licenses/MIT", "@type": "CreativeWork", "name": "MIT License"},
        *({"@id": p, "@type": "CreativeWork", "name": name, "version": p.rsplit("/", 1)[-1]} for p, name in PROFILE_NAMES.items()),
        *parameters, *inputs, *config, *code_entities, *result_entities, *tools,
    ]
    # sha256 is not a term of the RO-Crate 1.1 context: it is the workflow-run vocabulary's, declared here
    return {"@context": ["https://w3id.org/ro/crate/1.1/context", {"sha256": "https://w3id.org/ro/terms/workflow-run#sha256"}], "@graph": graph}


def write_crate(results: str | Path, outputs: list[str], provenance: dict, software: dict[str, str], out: str | Path,
                workflow_files: list[str] = ()) -> None:
    """Write ``ro-crate-metadata.json`` for ``outputs`` and the workflow copy (see :func:`crate_metadata`)."""
    results = Path(results)
    workdir = results.resolve().parent
    date = run_date(workdir, run_files(workdir, provenance))
    write_text(json.dumps(crate_metadata(results, outputs, provenance, software, date, workflow_files), indent=1, ensure_ascii=False) + "\n", out)
