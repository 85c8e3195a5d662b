"""APA 7 reporting of the group comparisons: sentences to paste into a manuscript, and tables.

Number style (APA 7, section 6.36): two decimals for means, SDs, test statistics and
effect sizes; three for p, written ``p = .012`` or ``p < .001`` without a leading zero,
as are correlations and other statistics that cannot exceed 1 (``r = .35``); ``d`` and
``g`` keep the leading zero (they can exceed 1). Welch's degrees of freedom keep two
decimals; Student's are whole. Negative numbers use the minus sign (U+2212). Intervals
are written ``95% CI [0.12, 0.85]``.

Sentences (``apa_sentences.md``), one per subscale and test, e.g.

    Users scored higher on positive impact (M = 3.85, SD = 0.62) than non-users
    (M = 3.21, SD = 0.71), Welch's t(45.31) = 3.52, p < .001, d = 0.93, 95% CI [0.37, 1.48].

When ``p`` is not below the configured alpha the sentence says the groups "did not differ
significantly" and still reports every number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from camhs_rom.core.markup import markdown_text

MINUS = "\u2212"


TEST_NAMES = {
    "welch_t": "Welch's t test",
    "student_t": "Student's t test",
    "mann_whitney": "Mann\u2013Whitney U test",
    "permutation": "permutation test",
}


EFFECT_SYMBOLS = {"bonett_d": "d", "hedges_g": "g", "rank_biserial": "r", "mean_difference": "\u0394M"}  # \u0394M: difference of means


def number(value: float, decimals: int = 2, leading_zero: bool = True) -> str:
    """A number in APA style: fixed decimals, minus sign, optionally no leading zero."""
    if value is None or not np.isfinite(value):
        return "n/a"
    text = f"{abs(value):.{decimals}f}"
    if not leading_zero and text.startswith("0."):
        text = text[1:]
    negative = value < 0 and round(abs(value), decimals) != 0
    return (MINUS if negative else "") + text


def p_value(p: float) -> str:
    """``p < .001``, ``p > .999`` or ``p = .xyz``."""
    if not np.isfinite(p):
        return "p = n/a"
    if p < 0.001:
        return "p < .001"
    if p > 0.999:
        return "p > .999"
    return f"p = {number(p, 3, leading_zero=False)}"


def interval(low: float, high: float, level: float, decimals: int = 2, leading_zero: bool = True) -> str:
    return f"{level * 100:.0f}% CI [{number(low, decimals, leading_zero)}, {number(high, decimals, leading_zero)}]"


def group_label(group: str, labels: dict) -> str:
    return labels.get(group, group.replace("_", " "))


def table_statistic(row) -> str:
    """The statistic as a table cell: ``t(39.73) = 2.19``, ``U = 548.00``; the permutation test has none."""
    if row.test == "welch_t":
        return f"t({number(row.df, 2)}) = {number(row.statistic)}"
    if row.test == "student_t":
        return f"t({row.df:.0f}) = {number(row.statistic)}"
    if row.test == "mann_whitney":
        return f"U = {number(row.statistic)}"
    return "\u2014"


TEST_PREFIX = {"welch_t": "Welch's ", "student_t": "Student's ", "mann_whitney": "Mann\u2013Whitney "}


def statistic_text(row, permutations: int | None = None) -> str:
    """The test and its statistic: ``Welch's t(45.31) = 3.52``, ``Mann–Whitney U = 459.00``, ..."""
    if row.test in TEST_PREFIX:
        return TEST_PREFIX[row.test] + table_statistic(row)
    count = f" ({permutations:,} relabellings)" if permutations else ""
    return f"permutation test{count}: mean difference = {number(row.statistic)}"


def effect_text(row) -> str:
    symbol = EFFECT_SYMBOLS[row.effect_measure]
    bounded = row.effect_measure == "rank_biserial"
    if row.effect_measure == "mean_difference":
        return interval(row.ci_low, row.ci_high, row.ci_level)
    return f"{symbol} = {number(row.effect_size, 2, not bounded)}, {interval(row.ci_low, row.ci_high, row.ci_level, 2, not bounded)}"


