"""The consortium's pooled statistics from summaries only, against R, and the summary's disclosure check and reading.

Known answers: ``tests/fixtures/lavaan/sites.R`` (lavaan 0.6.14 from sample.cov/sample.mean/
sample.nobs; metafor 3.8-1 rma REML + Knapp-Hartung) on ten bfi items split into four sites
of consecutive rows. Tolerances: fit indices 1e-3 absolute, chi-squares 1e-3 relative (as
``tests/test_cfa.py``); pooled effect 1e-6 absolute.
"""

from __future__ import annotations

import copy
import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from camhs_rom.consortium import disclosure, summary
from camhs_rom.consortium.cli import pack
from camhs_rom.consortium.pooled import reference_record, site_moments, site_rows
from camhs_rom.consortium.pooling import group_differences, themes_by_site
from camhs_rom.consortium.sites import SiteSummary, read_site
from camhs_rom.consortium.steps import KEPT_AT_SITE, shareable_record
from camhs_rom.consortium.structure import factor_structure, invariance_across_sites
from camhs_rom.core.errors import InputError
from camhs_rom.core.schemas import with_defaults
from camhs_rom.core.tables import sha256_of, write_table
from camhs_rom.replication.preregistration import frozen_record
from camhs_rom.stats.agreement import cohen_kappa
from camhs_rom.stats.cfa import Clusters, GroupMoments, fit_ml

from .conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "lavaan"
ITEMS = [f"A{k}" for k in range(1, 6)] + [f"C{k}" for k in range(1, 6)]
CLUSTERS = Clusters.from_mapping({"agree": ITEMS[:5], "consc": ITEMS[5:]})
MEASUREMENT = {"acceptable_cfi": 0.90, "acceptable_rmsea": 0.08, "delta_cfi": 0.01, "delta_rmsea": 0.015, "advised_group_n": 100}


@pytest.fixture(scope="module")
def bfi_sites():
    data = pd.read_csv(ROOT / "examples" / "public-data" / "bfi" / "bfi.csv").dropna(subset=[*ITEMS, "gender"]).reset_index(drop=True)
    return [data.iloc[rows] for rows in np.array_split(np.arange(len(data)), 4)]  # R's cut(seq_len(n), 4): equal consecutive blocks


def _moments(site: pd.DataFrame) -> GroupMoments:
    return GroupMoments.of(site[ITEMS].to_numpy())


@pytest.mark.parametrize("level", ["configural", "metric", "scalar"])
def test_invariance_across_sites_from_summaries_matches_lavaan(bfi_sites, level):
    want = pd.read_csv(FIXTURES / "sites_fit.csv")
    want = dict(want.loc[want["model"] == level, ["measure", "value"]].to_numpy())
    moments = {f"site_{k}": _moments(site) for k, site in enumerate(bfi_sites, start=1)}
    table = invariance_across_sites(CLUSTERS, moments, MEASUREMENT).set_index("model")
    row = table.loc[level]
    assert row["k"] == 4 and row["n"] == sum(len(s) for s in bfi_sites)
    for measure in ("chisq", "df", "cfi", "tli", "rmsea", "srmr"):
        tolerance = 1e-3 * abs(want[measure]) if measure == "chisq" else 1e-3
        assert row[measure] == pytest.approx(want[measure], abs=tolerance), measure


@pytest.mark.parametrize("level", ["configural", "metric", "scalar"])
def test_the_limited_memory_optimiser_many_sites_use_reaches_lavaans_fit(bfi_sites, level):
    """Above DENSE_LIMIT free parameters (a consortium of many sites) fit_ml switches to L-BFGS-B: the same fit."""
    want = pd.read_csv(FIXTURES / "sites_fit.csv")
    want = dict(want.loc[want["model"] == level, ["measure", "value"]].to_numpy())
    result = fit_ml(CLUSTERS, [_moments(site) for site in bfi_sites], level, method="L-BFGS-B")
    assert result.converged
    assert result.chisq == pytest.approx(want["chisq"], rel=1e-6)
    for measure in ("cfi", "tli", "rmsea", "srmr"):
        assert getattr(result.fit, measure) == pytest.approx(want[measure], abs=1e-4), measure


