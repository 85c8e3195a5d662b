"""Reading a REFI-QDA project as tools write it: sources, participants, codes, and the checks made before a run."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import pytest
import yaml

from camhs_rom.core.errors import InputError
from camhs_rom.ingest.draft_codebook import code_ids, draft_codebook, slug
from camhs_rom.ingest.draft_codebook import main as draft_main
from camhs_rom.ingest.placement import PlacementSettings, turns_in
from camhs_rom.ingest.qdpx import read_qdpx
from camhs_rom.ingest.segments import SegmentOptions, clean_segments
from camhs_rom.ingest.steps import check_study1
from camhs_rom.instruments.codebook import codebook_from_dict, load_codebook

from .conftest import ROOT
from .test_qdpx import C1, C2, S1, U1, project, selection, write_project

FIXTURES = ROOT / "tests" / "fixtures" / "qdpx"
ATLAS = FIXTURES / "atlasti" / "TestProject.qdpx"
INTERVIEW = "Interviewer: How do you use the measures?\nAnn: We look at the graph\ntogether every week,\nand it helps.\nInterviewer: And the managers?\nAnn: They judge us.\n"


def source(text: str, selections: str, name: str = "interview_1", guid: str = S1) -> str:
    return f'<TextSource guid="{guid}" name="{name}"><PlainTextContent>{text}</PlainTextContent>{selections}</TextSource>'


def span(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return start, start + len(words)


def sel(text, words, k=0, user=U1, code=C2):
    return selection(*span(text, words), code=code, user=user, guid=f"66666666-6666-4666-8666-{k:012d}", name=f"s{k}")


# ----------------------------------------------------------------- participants


def test_a_wrapped_turn_belongs_to_the_last_tag_before_it(tmp_path):
    read = read_qdpx(write_project(tmp_path, project(source(INTERVIEW, sel(INTERVIEW, "and it helps.")))))
    assert read.segments[["participant_id", "text", "placed_by"]].values.tolist() == [["Ann", "and it helps.", "speaker_tag"]]


def test_a_selection_over_two_turns_counts_for_each_with_its_own_words(tmp_path):
    words = "And the managers?\nAnn: They judge us."
    read = read_qdpx(write_project(tmp_path, project(source(INTERVIEW, sel(INTERVIEW, words)))))
    assert read.segments[["participant_id", "text"]].values.tolist() == [["Interviewer", "And the managers?\n"], ["Ann", "Ann: They judge us."]]
    assert len(read.spanning) == 1 and "Interviewer, Ann" in read.spanning[0]


def test_turns_in_merges_one_speakers_parts():
    turns = [(0, "A"), (10, "B"), (20, "A")]
    assert turns_in(turns, 5, 25) == [("A", 5, 10), ("B", 10, 20), ("A", 20, 25)]
    assert turns_in(turns, 12, 18) == [("B", 12, 18)]
    assert turns_in([(10, "B")], 2, 12) == [(None, 2, 10), ("B", 10, 12)]


def test_per_source_makes_each_source_one_participant(tmp_path):
    text = "We look at the graph together every week.\n"
    files = project(source(text, sel(text, "the graph"), name="Zoë interview"))
    read = read_qdpx(write_project(tmp_path, files), placement=PlacementSettings(mode="per_source"))
    assert read.segments[["participant_id", "group_id", "placed_by"]].values.tolist() == [["Zoë interview", "Zoë interview", "source"]]


def test_a_selection_nothing_places_names_the_keys_that_would(tmp_path):
    text = "We look at the graph together every week.\n"
    with pytest.raises(InputError) as info:
        read_qdpx(write_project(tmp_path, project(source(text, sel(text, "the graph")))))
    assert "no speaker tag at or before it" in info.value.found
    assert "study1.participants: per_source" in info.value.expected and "study1.participant_map" in info.value.expected


def test_the_participant_map_places_what_nothing_else_does(tmp_path):
    text = "We look at the graph together every week.\n"
    files = project(source(text, sel(text, "the graph", k=1) + sel(text, "every week", k=2, code=C1)))
    mapping = tmp_path / "map.csv"
    mapping.write_text("transcript_id,participant_id,group_id,segment_id\ninterview_1,P07,site A,\ninterview_1,P08,site B,s2\n", encoding="utf-8")
    read = read_qdpx(write_project(tmp_path, files), placement=PlacementSettings(mapping=str(mapping)))
    assert read.segments[["segment_id", "participant_id", "group_id", "placed_by"]].values.tolist() == [
        ["s1", "P07", "site A", "mapping"], ["s2", "P08", "site B", "mapping"]]


def test_a_custom_speaker_pattern(tmp_path):
    text = "[Q] What helps?\n[R07] The graph helps.\n"
    read = read_qdpx(write_project(tmp_path, project(source(text, sel(text, "The graph helps.")))),
                     placement=PlacementSettings(speaker_pattern=r"^\[(?P<speaker>[QR]\d*)\]"))
    assert read.segments["participant_id"].tolist() == ["R07"]


def test_a_bad_speaker_pattern_is_named():
    with pytest.raises(InputError, match="study1.speaker_pattern"):
        read_qdpx(FIXTURES / "qc" / "demo.qdpx", placement=PlacementSettings(speaker_pattern="(unclosed"))


def test_the_same_tag_in_two_interviews_is_two_people(tmp_path, codebook):
    one, two = "Speaker 1: The graph helps.\n", "Speaker 1: Managers judge us.\n"
    files = project(source(one, sel(one, "The graph helps.", k=1), name="int_1") + source(two, sel(two, "Managers judge us.", k=2), name="int_2",
                                                                                          guid="44444444-4444-4444-8444-444444444445"))
    clean = clean_segments(write_project(tmp_path, files), codebook)
    assert sorted(clean.segments["participant_id"]) == ["Speaker 1 (int_1)", "Speaker 1 (int_2)"]
    assert "speaker_named_per_transcript" in set(clean.audit["rule"])


def test_a_user_the_project_does_not_list_is_a_coder_all_the_same(tmp_path):
    read = read_qdpx(write_project(tmp_path, project(source(INTERVIEW, sel(INTERVIEW, "They judge us.", user="bbbbbbbb-0000-4000-8000-000000000000")))))
    assert read.segments["coder"].tolist() == ["user bbbbbbbb"]
    assert any("not in the project's Users" in note for note in read.notes)


# ----------------------------------------------------------------- sources


def test_a_plain_relative_path_under_sources(tmp_path):
    text = "P01: The graph helps.\n"
    src = f'<TextSource guid="{S1}" name="board" plainTextPath="board 2017.txt">{sel(text, "The graph helps.")}</TextSource>'
    read = read_qdpx(write_project(tmp_path, project(src, extra_files={"sources/Board 2017.txt": text})))
    assert read.segments["text"].tolist() == ["The graph helps."]


def test_a_source_nobody_coded_needs_no_text(tmp_path):
    text = "P01: The graph helps.\n"
    files = project(source(text, sel(text, "The graph helps.")) + '<TextSource guid="44444444-4444-4444-8444-444444444446" name="gone" plainTextPath="internal://gone.txt"/>')
    assert read_qdpx(write_project(tmp_path, files)).segments["transcript_id"].tolist() == ["interview_1"]


def test_atlas_ti_texts_missing_from_the_archive_are_named_with_the_key():
    """ATLAS.ti 8.4 as exported: internal:// paths, an empty Sources/ folder."""
    with pytest.raises(InputError) as info:
        read_qdpx(ATLAS)
    assert "study1.sources_dir is not set" in info.value.found and "coded selection(s) depend on it" in info.value.found
    assert "study1.sources_dir" in info.value.expected and "plainTextPath" in info.value.location


