"""The synthetic default: byte-identical on every run, calibrated to the paper, sized by config."""

import copy

import numpy as np
import pandas as pd
import pytest

from camhs_rom.core.errors import InputError
from camhs_rom.core.schemas import read_yaml
from camhs_rom.core.seeding import rng_for
from camhs_rom.ingest.segments import clean_segments
from camhs_rom.ingest.survey import clean_responses
from camhs_rom.instruments.questionnaire import load_questionnaire, questionnaire_from_dict
from camhs_rom.stats.factors import congruence
from camhs_rom.synthetic.steps import synthesize_study1, synthesize_study2
from camhs_rom.synthetic.study1 import simulate_study1
from camhs_rom.synthetic.study2 import allocate, expand_questionnaire, simulate_study2

from .conftest import CODEBOOK, SPEC


def _generate(out, config):
    synthesize_study2(SPEC, config["synthetic"]["study2"], config["seed"], out / "r.csv", out / "r.sav", out / "m2.json")
    synthesize_study1(CODEBOOK, config["synthetic"]["study1"], config["seed"], out / "s.csv", out / "p.qdpx", out / "t", out / "m1.json")
    return sorted(p for p in out.rglob("*") if p.is_file())


def test_regenerating_gives_identical_bytes(tmp_path, config):
    first = _generate(tmp_path / "a", config)
    second = _generate(tmp_path / "b", config)
    assert [p.relative_to(tmp_path / "a") for p in first] == [p.relative_to(tmp_path / "b") for p in second]
    assert len(first) == 9
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), f"{a.name} differs between runs"


def test_another_seed_gives_other_data(tmp_path, config):
    other = copy.deepcopy(config)
    other["seed"] += 1
    a = _generate(tmp_path / "a", config)
    b = _generate(tmp_path / "b", other)
    assert next(p for p in a if p.name == "r.csv").read_bytes() != next(p for p in b if p.name == "r.csv").read_bytes()


def test_study2_matches_the_published_sample(synthetic_dir, questionnaire):
    coded = clean_responses(synthetic_dir / "responses.csv", questionnaire).coded
    assert len(coded) == 59
    assert coded["team"].nunique() == 4
    almost_always = (coded["frequency"] == "almost always").sum()
    assert almost_always == 4 and round(100 * almost_always / 59, 1) == 6.8
    missing = coded[questionnaire.item_ids].isna().to_numpy().mean()
    assert 0.005 < missing < 0.04
    assert coded["group"].value_counts().min() >= 10


def test_users_score_higher_on_both_subscales(synthetic_dir, questionnaire):
    scored = clean_responses(synthetic_dir / "responses.csv", questionnaire).scored
    for subscale in questionnaire.subscales:
        items = [i.id for i in questionnaire.items_of(subscale)]
        means = scored[items].mean(axis=1).groupby(scored["group"]).mean()
        assert means["user"] > means["non_user"] + 0.2, subscale


def test_study1_matches_the_published_design(synthetic_dir, codebook):
    seg = clean_segments(synthetic_dir / "coded_segments.csv", codebook).segments
    assert seg["participant_id"].nunique() == 12
    assert seg.groupby("group_id")["participant_id"].nunique().tolist() == [4, 4, 4]
    for coder in ("coder_a", "coder_b"):
        assert set(seg.loc[seg.coder == coder, "theme"]) == set(codebook.theme_ids)
    text = (synthetic_dir / "transcripts" / "focus_group_1.txt").read_text(encoding="utf-8")
    assert text.startswith("SYNTHETIC TRANSCRIPT")


def test_coders_agree_imperfectly(synthetic_dir, codebook):
    seg = clean_segments(synthetic_dir / "coded_segments.csv", codebook).segments
    by_unit = seg.pivot_table(index="segment_id", columns="coder", values="theme", aggfunc="first")
    both = by_unit.dropna()
    agreement = (both["coder_a"] == both["coder_b"]).mean()
    assert 0.7 < agreement < 0.98
    assert by_unit["coder_b"].isna().any() and by_unit["coder_a"].isna().any()


def test_allocate_is_exact_and_proportional():
    assert allocate({"never": 13, "rarely": 16, "sometimes": 14, "often": 12, "almost always": 4}, 59)["almost always"] == 4
    counts = allocate({"a": 1, "b": 1, "c": 1}, 100)
    assert counts == {"a": 34, "b": 33, "c": 33}
    assert sum(allocate({"x": 0.3, "y": 0.7}, 100_000).values()) == 100_000


def test_step_streams_are_independent():
    assert rng_for(1, "study1").random() != rng_for(1, "study2").random()
    assert rng_for(1, "study1").random() == rng_for(1, "study1").random()


def test_sizes_come_from_config(config, questionnaire):
    settings = dict(config["synthetic"]["study2"], n_respondents=5000)
    spec = expand_questionnaire(read_yaml(SPEC), 40)
    q = questionnaire_from_dict(spec, "expanded.yaml")
    frame = simulate_study2(q, settings, config["seed"])
    assert frame.shape[0] == 5000
    assert len(q.items) == 40 and frame[q.item_ids].shape[1] == 40
    assert (frame[q.frequency_column] == "almost always").sum() == round(5000 * 4 / 59)
    assert q.items[18].id == "pos_objective_progress_2" and q.items[18].subscale == "positive_impact"


