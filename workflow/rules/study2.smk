# Every rule here has priority 10: the studies' tables come first, and the robustness
# simulation (priority 0) fills the cores they leave idle.
# Study 2 psychometrics: sample, frequency of use, items, factorability, number of
# factors, EFA, reliability and subscale scores, then figures. The rule takes the
# combined audit log as input, so it starts only after every input has been validated.


rule study2_psychometrics:
    priority: 10
    input:
        coded=f"{CLEAN}/study2/responses_coded.csv",
        scored=f"{CLEAN}/study2/responses_scored.csv",
        questionnaire=questionnaire_path(),
        audit=f"{CLEAN}/audit_log.csv",
    output:
        sample=f"{STUDY2}/sample.csv",
        sample_numeric=f"{STUDY2}/sample_numeric.csv",
        frequency=report(
            f"{STUDY2}/frequency_of_use.csv",
            caption="../report/frequency_of_use.rst",
            category="Study 2",
        ),
        item_descriptives=f"{STUDY2}/item_descriptives.csv",
        responses=f"{STUDY2}/response_distribution.csv",
        factorability=f"{STUDY2}/factorability.csv",
        kmo_items=f"{STUDY2}/kmo_items.csv",
        n_factors=report(
            f"{STUDY2}/n_factors.csv",
            caption="../report/n_factors.rst",
            category="Study 2",
        ),
        scree=f"{STUDY2}/scree.csv",
        map=f"{STUDY2}/map.csv",
        loadings=report(
            f"{STUDY2}/efa_loadings.csv",
            caption="../report/efa_loadings.rst",
            category="Study 2",
        ),
        loading_flags=f"{STUDY2}/efa_item_flags.csv",
        structure=f"{STUDY2}/efa_structure.csv",
        factor_correlations=f"{STUDY2}/efa_factor_correlations.csv",
        communalities=f"{STUDY2}/efa_communalities.csv",
        variance=f"{STUDY2}/efa_variance.csv",
        fit=f"{STUDY2}/efa_fit.csv",
        congruence=f"{STUDY2}/efa_congruence.csv",
        reliability=report(
            f"{STUDY2}/reliability.csv",
            caption="../report/reliability.rst",
            category="Study 2",
        ),
        item_reliability=f"{STUDY2}/item_reliability.csv",
        scores=f"{STUDY2}/subscale_scores.csv",
    log:
        "logs/study2_psychometrics.log",
    params:
        source=config["study2"]["responses"],
        efa=Settings(config["study2"]["efa"], "study2.efa"),
        bootstrap=Settings(config["study2"]["bootstrap"], "study2.bootstrap"),
        seed=config["seed"],
    script:
        "../scripts/study2_psychometrics.py"


# Beyond the paper: the answers as ordinal (polychoric), the intended model tested
# confirmatorily (ML and WLSMV) and its invariance between the compared groups.
rule study2_measurement:
    priority: 10
    input:
        coded=f"{CLEAN}/study2/responses_coded.csv",
        scored=f"{CLEAN}/study2/responses_scored.csv",
        questionnaire=questionnaire_path(),
        provenance=INPUT_RECORD,
        audit=f"{CLEAN}/audit_log.csv",  # starts only after every input has been validated
    output:
        polychoric=f"{STUDY2}/polychoric_correlations.csv",
        thresholds=f"{STUDY2}/polychoric_thresholds.csv",
        cfa_fit=report(
            f"{STUDY2}/cfa_fit.csv",
            caption="../report/cfa_fit.rst",
            category="Study 2",
        ),
        cfa_loadings=f"{STUDY2}/cfa_loadings.csv",
        cfa_factor_correlations=f"{STUDY2}/cfa_factor_correlations.csv",
        invariance=report(
            f"{STUDY2}/invariance.csv",
            caption="../report/invariance.rst",
            category="Study 2",
        ),
        coefficients=f"{STUDY2}/reliability_coefficients.csv",
        paragraph=f"{STUDY2}/measurement.md",
    log:
        "logs/study2_measurement.log",
    params:
        settings=Settings(config["study2"]["measurement"], "study2.measurement"),
        missing=Settings(config["study2"]["missing"], "study2.missing"),
        correlation=config["study2"]["efa"]["correlation"],
        bootstrap=Settings(config["study2"]["bootstrap"], "study2.bootstrap"),
        seed=config["seed"],
    script:
        "../scripts/study2_measurement.py"


rule study2_figures:
    priority: 10
    input:
        distribution=f"{STUDY2}/response_distribution.csv",
        item_descriptives=f"{STUDY2}/item_descriptives.csv",
        scree=f"{STUDY2}/scree.csv",
        n_factors=f"{STUDY2}/n_factors.csv",
        loadings=f"{STUDY2}/efa_loadings.csv",
        questionnaire=questionnaire_path(),
        provenance=INPUT_RECORD,
    output:
        report(  # the PNGs: the SVG twins are not listed twice
            expand(f"{STUDY2}/figures/{{name}}.png", name=STUDY2_FIGURES),
            caption="../report/study2_figures.rst",
            category="Study 2",
        ),
        expand(f"{STUDY2}/figures/{{name}}.svg", name=STUDY2_FIGURES),
    log:
        "logs/study2_figures.log",
    params:
        min_loading=config["study2"]["efa"]["min_loading"],
    script:
        "../scripts/study2_figures.py"


rule study2_comparisons:
    priority: 10
    input:
        scores=f"{STUDY2}/subscale_scores.csv",
        questionnaire=questionnaire_path(),
        provenance=INPUT_RECORD,
    output:
        comparisons=report(
            f"{STUDY2}/group_comparisons.csv",
            caption="../report/group_comparisons.rst",
            category="Study 2",
        ),
        descriptives=f"{STUDY2}/group_descriptives.csv",
        models=report(
            f"{STUDY2}/adjusted_models.csv",
            caption="../report/adjusted_models.rst",
            category="Study 2",
        ),
        model_notes=f"{STUDY2}/model_notes.csv",
        sentences=f"{STUDY2}/apa_sentences.md",
        apa_table=f"{STUDY2}/apa_table_comparisons.csv",
        apa_table_md=f"{STUDY2}/apa_table_comparisons.md",
    log:
        "logs/study2_comparisons.log",
    params:
        settings=Settings(config["study2"]["comparisons"], "study2.comparisons"),
        bootstrap=Settings(config["study2"]["bootstrap"], "study2.bootstrap"),
        seed=config["seed"],
    script:
        "../scripts/study2_comparisons.py"


rule study2_comparison_figures:
    priority: 10
    input:
        scores=f"{STUDY2}/subscale_scores.csv",
        models=f"{STUDY2}/adjusted_models.csv",
        questionnaire=questionnaire_path(),
        provenance=INPUT_RECORD,
    output:
        report(  # the PNGs: the SVG twins are not listed twice
            expand(f"{STUDY2}/figures/{{name}}.png", name=COMPARISON_FIGURES),
            caption="../report/comparison_figures.rst",
            category="Study 2",
        ),
        expand(f"{STUDY2}/figures/{{name}}.svg", name=COMPARISON_FIGURES),
    log:
        "logs/study2_comparison_figures.log",
    params:
        ci=config["study2"]["bootstrap"]["ci"],
        seed=config["seed"],
    script:
        "../scripts/study2_comparison_figures.py"
