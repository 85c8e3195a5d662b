"""What a REFI-QDA character position counts, found from the data.

REFI-QDA positions count "characters", and the programs that write them disagree on what a
character is:

- NVivo (Windows and Mac) counts UTF-16 code units: a character beyond the Basic
  Multilingual Plane (most emoji, some CJK) counts two, and a CRLF line end counts two.
- qc, QualCoder and this project count Unicode code points (what Python's ``str`` indexes);
  ATLAS.ti and MAXQDA count a CRLF line end as one character.

A position read under the wrong convention drifts by one for every such character before
it, so the quoted text is shifted: a quote that is the wrong words. :func:`place` tries
each convention on all the selections of one source and keeps the one under which every
selection lies inside the text, none splits a character, and the most selections start
and end at word boundaries (coders select words, not halves of words). The positions are
then converted to code-point offsets into the source text exactly as the file holds it,
so ``text[start:end]`` is the coded text whatever tool wrote the project.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CONVENTIONS = (
    ("code points", False, False),
    ("code points, CRLF as one", False, True),
    ("UTF-16 code units", True, False),
    ("UTF-16 code units, CRLF as one", True, True),
)
"""(name, counts UTF-16 code units, counts a CRLF line end as one character)."""


MIN_BOUNDARY_SHARE = 0.5
"""Below this share of selections starting and ending at word boundaries no convention fits."""


@dataclass(frozen=True)
class Placement:
    """Selections of one source placed under one convention."""
    convention: str
    starts: np.ndarray  # code-point offsets into the text, end exclusive
    ends: np.ndarray
    boundary_share: float  # selections whose both ends fall at word boundaries
    alternatives: tuple[str, ...]  # other conventions that fit equally well (their spans identical)


@dataclass(frozen=True)
class Trial:
    """How one convention fared: ``None`` offsets when some selection does not fit."""
    convention: str
    starts: np.ndarray | None
    ends: np.ndarray | None
    boundary_share: float
    problem: str


def unit_offsets(text: str, utf16: bool, crlf_as_one: bool) -> np.ndarray:
    """Offsets in the convention's units before each code point of ``text`` (length ``len(text) + 1``)."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    widths = np.ones(len(points), dtype=np.int64)
    if utf16:
        widths[points > 0xFFFF] = 2
    if crlf_as_one and len(points) > 1:
        cr = np.flatnonzero((points[:-1] == 0x0D) & (points[1:] == 0x0A))
        widths[cr] = 0  # the CR of a CRLF: the pair counts once, through its LF
    return np.concatenate([[0], np.cumsum(widths)])


def to_code_points(offsets: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Code-point indices of positions given in units; -1 where a position splits a character or lies outside."""
    idx = np.searchsorted(units, offsets, side="left")
    inside = (offsets >= 0) & (idx < len(units))
    ok = inside.copy()
    ok[inside] = units[idx[inside]] == offsets[inside]
    return np.where(ok, idx, -1)


def at_word_boundary(text: str, positions: np.ndarray) -> np.ndarray:
    """Whether each code-point position lies between two characters that are not both letters or digits."""
    out = np.empty(len(positions), dtype=bool)
    n = len(text)
    for k, i in enumerate(positions.tolist()):
        out[k] = i <= 0 or i >= n or not (text[i - 1].isalnum() and text[i].isalnum())
    return out


def trial(text: str, starts: np.ndarray, ends: np.ndarray, convention: tuple[str, bool, bool]) -> Trial:
    """Map the selections under one convention and say how well they fit."""
    name, utf16, crlf = convention
    units = unit_offsets(text, utf16, crlf)
    s, e = to_code_points(starts, units), to_code_points(ends, units)
    bad = np.flatnonzero((s < 0) | (e < 0) | (s >= e))
    if len(bad):
        k = int(bad[0])
        problem = f"a selection at {int(starts[k])}-{int(ends[k])} falls outside the text ({int(units[-1])} {name}) or splits a character"
        return Trial(name, None, None, 0.0, problem)
    both = at_word_boundary(text, s) & at_word_boundary(text, e)
    return Trial(name, s, e, float(both.mean()) if len(both) else 1.0, "")


def place(text: str, starts, ends) -> tuple[Placement | None, list[Trial]]:
    """The convention that fits ``starts``/``ends`` (positions as the project holds them) best, with every trial.

    Returns ``(None, trials)`` when no convention places every selection inside the text or
    the best places fewer than :data:`MIN_BOUNDARY_SHARE` of them at word boundaries.
    Conventions that give identical spans are one answer (a text with no CRLF and no
    character beyond the Basic Multilingual Plane cannot tell them apart, nor needs to).
    """
    starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    trials = [trial(text, starts, ends, c) for c in CONVENTIONS]
    fitting = [t for t in trials if t.starts is not None]
    if not fitting:
        return None, trials
    best = max(fitting, key=lambda t: t.boundary_share)  # the first of equals: CONVENTIONS' order
    if best.boundary_share < MIN_BOUNDARY_SHARE:
        return None, trials
    same = tuple(
        t.convention for t in fitting
        if t is not best and np.array_equal(t.starts, best.starts) and np.array_equal(t.ends, best.ends)
    )
    rivals = [t for t in fitting if t is not best and t.convention not in same and t.boundary_share == best.boundary_share]
    if rivals:
        return None, trials
    return Placement(best.convention, best.starts, best.ends, best.boundary_share, same), trials


def describe_trials(trials: list[Trial]) -> str:
    """The best any convention did, in a few words for an error message."""
    fitting = [t for t in trials if t.starts is not None]
    if not fitting:
        return "every way of counting characters puts a span outside the text"
    best = max(fitting, key=lambda t: t.boundary_share)
    return f"at best {best.boundary_share:.0%} at word boundaries, counting {best.convention}"
