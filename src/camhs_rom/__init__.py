"""camhs_rom: a reproducible replication of James, Elgie, Adams, Henderson & Salkovskis (2015).

*Session-by-session outcome monitoring in CAMHS: clinicians' beliefs.* The Cognitive
Behaviour Therapist, 8, e26. doi:10.1017/S1754470X15000653

Modules, one per idea:

- :mod:`camhs_rom.errors`: the one exception bad input raises, with file, location,
  found and expected.
- :mod:`camhs_rom.schemas`: JSON Schema validation of the config and the instruments.
- :mod:`camhs_rom.instruments`: the questionnaire spec and the Study 1 codebook.
- :mod:`camhs_rom.tables`: reading delimited text and SPSS files safely.
- :mod:`camhs_rom.survey`: Study 2 responses: read, validate, clean, audit.
- :mod:`camhs_rom.segments`: Study 1 coded segments from CSV: read, validate, clean.
- :mod:`camhs_rom.qdpx`: REFI-QDA ``.qdpx`` projects: read and write.
- :mod:`camhs_rom.synthetic`: the seeded synthetic default for both studies.
- :mod:`camhs_rom.audit`: the cleaning audit log.
- :mod:`camhs_rom.provenance`: where the inputs came from (synthetic or the user's).
- :mod:`camhs_rom.ingest`, :mod:`camhs_rom.steps`: the ingest stage and running a step.
- :mod:`camhs_rom.seeding`: one independent random stream per named step.
- :mod:`camhs_rom.passages`: Study 1's unit of analysis, the coded passage.
- :mod:`camhs_rom.qualitative`: theme tallies, co-occurrence, saturation, quotes.
- :mod:`camhs_rom.agreement`: Cohen's kappa, Krippendorff's alpha, percentage agreement.
- :mod:`camhs_rom.descriptives`: Study 2 sample, frequency of use, item statistics.
- :mod:`camhs_rom.factors`: factorability, number of factors, EFA and its fit.
- :mod:`camhs_rom.reliability`: alpha, omega, their bootstraps, subscale scores.
- :mod:`camhs_rom.psychometrics`: the Study 2 psychometrics stage.
- :mod:`camhs_rom.comparisons`: users against non-users: tests and effect sizes.
- :mod:`camhs_rom.models`: adjusted models (OLS with HC3, mixed, ordinal).
- :mod:`camhs_rom.apa`: APA 7 sentences and tables.
- :mod:`camhs_rom.replication`: the claim-by-claim replication scorecard.
- :mod:`camhs_rom.presentation`: what the notebooks use to show results.
- :mod:`camhs_rom.report`: executed notebooks into ``results/report.html``.
- :mod:`camhs_rom.figures`: the project's plotting style and figures.
"""

__version__ = "0.1.0"
