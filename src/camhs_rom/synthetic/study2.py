"""The synthetic Study 2 respondents, and writing them as a survey export and an SPSS file.

``n_respondents`` clinicians (59) in teams drawn by ``team_weights`` (4 teams); the
frequency-of-use answers are allocated exactly from ``frequency_weights`` by largest
remainders (4 of 59 "almost always" = 6.8%); current use is drawn from
``p_user_by_frequency``. Beliefs follow a factor model with one latent trait per
subscale of the spec, correlated ``factor_correlation``; users' traits are higher by
``user_shift`` SD. Item ``j`` on subscale ``s`` is ``y* = l_j * eta_s + sqrt(1 - l_j^2) * e + b_j``
with loadings ``l_j ~ U(mean - spread, mean + spread)`` and intercepts
``b_j ~ N(0, item_intercept_sd)``, cut at the standard-normal quantiles ``k / K`` into the
spec's ``K`` categories; reverse-keyed items are answered on the reversed scale;
``missing_share`` of answers are blanked at random. The file is written as a
survey-platform export (text labels, a second header row holding the question wording,
columns the spec does not use) and as SPSS ``.sav`` with value labels.
"""

from __future__ import annotations

import copy
import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from camhs_rom import __version__
from camhs_rom.core.errors import InputError, quote_list
from camhs_rom.core.labels import NOT_THE_STUDY, SYNTHETIC
from camhs_rom.core.seeding import rng_for
from camhs_rom.core.tables import atomic_path
from camhs_rom.instruments.questionnaire import Questionnaire

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


def expand_questionnaire(spec: dict, n_items: int) -> dict:
    """A copy of a questionnaire spec whose items are cycled to ``n_items`` (for scale tests).

    Item ``k`` beyond the original ones copies item ``k mod n`` (same theme, subscale and
    keying) with the id suffix ``_<round>`` (and ``(<round>)`` after its short label).
    """
    spec = copy.deepcopy(spec)
    base = spec["items"]
    items = []
    for k in range(n_items):
        item = dict(base[k % len(base)])
        if k >= len(base):
            item["id"] = f"{item['id']}_{k // len(base) + 1}"
            if item.get("short"):  # short labels stay distinct
                item["short"] = f"{item['short'][:34]} ({k // len(base) + 1})"
        items.append(item)
    spec["items"] = items
    spec["name"] = f"{spec['name']} [{SYNTHETIC}: items cycled to {n_items}]"
    return spec


def check_study2_settings(settings: dict, q: Questionnaire, config_file: str = "config") -> None:
    """The synthetic settings must cover the spec's frequency levels and name at least one of its subscales.

    Entries for other levels or subscales are ignored: Snakemake merges a team's ``--configfile``
    into config.yaml key by key, so the default spec's names stay in these mappings beside the team's.
    """
    if q.frequency_column:
        for key in ("frequency_weights", "p_user_by_frequency"):
            missing = [level for level in q.frequency_levels if level not in settings[key]]
            if missing:
                raise InputError(
                    config_file, f"key synthetic.study2.{key}", f"no entry for the level {missing[0]!r}",
                    f"an entry for each frequency level of {q.path}: {quote_list(q.frequency_levels)}",
                )
    for column, how in settings.get("covariates", {}).items():
        numeric = [k for k in ("mean", "sd", "min", "max") if k in how]
        if ("levels" in how) == bool(numeric) or (numeric and len(numeric) < 4):
            raise InputError(config_file, f"key synthetic.study2.covariates.{column}", f"the keys {quote_list(how)}",
                             "levels (a categorical covariate) or all of mean, sd, min and max (a numeric one)")
        if numeric and how["min"] > how["max"]:
            raise InputError(config_file, f"key synthetic.study2.covariates.{column}", f"min {how['min']:g} above max {how['max']:g}", "min <= max")
    shifts = settings.get("user_shift", {})
    if shifts and not any(s in q.subscales for s in shifts):
        raise InputError(config_file, "key synthetic.study2.user_shift", f"subscales {quote_list(shifts)}, none of them the spec's",
                         f"a shift for one or more of {quote_list(q.subscales)}")


BUILT_IN_COVARIATES = ("team", "profession", "years_qualified")


def with_spec_covariates(frame: pd.DataFrame, q: Questionnaire, settings: dict, seed: int) -> pd.DataFrame:
    """The frame with the spec's own cluster and covariate columns (a team's spec: ``site``, ``age``, ``gender``).

    The cluster column takes the drawn teams; every other covariate the frame lacks is drawn from its own
    seeded stream (so the default's draws do not move), as ``synthetic.study2.covariates`` says, or like
    ``years_qualified`` when declared numeric, else from two equally likely levels.
    """
    if q.cluster_column and q.cluster_column not in frame.columns:
        frame[q.cluster_column] = frame["team"]
    missing = [c for c in q.covariates if c not in frame.columns]
    if not missing:
        return frame
    rng = rng_for(seed, "study2-covariates")
    n, given = len(frame), settings.get("covariates", {})
    for column in missing:
        how = given.get(column) or ({"levels": {"level A": 1, "level B": 1}} if q.covariate_types.get(column) != "numeric" else settings["years_qualified"])
        if "levels" in how:
            levels = list(how["levels"])
            p = np.array([how["levels"][k] for k in levels], dtype=float)
            frame[column] = rng.choice(levels, size=n, p=p / p.sum())
        else:
            frame[column] = np.clip(np.rint(rng.normal(how["mean"], how["sd"], n)), how["min"], how["max"]).astype(int)
    return frame


