"""Seeds: every random step gets its own generator derived from the one config seed."""

from __future__ import annotations

import hashlib

import numpy as np


def rng_for(seed: int, step: str) -> np.random.Generator:
    """The random generator of one named step, derived from the config seed.

    Steps get independent streams (``numpy.random.SeedSequence`` over the seed and a hash
    of the step name), so adding a step never changes another step's numbers, and the
    result does not depend on the order in which Snakemake schedules jobs.
    """
    key = int.from_bytes(hashlib.sha256(step.encode("utf-8")).digest()[:8], "little")
    return np.random.default_rng(np.random.SeedSequence([seed, key]))
