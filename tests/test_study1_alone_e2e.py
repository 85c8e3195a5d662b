"""A run of Study 1 alone on a team's own (hostile but valid) coding, end to end: its own module, so that
pytest's workers run it beside the default run of tests/test_pipeline_e2e.py rather than after it."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest
import yaml

from .conftest import ROOT
from .test_pipeline_e2e import assert_no_live_markup, snakemake, workflow_copy

pytestmark = pytest.mark.e2e


def test_study1_alone_with_study2_null(synthetic_dir, tmp_path):
    work = workflow_copy(tmp_path / "study1_alone")
    (work / "mine").mkdir()
    # hostile but valid text: markup in excerpts, a participant id and a theme label; a formula as a coder
    segments = pd.read_csv(synthetic_dir / "coded_segments.csv", dtype=str, keep_default_na=False)
    segments["text"] = "<script>alert('excerpt')</script> " + segments["text"]
    segments["participant_id"] = segments["participant_id"].replace("P04", "P04<img src=x onerror=alert(1)>")
    segments["coder"] = segments["coder"].replace("coder_b", "@SUM(1+1)*cmd|' /C calc'!A0")
    segments.to_csv(work / "mine" / "segments.csv", index=False)
    codebook = yaml.safe_load((ROOT / "data" / "instruments" / "codebook.yaml").read_text(encoding="utf-8"))
    codebook["themes"][0]["label"] = "<script>alert(2)</script>"
    (work / "mine" / "codebook.yaml").write_text(yaml.safe_dump(codebook, sort_keys=False), encoding="utf-8")
    (work / "mine.yaml").write_text("study1:\n  segments: mine/segments.csv\n  codebook: mine/codebook.yaml\nstudy2: null\n", encoding="utf-8")
    done = snakemake(work, "--configfile", "mine.yaml")
    assert done.returncode == 0, done.stderr[-3000:]
    assert not (work / "results" / "study2").exists() and not (work / "results" / "robustness").exists()
    card = pd.read_csv(work / "results" / "replication" / "scorecard.csv", keep_default_na=False).set_index("claim_id")
    assert card.loc[card.index.str.startswith("S2"), "replicated"].eq("Study 2 was not part of this run: its config section is null").all()
    assert card.loc["S1-N", "verdict"] == "reproduced" and card.loc["S1-N", "data_label"] == "User-supplied data"
    page = (work / "results" / "report.html").read_text(encoding="utf-8")
    assert "Study 2 was not part of this run: its config section is null" in page
    assert "SYNTHETIC DATA" not in (work / "results" / "study1" / "figures" / "theme_prevalence.svg").read_text(encoding="utf-8")
    assert_no_live_markup(work)
    shown = re.sub(r"<wbr/?>", "", page)  # long cells get line-break opportunities between their parts
    assert "&lt;script&gt;alert(&#x27;excerpt&#x27;)&lt;/script&gt;" in shown or "&lt;script&gt;alert('excerpt')&lt;/script&gt;" in shown
    quotes = pd.read_csv(work / "results" / "study1" / "quotes.csv", dtype=str, keep_default_na=False)
    assert quotes["excerpt"].str.startswith("<script>").any()  # kept as written in the table, escaped where shown
    agreement_cells = [c for row in csv.reader(io.StringIO((work / "results" / "study1" / "disagreements.csv").read_text(encoding="utf-8"))) for c in row]
    assert not [c for c in agreement_cells if c.startswith(("=", "+", "@"))]
