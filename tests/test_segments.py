"""Study 1 coded segments from CSV: cleaning and every kind of bad input."""

import pandas as pd
import pytest

from camhs_rom.core.errors import InputError
from camhs_rom.ingest.segments import CLEAN_COLUMNS, SEGMENT_COLUMNS, clean_segments

from .conftest import write_lines

HEADER = ",".join(SEGMENT_COLUMNS)


def segments_csv(tmp_path, rows, header=HEADER):
    return write_lines(tmp_path / "segments.csv", [header] + rows)


GOOD = [
    "fg1,FG1,P01,s1,10,40,some text,tracking_progress,coder_a",
    "fg1,FG1,P01,s1,10,40,some text,Tracking Progress,coder_b",
    "fg1,FG1,P02,s2,50,90,other text,service_use_of_data,coder_a",
]


def test_default_segments_are_clean(synthetic_dir, codebook):
    result = clean_segments(synthetic_dir / "coded_segments.csv", codebook)
    seg = result.segments
    assert list(seg.columns) == CLEAN_COLUMNS
    assert seg["participant_id"].nunique() == 12
    assert seg["group_id"].nunique() == 3
    assert set(seg["theme"]) == set(codebook.theme_ids)
    assert set(seg["coder"]) == {"coder_a", "coder_b"}
    assert (seg["source_format"] == "csv").all()
    transcripts = {p.stem: p.read_text(encoding="utf-8") for p in (synthetic_dir / "transcripts").glob("*.txt")}
    for row in seg.itertuples():
        assert transcripts[row.transcript_id][row.start : row.end] == row.text


def test_codes_roll_up_and_normalisation_is_logged(tmp_path, codebook):
    result = clean_segments(segments_csv(tmp_path, GOOD), codebook)
    seg = result.segments
    assert seg["theme"].tolist() == ["objectivity", "objectivity", "service_use_of_data"]
    assert seg["valence"].tolist() == ["benefit", "benefit", "concern"]
    logged = result.audit[result.audit.rule == "code_matched_to_codebook"]
    assert logged[["row", "before", "after"]].values.tolist() == [["row 3", "Tracking Progress", "tracking_progress"]]


@pytest.mark.parametrize(
    "row, location, found",
    [
        ("fg1,FG1,P03,s3,1,9,t,objectiveness,coder_a", "row 5, column code", "code 'objectiveness', which is not in the codebook"),
        ("fg1,,P03,s3,1,9,t,empowerment,coder_a", "row 5, column group_id", "a participant in no focus group"),
        ("fg1,FG1,P03,s3,9,9,t,empowerment,coder_a", "row 5, columns start/end", "start 9 and end 9"),
        ("fg1,FG1,P03,s3,x,9,t,empowerment,coder_a", "row 5, column start", "'x'"),
        ("fg1,FG1,P03,s3,1,9,t,empowerment,", "row 5, column coder", "a blank coder"),
        ("fg1,FG2,P01,s3,1,9,t,empowerment,coder_a", "row 2, row 3, row 5", "participant 'P01' in focus groups 'FG1', 'FG2'"),
        ("fg1,FG1,P02,s2,50,90,other text,service_use_of_data,coder_a", "row 4 and row 5", "applied twice by 'coder_a'"),
    ],
)
def test_bad_row_is_named(tmp_path, codebook, row, location, found):
    path = segments_csv(tmp_path, GOOD + [row])
    with pytest.raises(InputError) as info:
        clean_segments(path, codebook)
    assert info.value.location == location
    assert found in info.value.found


def test_unknown_and_missing_columns(tmp_path, codebook):
    header = HEADER.replace("participant_id", "participant")
    with pytest.raises(InputError, match="found no column 'participant_id' and unknown column 'participant'; expected exactly the columns"):
        clean_segments(segments_csv(tmp_path, GOOD, header=header), codebook)


def test_empty_segments_file(tmp_path, codebook):
    path = tmp_path / "segments.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="found an empty file"):
        clean_segments(path, codebook)


def test_clean_table_is_sorted_whatever_the_input_order(tmp_path, codebook):
    forward = clean_segments(segments_csv(tmp_path, GOOD), codebook).segments
    backward = clean_segments(segments_csv(tmp_path, GOOD[::-1]), codebook).segments
    pd.testing.assert_frame_equal(forward, backward)
