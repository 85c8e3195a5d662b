"""The bad-input and hostile-input corpus, and the messy exports that must be accepted.

Every bad case runs the ingest stage as the workflow does (``ingest_study1`` /
``ingest_study2``, or the config check the Snakefile makes first) and asserts that the
one message names the file, the location, what was found and what was expected, is
short (an input is never reproduced), and that no table was written. Every accepted
variant (byte-order mark, CRLF, UTF-16, Windows-1252, a semicolon ``.csv`` with decimal
commas, trailing empty rows and unnamed empty columns) gives the same clean tables as
the clean input, with what was converted in the audit log.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest
import yaml

from camhs_rom.core.errors import MAX_FOUND, MAX_PART, InputError
from camhs_rom.core.schemas import check_config_files, validate_config
from camhs_rom.core.studies import check_studies
from camhs_rom.core.tables import sha256_of
from camhs_rom.ingest.steps import ingest_study1, ingest_study2

from .conftest import CODEBOOK, SPEC
from .test_qdpx import END, START, inline_source, project, selection, write_project

LONGEST_MESSAGE = 2 * MAX_PART + MAX_FOUND + MAX_PART + 40


# ----------------------------------------------------------------- building inputs


def read_records(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def write_records(path: Path, records: list[list[str]], sep: str = ",", encoding: str = "utf-8", newline: str = "\n") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator=newline).writerows(records)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def responses(base: Path, tmp: Path, edit: Callable[[list[list[str]]], None] | None = None, name: str = "responses.csv") -> Path:
    """The default synthetic export (header, wording row, 59 respondents) with ``edit`` applied."""
    records = read_records(base / "responses.csv")
    if edit:
        edit(records)
    return write_records(tmp / name, records)


def cell(records, row: int, column: str, value: str) -> None:
    """Set a cell by spreadsheet row (the header is row 1) and column name."""
    records[row - 1][records[0].index(column)] = value


def column(records, name: str, value: str) -> None:
    k = records[0].index(name)
    for record in records[2:]:
        record[k] = value


def spec_with(tmp: Path, change: Callable[[dict], None]) -> Path:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    change(spec)
    path = tmp / "questionnaire.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def text_file(tmp: Path, name: str, content: str | bytes) -> Path:
    path = tmp / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def alias_bomb(levels: int = 9) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{k}: &l{k} [{', '.join([f'*l{k - 1}'] * 9)}]" for k in range(1, levels)]
    return "\n".join(lines) + "\n"


def sav(tmp: Path, base: Path, edit: Callable[[pd.DataFrame], None] | None = None) -> Path:
    import pyreadstat

    frame = pd.read_csv(base / "responses.csv", skiprows=[1], dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame = frame.drop(columns=["start_date", "consent", "comments", "data_source"], errors="ignore")
    if edit:
        edit(frame)
    path = tmp / "responses.sav"
    pyreadstat.write_sav(frame, str(path))
    return path


def segments(base: Path, tmp: Path, edit: Callable[[list[list[str]]], None] | None = None, name: str = "segments.csv") -> Path:
    records = read_records(base / "coded_segments.csv")
    if edit:
        edit(records)
    return write_records(tmp / name, records)


def qdpx(tmp: Path, files: dict) -> Path:
    return write_project(tmp, files, name="project.qdpx")


def zip_bomb(tmp: Path) -> Path:
    """A project whose source inflates from about 1 MiB to 1 GiB (written in blocks, never held whole)."""
    path = tmp / "project.qdpx"
    qde = project(f'<TextSource guid="{"4" * 8}-4444-4444-8444-444444444444" name="fg1" plainTextPath="internal://fg1.txt">{selection(1, 5)}</TextSource>')
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", qde["project.qde"])
        with archive.open("Sources/fg1.txt", "w", force_zip64=True) as member:
            block = b"P01: " + b"a" * (1 << 20)
            for _ in range(1024):
                member.write(block)
    return path


# ----------------------------------------------------------------- the corpus


@dataclass
class Case:
    """One bad input: how to build it, and the message parts it must produce."""
    id: str
    study: str  # study1, study2 or config
    build: Callable  # (base, tmp) -> {"responses"|"segments"|"questionnaire"|"codebook": path} or {"config": dict}
    file: str  # the file (name) the message must name
    location: str
    found: str
    expected: str


def s2(edit=None, name="responses.csv"):
    return lambda base, tmp: {"responses": responses(base, tmp, edit, name)}


def s2_file(name, content):
    return lambda base, tmp: {"responses": text_file(tmp, name, content)}


def s2_spec(change, edit=None):
    return lambda base, tmp: {"responses": responses(base, tmp, edit), "questionnaire": spec_with(tmp, change)}


def s1(edit=None):
    return lambda base, tmp: {"segments": segments(base, tmp, edit)}


def s1_qdpx(files):
    return lambda base, tmp: {"segments": qdpx(tmp, files)}


def s1_codebook(content):
    return lambda base, tmp: {"segments": base / "coded_segments.csv", "codebook": text_file(tmp, "codebook.yaml", content)}


def bad_config(change):
    def build(base, tmp):
        config = yaml.safe_load((Path(__file__).parents[1] / "config.yaml").read_text(encoding="utf-8"))
        change(config)
        return {"config": config}
    return build


def _drop_item_answers(records):
    column(records, "pos_motivation", "")


def _listwise_unscorable(spec):
    spec["missing"] = {"method": "listwise"}


def _every_respondent_misses_one(records):
    negatives = [c for c in records[0] if c.startswith("neg_")]
    for k, record in enumerate(records[2:]):
        record[records[0].index(negatives[k % len(negatives)])] = ""


def _typo(config):
    config["study2"]["efa"]["rotatoin"] = "promax"


def _bomb_config(config):
    leaf = ["x"] * 10
    for _ in range(6):
        leaf = [leaf] * 10
    config["study1"]["notes"] = leaf


def _ragged(records):
    records[5] = records[5][:3]


def _unclosed_quote(base: Path) -> str:
    lines = (base / "responses.csv").read_text(encoding="utf-8-sig").splitlines()
    lines.insert(8, 'x,"an opening quote and no closing one')
    return "\n".join(lines) + "\n"


def _long_answer(records):
    cell(records, 4, "pos_motivation", "<script>alert(1)</script>" * 400)


# ----------------------------------------------------------------- builders of the second corpus (issue: no silent wrong numbers)


def spec_text(tmp: Path, edit: Callable[[str], str]) -> Path:
    """The default spec as text with ``edit`` applied (for what a mapping cannot hold, such as a key given twice)."""
    return text_file(tmp, "questionnaire.yaml", edit(SPEC.read_text(encoding="utf-8")))


def s2_spec_text(edit):
    return lambda base, tmp: {"responses": base / "responses.csv", "questionnaire": spec_text(tmp, edit)}


def config_file(text):
    """A ``--configfile`` as written, checked as the workflow checks each config file."""
    return lambda base, tmp: {"configfile": text_file(tmp, "my-study.yaml", text)}


def mixed_encoding(base: Path, bom: bool = False) -> bytes:
    """The export as UTF-8 with a non-ASCII team, and one respondent's row saved as Windows-1252."""
    records = read_records(base / "responses.csv")
    for row in (3, 4):
        cell(records, row, "team", "Équipe Sud")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(records[:3])
    head = buffer.getvalue().encode("utf-8")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(records[3:])
    return (b"\xef\xbb\xbf" if bom else b"") + head + buffer.getvalue().encode("cp1252")


