"""Helpers the notebooks use to show results: reading tables, formatting, embedding figures.

Presentation only: nothing here computes a statistic. Every number shown comes from a
table the pipeline wrote under ``results/``; the notebooks run standalone on them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Image, Markdown, display

from camhs_rom.core.labels import USER_DATA
from camhs_rom.core.markup import html_text, markdown_html
from camhs_rom.core.provenance import read_provenance


def results_path(results_dir: str | Path, relative: str) -> Path:
    """A file under the results folder; a clear message when the pipeline has not made it yet."""
    path = Path(results_dir) / relative
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run `snakemake --cores 4` first (the notebooks present results/)")
    return path


def table(results_dir, relative: str, **read_csv) -> pd.DataFrame:
    """Read one result table."""
    return pd.read_csv(results_path(results_dir, relative), **read_csv)


def show_table(frame: pd.DataFrame, caption: str = "", digits: int = 2, index: bool = False) -> None:
    """Display a table rounded for reading (the CSV keeps full precision): :func:`styled_table`."""
    display(styled_table(frame, caption, digits, index))


def styled_table(frame: pd.DataFrame, caption: str = "", digits: int = 2, index: bool = False):
    """The table as a pandas Styler: rounded, every cell, header and the caption HTML-escaped.

    The table's HTML id is derived from its content, not drawn at random as pandas does,
    so the same results give the same report bytes.
    """
    digest = hashlib.sha256(f"{caption}\n{frame.to_csv()}".encode("utf-8")).hexdigest()[:12]
    # every cell, header and the caption are text from the results (ids, labels, excerpts): escaped, never markup
    styled = frame.style.set_uuid(digest).format(precision=digits, na_rep="", escape="html")
    styled = styled.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    if not index:
        styled = styled.hide(axis="index")
    if caption:
        styled = styled.set_caption(html_text(caption))
    return styled


def show_figure(results_dir, relative: str, width: int = 760) -> None:
    """Embed a PNG figure (the notebook and the HTML report carry the image inside them)."""
    display(Image(filename=str(results_path(results_dir, relative)), width=width))


def show_markdown(results_dir, relative: str) -> None:
    """Display a Markdown file the pipeline wrote (APA sentences and tables), any raw HTML in it shown as text."""
    display(HTML(markdown_html(results_path(results_dir, relative).read_text(encoding="utf-8"))))


def data_banner(results_dir, study: str | None = None) -> None:
    """A banner saying where the results come from: the run's label, or one study's (``study1``, ``study2``)."""
    record = read_provenance(results_path(results_dir, "clean/provenance.json"))
    if study is None:
        label = record["data_label"]
    else:
        label = record["studies"][study]["data_label"]
    colour = "#1b5e20" if label == USER_DATA else "#b00020"  # green only over the user's own data
    display(HTML(f'<p style="border:2px solid {colour};color:{colour};padding:6px 10px;font-weight:bold">{html_text(label)}</p>'))


def show_main_specification(results_dir) -> None:
    """The multiverse row of the main analysis, or a sentence saying the grid does not contain it."""
    multiverse = table(results_dir, "robustness/multiverse.csv", keep_default_na=False)
    main = multiverse[multiverse["is_main"].astype(str) == "True"]
    if main.empty:
        display(Markdown(
            "*The multiverse grid (`robustness.multiverse`) does not contain the main analysis's choices, so no "
            "specification above is the main analysis; its results are in the Study 2 section.*"
        ))
        return
    show_table(main.T.reset_index().set_axis(["column", "value"], axis=1), "The specification of the main analysis", digits=3)
