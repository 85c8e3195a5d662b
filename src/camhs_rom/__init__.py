"""camhs_rom: a reproducible replication of James, Elgie, Adams, Henderson & Salkovskis (2015).

*Session-by-session outcome monitoring in CAMHS: clinicians' beliefs.* The Cognitive
Behaviour Therapist, 8, e26. doi:10.1017/S1754470X15000653

One subpackage per stage of the pipeline, importing only from the layers below it
(``docs/architecture.md``; the contract is checked by import-linter):

- :mod:`camhs_rom.consortium`: a site's disclosure-checked summary, and the pooling of
  several sites' summaries into a consortium's results.
- :mod:`camhs_rom.report`: the executed notebooks and ``results/report.html``.
- :mod:`camhs_rom.robustness`: the multiverse of analytic choices and the power simulation.
- :mod:`camhs_rom.replication`: each published claim judged by one function; the scorecard.
- :mod:`camhs_rom.study1`: coded passages, theme tallies, coder agreement, quotes, figures.
- :mod:`camhs_rom.study2`: sample, frequency of use, factor structure, reliability, group
  comparisons, adjusted models, APA reporting, figures.
- :mod:`camhs_rom.synthetic`: the seeded synthetic default data of both studies.
- :mod:`camhs_rom.ingest`: reading, validating and cleaning the inputs, with the audit log.
- :mod:`camhs_rom.instruments`: the questionnaire spec and the codebook.
- :mod:`camhs_rom.stats`: study-agnostic statistics (agreement, factor analysis,
  reliability, two-group tests, proportions, meta-analysis).
- :mod:`camhs_rom.core`: errors, validation and defaults, tables, audit, seeding,
  provenance, the data labels, the contract's names, the plotting style.

Each stage's ``steps`` module is what the workflow's scripts call, and the only module of
the stage that reads or writes files.
"""

__version__ = "0.12.0"
