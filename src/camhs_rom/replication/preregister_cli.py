"""``camhs-rom-preregister``: the preregistration target from the command line.

Run in the workflow's folder (where ``Snakefile`` and ``config.yaml`` are), before any data exist::

    camhs-rom-preregister --configfile my-study.yaml --cores 4

is ``snakemake preregistration --cores 4 --configfile my-study.yaml``: the team's spec and codebook are
simulated under its ``synthetic`` assumptions, every analysis runs on them, and the plan is written to
``results/preregistration/`` (preregistration.md, .docx and .json).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path


def command(configfiles: list[str], cores: int, snakefile: str = "Snakefile") -> list[str]:
    """The Snakemake command the preregistration runs."""
    out = [sys.executable, "-m", "snakemake", "preregistration", "--snakefile", snakefile, "--cores", str(cores)]
    return out + (["--configfile", *configfiles] if configfiles else [])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="camhs-rom-preregister", description=__doc__.split("\n\n")[0])
    parser.add_argument("--configfile", nargs="+", default=[], help="the team's config file(s), as snakemake --configfile takes them")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1, help="cores for the simulated run (default: all)")
    parser.add_argument("--snakefile", default="Snakefile", help="the workflow's Snakefile (default: ./Snakefile)")
    args = parser.parse_args(argv)
    if not Path(args.snakefile).is_file():
        parser.error(f"no {args.snakefile} here: run camhs-rom-preregister in the workflow's folder")
    missing = [f for f in args.configfile if not Path(f).is_file()]
    if missing:
        parser.error(f"--configfile {missing[0]!r} is not a file")
    sys.exit(subprocess.run(command(args.configfile, args.cores, args.snakefile), check=False).returncode)


if __name__ == "__main__":
    main()
