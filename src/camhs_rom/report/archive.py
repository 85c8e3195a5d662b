"""``camhs-rom-archive``: bundle a run so that anyone can unpack it and re-run it to the same tables.

After ``snakemake --cores 4 [--configfile my-study.yaml]``, run from the same folder with the
same config files:

    camhs-rom-archive [--configfile my-study.yaml] --out my-study-run.tar.gz

The archive holds, under one top folder:

- the workflow and the code: ``Snakefile``, ``workflow/``, ``notebooks/``, ``profiles/``,
  ``data/instruments/``, and, in a checkout, ``src/``, ``pyproject.toml``, ``requirements.lock``,
  ``README.md``, ``LICENSE``, ``CITATION.cff``, ``docs/``;
- ``run-config.yaml``: ``config.yaml`` with the given config files merged over it, as
  Snakemake merges them, and the input paths as they are inside the archive. The command
  checks that this is the configuration the run recorded (``results/clean/provenance.json``)
  and stops, naming the difference, when it is not (a config file left out, or changed since);
- the inputs the run read (the team's responses, coded segments, questionnaire spec and
  codebook), at their paths under the run folder, or under ``inputs/`` when they were
  outside it, each with the ``MANIFEST.json`` beside it (which labels a file synthetic, so the
  re-run labels its data as the run did); the synthetic default is not copied: the workflow
  writes it again from the seed;
- ``results/ro-crate-metadata.json`` and ``results/clean/provenance.json`` of the run, so
  the re-run can be compared with what was archived;
- ``RERUN.md``: the commands that re-run it.

Unpack it and re-run with ``pip install -r requirements.lock && pip install --no-deps -e .``
then ``snakemake --cores 4 --configfile run-config.yaml``: the tables come out byte for
byte as archived, report and RO-Crate included (``tests/test_pipeline_e2e.py`` does exactly
this): ``archived/revision.json`` records the run's commit and its date, which the re-run,
having no ``.git``, names instead (:mod:`camhs_rom.report.revision`). The archive is itself deterministic: names sorted,
owners and permissions fixed, every file dated by the run's commit.

Snakemake's own ``--archive`` needs a conda environment per rule; this workflow installs
with pip into one environment, so it bundles by this command instead.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import io
import json
import sys
import tarfile
from pathlib import Path

import yaml
from snakemake.utils import update_config  # the merge Snakemake applies to --configfile files

from camhs_rom.core.contract import PROVENANCE, RO_CRATE, SYNTHETIC
from camhs_rom.core.provenance import read_provenance
from camhs_rom.core.schemas import read_yaml, with_defaults
from camhs_rom.core.studies import is_generated
from camhs_rom.report.revision import RECORD, commit_label, date_stamp, git_revision, run_files

CODE = ["Snakefile", "workflow", "notebooks", "profiles", "data/instruments", "src", "pyproject.toml", "requirements.lock", "README.md",
        "LICENSE", "CITATION.cff", "docs", "config.yaml"]
CONFIG_KEY = {"study1_codebook": ("study1", "codebook"), "study1_segments": ("study1", "segments"),
              "study2_questionnaire": ("study2", "questionnaire"), "study2_responses": ("study2", "responses")}
SKIP = {"__pycache__", ".snakemake", ".ipynb_checkpoints"}
RERUN = """# Re-running this archived run

1. Python 3.11 to 3.13: `python -m venv .venv && source .venv/bin/activate`
2. `python -m pip install -r requirements.lock && python -m pip install --no-deps -e .`
   (without `requirements.lock`, `python -m pip install -e .`)
3. `snakemake --cores 4 --configfile run-config.yaml`

