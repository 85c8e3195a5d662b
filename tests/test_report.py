"""The report's presentation: APA numbers and tables, numbering, the joint display, checklists, the RO-Crate, the archive."""

from __future__ import annotations

import json
import tarfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from camhs_rom.replication.joint import convergence, endorsement, joint_table
from camhs_rom.report.archive import archive_members, write_archive
from camhs_rom.report.crate import crate_metadata
from camhs_rom.report.presentation import breakable, figure_html, renumber, table_html
from camhs_rom.report.vocabulary import apa_frame, format_by_row, format_value

from .conftest import ROOT
from .test_markup import HOSTILE, live_markup


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (0.0343, "p", ".034"), (0.0004, "p", "< .001"), (0.9996, "p", "> .999"), (0.9151, "bounded", ".92"), (-0.049, "bounded", "\u2212.05"),
        (0.03756, "bounded3", ".038"), (153.0, "int", "153"), (39.733, "int", "39.73"), (58.3333, "pct", "58.3"), (3.4482, "stat", "3.45"),
        (-0.0001, "stat", "0.00"), (56.0, "auto", "56"), (0.98731, "auto", "0.987"), ("True", "auto", "yes"), (False, "text", "no"),
        (np.nan, "stat", ""), (np.inf, "stat", "n/a"), ("welch_t", "text", "welch_t"),
    ],
)
def test_values_are_rounded_by_kind(value, kind, shown):
    """APA 7 (6.36): p to three decimals without a leading zero; no leading zero where a value cannot exceed 1."""
    assert format_value(value, kind) == shown


def test_headings_are_words_and_intervals_one_column():
    frame = pd.DataFrame({"subscale": ["positive_impact"], "n_items": [9.0], "alpha": [0.9152], "alpha_ci_low": [0.8781], "alpha_ci_high": [0.9444],
                          "omega_total": [0.9185], "omega_ci_low": [0.876], "omega_ci_high": [0.9457], "measure": ["cohen_kappa"]})
    shown = apa_frame(frame, names={"positive_impact": "Positive impact"})
    assert list(shown.columns) == ["Subscale", "Items", "\u03b1", "\u03b1 95% CI", "\u03c9 total", "\u03c9 95% CI", "Measure"]
    assert shown.iloc[0].tolist() == ["Positive impact", "9", ".92", "[.88, .94]", ".92", "[.88, .95]", "Cohen's \u03ba"]


def test_rows_of_different_statistics_are_rounded_each_by_its_own_kind():
    frame = pd.DataFrame({"measure": ["kmo", "bartlett_chi2", "bartlett_df", "bartlett_p"], "value": [0.83207, 530.088, 153.0, 4.6e-43]})
    shown = format_by_row(frame, "measure", {"kmo": "bounded", "bartlett_df": "int", "bartlett_p": "p"}, ["value"])
    assert shown["value"].tolist() == [".83", "530.09", "153", "< .001"]


def test_tables_escape_every_cell_heading_title_and_note():
    frame = pd.DataFrame({HOSTILE[2]: HOSTILE[:3], "n": ["1", "2", "3"]})
    page = table_html(frame, HOSTILE[0], note=HOSTILE[1], key="hostile", number=4)
    assert live_markup(page, allowed={"wbr"}) == []
    assert '<b data-number="table">Table 4</b>' in page and 'id="table-hostile"' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_cell_can_link_to_where_the_page_shows_it():
    frame = pd.DataFrame({"Item": ["a", "b"], "Answer": ["see results/clean/audit_log.csv", "for the authors to fill"]})
    page = table_html(frame, "Checklist", links={"Answer": ["#table-x\"><script>", ""]}, number=1)
    assert page.count("(shown here)") == 1 and live_markup(page, allowed={"wbr", "a"}) == []
    assert 'href="#table-x&quot;&gt;&lt;script&gt;"' in page


def test_long_ids_break_between_parts_and_never_inside_an_entity():
    assert breakable("focus_group_1#007") == "focus_<wbr>group_<wbr>1#<wbr>007"
    assert breakable("it's a long_name.csv") == "it&#x27;s a long_<wbr>name.<wbr>csv"
    assert breakable("short_id") == "short_id"


def test_figures_carry_their_number_title_alt_text_and_note(tmp_path):
    png = tmp_path / "f.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    page = figure_html(png, "Title <i>", alt=HOSTILE[0], note="Note", key="k", number=2)
    assert live_markup(page, allowed={"img", "figure", "figcaption"}) == []
    assert 'alt="&lt;script&gt;alert(1)&lt;/script&gt;"' in page and "No description has been provided" not in page
    assert '<b data-number="figure">Figure 2</b>' in page and "data:image/png;base64," in page


