"""Study 2 responses: reading every accepted shape, cleaning, and every kind of bad input."""

import numpy as np
import pandas as pd
import pytest

from camhs_rom.core.errors import InputError
from camhs_rom.ingest.survey import clean_responses

from .conftest import write_lines


def small_csv(tmp_path, q, rows=None, name="r.csv", sep=","):
    """A minimal responses file on the default spec: header plus rows of {column: value}."""
    cols = q.columns
    base = {q.id_column: "A1", q.group_column: "yes", q.frequency_column: "often", "team": "T1", "profession": "nurse", "years_qualified": "5"}
    base.update({item: "3" for item in q.item_ids})
    rows = rows if rows is not None else [{}, {q.id_column: "A2", q.group_column: "no"}]
    lines = [sep.join(cols)] + [sep.join(str({**base, **row}.get(c, "")) for c in cols) for row in rows]
    return write_lines(tmp_path / name, lines)


# ----------------------------------------------------------------- accepted shapes


def test_survey_export_is_cleaned(synthetic_dir, questionnaire):
    result = clean_responses(synthetic_dir / "responses.csv", questionnaire)
    coded, audit = result.coded, result.audit
    assert len(coded) == 59
    assert coded["respondent_id"].is_unique
    assert coded["source_row"].iloc[0] == "3"  # row 2 held the question wording
    dropped = audit[audit.rule == "extra_header_row_dropped"]
    assert dropped[["row", "before"]].values.tolist() == [["2", "Respondent ID"]]
    ignored = set(audit.loc[audit.rule == "column_not_in_spec", "column"])
    assert ignored == {"start_date", "consent", "data_source", "comments"}
    labels = audit[audit.rule == "label_to_code"]
    assert set(labels["before"]) <= {"Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"}
    assert len(labels) == int(coded[questionnaire.item_ids].notna().sum().sum())
    assert set(coded["group"].dropna()) == {"user", "non_user"}
    assert (coded["frequency"] == "almost always").sum() == 4


def test_sav_gives_the_same_clean_table_as_the_csv(synthetic_dir, questionnaire):
    from_csv = clean_responses(synthetic_dir / "responses.csv", questionnaire)
    from_sav = clean_responses(synthetic_dir / "responses.sav", questionnaire)
    pd.testing.assert_frame_equal(from_csv.coded.drop(columns="source_row"), from_sav.coded.drop(columns="source_row"))
    pd.testing.assert_frame_equal(from_csv.scored.drop(columns="source_row"), from_sav.scored.drop(columns="source_row"))
    applied = from_sav.audit[from_sav.audit.rule == "sav_value_label"]
    assert set(applied["column"]) == {"team", questionnaire.group_column, questionnaire.frequency_column}
    assert from_sav.coded["source_row"].iloc[0] == "case 1"


def test_sav_item_value_labels_are_honoured(tmp_path, questionnaire):
    """An item stored 0-4 with labels is recoded through its labels to the spec's 1-5."""
    import pyreadstat

    q = questionnaire
    frame = pd.DataFrame({c: ["A1", "A2"] if c == q.id_column else ["yes", "no"] if c == q.group_column else ["often", "never"] for c in q.columns[:3]})
    frame["team"], frame["profession"], frame["years_qualified"] = ["T", "T"], ["n", "n"], [1.0, 2.0]
    for item in q.item_ids:
        frame[item] = [0.0, 4.0]
    labels = {0.0: "Strongly disagree", 1.0: "Disagree", 2.0: "Neither agree nor disagree", 3.0: "Agree", 4.0: "Strongly agree"}
    pyreadstat.write_sav(frame, str(tmp_path / "r.sav"), variable_value_labels={item: labels for item in q.item_ids})
    result = clean_responses(tmp_path / "r.sav", q)
    assert result.coded[q.item_ids[0]].tolist() == [1, 5]


def test_tsv_and_codes_are_read(tmp_path, questionnaire):
    path = small_csv(tmp_path, questionnaire, name="r.tsv", sep="\t")
    result = clean_responses(path, questionnaire)
    assert result.coded["group"].tolist() == ["user", "non_user"]
    assert not (result.audit.rule == "label_to_code").any()


