"""Which run a report belongs to: ``results/report/run.json`` and the notice a failed run leaves.

``results/`` keeps files of earlier runs (a study left out now, a run on other data), so
nothing that presents results decides by what lies in the folder. The workflow writes the
run's own record before the notebooks run:

- ``outputs``: every file this run's workflow produces, relative to ``results/`` (the
  notebooks and the checklists show a result only when it is listed: :func:`produced`);
- ``config_digest`` and ``inputs_digest``: fingerprints of the effective configuration and
  of the inputs read (role and SHA-256 of each), printed in the report's header, so a report
  from another run is recognisable as such.

When a run fails, the report of the previous run stays where a user looks first; the
workflow's error handler puts a notice at its top (:func:`mark_failed`) saying that the
latest run failed and which config it had; the next run removes it when it starts
(:func:`clear_failed`), leaving the earlier bytes exactly. Both keep the file's time, so
Snakemake never takes the notice for a new report.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from pathlib import Path

from camhs_rom.core.provenance import config_digest
from camhs_rom.core.tables import write_text

FAILED_START, FAILED_END = "<!--camhs-rom:failed-run-->", "<!--/camhs-rom:failed-run-->"


def inputs_digest(provenance: dict) -> str:
    """A short fingerprint of the inputs a run read: each role and its SHA-256, in order (16 hex digits)."""
    lines = sorted(f"{d['role']}\t{d['sha256']}" for d in provenance["inputs"])
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:16]


def run_record(outputs: list[str], results_dir: str | Path, provenance: dict, config: dict) -> dict:
    """The record of one run: its outputs (relative to ``results_dir``, sorted) and its two digests."""
    root = Path(results_dir)
    relative = sorted({Path(os.path.relpath(o, root)).as_posix() for o in outputs})
    outside = [r for r in relative if r.startswith("../")]
    if outside:
        raise ValueError(f"outputs outside {root}: {outside[:3]}")
    return {"config_digest": config_digest(config), "inputs_digest": inputs_digest(provenance), "outputs": relative}


def read_run_file(path: str | Path) -> dict:
    """A run record written by the workflow (``results/report/run.json``)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_run(results_dir: str | Path) -> dict:
    """This run's record (``report/run.json`` under the results folder)."""
    return read_run_file(Path(results_dir) / "report" / "run.json")


def produced(results_dir: str | Path, relative: str) -> bool:
    """Whether this run's workflow produced ``relative`` (a path under the results folder), whatever else lies there."""
    return relative in read_run(results_dir)["outputs"]


def failed_notice(config: dict, log: str | None) -> str:
    """The HTML notice of a failed run (escaped; the log's path as Snakemake named it)."""
    where = f" Snakemake's log: <code>{html.escape(str(log))}</code>." if log else ""
    return (
        f'{FAILED_START}<div class="failed-run" role="alert"><b>The latest run failed</b> (config digest '
        f"<code>{config_digest(config)}</code>). This report is from an earlier run: the config and inputs digests in its "
        f"header say which. Fix the error and run again; this notice goes when a run succeeds.{where}</div>{FAILED_END}"
    )


def mark_failed(report: str | Path, config: dict, log: str | None = None) -> bool:
    """Put the failed-run notice at the top of an existing report (replacing an older notice); False when there is none."""
    path = Path(report)
    if not path.is_file():
        return False
    page = clear_notice(path.read_text(encoding="utf-8"))
    _rewrite(path, page.replace("<body>", "<body>" + failed_notice(config, log), 1))
    return True


def clear_notice(page: str) -> str:
    """The page without a failed-run notice."""
    return re.sub(re.escape(FAILED_START) + ".*?" + re.escape(FAILED_END), "", page, flags=re.DOTALL)


def clear_failed(report: str | Path) -> bool:
    """Remove the failed-run notice from a report (its bytes become those the report step wrote); False when none."""
    path = Path(report)
    if not path.is_file():
        return False
    page = path.read_text(encoding="utf-8")
    if FAILED_START not in page:
        return False
    _rewrite(path, clear_notice(page))
    return True


def _rewrite(path: Path, page: str) -> None:
    # the file keeps its time: the report was not remade, so Snakemake must not see it as newer than the crate
    stat = path.stat()
    write_text(page, path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
