"""Study 1 figures: all written, labelled synthetic when they should be, byte-identical on rerun."""

import json
import re

import numpy as np
import pandas as pd

from camhs_rom.core.labels import SYNTHETIC_FIGURE
from camhs_rom.ingest.segments import clean_segments
from camhs_rom.study1.steps import study1_agreement, study1_figures, study1_themes

from .conftest import CODEBOOK

NAMES = ["theme_prevalence", "theme_by_participant", "cooccurrence", "saturation", "agreement_kappa"]


def _draw(tmp_path, synthetic_dir, codebook, synthetic: bool, out_name: str, scope=None):
    clean = tmp_path / "clean.csv"
    if not clean.exists():
        clean_segments(synthetic_dir / "coded_segments.csv", codebook).segments.to_csv(clean, index=False)
        outputs = {k: tmp_path / f"{k}.csv" for k in ["tallies", "valence", "by_participant", "cooccurrence", "saturation", "quotes", "passages"]}
        study1_themes(clean, CODEBOOK, outputs, "primary", None, None, 3, 200, 1)
        study1_agreement(clean, CODEBOOK, tmp_path / "agreement.csv", tmp_path / "dis.csv", 200, 0.95, 1)
    provenance = tmp_path / f"{out_name}.json"
    provenance.write_text(json.dumps({"synthetic": synthetic, "studies": {"study1": {"synthetic": synthetic}}}), encoding="utf-8")
    out = tmp_path / out_name
    study1_figures(
        tmp_path / "tallies.csv", tmp_path / "by_participant.csv", tmp_path / "cooccurrence.csv", tmp_path / "saturation.csv",
        tmp_path / "agreement.csv", CODEBOOK, provenance, out, scope=scope,
    )
    return out


def test_figures_are_written_labelled_and_reproducible(tmp_path, synthetic_dir, codebook):
    first = _draw(tmp_path, synthetic_dir, codebook, True, "a")
    again = _draw(tmp_path, synthetic_dir, codebook, True, "b")
    for name in NAMES:
        for ext in ("png", "svg"):
            path = first / f"{name}.{ext}"
            assert path.stat().st_size > 5000, path
            assert path.read_bytes() == (again / f"{name}.{ext}").read_bytes(), path.name
        assert SYNTHETIC_FIGURE in (first / f"{name}.svg").read_text(encoding="utf-8")
    user = _draw(tmp_path, synthetic_dir, codebook, False, "c")
    assert SYNTHETIC_FIGURE not in (user / "theme_prevalence.svg").read_text(encoding="utf-8")


def test_one_coder_draws_a_notice_instead_of_kappas(tmp_path, synthetic_dir, codebook):
    out = _draw(tmp_path, synthetic_dir, codebook, True, "a")
    pd.DataFrame(columns=pd.read_csv(tmp_path / "agreement.csv").columns).to_csv(tmp_path / "agreement.csv", index=False)
    out = _draw(tmp_path, synthetic_dir, codebook, True, "one")
    assert "two or more coders" in (out / "agreement_kappa.svg").read_text(encoding="utf-8")
    scope = tmp_path / "scope.csv"
    scope.write_text("transcript_id,coders,compared,reason\nt1,coder_a,False,not coded by coder_b\nt2,coder_b,False,not coded by coder_a\n", encoding="utf-8")
    drawn = (_draw(tmp_path, synthetic_dir, codebook, True, "disjoint", scope=scope) / "agreement_kappa.svg").read_text(encoding="utf-8")
    assert "common" in drawn and "coder_b" in drawn and "kappa" not in drawn.lower()


def test_labels_are_drawn_as_written(tmp_path, synthetic_dir, codebook):
    """A theme label is the user's text: "$" is a dollar sign (no mathtext), markup stays escaped text in the SVG."""
    _draw(tmp_path, synthetic_dir, codebook, False, "a")
    tallies = pd.read_csv(tmp_path / "tallies.csv")
    tallies.loc[0, "label"] = "Costs $5 to $10 <script>alert(1)</script>"
    tallies.to_csv(tmp_path / "tallies.csv", index=False)
    out = _draw(tmp_path, synthetic_dir, codebook, False, "labels")
    for name in ("theme_prevalence", "theme_by_participant", "cooccurrence"):
        drawn = re.sub(r"<!--.*?-->", "", (out / f"{name}.svg").read_text(encoding="utf-8"), flags=re.S)  # the text drawn, not comments
        assert "Costs $5 to $10 &lt;script&gt;alert(1)&lt;/script&gt;" in drawn and "<script>" not in drawn, name


# --- figures that read at the size the report shows them ------------------------------------

REPORT_WIDTH_INCHES = 760 / 100  # the report shows figures 760 px wide; matplotlib draws 100 px per inch


def _overlapping(labels) -> list[tuple[str, str]]:
    """Pairs of drawn text labels whose boxes overlap."""
    boxes = [(t.get_text(), t.get_window_extent()) for t in labels if t.get_text() and t.get_visible()]
    return [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:] if box_a.overlaps(box_b)]


