"""Study 2's words, taken from the questionnaire spec: the compared groups, the scale's ends, what is absent.

A team's questionnaire compares its own groups on its own answer scale; every sentence,
axis and table title of Study 2 that names them takes them from here, never from the 2015
study (whose groups were users and non-users of session-by-session outcome monitoring on
a disagree-agree scale).
"""

from __future__ import annotations

from camhs_rom.instruments.questionnaire import Questionnaire
from camhs_rom.study2.apa import group_label
from camhs_rom.study2.comparisons import compared_groups


def group_names(q: Questionnaire) -> tuple[str, str]:
    """The compared groups as the spec labels them (``group.labels``; else the level id with spaces), first and second."""
    first, second = compared_groups(q)
    return group_label(first, q.group_labels), group_label(second, q.group_labels)


def difference_words(q: Questionnaire) -> str:
    """``graduates minus non-graduates``: what a signed difference between the groups is."""
    first, second = group_names(q)
    return f"{first} minus {second}"


def scale_ends(q: Questionnaire) -> tuple[str, str]:
    """The labels of the scale's lowest and highest codes (the code itself where the spec gives no label)."""
    label_of = {code: label for label, code in q.labels.items()}
    return label_of.get(q.scale_min, str(q.scale_min)), label_of.get(q.scale_max, str(q.scale_max))


def study2_lead(q: Questionnaire) -> str:
    """The sentence opening the Study 2 section: what it shows, in the spec's terms."""
    first, second = group_names(q)
    parts = ["the answers to each item"]
    if q.frequency_column:
        parts.insert(0, f"how often respondents answered each level of the frequency item ({q.frequency_column})")
    parts += [f"the factor structure and reliability of {q.name}", f"{first} against {second}"]
    return f"Study 2 shows {', '.join(parts[:-1])}, and {parts[-1]}."


__all__ = ["difference_words", "group_names", "scale_ends", "study2_lead"]
