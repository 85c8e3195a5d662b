"""The claims' names and the subscale roles they are about, and which claims a run's instruments cannot test.

Light on purpose (no statistics library): the workflow names untestable claims while it
parses, before any job runs (``workflow/rules/common.smk``).
"""

from __future__ import annotations

from camhs_rom.core.errors import quote_list
from camhs_rom.instruments.codebook import Codebook
from camhs_rom.instruments.questionnaire import Questionnaire

# The Study 2 claims the robustness stage re-judges, in the paper's words, and the
# ``replication.subscales`` role each group claim is about.
CLAIM_TEXT = {
    "S2-K": "two factors: negative impact and positive impact",
    "S2-G+": "users hold stronger positive beliefs than non-users",
    "S2-G-": "users hold stronger negative beliefs than non-users",
}
GROUP_CLAIMS = {"S2-G+": "positive", "S2-G-": "negative"}
PAPER_FREQUENCY_LEVEL = "almost always"  # the top frequency level the paper reports (S2-F)


def roles_present(settings: dict, subscales) -> dict[str, str]:
    """The ``replication.subscales`` roles (``positive``, ``negative``) whose subscale the questionnaire has:
    a claim about a role the questionnaire lacks is not testable, never judged on an empty score."""
    return {role: subscale for role, subscale in settings["subscales"].items() if subscale in subscales}


def untestable_claims(settings: dict, q: Questionnaire | None, codebook: Codebook | None) -> list[tuple[str, str]]:
    """The claims this run's questionnaire and codebook cannot test, each with the reason: known before anything runs.

    (``settings``: the config's ``replication`` section; ``q`` or ``codebook`` None for a study
    the run leaves out, whose claims the scorecard marks on their own.)
    """
    out = []
    if codebook is not None:
        for k, theme in enumerate(settings["themes"], start=1):
            if theme not in codebook.theme_ids:
                out.append((f"S1-T{k}", f"replication.themes names {theme!r}, which {codebook.path} does not have "
                                        f"(its themes: {quote_list(codebook.theme_ids, limit=5)})"))
    if q is not None:
        if not q.cluster_column:
            out.append(("S2-N", f"{q.path} names no cluster column (the teams the claim counts)"))
        if not q.frequency_column:
            out.append(("S2-F", f"{q.path} has no frequency item"))
        present = roles_present(settings, q.subscales)
        missing = {role: s for role, s in settings["subscales"].items() if role not in present}
        why = {role: f"replication.subscales.{role} names {s!r}, not a subscale of {q.path} (its subscales: {quote_list(q.subscales, limit=6)})"
               for role, s in missing.items()}
        if missing:
            out.append(("S2-K", "; ".join(why.values())))
        out += [(claim_id, why[role]) for claim_id, role in GROUP_CLAIMS.items() if role in missing]
    return out
