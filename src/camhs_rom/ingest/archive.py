"""Opening a REFI-QDA ``.qdpx`` archive within bounds.

A ``.qdpx`` is a zip holding ``project.qde`` (XML in the namespace
``urn:QDA-XML:project:1.0``) and, under ``Sources/``, the texts. What is read from the archive is bounded (:data:`MAX_MEMBER_BYTES` per member,
:data:`MAX_TOTAL_BYTES` in all, a compression ratio of at most :data:`MAX_RATIO`), checked
on the sizes the archive declares and again on the bytes actually inflated, so a zip
bomb is rejected by name and size before it fills memory. XML entity expansion is
bounded by the parser (expat's amplification limit) and reported as malformed XML.
"""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path

from camhs_rom.core.errors import InputError, quote_list

NS = "urn:QDA-XML:project:1.0"


_Q = f"{{{NS}}}"


MAX_MEMBER_BYTES = 64 * 1024 * 1024  # one transcript or project.qde, inflated


MAX_TOTAL_BYTES = 256 * 1024 * 1024  # everything the reader inflates from one archive


MAX_RATIO = 200  # inflated / compressed size; plain text compresses about 3-10 times


MAX_MEMBERS = 10_000


READABLE_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


class BoundedArchive:
    """A zip archive read member by member within the size and ratio bounds of this module."""

    def __init__(self, archive: zipfile.ZipFile, path: Path, kind: str = ".qdpx", max_members: int = MAX_MEMBERS):
        self.archive, self.path, self.inflated, self.kind = archive, path, 0, kind
        members = archive.infolist()
        if len(members) > max_members:
            raise InputError(path, "zip contents", f"{len(members):,} members", f"at most {max_members:,} files in a {kind}")

    def namelist(self) -> list[str]:
        return self.archive.namelist()

    def _reject(self, name: str, found: str) -> None:
        raise InputError(
            self.path, f"zip member {name!r}", found,
            f"at most {MAX_MEMBER_BYTES:,} bytes per member, {MAX_TOTAL_BYTES:,} in all and {MAX_RATIO} times the "
            "compressed size (an archive that inflates beyond that is refused as a possible zip bomb)",
        )

    def read(self, name: str) -> bytes:
        info = self.archive.getinfo(name)
        if info.flag_bits & 0x1:
            raise InputError(self.path, f"zip member {name!r}", "an encrypted member (the archive was made with a password)",
                             f"a {self.kind} made without a password")
        if info.compress_type not in READABLE_COMPRESSION:
            raise InputError(self.path, f"zip member {name!r}", f"compression method {info.compress_type}", "a member stored or compressed with deflate, bzip2 or lzma")
        allowed = min(MAX_MEMBER_BYTES, MAX_TOTAL_BYTES - self.inflated, max(info.compress_size, 1) * MAX_RATIO)
        if info.file_size > allowed:
            self._reject(name, f"{info.file_size:,} bytes when inflated from {info.compress_size:,}")
        try:
            with self.archive.open(info) as fh:  # a declared size may lie: never inflate past the bound
                data = fh.read(allowed + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError) as exc:
            raise InputError(self.path, f"zip member {name!r}", f"a member that cannot be unpacked ({exc})", f"an intact {self.kind} archive") from None
        if len(data) > allowed:
            self._reject(name, f"more than {allowed:,} bytes when inflated from {info.compress_size:,}")
        self.inflated += len(data)
        return data


def folded(name: str) -> str:
    """A file name as it is matched: NFC (macOS writes accents decomposed), case folded, ``\\`` as ``/``."""
    return unicodedata.normalize("NFC", name.replace("\\", "/")).casefold()


def zip_member(archive, wanted: str) -> str | None:
    lowered = {folded(n): n for n in archive.namelist()}
    return lowered.get(folded(wanted))


@contextmanager
def open_project(path: str | Path):
    """Open a ``.qdpx`` within the bounds of this module: yields ``(archive, <Project> element, qde member name)``.

    Raises :class:`InputError` when the file is missing or not a zip, has no ``project.qde``
    at its top, or holds malformed XML or another root element.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file", "no such file", "a REFI-QDA .qdpx project")
    if not zipfile.is_zipfile(path):
        raise InputError(path, "file", "a file that is not a zip archive", "a .qdpx project (a zip holding project.qde and Sources/)")
    with zipfile.ZipFile(path) as opened:
        archive = BoundedArchive(opened, path)
        qde_name = next((n for n in archive.namelist() if n.lower().endswith(".qde") and "/" not in n), None)
        if qde_name is None:
            raise InputError(path, "zip contents", f"members {quote_list(archive.namelist())}", "a project.qde file at the top of the archive")
        yield archive, parse_qde(archive.read(qde_name), path, qde_name), qde_name


def parse_qde(data: bytes, path, qde_name: str = "project.qde"):
    """The ``<Project>`` element of ``project.qde`` bytes, or an :class:`InputError` naming the problem."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, col = exc.position
        raise InputError(path, f"{qde_name} line {line}, column {col}", f"malformed XML ({exc.msg if hasattr(exc, 'msg') else exc})", "well-formed XML") from None
    if root.tag != f"{_Q}Project":
        raise InputError(path, qde_name, f"root element {root.tag!r}", f"<Project> in the namespace {NS}")
    return root
