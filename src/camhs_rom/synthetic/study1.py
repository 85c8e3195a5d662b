"""The synthetic Study 1 focus groups: transcripts and two coders' coded segments.

``participants_per_group`` participants (4 + 4 + 4); each voices each theme with
probability ``theme_prevalence`` (every theme by at least one participant, every
participant at least one theme; a participant's themes are all voiced before any is
repeated). Transcripts are speaker turns built from fictional sentences
(:mod:`camhs_rom.synthetic.text`). The first coder codes each thematic turn with its true
child code; the other coders agree, pick a sibling code, pick another theme or miss it
with the ``second_coder`` probabilities, move span edges by up to ``boundary_jitter``
characters, and code some non-thematic turns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from camhs_rom.core.contract import SEGMENT_COLUMNS
from camhs_rom.core.errors import InputError, quote_list
from camhs_rom.core.seeding import rng_for
from camhs_rom.instruments.codebook import Codebook
from camhs_rom.synthetic.text import FILLER, GENERIC, PREAMBLE, PROMPTS, SENTENCES


def check_study1_settings(settings: dict, codebook: Codebook, config_file: str = "config") -> None:
    """The synthetic theme prevalences must give every theme of the codebook (others are ignored: Snakemake merges
    a team's ``--configfile`` into config.yaml key by key, so the default codebook's themes stay beside the team's)."""
    missing = [t for t in codebook.theme_ids if t not in settings["theme_prevalence"]]
    if missing:
        raise InputError(
            config_file,
            "key synthetic.study1.theme_prevalence",
            f"no prevalence for the theme {missing[0]!r}",
            f"a prevalence for each theme of {codebook.path}: {quote_list(codebook.theme_ids)}",
        )
    second = settings["second_coder"]
    total = second["same_code"] + second["sibling_code"] + second["other_theme"]
    if total > 1:
        raise InputError(config_file, "key synthetic.study1.second_coder", f"probabilities adding up to {total:g}", "same_code + sibling_code + other_theme <= 1")


def _sentence(rng, code: str) -> str:
    options = SENTENCES.get(code) or [g.format(label=code.replace("_", " ")) for g in GENERIC]
    return options[rng.integers(len(options))]


def simulate_study1(codebook: Codebook, settings: dict, seed: int) -> tuple[dict[str, str], pd.DataFrame]:
    """Draw the synthetic focus groups; return (transcript text by id, coded segments)."""
    check_study1_settings(settings, codebook)
    rng = rng_for(seed, "study1")
    themes = codebook.theme_ids
    sizes = settings["participants_per_group"]
    participants, group_of = [], {}
    width = max(2, len(str(sum(sizes))))
    for g, size in enumerate(sizes, start=1):
        for _ in range(size):
            pid = f"P{len(participants) + 1:0{width}d}"
            participants.append(pid)
            group_of[pid] = f"FG{g}"

    prevalence = np.array([settings["theme_prevalence"][t] for t in themes])
    voices = rng.random((len(participants), len(themes))) < prevalence
    for j in range(len(themes)):  # calibration: the paper reports every theme
        if not voices[:, j].any():
            voices[rng.integers(len(participants)), j] = True
    for i in range(len(participants)):
        if not voices[i].any():
            voices[i, rng.integers(len(themes))] = True

    coders = settings["coders"]
    second = settings["second_coder"]
    transcripts, rows, pending = {}, [], {}
    for g in range(1, len(sizes) + 1):
        group = f"FG{g}"
        members = [p for p in participants if group_of[p] == group]
        transcript_id = f"focus_group_{g}"
        parts = [PREAMBLE.format(seed=seed, group=group, participants=", ".join(members))]
        pos = len(parts[0])
        turn = 0
        for r in range(settings["turns_per_participant"]):
            prompt = f"Facilitator: {PROMPTS[r % len(PROMPTS)]}\n"
            parts.append(prompt)
            pos += len(prompt)
            for pid in rng.permutation(members):
                turn += 1
                seg_id = f"{group}-T{turn:03d}"
                mine = [themes[j] for j in np.flatnonzero(voices[participants.index(pid)])]
                thematic = rng.random() < settings["coded_turn_share"]
                if thematic:
                    # each participant's themes are voiced once before any is repeated
                    queue = pending.setdefault(pid, list(rng.permutation(mine)))
                    theme = queue.pop() if queue else mine[rng.integers(len(mine))]
                    children = list(codebook.theme(theme).codes) or [theme]
                    true_code = children[rng.integers(len(children))]
                    sentence = _sentence(rng, true_code)
                else:
                    true_code, sentence = None, FILLER[rng.integers(len(FILLER))]
                tag = f"{pid}: "
                start, end = pos + len(tag), pos + len(tag) + len(sentence)
                line = tag + sentence + "\n"
                parts.append(line)
                pos += len(line)
                for c, coder in enumerate(coders):
                    code, s, e = _code_turn(rng, codebook, true_code, c == 0, second, start, end)
                    if code is not None:
                        rows.append([transcript_id, group, pid, seg_id, s, e, None, code, coder])
        transcripts[transcript_id] = "".join(parts)
    segments = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
    segments["text"] = [transcripts[t][s:e] for t, s, e in segments[["transcript_id", "start", "end"]].itertuples(index=False)]
    segments = segments.sort_values(["transcript_id", "start", "coder", "code"], kind="stable").reset_index(drop=True)
    return transcripts, segments


def _code_turn(rng, codebook: Codebook, true_code, reference: bool, second: dict, start: int, end: int):
    """One coder's code and span for one turn (None if the coder leaves it uncoded)."""
    if reference:
        return true_code, start, end
    all_codes = [c for t in codebook.themes for c in (t.codes or (t.id,))]
    if true_code is None:
        if rng.random() >= second["extra_segment_share"]:
            return None, start, end
        code = all_codes[rng.integers(len(all_codes))]
    else:
        u = rng.random()
        theme = codebook.code_theme[true_code]
        siblings = [c for c in codebook.theme(theme).codes if c != true_code]
        others = [c for c in all_codes if codebook.code_theme[c] != theme]
        if u < second["same_code"]:
            code = true_code
        elif u < second["same_code"] + second["sibling_code"]:
            code = siblings[rng.integers(len(siblings))] if siblings else true_code
        elif u < second["same_code"] + second["sibling_code"] + second["other_theme"]:
            code = others[rng.integers(len(others))] if others else true_code
        else:
            return None, start, end
    j = second["boundary_jitter"]
    s = int(np.clip(start + rng.integers(-j, j + 1), start, end - 1)) if j else start
    e = int(np.clip(end + rng.integers(-j, j + 1), s + 1, end)) if j else end
    return code, s, e
