"""Helpers the notebooks use to show results: APA 7 tables and figures, banners, Markdown.

Presentation only: nothing here computes a statistic. Every number shown comes from a
table the pipeline wrote under ``results/``; the notebooks run standalone on them.

Tables and figures follow APA 7 (sections 7.8-7.10 and 7.22-7.26): a bold number
("Table 3"), an italic title, the body, then a note. Headers are words
(:data:`camhs_rom.report.vocabulary.COLUMNS`); values are rounded by their kind
(:func:`camhs_rom.report.vocabulary.format_value`): p as ``.034`` or ``< .001``, no leading
zero for statistics that cannot exceed 1, counts and degrees of freedom as whole numbers,
intervals as ``[a, b]``. Each notebook numbers its own tables and figures from 1; the
assembled report renumbers them in page order (:func:`renumber`). Every cell, header,
title and note is HTML-escaped: ids, labels and excerpts come from the user's files.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Markdown, display

from camhs_rom.core.contract import SYNTHETIC
from camhs_rom.core.labels import USER_DATA
from camhs_rom.core.markup import html_text, markdown_html
from camhs_rom.core.provenance import input_path, read_provenance
from camhs_rom.core.studies import is_generated
from camhs_rom.core.tables import read_table
from camhs_rom.instruments.codebook import load_codebook
from camhs_rom.instruments.questionnaire import load_questionnaire
from camhs_rom.report.vocabulary import CHOICE_NAMES, apa_frame
from camhs_rom.study2 import wording

_COUNT = {"table": 0, "figure": 0}  # this notebook's numbering (one kernel per notebook)
_NAMES: dict[str, str] = {}  # ids of this run in words (use_run_names)


def results_path(results_dir: str | Path, relative: str) -> Path:
    """A file under the results folder; a clear message when the pipeline has not made it yet."""
    path = Path(results_dir) / relative
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run `snakemake --cores 4` first (the notebooks present results/)")
    return path


def table(results_dir, relative: str, **read_csv) -> pd.DataFrame:
    """Read one result table, its cells as the user wrote them (a CSV's formula guard removed; shown escaped)."""
    return read_table(results_path(results_dir, relative), **read_csv)


def _run_document(results_dir, role: str, load):
    """The questionnaire or codebook the run read (its path from the provenance record), or None when it is
    no longer where the run read it or no longer loads."""
    record = read_provenance(results_path(results_dir, "clean/provenance.json"))
    path = input_path(record, role)
    workdir = Path(results_dir).resolve().parent
    if not path or not (workdir / path).exists():
        return None
    try:
        return load(workdir / path)
    except Exception:  # noqa: BLE001 - words are a courtesy: a file changed since the run keeps the ids
        return None


def run_names(results_dir) -> dict[str, str]:
    """The run's ids in words: subscale, group and short item labels from its questionnaire, theme labels from its codebook.

    Read from the files the provenance record names; an id without a label (or a file no
    longer where the run read it) stays as it is.
    """
    names: dict[str, str] = {}
    codebook = _run_document(results_dir, "study1_codebook", load_codebook)
    if codebook is not None:
        names.update({t.id: t.label for t in codebook.themes})
    questionnaire = _run_document(results_dir, "study2_questionnaire", load_questionnaire)
    if questionnaire is not None:
        names.update(questionnaire.subscales)
        names.update(questionnaire.group_labels)
        names.update({item.id: item.short for item in questionnaire.items if item.short})  # items by their short labels
    return names


def study2_words(results_dir) -> dict:
    """Study 2's words for this run (:mod:`camhs_rom.study2.wording`): ``first`` and ``second`` (the compared
    groups' labels), ``difference`` (``first minus second``), ``lead`` (the section's opening sentence), ``low``
    and ``high`` (the scale's end labels), ``frequency`` (the frequency item's column or None), ``cluster``.

    Neutral words ("the first group") when the questionnaire is no longer where the run read it.
    """
    q = _run_document(results_dir, "study2_questionnaire", load_questionnaire)
    if q is None:
        return {"first": "the first group", "second": "the second group", "difference": "the first group minus the second",
                "lead": "Study 2: the questionnaire's items, factor structure, reliability and group comparison.",
                "low": "the lowest answer", "high": "the highest answer", "frequency": None, "cluster": None}
    first, second = wording.group_names(q)
    low, high = wording.scale_ends(q)
    return {"first": first, "second": second, "difference": wording.difference_words(q), "lead": wording.study2_lead(q),
            "low": low, "high": high, "frequency": q.frequency_column, "cluster": q.cluster_column}


def use_run_names(results_dir) -> None:
    """Show this run's subscale, group and theme ids by their labels in every table that follows."""
    _NAMES.clear()
    _NAMES.update(run_names(results_dir))


def _next(kind: str) -> int:
    _COUNT[kind] += 1
    return _COUNT[kind]


def anchor(kind: str, key: str) -> str:
    """The HTML id of a table or figure (``table-study2-loadings``): what checklists link to."""
    return f"{kind}-" + re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")


def breakable(value) -> str:
    """``value`` escaped, with a line-break opportunity after each ``_``, ``/``, ``#`` and ``.`` (but a decimal point) of long ids and paths."""
    text = str(value)
    if len(text) <= 12:
        return html_text(text)
    # split the raw text (escaping first would let a break land inside an entity such as &#x27;)
    # never inside a number: not after the point of "2.19"
    parts = re.split(r"(?<=[_/#])(?=\S)|(?<=\.)(?=[^\d\s])", text)
    return "<wbr>".join(html_text(part) for part in parts)


def table_html(frame: pd.DataFrame, title: str, note: str = "", key: str | None = None, number: int | None = None,
               links: dict[str, list[str]] | None = None) -> str:
    """An APA table as HTML: number, title, the body (headers and cells escaped), note.

    ``links`` maps a column to one in-page anchor per row (``#table-...``, or ``""`` for
    none): that row's cell ends with a "(shown here)" link to it.
    """
    number = _next("table") if number is None else number
    # a column no row fills says nothing (an empty Note column): left out
    frame = frame.loc[:, [not frame[c].astype(str).str.strip().eq("").all() for c in frame.columns]] if len(frame) else frame
    numeric = [_is_numeric(frame[c]) for c in frame.columns]
    # a numeric column's heading sits over its numbers (right-aligned, as its cells are)
    head = "".join(f'<th scope="col"{" class=num" if num else ""}>{symbols(html_text(c))}</th>' for c, num in zip(frame.columns, numeric, strict=True))
    frame = frame.copy()
    for column, num in zip(frame.columns, numeric, strict=True):
        if num:
            frame[column] = align_decimals(frame[column].astype(str).tolist())
    links = links or {}

    def cell(value, column: str, row: int, num: bool) -> str:
        target = links.get(column, [""] * (row + 1))[row]
        link = f' <a href="#{html_text(target.lstrip("#"))}">(shown here)</a>' if target else ""
        shown = breakable(value)
        if num:  # "< .001" and "> .999" never break between the sign and the number
            shown = re.sub(r"^(&lt;|&gt;) ", "\\1\u00a0", shown)
        # a short cell (an id such as S2-G+, a level) is never split over two lines
        classes = " ".join(c for c, on in (("num", num), ("short", len(str(value)) <= 6)) if on)
        return f'<td{f" class={chr(34)}{classes}{chr(34)}" if classes else ""}>{lead_symbol(shown)}{link}</td>'

    rows = "".join(
        "<tr>" + "".join(cell(v, c, r, num) for v, c, num in zip(row, frame.columns, numeric, strict=True)) + "</tr>"
        for r, row in enumerate(frame.itertuples(index=False))
    )
    return apa_table_block(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>", title, note, key, number)


# APA 7 sets statistical symbols in Latin letters in italics (Greek letters upright)
_SYMBOLS = re.compile(r"(?<![\w&#;])(n|N|M|SD|SE|p|t|d|g|r|U|F|z|df|k)(?![\w])")
_LEAD = re.compile(r"^(\u0394?)(t|U|d|g|r|F|z|M|p)(?=\(| =)")


def symbols(text: str) -> str:
    """Escaped heading text with its statistical symbols in italics (``Users n`` -> ``Users <i>n</i>``, ``p (Holm)``)."""
    return _SYMBOLS.sub(r"<i>\1</i>", text)


def lead_symbol(text: str) -> str:
    """An escaped cell that opens with a statistic (``t(39.73) = 2.19``, ``d = 0.60 [...]``, ``\u0394M = 0.61``) with that symbol in italics."""
    return _LEAD.sub(r"\1<i>\2</i>", text)


def _is_numeric(column: pd.Series) -> bool:
    """Whether a column holds numbers (as numbers, or as formatted values: ``.034``, ``< .001``, ``[.84, .94]``, ``\u221218``), empty cells aside."""
    if pd.api.types.is_numeric_dtype(column):
        return True
    filled = column.astype(str).str.strip()
    filled = filled[filled != ""]
    return len(filled) > 0 and bool(filled.str.match(r"^[\u2212<>]?\s?[\d.\[]").all())


_DECIMALS = re.compile(r"(?:\.(\d+)|\d+)\]?$")


def align_decimals(values: list[str]) -> list[str]:
    """Right-aligned numbers with their decimal points in one line: each value ending in a number is padded
    on the right with figure spaces (U+2007, a digit's width) for the decimals it lacks, and a punctuation
    space (U+2008) for a missing point. ``59`` over ``3.45`` becomes ``59\u2008\u2007\u2007``; values of
    one format (``.034``, ``< .001``, intervals) are unchanged."""
    decimals = [(len(m[1]) if m[1] else 0) if (m := _DECIMALS.search(v)) else None for v in values]
    widest = max((d for d in decimals if d is not None), default=0)
    if widest == 0:
        return list(values)
    return [v if d is None or d == widest else v + ("" if d else "\u2008") + "\u2007" * (widest - d) for v, d in zip(values, decimals, strict=True)]


def apa_table_block(table: str, title: str, note: str = "", key: str | None = None, number: int = 1) -> str:
    """An HTML ``table`` (already escaped) inside an APA table's number, title and note."""
    note_html = f'<p class="apa-note"><i>Note.</i> {html_text(note)}</p>' if note else ""
    # the number and title are the table's <caption> (read out with it), laid out as APA's two lines above it
    caption = (f'<caption><span class="apa-number"><b data-number="table">Table {number}</b></span>'
               f'<span class="apa-title"><i>{html_text(title)}</i></span></caption>')
    table = table.replace("<table>", "<table>" + caption, 1)
    return f'<div class="apa-table" id="{anchor("table", key or title)}"><div class="table-wrap">{table}</div>{note_html}</div>'


def show_table(frame: pd.DataFrame, caption: str = "", digits: int = 2, index: bool = False, *, note: str = "", key: str | None = None,
               columns: dict | None = None, kinds: dict | None = None, level: float = 0.95, names: dict | None = None) -> None:
    """Display a result table in APA style (the CSV keeps full precision).

    ``caption`` is the title; ``note`` the table note. Headers come from the vocabulary
    unless ``columns`` renames them; values are rounded by kind (``kinds`` overrides a
    column's kind; ``digits`` is for numbers of no known kind); ``ci_low``/``ci_high`` pairs
    become one ``level`` interval column; ``names`` words ids of this table (over the run's names).
    """
    shown = frame.reset_index() if index else frame
    display(HTML(table_html(apa_frame(shown, columns, kinds, digits, level, {**_NAMES, **(names or {})}), caption, note, key)))


def styled_table(frame: pd.DataFrame, caption: str = "", digits: int = 2, index: bool = False):
    """The table as a pandas Styler: rounded, every cell, header and the caption HTML-escaped.

    For notebooks of one's own that want a Styler; the report's tables use :func:`show_table`.
    The table's HTML id is derived from its content, so the same results give the same bytes.
    """
    digest = hashlib.sha256(f"{caption}\n{frame.to_csv()}".encode("utf-8")).hexdigest()[:12]
    styled = frame.style.set_uuid(digest).format(precision=digits, na_rep="", escape="html")
    styled = styled.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    if not index:
        styled = styled.hide(axis="index")
    if caption:
        styled = styled.set_caption(html_text(caption))
    return styled


def figure_html(path: Path, title: str, alt: str, note: str = "", key: str | None = None, width: int = 760, number: int | None = None) -> str:
    """An APA figure as HTML: number, title, the PNG embedded (with its alt text), note."""
    number = _next("figure") if number is None else number
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    note_html = f'<figcaption class="apa-note"><i>Note.</i> {html_text(note)}</figcaption>' if note else ""
    return (
        f'<figure class="apa-figure" id="{anchor("figure", key or title)}"><p class="apa-number"><b data-number="figure">Figure {number}</b></p>'
        f'<p class="apa-title"><i>{html_text(title)}</i></p><img src="data:image/png;base64,{data}" alt="{html_text(alt)}" '
        f'style="width:{width}px;max-width:100%;height:auto">{note_html}</figure>'
    )


def show_figure(results_dir, relative: str, width: int = 760, *, title: str = "", alt: str = "", note: str = "", key: str | None = None) -> None:
    """Embed a PNG figure with its number, title, alt text and note (the report carries the image inside it)."""
    title = title or Path(relative).stem.replace("_", " ").capitalize()
    display(HTML(figure_html(results_path(results_dir, relative), title, alt or title, note, key, width)))


def renumber(page: str) -> str:
    """Number the tables and figures of an assembled page in order (each notebook numbered its own from 1)."""
    for kind, word in (("table", "Table"), ("figure", "Figure")):
        count = iter(range(1, 100_000))
        page = re.sub(rf'<b data-number="{kind}">{word} \d+</b>', lambda _m, w=word, k=kind, c=count: f'<b data-number="{k}">{w} {next(c)}</b>', page)
    return page


def show_text(text: str) -> None:
    """Display a plain-text paragraph (escaped: it may hold ids and names from the user's files)."""
    display(HTML(f"<p>{html_text(text)}</p>"))


def show_markdown(results_dir, relative: str) -> None:
    """Display a Markdown file the pipeline wrote (APA sentences, summaries), any raw HTML in it shown as text."""
    display(HTML(markdown_html(results_path(results_dir, relative).read_text(encoding="utf-8"))))


def _unescape(cell: str) -> str:
    return re.sub(r"\\(.)", r"\1", cell.strip())


def show_markdown_table(results_dir, relative: str, key: str | None = None) -> None:
    """Display an APA table the pipeline wrote as Markdown (title line, pipe table, note) in the report's table style."""
    lines = results_path(results_dir, relative).read_text(encoding="utf-8").splitlines()
    title = _unescape(lines[0].strip("*"))
    title = re.sub(r"^Table \d+\.\s*", "", title)
    rows = [re.split(r"(?<!\\)\|", line.strip())[1:-1] for line in lines if line.startswith("|")]
    frame = pd.DataFrame([[_unescape(c) for c in row] for row in rows[2:]], columns=[_unescape(c) for c in rows[0]])
    note = next((_unescape(line.removeprefix("*Note.*")) for line in lines if line.startswith("*Note.*")), "")
    display(HTML(table_html(frame, title, note, key)))


def data_banner(results_dir, study: str | None = None) -> None:
    """A banner saying where the results come from: the run's label, or one study's (``study1``, ``study2``)."""
    record = read_provenance(results_path(results_dir, "clean/provenance.json"))
    if study is None:
        label = record["data_label"]
    else:
        label = record["studies"][study]["data_label"]
    colour = "#1b5e20" if label == USER_DATA else "#b00020"  # green only over the user's own data
    display(HTML(f'<p style="border:2px solid {colour};color:{colour};padding:6px 10px;font-weight:bold">{html_text(label)}</p>'))


def run_setting(results_dir, key: str):
    """One setting of the run's effective config (dotted ``key``, e.g. ``study2.efa.correlation``), from the provenance record."""
    value = read_provenance(results_path(results_dir, "clean/provenance.json"))["config"]
    for part in key.split("."):
        value = value[part]
    return value


def is_synthetic(results_dir, study: str | None = None) -> bool:
    """Whether the run (or one study) read synthetic data, from the provenance record."""
    record = read_provenance(results_path(results_dir, "clean/provenance.json"))
    return bool(record["synthetic"] if study is None else record["studies"][study]["synthetic"])


def is_calibrated_default(results_dir) -> bool:
    """Whether every data input is the synthetic default this workflow generated (under ``data/synthetic/``),
    calibrated to the published results; synthetic files of other origin (the worked example's) are not."""
    record = read_provenance(results_path(results_dir, "clean/provenance.json"))
    data = [d for d in record["inputs"] if d["role"] in ("study1_segments", "study2_responses")]
    return bool(data) and all(d["synthetic"] and is_generated(d["path"], SYNTHETIC) for d in data)


_SPEC_FIELDS = {
    "spec_id": "Specification", "n_efa": "Respondents in the factor analysis", "n_factors": "Factors retained",
    "misplaced_items": "Items loading most on another subscale's factor", "note": "Note",
    "items": "items", "n_1": "n, first group", "n_2": "n, second group", "difference": "mean difference", "d": "Bonett's d",
    "d_ci_low": "d, 95% CI lower", "d_ci_high": "d, 95% CI upper", "p": "p", "p_holm": "p (Holm)",
}


def specification_words(key: str, names: dict) -> str:
    """A multiverse column in words: a decision (``Extraction``), a claim id, or ``<role>_<field>`` as
    "Positive impact: p (Holm)" with the role's subscale label from the run's names."""
    if key in CHOICE_NAMES or key.startswith("S2-"):
        return CHOICE_NAMES.get(key, key)
    if key in _SPEC_FIELDS:
        return _SPEC_FIELDS[key]
    role, _, field = key.partition("_")
    if role == "congruence":
        return f"Tucker congruence: {names.get(field, field)}"
    if field in _SPEC_FIELDS:
        return f"{names.get(role, role.capitalize())}: {_SPEC_FIELDS[field]}"
    return key.replace("_", " ").capitalize()


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
    shown = main.drop(columns=["is_main"]).T.reset_index().set_axis(["setting", "value"], axis=1)
    shown = shown[shown["value"].astype(str) != ""]  # an empty note says nothing
    roles = {}
    if (Path(results_dir) / "clean" / "provenance.json").exists():  # the roles' subscales in words (ids without the record)
        labels = run_names(results_dir)
        roles = {role: labels.get(sub, sub) for role, sub in run_setting(results_dir, "replication.subscales").items() if sub}
    shown["setting"] = [specification_words(k, roles) for k in shown["setting"]]
    show_table(shown, "The specification of the main analysis", key="robustness-main-specification",
               kinds={"value": "auto"}, names=CHOICE_NAMES, note="One row of the multiverse: the choices the main analysis made and what it found.")
