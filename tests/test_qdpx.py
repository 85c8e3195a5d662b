"""REFI-QDA projects: the synthetic one is valid and equals the CSV; real-tool styles are read; bad projects are named."""

import zipfile

import pandas as pd
import pytest

from camhs_rom.core.errors import InputError
from camhs_rom.ingest.qdpx import read_qdpx
from camhs_rom.ingest.segments import clean_segments
from camhs_rom.synthetic.qdpx import validate_qde

TEXT = "Focus group one\nFacilitator: Any benefits?\nP01: The graph shows progress.\nP02: Managers will judge us.\n"
U1 = "11111111-1111-4111-8111-111111111111"
C1 = "22222222-2222-4222-8222-222222222222"
C2 = "33333333-3333-4333-8333-333333333333"
S1 = "44444444-4444-4444-8444-444444444444"


def project(sources: str, users=f'<User guid="{U1}" name="coder_a"/>', cases="", extra_files=None) -> dict:
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="test">
 <Users>{users}</Users>
 <CodeBook><Codes>
  <Code guid="{C1}" name="Objectivity" isCodable="true"><Code guid="{C2}" name="tracking_progress" isCodable="true"/></Code>
  <Code guid="55555555-5555-4555-8555-555555555555" name="service_use_of_data" isCodable="true"/>
 </Codes></CodeBook>
 {cases}
 <Sources>{sources}</Sources>
</Project>"""
    return {"project.qde": qde, **(extra_files or {})}


def selection(start, end, code=C2, user=U1, guid="66666666-6666-4666-8666-666666666666", name=None):
    name_attr = f' name="{name}"' if name else ""
    return (
        f'<PlainTextSelection guid="{guid}"{name_attr} startPosition="{start}" endPosition="{end}" creatingUser="{user}">'
        f'<Coding guid="77777777-7777-4777-8777-777777777777" creatingUser="{user}"><CodeRef targetGUID="{code}"/></Coding>'
        "</PlainTextSelection>"
    )


def inline_source(selections, name="fg1"):
    return f'<TextSource guid="{S1}" name="{name}"><PlainTextContent>{TEXT}</PlainTextContent>{selections}</TextSource>'


def write_project(tmp_path, files: dict, name="p.qdpx"):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in files.items():
            archive.writestr(member, data)
    return path


START = TEXT.index("The graph")
END = TEXT.index("progress.") + len("progress.")


def test_synthetic_project_validates_against_the_refi_qda_schema(synthetic_dir):
    with zipfile.ZipFile(synthetic_dir / "focus_groups.qdpx") as archive:
        qde = archive.read("project.qde")
        assert all(n == "project.qde" or n.startswith("Sources/") for n in archive.namelist())
    assert validate_qde(qde) == []


def test_schema_check_can_fail():
    bad = b'<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0"><Users><User name="x"/></Users></Project>'
    problems = validate_qde(bad)
    assert problems  # missing Project@name and User@guid


def test_both_routes_give_the_same_clean_segments(synthetic_dir, codebook):
    from_csv = clean_segments(synthetic_dir / "coded_segments.csv", codebook).segments
    from_qdpx = clean_segments(synthetic_dir / "focus_groups.qdpx", codebook).segments
    assert (from_qdpx["source_format"] == "qdpx").all()
    pd.testing.assert_frame_equal(from_csv.drop(columns="source_format"), from_qdpx.drop(columns="source_format"))


def test_speaker_tags_inline_text_and_braced_upper_case_guids(tmp_path, codebook):
    braced_user = "{" + U1.upper() + "}"
    files = project(inline_source(selection(START, END, code="{" + C2.upper() + "}", user=braced_user)))
    project_read = read_qdpx(write_project(tmp_path, files))
    row = project_read.segments.iloc[0]
    assert (row.participant_id, row.group_id, row.coder, row.code, row.text) == ("P01", "fg1", "coder_a", "tracking_progress", "The graph shows progress.")
    assert "1 by speaker tag" in project_read.notes[0]


def test_cases_and_sources_folder(tmp_path, codebook):
    sel_guid = "66666666-6666-4666-8666-666666666666"
    cases = f"""<Variables><Variable guid="88888888-8888-4888-8888-888888888888" name="Focus group" typeOfVariable="Text"/></Variables>
 <Cases><Case guid="99999999-9999-4999-8999-999999999999" name="Ann">
  <VariableValue><VariableRef targetGUID="88888888-8888-4888-8888-888888888888"/><TextValue>Group A</TextValue></VariableValue>
  <SelectionRef targetGUID="{sel_guid}"/></Case></Cases>"""
    source = f'<TextSource guid="{S1}" name="fg1" plainTextPath="internal://{S1}.txt">{selection(START, END, code=C1, name="seg-1")}</TextSource>'
    files = project(source, cases=cases, extra_files={f"Sources/{S1}.txt": TEXT})
    seg = clean_segments(write_project(tmp_path, files), codebook).segments
    assert seg[["participant_id", "group_id", "segment_id", "code", "theme"]].values.tolist() == [["Ann", "Group A", "seg-1", "objectivity", "objectivity"]]


@pytest.mark.parametrize(
    "files, location, found",
    [
        ({"notes.txt": "hello"}, "zip contents", "members 'notes.txt'"),
        ({"project.qde": "<Project><Users>"}, "project.qde line 1, column 16", "malformed XML"),
        ({"project.qde": '<Project xmlns="urn:other" name="x"/>'}, "project.qde", "root element '{urn:other}Project'"),
        (project(inline_source(selection(START, 999))), "project.qde selection", "characters"),
        (project(inline_source(selection(START, END, code="aaaaaaaa-0000-4000-8000-000000000000"))), "CodeRef", "code GUID 'aaaaaaaa-0000-4000-8000-000000000000'"),
        (project(inline_source("")), "project.qde", "a project with no coded text selections"),
        (project(f'<TextSource guid="{S1}" name="fg1" plainTextPath="internal://missing.txt">{selection(START, END)}</TextSource>'), "plainTextPath", "not in the archive"),
        (project(inline_source(selection(0, 5))), "project.qde selection", "no speaker tag"),
    ],
)
def test_malformed_projects_are_named(tmp_path, files, location, found):
    with pytest.raises(InputError) as info:
        read_qdpx(write_project(tmp_path, files))
    assert location in info.value.location
    assert found in info.value.found


def test_not_a_zip(tmp_path):
    path = tmp_path / "p.qdpx"
    path.write_text("<Project/>", encoding="utf-8")
    with pytest.raises(InputError, match="p.qdpx: file: found a file that is not a zip archive"):
        read_qdpx(path)


def test_non_codable_categories_and_child_code_names(tmp_path, codebook):
    """NVivo-style: a non-codable category holds codable codes named in words."""
    child = "abcdefab-0000-4000-8000-000000000001"
    codes = f"""<Code guid="abcdefab-0000-4000-8000-000000000000" name="Benefits (category)" isCodable="false">
   <Code guid="{child}" name="Tracking progress" isCodable="true"/></Code>"""
    files = project(inline_source(selection(START, END, code=child)))
    files["project.qde"] = files["project.qde"].replace("<Codes>", "<Codes>" + codes, 1)
    seg = clean_segments(write_project(tmp_path, files), codebook).segments
    assert seg[["code", "theme"]].values.tolist() == [["tracking_progress", "objectivity"]]