def test_atlas_ti_texts_are_found_in_sources_dir_by_name_with_accents_as_the_file_system_spells_them(tmp_path):
    """The folder's file names decomposed (as macOS writes them) still match the project's names; a stand-in
    text that is not the one coded is refused by the position check rather than quoted wrongly."""
    with pytest.raises(InputError) as missing:
        read_qdpx(ATLAS, sources_dir=tmp_path)
    assert f"nor in {tmp_path}" in missing.value.found
    import xml.etree.ElementTree as ET
    import zipfile
    root = ET.fromstring(zipfile.ZipFile(ATLAS).read("Project.qde"))
    names = [s.get("name") for s in root.iter("{urn:QDA-XML:project:1.0}TextSource") if s.find("{urn:QDA-XML:project:1.0}PlainTextSelection") is not None]
    assert "Mabêl 2ième.txt" in [unicodedata.normalize("NFC", n) for n in names]
    for name in names:  # each file name in the other Unicode form than the project spells it
        other = unicodedata.normalize("NFD", name) if name == unicodedata.normalize("NFC", name) else unicodedata.normalize("NFC", name)
        (tmp_path / other).write_text("x" * 5000, encoding="utf-8")
    with pytest.raises(InputError) as wrong:
        read_qdpx(ATLAS, sources_dir=tmp_path)
    assert "no way of counting characters places at word boundaries" in wrong.value.found


