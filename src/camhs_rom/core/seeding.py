"""Seeds and resampling: every random step gets its own generator from the one config seed.

The bootstrap helpers here are the one resampling mechanism the statistics modules share:
resample weights (how often each unit appears in each resample) and the percentile
interval of the resampled estimates.
"""

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


def bootstrap_weights(rng: np.random.Generator, n: int, resamples: int) -> np.ndarray:
    """How often each of ``n`` units appears in each of ``resamples`` bootstrap resamples (B x n).

    A row of counts is the same resample as drawing ``n`` units with replacement, and lets
    the vectorised estimators compute all resamples with matrix products.
    """
    return rng.multinomial(n, np.full(n, 1 / n), size=resamples).astype(float)


def batches(resamples: int, n: int, max_elements: float = 4e6) -> list[int]:
    """Sizes of consecutive batches of ``resamples`` so that no batch holds more than
    ``max_elements`` numbers of ``n`` units each: bootstraps of large samples stay in bounded
    memory. Fixed by ``resamples`` and ``n``, so the random draws are the same on every run."""
    size = max(1, int(max_elements // max(n, 1)))
    return [min(size, resamples - start) for start in range(0, resamples, size)]


def bootstrap_interval(estimates: np.ndarray, level: float) -> tuple[float, float, int]:
    """The percentile bootstrap interval at ``level`` and the number of resamples it rests on.

    A statistic can be undefined in a resample (kappa when the resample holds one category
    only, omega when a resampled matrix is not positive definite); those resamples are left
    out, and the count of the rest is returned so that a table can say so
    (:func:`resamples_note`) instead of presenting an interval from a few resamples as one
    from all of them. No defined resample: ``(nan, nan, 0)``.
    """
    finite = np.asarray(estimates, dtype=float)
    finite = finite[np.isfinite(finite)]
    if not len(finite):
        return float("nan"), float("nan"), 0
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high), int(len(finite))


def percentile_interval(estimates: np.ndarray, level: float) -> tuple[float, float]:
    """The percentile bootstrap interval at ``level``, ignoring resamples where the estimate is undefined
    (:func:`bootstrap_interval` also counts them)."""
    low, high, _ = bootstrap_interval(estimates, level)
    return low, high


def resamples_note(used: int, resamples: int) -> str:
    """What a table says when a statistic was undefined in some resamples ("" when it was defined in all)."""
    if used >= resamples:
        return ""
    if used == 0:
        return f"no interval: undefined in all {resamples:,} resamples"
    return f"interval from the {used:,} of {resamples:,} resamples in which it is defined"


def join_notes(*notes: str) -> str:
    """Notes joined with "; ", empty ones left out."""
    return "; ".join(n for n in notes if n)