def test_reverse_keying_and_person_mean(tmp_path, questionnaire):
    q = questionnaire
    pos = [item.id for item in q.items_of("positive_impact")]
    reversed_pos = next(item.id for item in q.items_of("positive_impact") if item.reverse)
    plain = [i for i in pos if i != reversed_pos]
    row = {item.id: "2" if item.reverse else "4" for item in q.items_of("positive_impact")}  # all score 4
    row[reversed_pos] = "1"  # reverse-keyed: scored 5 + 1 - 1 = 5
    row[plain[0]] = ""  # one of nine missing: 0.11 <= 0.2, imputed
    path = small_csv(tmp_path, q, rows=[row, {q.id_column: "A2"}])
    result = clean_responses(path, q)
    scored = result.scored.iloc[0]
    assert scored[reversed_pos] == 5
    expected = (4 * 7 + 5) / 8
    assert scored[plain[0]] == pytest.approx(expected)
    assert scored["n_missing_positive_impact"] == 1 and scored["scorable_positive_impact"]
    imputed = result.audit[result.audit.rule == "person_mean_imputed"]
    assert imputed[["row", "column"]].values.tolist() == [["2", plain[0]]]
    assert float(imputed["after"].iloc[0]) == pytest.approx(expected)
    assert pd.isna(result.coded.iloc[0][plain[0]])  # the coded table keeps what was observed


def test_missing_above_share_is_not_scored(tmp_path, questionnaire):
    q = questionnaire
    neg = [item.id for item in q.items_of("negative_impact")]
    path = small_csv(tmp_path, q, rows=[{neg[0]: "", neg[1]: ""}, {q.id_column: "A2"}])  # 2 of 9 = 0.22 > 0.2
    result = clean_responses(path, q)
    assert not result.scored["scorable_negative_impact"].iloc[0]
    assert np.isnan(result.scored[neg[0]].iloc[0])
    note = result.audit[result.audit.rule == "missing_above_max_share"]
    assert note["before"].tolist() == ["2 of 9 answers missing"]


def test_listwise_rule(tmp_path, questionnaire):
    from dataclasses import replace

    q = replace(questionnaire, missing_method="listwise")
    item = q.items_of("negative_impact")[0].id
    result = clean_responses(small_csv(tmp_path, q, rows=[{item: ""}, {q.id_column: "A2"}]), q)
    assert result.scored["scorable_negative_impact"].tolist() == [False, True]
    assert not (result.audit.rule == "person_mean_imputed").any()


# ----------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "row, location, found",
    [
        ({"pos_motivation": "7"}, "row 2, column pos_motivation", "'7' (outside the scale)"),
        ({"pos_motivation": "2.5"}, "row 2, column pos_motivation", "'2.5' (not a whole number)"),
        ({"pos_motivation": "Agree strongly"}, "row 2, column pos_motivation", "'Agree strongly' (not one of the scale's labels)"),
        ({"currently_uses_sbs_rom": "sometimes"}, "row 2, column currently_uses_sbs_rom", "'sometimes', which the spec maps to no group"),
        ({"sbs_rom_frequency": "weekly"}, "row 2, column sbs_rom_frequency", "'weekly'"),
        ({"respondent_id": ""}, "row 2, column respondent_id", "a blank respondent id"),
    ],
)
def test_bad_cell_is_named(tmp_path, questionnaire, row, location, found):
    path = small_csv(tmp_path, questionnaire, rows=[row, {questionnaire.id_column: "A2"}])
    with pytest.raises(InputError) as info:
        clean_responses(path, questionnaire)
    err = info.value
    assert err.file == str(path)
    assert err.location == location
    assert err.found == found


def test_duplicate_respondent_id(tmp_path, questionnaire):
    path = small_csv(tmp_path, questionnaire, rows=[{}, {}, {questionnaire.id_column: "A3"}])
    with pytest.raises(InputError, match="rows 2, 3, column respondent_id: found respondent id 'A1' 2 times; expected each respondent id once"):
        clean_responses(path, questionnaire)


def test_spec_column_missing_from_data(tmp_path, questionnaire):
    path = small_csv(tmp_path, questionnaire)
    frame = pd.read_csv(path, dtype=str).drop(columns=["pos_motivation", "team"])
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match="header: found no column 'team', 'pos_motivation'; expected every column the questionnaire spec"):
        clean_responses(path, questionnaire)


def test_empty_file(tmp_path, questionnaire):
    path = tmp_path / "r.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="r.csv: file: found an empty file"):
        clean_responses(path, questionnaire)


def test_header_without_rows(tmp_path, questionnaire):
    path = write_lines(tmp_path / "r.csv", [",".join(questionnaire.columns)])
    with pytest.raises(InputError, match="found a header but no data rows"):
        clean_responses(path, questionnaire)


def test_windows_1252_file_is_read_and_logged(tmp_path, questionnaire):
    rows = [{"profession": "psychologue clinicienne"}, {questionnaire.id_column: "A2", "profession": "thérapeute"}]
    path = small_csv(tmp_path, questionnaire, rows=rows)
    utf8 = clean_responses(path, questionnaire)
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    cp1252 = clean_responses(path, questionnaire)
    pd.testing.assert_frame_equal(utf8.coded, cp1252.coded)
    assert cp1252.coded["profession"].tolist() == ["psychologue clinicienne", "thérapeute"]
    assert cp1252.audit.loc[cp1252.audit.rule == "encoding_converted", ["before", "after"]].values.tolist() == [["cp1252", "utf-8"]]