@dataclass(frozen=True)
class Study2Draw:
    """One synthetic data set as arrays, before it becomes a table (:func:`draw_study2`).

    ``answers`` holds the raw codes (reverse-keyed items answered on the reversed scale),
    one column per item of the spec in order, NaN where the answer was blanked.
    """

    teams: np.ndarray
    professions: np.ndarray
    years_qualified: np.ndarray
    frequency: np.ndarray | None  # the frequency-of-use levels, or None when the spec has no frequency item
    is_user: np.ndarray  # True: the first group listed in the spec
    answers: np.ndarray  # respondents x items


def draw_study2(q: Questionnaire, settings: dict, seed: int) -> Study2Draw:
    """Draw the synthetic respondents as arrays (the model of the module docstring).

    :func:`simulate_study2` makes the table from these draws; the power simulation
    (:mod:`camhs_rom.robustness.power`) analyses them as they are, without the table.
    """
    check_study2_settings(settings, q)
    n = settings["n_respondents"]
    rng = rng_for(seed, "study2")
    teams = allocate(settings["team_weights"], n)
    team = rng.permutation(np.repeat(list(teams), list(teams.values())))
    prof = settings["profession_weights"]
    p = np.array(list(prof.values()), dtype=float)
    profession = rng.choice(list(prof), size=n, p=p / p.sum())
    yq = settings["years_qualified"]
    years = np.clip(np.rint(rng.normal(yq["mean"], yq["sd"], n)), yq["min"], yq["max"]).astype(int)

    freq = None
    if q.frequency_column:
        counts = allocate({lvl: settings["frequency_weights"][lvl] for lvl in q.frequency_levels}, n)
        freq = rng.permutation(np.repeat(list(counts), list(counts.values())))
        by_level = {lvl: settings["p_user_by_frequency"][lvl] for lvl in q.frequency_levels}
        p_user = np.array([by_level[lvl] for lvl in freq])
    else:
        p_user = np.full(n, settings.get("user_share", 0.35))
    is_user = rng.random(n) < p_user

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
    answers = np.empty((n, len(q.items)))
    for j, item in enumerate(q.items):
        load = rng.uniform(lo - spread, lo + spread)
        intercept = rng.normal(0, settings["item_intercept_sd"])
        latent = load * traits[:, subscales.index(item.subscale)] + np.sqrt(1 - load**2) * rng.standard_normal(n) + intercept
        code = q.scale_min + np.searchsorted(cuts, latent)
        answers[:, j] = q.reverse_score(code) if item.reverse else code
    answers[rng.random(answers.shape) < settings["missing_share"]] = np.nan
    return Study2Draw(team, profession, years, freq, is_user, answers)


def simulate_study2(q: Questionnaire, settings: dict, seed: int) -> pd.DataFrame:
    """Draw the synthetic respondents; return raw answers as codes (reverse-keyed items reversed, NaN = missing).

    Any spec can be simulated (a team's, before its data exist): its items, subscales, scale,
    group levels, frequency levels, cluster column and covariates (:func:`with_spec_covariates`).
    """
    draw = draw_study2(q, settings, seed)
    n = settings["n_respondents"]
    width = max(3, len(str(n)))
    frame = pd.DataFrame({q.id_column: [f"R{k + 1:0{width}d}" for k in range(n)]})
    frame["team"] = draw.teams
    frame["profession"] = draw.professions
    frame["years_qualified"] = draw.years_qualified
    if draw.frequency is not None:
        frame[q.frequency_column] = draw.frequency
    groups = list(q.group_levels)  # the first group listed is the users: higher on every trait
    frame[q.group_column] = np.where(draw.is_user, q.group_levels[groups[0]][0], q.group_levels[groups[1]][0])
    frame = with_spec_covariates(frame, q, settings, seed)
    frame = frame[[c for c in q.columns if c in frame.columns] + [c for c in frame.columns if c not in q.columns]]
    items = pd.DataFrame(draw.answers, columns=q.item_ids).astype("Int64")
    # all item columns at once: one column at a time fragments the frame (slow at hundreds of items)
    return pd.concat([frame.drop(columns=q.item_ids, errors="ignore"), items.set_axis(frame.index)], axis=1)


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
    columns = {"start_date": (pd.Timestamp("2014-03-03") + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d"), "consent": "I agree to take part"}
    items = set(q.item_ids)
    for col in frame.columns:
        if col in items:
            columns[col] = frame[col].map(lambda v: "" if pd.isna(v) else code_label.get(int(v), str(int(v)))).to_numpy()
        else:
            columns[col] = frame[col].astype(str).to_numpy()
    columns["data_source"] = f"{SYNTHETIC}: generated by camhs_rom {__version__} (seed {seed}); {NOT_THE_STUDY}"
    columns["comments"] = ""
    out = pd.DataFrame(columns, index=range(n))
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
    out = pd.concat([out, frame[q.item_ids].astype("float64").set_axis(out.index)], axis=1)  # at once: see simulate_study2
    for item in q.items:
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
            file_label=f"{SYNTHETIC} data, camhs_rom seed {seed}",
            column_labels=variable_labels,
            variable_value_labels=value_labels,
            note=[f"{SYNTHETIC}: generated by camhs_rom {__version__}, seed {seed}.", NOT_THE_STUDY[:1].upper() + NOT_THE_STUDY[1:] + "."],
        )
        _fix_sav_timestamp(tmp)


def _fix_sav_timestamp(path: Path) -> None:
    """Overwrite the creation date and time in a .sav header (bytes 92-108) so reruns are identical."""
    data = bytearray(Path(path).read_bytes())
    if data[:4] not in (b"$FL2", b"$FL3"):
        raise ValueError(f"{path} is not an SPSS system file")
    data[92:109] = SAV_TIMESTAMP
    Path(path).write_bytes(bytes(data))