def test_external_paths_are_never_read_outside_sources_dir(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("P01: The graph helps.\n", encoding="utf-8")
    src = f'<TextSource guid="{S1}" name="s" plainTextPath="file://{outside}">{selection(5, 14)}</TextSource>'
    with pytest.raises(InputError, match="not in the archive"):
        read_qdpx(write_project(tmp_path, project(src)))
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "secret.txt").write_text("P01: The graph helps.\n", encoding="utf-8")
    read = read_qdpx(write_project(tmp_path, project(src)), sources_dir=folder)
    assert read.sources[0].text_from == "study1.sources_dir (secret.txt)"


# ----------------------------------------------------------------- codes and codebooks


TREE = f"""<Code guid="{C1}" name="+Government" isCodable="true">
   <Code guid="{C2}" name="Cost–benefit analysis" isCodable="true"/>
   <Code guid="aaaaaaaa-0000-4000-8000-000000000001" name="sárga" isCodable="true"/></Code>
  <Code guid="aaaaaaaa-0000-4000-8000-000000000002" name="Services" isCodable="true">
   <Code guid="aaaaaaaa-0000-4000-8000-000000000003" name="sárga" isCodable="true"/></Code>"""


def tree_project(text, selections):
    files = project(source(text, selections))
    qde = files["project.qde"]
    start, end = qde.index("<Codes>") + len("<Codes>"), qde.index("</Codes>")
    files["project.qde"] = qde[:start] + TREE + qde[end:]
    return files


def test_the_drafted_codebook_runs_unchanged_and_keeps_same_names_apart(tmp_path):
    text = "P01: The graph helps.\nP02: Managers judge us.\n"
    sels = sel(text, "The graph helps.", k=1, code="aaaaaaaa-0000-4000-8000-000000000001") + sel(text, "Managers judge us.", k=2, code="aaaaaaaa-0000-4000-8000-000000000003")
    path = write_project(tmp_path, tree_project(text, sels))
    drafted = yaml.safe_load(draft_codebook(path))
    assert [(t["id"], t["label"], t["valence"]) for t in drafted["themes"]] == [("government", "+Government", "other"), ("services", "Services", "other")]
    assert [c["path"] for c in drafted["themes"][0]["codes"]] == ["+Government / Cost–benefit analysis", "+Government / sárga"]
    ids = [c["id"] for t in drafted["themes"] for c in t["codes"]]
    assert ids == ["cost_benefit_analysis", "sarga", "services__sarga"]
    (tmp_path / "codebook.yaml").write_text(draft_codebook(path), encoding="utf-8")
    clean = clean_segments(path, load_codebook(tmp_path / "codebook.yaml")).segments
    assert clean[["participant_id", "code", "theme"]].values.tolist() == [["P01", "sarga", "government"], ["P02", "services__sarga", "services"]]


def test_a_theme_naming_a_parent_code_takes_its_descendants(tmp_path):
    text = "P01: The graph helps.\n"
    path = write_project(tmp_path, tree_project(text, sel(text, "The graph helps.", code="aaaaaaaa-0000-4000-8000-000000000001")))
    book = codebook_from_dict({"themes": [{"id": "gov", "label": "+Government", "valence": "concern", "definition": "d"},
                                          {"id": "svc", "label": "Services", "valence": "benefit", "definition": "d"}]})
    assert clean_segments(path, book).segments[["code", "theme"]].values.tolist() == [["gov", "gov"]]


def test_an_unknown_code_names_its_path(tmp_path, codebook):
    text = "P01: The graph helps.\n"
    path = write_project(tmp_path, tree_project(text, sel(text, "The graph helps.", code="aaaaaaaa-0000-4000-8000-000000000003")))
    with pytest.raises(InputError) as info:
        clean_segments(path, codebook)
    assert "'Services / sárga'" in info.value.found


def test_a_guid_in_two_themes_is_refused():
    theme = {"label": "x", "valence": "other", "definition": "d"}
    with pytest.raises(InputError, match="each code GUID once"):
        codebook_from_dict({"themes": [{"id": "a", **theme, "guid": C1}, {"id": "b", **theme, "codes": [{"id": "c", "guid": "{" + C1.upper() + "}"}]}]})


def test_slugs_are_ascii_and_unique():
    assert slug("Cost–benefit analysis") == "cost_benefit_analysis" and slug("Észlelt fogékonyság") == "eszlelt_fogekonysag" and slug("感情") == ""
    from camhs_rom.ingest.codetree import ProjectCode
    codes = {g: ProjectCode(g, n, (n,), None, "") for g, n in (("a" * 8, "感情"), ("b" * 8, "x"), ("c" * 8, "X"))}
    assert list(code_ids(codes).values()) == ["code_aaaaaaaa", "x", "x_cccccccc"]