def test_group_sizes_of_study1_come_from_config(config, codebook):
    settings = dict(config["synthetic"]["study1"], participants_per_group=[3, 5])
    _, segments = simulate_study1(codebook, settings, 7)
    assert segments.groupby("group_id")["participant_id"].nunique().to_dict() == {"FG1": 3, "FG2": 5}


def test_settings_must_match_the_instruments(config, questionnaire, codebook):
    bad = dict(config["synthetic"]["study2"], frequency_weights={"never": 1, "always": 1})
    with pytest.raises(InputError, match="key synthetic.study2.frequency_weights: found no entry for the level 'rarely'"):
        simulate_study2(questionnaire, bad, 1)
    extra = dict(config["synthetic"]["study2"], frequency_weights={**config["synthetic"]["study2"]["frequency_weights"], "weekly": 3})
    assert simulate_study2(questionnaire, extra, 1).equals(simulate_study2(questionnaire, config["synthetic"]["study2"], 1))  # extras ignored
    bad1 = copy.deepcopy(config["synthetic"]["study1"])
    bad1["theme_prevalence"].pop("empowerment")
    with pytest.raises(InputError, match="key synthetic.study1.theme_prevalence: found no prevalence for the theme 'empowerment'"):
        simulate_study1(codebook, bad1, 1)


def _scored_items(frame, q):
    return q.keyed_items(frame).dropna()


def test_generator_two_factor_structure_is_recovered(config):
    """At n = 2,000 an oblimin EFA recovers the intended pattern (Tucker congruence >= .95)."""
    from factor_analyzer import FactorAnalyzer

    q = load_questionnaire(SPEC)
    settings = dict(config["synthetic"]["study2"], n_respondents=2000, missing_share=0.0)
    data = _scored_items(simulate_study2(q, settings, config["seed"]), q)
    fa = FactorAnalyzer(n_factors=2, rotation="oblimin", method="minres").fit(data)
    target = np.array([[item.subscale == s for s in q.subscales] for item in q.items], dtype=float)
    phi = congruence(target, fa.loadings_)
    best = np.abs(phi).max(axis=1)
    assert (best >= 0.95).all(), phi
    assert set(np.abs(phi).argmax(axis=1)) == {0, 1}


def test_default_sample_shows_the_two_subscales(synthetic_dir, questionnaire):
    """Even at n = 59 every item loads most on the factor of its intended subscale."""
    from factor_analyzer import FactorAnalyzer

    q = questionnaire
    coded = clean_responses(synthetic_dir / "responses.csv", q).coded
    data = _scored_items(coded, q)
    fa = FactorAnalyzer(n_factors=2, rotation="oblimin", method="minres").fit(data)
    loadings = pd.DataFrame(fa.loadings_, index=q.item_ids)
    factor_of = {s: loadings.loc[[i.id for i in q.items_of(s)]].abs().mean().idxmax() for s in q.subscales}
    assert len(set(factor_of.values())) == 2
    for item in q.items:
        assert loadings.loc[item.id].abs().idxmax() == factor_of[item.subscale], item.id


def test_any_spec_is_simulated_with_its_cluster_and_covariates(config):
    """A team's spec (psych::bfi's: no frequency item, covariates gender, education, age, no cluster) before its data exist."""
    from camhs_rom.instruments.questionnaire import load_questionnaire

    from .conftest import ROOT

    q = load_questionnaire(ROOT / "examples" / "public-data" / "bfi" / "questionnaire.yaml")
    settings = copy.deepcopy(config["synthetic"]["study2"])
    settings.update(n_respondents=400, user_share=0.5, user_shift={"openness": 1.0, "positive_impact": 0.8},
                    covariates={"age": {"mean": 30, "sd": 8, "min": 18, "max": 70}, "gender": {"levels": {"male": 1, "female": 3}}})
    frame = simulate_study2(q, settings, 3)
    assert set(q.covariates) <= set(frame.columns) and frame["age"].between(18, 70).all()
    assert set(frame["gender"]) == {"male", "female"} and set(frame["education"]) == {"level A", "level B"}
    assert 0.4 < (frame["degree"] == "yes").mean() < 0.6
    scores = q.keyed_items(frame)[[i.id for i in q.items if i.subscale == "openness"]].mean(axis=1)
    assert scores[frame["degree"] == "yes"].mean() > scores[frame["degree"] == "no"].mean()  # the shift reaches the answers
    before = simulate_study2(load_questionnaire(ROOT / "data" / "instruments" / "rom_beliefs_questionnaire.yaml"), config["synthetic"]["study2"], 3)
    assert "age" not in before.columns  # the default spec draws nothing extra (its stream is untouched)
    for bad in ({"levels": {"a": 1}, "mean": 1, "sd": 1, "min": 0, "max": 2}, {"mean": 1, "sd": 1}, {"mean": 1, "sd": 1, "min": 5, "max": 2}):
        with pytest.raises(InputError, match="key synthetic.study2.covariates.age"):
            simulate_study2(q, dict(settings, covariates={"age": bad}), 3)