The tables under `results/` then equal the archived run's: compare their SHA-256 with
`archived/ro-crate-metadata.json` (and `archived/provenance.json` for the configuration).
"""


def _files(workdir: Path, relative: str) -> list[Path]:
    path = workdir / relative
    if path.is_file():
        return [path]
    if not path.is_dir():
        return []
    return sorted(p for p in path.rglob("*") if p.is_file() and not SKIP & set(p.relative_to(workdir).parts))


def _add(tar: tarfile.TarFile, name: str, data: bytes, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode, info.uid, info.gid, info.uname, info.gname = len(data), mtime, 0o644, 0, 0, "", ""
    tar.addfile(info, io.BytesIO(data))


def run_config(workdir: Path, configfiles: list[str | Path], recorded: dict) -> dict:
    """``config.yaml`` with ``configfiles`` merged over it in order (Snakemake's rule), checked against the recorded config."""
    config: dict = {}
    for path in [workdir / "config.yaml", *(Path(c) if Path(c).is_absolute() else workdir / c for c in configfiles)]:
        update_config(config, read_yaml(path) or {})
    effective = json.loads(json.dumps(with_defaults(copy.deepcopy(config), "config"), default=str))
    if effective != recorded:
        differ = sorted(k for k in set(effective) | set(recorded) if effective.get(k) != recorded.get(k))
        raise SystemExit(
            f"camhs-rom-archive: config.yaml{''.join(f' + {c}' for c in configfiles)} is not the configuration the run recorded in "
            f"{PROVENANCE} (they differ in: {', '.join(differ)}); pass the run's --configfile files, in the run's order"
        )
    return config


def archive_members(workdir: Path, configfiles: list[str | Path] = ()) -> dict[str, bytes]:
    """Archive path -> bytes for the run in ``workdir`` made with ``configfiles`` (see the module docstring)."""
    record = read_provenance(workdir / PROVENANCE)
    config = run_config(workdir, list(configfiles), record["config"])
    members: dict[str, bytes] = {}
    for relative in CODE:
        for path in _files(workdir, relative):
            members[path.relative_to(workdir).as_posix()] = path.read_bytes()
    for entry in record["inputs"]:
        if is_generated(entry["path"], SYNTHETIC):
            continue  # written again by the workflow from the seed
        source = Path(entry["path"]) if Path(entry["path"]).is_absolute() else workdir / entry["path"]
        inside = not Path(entry["path"]).is_absolute() and ".." not in Path(entry["path"]).parts
        name = Path(entry["path"]).as_posix() if inside else f"inputs/{entry['role']}/{source.name}"
        members[name] = source.read_bytes()
        manifest = source.parent / "MANIFEST.json"
        if manifest.is_file():  # what labels the file synthetic (or a project instrument): without it, it would read as the user's
            members[str(Path(name).parent / "MANIFEST.json")] = manifest.read_bytes()
        section, key = CONFIG_KEY[entry["role"]]
        config.setdefault(section, {})[key] = name
    members["run-config.yaml"] = yaml.safe_dump(config, sort_keys=False, allow_unicode=True).encode("utf-8")
    for archived, path in (("archived/provenance.json", PROVENANCE), ("archived/ro-crate-metadata.json", RO_CRATE)):
        if (workdir / path).exists():
            members[archived] = (workdir / path).read_bytes()
    # the re-run (no .git) names this commit and date, so its report and crate are byte-identical: camhs_rom.report.revision
    code = {"commit": commit_label(workdir), "time": date_stamp(workdir, run_files(workdir, record))}
    members[RECORD] = (json.dumps(code, sort_keys=True) + "\n").encode("utf-8")
    members["RERUN.md"] = RERUN.encode("utf-8")
    return members


def write_archive(workdir: str | Path, out: str | Path, configfiles: list[str | Path] = (), top: str = "camhs-rom-run") -> Path:
    """Write the run in ``workdir`` (made with ``configfiles``) to ``out`` (``.tar.gz``), every member under ``top/``."""
    workdir, out = Path(workdir), Path(out)
    members = archive_members(workdir, configfiles)
    code = git_revision(workdir)
    stamp = code["time"] if code else 0  # every member dated by the commit
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(members):
            _add(tar, f"{top}/{name}", members[name], stamp)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(buffer.getvalue())
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="camhs-rom-archive", description="Bundle a finished run (code, config, inputs, lock file) into a .tar.gz that re-runs to the same tables.")
    parser.add_argument("--out", default="camhs-rom-run.tar.gz", help="the archive to write (default: camhs-rom-run.tar.gz)")
    parser.add_argument("--configfile", nargs="*", default=[], help="the config files the run was made with, in the same order")
    parser.add_argument("--workdir", default=".", help="the folder the run was made in (default: here)")
    args = parser.parse_args(argv)
    if not (Path(args.workdir) / PROVENANCE).exists():
        sys.exit(f"camhs-rom-archive: {Path(args.workdir) / PROVENANCE} does not exist: run `snakemake --cores 4` first")
    path = write_archive(args.workdir, args.out, args.configfile)
    print(f"wrote {path} ({path.stat().st_size:,} bytes); unpack it and follow RERUN.md")


if __name__ == "__main__":
    main()
