"""Coded passages: the merging rule and the presence array."""

import numpy as np
import pandas as pd

from camhs_rom.study1.passages import coded_passages, presence

COLS = ["transcript_id", "group_id", "participant_id", "segment_id", "start", "end", "text", "code", "theme", "valence", "coder"]


def frame(rows):
    return pd.DataFrame([(t, "G", p, "s", s, e, "x", "c", th, "benefit", c) for t, p, s, e, th, c in rows], columns=COLS)


def test_overlaps_merge_across_coders_touching_spans_do_not():
    seg = frame(
        [
            ("t1", "P1", 0, 10, "a", "x"),
            ("t1", "P1", 5, 15, "a", "y"),  # overlaps the first: same passage
            ("t1", "P1", 15, 20, "a", "x"),  # starts where the last ended: new passage
            ("t1", "P2", 6, 9, "a", "y"),  # another participant: never merged
            ("t2", "P1", 0, 10, "a", "x"),
        ]
    )
    out = coded_passages(seg)
    assert out["passage_id"].tolist() == ["t1#001", "t1#001", "t1#003", "t1#002", "t2#001"]
    assert out.loc[0, ["passage_start", "passage_end"]].tolist() == [0, 15]
    assert out.index.tolist() == [0, 1, 2, 3, 4]  # input order kept


def test_presence_marks_missing_coders():
    seg = frame([("t1", "P1", 0, 10, "a", "x"), ("t1", "P1", 0, 10, "b", "y"), ("t2", "P1", 0, 5, "a", "x")])
    passages, judged = presence(coded_passages(seg), ["a", "b"], ["x", "y"])
    assert passages["passage_id"].tolist() == ["t1#001", "t2#001"]
    assert judged[0].tolist() == [[1, 0], [0, 1]]
    assert judged[1, 0, 0] == 1 and np.isnan(judged[1, 0, 1])
