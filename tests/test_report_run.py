"""Which run a report belongs to, and the details of its printed tables (camhs_rom.report.run_record, revision, presentation)."""

from __future__ import annotations

import json
import os

import jsonschema
import pandas as pd
import pytest
import yaml

from camhs_rom.report.html import css_string, running_header
from camhs_rom.report.presentation import align_decimals, table_html
from camhs_rom.report.revision import NO_CHECKOUT, RECORD, commit_label, run_date
from camhs_rom.report.run_record import clear_failed, inputs_digest, mark_failed, produced, run_record

from .conftest import ROOT

RECORD_INPUTS = {"inputs": [{"role": "study2_responses", "sha256": "a" * 64}, {"role": "study2_questionnaire", "sha256": "b" * 64}]}


def test_the_run_record_lists_outputs_under_results_and_fingerprints_config_and_inputs(tmp_path):
    record = run_record(["results/b.csv", "results/a/x.png", "results/b.csv"], "results", RECORD_INPUTS, {"seed": 1})
    assert record["outputs"] == ["a/x.png", "b.csv"]
    assert record["config_digest"] != run_record([], "results", RECORD_INPUTS, {"seed": 2})["config_digest"]
    changed = {"inputs": [{"role": "study2_responses", "sha256": "c" * 64}, RECORD_INPUTS["inputs"][1]]}
    assert inputs_digest(changed) != inputs_digest(RECORD_INPUTS)
    assert inputs_digest({"inputs": RECORD_INPUTS["inputs"][::-1]}) == inputs_digest(RECORD_INPUTS)  # order of listing aside
    with pytest.raises(ValueError, match="outside"):
        run_record(["elsewhere/a.csv"], "results", RECORD_INPUTS, {})
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "run.json").write_text(json.dumps(record), encoding="utf-8")
    (tmp_path / "joint_display.csv").write_text("left by another run\n", encoding="utf-8")
    assert produced(tmp_path, "b.csv") and not produced(tmp_path, "joint_display.csv")


def test_a_failed_run_marks_the_report_and_the_next_run_restores_its_bytes_and_time(tmp_path):
    report = tmp_path / "report.html"
    assert not mark_failed(report, {"seed": 1})  # no report yet: nothing to mark
    original = '<!DOCTYPE html><html><head></head><body><h1>Report</h1></body></html>\n'
    report.write_text(original, encoding="utf-8")
    os.utime(report, (1_000_000, 1_000_000))
    assert mark_failed(report, {"seed": 1}, "<log>.log") and mark_failed(report, {"seed": 2})  # a second failure replaces the notice
    page = report.read_text(encoding="utf-8")
    assert page.count("The latest run failed") == 1 and page.index("The latest run failed") < page.index("<h1>")
    assert report.stat().st_mtime == 1_000_000  # Snakemake must not take the marked report for a new one
    assert clear_failed(report) and report.read_text(encoding="utf-8") == original and report.stat().st_mtime == 1_000_000
    assert not clear_failed(report)


def test_the_revision_comes_from_git_or_the_archive_record_and_the_date_from_it(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert commit_label(tmp_path) == NO_CHECKOUT
    (tmp_path / "Snakefile").write_text("", encoding="utf-8")
    os.utime(tmp_path / "Snakefile", (86_400 * 3, 86_400 * 3))
    assert run_date(tmp_path, [tmp_path / "Snakefile"]) == "1970-01-04"  # neither: the newest file
    (tmp_path / RECORD).parent.mkdir()
    (tmp_path / RECORD).write_text(json.dumps({"commit": "abc123", "time": 1_700_000_000}), encoding="utf-8")
    assert commit_label(tmp_path) == "abc123" and run_date(tmp_path, [tmp_path / "Snakefile"]) == "2023-11-14"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert run_date(tmp_path) == "1970-01-01"


def test_numbers_align_on_their_decimal_point_and_headings_sit_over_them():
    assert align_decimals(["59", "3.45", "12.5", "—"]) == ["59\u2008\u2007\u2007", "3.45", "12.5\u2007", "—"]
    assert align_decimals([".034", "< .001", "> .999"]) == [".034", "< .001", "> .999"]  # one format: unchanged
    assert align_decimals(["[.84, .94]", "[.8, .9]"]) == ["[.84, .94]", "[.8, .9]\u2007"]
    frame = pd.DataFrame({"Subscale": ["a", "b"], "n": ["59", ""], "α": [".91", ".87"], "Note": ["", ""]})
    html = table_html(frame, "T", number=1)
    assert '<th scope="col" class=num><i>n</i></th>' in html or '<th scope="col" class=num>n</th>' in html
    assert '<th scope="col">Subscale</th>' in html and "Note" not in html  # an empty column is left out


def test_the_running_header_is_a_css_string_nothing_can_break_out_of():
    text = css_string('SYNTHETIC "x" </style><script>\\')
    assert "</style>" not in text and '"x"' not in text and text.startswith('"') and text.endswith('"')
    assert "@top-left" in running_header("User-supplied data", True) and "#1b5e20" in running_header("User-supplied data", True)


def test_citation_cff_validates_against_the_cff_1_2_0_schema_and_cites_the_software():
    """The schema cffconvert validates with (citation-file-format/citation-file-format, schema.json; see the fixture's README)."""
    schema = json.loads((ROOT / "tests" / "fixtures" / "cff" / "schema-1.2.0.json").read_text(encoding="utf-8"))
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    assert list(validator.iter_errors(citation)) == []
    assert citation["type"] == "software" and "preferred-citation" not in citation and citation["date-released"]
    assert citation["references"][0]["doi"] == "10.1017/S1754470X15000653"
    broken = {**citation, "date-released": "3 December"}
    assert list(validator.iter_errors(broken))  # the check can fail


def test_references_list_only_the_works_cited_and_citations_must_be_in_the_list():
    from camhs_rom.report.references import REFERENCES, cite, reference_markdown

    keys = [key for key, _ in REFERENCES]
    assert keys == sorted(keys, key=str.casefold)  # alphabetical, as APA lists them
    assert cite("Landis & Koch, 1977", "Cohen, 1960") == "(Landis & Koch, 1977; Cohen, 1960)"
    with pytest.raises(KeyError):
        cite("Nobody, 2099")
    shown = reference_markdown("as James et al. (2015) found (Landis &amp; Koch, 1977)")
    assert [t.split(",")[0] for t in shown] == ["James", "Landis"]
    assert len(reference_markdown()) == len(REFERENCES)
