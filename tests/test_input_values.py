"""Values that once passed validation and gave wrong numbers: every numeric setting, the synthetic default's files,
and the valid inputs near each new check, which must still be read (with the exact numbers they hold).

The bad-input cases themselves are in ``test_input_corpus.py``; this file holds the property-style sweep over the
config schema, the workflow-level checks that need ``snakemake -n``, and the accepted neighbours of each check.
"""

from __future__ import annotations

import copy
import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from camhs_rom.core.errors import InputError
from camhs_rom.core.schemas import load_schema, read_yaml, validate_config
from camhs_rom.core.studies import check_generator_owns
from camhs_rom.core.tables import sha256_of
from camhs_rom.ingest.steps import ingest_study2

from .conftest import ROOT, SPEC
from .test_input_corpus import cell, read_records, spec_with, write_records

# ----------------------------------------------------------------- every numeric config key


def numeric_keys(schema: dict, root: dict, path: tuple = ()) -> list[tuple[tuple, dict]]:
    """(key path, schema) of every number or integer the config takes; ``*`` is a mapping's own key, ``0`` a list's first element."""
    if "$ref" in schema:
        schema = root["definitions"][schema["$ref"].rsplit("/", 1)[1]]
    found = []
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if {"integer", "number"} & set(kinds):
        found.append((path, schema))
    for branch in schema.get("oneOf", []):
        found += numeric_keys(branch, root, path)
    for key, sub in (schema.get("properties") or {}).items():
        found += numeric_keys(sub, root, (*path, key))
    if isinstance(schema.get("additionalProperties"), dict):
        found += numeric_keys(schema["additionalProperties"], root, (*path, "*"))
    if isinstance(schema.get("items"), dict):
        found += numeric_keys(schema["items"], root, (*path, 0))
    return found


BACKWARDS = re.compile(r"is (less|greater) than|should be|is too (long|short)|non-unique|does not match|is not valid under")  # jsonschema's own words


CONFIG_SCHEMA = load_schema("config")
NUMERIC_KEYS = numeric_keys(CONFIG_SCHEMA, CONFIG_SCHEMA)


def bad_values(schema: dict) -> list:
    """NaN, infinities, a huge value, -1 (where the key's range excludes it) and, for counts, a float."""
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds or []
    values = [math.nan, math.inf, -math.inf, 1.0e308, 10**30]
    lowest = schema.get("minimum", schema.get("exclusiveMinimum"))
    if lowest is not None and (lowest > -1 or (lowest == -1 and "exclusiveMinimum" in schema)):
        values.append(-1)
    if "integer" in kinds:
        values += [2.5, 20.0, 1.0e3]
    return values


def with_value(config: dict, path: tuple, value) -> tuple[dict, str]:
    """``config`` with ``value`` at ``path`` (a mapping's key ``*`` taken from the config, a list replaced by ``[value]``); and the key as messages name it."""
    config = copy.deepcopy(config)
    node, words = config, ""
    for k, key in enumerate(path):
        last = k == len(path) - 1
        following = path[k + 1] if not last else None
        if key == "*":
            key = next(iter(node)) if node else "x"
        if following == 0:
            node[key] = [value]
            return config, f"{words}.{key}[0]".lstrip(".")
        if last:
            node[key] = value
            return config, f"{words}.{key}".lstrip(".")
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node, words = node[key], f"{words}.{key}"
    raise AssertionError(path)


def test_the_sweep_covers_every_numeric_key():
    paths = {".".join(map(str, p)) for p, _ in NUMERIC_KEYS}
    assert len(NUMERIC_KEYS) >= 60
    assert {"seed", "replication.alpha", "study2.bootstrap.ci", "robustness.power.replicates", "synthetic.study2.team_weights.*",
            "robustness.power.sample_sizes.0", "study2.efa.n_factors"} <= paths


@pytest.mark.parametrize("path, schema", NUMERIC_KEYS, ids=[".".join(map(str, p)) for p, _ in NUMERIC_KEYS])
def test_every_numeric_key_refuses_nan_inf_huge_negative_and_fractional_counts(path, schema, config):
    """Each numeric setting is a finite number in its range; counts, seeds and iterations are whole numbers written as such."""
    for value in bad_values(schema):
        bad, key = with_value(config, path, value)
        with pytest.raises(InputError) as info:
            validate_config(bad, "config")
        assert info.value.location == f"key {key}", f"{key} = {value!r}: {info.value}"
        assert "expected a" in str(info.value) or "expected one of" in str(info.value)
        assert not BACKWARDS.search(info.value.expected), f"reads backwards (jsonschema's words): {info.value}"


