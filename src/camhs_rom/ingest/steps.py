"""The ingest stage: validate every input, then write the clean tables and their audit logs.

Each function reads the user's files, checks them completely, and only then writes its
outputs (atomically), so bad input leaves nothing behind. Inputs are never modified.
Workflow rules ``ingest_study1``, ``ingest_study2`` and ``cleaning_audit`` call these.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from camhs_rom.core.errors import InputError
from camhs_rom.core.provenance import input_record, read_provenance, write_record
from camhs_rom.core.tables import write_table
from camhs_rom.ingest.placement import DEFAULT_SPEAKER_PATTERN, PlacementSettings
from camhs_rom.ingest.segments import SegmentOptions, clean_segments
from camhs_rom.ingest.survey import clean_responses
from camhs_rom.ingest.survey_checks import check_groups, check_varies
from camhs_rom.instruments.codebook import check_item_themes, load_codebook
from camhs_rom.instruments.questionnaire import load_questionnaire


def ingest_study2(responses, questionnaire, codebook, coded_out, scored_out, audit_out) -> None:
    """Validate and clean the Study 2 responses against the questionnaire spec.

    The codebook is used to check that every item's ``theme`` is a Study 1 theme; an item
    answered alike by everyone, and a compared group with fewer than 2 scored respondents,
    stop the run here (:func:`~camhs_rom.ingest.survey_checks.check_varies`, ``check_groups``).
    Writes ``responses_coded.csv``, ``responses_scored.csv`` and the audit log.
    """
    spec = load_questionnaire(questionnaire)
    if codebook:
        check_item_themes(spec, load_codebook(codebook))
    result = clean_responses(responses, spec)
    check_varies(result.coded, spec, responses)
    check_groups(result.scored, spec, responses)
    write_table(result.coded, coded_out)
    write_table(result.scored, scored_out)
    write_table(result.audit, audit_out)


def segment_options(settings: dict, config_file: str = "config") -> SegmentOptions:
    """How a ``.qdpx`` is read, from the config's ``study1`` section."""
    placement = PlacementSettings(
        mode=settings.get("participants") or "speaker_tags",
        speaker_pattern=settings.get("speaker_pattern") or DEFAULT_SPEAKER_PATTERN,
        mapping=settings.get("participant_map"),
        config_file=config_file,
    )
    return SegmentOptions(sources_dir=settings.get("sources_dir"), placement=placement)


def ingest_study1(segments, codebook, segments_out, audit_out, sources_out=None, settings: dict | None = None) -> None:
    """Validate and clean the Study 1 coded segments (CSV or ``.qdpx``) against the codebook.

    ``settings`` is the config's ``study1`` section (``sources_dir``, ``participants``,
    ``speaker_pattern``, ``participant_map``). Writes the clean segments, the audit log and
    ``sources.csv`` (how each transcript was read).
    """
    result = clean_segments(segments, load_codebook(codebook), segment_options(settings or {}))
    write_table(result.segments, segments_out)
    write_table(result.audit, audit_out)
    if sources_out is not None:
        write_table(result.sources, sources_out)


def cleaning_audit(audits: list[str | Path], inputs: dict[str, str], left_out: dict[str, str], audit_out, record_out) -> None:
    """Close the ingest stage: one audit log for the studies of the run, and the input record.

    ``audit_log.csv`` is the per-study audit logs one after the other; ``inputs.json`` says
    which inputs were read (SHA-256 and source) and which study was left out and why
    (:func:`camhs_rom.core.provenance.input_record`): what every later step reads to label
    its outputs. It holds no setting, so a changed setting does not re-run the analyses
    that do not use it.
    """
    frames = [pd.read_csv(a, dtype=str, keep_default_na=False) for a in audits]
    write_table(pd.concat(frames, ignore_index=True), audit_out)
    write_record(input_record(inputs, left_out), record_out)


def provenance_record(record, config: dict, out) -> None:
    """Write ``provenance.json``: the input record with the effective config the run used."""
    write_record({**read_provenance(record), "config": config}, out)


def check_study1(settings: dict, config_file: str = "config") -> list[str]:
    """Check a team's Study 1 inputs before anything runs (``snakemake -n``); return warnings.

    Raises :class:`InputError` for the folder ``study1.sources_dir`` or the
    ``study1.participant_map`` file missing, and for everything :func:`clean_segments` refuses:
    a code neither in the codebook nor under a code that is, a source text that cannot be
    found, positions no convention fits, a selection no participant can be found for. A
    theme nobody coded is a finding, not an error: it is returned as a warning.
    """
    folder, mapping = settings.get("sources_dir"), settings.get("participant_map")
    if folder and not Path(folder).is_dir():
        raise InputError(config_file, "key study1.sources_dir", f"{folder!r}, which is not a folder", "the folder holding the source texts")
    if mapping and not Path(mapping).is_file():
        raise InputError(config_file, "key study1.participant_map", f"{mapping!r}, which is not a file", "a CSV: transcript_id, participant_id[, group_id][, segment_id]")
    book = load_codebook(settings["codebook"])
    result = clean_segments(settings["segments"], book, segment_options(settings, config_file))
    coded = set(result.segments["theme"])
    return list(result.notes) + [
        f"theme {t.id!r} ({t.label}) of {settings['codebook']} has no codings in {settings['segments']}: it will be tallied as voiced by nobody"
        for t in book.themes if t.id not in coded
    ]
