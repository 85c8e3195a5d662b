"""The project's plotting style, and writing a figure as PNG and SVG.

The style is seaborn's ``whitegrid`` with the colour-blind-safe ``colorblind`` palette,
sized to stay readable when printed. Benefit and concern keep the same two colours in
every figure. Files are deterministic (no timestamps, fixed SVG ids); a figure made from
synthetic or simulated data carries a label saying so (:func:`save`).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display: the same on a laptop, a cluster node and CI

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

from camhs_rom.core.seeding import rng_for  # noqa: E402
from camhs_rom.core.tables import atomic_path  # noqa: E402

PALETTE = sns.color_palette("colorblind")
VALENCE_COLOURS = {"benefit": PALETTE[0], "concern": PALETTE[1], "other": PALETTE[7]}
ABSENT = "#eeeeee"


def apply_style() -> None:
    """Set the project's plotting style (call before drawing)."""
    sns.set_theme(context="paper", style="whitegrid", palette=PALETTE, font_scale=1.15)
    plt.rcParams.update(
        {
            "svg.hashsalt": "camhs-rom",
            "svg.fonttype": "none",
            "figure.dpi": 100,
            "savefig.dpi": 200,
            "savefig.bbox": "tight",
            "axes.titleweight": "bold",
            "axes.titlesize": 12,
            "text.parse_math": False,  # labels are the user's text: a "$" is a dollar sign, not mathtext
        }
    )


@contextmanager
def seeded_numpy_global(seed: int, step: str):
    """Seed numpy's global random state for a drawing call that uses it, then restore it.

    seaborn's ``stripplot`` jitters points with ``np.random.uniform`` and takes no seed; the
    seed here comes from the config seed and the figure's name, so the figure is
    byte-identical on every run.
    """
    state = np.random.get_state()
    np.random.seed(int(rng_for(seed, step).integers(2**32)))
    try:
        yield
    finally:
        np.random.set_state(state)


def notice_figure(text: str, width: int = 60):
    """A panel that says in words why there is nothing to draw (no axes, no number), in place of a figure."""
    import textwrap

    fig, ax = plt.subplots(figsize=(6, 2))
    ax.axis("off")
    ax.text(0.5, 0.5, textwrap.fill(text, width), ha="center", va="center")
    return fig


def save(fig, stem: str | Path, label: str | None = None) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg`` (no timestamps) and close the figure."""
    if label:
        # below everything drawn so far (tick labels and axis titles included), right-aligned
        fig.canvas.draw()
        bottom = fig.get_tightbbox(fig.canvas.get_renderer()).y0 / fig.get_figheight()
        fig.text(0.99, bottom - 0.01, label, ha="right", va="top", fontsize=8, color="#b00020", style="italic")
    stem = Path(stem)
    written = []
    for suffix, metadata in ((".png", {"Software": None}), (".svg", {"Date": None, "Creator": None})):
        path = stem.with_suffix(suffix)
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=suffix[1:], metadata=metadata)
        written.append(path)
    plt.close(fig)
    return written
