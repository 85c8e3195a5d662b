"""The consortium stage as the workflow runs it: a site's summary, and the pooling of several.

``site_summary`` (every run): the aggregates of :mod:`camhs_rom.consortium.summary`, checked by
:mod:`camhs_rom.consortium.disclosure`, written to ``results/site_summary/`` only when the check
passes (``disclosure.csv`` is written either way). ``consortium_pool`` (a run listing
``consortium.sites``): the pooled tables of ``results/consortium/``; ``consortium_report``:
its forest plots and ``report.html``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd

from camhs_rom.consortium import disclosure, summary
from camhs_rom.consortium.pooled import pool_sites
from camhs_rom.consortium.report import write_report
from camhs_rom.core.provenance import read_provenance
from camhs_rom.core.tables import sha256_of, write_table, write_text
from camhs_rom.ingest.survey import read_clean
from camhs_rom.instruments.codebook import load_codebook
from camhs_rom.instruments.questionnaire import load_questionnaire
from camhs_rom.replication.prereg_steps import instruments_of
from camhs_rom.replication.preregistration import DATA_KEYS, INSTRUMENT_KEYS, frozen_record
from camhs_rom.study1.agreement import compared_passages
from camhs_rom.study1.passages import coded_passages, presence
from camhs_rom.study2.efa import efa_data

log = logging.getLogger(__name__)

KEPT_AT_SITE = "(kept at the site)"


def _study2_tables(inputs: dict, q) -> tuple[dict[str, pd.DataFrame], set[str]]:
    scored = read_clean(inputs["scored"])
    scores = read_clean(inputs["scores"])
    tables = {
        "study2_groups": summary.group_summary(scores, list(q.subscales), tuple(str(g) for g in q.group_levels)),
        "study2_frequency": summary.frequency_summary(pd.read_csv(inputs["frequency"], keep_default_na=False, na_values=[""])),
        "study2_reliability": summary.reliability_summary(pd.read_csv(inputs["reliability"])),
        summary.MOMENTS: summary.moments_table(efa_data(scored, q.item_ids), q.item_ids),
    }
    return tables, set(scored["respondent_id"].astype(str))


def _study1_tables(inputs: dict, codebook) -> tuple[dict[str, pd.DataFrame], set[str], set[str]]:
    """The Study 1 tables, the participant ids (never to appear in them) and the coder-pair labels used."""
    by_participant = pd.read_csv(inputs["by_participant"], dtype={"participant_id": str, "group_id": str})
    tables = {
        "study1_themes": summary.theme_summary(by_participant, codebook.theme_ids),
        "study1_agreement": summary.agreement_summary(pd.read_csv(inputs["agreement"], keep_default_na=False, na_values=[""])),
    }
    passaged = coded_passages(pd.read_csv(inputs["segments"], keep_default_na=False, dtype={"start": int, "end": int}))
    scope = pd.read_csv(inputs["scope"], keep_default_na=False, dtype={"transcript_id": str})
    scope["compared"] = scope["compared"].astype(str).eq("True")
    shared = compared_passages(passaged, scope)
    coders = sorted(shared["coder"].unique())
    pairs = set()
    if len(coders) > 1:  # only where two or more coders coded the same transcripts
        _, judged = presence(shared, codebook.theme_ids, coders)
        tables["study1_agreement_counts"] = summary.agreement_counts(judged, codebook.theme_ids)
        pairs = set(summary.coder_pairs(len(coders)))
    return tables, set(by_participant["participant_id"].astype(str)), pairs


def shareable_record(record: dict) -> dict:
    """The site's frozen record without where its files lie: the data paths are replaced by a note and each
    instrument keeps its file name and SHA-256 (what the pooling run compares), never a local folder."""
    config = record["config"]
    for key in DATA_KEYS:
        section, field = key.split(".")
        if isinstance(config.get(section), dict) and config[section].get(field) is not None:
            config[section][field] = KEPT_AT_SITE
    for key in INSTRUMENT_KEYS:
        section, field = key.split(".")
        if isinstance(config.get(section), dict):
            config[section][field] = Path(str(config[section][field])).name
    record["instruments"] = {role: {"path": Path(v["path"]).name, "sha256": v["sha256"]} for role, v in record["instruments"].items()}
    return record


def site_summary(inputs: dict, config: dict, min_count: int, code: str, out_dir) -> None:
    """Write the site summary (or only the failed disclosure verdict) to ``out_dir``, atomically.

    ``inputs``: ``provenance``, and per included study its results (Study 2: ``scored``, ``scores``,
    ``frequency``, ``reliability``, ``questionnaire``; Study 1: ``by_participant``, ``agreement``,
    ``segments``, ``scope``, ``codebook``). ``config``: the run's effective config; ``code``: the digest of the
    code this run executes (:func:`camhs_rom.core.provenance.code_digest`, computed once by the workflow).
    """
    provenance = read_provenance(inputs["provenance"])
    studies = [s for s, record in provenance["studies"].items() if record["included"]]
    tables, identifiers, vocabulary = {}, set(), {}
    if "study2" in studies:
        q = load_questionnaire(inputs["questionnaire"])
        found, ids = _study2_tables(inputs, q)
        tables |= found
        identifiers |= ids
        vocabulary |= {"subscale": set(q.subscales), "group": {str(g) for g in q.group_levels}, "level": set(q.frequency_levels), "item": set(q.item_ids)}
    if "study1" in studies:
        codebook = load_codebook(inputs["codebook"])
        found, ids, pairs = _study1_tables(inputs, codebook)
        tables |= found
        identifiers |= ids
        vocabulary |= {"theme": set(codebook.theme_ids), "pair": pairs}
    if "study2" in studies and not vocabulary["level"]:
        tables.pop("study2_frequency")  # no frequency item in the spec: nothing to pool for the frequency claim
    verdict = disclosure.check_summary(tables, vocabulary, identifiers, min_count)
    ok = disclosure.passed(verdict)
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        write_table(verdict, tmp / "disclosure.csv")
        if ok:
            for name, frame in tables.items():
                write_table(frame, tmp / f"{name}.csv")
            record = {
                "format": summary.FORMAT,
                "disclosure": "passed",
                "min_count": min_count,
                "studies": studies,
                "synthetic": bool(provenance["synthetic"]),
                "data_label": provenance.get("data_label", ""),
                "record": shareable_record(frozen_record(config, instruments_of(config), code, {})),
                "tables": {name: sha256_of(tmp / f"{name}.csv") for name in tables},
            }
            write_text(json.dumps(record, indent=1, sort_keys=True, default=str) + "\n", tmp / "site.json")
            log.info("site summary written: %d tables, disclosure check passed (minimum count %d)", len(tables), min_count)
        else:
            why = disclosure.failures_in_words(verdict)
            log.warning("the site summary was NOT written: %s", why)
            print(f"Note: the site summary (results/site_summary/) was not written; its disclosure check failed: {why} "
                  "(results/site_summary/disclosure.csv; docs/consortium.md).", file=sys.stderr)
        os.chmod(tmp, 0o755)
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def consortium_pool(sites: dict[str, str], config: dict, frozen, code: str, questionnaire, codebook, out: dict) -> None:
    """Read, check and pool the sites' summaries; write every table of ``results/consortium/`` (``out``: name -> path)."""
    tables = pool_sites(sites, config, frozen, code, questionnaire, codebook)
    for name, path in out.items():
        write_table(tables[name], path)


def consortium_report(tables: dict, config: dict, questionnaire, codebook, figures_dir, out) -> None:
    """The forest plots (in ``figures_dir``) and the consortium's ``report.html``."""
    write_report(tables, config, questionnaire, codebook, figures_dir, out)

