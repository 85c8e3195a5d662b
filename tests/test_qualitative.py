"""Study 1 themes: tally rules, tallies, co-occurrence, saturation, quotes; both input routes agree."""

import shutil

import pandas as pd
import pytest

from camhs_rom.core.errors import InputError
from camhs_rom.ingest.segments import clean_segments
from camhs_rom.instruments.codebook import codebook_from_dict
from camhs_rom.study1.passages import coded_passages
from camhs_rom.study1.steps import study1_agreement, study1_themes
from camhs_rom.study1.themes import (
    cooccurrence,
    participants_of,
    primary_coder,
    saturation,
    select_quotes,
    tallied,
    theme_by_participant,
    theme_tallies,
    valence_tallies,
)

from .conftest import CODEBOOK

BOOK = codebook_from_dict(
    {
        "themes": [
            {"id": "obj", "label": "Objectivity", "valence": "benefit", "definition": "d", "codes": ["c1"]},
            {"id": "svc", "label": "Service use", "valence": "concern", "definition": "d", "codes": ["c2"]},
            {"id": "emp", "label": "Empowerment", "valence": "benefit", "definition": "d"},
        ]
    }
)
COLS = ["transcript_id", "group_id", "participant_id", "segment_id", "start", "end", "text", "code", "theme", "valence", "coder"]


def example():
    rows = [
        ("t1", "G1", "P1", "s1", 0, 10, "We can see the change in the numbers each week.", "c1", "obj", "benefit", "a"),
        ("t1", "G1", "P1", "s1", 0, 10, "We can see the change in the numbers each week.", "c1", "obj", "benefit", "b"),
        ("t1", "G1", "P2", "s2", 20, 30, "Managers look at it.", "c2", "svc", "concern", "a"),
        ("t1", "G1", "P2", "s2", 20, 30, "Managers look at it.", "c1", "obj", "benefit", "b"),
        ("t2", "G2", "P3", "s3", 0, 10, "They judge us by it.", "c2", "svc", "concern", "a"),
        ("t2", "G2", "P3", "s3", 0, 10, "They judge us by it.", "c2", "svc", "concern", "b"),
        ("t2", "G2", "P4", "s4", 20, 30, "It shows progress.", "obj", "obj", "benefit", "b"),
    ]
    return pd.DataFrame(rows, columns=COLS)


def test_tally_rules():
    passaged = coded_passages(example())
    as_set = lambda t: set(zip(t["passage_id"], t["theme"], strict=True))  # noqa: E731
    primary = tallied(passaged, "primary", "a")
    union = tallied(passaged, "union")
    consensus = tallied(passaged, "consensus")
    assert as_set(primary) == {("t1#001", "obj"), ("t1#002", "svc"), ("t2#001", "svc")}
    assert as_set(union) == as_set(primary) | {("t1#002", "obj"), ("t2#002", "obj")}
    assert as_set(consensus) == {("t1#001", "obj"), ("t2#001", "svc")}
    assert primary.loc[primary.passage_id == "t1#001", "agreed"].item()


def test_primary_coder_default_and_unknown():
    passaged = coded_passages(example())
    assert primary_coder(passaged, None) == "a"
    with pytest.raises(InputError, match="key study1.tally.primary_coder: found 'c'; expected one of the coders in the coded segments: 'a', 'b'"):
        primary_coder(passaged, "c")


def test_tallies_include_unvoiced_themes():
    seg = example()
    counted = tallied(coded_passages(seg), "union")
    table = theme_tallies(counted, BOOK, 4).set_index("theme")
    assert table.loc["obj", ["n_participants", "n_groups", "n_segments"]].tolist() == [3, 2, 3]
    assert table.loc["obj", "pct_participants"] == 75
    assert table.loc["obj", "codes"] == "c1;obj"
    assert table.loc["emp", ["n_participants", "n_segments"]].tolist() == [0, 0]
    valence = valence_tallies(counted, BOOK, 4).set_index("valence")
    assert valence.loc["benefit", ["n_themes", "n_participants"]].tolist() == [2, 3]
    assert valence.loc["concern", ["n_participants", "n_segments"]].tolist() == [2, 2]


def test_theme_by_participant_lists_everyone():
    seg = example()
    counted = tallied(coded_passages(seg), "primary", "a")
    table = theme_by_participant(counted, participants_of(seg), BOOK.theme_ids)
    assert table["participant_id"].tolist() == ["P1", "P2", "P3", "P4"]
    assert table[["obj", "svc", "emp"]].values.tolist() == [[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 0]]


def test_cooccurrence_counts():
    counted = tallied(coded_passages(example()), "union")
    table = cooccurrence(counted, BOOK.theme_ids).set_index(["level", "theme_a", "theme_b"])
    assert table.loc[("passage", "obj", "svc"), "n"] == 1  # t1#002 carries both under union
    assert table.loc[("participant", "obj", "svc"), "n"] == 1  # P2
    assert table.loc[("participant", "obj", "obj"), "n"] == 3
    assert table.loc[("participant", "obj", "svc"), "jaccard"] == pytest.approx(1 / 4)


