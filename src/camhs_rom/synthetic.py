"""The synthetic default data for both studies, seeded and calibrated to the published facts.

The raw data of James et al. (2015) are not public. The pipeline's default input is
generated here from a model calibrated to what the paper reports, and every file carries
a "synthetic" label:

Study 2 (questionnaire)
    ``n_respondents`` clinicians (59) in teams drawn by ``team_weights`` (4 teams); the
    frequency-of-use answers are allocated exactly from ``frequency_weights`` by largest
    remainders (4 of 59 "almost always" = 6.8%); current use is drawn from
    ``p_user_by_frequency``. Beliefs follow a factor model with one latent trait per
    subscale of the spec (positive and negative impact), correlated
    ``factor_correlation``; users' traits are higher by ``user_shift`` SD. Item ``j`` on
    subscale ``s`` is ``y* = l_j * eta_s + sqrt(1 - l_j^2) * e + b_j`` with loadings
    ``l_j ~ U(mean - spread, mean + spread)`` and intercepts ``b_j ~ N(0, item_intercept_sd)``,
    cut at the standard-normal quantiles ``k / K`` into the spec's ``K`` categories;
    reverse-keyed items are answered on the reversed scale; ``missing_share`` of answers
    are blanked at random. The file is written as a survey-platform export (text labels,
    a second header row holding the question wording, columns the spec does not use) and
    as SPSS ``.sav`` with value labels.

Study 1 (focus groups)
    ``participants_per_group`` participants (4 + 4 + 4); each voices each theme with
    probability ``theme_prevalence`` (every theme by at least one participant, every
    participant at least one theme; a participant's themes are all voiced before any is
    repeated, so the prevalence holds whenever they have enough thematic turns). Transcripts are speaker turns built from fictional
    sentences (:mod:`camhs_rom.synthetic_text`). The first coder codes each thematic turn
    with its true child code; the other coders agree, pick a sibling code, pick another
    theme or miss it with the ``second_coder`` probabilities, move span edges by up to
    ``boundary_jitter`` characters, and code some non-thematic turns. Written as the
    coded-segments CSV, as a REFI-QDA ``.qdpx`` and as plain-text transcripts.

Every random draw comes from a generator seeded by :func:`rng_for` with the config seed
and the name of the step, so each file is byte-identical on every run.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .errors import InputError, quote_list
from .instruments import Codebook, Questionnaire, questionnaire_from_dict
from .seeding import rng_for
from .segments import SEGMENT_COLUMNS
from .synthetic_text import FILLER, GENERIC, PREAMBLE, PROMPTS, SENTENCES
from .tables import atomic_path, sha256_of, write_table, write_text

LABEL = "SYNTHETIC"
SAV_TIMESTAMP = b"04 Nov 1500:00:00"  # fixed header date/time (dd mmm yy, hh:mm:ss): byte-identical files
EXPORT_WORDING = {
    "respondent_id": "Respondent ID",
    "team": "Which CAMHS team do you work in?",
    "profession": "What is your profession?",
    "years_qualified": "How many years have you been qualified?",
    "currently_uses_sbs_rom": "Do you currently use session-by-session outcome measures? (yes/no)",
    "sbs_rom_frequency": "How often do you use outcome measures at every session?",
}


def allocate(weights: dict[str, float], n: int) -> dict[str, int]:
    """Split ``n`` into whole counts proportional to ``weights`` (largest remainders, ties in order).

    >>> allocate({"a": 55, "b": 4}, 59)
    {'a': 55, 'b': 4}
    """
    names = list(weights)
    w = np.array([weights[k] for k in names], dtype=float)
    if w.sum() <= 0:
        raise ValueError("weights must not all be zero")
    exact = w / w.sum() * n
    counts = np.floor(exact).astype(int)
    order = sorted(range(len(names)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: n - counts.sum()]:
        counts[i] += 1
    return dict(zip(names, counts.tolist(), strict=True))


# --------------------------------------------------------------------------- Study 2


def expand_questionnaire(spec: dict, n_items: int) -> dict:
    """A copy of a questionnaire spec whose items are cycled to ``n_items`` (for scale tests).

    Item ``k`` beyond the original ones copies item ``k mod n`` (same theme, subscale and
    keying) with the id suffix ``_<round>``.
    """
    spec = copy.deepcopy(spec)
    base = spec["items"]
    items = []
    for k in range(n_items):
        item = dict(base[k % len(base)])
        if k >= len(base):
            item["id"] = f"{item['id']}_{k // len(base) + 1}"
        items.append(item)
    spec["items"] = items
    spec["name"] = f"{spec['name']} [{LABEL}: items cycled to {n_items}]"
    return spec


def check_study2_settings(settings: dict, q: Questionnaire, config_file: str = "config") -> None:
    """The synthetic settings must name the spec's frequency levels and subscales."""
    if q.frequency_column:
        for key in ("frequency_weights", "p_user_by_frequency"):
            if set(settings[key]) != set(q.frequency_levels):
                raise InputError(
                    config_file, f"key synthetic.study2.{key}", f"levels {quote_list(settings[key])}", f"the frequency levels of {q.path}: {quote_list(q.frequency_levels)}"
                )
    unknown = [s for s in settings.get("user_shift", {}) if s not in q.subscales]
    if unknown:
        raise InputError(config_file, f"key synthetic.study2.user_shift.{unknown[0]}", "a subscale the spec does not have", f"one of {quote_list(q.subscales)}")


