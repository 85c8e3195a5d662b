"""The multiverse: the three headline claims of Study 2 under every defensible analysis.

A *specification* is one choice on each of seven decisions, read from
``robustness.multiverse`` in the config:

``missing``
    the missing-data rule: ``person_mean`` (the spec's pro-rating rule, with its
    ``max_missing_share``) or ``listwise``; applied by :func:`camhs_rom.ingest.survey.score_items`.
``user_definition``
    who counts as a user: ``group_item`` (the spec's yes/no group column) or
    ``frequency`` (frequency of use at or above ``frequency_threshold``, e.g. "often";
    respondents without a frequency answer are left out).
``correlation``
    the matrix factor-analysed, as ``study2.efa.correlation``: ``pearson`` (the 2015
    analysis) or ``polychoric`` (the answers as ordinal categories;
    :func:`camhs_rom.study2.efa.item_matrix`).
``extraction``, ``rotation``
    as ``study2.efa`` (minres | ml | principal; oblimin | promax | varimax | none).
``retention``
    the rule that sets the number of factors: parallel_analysis | map | kaiser, with
    the iterations, percentile and seed of the main analysis (the same random data sets).
``test``
    welch_t | student_t | mann_whitney | permutation, Holm-adjusted across the two
    subscales as in the main analysis.

Each specification runs the project's own functions, in the order of the main analysis:
score the items under the missing rule; fit the EFA with the retained number of factors;
assign each item to the subscale whose matched factor it loads on most (items loading most
on an unmatched extra factor are left out); score each subscale as the mean of its
assigned items; compare the groups. The claims, with the scorecard's criteria
(``replication`` config section):

``S2-K``
    the retention rule gives ``n_factors`` (2) factors, each intended subscale is matched
    with Tucker congruence >= ``min_congruence`` and no item loads most on another
    subscale's factor.
``S2-G+`` / ``S2-G-``
    users minus non-users > 0 on the positive / negative subscale with Holm-adjusted
    p < ``alpha`` under the specification's test; not testable when the solution has no
    factor for the subscale, or a group has fewer than two scored respondents.

The effect plotted for every specification is Bonett's d (the same measure whatever the
test), so specifications can be ranked on one axis.

Random steps (parallel analysis, permutations) are seeded from the config seed and the
specification's own choices, never its position in the grid, so a specification gives
the same numbers whichever job runs it and whatever else the grid holds. Specifications
are split into ``jobs`` contiguous parts, one Snakemake job each (scatter), and gathered
in grid order.
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import pandas as pd

from camhs_rom.core.audit import DiscardedAudit
from camhs_rom.core.errors import InputError, short_reason
from camhs_rom.core.markup import markdown_text
from camhs_rom.core.seeding import rng_for
from camhs_rom.ingest.survey import score_items
from camhs_rom.instruments.questionnaire import Questionnaire
from camhs_rom.replication.claims import directional_tests, two_factors_recovered
from camhs_rom.replication.roles import CLAIM_TEXT, GROUP_CLAIMS, roles_present
from camhs_rom.robustness.plan import DECISIONS, applicable, check_settings, frequency_threshold, part, specifications
from camhs_rom.stats.factors import MODEL_ERRORS, check_factorable, check_n_factors, loading_flags, matched_congruences, run_efa
from camhs_rom.study2.comparisons import compared_groups
from camhs_rom.study2.efa import item_matrix, retention

log = logging.getLogger(__name__)


def main_specification(config: dict, q: Questionnaire) -> dict:
    """The choices of the main analysis: the spec's missing-data rule, the config's ``study2`` and ``replication`` sections."""
    efa = config["study2"]["efa"]
    return {
        "missing": q.missing_method,
        "user_definition": "group_item",
        "correlation": efa["correlation"],
        "extraction": efa["extraction"],
        "rotation": efa["rotation"],
        "retention": efa["retention"],
        "test": config["replication"]["test"],
    }


def user_groups(coded: pd.DataFrame, q: Questionnaire, definition: str, threshold: str | None) -> pd.Series:
    """Each respondent's group under a user definition (the spec's group keys; NA = unknown)."""
    if definition == "group_item":
        return coded["group"]
    first, second = compared_groups(q)
    cut = q.frequency_levels.index(threshold) + 1
    code = pd.to_numeric(coded["frequency_code"], errors="coerce")
    return pd.Series(np.where(code >= cut, first, second), index=coded.index, dtype="string").mask(code.isna())


def _structure(result, flags: pd.DataFrame, n_factors: int, subscales: dict, settings: dict, present: dict) -> dict:
    out = {"n_factors": n_factors, "misplaced_items": int(flags["misplaced"].sum())}
    phis = matched_congruences(result.congruence, subscales.values())
    out.update({f"congruence_{key}": phi for key, phi in zip(subscales, phis, strict=True)})
    testable = len(present) == len(subscales)  # the questionnaire has every intended subscale
    out["S2-K"] = two_factors_recovered(n_factors, phis, out["misplaced_items"], settings) if testable else pd.NA
    return out


def assigned_items(flags: pd.DataFrame, subscale: str) -> list[str]:
    """Items whose strongest loading is on the factor matched to ``subscale``."""
    return flags.loc[flags["strongest_factor"] == subscale, "item"].tolist()


def assigned_scores(scored: pd.DataFrame, items: list[str]) -> pd.Series:
    """Mean of the assigned items per respondent; NaN where any of them is missing after the rule."""
    if not items:
        return pd.Series(np.nan, index=scored.index)
    values = scored[items].astype(float)
    return values.mean(axis=1).mask(values.isna().any(axis=1))


class Multiverse:
    """Runs specifications on one clean data set, reusing what specifications share.

    Scoring under a missing rule, the retention rules and each EFA are computed once per
    distinct set of the choices they depend on.
    """

    def __init__(self, coded: pd.DataFrame, q: Questionnaire, config: dict, source: str):
        self.coded, self.q, self.config, self.source = coded, q, config, source
        self.settings = config["robustness"]["multiverse"]
        self.replication = config["replication"]
        self.efa = config["study2"]["efa"]
        self.seed = config["seed"]
        self.permutations = config["study2"]["comparisons"]["permutations"]
        self.groups = compared_groups(q)
        self._scored, self._retained, self._fits = {}, {}, {}

    def scored(self, missing: str) -> pd.DataFrame:
        if missing not in self._scored:
            q = dataclasses.replace(self.q, missing_method=missing)
            self._scored[missing] = score_items(self.coded, q, self.source, DiscardedAudit())
        return self._scored[missing]

    def retained(self, missing: str, correlation: str) -> tuple:
        key = (missing, correlation)
        if key not in self._retained:
            matrix = item_matrix(self.scored(missing), self.coded, self.q, correlation)
            check_factorable(matrix.data, self.source)
            table, *_ = retention(matrix, dict(self.efa, n_factors="auto"), self.seed)
            self._retained[key] = (matrix, dict(zip(table["rule"], table["n_factors"].astype(int), strict=True)))
        return self._retained[key]

    def fit(self, missing: str, correlation: str, extraction: str, rotation: str, rule: str) -> dict:
        matrix, found = self.retained(missing, correlation)
        data = matrix.data
        n_factors = max(int(found[rule]), 1)
        key = (missing, correlation, extraction, rotation, n_factors)
        if key not in self._fits:
            out = {"n_efa": len(data), "note": ""}
            try:
                check_n_factors(data.shape[1], n_factors)
                result = run_efa(data, self.q.intended_subscales, n_factors, extraction, rotation, corr=matrix.corr)
                flags = loading_flags(result.loadings, self.q.intended_subscales, self.efa["min_loading"], self.efa["cross_loading"])
            except (InputError, *MODEL_ERRORS) as error:
                # the specification's model cannot be fitted: its claims are not testable, and the grid goes on
                reason = error.found if isinstance(error, InputError) else short_reason(error)
                log.info("%s, %s, %s, %s, %d factors: no EFA (%s)", missing, correlation, extraction, rotation, n_factors, reason)
                out.update({"n_factors": n_factors, "misplaced_items": np.nan, "S2-K": pd.NA, "membership": {}, "note": f"no EFA: {reason}"})
                out.update({f"congruence_{k}": np.nan for k in self.replication["subscales"]})
            else:
                out.update(_structure(result, flags, n_factors, self.replication["subscales"], self.replication, roles_present(self.replication, self.q.subscales)))
                out["membership"] = {s: assigned_items(flags, s) for s in self.replication["subscales"].values()}
            self._fits[key] = out
        return self._fits[key]

    def run(self, spec: dict) -> dict:
        """The row of one specification (see :data:`MULTIVERSE_COLUMNS`)."""
        fit = self.fit(spec["missing"], spec["correlation"], spec["extraction"], spec["rotation"], spec["retention"])
        scored = self.scored(spec["missing"])
        groups = user_groups(self.coded, self.q, spec["user_definition"], frequency_threshold(self.settings, self.q))
        row = {**spec, **{k: v for k, v in fit.items() if k != "membership"}}
        # the permutation stream is named by the choices that shape the scores (not the test);
        # a Pearson specification keeps the name it had before ``correlation`` was a decision
        choices = "-".join(str(spec[d]) for d in DECISIONS if d != "test" and not (d == "correlation" and spec[d] == "pearson"))
        pairs, rngs = {}, {}
        for key, subscale in self.replication["subscales"].items():
            items = fit["membership"].get(subscale, [])
            score = assigned_scores(scored, items)
            pairs[key] = tuple(score[(groups == g).fillna(False).to_numpy()].dropna().to_numpy() for g in self.groups)
            rngs[key] = rng_for(self.seed, f"multiverse-{choices}-{subscale}")
            row.update({f"{key}_items": len(items), f"{key}_n_1": len(pairs[key][0]), f"{key}_n_2": len(pairs[key][1])})
        tested = directional_tests(pairs, spec["test"], self.permutations, rngs, self.replication["alpha"])
        for claim, key in GROUP_CLAIMS.items():
            cells = tested[key]
            row.update({f"{key}_{name}": cells[name] for name in ("difference", "d", "d_ci_low", "d_ci_high", "p", "p_holm")})
            row[claim] = pd.NA if cells["supported"] is None else cells["supported"]
        return row


MULTIVERSE_COLUMNS = [
    "spec_id", *DECISIONS, "is_main", "n_efa", "n_factors", "congruence_positive", "congruence_negative", "misplaced_items", "S2-K",
    *[f"{key}_{name}" for key in ("positive", "negative") for name in ("items", "n_1", "n_2", "difference", "d", "d_ci_low", "d_ci_high", "p", "p_holm")],
    "S2-G+", "S2-G-", "note",
]


def run_part(coded: pd.DataFrame, q: Questionnaire, config: dict, source: str, index: int, parts: int) -> pd.DataFrame:
    """The rows of one part of the grid (see :data:`MULTIVERSE_COLUMNS`)."""
    settings = config["robustness"]["multiverse"]
    check_settings(settings, q)
    specs = applicable(part(specifications(settings), index, parts), q)
    universe = Multiverse(coded, q, config, source)
    main = main_specification(config, q)
    rows = []
    for spec in specs.to_dict("records"):
        row = universe.run(spec)
        row["is_main"] = all(spec[d] == main[d] for d in DECISIONS)
        rows.append(row)
    return pd.DataFrame(rows, columns=MULTIVERSE_COLUMNS)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per claim: specifications, testable, supported, the share supported, and the main analysis's verdict."""
    rows = []
    for claim, words in CLAIM_TEXT.items():
        verdicts = table[claim]
        testable = verdicts.notna()
        supported = int(verdicts[testable].astype(bool).sum())
        main = table.loc[table["is_main"], claim]
        main_verdict = "" if main.empty or pd.isna(main.iloc[0]) else ("supported" if bool(main.iloc[0]) else "not supported")
        rows.append([claim, words, len(table), int(testable.sum()), supported, supported / testable.sum() if testable.any() else np.nan, main_verdict])
    return pd.DataFrame(rows, columns=["claim", "description", "specifications", "testable", "supported", "share_supported", "main_analysis"])


