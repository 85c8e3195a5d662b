"""What a Study 1 run analysed, in words: coders, participants, sources, how participants were placed,
what agreement compared.

The report's methods, the Study 1 section's opening and the COREQ checklist describe the
run from these tables (``results/clean/study1/sources.csv``, ``results/study1/agreement_scope.csv``,
``results/study1/theme_by_participant.csv``), never the 2015 study's clinicians, so a team's
own data are described as they are. Every string here is plain text; callers escape it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from camhs_rom.core.tables import read_table

PLACEMENT_WORDS = {
    "placed_by_case": "by the project's Cases",
    "placed_by_speaker_tag": "by the speaker tag before it (a turn runs to the next tag)",
    "placed_by_source": "by its source (one participant per source)",
    "placed_by_mapping": "by the team's participant map",
}


@dataclass(frozen=True)
class Study1Summary:
    """The facts of one Study 1 run the report states."""
    n_transcripts: int
    n_participants: int
    n_groups: int
    coders: tuple[str, ...]
    source_format: str  # "REFI-QDA project" or "coded-segments table"
    placement: dict[str, int]  # PLACEMENT_WORDS key -> selection parts
    spanning: int
    positions: dict[str, int]  # convention -> transcripts
    texts_from: dict[str, int]  # where texts came from -> transcripts
    compared: tuple[str, ...]
    left_out: tuple[tuple[str, str], ...]  # (transcript, reason)

    @property
    def agreement_possible(self) -> bool:
        return len(self.coders) >= 2 and bool(self.compared)


def read_summary(sources, scope, by_participant) -> Study1Summary:
    """Read the summary from this run's tables."""
    sources = read_table(sources, keep_default_na=False, dtype={"transcript_id": str, "coders": str})
    scope = read_table(scope, keep_default_na=False, dtype={"transcript_id": str, "coders": str, "reason": str})
    people = read_table(by_participant, keep_default_na=False, dtype={"participant_id": str, "group_id": str})
    coders = sorted({c for cs in sources["coders"] for c in cs.split(";") if c})
    table = (sources["text_from"] == "coded-segments table").all() if len(sources) else True
    compared = scope["compared"].astype(str).str.lower() == "true"
    return Study1Summary(
        n_transcripts=len(sources),
        n_participants=len(people),
        n_groups=people["group_id"].nunique(),
        coders=tuple(coders),
        source_format="coded-segments table" if table else "REFI-QDA project",
        placement={k: int(sources[k].astype(int).sum()) for k in PLACEMENT_WORDS},
        spanning=int(sources["spanning_speakers"].astype(int).sum()),
        positions=sources.groupby("positions").size().to_dict(),
        texts_from=sources.assign(where=sources["text_from"].str.replace(r" \(.*\)$", "", regex=True)).groupby("where").size().to_dict(),
        compared=tuple(scope.loc[compared, "transcript_id"]),
        left_out=tuple(zip(scope.loc[~compared, "transcript_id"], scope.loc[~compared, "reason"], strict=True)),
    )


def read_run_summary(results_dir: str | Path) -> Study1Summary:
    """The summary from the tables under a results folder."""
    results = Path(results_dir)
    return read_summary(results / "clean/study1/sources.csv", results / "study1/agreement_scope.csv", results / "study1/theme_by_participant.csv")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def describe_material(s: Study1Summary) -> str:
    """One sentence: what was coded, by whom."""
    coders = ", ".join(s.coders)
    return (f"{_plural(s.n_transcripts, 'transcript')} from a {s.source_format}, with coded talk from "
            f"{_plural(s.n_participants, 'participant')} in {_plural(s.n_groups, 'group')}, coded by "
            f"{_plural(len(s.coders), 'coder')} ({coders}).")


def describe_placement(s: Study1Summary) -> str:
    """How selections were given participants, or that the table named them."""
    if s.source_format == "coded-segments table":
        return "Participants and groups as the coded-segments table names them; positions as given."
    parts = [f"{n} {PLACEMENT_WORDS[k]}" for k, n in s.placement.items() if n]
    text = "Each coded selection was given a participant: " + "; ".join(parts) + "."
    if s.spanning:
        text += f" {_plural(s.spanning, 'selection')} ran over several speakers' turns and count for each (listed in the audit log)."
    positions = ", ".join(f"{conv} ({_plural(n, 'transcript')})" for conv, n in s.positions.items())
    texts = ", ".join(f"{where} ({_plural(n, 'transcript')})" for where, n in s.texts_from.items())
    return text + f" Character positions were read as {positions}, the counting the data fit; texts came from {texts}."


def describe_agreement(s: Study1Summary) -> str:
    """What agreement compared and what it left out, or why there is none."""
    if len(s.coders) < 2:
        return "One coder coded the material: there is no second judgement, so no agreement statistic is computed."
    if not s.compared:
        return (f"The {len(s.coders)} coders coded no transcript in common, so there is no shared material: "
                "no agreement statistic is computed.")
    text = (f"Agreement compares the {_plural(len(s.compared), 'transcript')} every coder coded "
            f"({', '.join(s.compared[:6])}{', ...' if len(s.compared) > 6 else ''})")
    if s.left_out:
        reasons = "; ".join(f"{t}: {r}" for t, r in s.left_out[:6])
        text += f"; {_plural(len(s.left_out), 'transcript')} left out ({reasons}{'; ...' if len(s.left_out) > 6 else ''})"
    return text + "."

