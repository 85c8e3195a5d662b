"""Showing untrusted text safely: in Markdown files, in HTML, and in figure text.

Labels, ids, item wording and excerpts come from the user's files and from respondents.
Wherever they are shown they are text, never markup:

- Markdown the pipeline writes (``apa_sentences.md``, ``robustness_summary.md``, the APA
  table) passes user text through :func:`markdown_text`, which backslash-escapes every
  character Markdown or HTML could read as markup, so any renderer shows it literally;
- the notebooks render that Markdown with raw HTML escaped (:func:`markdown_html`) and
  tables with every cell, header and caption escaped, so what reaches ``report.html`` is
  inert even if a writer forgot to escape;
- figures draw labels with ``text.parse_math`` off (``core.plotting``), so a ``$`` in a
  label is a dollar sign, not mathtext.
"""

from __future__ import annotations

import html
import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#!|&~])")  # what can open markup mid-line in CommonMark and HTML


def markdown_text(value) -> str:
    """``value`` as Markdown that renders as exactly that text (every markup character backslash-escaped).

    >>> markdown_text("<svg onload=alert(1)> *users*")
    '\\\\<svg onload=alert(1)\\\\> \\\\*users\\\\*'
    """
    text = " ".join(str(value).split()) if "\n" in str(value) else str(value)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_html(text: str) -> str:
    """Render Markdown (with tables) to HTML, escaping any raw HTML in it and dropping unsafe links."""
    import mistune

    return mistune.create_markdown(escape=True, plugins=["table"])(text)


def html_text(value) -> str:
    """``value`` escaped for HTML text and attribute values."""
    return html.escape(str(value), quote=True)