def test_saturation_in_config_order():
    counted = tallied(coded_passages(example()), "union")
    table = saturation(counted, ["t2", "t1"])
    assert table["transcript_id"].tolist() == ["t2", "t1"]
    assert table["new_themes"].tolist() == [2, 0]
    assert table["new_codes"].tolist() == [2, 1]
    assert table["cumulative_codes"].tolist() == [2, 3]
    with pytest.raises(InputError, match="key study1.saturation_order"):
        saturation(counted, ["t1", "t3"])


def test_quotes_are_short_deterministic_and_spread_over_people():
    seg = example()
    passaged = coded_passages(seg)
    counted = tallied(passaged, "union")
    quotes = select_quotes(counted, passaged, BOOK.theme_ids, per_theme=2, max_chars=25, seed=1)
    assert quotes.groupby("theme").size().to_dict() == {"obj": 2, "svc": 2}
    obj = quotes[quotes.theme == "obj"]
    assert obj["agreed"].tolist()[0]  # the passage both coders coded comes first
    assert obj["participant_id"].is_unique
    assert all(len(e) <= 25 for e in quotes["excerpt"])
    assert quotes.loc[quotes.passage_id == "t1#001", "excerpt"].iloc[0] == "We can see the change in…"
    pd.testing.assert_frame_equal(quotes, select_quotes(counted, passaged, BOOK.theme_ids, 2, 25, 1))


OUT_KEYS = ["tallies", "valence", "by_participant", "cooccurrence", "saturation", "quotes", "passages"]


def _study1_tables(clean_csv, out):
    outputs = {k: out / f"{k}.csv" for k in OUT_KEYS}
    study1_themes(clean_csv, CODEBOOK, outputs, "primary", None, None, 3, 200, 7)
    study1_agreement(clean_csv, CODEBOOK, out / "agreement.csv", out / "disagreements.csv", 300, 0.95, 7)
    return [*outputs.values(), out / "agreement.csv", out / "disagreements.csv"]


def test_default_data_reproduce_the_paper_design(synthetic_dir, codebook, tmp_path):
    clean = tmp_path / "clean.csv"
    clean_segments(synthetic_dir / "coded_segments.csv", codebook).segments.to_csv(clean, index=False)
    _study1_tables(clean, tmp_path)
    tallies = pd.read_csv(tmp_path / "tallies.csv")
    assert (tallies["n_participants"] >= 1).all() and len(tallies) == 5
    people = pd.read_csv(tmp_path / "by_participant.csv")
    assert len(people) == 12 and people["group_id"].nunique() == 3
    agreement = pd.read_csv(tmp_path / "agreement.csv")
    overall = agreement[(agreement.theme == "all") & (agreement.measure == "cohen_kappa")].iloc[0]
    assert 0.5 < overall["value"] < 0.95 and overall["ci_low"] < overall["value"] < overall["ci_high"]


def test_csv_and_qdpx_routes_give_identical_tables(synthetic_dir, codebook, tmp_path):
    written = {}
    for route, source in (("csv", "coded_segments.csv"), ("qdpx", "focus_groups.qdpx")):
        out = tmp_path / route
        out.mkdir()
        clean = clean_segments(synthetic_dir / source, codebook).segments.drop(columns="source_format")
        clean.to_csv(out / "clean.csv", index=False)
        written[route] = _study1_tables(out / "clean.csv", out)
    for a, b in zip(written["csv"], written["qdpx"], strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    shutil.rmtree(tmp_path / "csv")


def test_quotes_reach_every_participant_once_before_anyone_twice_across_themes():
    """Three themes, each voiced by the same four participants: with two quotes per theme the six
    quotes go to all four before any participant is quoted a second time, whatever the themes' order."""
    rows = []
    for theme in ["a", "b", "c"]:
        for p in ["P1", "P2", "P3", "P4"]:
            rows.append({"theme": theme, "passage_id": f"{theme}-{p}", "participant_id": p, "group_id": "g1", "transcript_id": "t1",
                         "agreed": p in ("P1", "P2")})  # agreement would otherwise put P1 and P2 first in every theme
    counted = pd.DataFrame(rows)
    passaged = pd.DataFrame({"passage_id": counted["passage_id"], "text": [f"words of {p} on {t}" for p, t in zip(counted.participant_id, counted.theme, strict=True)]})
    quotes = select_quotes(counted, passaged, ["a", "b", "c"], per_theme=2, max_chars=80, seed=3)
    first_four = quotes["participant_id"].iloc[:4]
    assert sorted(first_four) == ["P1", "P2", "P3", "P4"]
    assert quotes["participant_id"].value_counts().max() == 2