@pytest.mark.parametrize("fixture", ["nvivo-windows/oltas.qdpx", "nvivo-mac/OltasSzkepticizmus_17June.qdpx", "qc/demo.qdpx", "atlasti/TestProject.qdpx"])
def test_a_codebook_drafted_from_each_real_project_is_valid_and_holds_every_code(fixture, tmp_path):
    out = tmp_path / "codebook.yaml"
    assert draft_main([str(FIXTURES / fixture), "--out", str(out)]) == 0
    book = load_codebook(out)
    from camhs_rom.ingest.draft_codebook import read_code_tree
    codes, counts, _ = read_code_tree(FIXTURES / fixture)
    assert set(book.guids) == set(codes)
    assert draft_main([str(FIXTURES / fixture), "--out", str(out)]) == 1  # never overwrites


# ----------------------------------------------------------------- checked before the run


def test_check_study1_warns_of_a_theme_nobody_coded_and_stops_on_a_missing_folder(tmp_path):
    text = "P01: The graph helps.\n"
    path = write_project(tmp_path, tree_project(text, sel(text, "The graph helps.", code="aaaaaaaa-0000-4000-8000-000000000001")))
    (tmp_path / "codebook.yaml").write_text(draft_codebook(path), encoding="utf-8")
    settings = {"codebook": str(tmp_path / "codebook.yaml"), "segments": str(path)}
    warnings = check_study1(settings)
    assert len(warnings) == 1 and "'services'" in warnings[0]
    with pytest.raises(InputError, match="study1.sources_dir"):
        check_study1({**settings, "sources_dir": str(tmp_path / "nowhere")})


def test_segment_options_read_a_team_csv_unchanged(synthetic_dir, codebook):
    """The .qdpx settings do not touch a coded-segments CSV."""
    plain = clean_segments(synthetic_dir / "coded_segments.csv", codebook).segments
    options = SegmentOptions(sources_dir="nowhere", placement=PlacementSettings(mode="per_source"))
    pd.testing.assert_frame_equal(clean_segments(synthetic_dir / "coded_segments.csv", codebook, options).segments, plain)


def test_fixture_files_are_the_published_bytes():
    import hashlib
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    for path in sorted(FIXTURES.rglob("*.qdpx")):
        assert hashlib.sha256(path.read_bytes()).hexdigest() in readme, path.name
    assert len(list(Path(FIXTURES).rglob("LICENSE*"))) == 4


def test_a_csv_names_codes_by_label_or_path_with_a_drafted_codebook(tmp_path):
    """Outside a .qdpx there are no GUIDs: a code is matched by its label, or by its path where labels repeat."""
    text = "P01: The graph helps.\n"
    path = write_project(tmp_path, tree_project(text, sel(text, "The graph helps.", code=C2)))
    (tmp_path / "codebook.yaml").write_text(draft_codebook(path), encoding="utf-8")
    book = load_codebook(tmp_path / "codebook.yaml")
    rows = [["t", "g", "P01", "s1", 0, 5, "P01: ", "Cost–benefit analysis", "a"],
            ["t", "g", "P01", "s2", 5, 9, "The ", "Services / sárga", "a"],
            ["t", "g", "P01", "s3", 9, 14, "graph", "+Government / sárga", "a"]]
    frame = pd.DataFrame(rows, columns=["transcript_id", "group_id", "participant_id", "segment_id", "start", "end", "text", "code", "coder"])
    frame.to_csv(tmp_path / "segments.csv", index=False)
    clean = clean_segments(tmp_path / "segments.csv", book).segments
    assert clean[["segment_id", "code", "theme"]].values.tolist() == [
        ["s1", "cost_benefit_analysis", "government"], ["s2", "services__sarga", "services"], ["s3", "sarga", "government"]]
    frame.loc[0, "code"] = "sárga"  # in two branches: ambiguous by label alone
    frame.to_csv(tmp_path / "segments.csv", index=False)
    with pytest.raises(InputError, match="not in the codebook"):
        clean_segments(tmp_path / "segments.csv", book)


# ----------------------------------------------------------------- text inside PDF and media sources; what is not text


