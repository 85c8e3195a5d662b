"""Time the whole pipeline the way a user runs it, and print a table.

    python benchmarks/pipeline.py              # every row (about 10 minutes on 2 cores)
    python benchmarks/pipeline.py --quick      # without the 100,000-respondent run

Rows (each in a fresh copy of the workflow under a temporary folder, so nothing is
cached; wall time, and the peak memory of the largest single process the run started):

- cold default run, both studies and their notebooks (everything but the robustness stage);
- cold default run, everything (`snakemake --cores 4`: both studies, multiverse, power, report);
- no-op re-run straight after (`snakemake --cores 4` with nothing to do);
- the power simulation stage alone at `--cores 1` and at `--cores 2`;
- Study 2 (synthesis, ingest, psychometrics, comparisons) at 59 / 10,000 / 100,000 respondents.

Targets on a 2-core machine are printed beside the measurements.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEASURE = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[2:], cwd=sys.argv[1], capture_output=True, text=True)
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"rc": done.returncode, "wall": wall, "peak_mb": peak, "tail": (done.stdout + done.stderr)[-1500:]}))
"""
STUDY2_TARGETS = ["results/study2/group_comparisons.csv", "results/study2/reliability.csv", "results/study2/subscale_scores.csv"]


def workflow_copy(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in ("Snakefile", "config.yaml"):
        shutil.copy(ROOT / name, dest / name)
    for name in ("workflow", "profiles", "notebooks"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copytree(ROOT / "data" / "instruments", dest / "data" / "instruments")
    return dest


def measure(workdir: Path, *args: str) -> dict:
    """Run ``snakemake args`` in ``workdir`` in a child process; wall seconds and peak MB of its largest process."""
    cmd = [sys.executable, "-c", MEASURE, str(workdir), sys.executable, "-m", "snakemake", *args]
    result = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    if result["rc"] != 0:
        raise SystemExit(f"snakemake {' '.join(args)} failed in {workdir}:\n{result['tail']}")
    return result


def study_targets() -> list[str]:
    """Every default output except the robustness stage and the report that presents it."""
    notebooks = [f"results/report/notebooks/{name}.ipynb" for name in ("00_scorecard", "01_study1", "02_study2")]
    return ["results/replication/scorecard.csv", *notebooks]


def main(quick: bool) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        studies = measure(workflow_copy(tmp / "studies"), "--cores", "4", *study_targets())
        rows.append(("cold run: both studies + their notebooks", studies, "<= 60 s"))
        full_dir = workflow_copy(tmp / "full")
        rows.append(("cold run: everything (multiverse, power, report)", measure(full_dir, "--cores", "4"), "<= 180 s"))
        rows.append(("no-op re-run", measure(full_dir, "--cores", "4"), "<= 3 s"))
        for cores in ("1", "2"):
            forced = measure(full_dir, "--cores", cores, "--forcerun", "power_chunk", "--", "results/robustness/power.csv")
            rows.append((f"power stage alone, --cores {cores}", forced, ""))
        sizes = [59, 10_000] if quick else [59, 10_000, 100_000]
        for n in sizes:
            work = workflow_copy(tmp / f"n{n}")
            (work / "size.yaml").write_text(f"synthetic:\n  study2:\n    n_respondents: {n}\n", encoding="utf-8")
            rows.append((f"Study 2 at {n:,} respondents", measure(work, "--cores", "4", "--configfile", "size.yaml", "--", *STUDY2_TARGETS), "linear in n"))
    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'wall s':>8}  {'peak MB':>8}  target")
    for name, result, target in rows:
        print(f"{name:<{width}}  {result['wall']:>8.1f}  {result['peak_mb']:>8.0f}  {target}")


if __name__ == "__main__":
    main("--quick" in sys.argv[1:])
