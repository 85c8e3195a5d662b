"""The run described as a Workflow Run RO-Crate: ``results/ro-crate-metadata.json``.

RO-Crate 1.1 (https://w3id.org/ro/crate/1.1) with the Workflow Run Crate profile 0.5
(https://w3id.org/ro/wfrun/workflow/0.5): one JSON-LD file that a repository, a journal
or WorkflowHub can read, saying what was run, on what, and what came out:

- the crate's root is ``results/``; every output the run declares is a ``File`` in it
  (``hasPart``), with its SHA-256 and size;
- the workflow (``Snakefile``, a ``ComputationalWorkflow`` in Snakemake), the default
  configuration and the inputs are the run directory's files beside ``results/``, outside
  the crate: they are described by local ids (``#input-study2_responses``) with their path
  (``name``), SHA-256, role and whether they are the synthetic default. ``camhs-rom-archive``
  bundles them with the code for a package that re-runs;
- one ``CreateAction`` (the run) links the workflow (``instrument``), the inputs and
  the configuration (``object``) and the outputs (``result``);
- the software the run used (``SoftwareApplication``, with versions) is listed as the
  workflow's ``softwareRequirements``.

The file has no timestamps of its own: ``datePublished`` is the date of the checkout's
commit (or of the newest input when there is no git checkout), so the same run gives the
same bytes.
"""

from __future__ import annotations

import json
import mimetypes
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from camhs_rom import __version__
from camhs_rom.core.labels import INPUT_SOURCE
from camhs_rom.core.tables import sha256_of, write_text

PROFILES = ["https://w3id.org/ro/wfrun/process/0.5", "https://w3id.org/ro/wfrun/workflow/0.5"]
FORMATS = {".csv": "text/csv", ".md": "text/markdown", ".json": "application/json", ".ipynb": "application/x-ipynb+json",
           ".svg": "image/svg+xml", ".png": "image/png", ".html": "text/html", ".yaml": "application/yaml", ".sav": "application/x-spss-sav",
           ".qdpx": "application/zip", ".tsv": "text/tab-separated-values", ".txt": "text/plain"}


def file_entity(path: Path, crate_id: str, **extra) -> dict:
    return {"@id": crate_id, "@type": "File", "name": path.name, "contentSize": str(path.stat().st_size),
            "encodingFormat": FORMATS.get(path.suffix, mimetypes.guess_type(path.name)[0] or "application/octet-stream"),
            "sha256": sha256_of(path), **extra}


def commit_time(workdir: Path) -> int | None:
    """The checkout's commit time (seconds since 1970), or None outside a git checkout."""
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=workdir, capture_output=True, text=True, check=True).stdout.strip()
        return int(out) if out else None
    except (OSError, subprocess.CalledProcessError, ValueError):
        return None


def publication_date(workdir: Path, inputs: list[Path]) -> str:
    """The commit date of the checkout (YYYY-MM-DD, UTC), or without one the newest input's date
    (an unpacked ``camhs-rom-archive`` stamps its files with the archived commit's time)."""
    stamp = commit_time(workdir)
    if stamp is None:
        stamp = max((p.stat().st_mtime for p in inputs if p.exists()), default=0)
    return datetime.fromtimestamp(stamp, tz=timezone.utc).date().isoformat()


def crate_metadata(results: Path, outputs: list[str], provenance: dict, software: dict[str, str], date: str) -> dict:
    """The RO-Crate JSON-LD of a run whose ``results`` folder holds ``outputs`` (paths under it)."""
    workdir = results.resolve().parent
    outputs = sorted(dict.fromkeys(str(Path(o).resolve().relative_to(results.resolve()).as_posix()) for o in outputs))
    result_entities = [file_entity(results / o, o) for o in outputs]
    inputs = []
    for record in provenance["inputs"]:
        path = Path(record["path"])
        local = path if path.is_absolute() else workdir / path
        entity = file_entity(local, f"#input-{record['role']}", description=f"{record['role'].replace('_', ' ')} ({INPUT_SOURCE[record['source']]})")
        entity["name"] = path.as_posix()
        inputs.append(entity)
    config = [file_entity(workdir / "config.yaml", "#config", description="the default configuration")] if (workdir / "config.yaml").exists() else []
    tools = [{"@id": f"#software-{name}", "@type": "SoftwareApplication", "name": name, "version": version} for name, version in sorted(software.items())]
    workflow = {
        "@id": "#workflow", "@type": ["File", "SoftwareSourceCode", "ComputationalWorkflow"], "name": "Snakefile", "alternateName": "camhs-rom",
        "description": "Snakemake workflow reproducing both studies of James et al. (2015)", "version": __version__,
        "programmingLanguage": {"@id": "#snakemake"}, "softwareRequirements": [{"@id": t["@id"]} for t in tools],
        "input": [{"@id": e["@id"]} for e in inputs], "output": [{"@id": e["@id"]} for e in result_entities],
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
        "mainEntity": {"@id": workflow["@id"]}, "mentions": {"@id": run["@id"]}, "hasPart": [{"@id": e["@id"]} for e in result_entities],
        "citation": {"@id": "https://doi.org/10.1017/S1754470X15000653"},
    }
    graph = [
        {"@id": "ro-crate-metadata.json", "@type": "CreativeWork", "conformsTo": {"@id": "https://w3id.org/ro/crate/1.1"}, "about": {"@id": "./"}},
        root, workflow, run,
        {"@id": "#snakemake", "@type": "ComputerLanguage", "name": "Snakemake", "identifier": {"@id": "https://doi.org/10.12688/f1000research.29032.2"},
         "url": {"@id": "https://snakemake.github.io"}, "version": software.get("snakemake", "")},
        {"@id": "https://doi.org/10.1017/S1754470X15000653", "@type": "ScholarlyArticle", "name": "Session-by-session outcome monitoring in CAMHS: clinicians' beliefs"},
        {"@id": "https://spdx.org/licenses/MIT", "@type": "CreativeWork", "name": "MIT License"},
        *({"@id": p, "@type": "CreativeWork", "name": p.rsplit("/", 2)[-2], "version": p.rsplit("/", 1)[-1]} for p in PROFILES),
        *inputs, *config, *result_entities, *tools,
    ]
    return {"@context": "https://w3id.org/ro/crate/1.1/context", "@graph": graph}


def write_crate(results: str | Path, outputs: list[str], provenance: dict, software: dict[str, str], out: str | Path) -> None:
    """Write ``ro-crate-metadata.json`` for ``outputs`` (see :func:`crate_metadata`)."""
    results = Path(results)
    workdir = results.resolve().parent
    date = publication_date(workdir, [workdir / d["path"] for d in provenance["inputs"]])
    write_text(json.dumps(crate_metadata(results, outputs, provenance, software, date), indent=1, ensure_ascii=False) + "\n", out)
