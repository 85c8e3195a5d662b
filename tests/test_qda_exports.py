"""Real QDA programs' exports through the README's own-data way, as exported.

Each project of ``tests/fixtures/qdpx`` (NVivo for Windows 12.6, NVivo for Mac 12.7, qc
1.3.2; see its README for origins and licences) is run with only what a team writes: a
codebook drafted by ``camhs-rom-draft-codebook`` and used unchanged, and one YAML file.
The expected numbers are counted here, independently of the pipeline's reader, straight
from ``project.qde`` and the texts in the archive: each program's own way of counting
characters (NVivo: UTF-16 code units, a CRLF as two; qc: code points), the participant
as the last speaker line before the selection, and each code rolled up to its top-level
code (the drafted codebook's themes).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from camhs_rom.core.tables import read_table

from .conftest import ROOT
from .test_pipeline_e2e import assert_no_live_markup, snakemake, workflow_copy

pytestmark = pytest.mark.e2e
FIXTURES = ROOT / "tests" / "fixtures" / "qdpx"
NS = "{urn:QDA-XML:project:1.0}"
AUTHOR_LINE = r"^(?P<speaker>@[\w.\-]+)\r?$"  # a YouTube comment's author stands on its own line

PROJECTS = {
    # name: (file, how the program counts characters, speaker line pattern for the independent count, extra YAML)
    "nvivo-windows": ("nvivo-windows/oltas.qdpx", "utf16", AUTHOR_LINE, f"  speaker_pattern: '{AUTHOR_LINE}'\n"),
    "nvivo-mac": ("nvivo-mac/OltasSzkepticizmus_17June.qdpx", "utf16", AUTHOR_LINE, f"  speaker_pattern: '{AUTHOR_LINE}'\n"),
    # the transcript aligns each turn's text after its speaker's name and colon (``Mr. Dabor:          Thank you``)
    "qc": ("qc/demo.qdpx", "codepoints", r"^(?P<speaker>[A-Z][^:\n]{0,30}):[ \t]{2,}", ""),
}


def draft_codebook_command() -> list[str]:
    script = Path(sys.executable).parent / "camhs-rom-draft-codebook"
    return [str(script)] if script.exists() else [sys.executable, "-m", "camhs_rom.ingest.draft_codebook"]


def independent_selections(project: Path, counting: str, speaker: str) -> pd.DataFrame:
    """Every coding of the project: source, selection, the exact coded text, its speaker and top-level code."""
    with zipfile.ZipFile(project) as archive:
        root = ET.fromstring(archive.read("project.qde"))
        members = {n.lower(): n for n in archive.namelist()}
        top = {}

        def walk(elem, top_name):
            for code in elem.findall(f"{NS}Code"):
                name = top_name or code.get("name")
                top[code.get("guid").strip("{}").lower()] = name
                walk(code, name)

        walk(root.find(f"{NS}CodeBook/{NS}Codes"), None)
        rows = []
        for source in root.iter(f"{NS}TextSource"):
            sels = source.findall(f"{NS}PlainTextSelection")
            if not sels:
                continue
            ref = source.get("plainTextPath").removeprefix("internal://")
            text = archive.read(members[f"sources/{ref}".lower()]).decode("utf-8-sig")
            tags = [(m.start(), m.group("speaker")) for m in re.finditer(speaker, text, re.MULTILINE)]
            for sel in sels:
                start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
                if counting == "utf16":  # positions in UTF-16 code units: decode the prefix to count code points
                    units = text.encode("utf-16-le")
                    start, end = len(units[: 2 * start].decode("utf-16-le")), len(units[: 2 * end].decode("utf-16-le"))
                who = [name for at, name in tags if at <= start][-1]
                for coding in sel.findall(f"{NS}Coding"):
                    guid = coding.find(f"{NS}CodeRef").get("targetGUID").strip("{}").lower()
                    rows.append({"transcript_id": source.get("name") or ref, "segment_id": sel.get("name") or sel.get("guid"),
                                 "participant": who, "text": text[start:end], "theme_label": top[guid],
                                 "coder": coding.get("creatingUser") or sel.get("creatingUser")})
    return pd.DataFrame(rows)


def run_project(tmp_path_factory, name: str) -> tuple[Path, pd.DataFrame]:
    file, counting, speaker, extra = PROJECTS[name]
    work = workflow_copy(tmp_path_factory.mktemp(name) / "w")
    (work / "mine").mkdir()
    shutil.copy(FIXTURES / file, work / "mine" / "project.qdpx")
    drafted = subprocess.run([*draft_codebook_command(), "mine/project.qdpx", "--out", "mine/codebook.yaml"], cwd=work, capture_output=True, text=True)
    assert drafted.returncode == 0, drafted.stderr
    (work / "mine.yaml").write_text(
        "study1:\n  segments: mine/project.qdpx\n  codebook: mine/codebook.yaml\n" + extra + "study2: null\n", encoding="utf-8")
    checked = snakemake(work, "-n", "--configfile", "mine.yaml")
    assert checked.returncode == 0, checked.stderr[-3000:]
    done = snakemake(work, "--configfile", "mine.yaml")
    assert done.returncode == 0, done.stderr[-3000:]
    return work, independent_selections(FIXTURES / file, counting, speaker)


# NVivo for Windows runs in every `pytest`; the other programs' projects in `pytest -m pipeline` (CI runs both)
@pytest.fixture(scope="module", params=[pytest.param(name, marks=() if name == "nvivo-windows" else pytest.mark.pipeline) for name in PROJECTS])
def project_run(request, tmp_path_factory):
    return request.param, *run_project(tmp_path_factory, request.param)


def test_the_project_runs_as_exported_and_is_never_changed(project_run):
    name, work, _ = project_run
    assert (work / "mine" / "project.qdpx").read_bytes() == (FIXTURES / PROJECTS[name][0]).read_bytes()
    assert (work / "results" / "report.html").exists()
    assert (work / "results" / "replication" / "scorecard.csv").exists()


def test_theme_tallies_equal_an_independent_count(project_run):
    _, work, expected = project_run
    assert expected["coder"].nunique() == 1  # one coder: every coding counts under the primary rule
    tallies = read_table(work / "results" / "study1" / "theme_tallies.csv", keep_default_na=False).set_index("label")
    counted = expected.groupby("theme_label")["participant"].nunique()
    got = tallies["n_participants"]
    assert got[got > 0].sort_index().to_dict() == counted.sort_index().to_dict()
    assert (got.drop(counted.index) == 0).all()  # every other top-level code: drafted as a theme, voiced by nobody
    participants = pd.read_csv(work / "results" / "study1" / "theme_by_participant.csv", dtype=str, keep_default_na=False)
    assert len(participants) == expected["participant"].nunique()


def test_every_coded_text_is_the_source_text_at_the_coded_positions(project_run):
    _, work, expected = project_run
    clean = read_table(work / "results" / "clean" / "study1" / "coded_segments.csv", keep_default_na=False, dtype=str)
    by_selection = expected.drop_duplicates(["transcript_id", "segment_id"]).set_index(["transcript_id", "segment_id"])["text"]
    got = clean.drop_duplicates(["transcript_id", "segment_id"]).set_index(["transcript_id", "segment_id"])["text"]
    assert len(got) == len(by_selection)
    mismatched = [k for k in by_selection.index if got[k] != by_selection[k]]
    assert mismatched == []


def test_every_quote_is_coded_text(project_run):
    _, work, expected = project_run
    quotes = read_table(work / "results" / "study1" / "quotes.csv", keep_default_na=False, dtype=str)
    assert len(quotes)
    folded = [" ".join(t.split()) for t in expected["text"]]
    for excerpt in quotes["excerpt"]:
        shown = excerpt.removesuffix("…")
        assert any(f.startswith(shown) for f in folded), excerpt


def test_the_report_describes_this_run_and_shows_names_as_written(project_run):
    name, work, expected = project_run
    page = re.sub(r"<wbr/?>", "", (work / "results" / "report.html").read_text(encoding="utf-8"))
    n = expected["participant"].nunique()
    assert f"with coded talk from {n} participants" in page
    assert "One coder coded the material: there is no second judgement, so no agreement statistic is computed." in page
    assert "Agreement Between Coders per Theme" not in page  # no empty table, no statistic
    assert "clinicians" not in page.split('id="study1"', 1)[1].split("</section>", 1)[0]
    if name.startswith("nvivo"):
        assert "Character positions were read as UTF-16 code units" in page
        assert "'@" not in page and "&#x27;@" not in page  # a CSV's formula guard is not shown
        quoted = read_table(work / "results" / "study1" / "quotes.csv", keep_default_na=False)["participant_id"]
        assert quoted.str.startswith("@").all() and all(p in page for p in quoted)
    coreq = read_table(work / "results" / "report" / "checklists" / "coreq.csv", keep_default_na=False).set_index("number")
    assert "no agreement statistic" in coreq.loc[24, "answer"]
    assert_no_live_markup(work)


def test_texts_missing_from_the_archive_stop_at_the_dry_run_naming_the_key(tmp_path):
    """ATLAS.ti 8.4's export with an empty Sources/ folder: `snakemake -n` says which texts and which key, and runs nothing."""
    work = workflow_copy(tmp_path / "w")
    (work / "mine").mkdir()
    shutil.copy(FIXTURES / "atlasti" / "TestProject.qdpx", work / "mine" / "project.qdpx")
    drafted = subprocess.run([*draft_codebook_command(), "mine/project.qdpx", "--out", "mine/codebook.yaml"], cwd=work, capture_output=True, text=True)
    assert drafted.returncode == 0, drafted.stderr
    (work / "mine.yaml").write_text("study1:\n  segments: mine/project.qdpx\n  codebook: mine/codebook.yaml\nstudy2: null\n", encoding="utf-8")
    checked = snakemake(work, "-n", "--configfile", "mine.yaml")
    assert checked.returncode != 0
    assert "Bad input, nothing was run" in checked.stderr and "study1.sources_dir" in checked.stderr
    assert "coded selection(s) depend on it" in checked.stderr
    assert not (work / "results").exists()


def test_a_validated_project_is_not_read_again_until_it_changes(project_run):
    """Parsing the workflow reads the project only while its clean table is older than it (no-op re-runs, cluster jobs)."""
    name, work, _ = project_run
    if name != "nvivo-windows":  # the project with a theme nobody coded, which the check notes
        pytest.skip("one project shows it")
    assert "Note: theme" not in snakemake(work, "-n", "--configfile", "mine.yaml").stderr
    (work / "mine" / "project.qdpx").touch()
    assert "Note: theme" in snakemake(work, "-n", "--configfile", "mine.yaml").stderr