def test_bytes_that_are_no_known_encoding_are_named(tmp_path, questionnaire):
    path = small_csv(tmp_path, questionnaire, rows=[{"profession": "thérapeute"}])
    path.write_bytes(path.read_bytes().replace("é".encode("utf-8"), b"\x81"))
    with pytest.raises(InputError, match=r"line 2 \(byte \d+\): found byte 0x81, which is neither UTF-8 nor Windows-1252 text"):
        clean_responses(path, questionnaire)


def test_ragged_row(tmp_path, questionnaire):
    path = small_csv(tmp_path, questionnaire)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("A9,too,few\n")
    with pytest.raises(InputError, match="row 4: found 3 fields; expected 24 fields, as in the header"):
        clean_responses(path, questionnaire)


def test_duplicate_column_name(tmp_path, questionnaire):
    path = write_lines(tmp_path / "r.csv", ["respondent_id,team,team", "A1,x,y"])
    with pytest.raises(InputError, match="row 1 \\(header\\), columns 2 and 3: found 'team' twice"):
        clean_responses(path, questionnaire)


def test_unsupported_extension(tmp_path, questionnaire):
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(InputError, match="file name: found extension '.xlsx'"):
        clean_responses(path, questionnaire)


def test_not_a_sav_file(tmp_path, questionnaire):
    path = tmp_path / "r.sav"
    path.write_text("respondent_id\nA1\n", encoding="utf-8")
    with pytest.raises(InputError, match="r.sav: file: found a file SPSS readers cannot open"):
        clean_responses(path, questionnaire)


def test_input_file_is_not_modified(synthetic_dir, questionnaire):
    path = synthetic_dir / "responses.csv"
    before = path.read_bytes()
    clean_responses(path, questionnaire)
    assert path.read_bytes() == before


def test_declared_missing_values_are_read_as_missing_and_logged(tmp_path, questionnaire):
    q = questionnaire
    path = small_csv(tmp_path, q, rows=[{"pos_motivation": "Prefer not to say", "neg_disrupts_flow": "-99"}, {q.id_column: "A2"}])
    result = clean_responses(path, q)
    assert pd.isna(result.coded["pos_motivation"].iloc[0]) and pd.isna(result.coded["neg_disrupts_flow"].iloc[0])
    logged = result.audit[result.audit.rule == "declared_missing"]
    assert logged[["row", "column", "before", "after"]].values.tolist() == [
        ["2", "pos_motivation", "Prefer not to say", ""],
        ["2", "neg_disrupts_flow", "-99", ""],
    ]


def test_export_with_question_and_import_id_rows(tmp_path, synthetic_dir, questionnaire):
    """A Qualtrics-style export: names, question wording, then {"ImportId": ...} rows before the answers."""
    lines = (synthetic_dir / "responses.csv").read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    import_ids = ",".join('"{""ImportId"":""QID%d""}"' % k for k in range(len(header)))
    path = write_lines(tmp_path / "qualtrics.csv", [lines[0], lines[1], import_ids] + lines[2:])
    result = clean_responses(path, questionnaire)
    assert len(result.coded) == 59
    assert result.audit.loc[result.audit.rule == "extra_header_row_dropped", "row"].tolist() == ["2", "3"]
    assert result.coded["source_row"].iloc[0] == "4"


def test_an_export_with_three_header_rows_and_text_answers_gives_the_same_tables(synthetic_dir, questionnaire, tmp_path):
    """Qualtrics-style: column names, question wording, then an import-id row ({"ImportId":"QID3"})."""
    lines = (synthetic_dir / "responses.csv").read_text(encoding="utf-8-sig").splitlines()
    columns = lines[0].split(",")
    import_ids = ",".join(f'"{{""ImportId"":""QID{k}""}}"' for k in range(len(columns)))
    three = tmp_path / "qualtrics.csv"
    three.write_text("\n".join([lines[0], lines[1], import_ids, *lines[2:]]) + "\n", encoding="utf-8")
    two, ours = clean_responses(synthetic_dir / "responses.csv", questionnaire), clean_responses(three, questionnaire)
    pd.testing.assert_frame_equal(ours.coded.drop(columns="source_row"), two.coded.drop(columns="source_row"))
    pd.testing.assert_frame_equal(ours.scored.drop(columns="source_row"), two.scored.drop(columns="source_row"))
    dropped = ours.audit[ours.audit["rule"] == "extra_header_row_dropped"]
    assert list(dropped["row"]) == ["2", "3"]
