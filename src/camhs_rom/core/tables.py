"""Reading and writing tables safely.

Readers accept what spreadsheets and survey platforms write (UTF-8 with or without a
byte-order mark, UTF-16, Windows-1252, CRLF line ends, a semicolon-delimited ``.csv`` with
decimal commas, trailing empty rows and unnamed empty columns), recording every such
conversion in the audit log, and turn every way a file can be unreadable (missing, empty,
binary, ragged rows, duplicate or blank column names over data, not a real SPSS file) into
one :class:`InputError` (decoding, and a file mixing encodings: :mod:`camhs_rom.core.encoding`).
Writers neutralise spreadsheet formulas in text cells.
Writers are atomic (write to a temporary file, then rename) and deterministic
(``\n`` line ends, fixed float format), so a reviewer's re-run gives the same bytes and
a failed run leaves no half-written table.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from camhs_rom.core.encoding import read_text
from camhs_rom.core.errors import InputError, quote_list

DELIMITERS = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": "\t"}


CSV_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}  # what a .csv may use: the header decides


FLOAT_FORMAT = "%.10g"


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a cell as a formula


PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")  # a number as text (sign, decimals, exponent)


_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


_UMASK = os.umask(0)


os.umask(_UMASK)


def _audit_note(audit, path, row, column, before, after, rule) -> None:
    if audit is not None:
        audit.add(path, row, column, before, after, rule)


def _sniff_delimiter(path: Path, text: str, audit) -> str:
    """The delimiter of a ``.csv``: the one that splits the header row into the most names (comma on a tie)."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {sep: len(next(csv.reader([first], delimiter=sep), [])) for sep in CSV_DELIMITERS}
    sep = max(CSV_DELIMITERS, key=lambda d: (counts[d], d == ","))
    if sep != ",":
        _audit_note(audit, path, "1", "", "comma", CSV_DELIMITERS[sep], "delimiter_detected")
    return sep