def _site_summary(name: str, site: pd.DataFrame) -> SiteSummary:
    score = site[[f"A{k}" for k in range(1, 6)]].mean(axis=1)
    rows = [["agree", g, int((site["gender"] == g).sum()), score[site["gender"] == g].mean(), score[site["gender"] == g].std(ddof=1)] for g in ("female", "male")]
    return SiteSummary(name, "", {"studies": ["study2"]}, {"study2_groups": pd.DataFrame(rows, columns=summary.TABLES["study2_groups"])})


def test_pooled_hedges_g_from_summaries_matches_metafor(bfi_sites):
    sites = [_site_summary(f"site_{k}", s) for k, s in enumerate(bfi_sites, start=1)]
    effects, pooled = group_differences(sites, ["agree"], ("female", "male"), {"subscales": {"positive": "agree", "negative": "consc"}})
    want = pd.read_csv(FIXTURES / "sites_meta.csv").iloc[0]
    row = pooled[0]
    assert row["claim"] == "S2-G+" and row["k"] == 4 and len(effects) == 4
    for key in ("estimate", "ci_low", "ci_high", "tau2", "i2", "q", "q_p", "pi_low", "pi_high"):
        assert row[key] == pytest.approx(want[key], abs=1e-6), key


def _keyed(site: pd.DataFrame) -> pd.DataFrame:
    return site.assign(**{k: 7 - site[k] for k in ("A1", "C4", "C5")})  # the reverse-keyed items, as a site's scored table has them


def test_identical_sites_have_congruence_one_with_the_pooled_solution(bfi_sites):
    mom = _moments(_keyed(bfi_sites[0]))
    efa = {"extraction": "minres", "rotation": "oblimin", "min_loading": 0.3, "cross_loading": 0.3, "n_factors": "auto",
           "retention": "parallel_analysis", "parallel_analysis": {"iterations": 100, "percentile": 95}}
    intended = {i: ("agree" if i.startswith("A") else "consc") for i in ITEMS}
    result = factor_structure({"a": mom, "b": mom}, ITEMS, intended, efa, 1)
    assert result["n_factors"] == 2 and result["retention"]["parallel_analysis"] == 2  # the two scales
    assert result["sites"]["congruence"].to_numpy() == pytest.approx(1.0, abs=1e-9)
    assert result["misplaced"] == 0 and min(result["congruences"]) > 0.9
    other = factor_structure({"a": mom, "b": _moments(_keyed(bfi_sites[1]))}, ITEMS, intended, {**efa, "n_factors": 3}, 1)
    assert other["n_factors"] == 3 and other["why"].startswith("fixed")  # a number in the config is fitted as given
    other = factor_structure({"a": mom, "b": _moments(_keyed(bfi_sites[1]))}, ITEMS, intended, efa, 1)
    assert 0.9 < other["sites"]["congruence"].min() < 1.0  # a different sample: high, not perfect


def test_themes_are_summed_over_sites():
    def site(name, rows):
        return SiteSummary(name, "", {}, {"study1_themes": pd.DataFrame(rows, columns=summary.TABLES["study1_themes"])})

    table = themes_by_site([site("a", [["t", 6, 12, 2, 3]]), site("b", [["t", 0, 10, 0, 2]])], ["t"]).set_index("site")
    assert table.loc["all sites", "participants"] == 6 and table.loc["all sites", "n_participants"] == 22
    assert table.loc["all sites", "groups"] == 2 and table.loc["all sites", "share"] == pytest.approx(6 / 22)
    assert table.loc["b", "share"] == 0


VOCABULARY = {"subscale": {"pos", "neg"}, "group": {"user", "non_user"}, "level": {"never", "often"}, "item": {"i1", "i2"}, "theme": {"t"}}


