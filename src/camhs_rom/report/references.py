"""The report's reference list (APA 7): the study replicated, every method the Methods section cites, the
reporting standards and the workflow system. Each entry is cited in the text by its key's author-year form;
:func:`references_html` lists them alphabetically, titles of books and journals in italics."""

from __future__ import annotations

# (author-year as cited, the reference with *...* around what APA italicises)
REFERENCES: list[tuple[str, str]] = [
    ("Appelbaum et al., 2018", "Appelbaum, M., Cooper, H., Kline, R. B., Mayo-Wilson, E., Nezu, A. M., & Rao, S. M. (2018). Journal article "
     "reporting standards for quantitative research in psychology: The APA Publications and Communications Board task force report. "
     "*American Psychologist, 73*(1), 3\u201325. https://doi.org/10.1037/amp0000191"),
    ("Bonett, 2008", "Bonett, D. G. (2008). Confidence intervals for standardized linear contrasts of means. *Psychological Methods, 13*(2), "
     "99\u2013109. https://doi.org/10.1037/1082-989X.13.2.99"),
    ("Chen, 2007", "Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement invariance. *Structural Equation "
     "Modeling, 14*(3), 464\u2013504. https://doi.org/10.1080/10705510701301834"),
    ("Cohen, 1960", "Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and Psychological Measurement, 20*(1), "
     "37\u201346. https://doi.org/10.1177/001316446002000104"),
    ("Feldt, 1965", "Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson reliability coefficient twenty. "
     "*Psychometrika, 30*(3), 357\u2013370. https://doi.org/10.1007/BF02289499"),
    ("Hedges, 1981", "Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and related estimators. *Journal of "
     "Educational Statistics, 6*(2), 107\u2013128. https://doi.org/10.3102/10769986006002107"),
    ("Holm, 1979", "Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian Journal of Statistics, 6*(2), "
     "65\u201370."),
    ("Horn, 1965", "Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis. *Psychometrika, 30*(2), "
     "179\u2013185. https://doi.org/10.1007/BF02289447"),
    ("James et al., 2015", "James, K., Elgie, S., Adams, J., Henderson, T., & Salkovskis, P. (2015). Session-by-session outcome monitoring "
     "in CAMHS: Clinicians' beliefs. *The Cognitive Behaviour Therapist, 8*, e26. https://doi.org/10.1017/S1754470X15000653"),
    ("Kaiser, 1960", "Kaiser, H. F. (1960). The application of electronic computers to factor analysis. *Educational and Psychological "
     "Measurement, 20*(1), 141\u2013151. https://doi.org/10.1177/001316446002000116"),
    ("Krippendorff, 2004", "Krippendorff, K. (2004). *Content analysis: An introduction to its methodology* (2nd ed.). Sage."),
    ("Lakens, 2017", "Lakens, D. (2017). Equivalence tests: A practical primer for t tests, correlations, and meta-analyses. *Social "
     "Psychological and Personality Science, 8*(4), 355\u2013362. https://doi.org/10.1177/1948550617697177"),
    ("Landis & Koch, 1977", "Landis, J. R., & Koch, G. G. (1977). The measurement of observer agreement for categorical data. "
     "*Biometrics, 33*(1), 159\u2013174. https://doi.org/10.2307/2529310"),
    ("Lorenzo-Seva & ten Berge, 2006", "Lorenzo-Seva, U., & ten Berge, J. M. F. (2006). Tucker's congruence coefficient as a meaningful "
     "index of factor similarity. *Methodology, 2*(2), 57\u201364. https://doi.org/10.1027/1614-2241.2.2.57"),
    ("Mann & Whitney, 1947", "Mann, H. B., & Whitney, D. R. (1947). On a test of whether one of two random variables is stochastically "
     "larger than the other. *The Annals of Mathematical Statistics, 18*(1), 50\u201360. https://doi.org/10.1214/aoms/1177730491"),
    ("McDonald, 1999", "McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum."),
    ("M\u00f6lder et al., 2021", "M\u00f6lder, F., Jablonski, K. P., Letcher, B., Hall, M. B., Tomkins-Tinch, C. H., Sochat, V., Forster, J., "
     "Lee, S., Twardziok, S. O., Kanitz, A., Wilm, A., Holtgrewe, M., Rahmann, S., Nahnsen, S., & K\u00f6ster, J. (2021). Sustainable data "
     "analysis with Snakemake. *F1000Research, 10*, 33. https://doi.org/10.12688/f1000research.29032.2"),
    ("Rouder et al., 2009", "Rouder, J. N., Speckman, P. L., Sun, D., Morey, R. D., & Iverson, G. (2009). Bayesian t tests for accepting "
     "and rejecting the null hypothesis. *Psychonomic Bulletin & Review, 16*(2), 225\u2013237. https://doi.org/10.3758/PBR.16.2.225"),
    ("Simonsohn et al., 2020", "Simonsohn, U., Simmons, J. P., & Nelson, L. D. (2020). Specification curve analysis. *Nature Human "
     "Behaviour, 4*(11), 1208\u20131214. https://doi.org/10.1038/s41562-020-0912-z"),
    ("Steegen et al., 2016", "Steegen, S., Tuerlinckx, F., Gelman, A., & Vanpaemel, W. (2016). Increasing transparency through a "
     "multiverse analysis. *Perspectives on Psychological Science, 11*(5), 702\u2013712. https://doi.org/10.1177/1745691616658637"),
    ("Tong et al., 2007", "Tong, A., Sainsbury, P., & Craig, J. (2007). Consolidated criteria for reporting qualitative research (COREQ): "
     "A 32-item checklist for interviews and focus groups. *International Journal for Quality in Health Care, 19*(6), 349\u2013357. "
     "https://doi.org/10.1093/intqhc/mzm042"),
    ("Velicer, 1976", "Velicer, W. F. (1976). Determining the number of components from the matrix of partial correlations. "
     "*Psychometrika, 41*(3), 321\u2013327. https://doi.org/10.1007/BF02293557"),
    ("Welch, 1947", "Welch, B. L. (1947). The generalization of \u201cStudent's\u201d problem when several different population variances "
     "are involved. *Biometrika, 34*(1\u20132), 28\u201335. https://doi.org/10.1093/biomet/34.1-2.28"),
    ("Wilson, 1927", "Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. *Journal of the "
     "American Statistical Association, 22*(158), 209\u2013212. https://doi.org/10.1080/01621459.1927.10502953"),
    ("Wu & Estabrook, 2016", "Wu, H., & Estabrook, R. (2016). Identification of confirmatory factor analysis models of different levels "
     "of invariance for ordered categorical outcomes. *Psychometrika, 81*(4), 1014\u20131045. https://doi.org/10.1007/s11336-016-9506-0"),
    ("Zumbo et al., 2007", "Zumbo, B. D., Gadermann, A. M., & Zeisser, C. (2007). Ordinal versions of coefficients alpha and theta for "
     "Likert rating scales. *Journal of Modern Applied Statistical Methods, 6*(1), 21\u201329. https://doi.org/10.22237/jmasm/1177992180"),
]
CITED = {key for key, _ in REFERENCES}


def cite(*keys: str) -> str:
    """An in-text parenthetical citation, ``(Cohen, 1960; Landis & Koch, 1977)``; every key must be in the list."""
    unknown = [k for k in keys if k not in CITED]
    if unknown:
        raise KeyError(f"not in the reference list: {unknown}")
    return "(" + "; ".join(keys) + ")"


def reference_markdown(cited_in: str | None = None) -> list[str]:
    """The references as Markdown paragraphs (italics as ``*...*``), in the list's (alphabetical) order; with
    ``cited_in``, only those whose citation (``Landis & Koch, 1977``, or its HTML-escaped form) occurs in that text."""
    def cited(key: str) -> bool:
        author, year = key.rsplit(", ", 1)
        forms = (key, f"{author} ({year})", f"{author.replace(' & ', ' and ')} ({year})")  # parenthetical and narrative
        return any(form in cited_in or form.replace("&", "&amp;") in cited_in for form in forms)

    return [text for key, text in REFERENCES if cited_in is None or cited(key)]
