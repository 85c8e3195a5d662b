"""Where the inputs came from: the synthetic default (labelled as such) or the user's files.

An input counts as synthetic only if a ``MANIFEST.json`` written by
:mod:`camhs_rom.synthetic.steps` stands beside it and lists the file with the same SHA-256;
anything else is the user's data, identified by its SHA-256. Every report and table
made downstream reads this file to label its outputs.
"""

from __future__ import annotations

import json
from pathlib import Path

from camhs_rom import __version__
from camhs_rom.core.labels import SYNTHETIC_FIGURE, dataset_label
from camhs_rom.core.tables import sha256_of, write_text


def describe_input(role: str, path: str | Path) -> dict:
    """Role, path, SHA-256 and whether the file is the unmodified synthetic default."""
    path = Path(path)
    digest = sha256_of(path)
    manifest = path.parent / "MANIFEST.json"
    synthetic = False
    if manifest.is_file():
        listed = json.loads(manifest.read_text(encoding="utf-8")).get("files", {})
        synthetic = listed.get(path.name) == digest
    return {"role": role, "path": str(path), "sha256": digest, "synthetic": synthetic}


def provenance(inputs: dict[str, str], config: dict) -> dict:
    """The provenance record: inputs, whether the data are synthetic, the effective config."""
    described = [describe_input(role, path) for role, path in inputs.items()]
    data = [d for d in described if d["role"] in ("study1_segments", "study2_responses")]
    synthetic = bool(data) and all(d["synthetic"] for d in data)
    return {
        "camhs_rom_version": __version__,
        "data_label": dataset_label([d["synthetic"] for d in data]),
        "synthetic": synthetic,
        "inputs": described,
        "config": config,
    }


def write_provenance(inputs: dict[str, str], config: dict, out: str | Path) -> None:
    """Write :func:`provenance` as sorted, indented JSON (the same inputs give the same bytes)."""
    write_text(json.dumps(provenance(inputs, config), indent=2, sort_keys=True, default=str) + "\n", out)


def read_provenance(path: str | Path) -> dict:
    """The provenance record written by :func:`write_provenance`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def input_path(record: dict, role: str) -> str | None:
    """The path of the input with ``role`` (e.g. ``study2_questionnaire``), as the run read it."""
    return next((d["path"] for d in record["inputs"] if d["role"] == role), None)


def figure_label(provenance_path: str | Path | None) -> str | None:
    """The label figures carry: the synthetic warning when the run read the synthetic default."""
    if provenance_path is None:
        return None
    return SYNTHETIC_FIGURE if read_provenance(provenance_path).get("synthetic") else None
