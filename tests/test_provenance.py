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


def test_the_projects_instruments_are_labelled_as_such_and_an_edited_copy_is_the_users(tmp_path):
    from .conftest import CODEBOOK, SPEC

    assert describe_input("study2_questionnaire", SPEC)["source"] == "project instrument"
    assert describe_input("study1_codebook", CODEBOOK)["source"] == "project instrument"
    edited = tmp_path / SPEC.name
    edited.write_text(SPEC.read_text(encoding="utf-8") + "\n# our wording\n", encoding="utf-8")
    assert describe_input("study2_questionnaire", edited)["source"] == "user-supplied"


def test_the_instrument_manifest_lists_every_shipped_instrument():
    from .conftest import ROOT

    folder = ROOT / "data" / "instruments"
    listed = json.loads((folder / "MANIFEST.json").read_text(encoding="utf-8"))["files"]
    assert listed == {p.name: sha256_of(p) for p in sorted(folder.glob("*.yaml"))}


def test_each_study_is_labelled_by_its_own_data(synthetic_dir, tmp_path):
    (synthetic_dir / "MANIFEST.json").write_text((synthetic_dir / "MANIFEST2.json").read_text(encoding="utf-8"), encoding="utf-8")
    mine = tmp_path / "segments.csv"
    shutil.copy(synthetic_dir / "coded_segments.csv", mine)
    record = provenance({"study1_segments": mine, "study2_responses": synthetic_dir / "responses.csv"}, {})
    assert record["studies"]["study1"] == {"included": True, "reason": "", "synthetic": False, "data_label": "User-supplied data"}
    assert record["studies"]["study2"]["synthetic"] is True and record["studies"]["study2"]["data_label"].startswith("SYNTHETIC")
    assert record["synthetic"] is False and record["data_label"] == "MIXED: some inputs are synthetic"
    alone = provenance({"study1_segments": mine}, {}, {"study2": "its config section is null"})
    assert alone["studies"]["study2"] == {"included": False, "reason": "its config section is null", "synthetic": False, "data_label": ""}
    assert alone["data_label"] == "User-supplied data"


@pytest.mark.parametrize(
    ("study1", "study2", "left"),
    [
        ("data/synthetic/study1/coded_segments.csv", "data/synthetic/study2/responses.csv", set()),
        ("mine/segments.csv", "data/synthetic/study2/responses.csv", {"study2"}),
        ("data/synthetic/study1/coded_segments.csv", "mine/responses.csv", {"study1"}),
        (None, "mine/responses.csv", {"study1"}),
        ("mine/segments.csv", "mine/responses.csv", set()),
    ],
)
def test_synthetic_data_never_stand_beside_a_teams_own(study1, study2, left):
    from camhs_rom.core.studies import included, left_out

    config = {"study1": study1 and {"codebook": "c.yaml", "segments": study1}, "study2": {"questionnaire": "q.yaml", "responses": study2}}
    out = left_out(config, "data/synthetic")
    assert set(out) == left and included(config, "data/synthetic") == [s for s in ("study1", "study2") if s not in left]
    if study1 and left:
        assert "synthetic default while" in next(iter(out.values()))


@pytest.mark.parametrize("manifest", ["not json {", "[1, 2]", '{"files": ["responses.csv"], "synthetic": true}', "\udcff"], ids=["broken", "list", "files-list", "not-utf8"])
def test_a_malformed_manifest_beside_a_users_file_lists_nothing(tmp_path, manifest):
    """A team's folder may hold some other MANIFEST.json: their file is theirs, and the run neither crashes nor overwrites it."""
    from camhs_rom.core.studies import check_generator_owns

    data = tmp_path / "responses.csv"
    data.write_text("respondent_id\nR1\n", encoding="utf-8")
    (tmp_path / "MANIFEST.json").write_bytes(manifest.encode("utf-8", "surrogateescape"))
    assert describe_input("study2_responses", data)["source"] == "user-supplied"
    with pytest.raises(InputError, match="responses.csv: file: found a file the synthetic-data step did not write"):
        check_generator_owns([data], tmp_path / "MANIFEST.json", "study2.responses")