def sentence(row, descriptives: pd.DataFrame, subscale_label: str, labels: dict, alpha: float, permutations: int | None = None) -> str:
    """One APA sentence for one row of ``group_comparisons.csv``."""
    d = descriptives.set_index(["subscale", "group"])
    m1, m2 = d.loc[(row.subscale, row.group_1)], d.loc[(row.subscale, row.group_2)]
    name1, name2 = group_label(row.group_1, labels), group_label(row.group_2, labels)
    name1 = name1[:1].upper() + name1[1:]
    stats1 = f"M = {number(m1['mean'])}, SD = {number(m1['sd'])}"
    stats2 = f"M = {number(m2['mean'])}, SD = {number(m2['sd'])}"
    label = subscale_label[:1].lower() + subscale_label[1:]
    if row.test == "permutation":
        numbers = f"{statistic_text(row, permutations)}, {effect_text(row)}, {p_value(row.p)}"
    else:
        numbers = f"{statistic_text(row)}, {p_value(row.p)}, {effect_text(row)}"
    if row.p < alpha:
        direction = "higher" if row.mean_difference > 0 else "lower"
        return f"{name1} scored {direction} on {label} ({stats1}) than {name2} ({stats2}), {numbers}."
    return f"{name1} ({stats1}) and {name2} ({stats2}) did not differ significantly on {label}, {numbers}."


def sentences_markdown(table: pd.DataFrame, descriptives: pd.DataFrame, subscale_labels: dict, labels: dict, alpha: float, permutations: int, data_label: str | None) -> str:
    """All sentences as a Markdown document, one section per subscale, Holm-adjusted p noted.

    Labels from the questionnaire spec are escaped (:func:`~camhs_rom.core.markup.markdown_text`)
    so that they read as written, never as markup."""
    subscale_labels = {k: markdown_text(subscale_labels.get(k, k)) for k in table["subscale"].unique()}
    labels = {k: markdown_text(group_label(k, labels)) for k in {*table["group_1"], *table["group_2"]}}
    lines = ["# Group comparisons, APA style", ""]
    if data_label:
        lines += [f"*{data_label}*", ""]
    for subscale, rows in table.groupby("subscale", sort=False):
        lines += [f"## {subscale_labels.get(subscale, subscale)}", ""]
        for row in rows.itertuples():
            text = sentence(row, descriptives, subscale_labels.get(subscale, subscale), labels, alpha, permutations)
            lines.append(f"- {text} Holm-adjusted across subscales: {p_value(row.p_holm)}.")
        lines.append("")
    return "\n".join(lines)


def comparison_table(table: pd.DataFrame, descriptives: pd.DataFrame, subscale_labels: dict, labels: dict) -> pd.DataFrame:
    """The APA table of the group comparisons: one row per subscale and test (with each group's n), formatted strings."""
    d = descriptives.set_index(["subscale", "group"])
    rows = []
    for row in table.itertuples():
        m1, m2 = d.loc[(row.subscale, row.group_1)], d.loc[(row.subscale, row.group_2)]
        bounded = row.effect_measure == "rank_biserial"
        rows.append(
            {
                "Subscale": subscale_labels.get(row.subscale, row.subscale),
                "Test": TEST_NAMES[row.test],
                f"{group_label(row.group_1, labels).capitalize()} n": str(int(row.n_1)),
                f"{group_label(row.group_2, labels).capitalize()} n": str(int(row.n_2)),
                f"{group_label(row.group_1, labels).capitalize()} M (SD)": f"{number(m1['mean'])} ({number(m1['sd'])})",
                f"{group_label(row.group_2, labels).capitalize()} M (SD)": f"{number(m2['mean'])} ({number(m2['sd'])})",
                "Statistic": table_statistic(row),
                "p": p_value(row.p).removeprefix("p ").removeprefix("= "),
                "p (Holm)": p_value(row.p_holm).removeprefix("p ").removeprefix("= "),
                "Effect size [95% CI]": f"{EFFECT_SYMBOLS[row.effect_measure]} = {number(row.effect_size, 2, not bounded)} [{number(row.ci_low, 2, not bounded)}, {number(row.ci_high, 2, not bounded)}]",
            }
        )
    return pd.DataFrame(rows)


def markdown_table(frame: pd.DataFrame, title: str, note: str) -> str:
    """A table as Markdown with an APA-style title and note; every header and cell escaped as text."""
    head = "| " + " | ".join(markdown_text(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(markdown_text(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([f"**{markdown_text(title)}**", "", head, rule, *body, "", f"*Note.* {markdown_text(note)}", ""])
