"""Whole-table checks of clean Study 2 responses: what no later analysis could use stops the run at ingest.

An item nobody answered, or everybody answered alike, has no correlations; a subscale no
respondent can be scored on has no score; a compared group with fewer than two scored
respondents has no difference. Each stops the run naming the team's file and column,
instead of failing in a later step on a table the pipeline wrote.
"""

from __future__ import annotations

import pandas as pd

from camhs_rom.core.errors import InputError
from camhs_rom.instruments.questionnaire import Questionnaire


def check_answered(coded: pd.DataFrame, q: Questionnaire, path) -> None:
    """Stop on an item nobody answered: it has no correlations, so no factor analysis or score can use it."""
    for item in q.items:
        if coded[item.id].isna().all():
            raise InputError(
                path, f"column {_column_name(item)}", f"no answer in any of the {len(coded)} rows",
                "answers from at least some respondents: check the column, or leave the item out of the questionnaire spec",
            )


def check_varies(coded: pd.DataFrame, q: Questionnaire, path) -> None:
    """Stop on an item every respondent who answered it answered alike.

    It has no variance and no correlations, so the factor analysis, the confirmatory
    models and the reliability coefficients cannot use it: without this check the run
    fails in a later step (an eigenvalue problem that does not converge). Checked by the
    ingest step of the workflow, on the whole sample, after :func:`clean_responses`.
    """
    for item in q.items:
        answers = coded[item.id].dropna()
        if len(answers) and answers.nunique() < 2:
            raise InputError(
                path, f"column {_column_name(item)}", f"the same answer ({int(answers.iloc[0])}) from all {len(answers)} respondents who answered it",
                "answers that vary (an item everyone answers alike has no variance and no correlations: check the column, "
                "or leave the item out of the questionnaire spec)",
            )


def check_groups(scored: pd.DataFrame, q: Questionnaire, path) -> None:
    """Stop when one of the two compared groups (the first two under ``group.levels``) has fewer than 2 respondents
    scored on a subscale: no group difference is defined, and the comparison step would stop on a table the
    pipeline wrote instead of on the file that lacks them."""
    counts = scored["group"].value_counts().to_dict()
    for group in list(q.group_levels)[:2]:
        rows = scored[scored["group"] == group]
        for subscale in q.subscales:
            n = int(rows[f"scorable_{subscale}"].astype(bool).sum())
            if n < 2:
                present = ", ".join(f"{g} {c}" for g, c in sorted(counts.items())) or "none"
                raise InputError(
                    path, f"column {q.group_column}, group {group!r}",
                    f"{n} respondent(s) scored on {subscale} (respondents per group: {present})",
                    "at least 2 scored respondents in each of the two compared groups (the first two under group.levels)",
                )


def _column_name(item) -> str:
    return item.source_column + (f" (item {item.id})" if item.source_column != item.id else "")


def check_scorable(scored: pd.DataFrame, q: Questionnaire, path) -> None:
    """Stop on a subscale no respondent can be scored on, naming it, its items and the item most often missing."""
    for subscale in q.subscales:
        if scored[f"scorable_{subscale}"].any():
            continue
        items = [item.id for item in q.items_of(subscale)]
        missing = scored[items].isna().sum()
        worst = missing.idxmax()
        rule = (f"at most {q.max_missing_share:.0%} of its items missing (missing.method: person_mean)" if q.missing_method == "person_mean"
                else "every item answered (missing.method: listwise)")
        raise InputError(
            path, f"subscale {subscale} (items {', '.join(items)})",
            f"no respondent of {len(scored)} with {rule}; item {worst} is missing for {missing[worst]} of them",
            "respondents who answered the subscale's items: check those columns, or change missing.method / max_missing_share in the spec",
        )
