"""The one vocabulary that says where the data behind an output came from.

Every banner, figure watermark, table column and file note that labels data as synthetic,
simulated, mixed or the user's takes its words from here, so the same data are never
called two things.
"""

from __future__ import annotations

SYNTHETIC_LABEL = "SYNTHETIC DATA: not the 2015 study's data"


SIMULATION_LABEL = "SIMULATED from the calibrated synthetic model"


LABEL = "SYNTHETIC"
