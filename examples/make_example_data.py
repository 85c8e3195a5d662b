"""Regenerate the worked example's input files (synthetic, seeded) in examples/replication-study/.

The example stands for a replication team's own data: a 40-clinician questionnaire
exported as TSV with numeric answers and the team's own yes/no spelling, and coded
segments from two coders. The files are synthetic, and a MANIFEST.json beside them says so
(so a run on them is labelled synthetic). They are committed; this script shows how they
were made and remakes them byte for byte:

    python examples/make_example_data.py
"""

from pathlib import Path

import yaml

from camhs_rom.core.labels import SYNTHETIC
from camhs_rom.core.tables import write_table
from camhs_rom.instruments.codebook import load_codebook
from camhs_rom.instruments.questionnaire import load_questionnaire
from camhs_rom.synthetic.steps import write_manifest
from camhs_rom.synthetic.study1 import simulate_study1
from camhs_rom.synthetic.study2 import simulate_study2

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEED = 2024


def main() -> None:
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    out = HERE / "replication-study"
    q = load_questionnaire(ROOT / "data" / "instruments" / "rom_beliefs_questionnaire.yaml")
    settings = dict(config["synthetic"]["study2"], n_respondents=40, team_weights={"North": 1, "South": 1, "East": 1})
    responses = simulate_study2(q, settings, SEED)
    responses[q.group_column] = responses[q.group_column].map({"yes": "Yes", "no": "No"})
    responses.insert(1, "data_source", f"{SYNTHETIC} example data (camhs_rom generator, seed {SEED})")
    out.mkdir(exist_ok=True)
    responses.to_csv(out / "responses.tsv", sep="\t", index=False, lineterminator="\n")
    codebook = load_codebook(ROOT / "data" / "instruments" / "codebook.yaml")
    settings1 = dict(config["synthetic"]["study1"], participants_per_group=[5, 4], coders=["anna", "ben"])
    _, segments = simulate_study1(codebook, settings1, SEED)
    write_table(segments, out / "coded_segments.csv")
    # the files are synthetic, so a run on them is labelled synthetic, study by study
    write_manifest(out / "MANIFEST.json", "worked example", SEED, {}, [out / "responses.tsv", out / "coded_segments.csv"])


if __name__ == "__main__":
    main()
