"""The plan of the power simulation: its designs and how replicates are split into jobs.

Kept apart from :mod:`camhs_rom.power` so that the workflow can list the jobs without
importing the analysis libraries (which would slow every ``snakemake`` start-up).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def designs(settings: dict) -> pd.DataFrame:
    """The designs of the simulation: design id, kind, sample size and latent shift (NaN = calibrated)."""
    rows = [[f"n{n:04d}", "sample_size", int(n), np.nan] for n in settings["sample_sizes"]]
    rows += [[f"shift{s:.2f}_n{settings['reference_n']:04d}", "effect", int(settings["reference_n"]), float(s)] for s in settings["shifts"]]
    return pd.DataFrame(rows, columns=["design", "kind", "n", "shift"])


def chunk(replicates: int, index: int, chunks: int) -> range:
    """Replicate numbers of the ``index``-th (1-based) of ``chunks`` contiguous chunks."""
    bounds = np.linspace(0, replicates, chunks + 1).round().astype(int)
    return range(bounds[index - 1], bounds[index])
