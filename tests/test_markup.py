"""Untrusted text is shown as text: Markdown the pipeline writes, tables and Markdown in the notebooks and report."""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd
import pytest

from camhs_rom.core.markup import markdown_html, markdown_text
from camhs_rom.report.presentation import styled_table
from camhs_rom.study2.apa import markdown_table

HOSTILE = [
    "<script>alert(1)</script>",
    "P04<img src=x onerror=alert(1)>",
    "<svg onload=alert(3)>users",
    "[click](javascript:alert(4))",
    "<a href='javascript:alert(5)'>x</a>",
    "**bold** _it_ `code` | pipe # hash & amp",
    '"><iframe src=//evil.example>',
]


class LiveMarkup(HTMLParser):
    """Collects every element or attribute that could run code or load content."""

    DANGEROUS = {"script", "iframe", "svg", "object", "embed", "img", "style", "link", "form", "base", "frame", "video", "audio"}

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in self.DANGEROUS:
            self.found.append(tag)
        elif tag == "a" and not (values.get("href") or "#").startswith("#"):
            self.found.append("a")  # a link out of the page; the report's own links are anchors
        elif tag == "meta" and "http-equiv" in values:
            self.found.append("meta[http-equiv]")
        self.found += [f"{tag}[{k}]" for k, v in attrs if k.startswith("on") or "javascript:" in (v or "").lower()]


def live_markup(page: str, allowed: set[str] = frozenset()) -> list[str]:
    parser = LiveMarkup()
    parser.feed(page)
    return [f for f in parser.found if f not in allowed]


@pytest.mark.parametrize("value", HOSTILE)
def test_markdown_text_renders_as_exactly_the_text(value):
    rendered = markdown_html(f"Label: {markdown_text(value)}.")
    assert live_markup(rendered) == []
    from html import unescape

    assert unescape(rendered).strip() == f"<p>Label: {value}.</p>"


def test_raw_html_in_markdown_is_shown_as_text():
    rendered = markdown_html("\n\n".join(HOSTILE))
    assert live_markup(rendered) == []  # a Markdown link stays a link, its javascript: target replaced by an anchor
    assert 'href="#harmful-link"' in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered


def test_apa_markdown_table_escapes_headers_and_cells():
    frame = pd.DataFrame({f"{HOSTILE[2]} M (SD)": ["3.10 (0.50)", HOSTILE[0]], "Subscale": [HOSTILE[1], "a | b"]})
    rendered = markdown_html(markdown_table(frame, "Table 1. <b>x</b>", "Note with <script>"))
    assert live_markup(rendered) == []
    assert rendered.count("<tr>") == 3  # header + two rows: the pipe in "a | b" did not split a cell


def test_tables_in_notebooks_escape_cells_headers_index_and_caption():
    frame = pd.DataFrame({HOSTILE[2]: HOSTILE[:3], "n": [1.23456, 2.0, None]}, index=HOSTILE[3:6])
    page = styled_table(frame, caption=HOSTILE[0], index=True).to_html()
    assert live_markup(page, allowed={"style"}) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "1.23" in page


def test_robustness_notebook_without_the_main_specification_in_the_grid(tmp_path, monkeypatch):
    """A grid that leaves out the main analysis's choices (retention: [kaiser]) gets a sentence, not a crash."""
    from camhs_rom.report import presentation

    shown = []
    monkeypatch.setattr(presentation, "display", shown.append)
    (tmp_path / "robustness").mkdir()
    multiverse = tmp_path / "robustness" / "multiverse.csv"
    pd.DataFrame({"spec_id": [1, 2], "retention": ["kaiser", "kaiser"], "is_main": [False, False]}).to_csv(multiverse, index=False)
    presentation.show_main_specification(tmp_path)
    assert "does not contain the main analysis's choices" in shown[-1].data
    pd.DataFrame({"spec_id": [1, 2], "retention": ["kaiser", "parallel_analysis"], "is_main": [False, True]}).to_csv(multiverse, index=False)
    presentation.show_main_specification(tmp_path)
    assert "The specification of the main analysis" in shown[-1].data and "Parallel analysis" in shown[-1].data


def test_snakemake_report_captions_carry_no_user_text():
    """Snakemake renders captions as Jinja templates, then RST to HTML: ours are static text, so no
    config value, label or file name can reach them (the tables and figures they caption are files)."""
    from .conftest import ROOT

    captions = sorted((ROOT / "workflow" / "report").glob("*.rst"))
    assert captions
    for caption in captions:
        text = caption.read_text(encoding="utf-8")
        assert "{{" not in text and "{%" not in text and ".. raw::" not in text, caption.name
