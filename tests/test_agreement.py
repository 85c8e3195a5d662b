"""Coder agreement: known answers, the vectorised bootstrap against the libraries, the tables."""

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from camhs_rom.core.errors import InputError
from camhs_rom.stats.agreement import (
    alpha_batch,
    cohen_kappa,
    kappa_batch,
    krippendorff_alpha,
    light_kappa_batch,
    percent_agreement,
    percent_agreement_batch,
)
from camhs_rom.study1.agreement import (
    AGREEMENT_COLUMNS,
    agreement_scope,
    agreement_table,
    compared_passages,
    disagreements,
    no_agreement_reason,
)
from camhs_rom.study1.passages import coded_passages

# Hand-worked example (10 units, 2 coders, binary):
#   p_o = 8/10; both coders apply the code to 5 of 10 units, so p_e = .5*.5 + .5*.5 = .5
#   Cohen's kappa = (.8 - .5) / (1 - .5) = .6
#   coincidences: o_11 = o_00 = 2 x 4 agreeing units = 8, o_01 = o_10 = 2; n_0 = n_1 = 10, n = 20
#   Krippendorff's alpha = 1 - (n - 1) (o_01 + o_10) / (n^2 - n_0^2 - n_1^2) = 1 - 19 x 4 / 200 = .62
HAND = np.array([[1, 1], [1, 1], [1, 1], [1, 0], [0, 0], [0, 0], [0, 0], [0, 1], [1, 1], [0, 0]], dtype=float)


def test_hand_worked_example():
    assert cohen_kappa(HAND) == pytest.approx(0.6, abs=1e-12)
    assert krippendorff_alpha(HAND) == pytest.approx(0.62, abs=1e-12)
    assert percent_agreement(HAND) == pytest.approx(80.0, abs=1e-12)
    ones = np.ones((1, len(HAND)))
    assert kappa_batch(HAND[:, 0].astype(int), HAND[:, 1].astype(int), ones)[0] == pytest.approx(0.6, abs=1e-12)
    assert alpha_batch(HAND, ones)[0] == pytest.approx(0.62, abs=1e-12)


@pytest.fixture(scope="module")
def ratings():
    """Three coders, 60 units, 4 categories, correlated judgements, 10% missing."""
    rng = np.random.default_rng(11)
    truth = rng.integers(0, 4, 60)
    values = np.stack([np.where(rng.random(60) < 0.75, truth, rng.integers(0, 4, 60)) for _ in range(3)], axis=1).astype(float)
    values[rng.random(values.shape) < 0.1] = np.nan
    return values


def test_kappa_batch_matches_scikit_learn(ratings):
    both = ~np.isnan(ratings[:, 0]) & ~np.isnan(ratings[:, 1])
    a, b = ratings[both, 0].astype(int), ratings[both, 1].astype(int)
    expected = cohen_kappa_score(a, b)
    assert kappa_batch(a, b, np.ones((1, len(a))))[0] == pytest.approx(expected, abs=1e-12)


def test_alpha_batch_matches_the_krippendorff_package(ratings):
    expected = krippendorff.alpha(reliability_data=ratings.T, level_of_measurement="nominal")
    assert alpha_batch(ratings, np.ones((1, len(ratings))))[0] == pytest.approx(expected, abs=1e-12)


def test_light_kappa_is_the_mean_of_pairwise_scikit_learn_kappas(ratings):
    pairs = []
    for i, j in [(0, 1), (0, 2), (1, 2)]:
        both = ~np.isnan(ratings[:, i]) & ~np.isnan(ratings[:, j])
        pairs.append(cohen_kappa_score(ratings[both, i].astype(int), ratings[both, j].astype(int)))
    assert cohen_kappa(ratings) == pytest.approx(np.mean(pairs), abs=1e-12)
    assert light_kappa_batch(ratings, np.ones((1, len(ratings))))[0] == pytest.approx(np.mean(pairs), abs=1e-12)


def test_bootstrap_weights_equal_the_per_resample_library_path(ratings):
    """Each weighted row equals the libraries run on the resample spelled out unit by unit."""
    rng = np.random.default_rng(3)
    n = len(ratings)
    weights = rng.multinomial(n, np.full(n, 1 / n), size=5).astype(float)
    kappas = light_kappa_batch(ratings, weights)
    alphas = alpha_batch(ratings, weights)
    agree = percent_agreement_batch(ratings, weights)
    for b in range(len(weights)):
        resample = np.repeat(ratings, weights[b].astype(int), axis=0)
        assert kappas[b] == pytest.approx(cohen_kappa(resample), abs=1e-12)
        assert alphas[b] == pytest.approx(krippendorff.alpha(reliability_data=resample.T, level_of_measurement="nominal"), abs=1e-12)
        assert agree[b] == pytest.approx(percent_agreement(resample), abs=1e-12)


