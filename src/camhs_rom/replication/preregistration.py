"""A preregistration frozen before any data exist, and the deviations of a later run from it.

``preregistration.json`` (written by the ``preregistration`` target) holds what the plan fixes:
the effective config (every analytic choice, the claims and their criteria, the SESOI, the
robustness plan, the seed), the SHA-256 of the questionnaire spec and the codebook, and the
code version (package version and :func:`camhs_rom.core.provenance.code_digest`). A run given
``replication.preregistration`` compares its own with it (:func:`deviations`): every
difference, one row per setting, with the claims whose verdict it can move.

Not compared: the paths of the data (``study1.segments``, ``study2.responses`` and the
Study 1 keys that describe the data files), which cannot exist before the data, the
``synthetic`` section (the assumptions the plan was simulated under, not analysis choices)
``replication.preregistration`` itself, and the consortium's list of sites and its frozen record
(``consortium.sites``, ``consortium.frozen``: the pooling run's inputs, not an analysis choice). The instruments are compared by content, not path.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pandas as pd

from camhs_rom import __version__
from camhs_rom.core.errors import InputError, clip
from camhs_rom.core.studies import DATA_KEY, STUDIES

FORMAT = "camhs-rom preregistration 1"
DATA_KEYS = ("study1.segments", "study1.sources_dir", "study1.participant_map", "study1.saturation_order", "study2.responses")
INSTRUMENT_KEYS = {"study1.codebook": "codebook", "study2.questionnaire": "questionnaire"}
NOT_COMPARED = ("synthetic", "replication.preregistration", "consortium.sites", "consortium.frozen", *DATA_KEYS, *INSTRUMENT_KEYS)
DEVIATION_COLUMNS = ["key", "preregistered", "used", "claims"]
SIMULATED = {"study1": "data/synthetic/study1/coded_segments.csv", "study2": "data/synthetic/study2/responses.csv"}

# the claims a setting can move (a prefix matches every key below it); settings not listed (figures, report
# sizes) move no verdict and are listed with no claim
STUDY1_CLAIMS = ("S1-N", "S1-T*")
STUDY2_CLAIMS = ("S2-N", "S2-F", "S2-K", "S2-G+", "S2-G-")
CLAIMS_OF = {
    "replication.participants": ("S1-N",), "replication.themes": ("S1-T*",), "replication.theme_rule": ("S1-T*",),
    "replication.respondents": ("S2-N",), "replication.teams": ("S2-N",), "replication.frequency_level": ("S2-F",),
    "replication.frequency_pct": ("S2-F",), "replication.n_factors": ("S2-K",), "replication.min_congruence": ("S2-K",),
    "replication.subscales": ("S2-K", "S2-G+", "S2-G-"), "replication.test": ("S2-G+", "S2-G-"), "replication.alpha": ("S2-G+", "S2-G-"),
    "replication.sesoi": ("S2-G+", "S2-G-"), "replication.fragile_share": ("S2-G+", "S2-G-"),
    "study1.tally": STUDY1_CLAIMS, "study1.participants": STUDY1_CLAIMS, "study1.speaker_pattern": STUDY1_CLAIMS,
    "study2.efa": ("S2-K",), "study2.missing": STUDY2_CLAIMS, "study2.comparisons": ("S2-G+", "S2-G-"),
    "robustness.multiverse": ("S2-G+", "S2-G-"), "seed": ("S2-G+", "S2-G-", "S2-K"),
    "codebook": STUDY1_CLAIMS, "questionnaire": STUDY2_CLAIMS,
}
STUDY_CLAIMS = {"study1": STUDY1_CLAIMS, "study2": STUDY2_CLAIMS}


def flatten(value, prefix: str = "") -> dict[str, str]:
    """Dotted keys to values as text (``{"study2.efa.rotation": "oblimin", "seed": "20151104"}``): text as written,
    anything else as JSON (``null``, ``[30, 59]``); lists and empty mappings are leaves."""
    if isinstance(value, dict) and value:
        out = {}
        for key in sorted(value):
            out |= flatten(value[key], f"{prefix}.{key}" if prefix else str(key))
        return out
    return {prefix: value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)}


def compared(config: dict) -> dict[str, str]:
    """The settings a preregistration fixes, flattened (data paths, instrument paths and ``synthetic`` left out)."""
    return {k: v for k, v in flatten(config).items() if not any(k == skip or k.startswith(f"{skip}.") for skip in NOT_COMPARED)}


def settings_digest(config: dict) -> str:
    """SHA-256 of the settings a preregistration fixes (:func:`compared`, as sorted JSON): equal digests, no deviation."""
    return hashlib.sha256(json.dumps(compared(config), sort_keys=True).encode("utf-8")).hexdigest()


def claims_of(key: str) -> str:
    """The claims a setting can move, ``;``-joined (empty when it moves none)."""
    match = max((prefix for prefix in CLAIMS_OF if key == prefix or key.startswith(f"{prefix}.")), key=len, default=None)
    return ";".join(CLAIMS_OF[match]) if match else ""


def frozen_record(config: dict, instruments: dict[str, dict], code_digest: str, sample_size: dict) -> dict:
    """The content of ``preregistration.json``.

    ``instruments``: ``{"questionnaire": {"path", "sha256"}, "codebook": {...}}`` of the included studies;
    ``sample_size``: the planned sample and its justification (``study1``, ``study2``).
    """
    frozen = copy.deepcopy(config)
    frozen.get("replication", {}).pop("preregistration", None)
    return {
        "format": FORMAT,
        "code": {"package_version": __version__, "code_digest": code_digest},
        "config": frozen,
        "config_digest": settings_digest(config),
        "instruments": instruments,
        "sample_size": sample_size,
        "studies": [s for s in STUDIES if isinstance(config.get(s), dict)],
    }


def read_frozen(path: str | Path, key: str = "replication.preregistration") -> dict:
    """A ``preregistration.json``, checked to be one (the message names the file and what it holds instead)."""
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise InputError(path, f"config key {key}", f"a file that is not readable JSON ({clip(str(err), 80)})",
                         "the preregistration.json the preregistration target wrote") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT or not isinstance(record.get("config"), dict):
        found = f"format {clip(repr(record.get('format')), 60)}" if isinstance(record, dict) else f"a JSON {type(record).__name__}"
        raise InputError(path, f"config key {key}", found, f"a preregistration record (format {FORMAT!r}) with its config")
    return record


def deviations(frozen: dict, config: dict, instruments: dict[str, dict], code_digest: str) -> pd.DataFrame:
    """Every difference between the frozen plan and this run: one row per setting (``key``, ``preregistered``,
    ``used``, ``claims``), then the instruments by content and the code version; no rows when none."""
    return compare_records(frozen, {"config": config, "instruments": instruments, "code": {"package_version": __version__, "code_digest": code_digest}})


def compare_records(frozen: dict, used: dict) -> pd.DataFrame:
    """Every difference between two records of the :func:`frozen_record` shape (``config``, ``instruments``,
    ``code``): the settings one row each, a study added or dropped as one row, the instruments by SHA-256,
    the package version and code digest (columns :data:`DEVIATION_COLUMNS`)."""
    rows = []
    config, instruments, code_used = used["config"], used.get("instruments", {}), used.get("code", {})
    switched = [s for s in STUDIES if isinstance(frozen["config"].get(s), dict) != isinstance(config.get(s), dict)]
    before, now = compared(frozen["config"]), compared(config)
    for key in sorted(set(before) | set(now)):
        if before.get(key) != now.get(key) and key.split(".")[0] not in switched:  # a study added or dropped is one row
            rows.append([key, before.get(key, "(not set)"), now.get(key, "(not set)"), claims_of(key)])
    for study in switched:
        was = isinstance(frozen["config"].get(study), dict)
        rows.append([study, "included" if was else "null", "null" if was else "included", ";".join(STUDY_CLAIMS[study])])
    for role, record in sorted(instruments.items()):
        was = frozen.get("instruments", {}).get(role, {}).get("sha256")
        if was and was != record["sha256"]:
            rows.append([f"{role} (SHA-256 of its content)", was, record["sha256"], claims_of(role)])
    code = frozen.get("code", {})
    if code.get("package_version") != code_used.get("package_version"):
        rows.append(["code: package version", str(code.get("package_version")), str(code_used.get("package_version")), "all"])
    if code.get("code_digest") != code_used.get("code_digest"):
        rows.append(["code: SHA-256 of the workflow and package", str(code.get("code_digest")), str(code_used.get("code_digest")), "all"])
    return pd.DataFrame(rows, columns=DEVIATION_COLUMNS)


def deviation_flags(table: pd.DataFrame, claim_ids) -> dict[str, str]:
    """Per claim id, the deviating settings that can move its verdict (``;``-joined; empty when none)."""
    out = {}
    for claim_id in claim_ids:
        family = "S1-T*" if claim_id.startswith("S1-T") else claim_id
        keys = [row["key"] for row in table.to_dict("records") if row["claims"] == "all" or family in str(row["claims"]).split(";")]
        out[claim_id] = "; ".join(keys)
    return out


def simulation_config(config: dict, instrument_names: dict[str, str]) -> dict:
    """The config of the simulated run in its own folder: the team's settings, the data simulated under
    the team's spec and ``synthetic`` assumptions, the instruments copied beside it (``instrument_names``:
    config key -> file name under ``instruments/``)."""
    out = copy.deepcopy(config)
    out.setdefault("replication", {})["preregistration"] = None
    for study in STUDIES:
        if not isinstance(out.get(study), dict):
            continue
        out[study][DATA_KEY[study]] = SIMULATED[study]
        for key in DATA_KEYS:
            section, name = key.split(".")
            if section == study and name != DATA_KEY[study] and name in out[study]:
                out[study][name] = None
    for key, name in instrument_names.items():
        section, field = key.split(".")
        if isinstance(out.get(section), dict):
            out[section][field] = f"instruments/{name}"
    return out