def read_delimited(path: str | Path, required_rows: int = 1, audit=None) -> tuple[pd.DataFrame, list[str]]:
    """Read a CSV/TSV file with every cell as text (``""`` for empty); return it and each row's number.

    Row numbers are spreadsheet rows (the header is row 1). The delimiter follows the
    extension (``.tsv``, ``.tab``, ``.txt``: tab); a ``.csv`` may use a comma, semicolon
    or tab, whichever splits the header into the most columns. With a semicolon, a cell
    that is a number written with a decimal comma (``3,5``) is read with a decimal point. What spreadsheets leave behind and carries no data is
    dropped: rows with every cell empty, and columns with neither a name nor a value.
    Every such change is recorded in ``audit``. Nothing else is converted: deciding what a
    cell means is the caller's job, so nothing is silently turned into a number or a
    missing value.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in DELIMITERS:
        raise InputError(path, "file name", f"extension {suffix or '(none)'!r}", f"one of {quote_list(DELIMITERS)}")
    text = read_text(path, audit=audit)
    sep = _sniff_delimiter(path, text, audit) if suffix == ".csv" else DELIMITERS[suffix]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    records = []
    collecting = gc.isenabled()
    gc.disable()  # millions of small lists and strings: the cyclic collector would walk them again and again
    limit = csv.field_size_limit(max(len(text) + 1, 131072))  # a cell as long as the file (free text in an unused column) is read; used columns are bounded by their readers
    try:
        for record in reader:
            records.append(record)
    except csv.Error as exc:
        row = len(records) + 1
        found = (f"a quoted cell opened in row {row} and never closed" if "end of data" in str(exc)
                 else f"text that is not valid delimited data ({exc})")
        raise InputError(path, f"row {row} (line {reader.line_num})", found, "cells in straight double quotes, each closed, one record per row") from None
    finally:
        csv.field_size_limit(limit)
        if collecting:
            gc.enable()
    header, body = [c.strip() for c in records[0]], records[1:]
    blank_names = [k for k, name in enumerate(header) if not name]
    width = len(header)
    # a short row is a broken record, not missing answers: only unnamed columns may be cut off
    shortest = min((k for k in range(width + 1) if all(j in blank_names for j in range(k, width))), default=width)
    for n, record in enumerate(body, start=2):
        fits = shortest <= len(record) <= width or (len(record) > width and not any(c.strip() for c in record[width:]))
        if record and not fits:
            raise InputError(path, f"row {n}", f"{len(record)} fields", f"{width} fields, as in the header")
    rows, cells = [], []
    for n, record in enumerate(body, start=2):
        if not any(c.strip() for c in record):
            _audit_note(audit, path, str(n), "", "an empty row", "", "empty_row_dropped")
            continue
        rows.append(str(n))
        cells.append((record + [""] * width)[:width])
    for k in blank_names:
        filled = next((r for r, cell in zip(rows, cells, strict=True) if cell[k].strip()), None)
        if filled is not None:
            raise InputError(
                path, f"row 1 (header), column {k + 1}", f"an empty column name over data (row {filled}: {cells[rows.index(filled)][k]!r})",
                "a name for every column that holds data",
            )
        _audit_note(audit, path, "", f"column {k + 1}", "an empty column without a name", "", "empty_column_dropped")
    keep = [k for k in range(width) if k not in blank_names]
    seen = {}
    for k in keep:
        name = header[k]
        if name in seen:
            raise InputError(path, f"row 1 (header), columns {seen[name]} and {k + 1}", f"{name!r} twice", "each column name once")
        seen[name] = k + 1
    if not keep:
        raise InputError(path, "row 1 (header)", "no column names", "a header row naming the columns")
    columns = list(zip(*cells, strict=True)) if cells else [()] * width  # column by column: far faster than row lists
    frame = pd.DataFrame({header[k]: pd.array(columns[k], dtype=str) for k in keep}, index=range(len(cells)))
    if len(frame) < required_rows:
        raise InputError(path, "file", "a header but no data rows", f"at least {required_rows} data row(s)")
    if sep == ";":
        frame = _decimal_commas(frame, rows, path, audit)
    return frame, rows


def _decimal_commas(frame: pd.DataFrame, rows: list[str], path, audit) -> pd.DataFrame:
    """In a semicolon-delimited file, every cell that is a number written with a decimal comma (``3,5``) gets a decimal point."""
    for col in frame.columns:
        values = frame[col].str.strip()
        commas = values.str.match(_DECIMAL_COMMA)
        if not commas.any():
            continue
        changed = np.flatnonzero(commas.to_numpy())
        after = values.iloc[changed].str.replace(",", ".", regex=False)
        if audit is not None:
            audit.add_many(path, [rows[i] for i in changed], col, frame[col].iloc[changed], after, "decimal_comma")
        frame[col] = frame[col].mask(commas, values.str.replace(",", ".", regex=False))
    return frame


def read_sav(path: str | Path) -> tuple[pd.DataFrame, dict[str, dict]]:
    """Read an SPSS ``.sav`` file without applying value labels; return (data, value labels per column)."""
    import pyreadstat

    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file", "no such file", "an existing SPSS .sav file")
    if path.stat().st_size == 0:
        raise InputError(path, "file", "an empty file", "an SPSS .sav file")
    try:
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except Exception as exc:  # pyreadstat raises its own ReadstatError / PyreadstatError
        raise InputError(path, "file", f"a file SPSS readers cannot open ({exc})", "an SPSS .sav file") from None
    if frame.empty:
        raise InputError(path, "file", "no cases", "at least one case (row)")
    return frame, dict(meta.variable_value_labels or {})


@contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside ``path``; on success rename it to ``path``, on failure delete it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are shared like any other file
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def is_formula(value) -> bool:
    """Whether a spreadsheet opening a CSV would run ``value`` as a formula (OWASP's CSV-injection test).

    A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
    one, unless it is a plain number (``-0.5``, ``+3``), which spreadsheets read as a number.
    """
    return isinstance(value, str) and value.startswith(FORMULA_START) and not PLAIN_NUMBER.match(value)


def restore_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` read from a written table with each guard of :func:`neutralise_formulas` removed.

    The guard belongs in CSV cells, where a spreadsheet would run a formula; a table read
    back for the report, a figure or a label shows the text as the user wrote it (and
    escapes it there). A guard is an apostrophe before a formula (:func:`is_formula`); the
    one text this cannot tell from a guarded formula is a cell the user wrote with that
    apostrophe already, which reads back without it.
    """
    out = frame
    for col in frame.columns:
        series = frame[col]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        starts = series.astype("string").str.startswith("'").fillna(False).to_numpy(dtype=bool)
        hits = [i for i in np.flatnonzero(starts) if is_formula(series.iloc[i][1:])]
        if not hits:
            continue
        if out is frame:
            out = frame.copy()
        fixed = series.copy()
        for i in hits:
            fixed.iloc[i] = series.iloc[i][1:]
        out[col] = fixed
    return out


def read_table(path: str | Path, **read_csv) -> pd.DataFrame:
    """Read a table this pipeline wrote (:func:`write_table`) for showing, its cells as the user wrote them (:func:`restore_formulas`).

    Analyses that write tables again read with ``pd.read_csv``: the guard stays, and
    :func:`neutralise_formulas` leaves a guarded cell as it is.
    """
    return restore_formulas(pd.read_csv(path, **read_csv))


def neutralise_formulas(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[int, str, str, str]]]:
    """A copy of ``frame`` whose formula-like text cells (:func:`is_formula`) start with ``'``.

    The apostrophe is what OWASP recommends: a spreadsheet shows the cell as text and
    runs nothing. Returns the frame and one ``(position, column, before, after)`` per change
    so that the ingest stage can record each in the audit log; numeric columns are never
    touched and a cell already neutralised does not change again.
    """
    changes, out = [], frame
    for col in frame.columns:
        series = frame[col]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        # vectorised screen (every table of every run passes here), then the exact test on the few candidates
        starts = series.astype("string").str.startswith(FORMULA_START).fillna(False).to_numpy(dtype=bool)
        hits = [i for i in np.flatnonzero(starts) if is_formula(series.iloc[i])]
        if not len(hits):
            continue
        if out is frame:
            out = frame.copy()
        fixed = series.copy()
        for i in hits:
            before = series.iloc[i]
            fixed.iloc[i] = "'" + before
            changes.append((int(i), str(col), before, fixed.iloc[i]))
        out[col] = fixed
    return out, changes


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a tidy CSV deterministically and atomically, formula-like text neutralised (:func:`neutralise_formulas`).

    The ingest stage neutralises the user's cells first and logs each change; this is the
    guard for every other table (labels from a spec, codebook or config).
    """
    frame, _ = neutralise_formulas(frame)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n", float_format=FLOAT_FORMAT)


def write_text(text: str, path: str | Path) -> None:
    """Write UTF-8 text with ``\\n`` line ends, atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)


def sha256_of(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
