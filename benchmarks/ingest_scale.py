"""Time the Study 2 path at growing sample sizes and item counts: generate, clean, analyse.

Prints one row per size: respondents, items, generate (s), clean (s), psychometrics (s:
descriptives, factorability, parallel analysis with the config's 1,000 random data sets,
MAP, the EFA, reliability with its bootstraps), comparisons (s: the group tests with their
permutations and bootstraps, the adjusted models), measurement (s: the polychoric matrix,
the ML and WLSMV CFA, the invariance models, the reliability coefficients with their
bootstraps), the whole Study 2 path (s: the sum), peak memory (MB) of the process doing the
work, and audit-log rows. Each size runs in its own process so the peak memory is that
size's own. A size is ``N`` (respondents, the questionnaire's own 18 items) or ``NxP``
(``P`` items, the spec's items cycled by the generator's ``n_items``).

    python benchmarks/ingest_scale.py                          # 59, 10,000, 100,000; 1000x60, 1000x200; 100000x40
    python benchmarks/ingest_scale.py 59 1000 500x120          # chosen sizes
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
from camhs_rom.core.schemas import with_defaults
from camhs_rom.core.tables import write_table
from camhs_rom.instruments.questionnaire import load_questionnaire
from camhs_rom.ingest.survey import clean_responses
from camhs_rom.study2.steps import study2_comparisons, study2_measurement, study2_psychometrics
from camhs_rom.synthetic.steps import synthesize_study2

OUTPUTS = ["sample", "sample_numeric", "frequency", "item_descriptives", "responses", "factorability", "kmo_items", "n_factors", "scree",
           "map", "loadings", "loading_flags", "structure", "factor_correlations", "communalities", "variance", "fit", "congruence",
           "reliability", "item_reliability", "scores"]
root, n, items, out = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
config = with_defaults(yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8")), "config")
settings = dict(config["synthetic"]["study2"], n_respondents=n, n_items=None if items == "spec" else int(items))
spec = root / "data" / "instruments" / "rom_beliefs_questionnaire.yaml"
expanded = out / "spec.yaml"
t0 = time.perf_counter()
synthesize_study2(spec, settings, config["seed"], out / "r.csv", out / "r.sav", out / "m.json", spec_out=expanded if items != "spec" else None)
t1 = time.perf_counter()
used = expanded if items != "spec" else spec  # the questionnaire analysed: the spec, or its items cycled to P
q = load_questionnaire(used)
result = clean_responses(out / "r.csv", q)
write_table(result.coded, out / "coded.csv")
write_table(result.scored, out / "scored.csv")
t2 = time.perf_counter()
s2 = config["study2"]
study2_psychometrics(out / "coded.csv", out / "scored.csv", used, "r.csv", s2["efa"], s2["bootstrap"], config["seed"],
                     {key: out / f"{key}.csv" for key in OUTPUTS})
t3 = time.perf_counter()
study2_comparisons(out / "scores.csv", used, None, s2["comparisons"], s2["bootstrap"], config["seed"],
                   {key: out / f"{key}.csv" for key in ["comparisons", "descriptives", "models", "model_notes", "sentences", "apa_table", "apa_table_md"]})
t4 = time.perf_counter()
study2_measurement(out / "coded.csv", out / "scored.csv", used, None, s2["measurement"], s2["bootstrap"], config["seed"],
                   {key: out / f"m_{key}.csv" for key in ["polychoric", "thresholds", "cfa_fit", "cfa_loadings", "cfa_factor_correlations", "invariance",
                                                           "coefficients", "paragraph"]})
t5 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"n": n, "p": len(q.item_ids), "generate_s": t1 - t0, "clean_s": t2 - t1, "analyse_s": t3 - t2, "compare_s": t4 - t3, "measure_s": t5 - t4, "peak_mb": peak, "audit_rows": len(result.audit)}))
"""


def main(sizes: list[str]) -> None:
    print(f"{'respondents':>12} {'items':>6} {'generate s':>11} {'clean s':>9} {'psychometrics s':>16} {'comparisons s':>14} {'measurement s':>14} {'Study 2 s':>10} {'peak MB':>9} {'audit rows':>11}")
    for size in sizes:
        n, _, items = size.partition("x")
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), n, items or "spec", tmp], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"size {size} failed:\n{done.stderr[-2000:]}")
        row = json.loads(done.stdout.strip().splitlines()[-1])
        total = sum(row[key] for key in ("generate_s", "clean_s", "analyse_s", "compare_s", "measure_s"))
        print(f"{row['n']:>12,} {row['p']:>6} {row['generate_s']:>11.2f} {row['clean_s']:>9.2f} {row['analyse_s']:>16.2f} {row['compare_s']:>14.2f} {row['measure_s']:>14.2f} {total:>10.2f} {row['peak_mb']:>9.0f} {row['audit_rows']:>11,}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["59", "10000", "100000", "1000x60", "1000x200", "100000x40"])