def test_the_specification_curve_reads_at_the_size_shown():
    import matplotlib.pyplot as plt

    from camhs_rom.core.plotting import apply_style
    from camhs_rom.robustness.figures import specification_curve

    apply_style()
    decisions = {"missing": ["person_mean", "listwise"], "extraction": ["minres", "ml", "principal"], "test": ["welch_t", "mann_whitney", "permutation"]}
    rows = [{"missing": m, "extraction": e, "test": t} for m in decisions["missing"] for e in decisions["extraction"] for t in decisions["test"]]
    table = pd.DataFrame(rows).assign(spec_id=lambda f: [f"S{i:03d}" for i in range(len(f))], is_main=lambda f: f.index == 0,
                                      positive_d=lambda f: f.index / 10, negative_d=lambda f: -f.index / 20)
    table["S2-G+"], table["S2-G-"] = table["positive_d"] > 0.5, table["negative_d"] > 0
    fig = specification_curve(table, {"S2-G+": ("positive", "S2-G+"), "S2-G-": ("negative", "S2-G-")}, decisions, 0.05)
    fig.canvas.draw()
    width, _ = fig.get_size_inches()
    assert width <= REPORT_WIDTH_INCHES * 1.1  # drawn at about the width shown, so 8.5-point labels stay 8.5 points
    for ax in fig.axes:
        labels = ax.get_yticklabels()
        assert all(t.get_fontsize() >= 8 for t in labels if t.get_text())
        assert _overlapping(labels) == []
    plt.close(fig)


def test_likert_categories_stand_apart_from_the_page_and_in_greyscale():
    from matplotlib.colors import to_rgb

    from camhs_rom.study2.figures import likert_colours

    for k in (4, 5, 7):
        colours, hatches = likert_colours(k)
        grey = [0.299 * r + 0.587 * g + 0.114 * b for r, g, b in map(to_rgb, colours)]
        assert len(colours) == k and max(grey) < 0.8  # none near-white on the white page
        for j in range(k - 1):  # neighbours differ in grey, or one of them is hatched
            assert abs(grey[j] - grey[j + 1]) > 0.05 or hatches[j] or hatches[j + 1]


def test_the_joint_display_labels_do_not_overlap():
    import matplotlib.pyplot as plt

    from camhs_rom.core.plotting import apply_style
    from camhs_rom.replication.joint import joint_figure

    apply_style()
    table = pd.DataFrame({
        "theme": ["a", "a", "b", "c"], "theme_label": ["Objectivity", "Objectivity", "Adverse influence on the session", "Service use of the data"],
        "valence": ["benefit", "benefit", "concern", "concern"], "pct_participants": [58.3, 58.3, 66.7, 83.3], "endorse_pct": [60.0, 40.0, 55.0, None],
        "loads_on_subscale": [True, False, True, ""], "convergence": ["convergent (majority in both)"] * 2 + ["divergent (focus groups higher)", "no items"],
    })
    fig = joint_figure(table, 0.5)
    fig.canvas.draw()
    assert fig.get_size_inches()[0] <= REPORT_WIDTH_INCHES * 1.1
    assert _overlapping(fig.axes[0].get_yticklabels()) == []
    assert len(fig.axes[0].get_legend().get_texts()) == 4  # two valences, items on and off their subscale
    plt.close(fig)


def test_the_specification_curve_prints_legibly_and_says_support_without_colour():
    """At the default grid's 19 options, shrunk to fit an A4 page (182 x 225 mm for the image), every label stays at
    7 points or more; supported and not supported differ in fill (filled vs white), not only in colour; each
    specification's interval is drawn; the choices are words, not config ids."""
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.colors import to_rgba

    from camhs_rom.core.plotting import apply_style
    from camhs_rom.robustness.figures import specification_curve

    apply_style()
    decisions = {"missing": ["person_mean", "listwise"], "user_definition": ["group_item", "frequency"], "correlation": ["pearson", "polychoric"],
                 "extraction": ["minres", "ml", "principal"], "rotation": ["oblimin", "promax", "varimax"],
                 "retention": ["parallel_analysis", "map", "kaiser"], "test": ["welch_t", "mann_whitney", "permutation"]}
    import itertools

    rows = [dict(zip(decisions, combo, strict=True)) for combo in itertools.product(*decisions.values())]
    table = pd.DataFrame(rows).assign(spec_id=lambda f: [f"S{i:03d}" for i in range(len(f))], is_main=lambda f: f.index == 0)
    for key in ("positive", "negative"):
        table[f"{key}_d"] = np.linspace(-0.2, 0.9, len(table))
        table[f"{key}_d_ci_low"], table[f"{key}_d_ci_high"] = table[f"{key}_d"] - 0.5, table[f"{key}_d"] + 0.5
    table["S2-G+"] = table["S2-G-"] = table["positive_d"] > 0.3
    fig = specification_curve(table, {"S2-G+": ("positive", "S2-G+"), "S2-G-": ("negative", "S2-G-")}, decisions, 0.05)
    fig.canvas.draw()
    width, height = fig.get_size_inches() * 25.4
    scale = min(1.0, 182 / width, 225 / height)
    texts = [t for ax in fig.axes for t in [*ax.get_yticklabels(), *ax.get_xticklabels(), ax.xaxis.label, ax.yaxis.label] if t.get_text()]
    assert min(t.get_fontsize() for t in texts) * scale >= 7
    labels = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert "Test: Welch's t" in labels and "Extraction: principal components" in labels and not any("welch_t" in t for t in labels)
    top = fig.axes[0]
    assert any(isinstance(c, LineCollection) for c in top.collections)  # the intervals
    points = {c.get_label().split(" (")[0]: c for c in top.collections if isinstance(c, PathCollection)}
    filled = to_rgba(points["supported"].get_facecolor()[0])
    hollow = to_rgba(points["not supported"].get_facecolor()[0])
    assert hollow == to_rgba("white") and filled != hollow
    plt.close(fig)