def test_undefined_kappa_is_nan_not_an_error():
    same = np.zeros((8, 2))
    assert np.isnan(cohen_kappa(same))
    assert np.isnan(kappa_batch(same[:, 0].astype(int), same[:, 1].astype(int), np.ones((1, 8))))[0]
    assert percent_agreement(same) == 100


def passaged_example():
    """Two coders, two transcripts; coder_b codes nothing in t2 (missing, not disagreement)."""
    rows = [
        # transcript, group, participant, segment, start, end, text, code, theme, valence, coder
        ("t1", "G1", "P1", "s1", 0, 10, "aaaa", "c1", "obj", "benefit", "coder_a"),
        ("t1", "G1", "P1", "s1", 2, 12, "aaaa", "c1", "obj", "benefit", "coder_b"),
        ("t1", "G1", "P2", "s2", 20, 30, "bbbb", "c2", "svc", "concern", "coder_a"),
        ("t1", "G1", "P2", "s2", 20, 30, "bbbb", "c3", "obj", "benefit", "coder_b"),
        ("t1", "G1", "P1", "s3", 40, 50, "cccc", "c2", "svc", "concern", "coder_b"),
        ("t2", "G2", "P3", "s4", 0, 9, "dddd", "c1", "obj", "benefit", "coder_a"),
    ]
    cols = ["transcript_id", "group_id", "participant_id", "segment_id", "start", "end", "text", "code", "theme", "valence", "coder"]
    return coded_passages(pd.DataFrame(rows, columns=cols))


def test_agreement_table_on_known_passages():
    table = agreement_table(passaged_example(), ["obj", "svc"], resamples=200, ci=0.9, seed=5)
    assert list(table.columns) == AGREEMENT_COLUMNS
    assert set(table["theme"]) == {"obj", "svc", "all"}
    obj = table[(table.theme == "obj")].set_index("measure")
    # judgements on the 3 passages of t1 (t2's passage has one coder only):
    # obj: a = [1, 0, 0], b = [1, 1, 0]  -> 2 of 3 agree
    assert obj.loc["percent_agreement", "value"] == pytest.approx(200 / 3)
    assert obj.loc["cohen_kappa", "value"] == pytest.approx(cohen_kappa_score([1, 0, 0], [1, 1, 0]))
    expected_alpha = krippendorff.alpha(reliability_data=[[1, 0, 0, 1], [1, 1, 0, np.nan]], level_of_measurement="nominal")
    assert obj.loc["krippendorff_alpha", "value"] == pytest.approx(expected_alpha)
    assert (table["n_units"].loc[table.theme != "all"] == 3).all()
    assert table.loc[table.theme == "all", "n_units"].iloc[0] == 6
    again = agreement_table(passaged_example(), ["obj", "svc"], resamples=200, ci=0.9, seed=5)
    pd.testing.assert_frame_equal(table, again)
    # a resample drawing only passages the coders judged alike holds one category, and kappa is undefined there
    # (percentage agreement only where every drawn passage has a single judgement)
    used = table.set_index(["theme", "measure"])["resamples_used"]
    assert 0 < used[("obj", "cohen_kappa")] < used[("obj", "percent_agreement")] <= 200


def test_an_interval_says_how_many_resamples_it_rests_on():
    from camhs_rom.core.seeding import bootstrap_interval, resamples_note

    estimates = np.r_[np.arange(1.0, 101.0), [np.nan] * 50, [np.inf] * 2]
    low, high, used = bootstrap_interval(estimates, 0.9)
    assert used == 100 and (low, high) == pytest.approx(tuple(np.percentile(np.arange(1.0, 101.0), [5, 95])))
    assert resamples_note(used, len(estimates)) == "interval from the 100 of 152 resamples in which it is defined"
    assert resamples_note(152, 152) == ""
    assert bootstrap_interval(np.full(10, np.nan), 0.95)[2] == 0
    assert resamples_note(0, 2000) == "no interval: undefined in all 2,000 resamples"


def test_one_coder_gives_an_empty_table():
    one = passaged_example()
    one = one[one.coder == "coder_a"]
    assert agreement_table(one, ["obj", "svc"], 50, 0.95, 1).empty


def test_disagreements_list_every_split():
    table = disagreements(passaged_example(), ["obj", "svc"])
    got = sorted(zip(table["passage_id"], table["theme"], table["coders_applied"], table["coders_not_applied"], strict=True))
    assert got == [("t1#002", "obj", "coder_b", "coder_a"), ("t1#002", "svc", "coder_a", "coder_b"), ("t1#003", "svc", "coder_b", "coder_a")]


# ----------------------------------------------------------------- only shared material is compared


def disjoint_example():
    """Two coders who never coded the same transcript."""
    rows = [
        ("t1", "G1", "P1", "s1", 0, 10, "aaaa", "c1", "obj", "benefit", "coder_a"),
        ("t1", "G1", "P2", "s2", 20, 30, "bbbb", "c2", "svc", "concern", "coder_a"),
        ("t2", "G2", "P3", "s3", 0, 9, "dddd", "c1", "obj", "benefit", "coder_b"),
        ("t2", "G2", "P4", "s4", 10, 19, "eeee", "c2", "svc", "concern", "coder_b"),
    ]
    cols = ["transcript_id", "group_id", "participant_id", "segment_id", "start", "end", "text", "code", "theme", "valence", "coder"]
    return coded_passages(pd.DataFrame(rows, columns=cols))


