"""The robustness summary: the multiverse and the power simulation in sentences.

``robustness_summary.md`` states how many specifications support each Study 2 claim and
which decision moves each verdict most (:func:`camhs_rom.robustness.multiverse.statements`), and
the simulated power, the sample size reaching the target and the minimum detectable
effect (:func:`camhs_rom.robustness.power.statements`). Power is simulated from the
calibrated synthetic model when Study 2 reads the synthetic default, and from a model fitted
to the team's own data otherwise (:mod:`camhs_rom.robustness.fitted`); the text says which.
"""

from __future__ import annotations

import pandas as pd

from camhs_rom.core.markup import markdown_text
from camhs_rom.replication.roles import GROUP_CLAIMS, roles_present
from camhs_rom.robustness import multiverse as mv
from camhs_rom.robustness import power as pw


def power_skipped(replication: dict, questionnaire_subscales) -> str | None:
    """Which claims the power simulation leaves out, and why, in one sentence (None when it simulates them all).

    A claim about a ``replication.subscales`` role whose subscale the questionnaire lacks is
    not testable (:func:`camhs_rom.replication.roles.roles_present`), so it is not simulated;
    S2-K (two factors matching both roles) needs both.
    """
    roles = replication["subscales"]
    present = roles_present(replication, questionnaire_subscales)
    missing = {role: s for role, s in roles.items() if role not in present}
    if not missing:
        return None
    named = " and ".join(f"{s!r} ({role})" if s else f"no subscale ({role})" for role, s in missing.items())
    claims = ["S2-K"] + [c for c, role in GROUP_CLAIMS.items() if role in missing]
    lead = "No power simulation" if not present else f"Not simulated: {', '.join(claims)}"
    which = "which is not" if len(missing) == 1 else "none of which is"
    return f"{lead}: replication.subscales names {named}, {which} a subscale of this questionnaire, so {', '.join(claims)} are not testable here."


def summary_markdown(summary: pd.DataFrame, by_choice: pd.DataFrame, power: pd.DataFrame, mde: pd.DataFrame, config: dict, data_label: str,
                     model: str = "the calibrated synthetic model", groups: tuple[str, str] = ("users", "non-users"), skipped: str | None = None) -> str:
    """The Markdown text of ``robustness_summary.md`` (``groups``: the compared groups' labels; ``skipped``:
    :func:`power_skipped`'s sentence, when claims are left out of the simulation)."""
    settings = config["robustness"]
    grid = settings["multiverse"]
    sizes = " x ".join(f"{len(grid[d])} {d.replace('_', ' ')}" for d in mv.DECISIONS)
    subscales = {key: markdown_text(str(name).replace("_", " ")) for key, name in config["replication"]["subscales"].items()}
    groups = tuple(markdown_text(g) for g in groups)
    lines = [
        "### Multiverse",
        "",
        f"*{markdown_text(data_label)}*",
        "",
        f"{int(summary['specifications'].iloc[0])} specifications ({sizes}); each claim is judged by the scorecard's criteria, "
        "with subscales scored from the items each specification's own factor solution assigns to them.",
        "",
        *[f"- {line}" for line in mv.statements(summary, by_choice)],
        "",
        f"### Power and sensitivity (simulated from {model})",
        "",
        *([f"{settings['power']['replicates']} simulated data sets per design; the main analysis with the config's settings "
           f"(test {config['replication']['test']}, Holm over the subscales, alpha {config['replication']['alpha']:g}).", ""] if len(power) else []),
        *([f"- {markdown_text(skipped)}"] if skipped else []),
        *[f"- {line}" for line in pw.statements(power, mde, settings["power"], subscales, groups)],
        "",
    ]
    return "\n".join(lines)
