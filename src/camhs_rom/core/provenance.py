"""Where the inputs came from, study by study: the synthetic default, the project's instruments, or the user's files.

An input's source is read from its bytes, never from the config: a file counts as
``synthetic`` (or as a ``project instrument``) only if a ``MANIFEST.json`` beside it lists
the file with the same SHA-256 and names that source. The generator
(:mod:`camhs_rom.synthetic.steps`) writes such a manifest beside the synthetic data, and
``data/instruments/MANIFEST.json`` lists the project's own questionnaire and codebook.
Anything else is the user's, identified by its SHA-256.

Each study is labelled by its own data: a run can analyse synthetic Study 1 data beside a
team's own Study 2 only when both are asked for explicitly, and even then each study's
section, figures and claims carry their own label. Every report and table made downstream
reads this record to label its outputs.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from camhs_rom import __version__
from camhs_rom.core.labels import SYNTHETIC_DATA, SYNTHETIC_FIGURE, SYNTHETIC_SOURCE, USER, USER_DATA, dataset_label
from camhs_rom.core.studies import DATA_KEY, STUDIES, read_manifest
from camhs_rom.core.tables import sha256_of, write_text


def describe_input(role: str, path: str | Path) -> dict:
    """Role, path, SHA-256 and source (``synthetic``, ``project instrument`` or ``user-supplied``)."""
    path = Path(path)
    digest = sha256_of(path)
    record = read_manifest(path.parent / "MANIFEST.json")
    source = USER
    if record["files"].get(path.name) == digest:
        source = record.get("source") or (SYNTHETIC_SOURCE if record.get("synthetic") else USER)
    return {"role": role, "path": str(path), "sha256": digest, "source": source, "synthetic": source == SYNTHETIC_SOURCE}


def provenance(inputs: dict[str, str], config: dict, left_out: dict[str, str] | None = None) -> dict:
    """The provenance record: inputs, each study's data source and label, the effective config.

    ``inputs`` maps roles (``study1_segments``, ``study2_questionnaire``, ...) to paths;
    ``left_out`` maps a study the run does not include to the reason.
    """
    return {**input_record(inputs, left_out), "config": config}


def input_record(inputs: dict[str, str], left_out: dict[str, str] | None = None) -> dict:
    """The provenance record without the config: what the analyses read to label their outputs.

    The workflow writes it (``results/clean/inputs.json``) apart from ``provenance.json`` so
    that a changed setting re-runs only the steps that use it, not every step that labels
    its outputs.
    """
    left_out = left_out or {}
    described = [describe_input(role, path) for role, path in inputs.items()]
    by_role = {d["role"]: d for d in described}
    studies = {}
    for study in STUDIES:
        data = by_role.get(f"{study}_{DATA_KEY[study]}")
        if data is None:
            studies[study] = {"included": False, "reason": left_out.get(study, "no input files"), "synthetic": False, "data_label": ""}
        else:
            studies[study] = {"included": True, "reason": "", "synthetic": data["synthetic"], "data_label": SYNTHETIC_DATA if data["synthetic"] else USER_DATA}
    flags = [s["synthetic"] for s in studies.values() if s["included"]]
    return {
        "camhs_rom_version": __version__,
        "data_label": dataset_label(flags),
        "synthetic": bool(flags) and all(flags),
        "studies": studies,
        "inputs": described,
    }


def write_record(record: dict, out: str | Path) -> None:
    """Write a record as sorted, indented JSON (the same record gives the same bytes)."""
    write_text(json.dumps(record, indent=2, sort_keys=True, default=str) + "\n", out)


CODE_PATTERNS = ("Snakefile", "workflow/**/*", "notebooks/*.ipynb")


def code_digest(workflow_root: str | Path, package_root: str | Path) -> str:
    """SHA-256 of the code a run executes: the Snakefile, ``workflow/`` and the notebooks under
    ``workflow_root``, and the package's ``.py`` files under ``package_root``, each by its relative path
    and bytes in sorted order (caches excluded). The same checkout gives the same digest anywhere."""
    workflow_root, package_root = Path(workflow_root), Path(package_root)
    files = {p.relative_to(workflow_root).as_posix(): p for pattern in CODE_PATTERNS for p in workflow_root.glob(pattern) if p.is_file()}
    files |= {f"package/{p.relative_to(package_root).as_posix()}": p for p in package_root.rglob("*.py")}
    digest = hashlib.sha256()
    for name in sorted(n for n in files if "__pycache__" not in n):
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha256(files[name].read_bytes()).digest())
    return digest.hexdigest()


def config_digest(config: dict) -> str:
    """A short fingerprint of settings (sorted JSON, SHA-256, 16 hex digits)."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:16]


class Settings(dict):
    """The settings a workflow rule takes as a parameter: a plain mapping whose ``repr`` is its digest.

    Snakemake re-runs a job when the ``repr`` of a parameter changes and prints both as the
    reason; with this, a changed setting still re-runs exactly the rules that take it, and
    ``snakemake -n`` says ``<study2.efa settings 3f2a...>`` (the config section it holds and a
    digest of its values) instead of printing whole config sections.
    """

    def __init__(self, mapping=(), section: str = "config") -> None:
        super().__init__(mapping)
        self.section = section

    def __repr__(self) -> str:
        return f"<{self.section} settings {config_digest(self)}>"


def read_provenance(path: str | Path) -> dict:
    """A record written by :func:`write_record` (``inputs.json``, ``provenance.json``)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def input_path(record: dict, role: str) -> str | None:
    """The path of the input with ``role`` (e.g. ``study2_questionnaire``), as the run read it."""
    return next((d["path"] for d in record["inputs"] if d["role"] == role), None)


def study_record(record: dict, study: str) -> dict:
    """One study's entry: included, reason (when left out), synthetic, data_label."""
    return record["studies"][study]


def figure_label(provenance_path: str | Path | None, study: str) -> str | None:
    """The label a study's figures carry: the synthetic warning when that study read the synthetic default."""
    if provenance_path is None:
        return None
    return SYNTHETIC_FIGURE if study_record(read_provenance(provenance_path), study)["synthetic"] else None

