"""The single exception raised for bad input.

Every check of a user-supplied file raises :class:`InputError`, whose message always
names the file, the location in it (row, column or key), what was found and what was
expected, so that one line tells the user what to fix. It subclasses ``ValueError`` so
callers that only know the standard library can still catch it.
"""

from __future__ import annotations

from pathlib import Path


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
        self.file = str(file)
        self.location = location
        self.found = found
        self.expected = expected
        super().__init__(f"{self.file}: {location}: found {found}; expected {expected}")


def quote_list(values, limit: int = 12) -> str:
    """Format values for a message: ``'a', 'b', 'c'`` with a count past ``limit``."""
    values = list(values)
    shown = ", ".join(repr(v) for v in values[:limit])
    if len(values) > limit:
        shown += f", ... ({len(values) - limit} more)"
    return shown


def short_reason(error: BaseException, limit: int = 120) -> str:
    """The first line of an exception's message, cut to ``limit`` characters, for a table's note column."""
    text = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"
