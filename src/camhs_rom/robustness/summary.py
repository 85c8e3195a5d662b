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
from camhs_rom.robustness import multiverse as mv
from camhs_rom.robustness import power as pw


def summary_markdown(summary: pd.DataFrame, by_choice: pd.DataFrame, power: pd.DataFrame, mde: pd.DataFrame, config: dict, data_label: str,
                     model: str = "the calibrated synthetic model", groups: tuple[str, str] = ("users", "non-users")) -> str:
    """The Markdown text of ``robustness_summary.md`` (``groups``: the compared groups' labels)."""
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
        f"{settings['power']['replicates']} simulated data sets per design; the main analysis with the config's settings "
        f"(test {config['replication']['test']}, Holm over the subscales, alpha {config['replication']['alpha']:g}).",
        "",
        *[f"- {line}" for line in pw.statements(power, mde, settings["power"], subscales, groups)],
        "",
    ]
    return "\n".join(lines)
