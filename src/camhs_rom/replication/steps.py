"""The replication stage as the workflow runs it: read the result tables, write ``scorecard.csv``."""

from __future__ import annotations

import pandas as pd

from camhs_rom.core.provenance import read_provenance
from camhs_rom.core.tables import write_table
from camhs_rom.replication.scorecard import scorecard


def replication_scorecard(inputs: dict, settings: dict, retention_rule: str, provenance, out) -> None:
    """Read the result tables named in ``inputs`` and write ``scorecard.csv``."""
    tables = {}
    for key, path in inputs.items():
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
        tables[key] = frame if not (key == "frequency" and frame.empty) else None
    write_table(scorecard(tables, settings, retention_rule, read_provenance(provenance)["studies"]), out)
