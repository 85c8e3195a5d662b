"""Reading the sites' summaries for a pooling run, each checked before anything is pooled.

A site is named in ``consortium.sites`` with its ``results/site_summary`` folder or the zip
``camhs-rom-site-summary`` packed. What is read is bounded (the expected file names only,
:data:`MAX_FILE_BYTES` each, zip members inflated within the bounds of
:class:`camhs_rom.ingest.archive.BoundedArchive`), and a summary is refused, naming the site
and the file, when it is not one (no ``site.json`` of :data:`~camhs_rom.consortium.summary.FORMAT`),
when a table differs from the SHA-256 its ``site.json`` records, when its disclosure check did
not pass, when a table lacks its columns, or when a count of people is below this run's
``consortium.min_count``.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from camhs_rom.consortium.disclosure import check_summary, failures_in_words
from camhs_rom.consortium.summary import FORMAT, MOMENTS, TABLES
from camhs_rom.core.errors import InputError, clip, quote_list
from camhs_rom.ingest.archive import BoundedArchive

MAX_FILE_BYTES = 16 * 1024 * 1024  # a summary of 1,000 items' covariances is about 20 MB as text: far above any questionnaire
KNOWN_FILES = ("site.json", "disclosure.csv", *(f"{name}.csv" for name in (*TABLES, MOMENTS)))
MAX_MEMBERS = 64


@dataclass(frozen=True)
class SiteSummary:
    """One site's summary as read: its name, where it was read from, ``site.json`` and the tables it holds."""

    name: str
    path: str
    record: dict
    tables: dict[str, pd.DataFrame]
    digest: str = ""  # SHA-256 of its site.json, which records every table's SHA-256: the summary's fingerprint

    @property
    def studies(self) -> list[str]:
        return list(self.record.get("studies", []))

    @property
    def synthetic(self) -> bool:
        return bool(self.record.get("synthetic"))


def _files_of_folder(path: Path) -> dict[str, bytes]:
    out = {}
    for name in KNOWN_FILES:
        file = path / name
        if file.is_file():
            if file.stat().st_size > MAX_FILE_BYTES:
                raise InputError(file, "file", f"{file.stat().st_size:,} bytes", f"a site summary table of at most {MAX_FILE_BYTES:,} bytes")
            out[name] = file.read_bytes()
    return out


def _files_of_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as opened:
        archive = BoundedArchive(opened, path, kind="site summary zip", max_members=MAX_MEMBERS)
        out = {}
        for member in archive.namelist():
            name = member.replace("\\", "/").rsplit("/", 1)[-1]  # the files sit at the top or in one folder
            if name in KNOWN_FILES and not member.endswith("/"):
                if name in out:
                    raise InputError(path, f"zip member {clip(member, 80)!r}", f"a second {name}", "one site summary per zip")
                out[name] = archive.read(member)
        return out


def read_files(path: str | Path, site: str) -> dict[str, bytes]:
    """The summary's files by name, from a folder or a zip."""
    path = Path(path)
    key = f"config key consortium.sites.{site}"
    if path.is_dir():
        files = _files_of_folder(path)
    elif path.is_file() and zipfile.is_zipfile(path):
        files = _files_of_zip(path)
    else:
        found = "a file that is not a zip archive" if path.is_file() else "no such file or folder"
        raise InputError(path, key, found, "a site's results/site_summary folder or the .zip camhs-rom-site-summary made of it")
    if "site.json" not in files:
        raise InputError(path, key, f"files {quote_list(sorted(files)) or '(none of a summary)'}",
                         "a site summary with its site.json (a summary that failed its disclosure check holds only disclosure.csv)")
    return files


def _table(files: dict[str, bytes], name: str, path: Path, record: dict) -> pd.DataFrame:
    data = files[f"{name}.csv"]
    want = record.get("tables", {}).get(name)
    if hashlib.sha256(data).hexdigest() != want:
        raise InputError(path, f"{name}.csv", "content whose SHA-256 differs from the one site.json records",
                         "the table as the site's run wrote it (a changed summary is refused)")
    try:
        frame = pd.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""])
    except (ValueError, UnicodeDecodeError) as err:
        raise InputError(path, f"{name}.csv", f"a table that cannot be read ({clip(str(err), 80)})", "a CSV table") from None
    expected = TABLES.get(name, ["item", "n", "mean"])
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise InputError(path, f"{name}.csv", f"columns {quote_list(list(frame.columns)[:8])}", f"the columns {quote_list(expected)}")
    return frame


def read_site(site: str, path: str | Path, min_count: int) -> SiteSummary:
    """One site's summary, checked (see the module docstring)."""
    path = Path(path)
    files = read_files(path, site)
    try:
        record = json.loads(files["site.json"].decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise InputError(path, "site.json", f"text that is not JSON ({clip(str(err), 80)})", "the site.json a site's run wrote") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT or not isinstance(record.get("record"), dict):
        found = f"format {clip(repr(record.get('format')), 60)}" if isinstance(record, dict) else f"a JSON {type(record).__name__}"
        raise InputError(path, "site.json", found, f"a site summary record (format {FORMAT!r})")
    if record.get("disclosure") != "passed":
        raise InputError(path, "site.json", f"disclosure check {clip(repr(record.get('disclosure')), 40)}", "a summary whose disclosure check passed")
    tables = {name: _table(files, name, path, record) for name in record.get("tables", {}) if f"{name}.csv" in files}
    absent = sorted(set(record.get("tables", {})) - set(tables))
    if absent:
        raise InputError(path, "site summary", f"no {quote_list([f'{n}.csv' for n in absent])}", "every table site.json lists")
    verdict = check_summary(tables, {}, set(), min_count)
    small = verdict[(verdict["check"].isin(["minimum count", "one row per label"])) & ~verdict["passed"].astype(bool)]
    if len(small):
        raise InputError(path, "site summary", failures_in_words(small), f"no count of people from 1 to {min_count - 1} (consortium.min_count {min_count})")
    return SiteSummary(site, str(path), record, tables, hashlib.sha256(files["site.json"]).hexdigest())


def read_sites(sites: dict[str, str], min_count: int) -> list[SiteSummary]:
    """Every site's summary, in the order the config lists them."""
    return [read_site(name, path, min_count) for name, path in sites.items()]