def simulate_study2(q: Questionnaire, settings: dict, seed: int) -> pd.DataFrame:
    """Draw the synthetic respondents; return raw answers as codes (reverse-keyed items reversed, NaN = missing)."""
    check_study2_settings(settings, q)
    n = settings["n_respondents"]
    rng = rng_for(seed, "study2")
    width = max(3, len(str(n)))
    frame = pd.DataFrame({q.id_column: [f"R{k + 1:0{width}d}" for k in range(n)]})

    teams = allocate(settings["team_weights"], n)
    frame["team"] = rng.permutation(np.repeat(list(teams), list(teams.values())))
    prof = settings["profession_weights"]
    p = np.array(list(prof.values()), dtype=float)
    frame["profession"] = rng.choice(list(prof), size=n, p=p / p.sum())
    yq = settings["years_qualified"]
    frame["years_qualified"] = np.clip(np.rint(rng.normal(yq["mean"], yq["sd"], n)), yq["min"], yq["max"]).astype(int)

    groups = list(q.group_levels)  # the first group listed is the users: higher on every trait
    if q.frequency_column:
        counts = allocate({lvl: settings["frequency_weights"][lvl] for lvl in q.frequency_levels}, n)
        freq = rng.permutation(np.repeat(list(counts), list(counts.values())))
        p_user = np.array([settings["p_user_by_frequency"][lvl] for lvl in freq])
        frame[q.frequency_column] = freq
    else:
        p_user = np.full(n, 0.35)
    is_user = rng.random(n) < p_user
    frame[q.group_column] = np.where(is_user, q.group_levels[groups[0]][0], q.group_levels[groups[1]][0])
    frame = frame[[c for c in q.columns if c in frame.columns] + [c for c in frame.columns if c not in q.columns]]

    subscales = list(q.subscales)
    m = len(subscales)
    corr = np.full((m, m), settings["factor_correlation"]) + np.eye(m) * (1 - settings["factor_correlation"])
    traits = rng.multivariate_normal(np.zeros(m), corr, size=n, method="cholesky")
    shift = np.array([settings.get("user_shift", {}).get(s, 0.0) for s in subscales])
    traits += np.outer(is_user, shift)

    k_cat = q.scale_max - q.scale_min + 1
    from scipy import stats  # here, not at the top: the workflow imports this module at start-up

    cuts = stats.norm.ppf(np.arange(1, k_cat) / k_cat)
    lo, spread = settings["loadings"]["mean"], settings["loadings"]["spread"]
    answers = {}
    for item in q.items:
        load = rng.uniform(lo - spread, lo + spread)
        intercept = rng.normal(0, settings["item_intercept_sd"])
        latent = load * traits[:, subscales.index(item.subscale)] + np.sqrt(1 - load**2) * rng.standard_normal(n) + intercept
        code = q.scale_min + np.searchsorted(cuts, latent)
        answers[item.id] = q.reverse_score(code) if item.reverse else code
    items = pd.DataFrame(answers, dtype="float64")
    blank = rng.random(items.shape) < settings["missing_share"]
    frame[q.item_ids] = items.mask(blank).to_numpy()
    for col in q.item_ids:
        frame[col] = frame[col].astype("Int64")
    return frame


