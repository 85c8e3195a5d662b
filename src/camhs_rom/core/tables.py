"""Reading and writing tables safely.

Readers turn every way a file can be unreadable (missing, empty, not UTF-8, ragged rows,
duplicate or blank column names, not a real SPSS file) into one :class:`InputError`.
Writers are atomic (write to a temporary file, then rename) and deterministic
(``\n`` line ends, fixed float format), so a reviewer's re-run gives the same bytes and
a failed run leaves no half-written table.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from camhs_rom.core.errors import InputError, quote_list

DELIMITERS = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": "\t"}


FLOAT_FORMAT = "%.10g"


_UMASK = os.umask(0)


os.umask(_UMASK)


def read_text(path: str | Path, content: str = "a header row and at least one data row") -> str:
    """A whole text file as UTF-8 (a leading byte-order mark is dropped); never empty.

    ``content`` says what the file should hold, for the message when it is empty.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "file", "no such file", "an existing file") from None
    except IsADirectoryError:
        raise InputError(path, "file", "a directory", "a file") from None
    if not raw.strip():
        raise InputError(path, "file", "an empty file", content)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            path,
            f"line {line} (byte {exc.start})",
            f"byte 0x{raw[exc.start]:02x}, which is not UTF-8",
            "a UTF-8 encoded file (save or export it as UTF-8)",
        ) from None


def read_delimited(path: str | Path, required_rows: int = 1) -> pd.DataFrame:
    """Read a CSV/TSV file with every cell as text (``""`` for empty), checking its header.

    The delimiter follows the extension (``.csv`` comma; ``.tsv``, ``.tab``, ``.txt`` tab).
    No value is converted: deciding what a cell means is the caller's job, so nothing is
    silently turned into a number or a missing value.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in DELIMITERS:
        raise InputError(path, "file name", f"extension {suffix or '(none)'!r}", f"one of {quote_list(DELIMITERS)}")
    text = read_text(path)
    sep = DELIMITERS[suffix]
    records = csv.reader(io.StringIO(text), delimiter=sep)
    header = next(records)
    seen = {}
    for k, name in enumerate(header, start=1):
        name = name.strip()
        if not name:
            raise InputError(path, f"row 1 (header), column {k}", "an empty column name", "a name for every column")
        if name in seen:
            raise InputError(path, f"row 1 (header), columns {seen[name]} and {k}", f"{name!r} twice", "each column name once")
        seen[name] = k
    # pandas pads short rows with empty cells; a short row is a broken record, not missing answers.
    for record in records:
        if record and len(record) != len(header):
            raise InputError(path, f"row {records.line_num}", f"{len(record)} fields", f"{len(header)} fields, as in the header")
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False, skipinitialspace=False
        )
    except pd.errors.ParserError as exc:
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if match:
            want, line, got = match.groups()
            raise InputError(path, f"row {line}", f"{got} fields", f"{want} fields, as in the header") from None
        raise InputError(path, "file", f"text that is not valid delimited data ({exc})", "one record per row") from None
    frame.columns = [c.strip() for c in frame.columns]
    if len(frame) < required_rows:
        raise InputError(path, "file", "a header but no data rows", f"at least {required_rows} data row(s)")
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


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a tidy CSV deterministically and atomically."""
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
