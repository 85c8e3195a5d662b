"""The plan of the robustness stage: the multiverse grid, the power designs, their jobs.

Kept apart from :mod:`camhs_rom.robustness.multiverse` and :mod:`camhs_rom.robustness.power` so that the
workflow can list the jobs and check the settings when it starts, without importing the
analysis libraries (which would slow every ``snakemake`` start-up).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from camhs_rom.core.errors import InputError, quote_list
from camhs_rom.instruments.questionnaire import Questionnaire
from camhs_rom.synthetic.study2 import check_study2_settings

DECISIONS = ("missing", "user_definition", "correlation", "extraction", "rotation", "retention", "test")
# each option of the grid in words (figures and tables show these, not the config's ids)
OPTION_WORDS = {
    "person_mean": "person mean", "listwise": "listwise", "group_item": "group item", "frequency": "frequency of use",
    "pearson": "Pearson", "polychoric": "polychoric", "minres": "minimum residual", "ml": "maximum likelihood", "principal": "principal components",
    "oblimin": "oblimin", "promax": "promax", "varimax": "varimax", "none": "no rotation", "parallel_analysis": "parallel analysis", "map": "Velicer's MAP",
    "kaiser": "Kaiser (eigenvalue > 1)", "welch_t": "Welch's t", "student_t": "Student's t", "mann_whitney": "Mann-Whitney U",
    "permutation": "permutation test",
}
USER_DEFINITIONS = ("group_item", "frequency")  # the spec's group item, or frequency of use at or above a threshold


def specifications(settings: dict) -> pd.DataFrame:
    """Every combination of the configured choices, in grid order, with ids ``S001``, ``S002``, ..."""
    grid = list(itertools.product(*(settings[d] for d in DECISIONS)))
    width = max(3, len(str(len(grid))))
    frame = pd.DataFrame(grid, columns=list(DECISIONS))
    frame.insert(0, "spec_id", [f"S{k + 1:0{width}d}" for k in range(len(grid))])
    return frame


def part(specs: pd.DataFrame, index: int, parts: int) -> pd.DataFrame:
    """The ``index``-th (1-based) of ``parts`` contiguous slices of the grid."""
    rows = chunk(len(specs), index, parts)
    return specs.iloc[rows.start : rows.stop]


def frequency_threshold(settings: dict, q: Questionnaire) -> str | None:
    """The frequency level from which a respondent counts as a user under ``user_definition: frequency``:
    the configured one, or (``null``) the first level of the upper half of the spec's levels
    ("often" of never, rarely, sometimes, often, almost always); None without a frequency item."""
    if not q.frequency_levels:
        return None
    if settings["frequency_threshold"] is not None:
        return settings["frequency_threshold"]
    return q.frequency_levels[math.ceil(len(q.frequency_levels) / 2)]


def applicable(specs: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """The specifications this questionnaire can run: without a frequency item, none that defines users by it."""
    return specs if q.frequency_column else specs[specs["user_definition"] != "frequency"]


def check_settings(settings: dict, q: Questionnaire, config_file: str = "config") -> None:
    """Stop before analysis when the grid asks for something this questionnaire cannot give."""
    if "frequency" in settings["user_definition"] and q.frequency_column and settings["frequency_threshold"] is not None:
        if settings["frequency_threshold"] not in q.frequency_levels:
            raise InputError(
                config_file, "key robustness.multiverse.frequency_threshold", repr(settings["frequency_threshold"]), f"one of the frequency levels {quote_list(q.frequency_levels)}"
            )


def check_robustness(config: dict, q: Questionnaire, config_file: str = "config", synthetic_model: bool = True) -> None:
    """Stop before anything runs when the robustness settings do not fit the questionnaire.

    The multiverse's user definitions must be available. When the power simulation draws
    from the calibrated synthetic generator (``synthetic_model``: Study 2 reads the
    synthetic default), its settings (``synthetic.study2``) must name the questionnaire's
    frequency levels and subscales; a team's own data are simulated from a model fitted to
    them, and the generator's settings are not read.
    """
    check_settings(config["robustness"]["multiverse"], q, config_file)
    if synthetic_model:
        check_study2_settings(config["synthetic"]["study2"], q, config_file)


def designs(settings: dict) -> pd.DataFrame:
    """The designs of the simulation: design id, kind, sample size and latent shift (NaN = calibrated)."""
    rows = [[f"n{n:04d}", "sample_size", int(n), np.nan] for n in settings["sample_sizes"]]
    rows += [[f"shift{s:.2f}_n{settings['reference_n']:04d}", "effect", int(settings["reference_n"]), float(s)] for s in settings["shifts"]]
    return pd.DataFrame(rows, columns=["design", "kind", "n", "shift"])


def simulated_studies(settings: dict) -> list[tuple[str, int]]:
    """Every simulated study of the power stage as (design, replicate), designs in order: what its jobs split."""
    return [(design, r) for design in designs(settings)["design"] for r in range(settings["replicates"])]


def power_jobs(settings: dict) -> int:
    """How many Snakemake jobs the power simulation is split into: ``jobs``, or, when the
    older ``jobs_per_design`` is set, that many per design."""
    if settings.get("jobs_per_design"):
        return len(designs(settings)) * int(settings["jobs_per_design"])
    return int(settings["jobs"])


def chunk(total: int, index: int, chunks: int) -> range:
    """Positions ``0 .. total - 1`` of the ``index``-th (1-based) of ``chunks`` contiguous,
    near-equal chunks: which specifications or replicates one job runs."""
    bounds = np.linspace(0, total, chunks + 1).round().astype(int)
    return range(bounds[index - 1], bounds[index])