def bom_and_invalid_byte(base: Path) -> bytes:
    records = read_records(base / "responses.csv")
    cell(records, 5, "profession", "th\x00rapeute")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(records)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8").replace(b"th\x00rapeute", b"th\xe9rapeute")


def encrypted(tmp: Path) -> Path:
    """A project whose members carry the zip "encrypted" flag, as a password-protected export has them."""
    path = write_project(tmp, project(inline_source(selection(START, END))), name="project.qdpx")
    data = bytearray(path.read_bytes())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at != -1:
            data[at + flag_at] |= 0x1
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    return path


def every_item(row: int, value: str):
    def edit(records):
        for name in records[0]:
            if name.startswith(("pos_", "neg_")):
                cell(records, row, name, value)
    return edit


def covariate_spec(column: str, kind: str):
    def change(spec):
        spec["covariates"] = [c if c != column else {"column": column, "type": kind} for c in spec["covariates"]]
    return change


def renamed_item(new_id: str):
    def change(spec):
        spec["items"][0]["column"] = spec["items"][0]["id"]
        spec["items"][0]["id"] = new_id
    return change


def set_config(path: str, value):
    def change(config):
        *parents, leaf = path.split(".")
        node = config
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return bad_config(change)


DUP_CODE = project(inline_source(selection(START, END)))["project.qde"].replace("55555555-5555-4555-8555-555555555555", "22222222-2222-4222-8222-222222222222")
DUP_USER = project(inline_source(selection(START, END)), users='<User guid="11111111-1111-4111-8111-111111111111" name="coder_a"/>'
                   '<User guid="11111111-1111-4111-8111-111111111111" name="coder_b"/>')["project.qde"]
CODE_USER = project(inline_source(selection(START, END)), users='<User guid="22222222-2222-4222-8222-222222222222" name="coder_a"/>')["project.qde"]


