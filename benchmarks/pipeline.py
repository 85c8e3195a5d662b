"""Time the whole pipeline the way a user runs it, and print a table.

    python benchmarks/pipeline.py              # every row (about 10 minutes on 2 cores)
    python benchmarks/pipeline.py --quick      # without the 100,000-respondent run
    python benchmarks/pipeline.py --publication  # the publication-grade run at --cores 1 and 2 (about 12 minutes)

Rows (each in a fresh copy of the workflow under a temporary folder, so nothing is
cached; wall time, CPU time of every process the run started (user + system), and the
peak memory of the largest single one):

- cold default run, both studies and their notebooks (everything but the robustness stage);
- cold default run, everything (`snakemake --cores 4`: both studies, multiverse, power, report);
- no-op re-run straight after (`snakemake --cores 4` with nothing to do);
- the power simulation stage alone at `--cores 1` and at `--cores 2`;
- Study 2 (synthesis, ingest, psychometrics, comparisons) at 59 / 10,000 / 100,000 respondents.

With ``--publication``: CPU seconds of one power design at publication grade (2,000
replicates, 1,000 parallel-analysis data sets, one BLAS thread as Snakemake gives a
one-thread job), then the run of ``examples/publication-grade.yaml`` (`snakemake --cores 1`
and `--cores 2`, cold) with its per-rule timeline. The same run through the SLURM profile:
``PUBLICATION=1 bash tests/cluster/slurm_smoke.sh``.

Targets on a 2-core machine are printed beside the measurements. Then two more tables:
when each rule of the cold full run started and finished (from Snakemake's log: what the
critical path waits for), and which rules a changed setting re-runs (`snakemake -n` after
the full run, for a Study 2, a Study 1 and a robustness setting).
"""

from __future__ import annotations

import datetime
import json
import os
import re
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
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": done.returncode, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
                  "tail": (done.stdout + done.stderr)[-1500:]}))