def _export_label(label: str) -> str:
    return label[:1].upper() + label[1:]


def write_study2_export(frame: pd.DataFrame, q: Questionnaire, path: str | Path, seed: int, labels: bool = True) -> None:
    """Write the respondents as a survey-platform CSV export (UTF-8 with BOM).

    Row 1 holds the column names, row 2 the question wording; answers are text labels
    ("Strongly agree") when ``labels`` and the spec has labels; extra columns (a start
    date, consent, the data-source label, free-text comments) stand where real exports
    have them.
    """
    code_label = {code: _export_label(lbl) for lbl, code in q.labels.items()} if labels else {}
    rng = rng_for(seed, "study2-export")
    n = len(frame)
    days = rng.integers(0, 60, n)
    out = pd.DataFrame({"start_date": (pd.Timestamp("2014-03-03") + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d")})
    out["consent"] = "I agree to take part"
    for col in frame.columns:
        if col in q.item_ids:
            out[col] = frame[col].map(lambda v: "" if pd.isna(v) else code_label.get(int(v), str(int(v))))
        else:
            out[col] = frame[col].astype(str)
    out["data_source"] = f"{LABEL}: generated by camhs_rom {__version__} (seed {seed}); not data from James et al. (2015)"
    out["comments"] = ""
    wording = {col: EXPORT_WORDING.get(col, col) for col in out.columns}
    wording.update({item.id: item.text for item in q.items})
    wording.update({"start_date": "Start date", "consent": "Consent", "data_source": "Data source", "comments": "Any other comments?"})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(out.columns)
    writer.writerow([wording[c] for c in out.columns])
    writer.writerows(out.itertuples(index=False))
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(buffer.getvalue().encode("utf-8-sig"))


def write_study2_sav(frame: pd.DataFrame, q: Questionnaire, path: str | Path, seed: int) -> None:
    """Write the respondents as SPSS ``.sav``: numeric codes with value labels, item wording as variable labels."""
    import pyreadstat

    out = pd.DataFrame({q.id_column: frame[q.id_column].astype(str)})
    value_labels, variable_labels = {}, {q.id_column: "Respondent ID"}
    teams = sorted(frame["team"].unique())
    out["team"] = frame["team"].map({t: float(k + 1) for k, t in enumerate(teams)})
    value_labels["team"] = {float(k + 1): t for k, t in enumerate(teams)}
    out["profession"] = frame["profession"].astype(str)
    out["years_qualified"] = frame["years_qualified"].astype(float)
    groups = list(q.group_levels)
    raw_values = [str(q.group_levels[g][0]) for g in groups]
    out[q.group_column] = frame[q.group_column].map({v: float(len(groups) - k) for k, v in enumerate(raw_values)})
    value_labels[q.group_column] = {float(len(groups) - k): v for k, v in enumerate(raw_values)}
    if q.frequency_column:
        out[q.frequency_column] = frame[q.frequency_column].map({lvl: float(k + 1) for k, lvl in enumerate(q.frequency_levels)})
        value_labels[q.frequency_column] = {float(k + 1): lvl for k, lvl in enumerate(q.frequency_levels)}
    item_labels = {float(code): _export_label(lbl) for lbl, code in q.labels.items()}
    for item in q.items:
        out[item.id] = frame[item.id].astype("float64")
        if item_labels:
            value_labels[item.id] = item_labels
        variable_labels[item.id] = item.text[:250]
    for col, text in EXPORT_WORDING.items():
        if col in out.columns and col not in variable_labels:
            variable_labels[col] = text
    with atomic_path(path) as tmp:
        pyreadstat.write_sav(
            out,
            str(tmp),
            file_label=f"{LABEL} data, camhs_rom seed {seed}",
            column_labels=variable_labels,
            variable_value_labels=value_labels,
            note=[f"{LABEL}: generated by camhs_rom {__version__}, seed {seed}.", "Not data from James et al. (2015)."],
        )
        _fix_sav_timestamp(tmp)


def _fix_sav_timestamp(path: Path) -> None:
    """Overwrite the creation date and time in a .sav header (bytes 92-108) so reruns are identical."""
    data = bytearray(Path(path).read_bytes())
    if data[:4] not in (b"$FL2", b"$FL3"):
        raise ValueError(f"{path} is not an SPSS system file")
    data[92:109] = SAV_TIMESTAMP
    Path(path).write_bytes(bytes(data))


# --------------------------------------------------------------------------- Study 1


def check_study1_settings(settings: dict, codebook: Codebook, config_file: str = "config") -> None:
    """The synthetic theme prevalences must name exactly the codebook's themes."""
    if set(settings["theme_prevalence"]) != set(codebook.theme_ids):
        raise InputError(
            config_file,
            "key synthetic.study1.theme_prevalence",
            f"themes {quote_list(settings['theme_prevalence'])}",
            f"the themes of {codebook.path}: {quote_list(codebook.theme_ids)}",
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


# --------------------------------------------------------------------------- files


def write_manifest(path: str | Path, study: str, seed: int, settings: dict, files: list[str | Path]) -> None:
    """A JSON manifest marking the files as synthetic, with their SHA-256 and the generator settings."""
    manifest = {
        "synthetic": True,
        "note": "Synthetic data generated by camhs_rom; not data from James et al. (2015).",
        "study": study,
        "generator": f"camhs_rom.synthetic {__version__}",
        "seed": seed,
        "settings": settings,
        "files": {Path(f).name: sha256_of(f) for f in files},
    }
    write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", path)


def synthesize_study2(questionnaire_path, settings: dict, seed: int, csv_path, sav_path, manifest_path, spec_out=None) -> None:
    """Generate the Study 2 default: export-shaped CSV, ``.sav`` and manifest.

    With ``settings["n_items"]`` set, the spec's items are cycled to that many and the
    expanded spec is written to ``spec_out`` (the pipeline then reads that spec).
    """
    from .instruments import load_questionnaire
    from .schemas import read_yaml

    q = load_questionnaire(questionnaire_path)
    if settings.get("n_items"):
        spec = expand_questionnaire(read_yaml(questionnaire_path), settings["n_items"])
        q = questionnaire_from_dict(spec, spec_out or questionnaire_path)
        if spec_out:
            import yaml

            write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), spec_out)
    frame = simulate_study2(q, settings, seed)
    write_study2_export(frame, q, csv_path, seed, labels=settings.get("export_labels", True))
    write_study2_sav(frame, q, sav_path, seed)
    files = [csv_path, sav_path] + ([spec_out] if spec_out and settings.get("n_items") else [])
    write_manifest(manifest_path, "study2", seed, settings, files)


def synthesize_study1(codebook_path, settings: dict, seed: int, csv_path, qdpx_path, transcript_dir, manifest_path) -> None:
    """Generate the Study 1 default: coded-segments CSV, ``.qdpx``, transcripts and manifest."""
    from .instruments import load_codebook

    codebook = load_codebook(codebook_path)
    transcripts, segments = simulate_study1(codebook, settings, seed)
    write_table(segments, csv_path)
    description = f"{LABEL} focus groups generated by camhs_rom {__version__} (seed {seed}); not data from James et al. (2015)."
    from .qdpx import write_qdpx

    write_qdpx(qdpx_path, f"{LABEL} - CAMHS ROM focus groups", description, transcripts, segments, codebook)
    transcript_dir = Path(transcript_dir)
    transcript_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for transcript_id, text in transcripts.items():
        paths.append(transcript_dir / f"{transcript_id}.txt")
        write_text(text, paths[-1])
    write_manifest(manifest_path, "study1", seed, settings, [csv_path, qdpx_path, *paths])