SEG_HEADER = "transcript_id,group_id,participant_id,segment_id,start,end,text,code,coder"
QDE_SELECTION = project(inline_source(selection(START, END)))["project.qde"]
CASES = [
    # --- delimited files (Study 2 responses): the file as a whole
    Case("csv-empty", "study2", s2_file("responses.csv", "  \n"), "responses.csv", "file", "an empty file", "a header row"),
    Case("csv-header-only", "study2", s2(lambda r: r.__delitem__(slice(1, None))), "responses.csv", "file", "a header but no data rows", "at least 1 data row"),
    Case("csv-ragged-short", "study2", s2(_ragged), "responses.csv", "row 6", "3 fields", "fields, as in the header"),
    Case("csv-ragged-long", "study2", s2(lambda r: r[4].append("extra")), "responses.csv", "row 5", "fields", "fields, as in the header"),
    Case("csv-duplicate-name", "study2", s2(lambda r: r[0].__setitem__(1, "start_date")), "responses.csv", "row 1 (header), columns 1 and 2", "'start_date' twice", "each column name once"),
    Case("csv-unnamed-column-with-data", "study2", s2(lambda r: r[0].__setitem__(1, "")), "responses.csv", "row 1 (header), column 2", "an empty column name over data (row 2", "a name for every column that holds data"),
    Case("csv-unclosed-quote", "study2", lambda base, tmp: {"responses": text_file(tmp, "responses.csv", _unclosed_quote(base))}, "responses.csv", "row 9", "a quoted cell opened in row 9 and never closed", "each closed"),
    Case("csv-binary", "study2", s2_file("responses.csv", b"respondent_id\x00\x01\x02\xff\xfe\x00"), "responses.csv", "line 1", "(a binary file?)", "UTF-8"),
    Case("csv-workbook-renamed", "study2", s2_file("responses.csv", b"PK\x03\x04" + b"\x00" * 64), "responses.csv", "file", "a zip archive (an Excel workbook", "save or export it as CSV UTF-8"),
    Case("csv-unknown-encoding", "study2", s2_file("responses.csv", "respondent_id,team\nA1,caf\x81\n".encode("latin-1")), "responses.csv", "line 2", "byte 0x81, which is neither UTF-8 nor Windows-1252", "UTF-8"),
    Case("csv-extension", "study2", s2_file("responses.xlsx", b"PK\x03\x04"), "responses.xlsx", "file name", "extension '.xlsx'", "'.csv'"),
    Case("tsv-ragged", "study2", lambda base, tmp: {"responses": write_records(tmp / "responses.tsv", [r if k != 7 else r[:2] for k, r in enumerate(read_records(base / "responses.csv"))], sep="\t")},
         "responses.tsv", "row 8", "2 fields", "fields, as in the header"),
    Case("csv-no-such-file", "study2", lambda base, tmp: {"responses": tmp / "gone.csv"}, "gone.csv", "file", "no such file", "an existing file"),
    # --- survey exports: cells and columns against the questionnaire spec
    Case("survey-missing-column", "study2", s2(lambda r: r[0].__setitem__(r[0].index("team"), "site")), "responses.csv", "header", "no column 'team'", "every column the questionnaire spec"),
    Case("survey-out-of-scale", "study2", s2(lambda r: cell(r, 7, "pos_motivation", "7")), "responses.csv", "row 7, column pos_motivation", "'7' (outside the scale)", "a whole number from 1 to 5"),
    Case("survey-not-whole", "study2", s2(lambda r: cell(r, 7, "pos_motivation", "2.5")), "responses.csv", "row 7, column pos_motivation", "'2.5' (not a whole number)", "a whole number from 1 to 5"),
    Case("survey-unknown-label", "study2", s2(lambda r: cell(r, 9, "neg_misinterpreted", "Agree a lot")), "responses.csv", "row 9, column neg_misinterpreted", "'Agree a lot' (not one of the scale's labels)", "one of the labels"),
    Case("survey-unmapped-group", "study2", s2(lambda r: cell(r, 4, "currently_uses_sbs_rom", "sometimes")), "responses.csv", "row 4, column currently_uses_sbs_rom", "'sometimes', which the spec maps to no group", "group.levels"),
    Case("survey-unknown-frequency", "study2", s2(lambda r: cell(r, 4, "sbs_rom_frequency", "weekly")), "responses.csv", "row 4, column sbs_rom_frequency", "'weekly'", "one of the frequency levels"),
    Case("survey-blank-id", "study2", s2(lambda r: cell(r, 5, "respondent_id", " ")), "responses.csv", "row 5, column respondent_id", "a blank respondent id", "a unique id for every respondent"),
    Case("survey-duplicate-id", "study2", s2(lambda r: cell(r, 5, "respondent_id", r[2][r[0].index("respondent_id")])), "responses.csv", "rows 3, 5, column respondent_id", "2 times", "each respondent id once"),
    Case("survey-item-answered-by-nobody", "study2", s2(_drop_item_answers), "responses.csv", "column pos_motivation", "no answer in any of the 59 rows", "leave the item out of the questionnaire spec"),
    Case("survey-unscorable-subscale", "study2", s2_spec(_listwise_unscorable, _every_respondent_misses_one), "responses.csv",
         "subscale negative_impact (items neg_", "no respondent of 59 with every item answered (missing.method: listwise)", "change missing.method"),
    Case("survey-huge-cell-is-quoted-short", "study2", s2(_long_answer), "responses.csv", "row 4, column pos_motivation", "characters]", "a whole number from 1 to 5"),
    Case("survey-too-many-header-rows", "study2", s2(lambda r: r[1:1] * 0 or r.__setitem__(slice(1, 2), [r[1]] * 7)), "responses.csv", "rows 7, 8, column respondent_id", "'Respondent ID' 2 times", "each respondent id once"),
    # --- SPSS .sav
    Case("sav-not-spss", "study2", s2_file("responses.sav", "respondent_id\nA1\n"), "responses.sav", "file", "a file SPSS readers cannot open", "an SPSS .sav file"),
    Case("sav-empty", "study2", s2_file("responses.sav", b""), "responses.sav", "file", "an empty file", "an SPSS .sav file"),
    Case("sav-out-of-scale", "study2", lambda base, tmp: {"responses": sav(tmp, base, lambda f: f.__setitem__("pos_motivation", ["9"] + list(f["pos_motivation"].iloc[1:])))},
         "responses.sav", "case 1, column pos_motivation", "'9' (outside the scale)", "a whole number from 1 to 5"),
    Case("sav-missing-group", "study2", lambda base, tmp: {"responses": sav(tmp, base, lambda f: f.pop("currently_uses_sbs_rom"))},
         "responses.sav", "header", "no column 'currently_uses_sbs_rom'", "every column the questionnaire spec"),
    # --- questionnaire spec (YAML)
    Case("spec-alias-bomb", "study2", lambda base, tmp: {"responses": base / "responses.csv", "questionnaire": text_file(tmp, "questionnaire.yaml", alias_bomb())},
         "questionnaire.yaml", "key l", "a document that expands to more than 100,000 values", "at most 100,000 values"),
    Case("spec-invalid-yaml", "study2", lambda base, tmp: {"responses": base / "responses.csv", "questionnaire": text_file(tmp, "questionnaire.yaml", "name: x\n\titems: []\n")},
         "questionnaire.yaml", "line 2, column 1", "invalid YAML", "well-formed YAML"),
    Case("spec-typo-key", "study2", s2_spec(lambda s: s.__setitem__("covariats", [])), "questionnaire.yaml", "key covariats", "unknown key 'covariats'", "did you mean 'covariates'"),
    Case("spec-formula-item-id", "study2", s2_spec(lambda s: s["items"][0].__setitem__("id", "=HYPERLINK(\"http://x\")")), "questionnaire.yaml", "key items[0].id",
         "'=HYPERLINK", "does not start with =, +, -, @ or a tab"),
    Case("spec-too-large", "study2", lambda base, tmp: {"responses": base / "responses.csv", "questionnaire": text_file(tmp, "questionnaire.yaml", "# " + "x" * (3 << 20) + "\n")},
         "questionnaire.yaml", "file", "bytes", "a YAML document of at most 2,097,152 bytes"),
    Case("spec-nested-too-deep", "study2", lambda base, tmp: {"responses": base / "responses.csv", "questionnaire": text_file(tmp, "questionnaire.yaml", "[" * 5000 + "]" * 5000 + "\n")},
         "questionnaire.yaml", "file", "nested too deeply", "nested at most a few hundred levels"),
    # --- Study 1 coded segments (CSV)
    Case("segments-unknown-code", "study1", s1(lambda r: cell(r, 3, "code", "objectiveness")), "segments.csv", "row 3, column code", "code 'objectiveness', which is not in the codebook", "a theme or child code"),
    Case("segments-start-after-end", "study1", s1(lambda r: (cell(r, 4, "start", "90"), cell(r, 4, "end", "10"))), "segments.csv", "row 4, columns start/end", "start 90 and end 10", "start smaller than end"),
    Case("segments-position-not-number", "study1", s1(lambda r: cell(r, 4, "start", "ten")), "segments.csv", "row 4, column start", "'ten'", "a whole number of characters"),
    Case("segments-missing-column", "study1", s1(lambda r: [x.pop() for x in r]), "segments.csv", "row 1 (header)", "no column 'coder'", "exactly the columns"),
    Case("segments-blank-coder", "study1", s1(lambda r: cell(r, 6, "coder", "")), "segments.csv", "row 6, column coder", "a blank coder", "a coder on every row"),
    # --- Study 1 REFI-QDA projects (.qdpx)
    Case("qdpx-not-zip", "study1", lambda base, tmp: {"segments": text_file(tmp, "project.qdpx", "not a zip")}, "project.qdpx", "file", "not a zip archive", "a .qdpx project"),
    Case("qdpx-zip-bomb", "study1", lambda base, tmp: {"segments": zip_bomb(tmp)}, "project.qdpx", "zip member 'Sources/fg1.txt'", "bytes when inflated from", "a possible zip bomb"),
    Case("qdpx-no-project", "study1", s1_qdpx({"Sources/a.txt": "x"}), "project.qdpx", "zip contents", "members 'Sources/a.txt'", "a project.qde file"),
    Case("qdpx-malformed-xml", "study1", s1_qdpx({"project.qde": "<Project><Sources>"}), "project.qdpx", "project.qde line 1", "malformed XML", "well-formed XML"),
    Case("qdpx-entity-bomb", "study1", s1_qdpx({"project.qde": '<?xml version="1.0"?><!DOCTYPE P [<!ENTITY a "xxxxxxxxxx">'
                                                 + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)) + "]><P>&i;</P>"}),
         "project.qdpx", "project.qde line 1", "limit on input amplification factor", "well-formed XML"),
    Case("qdpx-selection-outside-text", "study1", s1_qdpx(project(inline_source(selection(5, 100000)))), "project.qdpx", "selection", "characters 5 to 100000", "a span inside the source text"),
    Case("qdpx-unknown-code", "study1", s1_qdpx(project(inline_source(selection(START, END, code="99999999-9999-4999-8999-999999999999")))), "project.qdpx", "CodeRef",
         "code GUID '99999999-9999-4999-8999-999999999999'", "the GUID of a Code"),
    Case("qdpx-external-source", "study1", s1_qdpx(project('<TextSource guid="44444444-4444-4444-8444-444444444444" name="fg1" plainTextPath="file:///etc/passwd">' + selection(START, END) + '</TextSource>')),
         "project.qdpx", "plainTextPath 'file:///etc/passwd'", "a text not in the archive", "in the folder named by the key study1.sources_dir"),
    # --- codebook (YAML)
    Case("codebook-alias-bomb", "study1", s1_codebook(alias_bomb()), "codebook.yaml", "key l", "expands to more than 100,000 values", "at most 100,000 values"),
    Case("codebook-is-a-text-file", "study1", s1_codebook("root:x:0:0:root:/root:/bin/bash\n" * 60), "codebook.yaml", "top level", "characters]", "a mapping of keys to values"),
    Case("codebook-not-utf8", "study1", s1_codebook("themes: caf\xe9\n".encode("latin-1")), "codebook.yaml", "line 1", "byte 0xe9, which is not UTF-8", "a UTF-8 encoded file"),
    # --- config (config.yaml and --configfile, as the Snakefile checks it before any job)
    Case("config-typo", "config", bad_config(_typo), "config", "key study2.efa.rotatoin", "unknown key 'rotatoin'", "did you mean 'rotation'"),
    Case("config-type", "config", bad_config(lambda c: c.__setitem__("seed", "forty-two")), "config", "key seed", "'forty-two' (str)", "a whole number"),
    Case("config-enum", "config", bad_config(lambda c: c["study2"]["efa"].__setitem__("rotation", "spinning")), "config", "key study2.efa.rotation", "'spinning'", "'promax'"),
    Case("config-alias-bomb", "config", bad_config(_bomb_config), "config", "key study1.notes", "expands to more than 100,000 values", "at most 100,000 values"),
    Case("config-missing-input", "config", bad_config(lambda c: c["study2"].__setitem__("responses", "mine/nothing-here.csv")), "config", "key study2.responses",
         "'mine/nothing-here.csv', which is not there", ""),

    # === the second corpus: each case once got past validation (a crash later, a wrong number with exit 0, or data loss)
    # --- 2. a respondent is never taken for a header row
    Case("survey-first-respondent-off-scale", "study2", s2(lambda r: cell(r, 3, "pos_motivation", "7")), "responses.csv", "row 3, column pos_motivation", "'7' (outside the scale)", "a whole number from 1 to 5"),
    Case("survey-first-respondent-all-off-scale", "study2", s2(every_item(3, "0")), "responses.csv", "row 3, column ", "'0' (outside the scale)", "a whole number from 1 to 5"),
    Case("survey-first-respondent-one-unknown-text", "study2", s2(every_item(3, "Agree a lot")), "responses.csv", "row 3, column ", "'Agree a lot' (not one of the scale's labels)", "one of the labels"),
    Case("survey-no-wording-row-first-off-scale", "study2", s2(lambda r: (r.pop(1), cell(r, 2, "neg_disrupts_flow", "9"))), "responses.csv", "row 2, column neg_disrupts_flow", "'9' (outside the scale)", "a whole number from 1 to 5"),
    Case("survey-first-respondent-decimal", "study2", s2(every_item(3, "3.5")), "responses.csv", "row 3, column ", "'3.5' (not a whole number)", "a whole number from 1 to 5"),
    # --- 3. mixed encodings
    Case("csv-utf8-with-a-cp1252-row", "study2", lambda base, tmp: {"responses": text_file(tmp, "responses.csv", mixed_encoding(base))}, "responses.csv", "line 4",
         "byte 0xc9, which is not UTF-8, in a file with valid UTF-8 on line 3", "one encoding for the whole file"),
    Case("csv-bom-with-a-cp1252-row", "study2", lambda base, tmp: {"responses": text_file(tmp, "responses.csv", mixed_encoding(base, bom=True))}, "responses.csv", "line 4",
         "in a file with a UTF-8 byte-order mark", "one encoding for the whole file"),
    Case("csv-bom-with-one-invalid-byte", "study2", lambda base, tmp: {"responses": text_file(tmp, "responses.csv", bom_and_invalid_byte(base))}, "responses.csv", "line 5",
         "byte 0xe9, which is not UTF-8, in a file with a UTF-8 byte-order mark", "save or export it again as CSV UTF-8"),
    Case("codebook-mixed-encoding", "study1", s1_codebook("themes: caf\u00e9\nnote: caf".encode("utf-8") + b"\xe9\n"), "codebook.yaml", "line 2",
         "in a file with valid UTF-8 on line 1", "one encoding for the whole file"),
    # --- 4. config values the schema let through
    Case("config-alpha-nan", "config", set_config("replication.alpha", float("nan")), "config", "key replication.alpha", "nan (not a finite number)", "a number greater than 0 and less than 1"),
    Case("config-alpha-inf", "config", set_config("study2.comparisons.alpha", float("inf")), "config", "key study2.comparisons.alpha", "inf (not a finite number)", "greater than 0 and less than 1"),
    Case("config-seed-float", "config", set_config("seed", 20.0), "config", "key seed", "20.0 (a number with a decimal point or exponent)", "a whole number from 0 to 4,294,967,295"),
    Case("config-replicates-exponent", "config", set_config("robustness.power.replicates", 1.0e3), "config", "key robustness.power.replicates", "1000.0 (a number with a decimal point", "a whole number from 2 to 1,000,000"),
    Case("config-resamples-huge-float", "config", set_config("study2.bootstrap.resamples", 1.0e308), "config", "key study2.bootstrap.resamples", "1e+308", "a whole number from 1 to 1,000,000"),
    Case("config-permutations-huge", "config", set_config("study2.comparisons.permutations", 10**30), "config", "key study2.comparisons.permutations", "1000000000000000000000000000000", "a whole number from 100 to 10,000,000"),
    Case("config-ci-as-percentage", "config", set_config("study2.bootstrap.ci", 95), "config", "key study2.bootstrap.ci", "95", "(a share, such as 0.95, not a percentage)"),
    Case("config-negative-count", "config", set_config("study1.quotes.per_theme", -1), "config", "key study1.quotes.per_theme", "-1", "a whole number from 0 to 1,000"),
    Case("config-seed-true", "config", set_config("seed", True), "config", "key seed", "True (bool)", "a whole number"),
    Case("config-min-loading-nan", "config", set_config("study2.efa.min_loading", float("nan")), "config", "key study2.efa.min_loading", "nan (not a finite number)", "a number from 0 to 1"),
    Case("config-n-factors-float", "config", set_config("study2.efa.n_factors", 2.0), "config", "key study2.efa.n_factors", "2.0", "one of"),
    Case("config-shift-inf", "config", set_config("robustness.power.shifts", [0.2, float("inf")]), "config", "key robustness.power.shifts[1]", "inf (not a finite number)", "a number from 0 to 10"),
    Case("config-weight-huge", "config", set_config("synthetic.study2.team_weights", {"North": 1e308}), "config", "key synthetic.study2.team_weights.North", "1e+308", "a number from 0 to 1,000,000"),
    # --- 5. a key given twice
    Case("spec-duplicate-reverse", "study2", s2_spec_text(lambda t: t.replace("reverse: true", "reverse: true\n    reverse: false", 1)), "questionnaire.yaml", "lines ",
         "the key 'reverse' twice in one mapping", "each key once"),
    Case("spec-duplicate-top-level", "study2", s2_spec_text(lambda t: t + "name: another name\n"), "questionnaire.yaml", "lines 1 and ", "the key 'name' twice", "each key once"),
    Case("spec-duplicate-in-flow-mapping", "study2", s2_spec_text(lambda t: t + "cluster_note: {a: 1, a: 2}\n"), "questionnaire.yaml", "lines ", "the key 'a' twice", "each key once"),
    Case("codebook-duplicate-key", "study1", s1_codebook(CODEBOOK.read_text(encoding="utf-8").replace("    valence: benefit\n", "    valence: benefit\n    valence: concern\n", 1)), "codebook.yaml", "lines ",
         "the key 'valence' twice", "each key once"),
    Case("configfile-duplicate-key", "configfile", config_file("replication:\n  alpha: 0.05\n  test: welch_t\n  alpha: 0.5\n"), "my-study.yaml", "lines 2 and 4", "the key 'alpha' twice", "each key once"),
    # --- 6. covariates
    Case("survey-covariate-decimal-comma", "study2", s2(lambda r: cell(r, 5, "years_qualified", "7,5")), "responses.csv", "row 5, column years_qualified",
         "'7,5' (a decimal comma, in a column with 58 numbers of 59 filled cells)", "a decimal comma is read only in a semicolon-delimited file"),
    Case("survey-covariate-inf", "study2", s2(lambda r: cell(r, 6, "years_qualified", "inf")), "responses.csv", "row 6, column years_qualified", "'inf' (not a number", "a number in every filled cell (decimals written with a point"),
    Case("survey-covariate-400-digits", "study2", s2(lambda r: cell(r, 7, "years_qualified", "9" * 400)), "responses.csv", "row 7, column years_qualified", "(not a finite number of at most 1e15)", "a number"),
    Case("survey-covariate-exponent-overflow", "study2", s2(lambda r: cell(r, 7, "years_qualified", "1e999")), "responses.csv", "row 7, column years_qualified", "'1e999' (not a finite number", "a number"),
    Case("survey-covariate-declared-numeric", "study2", s2_spec(covariate_spec("years_qualified", "numeric"), lambda r: cell(r, 8, "years_qualified", "ten")), "responses.csv",
         "row 8, column years_qualified", "'ten' (not a number)", "a number in every filled cell (decimals written with a point"),
    Case("survey-covariate-mixed-text", "study2", s2(lambda r: cell(r, 9, "profession", "2")), "responses.csv", "row ", "(not a number, in a column with 1 numbers of 59 filled cells)",
         "type: categorical"),
    # --- 7. one name, one role
    Case("spec-item-id-is-a-covariate", "study2", s2_spec(renamed_item("profession")), "questionnaire.yaml", "key items[0].id", "'profession', a name the clean tables already give to covariate 'profession'", "a name of its own"),
    Case("spec-covariate-named-group", "study2", s2_spec(lambda s: s["covariates"].append("group")), "questionnaire.yaml", "key covariates[3]", "'group', a name the clean tables already give to a column the pipeline derives", "a name of its own"),
    Case("spec-covariate-named-source-row", "study2", s2_spec(lambda s: s["covariates"].append("source_row")), "questionnaire.yaml", "key covariates[3]", "'source_row'", "a name of its own"),
    Case("spec-subscale-named-like-a-covariate", "study2", s2_spec(lambda s: [i.__setitem__("subscale", "team") for i in s["items"] if i["subscale"] == "negative_impact"] and s.pop("subscales", None)),
         "questionnaire.yaml", "subscale", "'team', a name the clean tables already give to covariate 'team'", "a name of its own"),
    Case("spec-item-id-like-a-derived-column", "study2", s2_spec(renamed_item("scorable_positive_impact")), "questionnaire.yaml", "key items[0].id",
         "'scorable_positive_impact'", "a name of its own"),
    Case("spec-covariate-twice-declared", "study2", s2_spec(lambda s: s["covariates"].append({"column": "team", "type": "categorical"})), "questionnaire.yaml", "key covariates", "column 'team' twice", "each covariate once"),
    Case("spec-scale-max-huge", "study2", s2_spec(lambda s: s["response_scale"].__setitem__("max", 10**12)), "questionnaire.yaml", "key response_scale.max", "1000000000000", "a whole number from -1,000 to 1,000"),
    Case("spec-missing-value-nan", "study2", s2_spec_text(lambda t: t.replace('missing_values: ["prefer not to say", -99]', "missing_values: [.nan, -99]", 1)), "questionnaire.yaml", "key response_scale.missing_values[0]",
         "nan (not a finite number)", "a number, or text"),
    # --- 8. GUIDs
    Case("qdpx-two-codes-one-guid", "study1", s1_qdpx({"project.qde": DUP_CODE}), "project.qdpx", "GUID '22222222-2222-4222-8222-222222222222'",
         "one GUID on two elements: <Code name='Objectivity'> and <Code name='service_use_of_data'>", "a GUID of its own"),
    Case("qdpx-two-users-one-guid", "study1", s1_qdpx({"project.qde": DUP_USER}), "project.qdpx", "GUID '11111111-1111-4111-8111-111111111111'",
         "<User name='coder_a'> and <User name='coder_b'>", "a GUID of its own"),
    Case("qdpx-a-user-and-a-code-one-guid", "study1", s1_qdpx({"project.qde": CODE_USER}), "project.qdpx", "GUID '22222222", "<Code name='Objectivity'> and <User name='coder_a'>", "a GUID of its own"),
    # --- 9. valid input misdescribed
    Case("qdpx-encrypted", "study1", lambda base, tmp: {"segments": encrypted(tmp)}, "project.qdpx", "zip member 'project.qde'", "an encrypted member", "a .qdpx made without a password"),
    Case("qdpx-huge-offset", "study1", s1_qdpx(project(inline_source(selection(START, "100000000000000000000000")))), "project.qdpx", "attribute endPosition",
         "'100000000000000000000000'", "a whole number of characters of at most 1,000,000,000,000"),
    Case("segments-huge-offset", "study1", s1(lambda r: cell(r, 4, "end", "100000000000000000000000")), "segments.csv", "row 4, column end", "'100000000000000000000000'",
         "a whole number of characters from 0 to 1,000,000,000,000"),
    Case("segments-offset-exponent", "study1", s1(lambda r: cell(r, 4, "end", "1e5")), "segments.csv", "row 4, column end", "'1e5'", "a whole number of characters"),
    Case("survey-long-id", "study2", s2(lambda r: cell(r, 4, "respondent_id", "R" * 200_000)), "responses.csv", "row 4, column respondent_id", "a cell of 200,000 characters", "at most 1,000 characters in a column the spec uses"),
    Case("survey-item-without-variance", "study2", s2(lambda r: column(r, "pos_motivation", "Agree")), "responses.csv", "column pos_motivation",
         "the same answer (4) from all 59 respondents who answered it", "answers that vary"),
    Case("survey-item-answered-once", "study2", s2(lambda r: (column(r, "neg_misinterpreted", ""), cell(r, 12, "neg_misinterpreted", "2"))), "responses.csv", "column neg_misinterpreted",
         "the same answer (2) from all 1 respondents who answered it", "answers that vary"),
    Case("survey-one-group-only", "study2", s2(lambda r: column(r, "currently_uses_sbs_rom", "no")), "responses.csv", "column currently_uses_sbs_rom, group 'user'",
         "0 respondent(s) scored on positive_impact (respondents per group: non_user 59)", "at least 2 scored respondents in each of the two compared groups"),
    Case("survey-one-user", "study2", s2(lambda r: [cell(r, k, "currently_uses_sbs_rom", "yes" if k == 9 else "no") for k in range(3, 62)]), "responses.csv",
         "column currently_uses_sbs_rom, group 'user'", "1 respondent(s) scored on positive_impact (respondents per group: non_user 58, user 1)", "at least 2 scored"),
    Case("survey-frequency-answered-by-nobody", "study2", s2(lambda r: column(r, "sbs_rom_frequency", "")), "responses.csv", "column sbs_rom_frequency",
         "no answer in any of the 59 rows", "or leave frequency out of the questionnaire spec"),
    Case("survey-long-team", "study2", s2(lambda r: cell(r, 4, "team", "T" * 5000)), "responses.csv", "row 4, column team", "a cell of 5,000 characters", "at most 1,000 characters"),
    Case("config-empty-list-reads-forward", "config", set_config("robustness.power.sample_sizes", []), "config", "key robustness.power.sample_sizes", "[]", "a list of at least 1 value"),
    Case("config-repeated-value-named", "config", set_config("robustness.power.sample_sizes", [30, 59, 30]), "config", "key robustness.power.sample_sizes", "30 listed twice", "each value once"),
    Case("config-too-long-reads-forward", "config", set_config("study1.speaker_pattern", "x" * 600), "config", "key study1.speaker_pattern", "[602 characters]", "text of at most 500 characters"),
    Case("config-range-reads-forward", "config", set_config("study2.efa.parallel_analysis.iterations", 5), "config", "key study2.efa.parallel_analysis.iterations", "5", "a whole number from 10 to 1,000,000"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_named_and_nothing_is_written(case, synthetic_dir, tmp_path):
    work = tmp_path / "in"
    work.mkdir()
    inputs = case.build(synthetic_dir, work)
    before = digests(work, synthetic_dir)
    out = tmp_path / "results"
    with pytest.raises(InputError) as info:
        if case.study == "configfile":
            check_config_files([inputs["configfile"]])
        elif case.study == "config":
            validate_config(inputs["config"], "config")
            check_studies(inputs["config"], str(synthetic_dir), "config")
        elif case.study == "study2":
            clean = out / "clean" / "study2"
            ingest_study2(inputs["responses"], inputs.get("questionnaire", SPEC), [], clean / "responses_coded.csv", clean / "responses_scored.csv", clean / "audit.csv")
        else:
            clean = out / "clean" / "study1"
            ingest_study1(inputs["segments"], inputs.get("codebook", CODEBOOK), clean / "coded_segments.csv", clean / "audit.csv")
    error, message = info.value, str(info.value)
    assert Path(error.file).name == case.file or error.file == case.file, message
    assert case.location in error.location, message
    assert case.found in error.found, message
    assert case.expected in error.expected, message
    assert len(message) <= LONGEST_MESSAGE and len(error.found) <= MAX_FOUND, f"{len(message)} characters"
    assert not re.search(r"is (less|greater) than|should be|is too (long|short)|non-unique", error.expected), "the expectation reads backwards"
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*")), "a table was written"
    assert digests(work, synthetic_dir) == before, "an input was changed"


def digests(*folders: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folders``: the inputs before and after a run."""
    return {str(p): sha256_of(p) for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_corpus_covers_every_kind_of_input():
    kinds = {c.id.split("-")[0] for c in CASES}
    assert len(CASES) >= 100
    assert kinds >= {"csv", "tsv", "survey", "sav", "spec", "segments", "qdpx", "codebook", "config", "configfile"}


def test_the_untouched_config_passes_the_check():
    """The config cases start from config.yaml, which passes: each fails for its own reason."""
    config = yaml.safe_load((Path(__file__).parents[1] / "config.yaml").read_text(encoding="utf-8"))
    validate_config(config, "config")


# ----------------------------------------------------------------- accepted variants: same tables


def _with_accent(records):
    """The reference: one profession with a non-ASCII letter and one decimal covariate, so encodings and decimal commas matter."""
    cell(records, 3, "profession", "thérapeute")
    cell(records, 4, "years_qualified", "5.5")


def _tables(result_dir: Path) -> dict[str, pd.DataFrame]:
    return {p.name: pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(result_dir.glob("*.csv")) if p.name != "audit.csv"}


VARIANTS = {  # name -> (file name, how to write the reference records, the audit rules the variant adds)
    "utf8-bom": ("responses.csv", lambda r, p: write_records(p, r, encoding="utf-8-sig"), set()),
    "crlf": ("responses.csv", lambda r, p: write_records(p, r, newline="\r\n"), set()),
    "utf16-tab-txt": ("responses.txt", lambda r, p: write_records(p, r, sep="\t", encoding="utf-16", newline="\r\n"), {"encoding_converted"}),
    "utf16-csv": ("responses.csv", lambda r, p: write_records(p, r, encoding="utf-16"), {"encoding_converted"}),
    "cp1252": ("responses.csv", lambda r, p: write_records(p, r, encoding="cp1252", newline="\r\n"), {"encoding_converted"}),
    "semicolon-decimal-comma": (
        "responses.csv",
        lambda r, p: write_records(p, [[c.replace("5.5", "5,5") if c == "5.5" else c for c in row] for row in r], sep=";"),
        {"delimiter_detected", "decimal_comma"},
    ),
    "trailing-empties": (
        "responses.csv",
        lambda r, p: write_records(p, [row + ["", ""] for row in r] + [[""] * (len(r[0]) + 2)] * 3),
        {"empty_row_dropped", "empty_column_dropped"},
    ),
}


@pytest.fixture(scope="module")
def reference(synthetic_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reference")
    records = read_records(synthetic_dir / "responses.csv")
    _with_accent(records)
    path = write_records(tmp / "responses.csv", records)
    out = tmp / "out"
    ingest_study2(path, SPEC, [], out / "responses_coded.csv", out / "responses_scored.csv", out / "audit.csv")
    return records, _tables(out), set(pd.read_csv(out / "audit.csv")["rule"])


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_messy_exports_give_the_same_tables(variant, reference, tmp_path):
    records, tables, rules = reference
    name, write, added = VARIANTS[variant]
    path = write(records, tmp_path / name)
    out = tmp_path / "out"
    ingest_study2(path, SPEC, [], out / "responses_coded.csv", out / "responses_scored.csv", out / "audit.csv")
    got = _tables(out)
    assert got.keys() == tables.keys()
    for table in tables:
        pd.testing.assert_frame_equal(got[table], tables[table], check_dtype=False)
    assert got["responses_coded.csv"].loc[0, "profession"] == "thérapeute"
    assert set(pd.read_csv(out / "audit.csv")["rule"]) - rules == added


@pytest.mark.parametrize("variant", ["crlf", "semicolon", "utf16"])
def test_messy_segment_files_give_the_same_tables(variant, synthetic_dir, tmp_path, codebook):
    records = read_records(synthetic_dir / "coded_segments.csv")
    reference = tmp_path / "ref"
    ingest_study1(synthetic_dir / "coded_segments.csv", CODEBOOK, reference / "coded_segments.csv", reference / "audit.csv")
    path = {"crlf": lambda: write_records(tmp_path / "s.csv", records, newline="\r\n"),
            "semicolon": lambda: write_records(tmp_path / "s.csv", records, sep=";"),
            "utf16": lambda: write_records(tmp_path / "s.csv", records, encoding="utf-16")}[variant]()
    out = tmp_path / "out"
    ingest_study1(path, CODEBOOK, out / "coded_segments.csv", out / "audit.csv")
    assert (out / "coded_segments.csv").read_bytes() == (reference / "coded_segments.csv").read_bytes()


# ----------------------------------------------------------------- hostile but valid: formulas neutralised and logged


FORMULAS = ['=HYPERLINK("http://evil.example","click")', "@SUM(1+1)*cmd|' /C calc'!A0", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0"]


def test_formula_cells_are_neutralised_in_clean_tables_and_logged(synthetic_dir, tmp_path):
    def edit(records):
        cell(records, 3, "respondent_id", FORMULAS[0])
        cell(records, 4, "team", FORMULAS[1])
        cell(records, 5, "profession", FORMULAS[2])
        cell(records, 6, "profession", FORMULAS[3])
    path = responses(synthetic_dir, tmp_path, edit)
    out = tmp_path / "out"
    ingest_study2(path, SPEC, [], out / "coded.csv", out / "scored.csv", out / "audit.csv")
    for table in ("coded.csv", "scored.csv"):
        cells = [c for row in read_records(out / table) for c in row]
        assert not [c for c in cells if re.match(r"^[=+@\t\r]", c) or re.match(r"^-[^\d.]", c)], table
        assert "'" + FORMULAS[0] in cells and "'" + FORMULAS[3] in cells
    audit = pd.read_csv(out / "audit.csv", dtype=str, keep_default_na=False)
    logged = audit[audit.rule == "formula_neutralised"]
    # the audit log is a CSV too: its copy of the value as read is neutralised like every other cell
    assert logged[["row", "column", "after"]].values.tolist() == [
        ["3", "respondent_id", "'" + FORMULAS[0]], ["4", "team", "'" + FORMULAS[1]], ["5", "profession", "'" + FORMULAS[2]], ["6", "profession", "'" + FORMULAS[3]]]
    assert (logged["before"] == logged["after"]).all()


def test_formula_text_in_segments_is_neutralised_and_logged(synthetic_dir, tmp_path):
    path = segments(synthetic_dir, tmp_path, lambda r: (cell(r, 2, "participant_id", FORMULAS[0]), cell(r, 3, "text", FORMULAS[2])))
    out = tmp_path / "out"
    ingest_study1(path, CODEBOOK, out / "coded_segments.csv", out / "audit.csv")
    cells = [c for row in read_records(out / "coded_segments.csv") for c in row]
    assert "'" + FORMULAS[0] in cells and "'" + FORMULAS[2] in cells and FORMULAS[0] not in cells
    audit = pd.read_csv(out / "audit.csv", dtype=str, keep_default_na=False)
    assert audit.loc[audit.rule == "formula_neutralised", ["row", "column"]].values.tolist() == [["2", "participant_id"], ["3", "text"]]


def test_every_written_table_is_neutralised(tmp_path):
    """The writer's guard: labels from a spec, codebook or config never reach a CSV as a formula; numbers stay numbers."""
    from camhs_rom.core.tables import write_table

    frame = pd.DataFrame({"label": ["=1+1", "-0.5", "plain", "@x", None], "value": [-1.0, 2.0, 3.0, 4.0, 5.0]})
    write_table(frame, tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False)
    assert back["label"].tolist() == ["'=1+1", "-0.5", "plain", "'@x", ""]
    assert back["value"].tolist() == ["-1", "2", "3", "4", "5"]


def test_copy_of_the_inputs_is_untouched(synthetic_dir, tmp_path):
    """Neutralising and every accepted conversion change the clean tables, never the input file."""
    source = tmp_path / "responses.csv"
    shutil.copy(synthetic_dir / "responses.csv", source)
    before = source.read_bytes()
    ingest_study2(source, SPEC, [], tmp_path / "o" / "c.csv", tmp_path / "o" / "s.csv", tmp_path / "o" / "a.csv")
    assert source.read_bytes() == before


def test_a_written_table_reads_back_as_the_user_wrote_it_for_showing(tmp_path):
    """The guard is for spreadsheets: the report and figures show '+Government' and '@name', not their guarded copies."""
    from camhs_rom.core.tables import read_table, write_table

    frame = pd.DataFrame({"label": ["+Government", "@istvan", "'quoted", "-0.5", "plain"], "n": [1, 2, 3, 4, 5]})
    write_table(frame, tmp_path / "t.csv")
    assert pd.read_csv(tmp_path / "t.csv")["label"].tolist() == ["'+Government", "'@istvan", "'quoted", "-0.5", "plain"]
    pd.testing.assert_frame_equal(read_table(tmp_path / "t.csv"), frame)
    write_table(read_table(tmp_path / "t.csv"), tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "t.csv").read_bytes()
