"""Study 1 figures: all written, labelled synthetic when they should be, byte-identical on rerun."""

import json
import re

import pandas as pd

from camhs_rom.core.labels import SYNTHETIC_FIGURE
from camhs_rom.ingest.segments import clean_segments
from camhs_rom.study1.steps import study1_agreement, study1_figures, study1_themes

from .conftest import CODEBOOK

NAMES = ["theme_prevalence", "theme_by_participant", "cooccurrence", "saturation", "agreement_kappa"]


def _draw(tmp_path, synthetic_dir, codebook, synthetic: bool, out_name: str):
    clean = tmp_path / "clean.csv"
    if not clean.exists():
        clean_segments(synthetic_dir / "coded_segments.csv", codebook).segments.to_csv(clean, index=False)
        outputs = {k: tmp_path / f"{k}.csv" for k in ["tallies", "valence", "by_participant", "cooccurrence", "saturation", "quotes", "passages"]}
        study1_themes(clean, CODEBOOK, outputs, "primary", None, None, 3, 200, 1)
        study1_agreement(clean, CODEBOOK, tmp_path / "agreement.csv", tmp_path / "dis.csv", 200, 0.95, 1)
    provenance = tmp_path / f"{out_name}.json"
    provenance.write_text(json.dumps({"synthetic": synthetic, "studies": {"study1": {"synthetic": synthetic}}}), encoding="utf-8")
    out = tmp_path / out_name
    study1_figures(
        tmp_path / "tallies.csv", tmp_path / "by_participant.csv", tmp_path / "cooccurrence.csv", tmp_path / "saturation.csv",
        tmp_path / "agreement.csv", CODEBOOK, provenance, out,
    )
    return out


def test_figures_are_written_labelled_and_reproducible(tmp_path, synthetic_dir, codebook):
    first = _draw(tmp_path, synthetic_dir, codebook, True, "a")
    again = _draw(tmp_path, synthetic_dir, codebook, True, "b")
    for name in NAMES:
        for ext in ("png", "svg"):
            path = first / f"{name}.{ext}"
            assert path.stat().st_size > 5000, path
            assert path.read_bytes() == (again / f"{name}.{ext}").read_bytes(), path.name
        assert SYNTHETIC_FIGURE in (first / f"{name}.svg").read_text(encoding="utf-8")
    user = _draw(tmp_path, synthetic_dir, codebook, False, "c")
    assert SYNTHETIC_FIGURE not in (user / "theme_prevalence.svg").read_text(encoding="utf-8")


def test_one_coder_draws_a_notice_instead_of_kappas(tmp_path, synthetic_dir, codebook):
    out = _draw(tmp_path, synthetic_dir, codebook, True, "a")
    pd.DataFrame(columns=pd.read_csv(tmp_path / "agreement.csv").columns).to_csv(tmp_path / "agreement.csv", index=False)
    out = _draw(tmp_path, synthetic_dir, codebook, True, "one")
    assert "two or more coders" in (out / "agreement_kappa.svg").read_text(encoding="utf-8")


def test_labels_are_drawn_as_written(tmp_path, synthetic_dir, codebook):
    """A theme label is the user's text: "$" is a dollar sign (no mathtext), markup stays escaped text in the SVG."""
    _draw(tmp_path, synthetic_dir, codebook, False, "a")
    tallies = pd.read_csv(tmp_path / "tallies.csv")
    tallies.loc[0, "label"] = "Costs $5 to $10 <script>alert(1)</script>"
    tallies.to_csv(tmp_path / "tallies.csv", index=False)
    out = _draw(tmp_path, synthetic_dir, codebook, False, "labels")
    for name in ("theme_prevalence", "theme_by_participant", "cooccurrence"):
        drawn = re.sub(r"<!--.*?-->", "", (out / f"{name}.svg").read_text(encoding="utf-8"), flags=re.S)  # the text drawn, not comments
        assert "Costs $5 to $10 &lt;script&gt;alert(1)&lt;/script&gt;" in drawn and "<script>" not in drawn, name