def test_every_bounded_key_names_its_range_forwards(config):
    bad, _ = with_value(config, ("study1", "quotes", "per_theme"), -1)
    with pytest.raises(InputError, match=r"key study1.quotes.per_theme: found -1; expected a whole number from 0 to 1,000$"):
        validate_config(bad, "config")


# ----------------------------------------------------------------- the workflow refuses them at snakemake -n


def workflow_copy(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in ("Snakefile", "config.yaml"):
        shutil.copy(ROOT / name, dest / name)
    for name in ("workflow", "profiles"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copytree(ROOT / "data" / "instruments", dest / "data" / "instruments")
    return dest


def dry_run(work: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "snakemake", "-n", "--cores", "1", *args], cwd=work, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return workflow_copy(tmp_path_factory.mktemp("values") / "w")


@pytest.mark.e2e
@pytest.mark.parametrize("text, message", [
    ("replication:\n  alpha: .nan\n", "key replication.alpha: found nan (not a finite number); expected a number greater than 0 and less than 1"),
    ("robustness:\n  power:\n    replicates: 1.0e+3\n", "key robustness.power.replicates: found 1000.0 (a number with a decimal point or exponent)"),
    ("replication:\n  alpha: 0.05\n  alpha: 0.5\n", "my-study.yaml: lines 2 and 3: found the key 'alpha' twice in one mapping"),
], ids=["nan", "exponent-count", "duplicate-key"])
def test_snakemake_dry_run_stops_with_one_message(work, text, message):
    (work / "my-study.yaml").write_text(text, encoding="utf-8")
    done = dry_run(work, "--configfile", "my-study.yaml")
    assert done.returncode == 1
    assert "Bad configuration, nothing was run: " in done.stderr and message in done.stderr, done.stderr[-1500:]


@pytest.mark.e2e
def test_an_export_copied_over_the_synthetic_default_stops_the_run_and_is_kept(work, synthetic_dir):
    """A newcomer copies the team's export to data/synthetic/study2/responses.csv: the run stops, the file survives."""
    target = work / "data" / "synthetic" / "study2" / "responses.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    records = read_records(synthetic_dir / "responses.csv")
    cell(records, 3, "team", "Our team")
    write_records(target, records)
    before = sha256_of(target)
    done = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "1"], cwd=work, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert ("Bad input, nothing was run: data/synthetic/study2/responses.csv: file: found a file the synthetic-data step did not write "
            "(MANIFEST.json does not list these bytes)") in done.stderr, done.stderr[-1500:]
    assert "data/own/responses.csv" in done.stderr and "study2.responses" in done.stderr
    assert sha256_of(target) == before
    assert not (work / "results").exists()
    shutil.rmtree(target.parent)


def test_the_generator_may_replace_its_own_files_only(tmp_path):
    own, other = tmp_path / "responses.csv", tmp_path / "responses.sav"
    own.write_text("generated\n", encoding="utf-8")
    manifest = tmp_path / "MANIFEST.json"
    manifest.write_text(json.dumps({"files": {"responses.csv": sha256_of(own)}}), encoding="utf-8")
    check_generator_owns([own, other], manifest, "study2.responses")  # its own file, and one not there yet
    other.write_bytes(b"a team's data")
    with pytest.raises(InputError, match="responses.sav: file: found a file the synthetic-data step did not write"):
        check_generator_owns([own, other], manifest, "study2.responses")
    other.unlink()
    own.write_text("edited by hand\n", encoding="utf-8")
    with pytest.raises(InputError, match="responses.csv: file"):
        check_generator_owns([own], manifest, "study2.responses")
    manifest.unlink()
    with pytest.raises(InputError, match="responses.csv: file"):
        check_generator_owns([own], manifest, "study2.responses")


# ----------------------------------------------------------------- valid neighbours of each check, with their numbers


def clean(path: Path, spec: Path = SPEC, out: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    out = out or path.parent / "out"
    ingest_study2(path, spec, [], out / "coded.csv", out / "scored.csv", out / "audit.csv")
    return pd.read_csv(out / "coded.csv", dtype={"respondent_id": str}), pd.read_csv(out / "audit.csv", dtype=str, keep_default_na=False)


def test_a_decimal_comma_in_a_semicolon_file_is_the_number_it_says(synthetic_dir, tmp_path):
    records = read_records(synthetic_dir / "responses.csv")
    cell(records, 5, "years_qualified", "7,5")
    coded, audit = clean(write_records(tmp_path / "responses.csv", records, sep=";"), spec_with(tmp_path, lambda s: s.__setitem__(
        "covariates", ["team", "profession", {"column": "years_qualified", "type": "numeric"}])))
    assert coded.loc[coded.source_row == 5, "years_qualified"].tolist() == [7.5]
    assert pd.api.types.is_float_dtype(coded["years_qualified"])
    assert audit.loc[audit.rule == "decimal_comma", ["row", "column", "after"]].values.tolist() == [["5", "years_qualified", "7.5"]]


def test_a_covariate_declared_categorical_keeps_numbers_as_text(synthetic_dir, tmp_path):
    records = read_records(synthetic_dir / "responses.csv")
    cell(records, 9, "profession", "2")
    coded, _ = clean(write_records(tmp_path / "responses.csv", records),
                     spec_with(tmp_path, lambda s: s.__setitem__("covariates", ["team", {"column": "profession", "type": "categorical"}, "years_qualified"])))
    assert coded.loc[coded.source_row == 9, "profession"].astype(str).tolist() == ["2"]
    assert len(coded) == 59


def test_a_long_free_text_answer_in_an_unused_column_is_read(synthetic_dir, tmp_path):
    reference, _ = clean(synthetic_dir / "responses.csv", out=tmp_path / "ref")
    records = read_records(synthetic_dir / "responses.csv")
    cell(records, 4, "comments", "a long answer, " * 14_000)  # 210,000 characters: over the csv module's default field limit
    coded, audit = clean(write_records(tmp_path / "responses.csv", records))
    pd.testing.assert_frame_equal(coded, reference)
    assert "comments" in audit.loc[audit.rule == "column_not_in_spec", "column"].tolist()


def test_a_header_row_and_an_off_scale_first_respondent_are_told_apart(synthetic_dir, tmp_path):
    """The wording row is dropped; the first respondent, off the scale, stops the run at its own row (never dropped as a header)."""
    records = read_records(synthetic_dir / "responses.csv")
    cell(records, 3, "pos_motivation", "6")
    with pytest.raises(InputError, match=r"row 3, column pos_motivation: found '6' \(outside the scale\)"):
        clean(write_records(tmp_path / "responses.csv", records))
    cell(records, 3, "pos_motivation", "4")
    coded, audit = clean(write_records(tmp_path / "responses.csv", records))
    assert len(coded) == 59 and coded.loc[coded.source_row == 3, "pos_motivation"].tolist() == [4]
    assert audit.loc[audit.rule == "extra_header_row_dropped", "row"].tolist() == ["2"]


def test_a_file_wholly_in_windows_1252_keeps_one_team(synthetic_dir, tmp_path):
    """Windows-1252 throughout is one encoding, read as such: 'Équipe Sud' stays one team (only a file mixing two is refused)."""
    records = read_records(synthetic_dir / "responses.csv")
    for row in (3, 4):
        cell(records, row, "team", "Équipe Sud")
    coded, audit = clean(write_records(tmp_path / "responses.csv", records, encoding="cp1252"))
    assert coded.loc[coded.source_row.isin([3, 4]), "team"].tolist() == ["Équipe Sud", "Équipe Sud"]
    assert (coded["team"] == "Équipe Sud").sum() == 2
    assert "encoding_converted" in set(audit.rule)


def test_yaml_merge_keys_may_override_and_plain_keys_may_not(tmp_path):
    merged = tmp_path / "merged.yaml"
    merged.write_text("base: &b {a: 1, b: 2}\nover:\n  <<: *b\n  b: 3\n", encoding="utf-8")
    assert read_yaml(merged)["over"] == {"a": 1, "b": 3}
    twice = tmp_path / "twice.yaml"
    twice.write_text("over:\n  b: 2\n  b: 3\n", encoding="utf-8")
    with pytest.raises(InputError, match="twice.yaml: lines 2 and 3: found the key 'b' twice in one mapping"):
        read_yaml(twice)


def test_the_shipped_yaml_files_have_no_key_twice():
    files = [ROOT / "config.yaml", *sorted((ROOT / "examples").rglob("*.yaml")), *sorted((ROOT / "data" / "instruments").glob("*.yaml"))]
    for path in files:
        assert yaml.safe_load(path.read_text(encoding="utf-8")) == read_yaml(path), path