def test_pdf_text_and_media_transcripts_are_coded_text(tmp_path):
    """A PDF source's text representation and a video's transcript (selections between sync points) are read like a text."""
    pdf_text = "P01: The graph helps.\n"
    transcript = "Ann: Managers judge us.\nBo: The graph helps.\n"
    a, b = span(transcript, "Managers judge us.")
    sources = (
        f'<PDFSource guid="aaaaaaaa-0000-4000-8000-00000000000a" name="report.pdf" path="internal://x.pdf">'
        f'<Representation guid="aaaaaaaa-0000-4000-8000-00000000000b"><PlainTextContent>{pdf_text}</PlainTextContent>'
        f'{sel(pdf_text, "The graph helps.", k=1)}</Representation></PDFSource>'
        f'<VideoSource guid="aaaaaaaa-0000-4000-8000-00000000000c" name="fg.mp4" path="internal://fg.mp4">'
        f'<Transcript guid="aaaaaaaa-0000-4000-8000-00000000000d" name="fg transcript"><PlainTextContent>{transcript}</PlainTextContent>'
        f'<SyncPoint guid="bbbbbbbb-0000-4000-8000-000000000001" position="{a}" timeStamp="1000"/>'
        f'<SyncPoint guid="bbbbbbbb-0000-4000-8000-000000000002" position="{b}" timeStamp="4000"/>'
        '<TranscriptSelection guid="cccccccc-0000-4000-8000-000000000001" name="t1" fromSyncPoint="bbbbbbbb-0000-4000-8000-000000000001" '
        f'toSyncPoint="bbbbbbbb-0000-4000-8000-000000000002"><Coding guid="dddddddd-0000-4000-8000-000000000001" creatingUser="{U1}">'
        f'<CodeRef targetGUID="{C1}"/></Coding></TranscriptSelection></Transcript></VideoSource>'
    )
    read = read_qdpx(write_project(tmp_path, project(sources)))
    assert read.segments[["transcript_id", "participant_id", "text"]].values.tolist() == [
        ["report.pdf", "P01", "The graph helps."], ["fg transcript", "Ann", "Managers judge us."]]


def test_codings_of_pictures_are_said_not_dropped_silently(tmp_path, codebook):
    text = "P01: The graph helps.\n"
    picture = (f'<PictureSource guid="aaaaaaaa-0000-4000-8000-00000000000e" name="chart.jpg" path="internal://c.jpg">'
               f'<PictureSelection guid="aaaaaaaa-0000-4000-8000-00000000000f" firstX="0" firstY="0" secondX="9" secondY="9">'
               f'<Coding guid="dddddddd-0000-4000-8000-000000000002" creatingUser="{U1}"><CodeRef targetGUID="{C1}"/></Coding>'
               "</PictureSelection></PictureSource>")
    path = write_project(tmp_path, project(source(text, sel(text, "The graph helps.")) + picture))
    result = clean_segments(path, codebook)
    assert len(result.segments) == 1 and result.notes and "1 on pictures" in result.notes[0]
    assert any("not analysed" in str(after) for after in result.audit["after"])
    with pytest.raises(InputError, match="1 on pictures"):
        read_qdpx(write_project(tmp_path, project(picture), name="only_pictures.qdpx"))


def test_the_atlas_ti_reference_project_counts_its_codings_on_pictures_pdf_regions_and_video(tmp_path):
    """ATLAS.ti 8.4's reference project codes a picture, PDF regions and video besides text."""
    from camhs_rom.ingest.archive import open_project
    from camhs_rom.ingest.qdpx import codings_not_on_text

    with open_project(ATLAS) as (_, root, _):
        counts = codings_not_on_text(root)
    assert set(counts) == {"pictures", "PDF regions", "video"} and all(n > 0 for n in counts.values())


def test_a_codebook_drafted_from_one_sites_project_reads_anothers_by_path(tmp_path):
    """Two sites, the same code tree exported from two projects (other GUIDs): matched by path, repeated labels kept apart."""
    text = "P01: The graph helps.\nP02: Managers judge us.\n"
    site_a = tmp_path / "a"
    site_a.mkdir()
    drafted = draft_codebook(write_project(site_a, tree_project(text, sel(text, "The graph helps.", code="aaaaaaaa-0000-4000-8000-000000000001"))))
    (tmp_path / "codebook.yaml").write_text(drafted, encoding="utf-8")
    files = tree_project(text, sel(text, "The graph helps.", k=1, code="aaaaaaaa-0000-4000-8000-000000000001")
                         + sel(text, "Managers judge us.", k=2, code="aaaaaaaa-0000-4000-8000-000000000003"))
    files["project.qde"] = files["project.qde"].replace("aaaaaaaa-0000-4000-8000-0000000000", "bbbbbbbb-0000-4000-8000-0000000000")
    clean = clean_segments(write_project(tmp_path, files, name="site_b.qdpx"), load_codebook(tmp_path / "codebook.yaml")).segments
    assert clean[["participant_id", "code", "theme"]].values.tolist() == [["P01", "sarga", "government"], ["P02", "services__sarga", "services"]]