"""
STUDY2_TARGETS = [
    "results/study2/group_comparisons.csv", "results/study2/reliability.csv", "results/study2/subscale_scores.csv", "results/study2/cfa_fit.csv",  # measurement too
]


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


def rule_times(workdir: Path) -> list[tuple[str, int, float, float, float]]:
    """Per rule of the newest Snakemake log: jobs, summed job seconds, first start and last finish (s from the start)."""
    log = max((workdir / ".snakemake" / "log").glob("*.snakemake.log"), key=lambda p: p.stat().st_mtime)
    stamp = rule = None
    started, rows, origin = {}, {}, None
    for line in log.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"\[(\w{3} \w{3} +\d+ [\d:]+ \d{4})\]", line):
            stamp = datetime.datetime.strptime(" ".join(m.group(1).split()), "%a %b %d %H:%M:%S %Y")
            origin = origin or stamp
        elif m := re.match(r"(?:local)?rule (\w+):", line):
            rule = m.group(1)
        elif (m := re.match(r"\s+jobid: (\d+)", line)) and stamp:
            started[m.group(1)] = (stamp, rule)
        elif (m := re.match(r"Finished jobid: (\d+)", line)) and m.group(1) in started:
            begin, name = started.pop(m.group(1))
            jobs, total, first, last = rows.get(name, (0, 0.0, float("inf"), 0.0))
            rows[name] = (jobs + 1, total + (stamp - begin).total_seconds(), min(first, (begin - origin).total_seconds()),
                          max(last, (stamp - origin).total_seconds()))
    return sorted(((name, *values) for name, values in rows.items()), key=lambda r: (r[3], r[0]))


def planned_rules(workdir: Path, change: str) -> list[str]:
    """The rules `snakemake -n` would run in a finished workflow if ``change`` (YAML) were added to its config."""
    (workdir / "change.yaml").write_text(change, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--cores", "4", "--configfile", "change.yaml"], cwd=workdir,
                          capture_output=True, text=True, check=True)
    text = done.stdout + done.stderr
    table = text[text.index("Job stats:"):].split("total")[0].splitlines()[3:]
    return sorted(line.split()[0] for line in table if line.strip() and line.split()[0] != "all")


CHANGES = {
    "study2.efa.rotation: varimax": "study2:\n  efa:\n    rotation: varimax\n",
    "study1.tally.rule: union": "study1:\n  tally:\n    rule: union\n",
    "robustness.power.replicates: 50": "robustness:\n  power:\n    replicates: 50\n",
}


def study_targets() -> list[str]:
    """Every default output except the robustness stage and the report that presents it."""
    notebooks = [f"results/report/notebooks/{name}.ipynb" for name in ("00_scorecard", "01_study1", "02_study2")]
    return ["results/replication/scorecard.csv", *notebooks]


DESIGN_CPU = r"""
import json, sys, time, yaml
from camhs_rom.instruments.questionnaire import load_questionnaire
from camhs_rom.robustness.power import run_replicates
root, design = sys.argv[1], sys.argv[2]
config = yaml.safe_load(open(f"{root}/config.yaml", encoding="utf-8"))
grade = yaml.safe_load(open(f"{root}/examples/publication-grade.yaml", encoding="utf-8"))
config["robustness"]["power"].update(grade["robustness"]["power"])
config["study2"]["comparisons"].update(grade["study2"]["comparisons"])
q = load_questionnaire(f"{root}/{config['study2']['questionnaire']}")
replicates = config["robustness"]["power"]["replicates"]
start = time.process_time()
rows = run_replicates(q, config, design, range(replicates))
cpu = time.process_time() - start
print(json.dumps({"design": design, "replicates": replicates, "cpu": cpu, "ms_per_replicate": 1000 * cpu / replicates, "rows": len(rows)}))
"""


def design_cpu(design: str) -> dict:
    """CPU seconds of one power design at publication grade, in a child process with one BLAS thread."""
    env = {**os.environ, **dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")}
    done = subprocess.run([sys.executable, "-c", DESIGN_CPU, str(ROOT), design], capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout)


def publication(tmp: Path) -> None:
    """The publication-grade rows (see the module docstring)."""
    print(f"{'power design at publication grade':<36}  {'replicates':>10}  {'CPU s':>7}  {'ms/replicate':>12}  target")
    for design in ("n0059", "n0300", "shift0.50_n0059"):
        one = design_cpu(design)
        print(f"{design:<36}  {one['replicates']:>10}  {one['cpu']:>7.1f}  {one['ms_per_replicate']:>12.2f}  <= 15 s CPU")
    print(f"\n{'run':<44}  {'wall s':>8}  {'CPU s':>8}  {'peak MB':>8}  target")
    timeline = []
    for cores in ("1", "2"):
        work = workflow_copy(tmp / f"publication-{cores}")
        shutil.copytree(ROOT / "examples", work / "examples")
        result = measure(work, "--cores", cores, "--configfile", "examples/publication-grade.yaml")
        target = "<= 300 s wall" if cores == "2" else ""
        print(f"{'publication grade, --cores ' + cores:<44}  {result['wall']:>8.1f}  {result['cpu']:>8.1f}  {result['peak_mb']:>8.0f}  {target}")
        timeline = rule_times(work)
    print("\npublication grade at --cores 2, per rule (seconds from the start)")
    print(f"{'rule':<26}  {'jobs':>4}  {'job s':>6}  {'first':>6}  {'last':>6}")
    for name, jobs, total, first, last in timeline:
        print(f"{name:<26}  {jobs:>4}  {total:>6.0f}  {first:>6.0f}  {last:>6.0f}")


def main(quick: bool) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        studies = measure(workflow_copy(tmp / "studies"), "--cores", "4", *study_targets())
        rows.append(("cold run: both studies + their notebooks", studies, "<= 60 s"))
        full_dir = workflow_copy(tmp / "full")
        rows.append(("cold run: everything (multiverse, power, report)", measure(full_dir, "--cores", "4"), "<= 60 s wall, <= 120 s CPU"))
        timeline = rule_times(full_dir)
        rows.append(("no-op re-run", measure(full_dir, "--cores", "4"), "<= 3 s"))
        plans = {name: planned_rules(full_dir, change) for name, change in CHANGES.items()}
        for cores in ("1", "2"):
            forced = measure(full_dir, "--cores", cores, "--forcerun", "power_part", "--", "results/robustness/power.csv")
            rows.append((f"power stage alone, --cores {cores}", forced, ""))
        sizes = [59, 10_000] if quick else [59, 10_000, 100_000]
        for n in sizes:
            work = workflow_copy(tmp / f"n{n}")
            (work / "size.yaml").write_text(f"synthetic:\n  study2:\n    n_respondents: {n}\n", encoding="utf-8")
            rows.append((f"Study 2 at {n:,} respondents", measure(work, "--cores", "4", "--configfile", "size.yaml", "--", *STUDY2_TARGETS), "linear in n"))
    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'wall s':>8}  {'CPU s':>8}  {'peak MB':>8}  target")
    for name, result, target in rows:
        print(f"{name:<{width}}  {result['wall']:>8.1f}  {result['cpu']:>8.1f}  {result['peak_mb']:>8.0f}  {target}")
    print("\ncold full run, per rule (seconds from the start; job seconds overlap on 2 cores)")
    print(f"{'rule':<26}  {'jobs':>4}  {'job s':>6}  {'first':>6}  {'last':>6}")
    for name, jobs, total, first, last in timeline:
        print(f"{name:<26}  {jobs:>4}  {total:>6.0f}  {first:>6.0f}  {last:>6.0f}")
    print("\nrules a changed setting re-runs (snakemake -n after the full run)")
    for name, planned in plans.items():
        print(f"{name}: {', '.join(planned)}")


if __name__ == "__main__":
    if "--publication" in sys.argv[1:]:
        with tempfile.TemporaryDirectory() as scratch:
            publication(Path(scratch))
    else:
        main("--quick" in sys.argv[1:])
