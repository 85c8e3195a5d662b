"""Which studies a run includes, and whether their input files are there.

A study is part of a run when its config section is not ``null``. One more rule keeps
synthetic data from standing beside a team's own: when one study reads the user's data and
the other study's data are the synthetic default (a path the pipeline generates), the
synthetic study is left out, with the reason, instead of being analysed and reported next
to the user's results. Give that study your own files to include it, or set it to ``null``
to say so.

Light on purpose (no analysis library): the workflow calls this at start-up.
"""

from __future__ import annotations

import json
from pathlib import Path

from camhs_rom.core.errors import InputError, clip
from camhs_rom.core.tables import sha256_of

STUDIES = ("study1", "study2")
INPUT_KEYS = {"study1": ("codebook", "segments"), "study2": ("questionnaire", "responses")}
DATA_KEY = {"study1": "segments", "study2": "responses"}  # the key naming a study's data (the instruments are the other)
STUDY_NAMES = {"study1": "Study 1", "study2": "Study 2"}


def is_generated(path: str, generated: str) -> bool:
    """Whether the pipeline writes ``path`` itself (the synthetic default, under ``generated``)."""
    return Path(str(path)).as_posix().startswith(f"{generated.rstrip('/')}/")


def left_out(config: dict, generated: str) -> dict[str, str]:
    """The studies the run leaves out, each with the reason (an empty mapping when both run)."""
    out = {s: "its config section is null" for s in STUDIES if not isinstance(config.get(s), dict)}
    present = [s for s in STUDIES if s not in out]
    synthetic = {s: is_generated(config[s][DATA_KEY[s]], generated) for s in present}
    if any(not synthetic[s] for s in present):
        for s in present:
            if synthetic[s]:
                other = next(STUDY_NAMES[o] for o in present if o != s)
                out[s] = (
                    f"its data are the synthetic default while {other} reads your files, and synthetic results are "
                    f"not shown beside a team's own (give {s}.{DATA_KEY[s]} your file to include it)"
                )
    return out


def included(config: dict, generated: str) -> list[str]:
    """The studies the run analyses, in order."""
    out = left_out(config, generated)
    return [s for s in STUDIES if s not in out]


def preregistering(targets) -> bool:
    """Whether the run's targets are the preregistration (``snakemake preregistration``), which runs
    before any data exist: the data files need not be there, the instruments must."""
    return any(str(t) == "preregistration" or Path(str(t)).as_posix().startswith("results/preregistration") for t in targets)


def check_studies(config: dict, generated: str, file: str | Path = "config", require_data: bool = True) -> None:
    """At least one study must be part of the run; every input file it names must exist
    (unless the pipeline generates it; the data files only when ``require_data``). Checked at
    start, so a moved or misspelled path stops the run with the key that names it even when
    results of an earlier run are still on disk."""
    studies = included(config, generated)
    if not studies:
        raise InputError(file, "keys study1, study2", "both null", "at least one study with its input files")
    frozen = (config.get("replication") or {}).get("preregistration")
    if frozen and require_data and not Path(str(frozen)).is_file():
        found = f"{clip(repr(str(frozen)), 80)}, which is {'a directory' if Path(str(frozen)).is_dir() else 'not there'}"
        raise InputError(file, "key replication.preregistration", found, "the preregistration.json written by `snakemake preregistration` before the data existed")
    for study in studies:
        for key in INPUT_KEYS[study]:
            if not require_data and key == DATA_KEY[study]:
                continue
            path = Path(str(config[study][key]))
            if is_generated(str(path), generated):
                continue
            if not path.is_file():
                found = f"{clip(repr(str(path)), 80)}, which is {'a directory' if path.is_dir() else 'not there'}"
                raise InputError(file, f"key {study}.{key}", found, "the path of an existing file (relative to the folder snakemake runs in)")


def check_sites(config: dict, file: str | Path = "config") -> None:
    """A pooling run (``consortium.sites`` set): every site's summary, the frozen record and the included
    studies' instruments must exist; checked at start, before anything runs."""
    sites = config["consortium"]["sites"]
    for name, path in sites.items():
        where = Path(str(path))
        if not (where.is_dir() or where.is_file()):
            raise InputError(file, f"key consortium.sites.{name}", f"{clip(repr(str(path)), 80)}, which is not there",
                             "the site's results/site_summary folder or the .zip camhs-rom-site-summary made of it")
        if where.is_dir() and not (where / "site.json").is_file():
            found = "a folder with only disclosure.csv (the site's disclosure check failed)" if (where / "disclosure.csv").is_file() else "a folder with no site.json"
            raise InputError(file, f"key consortium.sites.{name}", f"{clip(repr(str(path)), 80)}: {found}",
                             "a site summary that passed its disclosure check (its site.json beside the tables)")
    frozen = config["consortium"].get("frozen")
    if frozen and not Path(str(frozen)).is_file():
        raise InputError(file, "key consortium.frozen", f"{clip(repr(str(frozen)), 80)}, which is not a file", "the preregistration.json every site ran with")
    for study, key in (("study1", "codebook"), ("study2", "questionnaire")):
        if isinstance(config.get(study), dict) and not Path(str(config[study][key])).is_file():
            raise InputError(file, f"key {study}.{key}", f"{clip(repr(str(config[study][key])), 80)}, which is not there",
                             f"the {key} every site used (or {study}: null when no site ran {STUDY_NAMES[study]})")


def read_manifest(path: str | Path) -> dict:
    """A ``MANIFEST.json`` (the generator's, or the instruments'), with ``files`` always a mapping of name to SHA-256.

    A manifest that is missing, unreadable or not the expected shape lists nothing (``{"files": {}}``): a file
    beside it then counts as the user's, never as synthetic, and is never overwritten by the generator.
    """
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (ValueError, UnicodeDecodeError):
        record = {}
    if not isinstance(record, dict):
        record = {}
    files = record.get("files")
    return {**record, "files": files if isinstance(files, dict) else {}}


def check_generator_owns(outputs, manifest: str | Path, key: str, file: str | Path = "config") -> None:
    """Refuse to run a generator over a file it did not write.

    The synthetic-data step writes ``outputs`` and a ``MANIFEST.json`` listing their
    SHA-256. An output already on disk whose bytes the manifest does not list (a team's
    export copied over the default path, an edited synthetic file, a file with no manifest
    beside it) would be replaced by generated data and lost: stop instead, naming it and
    where a team's files belong. Called at workflow start-up, before Snakemake removes a
    job's old outputs.
    """
    manifest = Path(manifest)
    listed = read_manifest(manifest)["files"]
    for output in outputs:
        path = Path(output)
        if not path.is_file():
            continue
        if listed.get(path.name) != sha256_of(path):
            raise InputError(
                path, "file",
                f"a file the synthetic-data step did not write ({manifest.name} does not list these bytes)",
                f"only generated files under {manifest.parent.parent}/, which a run overwrites: put your own data elsewhere "
                f"(e.g. data/own/{path.name}) and name it by {key} in your --configfile, or delete this file to have the default generated again",
            )