def by_choice(table: pd.DataFrame) -> pd.DataFrame:
    """Share of testable specifications supporting each claim, per option of each decision."""
    rows = []
    for claim in CLAIM_TEXT:
        for decision in DECISIONS:
            for option, group in table.groupby(decision, sort=False):
                verdicts = group[claim].dropna().astype(bool)
                rows.append([claim, decision, option, len(group), len(verdicts), int(verdicts.sum()), verdicts.mean() if len(verdicts) else np.nan])
    return pd.DataFrame(rows, columns=["claim", "decision", "option", "specifications", "testable", "supported", "share_supported"])


def read_multiverse(path) -> pd.DataFrame:
    """Read a multiverse table with its claim columns as nullable booleans."""
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    for claim in (*CLAIM_TEXT, "is_main"):
        frame[claim] = frame[claim].map({True: True, False: False, "True": True, "False": False}).astype("boolean")
    return frame


def _pct(share: float) -> str:
    return "n/a" if not np.isfinite(share) else f"{100 * share:.0f}%"


def statements(summary_table: pd.DataFrame, choices: pd.DataFrame) -> list[str]:
    """Plain sentences: how many specifications support each claim, and which decision moves it most."""
    lines = []
    for row in summary_table.itertuples(index=False):
        text = (
            f"**{markdown_text(row.claim)}** ({markdown_text(row.description)}): supported by {row.supported} of {row.testable} testable specifications "
            f"({_pct(row.share_supported)}; {row.specifications} in all)"
        )
        text += f"; the main analysis: {markdown_text(row.main_analysis)}." if isinstance(row.main_analysis, str) and row.main_analysis else "."
        mine = choices[(choices["claim"] == row.claim) & choices["share_supported"].notna()]
        spread = mine.groupby("decision", sort=False)["share_supported"].agg(lambda s: s.max() - s.min())
        if len(spread) and spread.max() > 0:
            decision = spread.idxmax()
            options = mine[mine["decision"] == decision]
            detail = ", ".join(f"{markdown_text(o.option)} {_pct(o.share_supported)}" for o in options.itertuples(index=False))
            text += f" The decision that moves it most is {decision.replace('_', ' ')} ({detail})."
        lines.append(text)
    return lines