def test_the_assembled_page_numbers_tables_and_figures_in_order():
    page = "".join(f'<b data-number="{k}">{w} 1</b>' for k, w in [("table", "Table"), ("figure", "Figure"), ("table", "Table"), ("table", "Table")])
    assert renumber(page) == ('<b data-number="table">Table 1</b><b data-number="figure">Figure 1</b>'
                              '<b data-number="table">Table 2</b><b data-number="table">Table 3</b>')


# --- joint display ---------------------------------------------------------------------------

DISTRIBUTION = pd.DataFrame({
    "item": ["a"] * 5 + ["b"] * 5,
    "code": [1, 2, 3, 4, 5] * 2,
    "n": [1, 1, 2, 3, 3, 4, 3, 1, 1, 1],
})


def test_endorsement_counts_the_themes_direction_and_not_the_midpoint():
    """Item a (as worded): 6 of 10 above the midpoint; item b (reverse-keyed): 7 of 10 below it."""
    shares = endorsement(DISTRIBUTION, {"a": False, "b": True}, 1, 5)
    assert shares["a"] == pytest.approx(60.0) and shares["b"] == pytest.approx(70.0)


@pytest.mark.parametrize(
    ("voiced", "endorsed", "items", "label"),
    [(75, 60, 2, "convergent (majority in both)"), (25, 30, 2, "convergent (minority in both)"), (75, 30, 3, "divergent (focus groups higher)"),
     (25, 60, 1, "divergent (questionnaire higher)"), (75, float("nan"), 0, "no items"), (50, 50, 1, "convergent (majority in both)")],
)
def test_convergence_labels(voiced, endorsed, items, label):
    assert convergence(voiced, endorsed, items, 0.5) == label


def test_joint_table_has_a_row_per_item_and_one_for_a_theme_without_items():
    tallies = pd.DataFrame({"theme": ["t1", "t2"], "label": ["Theme 1", "Theme 2"], "valence": ["benefit", "concern"],
                            "n_participants": [9, 2], "pct_participants": [75.0, 16.7], "n_groups": [3, 1]})
    items = pd.DataFrame({"item": ["a", "b"], "theme": ["t1", "t1"], "subscale": ["pos", "pos"], "reverse": [False, True]})
    flags = pd.DataFrame({"item": ["a", "b"], "own_loading": [0.7, 0.5], "misplaced": [False, True]})
    table = joint_table(tallies, items, DISTRIBUTION, flags, (1, 5), 0.5)
    assert table["item"].tolist() == ["a", "b", ""]
    assert table.loc[0, "theme_endorse_pct"] == pytest.approx(65.0) and table.loc[0, "convergence"] == "convergent (majority in both)"
    assert table["loads_on_subscale"].tolist() == [True, False, ""] and table.loc[2, "convergence"] == "no items"


# --- the RO-Crate and the archive --------------------------------------------------------------

