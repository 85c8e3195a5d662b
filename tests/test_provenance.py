"""Provenance: the synthetic default is recognised as such; anything else is the user's data."""

import json
import shutil

import pytest

from camhs_rom.core.errors import InputError
from camhs_rom.core.provenance import describe_input, provenance
from camhs_rom.core.runner import run_step
from camhs_rom.core.tables import sha256_of
from camhs_rom.synthetic.steps import write_manifest


def test_generated_file_is_synthetic_and_a_copy_elsewhere_is_not(tmp_path):
    data = tmp_path / "gen" / "responses.csv"
    data.parent.mkdir()
    data.write_text("respondent_id\nR1\n", encoding="utf-8")
    write_manifest(data.parent / "MANIFEST.json", "study2", 1, {}, [data])
    assert describe_input("study2_responses", data)["synthetic"] is True

    copied = tmp_path / "mine" / "responses.csv"
    copied.parent.mkdir()
    shutil.copy(data, copied)
    assert describe_input("study2_responses", copied)["synthetic"] is False

    data.write_text("respondent_id\nR1\nR2\n", encoding="utf-8")  # edited after generation
    assert describe_input("study2_responses", data)["synthetic"] is False


def test_provenance_labels_the_data(synthetic_dir, tmp_path):
    (synthetic_dir / "MANIFEST.json").write_text((synthetic_dir / "MANIFEST2.json").read_text(encoding="utf-8"), encoding="utf-8")
    record = provenance({"study2_responses": synthetic_dir / "responses.csv"}, {"seed": 1})
    assert record["synthetic"] is True and record["data_label"].startswith("SYNTHETIC")
    assert record["inputs"][0]["sha256"] == sha256_of(synthetic_dir / "responses.csv")
    json.dumps(record, default=str)
    user = tmp_path / "responses.csv"
    shutil.copy(synthetic_dir / "responses.csv", user)
    assert provenance({"study2_responses": user}, {})["data_label"] == "User-supplied data"


def test_run_step_turns_bad_input_into_one_message(tmp_path, capsys):
    def fails():
        raise InputError("r.csv", "row 3, column q1", "'7'", "an answer from 1 to 5")

    log = tmp_path / "step.log"
    with pytest.raises(SystemExit) as info:
        run_step(str(log), fails)
    assert info.value.code == 1
    assert "Bad input, nothing was written: r.csv: row 3, column q1: found '7'; expected an answer from 1 to 5" in log.read_text(encoding="utf-8")


def test_run_step_keeps_tracebacks_of_bugs(tmp_path):
    def bug():
        raise KeyError("oops")

    log = tmp_path / "step.log"
    with pytest.raises(KeyError):
        run_step(str(log), bug)
    assert "Traceback" in log.read_text(encoding="utf-8")