def _groups(rows):
    return pd.DataFrame(rows, columns=summary.TABLES["study2_groups"])


def test_disclosure_passes_aggregates_and_names_each_failure():
    clean = {"study2_groups": _groups([["pos", "user", 12, 3.1, 0.8], ["pos", "non_user", 0, np.nan, np.nan]])}
    verdict = disclosure.check_summary(clean, VOCABULARY, {"R001"}, 5)
    assert disclosure.passed(verdict)  # zero is not a disclosure
    small = {"study2_groups": _groups([["pos", "user", 4, 3.1, 0.8]])}
    verdict = disclosure.check_summary(small, VOCABULARY, set(), 5)
    assert not disclosure.passed(verdict)
    words = disclosure.failures_in_words(verdict)
    assert "below the minimum" in words and "4" not in words  # the small value itself is never repeated
    text = {"study2_groups": _groups([["I hate ROM forms", "user", 12, 3.1, 0.8]])}
    assert "not a name the instruments define" in disclosure.failures_in_words(disclosure.check_summary(text, VOCABULARY, set(), 5))
    ids = {"study2_groups": _groups([["pos", "R001", 12, 3.1, 0.8]])}
    assert "an id of the data" in disclosure.failures_in_words(disclosure.check_summary(ids, VOCABULARY | {"group": {"R001"}}, {"R001"}, 5))
    repeated = {"study2_groups": _groups([["pos", "user", 12, 3.1, 0.8], ["pos", "user", 12, 2.9, 0.7]])}
    assert "appears more than once" in disclosure.failures_in_words(disclosure.check_summary(repeated, VOCABULARY, set(), 5))


def _write_summary(folder, tables: dict[str, pd.DataFrame], min_count: int = 5):
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        write_table(frame, folder / f"{name}.csv")
    write_table(disclosure.check_summary(tables, VOCABULARY, set(), min_count), folder / "disclosure.csv")
    record = {"format": summary.FORMAT, "disclosure": "passed", "min_count": min_count, "studies": ["study2"], "synthetic": False,
              "record": {"config": {}}, "tables": {name: sha256_of(folder / f"{name}.csv") for name in tables}}
    (folder / "site.json").write_text(json.dumps(record), encoding="utf-8")
    return folder


def test_a_summary_is_read_from_a_folder_or_its_zip_and_refused_when_changed(tmp_path):
    folder = _write_summary(tmp_path / "site_summary", {"study2_groups": _groups([["pos", "user", 12, 3.1, 0.8]])})
    assert read_site("a", folder, 5).tables["study2_groups"]["n"].tolist() == [12]
    zipped = pack(folder, tmp_path / "a.zip", "a")
    assert read_site("a", zipped, 5).tables["study2_groups"]["mean"].tolist() == [3.1]
    assert zipped.read_bytes() == pack(folder, tmp_path / "again.zip", "a").read_bytes()  # the same summary, the same bytes
    with pytest.raises(InputError, match="below the minimum"):
        read_site("a", folder, 20)  # the consortium asks for more than the site checked
    (folder / "study2_groups.csv").write_text("subscale,group,n,mean,sd\npos,user,3,3.1,0.8\n", encoding="utf-8")
    with pytest.raises(InputError, match="SHA-256 differs"):
        read_site("a", folder, 5)


def test_a_failed_summary_and_a_zip_bomb_are_refused(tmp_path):
    failed = tmp_path / "failed"
    failed.mkdir()
    write_table(disclosure.check_summary({"study2_groups": _groups([["pos", "user", 3, 3.1, 0.8]])}, VOCABULARY, set(), 5), failed / "disclosure.csv")
    with pytest.raises(InputError, match="site.json"):
        read_site("a", failed, 5)
    with pytest.raises(InputError, match="below the minimum"):
        pack(failed, tmp_path / "x.zip", "a")
    assert not (tmp_path / "x.zip").exists()
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a/site.json", b"{" + b" " * 50_000_000 + b"}")
    with pytest.raises(InputError, match="zip bomb"):
        read_site("a", bomb, 5)


