"""Time the synthetic generator and the Study 2 ingest at growing sample sizes.

Prints one row per size: respondents, generate (s), clean (s), peak memory (MB) of the
process doing the work, and audit-log rows. Each size runs in its own process so the
peak memory is that size's own.

    python benchmarks/ingest_scale.py                 # 59, 10,000 and 100,000 respondents
    python benchmarks/ingest_scale.py 59 1000         # chosen sizes
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import yaml
from camhs_rom.instruments.questionnaire import load_questionnaire
from camhs_rom.ingest.survey import clean_responses
from camhs_rom.synthetic.steps import synthesize_study2

root, n, out = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
config = yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8"))
settings = dict(config["synthetic"]["study2"], n_respondents=n)
spec = root / "data" / "instruments" / "rom_beliefs_questionnaire.yaml"
t0 = time.perf_counter()
synthesize_study2(spec, settings, config["seed"], out / "r.csv", out / "r.sav", out / "m.json")
t1 = time.perf_counter()
result = clean_responses(out / "r.csv", load_questionnaire(spec))
t2 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"n": n, "generate_s": t1 - t0, "clean_s": t2 - t1, "peak_mb": peak, "audit_rows": len(result.audit)}))
"""


def main(sizes: list[int]) -> None:
    print(f"{'respondents':>12} {'generate s':>11} {'clean s':>9} {'peak MB':>9} {'audit rows':>11}")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(n), tmp], capture_output=True, text=True, check=True)
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{row['n']:>12,} {row['generate_s']:>11.2f} {row['clean_s']:>9.2f} {row['peak_mb']:>9.0f} {row['audit_rows']:>11,}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [59, 10_000, 100_000])
