"""Time the heavy statistics on the default data and print a table.

    python benchmarks/heavy_steps.py

Rows: the alpha and omega bootstraps at 10,000 resamples (both subscales), parallel
analysis with 1,000 random data sets (59 respondents x 20 items), the agreement bootstrap
(10,000 resamples), the permutation test (10,000 relabellings, both subscales), and the
EFA (100 fits of 2 factors to the default 59 x 18 items: MINRES + oblimin and ML +
oblimin, the extraction and rotation alone and the whole analysis with fit statistics,
beside factor_analyzer's own fit and psych::fa), and the measurement stage's statistics on
the same 59 x 18 answers: the polychoric matrix (10 times), polychoric parallel analysis
(1,000 permuted data sets), the WLSMV and ML CFA of the two-factor model (10 fits each),
the three invariance models between users and non-users (10 times) and ordinal alpha's
bootstrap (2,000 resamples, both subscales). Each is timed as the best of three runs, on
the project's own functions; R's times (psych 2.2.9, lavaan 0.6.14) come from
``r_psych.R`` on the same data, where R has no such bootstrap extrapolated from a few
resamples.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from camhs_rom.core.schemas import with_defaults
from camhs_rom.core.seeding import bootstrap_weights, rng_for
from camhs_rom.core.tables import write_table
from camhs_rom.ingest.segments import clean_segments
from camhs_rom.instruments.codebook import load_codebook
from camhs_rom.instruments.questionnaire import load_questionnaire
from camhs_rom.stats.categorical_cfa import fit_dwls, ordinal_moments
from camhs_rom.stats.cfa import GroupMoments, fit_ml
from camhs_rom.stats.factors import fit_efa, run_efa
from camhs_rom.stats.polychoric import polychoric
from camhs_rom.stats.reliability import alpha_batch, omega_batch
from camhs_rom.stats.retention import parallel_analysis, parallel_analysis_polychoric, random_eigenvalues
from camhs_rom.stats.two_groups import permutation_p
from camhs_rom.study1.agreement import agreement_table
from camhs_rom.study1.passages import coded_passages
from camhs_rom.study2.coefficients import ordinal_coefficients
from camhs_rom.study2.comparisons import compared_groups
from camhs_rom.study2.measurement import invariance, model_clusters
from camhs_rom.synthetic.study1 import simulate_study1
from camhs_rom.synthetic.study2 import simulate_study2

ROOT = Path(__file__).resolve().parents[1]


def best_of(func, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    config = with_defaults(yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8")), "config")
    q = load_questionnaire(ROOT / "data" / "instruments" / "rom_beliefs_questionnaire.yaml")
    frame = simulate_study2(q, dict(config["synthetic"]["study2"], missing_share=0), config["seed"])
    scored = q.keyed_items(frame)
    subscales = [scored[[i.id for i in q.items_of(s)]].to_numpy() for s in q.subscales]
    n = len(scored)

    def bootstrap():
        for k, x in enumerate(subscales):
            w = bootstrap_weights(rng_for(1, f"bench-{k}"), n, 10_000)
            alpha_batch(x, w)
            omega_batch(x, w)

    twenty = pd.DataFrame(np.random.default_rng(1).standard_normal((59, 20)))
    codebook = load_codebook(ROOT / "data" / "instruments" / "codebook.yaml")
    _, segments = simulate_study1(codebook, config["synthetic"]["study1"], config["seed"])
    tmp = ROOT / "benchmarks" / "out"
    tmp.mkdir(exist_ok=True)
    write_table(segments, tmp / "segments.csv")
    passaged = coded_passages(clean_segments(tmp / "segments.csv", codebook).segments)
    groups = [x.mean(axis=1) for x in subscales]
    user = frame[q.group_column].eq("yes").to_numpy()

    for k, name in enumerate(("positive", "negative")):
        pd.DataFrame(subscales[k]).to_csv(tmp / f"{name}.csv", index=False)
    items = scored[q.item_ids].astype(float)
    items.to_csv(tmp / "items.csv", index=False)
    intended = q.intended_subscales

    def fits(method: str, whole: bool = False, library: bool = False):
        from factor_analyzer import FactorAnalyzer

        for _ in range(100):
            if library:
                FactorAnalyzer(n_factors=2, rotation="oblimin", method=method, svd_method="lapack").fit(items.to_numpy())
            elif whole:
                run_efa(items, intended, 2, method, "oblimin")
            else:
                fit_efa(items, 2, method, "oblimin")
    twenty.to_csv(tmp / "twenty.csv", index=False)
    clusters, _ = model_clusters(q)
    raw_to_group = {str(value): g for g, values in q.group_levels.items() for value in values}
    group = frame[q.group_column].astype(str).map(raw_to_group).reset_index(drop=True)
    pd.DataFrame({"group": group}).to_csv(tmp / "group.csv", index=False)
    (tmp / "model.lav").write_text("\n".join(f"{s} =~ " + " + ".join(i.id for i in q.items_of(s)) for s in q.subscales) + "\n", encoding="utf-8")
    corr, _ = polychoric(items, 5)

    def measurement():
        return {
            "polychoric": lambda: [polychoric(items, 5) for _ in range(10)],
            "pa_poly": lambda: parallel_analysis_polychoric(items, corr, 5, 1000, 95, 1),
            "wlsmv": lambda: [fit_dwls(clusters, ordinal_moments(items)) for _ in range(10)],
            "cfa_ml": lambda: [fit_ml(clusters, [GroupMoments.of(items[list(clusters.items)].to_numpy())]) for _ in range(10)],
            "invariance": lambda: [invariance(q, items, group, compared_groups(q), config["study2"]["measurement"]) for _ in range(10)],
            "ordinal_alpha": lambda: [ordinal_coefficients(items[[i.id for i in q.items_of(sub)]], 5, 2000, 0.95, rng_for(1, sub)) for sub in q.subscales],
        }

    steps = measurement()
    r = r_timings(tmp)
    r_boot = f"{r['alpha_bootstrap']:.3f} + {r['omega_bootstrap_extrapolated']:.1f}" if r else ""
    rows = [
        ("alpha + omega bootstrap, 10,000 resamples, 2 subscales (n = 59)", best_of(bootstrap), r_boot, "<= 1 s"),
        ("parallel analysis, 1,000 data sets, 59 x 20", best_of(lambda: (random_eigenvalues.cache_clear(), parallel_analysis(twenty, 1000, 95, 1))), f"{r['parallel_analysis']:.3f}" if r else "", "<= 2 s"),
        ("agreement bootstrap, 10,000 resamples (kappa, alpha, %)", best_of(lambda: agreement_table(passaged, codebook.theme_ids, 10_000, 0.95, 1)), "", ""),
        ("permutation test, 10,000 relabellings, 2 subscales", best_of(lambda: [permutation_p(g[user], g[~user], 10_000, rng_for(1, "p")) for g in groups]), "", ""),
        ("EFA, 100 fits, MINRES + oblimin: extraction and rotation", best_of(lambda: fits("minres")), f"{r['fa_minres']:.3f}" if r else "", ">= 1x R"),
        ("EFA, 100 fits, MINRES + oblimin: with fit statistics", best_of(lambda: fits("minres", whole=True)), f"{r['fa_minres']:.3f}" if r else "", ""),
        ("EFA, 100 fits, MINRES + oblimin: factor_analyzer's own fit", best_of(lambda: fits("minres", library=True)), "", "(for reference)"),
        ("EFA, 100 fits, ML + oblimin: extraction and rotation", best_of(lambda: fits("ml")), f"{r['fa_ml']:.3f}" if r else "", ">= 1x R"),
        ("EFA, 100 fits, ML + oblimin: factor_analyzer's own fit", best_of(lambda: fits("ml", library=True)), "", "(for reference)"),
        ("polychoric matrix, 59 x 18, 10 times", best_of(steps["polychoric"]), in_r(r, "polychoric"), ">= 1x R"),
        ("polychoric parallel analysis, 1,000 permuted data sets", best_of(steps["pa_poly"]), in_r(r, "pa_poly"), ">= 1x R"),
        ("CFA, WLSMV (thresholds, polychoric, Gamma, robust test), 10 fits", best_of(steps["wlsmv"]), in_r(r, "wlsmv"), ">= 1x R"),
        ("CFA, ML, 10 fits", best_of(steps["cfa_ml"]), in_r(r, "cfa_ml"), ">= 1x R"),
        ("invariance, configural + metric + scalar, 10 times", best_of(steps["invariance"]), in_r(r, "invariance"), ">= 1x R"),
        ("ordinal alpha and omega bootstrap, 2,000 resamples, 2 subscales", best_of(steps["ordinal_alpha"]), in_r(r, "ordinal_alpha"), ">= 1x R"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'seconds':>8}  {'R psych s':>14}  target")
    for name, seconds, r_seconds, target in rows:
        print(f"{name:<{width}}  {seconds:8.3f}  {r_seconds:>14}  {target}")
    if r:
        print("R psych: alpha bootstrap + omega bootstrap (omega extrapolated from 100 resamples per subscale);")
        print("polychoric parallel analysis extrapolated from 20 data sets, ordinal alpha from 20 resamples per subscale")


def in_r(r: dict | None, name: str) -> str:
    """R's seconds for a row, or blank when R was not run."""
    return f"{r[name]:.3f}" if r else ""


def r_timings(folder: Path) -> dict | None:
    """Seconds of the same steps in R's psych, or None when R or psych is missing."""
    if not shutil.which("Rscript"):
        return None
    done = subprocess.run(["Rscript", str(ROOT / "benchmarks" / "r_psych.R"), str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"(R psych timings skipped: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else 'Rscript failed'})")
        return None
    return {name: float(value) for name, value in (line.split() for line in done.stdout.strip().splitlines())}


if __name__ == "__main__":
    main()
