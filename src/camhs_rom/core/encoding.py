"""Decoding text files as spreadsheets and survey platforms write them, or naming why they cannot be.

UTF-8 (with or without a byte-order mark), UTF-16 (with a mark, or recognised by its NUL
bytes) and Windows-1252 are read; a binary file, a byte no accepted encoding defines, and a
file that mixes UTF-8 with another encoding are each one :class:`InputError` naming the line
and byte. Every encoding other than UTF-8 is recorded in the audit log.
"""

from __future__ import annotations

from pathlib import Path

from camhs_rom.core.errors import InputError

_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def _utf16_without_bom(raw: bytes) -> str | None:
    """``utf-16-le``/``-be`` when most odd (even) bytes of the start are NUL, as in ASCII text in UTF-16."""
    head = raw[:4096]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _refuse_mixed_encodings(raw: bytes, start: int, line: int, path, encoding: str) -> None:
    """A file that is UTF-8 in part (a byte-order mark, or valid multi-byte characters) and not in another is corrupt.

    Decoding it whole as Windows-1252 would turn every UTF-8 ``É`` into ``Ã‰``, so one
    team (``Équipe Sud``) would become two: name the first bad byte instead.
    """
    if encoding == "utf-8-sig":
        why = "a UTF-8 byte-order mark at the start"
    else:
        escaped = raw.decode("utf-8", "surrogateescape")
        valid = next((k for k, ch in enumerate(escaped) if ord(ch) > 0x7F and not 0xDC80 <= ord(ch) <= 0xDCFF), None)
        if valid is None:
            return
        why = f"valid UTF-8 on line {escaped[:valid].count(chr(10)) + 1} ({escaped[valid]!r})"
    raise InputError(
        path, f"line {line} (byte {start})",
        f"byte 0x{raw[start]:02x}, which is not UTF-8, in a file with {why}: two encodings mixed in one file",
        "one encoding for the whole file (save or export it again as CSV UTF-8)",
    )


def decode_text(raw: bytes, path: str | Path, cp1252: bool = True) -> tuple[str, str]:
    """Decode a text file's bytes; return (text, the encoding used).

    Accepted, in this order: UTF-8 (a byte-order mark is dropped), UTF-16 with a
    byte-order mark or recognisable by its NUL bytes (what spreadsheets call "Unicode
    text"), then Windows-1252 (cp1252, the default of older Western-European Excel) for a
    file that is not UTF-8 and uses no byte cp1252 leaves undefined (unless ``cp1252`` is
    false: YAML must be Unicode). Anything else, and a binary file, raises
    :class:`InputError` naming the first offending byte; so does a file that is UTF-8 in
    part and not in another (a byte-order mark or valid multi-byte UTF-8 beside an invalid
    byte), which no single decoding reads right.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = _utf16_without_bom(raw) or "utf-8"
    if encoding.startswith("utf-16"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            raise InputError(path, f"byte {exc.start}", "bytes that are not valid UTF-16", "a UTF-16 or UTF-8 text file") from None
    offset = 3 if encoding == "utf-8-sig" else 0  # positions count from the file's first byte, the mark included
    try:
        text = raw[offset:].decode("utf-8")
    except UnicodeDecodeError as exc:
        exc.start += offset
        line = raw[: exc.start].count(b"\n") + 1
        undefined = sorted(set(raw) & _CP1252_UNDEFINED)
        _refuse_mixed_encodings(raw, exc.start, line, path, encoding)
        if not cp1252:
            raise InputError(
                path, f"line {line} (byte {exc.start})", f"byte 0x{raw[exc.start]:02x}, which is not UTF-8", "a UTF-8 encoded file (save it as UTF-8)"
            ) from None
        if b"\x00" in raw or undefined:
            byte = raw[exc.start] if not undefined else undefined[0]
            raise InputError(
                path,
                f"line {line} (byte {exc.start})",
                f"byte 0x{byte:02x}, which is neither UTF-8 nor Windows-1252 text" + (" (a binary file?)" if b"\x00" in raw else ""),
                "a text file encoded as UTF-8 (save or export it as UTF-8)",
            ) from None
        return raw.decode("cp1252"), "cp1252"
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputError(path, f"line {line}", "a NUL byte (a binary file, not text)", "a text file encoded as UTF-8 (save or export it as UTF-8)")
    return text, encoding


def read_text(path: str | Path, content: str = "a header row and at least one data row", audit=None, cp1252: bool = True) -> str:
    """A whole text file decoded by :func:`decode_text`; never empty.

    ``content`` says what the file should hold, for the message when it is empty; an
    encoding other than UTF-8 is recorded in ``audit`` (an :class:`~camhs_rom.core.audit.AuditLog`).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "file", "no such file", "an existing file") from None
    except IsADirectoryError:
        raise InputError(path, "file", "a directory", "a file") from None
    if raw.startswith(b"PK\x03\x04"):
        raise InputError(path, "file", "a zip archive (an Excel workbook or other packed file?)", f"{content} as plain text (save or export it as CSV UTF-8)")
    text, encoding = decode_text(raw, path, cp1252)
    if not text.strip():
        raise InputError(path, "file", "an empty file", content)
    if encoding not in ("utf-8", "utf-8-sig"):
        if audit is not None:
            audit.add(path, "", "", encoding, "utf-8", "encoding_converted")
    return text
