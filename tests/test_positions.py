"""Character positions: every convention a QDA program uses is found from the data, and quotes are the coded text.

The texts mix CRLF line ends, accented letters (one precomposed, one combining), and
characters beyond the Basic Multilingual Plane (emoji, a mathematical letter), which count
two UTF-16 code units; positions are written under each convention as the program would
(independently of the reader: from the UTF-16 encoding and by counting CRLFs), and every
quote read back must be exactly the selected words.
"""

import numpy as np
import pandas as pd
import pytest

from camhs_rom.core.errors import InputError
from camhs_rom.ingest.positions import CONVENTIONS, place, to_code_points, unit_offsets
from camhs_rom.ingest.qdpx import read_qdpx

from .test_qdpx import S1, project, selection, write_project

TEXT = (
    "Focus group two\r\n"
    "Facilitator: What helps? 😀\r\n"
    "P01: Zoë said the graph 👍🏽 shows progress, café-style.\r\n"
    "P02: Managers will judge us 𝒳 every week.\r\n"
    "P01: Naïve targets 🙃 miss the point.\r\n"
)
WORDS = ["shows progress", "café-style", "Managers will judge us", "every week", "Naïve targets", "miss the point"]


def encode(text: str, start: int, end: int, utf16: bool, crlf_as_one: bool) -> tuple[int, int]:
    """Positions as a program writes them: UTF-16 code units or code points, a CRLF as one unit or two."""
    def units(prefix: str) -> int:
        n = len(prefix.encode("utf-16-le")) // 2 if utf16 else len(prefix)
        return n - prefix.count("\r\n") if crlf_as_one else n
    return units(text[:start]), units(text[:end])


def project_with(positions, text=TEXT):
    sels = "".join(
        selection(s, e, guid=f"66666666-6666-4666-8666-{k:012d}", name=f"sel-{k}") for k, (s, e) in enumerate(positions)
    )
    source = f'<TextSource guid="{S1}" name="fg2" plainTextPath="internal://{S1}.txt">{sels}</TextSource>'
    return project(source, extra_files={f"Sources/{S1}.txt": text.encode("utf-8")})


@pytest.mark.parametrize("convention", CONVENTIONS, ids=[c[0] for c in CONVENTIONS])
def test_every_convention_gives_the_exact_coded_text(convention, tmp_path):
    name, utf16, crlf = convention
    spans = [(TEXT.index(w), TEXT.index(w) + len(w)) for w in WORDS]
    positions = [encode(TEXT, s, e, utf16, crlf) for s, e in spans]
    read = read_qdpx(write_project(tmp_path, project_with(positions)))
    assert read.segments["text"].tolist() == WORDS
    assert [TEXT[s:e] for s, e in zip(read.segments["start"], read.segments["end"], strict=True)] == WORDS
    assert read.sources[0].positions == name
    assert any(f"positions count {name}" in note for note in read.notes)


def test_positions_are_into_the_text_as_the_file_holds_it(tmp_path):
    """CRLF kept: start/end index the decoded file, whatever the program counted."""
    s, e = TEXT.index("every week"), TEXT.index("every week") + len("every week")
    read = read_qdpx(write_project(tmp_path, project_with([encode(TEXT, s, e, True, True)])))
    assert read.transcripts["fg2"] == TEXT
    assert (int(read.segments["start"][0]), int(read.segments["end"][0])) == (s, e)


def test_unit_offsets_count_as_the_encodings_do():
    for text in (TEXT, "a\r\nb", "😀\r\n😀"):
        for _, utf16, crlf in CONVENTIONS:
            units = unit_offsets(text, utf16, crlf)
            between_cr_and_lf = {i for i in range(1, len(text)) if text[i - 1 : i + 1] == "\r\n"}  # no position of a selection
            expected = [encode(text, 0, i, utf16, crlf)[1] for i in range(len(text) + 1)]
            assert [int(u) for i, u in enumerate(units) if i not in between_cr_and_lf] == [x for i, x in enumerate(expected) if i not in between_cr_and_lf]


def test_a_position_inside_a_surrogate_pair_does_not_fit():
    text = "a😀b"
    units = unit_offsets(text, True, False)
    assert to_code_points(np.array([0, 1, 2, 3, 4]), units).tolist() == [0, 1, -1, 2, 3]


def test_no_convention_fits_stops_with_the_trials(tmp_path):
    """Positions that cut words under every convention: the text is not the one coded."""
    plain = TEXT.replace("\r\n", "\n")
    positions = [(plain.index(w) + 2, plain.index(w) + len(w) - 2) for w in WORDS]
    with pytest.raises(InputError) as info:
        read_qdpx(write_project(tmp_path, project_with(positions, text=plain)))
    assert "no way of counting characters places at word boundaries" in info.value.found
    assert "at best 0% at word boundaries" in info.value.found


def test_a_plain_text_needs_no_choice():
    text = "P01: plain words here.\n"
    fit, _ = place(text, [5], [10])
    assert fit.convention == "code points" and len(fit.alternatives) == 3


@pytest.mark.parametrize("convention", CONVENTIONS, ids=[c[0] for c in CONVENTIONS])
def test_quotes_and_disagreements_are_the_coded_words(convention, tmp_path, codebook):
    """Two coders, the same words, different codes: every excerpt the Study 1 tables show is coded text."""
    from camhs_rom.ingest.segments import clean_segments
    from camhs_rom.study1.steps import study1_agreement, study1_themes

    from .conftest import CODEBOOK
    from .test_qdpx import C1, C2

    _, utf16, crlf = convention
    second = "22222222-0000-4000-8000-000000000002"
    sels = ""
    for k, words in enumerate(WORDS):
        s, e = encode(TEXT, TEXT.index(words), TEXT.index(words) + len(words), utf16, crlf)
        sels += selection(s, e, code=C2, guid=f"66666666-6666-4666-8666-{k:012d}", name=f"a{k}")
        other = "55555555-5555-4555-8555-555555555555"  # service_use_of_data: another theme
        sels += selection(s, e, code=other if k % 2 else C1, user=second, guid=f"77777777-6666-4666-8666-{k:012d}", name=f"b{k}")
    source = f'<TextSource guid="{S1}" name="fg2" plainTextPath="internal://{S1}.txt">{sels}</TextSource>'
    users = f'<User guid="11111111-1111-4111-8111-111111111111" name="coder_a"/><User guid="{second}" name="coder_b"/>'
    files = project(source, users=users, extra_files={f"Sources/{S1}.txt": TEXT.encode("utf-8")})
    clean = tmp_path / "clean.csv"
    clean_segments(write_project(tmp_path, files), codebook).segments.to_csv(clean, index=False)
    outputs = {k: tmp_path / f"{k}.csv" for k in ["tallies", "valence", "by_participant", "cooccurrence", "saturation", "quotes", "passages"]}
    study1_themes(clean, CODEBOOK, outputs, "union", None, None, 3, 200, 1)
    study1_agreement(clean, CODEBOOK, tmp_path / "agreement.csv", tmp_path / "dis.csv", 50, 0.95, 1, scope_out=tmp_path / "scope.csv")
    quotes = pd.read_csv(outputs["quotes"], dtype=str, keep_default_na=False)["excerpt"]
    split = pd.read_csv(tmp_path / "dis.csv", dtype=str, keep_default_na=False)["excerpt"]
    assert len(quotes) and len(split)
    assert set(quotes) <= set(WORDS) and set(split) <= set(WORDS)
