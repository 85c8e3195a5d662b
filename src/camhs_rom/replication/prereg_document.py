"""Documents written as Markdown and as Word (.docx) from one list of blocks: the preregistration, the manuscript.

One list of blocks gives both files, so the two always say the same:
``("h1" | "h2" | "h3" | "p", text)``, ``("table", header, rows)``, ``("caption", number, title)`` (an APA
table or figure number in bold over its title in italics), ``("note", text)`` (an APA note) and
``("figure", path, markdown_path, alt)`` (an image: embedded in Word, linked in Markdown). In paragraph
and note text, ``ITALIC_ON`` ... ``ITALIC_OFF`` (control characters no file's text keeps:
:func:`plain`) mark what APA sets in italics (statistical symbols). Every text from the team's files
(claims' terms, labels, item wording, settings) is escaped for Markdown; Word shows text as text. The
.docx is deterministic: python-docx's core properties (created, modified, revision) are fixed.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from camhs_rom.core.markup import markdown_text
from camhs_rom.core.tables import atomic_path, write_text

FIXED_TIME = dt.datetime(2015, 11, 4, tzinfo=dt.timezone.utc)  # the article's date: same plan, same bytes
ZIP_TIME = (2015, 11, 4, 0, 0, 0)


ITALIC_ON, ITALIC_OFF = "\x02", "\x03"


def plain(text) -> str:
    """Text from a file, without the two characters that mark italics here."""
    return str(text).replace(ITALIC_ON, "").replace(ITALIC_OFF, "")


def italic(text: str) -> str:
    """``text`` marked to be set in italics."""
    return f"{ITALIC_ON}{text}{ITALIC_OFF}"


def _md(text) -> str:
    return markdown_text(text).replace(ITALIC_ON, "*").replace(ITALIC_OFF, "*")


def _cell(value) -> str:
    return _md(value).replace("\n", " ")


def _runs(paragraph, text: str, bold: bool = False) -> None:
    """Add ``text`` to a Word paragraph, the marked stretches in italics."""
    for k, part in enumerate(str(text).replace(ITALIC_OFF, ITALIC_ON).split(ITALIC_ON)):
        if part:
            run = paragraph.add_run(part)
            run.italic, run.bold = k % 2 == 1, bold or None


def to_markdown(blocks: list[tuple]) -> str:
    """The blocks as Markdown (headings, paragraphs, pipe tables), user text escaped."""
    out = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            out.append(f"{'#' * int(kind[1])} {markdown_text(block[1])}")
        elif kind == "p":
            out.append(_md(block[1]))
        elif kind == "caption":
            out.append(f"**{markdown_text(block[1])}**\n\n*{markdown_text(block[2])}*")
        elif kind == "note":
            out.append(f"*Note.* {_md(block[1])}")
        elif kind == "figure":
            out.append(f"![{markdown_text(block[3])}]({block[2]})")
        elif kind == "table":
            header, rows = block[1], block[2]
            lines = ["| " + " | ".join(_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
            out.append("\n".join(lines))
        else:
            raise ValueError(f"unknown block kind {kind!r}")
    return "\n\n".join(out) + "\n"


def write_docx(blocks: list[tuple], path: str | Path, title: str) -> None:
    """The blocks as a Word document (headings, paragraphs, real tables), written atomically with fixed metadata."""
    from docx import Document  # python-docx: only the preregistration and the manuscript write Word
    from docx.shared import Inches

    document = Document()
    props = document.core_properties
    props.title, props.author, props.last_modified_by, props.revision = title[:250], "camhs-rom", "camhs-rom", 1
    props.created = props.modified = FIXED_TIME
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            document.add_heading(str(block[1]), level=int(kind[1]))
        elif kind == "p":
            _runs(document.add_paragraph(), block[1])
        elif kind == "caption":
            _runs(document.add_paragraph(), str(block[1]), bold=True)
            document.add_paragraph().add_run(str(block[2])).italic = True
        elif kind == "note":
            paragraph = document.add_paragraph()
            paragraph.add_run("Note.").italic = True
            _runs(paragraph, " " + str(block[1]))
        elif kind == "figure":
            document.add_picture(str(block[1]), width=Inches(6.3))
        else:
            header, rows = block[1], block[2]
            table = document.add_table(rows=1, cols=len(header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, header, strict=True):
                cell.text = str(text)
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for row in rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = str(text)
    buffer = io.BytesIO()
    document.save(buffer)
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(_fixed_zip(buffer.getvalue()))


def _fixed_zip(data: bytes) -> bytes:
    """The .docx with every member's time stamp fixed and members in a stable order (byte-identical reruns)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def write_documents(blocks: list[tuple], md_path: str | Path, docx_path: str | Path, title: str) -> None:
    """Write the Markdown and the Word document of the same blocks."""
    write_text(to_markdown(blocks), md_path)
    write_docx(blocks, docx_path, title)
