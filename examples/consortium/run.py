"""The worked consortium in one command: four SYNTHETIC sites each make their summary, then one run pools them.

    python examples/consortium/run.py --cores 4          (from the repository root)

Each site runs the pipeline in its own folder (examples/consortium/work/<site>/, as a site
would on its own machine) with the consortium's frozen settings (frozen.yaml) and its own
synthetic data (site_<x>.yaml), asking only for its summary (`snakemake site_summary`). The
pooling run then reads nothing but the four results/site_summary/ folders
(consortium.yaml) and writes results/consortium/ here, report.html included.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "examples" / "consortium"
SITES = ["site_a", "site_b", "site_c", "site_d"]


def snakemake(*args: str, cwd: Path) -> None:
    command = [sys.executable, "-m", "snakemake", *args]
    print("$", " ".join(command), f"(in {cwd.relative_to(ROOT) if cwd != ROOT else '.'})", flush=True)
    subprocess.run(command, cwd=cwd, check=True)


def run_site(site: str, cores: int) -> None:
    """One site's own run in its own folder: the base config and instruments beside it, the frozen settings, its data."""
    folder = HERE / "work" / site
    (folder / "data").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "config.yaml", folder / "config.yaml")
    shutil.copytree(ROOT / "data" / "instruments", folder / "data" / "instruments", dirs_exist_ok=True)
    snakemake("site_summary", "--snakefile", str(ROOT / "Snakefile"), "--cores", str(cores),
              "--configfile", str(HERE / "frozen.yaml"), str(HERE / f"{site}.yaml"), cwd=folder)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=4)
    args = parser.parse_args(argv)
    for site in SITES:
        run_site(site, args.cores)
    snakemake("--cores", str(args.cores), "--configfile", "examples/consortium/frozen.yaml", "examples/consortium/consortium.yaml", cwd=ROOT)
    print("The consortium's results: results/consortium/ (report.html, meta_analysis.csv, scorecard.csv ...)")


if __name__ == "__main__":
    main()
