"""Time a consortium's pooling run at 4, 20, 50 and 100 sites, and print a table.

    python benchmarks/consortium.py

Each site's summary is made the way a site's run makes it (the summary tables of
camhs_rom.consortium.summary from the site's respondents, the disclosure check, site.json)
from data simulated here: the default questionnaire's 18 items under a two-factor model,
60-200 respondents a site, users and non-users, the frequency item, and 12-20 focus-group
participants. Then the pooling (camhs_rom.consortium.pooled.pool_sites: reading and
checking every summary, the meta-analyses, the structure across sites, the invariance
models with every site as a group, the scorecard) is timed in this process: wall, CPU and
the peak memory of the process. Target: 50 sites pool in seconds.
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from camhs_rom.consortium import disclosure, summary  # noqa: E402
from camhs_rom.consortium.pooled import pool_sites  # noqa: E402
from camhs_rom.core.schemas import with_defaults  # noqa: E402
from camhs_rom.core.tables import sha256_of, write_table  # noqa: E402
from camhs_rom.instruments.codebook import load_codebook  # noqa: E402
from camhs_rom.instruments.questionnaire import load_questionnaire  # noqa: E402
from camhs_rom.replication.preregistration import frozen_record  # noqa: E402

SPEC = ROOT / "data" / "instruments" / "rom_beliefs_questionnaire.yaml"
CODEBOOK = ROOT / "data" / "instruments" / "codebook.yaml"
SIZES = [4, 20, 50, 100]


def simulated_site(rng: np.random.Generator, q, themes: list[str]) -> tuple[dict[str, pd.DataFrame], dict]:
    n = int(rng.integers(60, 201))
    user = rng.random(n) < 0.4
    subscales = list(q.subscales)
    traits = rng.multivariate_normal([0, 0], [[1, 0.25], [0.25, 1]], size=n) + np.outer(user, [0.6, 0.5])
    items = {}
    for item in q.items:
        latent = traits[:, subscales.index(item.subscale)]
        items[item.id] = np.clip(np.round(3 + 0.72 * latent + rng.normal(0, 0.7, n)), 1, 5)
    frame = pd.DataFrame(items)
    scores = pd.DataFrame({s: frame[[i.id for i in q.items_of(s)]].mean(axis=1) for s in subscales})
    scores["group"] = np.where(user, "user", "non_user")
    counts = rng.multinomial(n, [0.22, 0.27, 0.24, 0.2, 0.07])
    frequency = pd.DataFrame({"level": list(q.frequency_levels), "code": range(1, 6), "n": counts, "n_answered": n})
    reliability = pd.DataFrame([[s, len(q.items_of(s)), n, 0.85 + rng.normal(0, 0.02)] for s in subscales], columns=summary.TABLES["study2_reliability"])
    participants = int(rng.integers(12, 21))
    by_participant = pd.DataFrame({"participant_id": [f"P{k}" for k in range(participants)], "group_id": [f"FG{k % 3}" for k in range(participants)]})
    for theme in themes:
        by_participant[theme] = (rng.random(participants) < 0.6).astype(int)
    tables = {
        "study2_groups": summary.group_summary(scores, subscales, ("user", "non_user")),
        "study2_frequency": frequency,
        "study2_reliability": reliability,
        summary.MOMENTS: summary.moments_table(frame, q.item_ids),
        "study1_themes": summary.theme_summary(by_participant, themes),
    }
    vocabulary = {"subscale": set(subscales), "group": {"user", "non_user"}, "level": set(q.frequency_levels), "item": set(q.item_ids), "theme": set(themes)}
    return tables, vocabulary


def write_site(folder: Path, tables: dict, vocabulary: dict, record: dict) -> bool:
    folder.mkdir(parents=True)
    verdict = disclosure.check_summary(tables, vocabulary, set(), 5)
    write_table(verdict, folder / "disclosure.csv")
    if not disclosure.passed(verdict):
        return False
    for name, frame in tables.items():
        write_table(frame, folder / f"{name}.csv")
    site = {"format": summary.FORMAT, "disclosure": "passed", "min_count": 5, "studies": ["study1", "study2"], "synthetic": True,
            "data_label": "SYNTHETIC (benchmark)", "record": record, "tables": {name: sha256_of(folder / f"{name}.csv") for name in tables}}
    (folder / "site.json").write_text(json.dumps(site, default=str), encoding="utf-8")
    return True


def main() -> None:
    config = with_defaults(yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8")), "config")
    q, book = load_questionnaire(SPEC), load_codebook(CODEBOOK)
    record = frozen_record(config, {}, "benchmark", {})
    rng = np.random.default_rng(20151104)
    print("| sites | respondents | pooling wall (s) | pooling CPU (s) | peak memory (MB) |\n|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for size in SIZES:
            sites, respondents = {}, 0
            while len(sites) < size:
                tables, vocabulary = simulated_site(rng, q, book.theme_ids)
                folder = Path(tmp) / f"{size}" / f"site_{len(sites) + 1:03d}"
                if write_site(folder, tables, vocabulary, record):
                    sites[folder.name] = str(folder)
                    respondents += int(tables[summary.MOMENTS]["n"].iloc[0])
                else:
                    shutil.rmtree(folder)  # a draw with a count of 1-4 fails the check, as it would at a site: draw again
            start, cpu = time.perf_counter(), time.process_time()
            pool_sites(sites, config, None, "benchmark", str(SPEC), str(CODEBOOK))
            wall, used = time.perf_counter() - start, time.process_time() - cpu
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"| {size} | {respondents:,} | {wall:.1f} | {used:.1f} | {peak:.0f} |", flush=True)


if __name__ == "__main__":
    main()
