"""Shared fixtures: the repository's instruments and config, and one synthetic dataset per session."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from camhs_rom.instruments.codebook import load_codebook
from camhs_rom.instruments.questionnaire import load_questionnaire
from camhs_rom.synthetic.steps import synthesize_study1, synthesize_study2

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "data" / "instruments" / "rom_beliefs_questionnaire.yaml"
CODEBOOK = ROOT / "data" / "instruments" / "codebook.yaml"


@pytest.fixture(scope="session")
def config() -> dict:
    with open(ROOT / "config.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture()
def fresh_config(config) -> dict:
    return copy.deepcopy(config)


@pytest.fixture(scope="session")
def questionnaire():
    return load_questionnaire(SPEC)


@pytest.fixture(scope="session")
def codebook():
    return load_codebook(CODEBOOK)


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory, config) -> Path:
    """The default synthetic data of both studies, generated once for the session."""
    out = tmp_path_factory.mktemp("synthetic")
    synthesize_study2(SPEC, config["synthetic"]["study2"], config["seed"], out / "responses.csv", out / "responses.sav", out / "MANIFEST2.json")
    synthesize_study1(
        CODEBOOK, config["synthetic"]["study1"], config["seed"], out / "coded_segments.csv", out / "focus_groups.qdpx", out / "transcripts", out / "MANIFEST1.json"
    )
    return out


def write_lines(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path