def test_agreement_counts_give_the_kappa_the_sites_own_run_computes():
    """The 2 x 2 counts a summary carries reproduce Cohen's kappa of the passages (scikit-learn's, as agreement.csv)."""
    rng = np.random.default_rng(7)
    judged = (rng.random((60, 2, 3)) < 0.4).astype(float)
    judged[:10, :, 2] = np.nan  # the third coder did not code the first transcript
    counts = summary.agreement_counts(judged, ["t1", "t2"])
    assert counts["pair"].tolist() == ["coder 1 vs coder 2"] * 2 + ["coder 1 vs coder 3"] * 2
    for row in counts.to_dict("records"):
        k = int(row["pair"][-1]) - 1
        j = ["t1", "t2"].index(row["theme"])
        want = cohen_kappa(judged[:, j, [0, k]])
        assert summary.kappa_of_counts(row["both"], row["first_only"], row["second_only"], row["neither"]) == pytest.approx(want, abs=1e-12)
    assert counts.loc[counts["pair"] == "coder 1 vs coder 3", ["both", "first_only", "second_only", "neither"]].sum(axis=1).tolist() == [50, 50]
    assert np.isnan(summary.kappa_of_counts(5, 0, 0, 0))  # one category only: chance agreement 1, kappa undefined


def test_a_shared_record_names_no_local_path():
    record = {"config": {"study2": {"responses": "/home/me/north/staff.sav", "questionnaire": "/home/me/spec.yaml", "efa": {"rotation": "oblimin"}},
                         "study1": None},
              "instruments": {"questionnaire": {"path": "/home/me/spec.yaml", "sha256": "ab"}}}
    shared = shareable_record(record)
    assert shared["config"]["study2"] == {"responses": KEPT_AT_SITE, "questionnaire": "spec.yaml", "efa": {"rotation": "oblimin"}}
    assert shared["instruments"] == {"questionnaire": {"path": "spec.yaml", "sha256": "ab"}} and "/home" not in json.dumps(shared)


def test_each_site_is_compared_with_the_frozen_preregistration(tmp_path, config):
    """consortium.frozen names the plan every site ran: a site that changed a setting is listed with the claims it can move."""
    plan = with_defaults(copy.deepcopy(config), "config")
    frozen = tmp_path / "preregistration.json"
    frozen.write_text(json.dumps(frozen_record(plan, {}, "code", {})), encoding="utf-8")
    changed = copy.deepcopy(plan)
    changed["study2"]["efa"]["rotation"] = "promax"
    changed["study2"]["responses"] = KEPT_AT_SITE  # data paths are never compared
    sites = [SiteSummary(name, "", {"studies": ["study2"], "record": frozen_record(c, {}, "code", {})}, {}) for name, c in (("a", plan), ("b", changed))]
    table, deviations = site_rows(sites, reference_record(plan, str(frozen), "other code"))
    assert table["deviations"].tolist() == [0, 1]
    assert deviations[["site", "key", "preregistered", "used", "claims"]].values.tolist() == [["b", "study2.efa.rotation", "oblimin", "promax", "S2-K"]]
    assert reference_record(plan, None, "other code")["code"]["code_digest"] == "other code"  # no plan named: this run is the reference


def test_a_site_whose_covariances_do_not_fit_the_questionnaire_is_named_not_dropped(bfi_sites):
    keyed = _keyed(bfi_sites[0])
    good = SiteSummary("good", "", {}, {summary.MOMENTS: summary.moments_table(keyed, ITEMS)})
    other = SiteSummary("other", "", {}, {summary.MOMENTS: summary.moments_table(keyed, ITEMS[:8])})
    bare = SiteSummary("bare", "", {}, {})
    moments, left_out = site_moments([good, other, bare], ITEMS)
    assert list(moments) == ["good"] and moments["good"].n == len(keyed)
    assert left_out == ["other (its covariances cover other items than the questionnaire)", "bare (no item covariances in its summary)"]