def make_run(tmp_path: Path) -> Path:
    """A run folder with two inputs (one outside it), two outputs and the provenance record of its config."""
    import yaml

    from camhs_rom.core.schemas import with_defaults

    work = tmp_path / "run"
    (work / "results" / "study2").mkdir(parents=True)
    (work / "data").mkdir()
    outside = tmp_path / "elsewhere" / "codebook.yaml"
    outside.parent.mkdir()
    outside.write_text("themes: []\n", encoding="utf-8")
    config = {"seed": 1, "study1": {"codebook": str(outside), "segments": "x.csv"}, "study2": {"responses": "data/responses.csv"}}
    (work / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (work / "mine.yaml").write_text("seed: 2\n", encoding="utf-8")
    (work / "Snakefile").write_text("# workflow\n", encoding="utf-8")
    (work / "data" / "responses.csv").write_text("id,x\n1,2\n", encoding="utf-8")
    (work / "data" / "MANIFEST.json").write_text('{"synthetic": true, "files": {}}', encoding="utf-8")
    (work / "results" / "study2" / "table.csv").write_text("a\n1\n", encoding="utf-8")
    (work / "results" / "report.html").write_text("<html></html>\n", encoding="utf-8")
    record = {"data_label": "User-supplied data", "config": json.loads(json.dumps(with_defaults({**config, "seed": 2}, "config"))),
              "inputs": [{"path": "data/responses.csv", "role": "study2_responses", "source": "user-supplied", "synthetic": False, "sha256": ""},
                         {"path": str(outside), "role": "study1_codebook", "source": "user-supplied", "synthetic": False, "sha256": ""}]}
    (work / "results" / "clean").mkdir()
    (work / "results" / "clean" / "provenance.json").write_text(json.dumps(record), encoding="utf-8")
    return work


def test_the_crate_lists_every_output_with_its_checksum_and_reads_back(tmp_path):
    from rocrate.rocrate import ROCrate

    work = make_run(tmp_path)
    record = json.loads((work / "results" / "clean" / "provenance.json").read_text(encoding="utf-8"))
    outputs = [str(work / "results" / "study2" / "table.csv"), str(work / "results" / "report.html")]
    metadata = crate_metadata(work / "results", outputs, record, {"snakemake": "9.0", "pandas": "2.2"}, "2026-01-02")
    (work / "results" / "ro-crate-metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. a data entity the root does not list
        crate = ROCrate(str(work / "results"))
    assert crate.root_dataset["datePublished"] == "2026-01-02"
    assert "https://w3id.org/ro/wfrun/workflow/0.5" in [p["@id"] for p in metadata["@graph"][1]["conformsTo"]]
    run = crate.get_by_type("CreateAction")[0]
    assert run["instrument"].id == crate.mainEntity.id and "ComputationalWorkflow" in crate.mainEntity.type
    assert sorted(e.id for e in run["result"]) == ["report.html", "study2/table.csv"]
    assert {e["name"] for e in run["object"]} >= {"data/responses.csv", str(tmp_path / "elsewhere" / "codebook.yaml")}
    import hashlib

    for entity in run["result"]:
        assert entity["sha256"] == hashlib.sha256((work / "results" / entity.id).read_bytes()).hexdigest()


def test_the_archive_holds_code_inputs_and_a_config_pointing_at_them(tmp_path):
    import yaml

    work = make_run(tmp_path)
    with pytest.raises(SystemExit, match="differ in: seed"):  # the run was made with mine.yaml
        archive_members(work)
    members = archive_members(work, ["mine.yaml"])
    assert {"Snakefile", "config.yaml", "data/responses.csv", "inputs/study1_codebook/codebook.yaml", "run-config.yaml", "RERUN.md",
            "archived/provenance.json"} <= set(members)
    assert "data/MANIFEST.json" in members  # the label of a synthetic input travels with it
    config = yaml.safe_load(members["run-config.yaml"])
    assert config["study1"]["codebook"] == "inputs/study1_codebook/codebook.yaml" and config["study2"]["responses"] == "data/responses.csv"
    assert config["seed"] == 2
    first, second = write_archive(work, tmp_path / "a.tar.gz", ["mine.yaml"]), write_archive(work, tmp_path / "b.tar.gz", ["mine.yaml"])
    assert first.read_bytes() == second.read_bytes()  # deterministic
    with tarfile.open(first) as tar:
        assert all(m.mtime == 0 and m.uid == 0 for m in tar.getmembers())  # no git checkout here: no commit time


def test_citation_file_names_the_package_version():
    from camhs_rom import __version__

    assert f"version: {__version__}\n" in (ROOT / "CITATION.cff").read_text(encoding="utf-8")


def test_methods_describe_a_teams_study1_material_and_say_why_there_is_no_agreement(config):
    """Two coders who coded different transcripts: the methods name the material and say, in words, that nothing was compared."""
    from camhs_rom.core.schemas import with_defaults
    from camhs_rom.report.html import methods_html
    from camhs_rom.report.study1_summary import Study1Summary

    summary = Study1Summary(
        n_transcripts=2, n_participants=5, n_groups=2, coders=("ann", "<b>bo</b>"), source_format="REFI-QDA project",
        placement={"placed_by_case": 0, "placed_by_speaker_tag": 9, "placed_by_source": 0, "placed_by_mapping": 1}, spanning=1,
        positions={"UTF-16 code units": 2}, texts_from={"the archive": 2}, compared=(),
        left_out=(("t1", "not coded by <b>bo</b>"), ("t2", "not coded by ann")),
    )
    studies = {"study1": {"included": True}, "study2": {"included": False, "reason": "its config section is null"}}
    page = methods_html(with_defaults(config, "config"), None, studies, study1=summary)
    assert "2 transcripts from a REFI-QDA project, with coded talk from 5 participants in 2 groups, coded by 2 coders" in page
    assert "9 by the speaker tag before it" in page and "1 by the team&#x27;s participant map" in page
    assert "1 selection ran over several speakers&#x27; turns" in page
    assert "coded no transcript in common" in page and "Cohen" not in page
    assert "<b>bo</b>" not in page and "&lt;b&gt;bo&lt;/b&gt;" in page
