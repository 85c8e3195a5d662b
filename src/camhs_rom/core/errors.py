"""The single exception raised for bad input.

Every check of a user-supplied file raises :class:`InputError`, whose message always
names the file, the location in it (row, column or key), what was found and what was
expected, so that one line tells the user what to fix. It subclasses ``ValueError`` so
callers that only know the standard library can still catch it.

Inputs are untrusted and may be huge (a whole file given where a path was expected, a
YAML alias bomb): every part of the message is cut to a short excerpt, marked as cut
and with the full length stated, so a message never reproduces an input.
"""

from __future__ import annotations

from pathlib import Path

MAX_FOUND = 160  # characters of a found value quoted in a message


MAX_PART = 400  # characters of a file name, location or expectation


def clip(text: str, limit: int = MAX_FOUND) -> str:
    """``text`` cut to at most ``limit`` characters, ending ``… [N characters]`` when cut.

    >>> clip("x" * 500, 40)
    'xxxxxxxxxxxxxxxxxxxxxx… [500 characters]'
    """
    text = str(text)
    if len(text) <= limit:
        return text
    tail = f"… [{len(text)} characters]"
    return text[: max(limit - len(tail), 8)] + tail


class InputError(ValueError):
    """Bad input: names the file, the location, what was found and what was expected.

    Parameters
    ----------
    file : str or Path
        The file the problem is in (as the user gave it).
    location : str
        Where in the file: ``"row 12, column pos_motivation"``, ``"key study2.efa.rotatoin"``.
    found : str
        What is there.
    expected : str
        What should be there.

    Examples
    --------
    >>> str(InputError("r.csv", "row 3, column q1", "'7'", "an answer from 1 to 5"))
    "r.csv: row 3, column q1: found '7'; expected an answer from 1 to 5"
    """

    def __init__(self, file: str | Path, location: str, found: str, expected: str):
        self.file = clip(str(file), MAX_PART)
        self.location = clip(location, MAX_PART)
        self.found = clip(found, MAX_FOUND)
        self.expected = clip(expected, MAX_PART)
        super().__init__(f"{self.file}: {self.location}: found {self.found}; expected {self.expected}")


def quote_list(values, limit: int = 12) -> str:
    """Format values for a message: ``'a', 'b', 'c'`` with a count past ``limit``."""
    values = list(values)
    shown = ", ".join(clip(repr(v), 60) for v in values[:limit])
    if len(values) > limit:
        shown += f", ... ({len(values) - limit} more)"
    return shown


def short_reason(error: BaseException, limit: int = 120) -> str:
    """The first line of an exception's message, cut to ``limit`` characters, for a table's note column."""
    text = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"
