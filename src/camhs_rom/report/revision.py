"""Which code a run ran and when that code was dated: the git commit, or the one an archive recorded.

A run in a git checkout names its commit (``-dirty`` when tracked files changed) and takes the
commit's time as the date the report and the RO-Crate carry, so that the same run gives the
same bytes on any day. ``camhs-rom-archive`` writes both into ``archived/revision.json``; an
unpacked archive has no ``.git``, and its re-run reads them from there, so it names the
archived commit and date instead of "not a git checkout" and today's date. Without either,
``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) or the newest of the run's code and
inputs gives the date.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path

RECORD = "archived/revision.json"
NO_CHECKOUT = "not a git checkout"


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=True).stdout.strip()


def git_revision(folder: str | Path) -> dict | None:
    """``{"commit", "time"}`` of the git checkout at ``folder`` (``time``: seconds since 1970), or None outside one."""
    folder = Path(folder)
    try:
        commit = _git(folder, "rev-parse", "HEAD")
        dirty = _git(folder, "status", "--porcelain", "--untracked-files=no")
        return {"commit": commit + ("-dirty" if dirty else ""), "time": int(_git(folder, "log", "-1", "--format=%ct"))}
    except (OSError, subprocess.CalledProcessError, ValueError):
        return None


def revision(folder: str | Path) -> dict | None:
    """The run folder's code revision: its git checkout's, else the one an unpacked archive recorded, else None."""
    found = git_revision(folder)
    if found is not None:
        return found
    record = Path(folder) / RECORD
    if record.is_file():
        data = json.loads(record.read_text(encoding="utf-8"))
        return {"commit": str(data["commit"]), "time": int(data["time"])}
    return None


def commit_label(folder: str | Path) -> str:
    """The commit to print in a report, or "not a git checkout"."""
    found = revision(folder)
    return found["commit"] if found else NO_CHECKOUT


def run_date(folder: str | Path, files: list[Path] = ()) -> str:
    """The date (YYYY-MM-DD, UTC) a run's report and crate carry: ``SOURCE_DATE_EPOCH`` when set, else the
    code's commit time, else the newest of ``files`` (the run's code and inputs)."""
    return datetime.fromtimestamp(date_stamp(folder, files), tz=timezone.utc).date().isoformat()


def date_stamp(folder: str | Path, files: list[Path] = ()) -> int:
    """The time (seconds since 1970) :func:`run_date` gives as a date; an archive records it for its re-run."""
    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        return int(os.environ["SOURCE_DATE_EPOCH"])
    if (found := revision(folder)) is not None:
        return found["time"]
    return int(max((p.stat().st_mtime for p in files if p.exists()), default=0))


def run_files(folder: str | Path, provenance: dict) -> list[Path]:
    """The files a run without a recorded revision is dated by: its Snakefile and its inputs."""
    folder = Path(folder)
    return [folder / "Snakefile", *(folder / d["path"] for d in provenance["inputs"])]