def test_scope_compares_only_transcripts_every_coder_coded():
    scope = agreement_scope(passaged_example())
    assert scope.values.tolist() == [["t1", "coder_a;coder_b", True, "coded by every coder"], ["t2", "coder_a", False, "not coded by coder_b"]]
    shared = compared_passages(passaged_example(), scope)
    assert set(shared["transcript_id"]) == {"t1"}
    # t2's passage had one judgement: the statistics are those of t1's three passages
    full = agreement_table(passaged_example(), ["obj", "svc"], 200, 0.9, 5).set_index(["theme", "measure"])["value"]
    assert agreement_table(shared, ["obj", "svc"], 200, 0.9, 5).set_index(["theme", "measure"])["value"].to_dict() == pytest.approx(full.to_dict())


def test_two_coders_on_disjoint_transcripts_give_no_statistic_and_say_why():
    passaged = disjoint_example()
    scope = agreement_scope(passaged)
    assert not scope["compared"].any()
    assert agreement_table(compared_passages(passaged, scope), ["obj", "svc"], 50, 0.95, 1).empty
    assert disagreements(compared_passages(passaged, scope), ["obj", "svc"]).empty
    reason = no_agreement_reason(scope)
    assert "coded no transcript in common" in reason and "coder_a, coder_b" in reason


def test_the_step_writes_empty_tables_and_the_scope(tmp_path, codebook):
    from camhs_rom.study1.steps import study1_agreement

    from .conftest import CODEBOOK

    segments = disjoint_example().drop(columns=["passage_id", "passage_start", "passage_end"])
    segments["theme"] = segments["theme"].map({"obj": "objectivity", "svc": "service_use_of_data"})
    segments["code"] = segments["theme"]
    segments.to_csv(tmp_path / "segments.csv", index=False)
    study1_agreement(tmp_path / "segments.csv", CODEBOOK, tmp_path / "a.csv", tmp_path / "d.csv", 50, 0.95, 1, scope_out=tmp_path / "s.csv")
    assert pd.read_csv(tmp_path / "a.csv").empty and pd.read_csv(tmp_path / "d.csv").empty
    assert pd.read_csv(tmp_path / "s.csv")["compared"].tolist() == [False, False]


def test_listed_sources_must_be_coded_by_every_coder():
    with pytest.raises(InputError, match="coded only by 'coder_a'"):
        agreement_scope(passaged_example(), ["t2"])
    with pytest.raises(InputError, match="not in the coded segments"):
        agreement_scope(passaged_example(), ["t9"])
    scope = agreement_scope(passaged_example(), ["t1"])
    assert scope["compared"].tolist() == [True, False]


def test_one_coder_is_said_in_words():
    one = passaged_example()
    one = one[one.coder == "coder_a"]
    assert no_agreement_reason(agreement_scope(one)).startswith("Agreement needs two or more coders; the coded segments have one (coder_a)")


def test_the_report_words_for_each_case():
    from camhs_rom.report.study1_summary import Study1Summary, describe_agreement

    base = dict(n_transcripts=2, n_participants=4, n_groups=2, source_format="REFI-QDA project", placement={}, spanning=0, positions={}, texts_from={})
    disjoint = Study1Summary(coders=("a", "b"), compared=(), left_out=(("t1", "not coded by b"), ("t2", "not coded by a")), **base)
    one = Study1Summary(coders=("a",), compared=(), left_out=(("t1", "one coder: nothing to compare"),), **base)
    some = Study1Summary(coders=("a", "b"), compared=("t1",), left_out=(("t2", "not coded by b"),), **base)
    assert "no shared material" in describe_agreement(disjoint) and not disjoint.agreement_possible
    assert describe_agreement(one).startswith("One coder coded the material")
    assert describe_agreement(some) == "Agreement compares the 1 transcript every coder coded (t1); 1 transcript left out (t2: not coded by b)."


def test_the_bootstrap_in_batches_equals_it_in_one(monkeypatch, synthetic_dir, codebook):
    """A large project's resamples are drawn and analysed in batches; the draws and intervals are those of one batch."""
    import camhs_rom.study1.agreement as module
    from camhs_rom.ingest.segments import clean_segments

    passaged = coded_passages(clean_segments(synthetic_dir / "coded_segments.csv", codebook).segments)
    one = agreement_table(passaged, codebook.theme_ids, 1000, 0.95, 7)
    monkeypatch.setattr(module, "batches", lambda resamples, n, max_elements: [300, 300, 300, 100])
    split = agreement_table(passaged, codebook.theme_ids, 1000, 0.95, 7)
    pd.testing.assert_frame_equal(one, split, check_exact=False, rtol=1e-12)
