# Every rule here has priority 10: the studies' tables come first, and the robustness
# simulation (priority 0) fills the cores they leave idle.
# Study 1: theme tallies, coder agreement, co-occurrence, saturation, quotes and figures
# from the clean coded segments. Each rule also takes the combined audit log as input,
# so no analysis starts before every input of both studies has been validated.


rule study1_themes:
    priority: 10
    input:
        segments=f"{CLEAN}/study1/coded_segments.csv",
        codebook=config["study1"]["codebook"],
        audit=f"{CLEAN}/audit_log.csv",
    output:
        tallies=report(
            f"{STUDY1}/theme_tallies.csv",
            caption="../report/theme_tallies.rst",
            category="Study 1",
        ),
        valence=f"{STUDY1}/valence_tallies.csv",
        by_participant=f"{STUDY1}/theme_by_participant.csv",
        cooccurrence=f"{STUDY1}/cooccurrence.csv",
        saturation=f"{STUDY1}/saturation.csv",
        quotes=report(
            f"{STUDY1}/quotes.csv",
            caption="../report/quotes.rst",
            category="Study 1",
        ),
        passages=f"{STUDY1}/tallied_passages.csv",
    log:
        "logs/study1_themes.log",
    params:
        tally=Settings(config["study1"]["tally"], "study1.tally"),
        saturation_order=config["study1"]["saturation_order"],
        quotes=Settings(config["study1"]["quotes"], "study1.quotes"),
        seed=config["seed"],
    script:
        "../scripts/study1_themes.py"


rule study1_agreement:
    priority: 10
    input:
        segments=f"{CLEAN}/study1/coded_segments.csv",
        codebook=config["study1"]["codebook"],
        audit=f"{CLEAN}/audit_log.csv",
    output:
        agreement=report(
            f"{STUDY1}/agreement.csv",
            caption="../report/agreement.rst",
            category="Study 1",
        ),
        disagreements=f"{STUDY1}/disagreements.csv",
        scope=f"{STUDY1}/agreement_scope.csv",
    log:
        "logs/study1_agreement.log",
    params:
        agreement=Settings(config["study1"]["agreement"], "study1.agreement"),
        seed=config["seed"],
    script:
        "../scripts/study1_agreement.py"


rule study1_figures:
    priority: 10
    input:
        tallies=f"{STUDY1}/theme_tallies.csv",
        by_participant=f"{STUDY1}/theme_by_participant.csv",
        cooccurrence=f"{STUDY1}/cooccurrence.csv",
        saturation=f"{STUDY1}/saturation.csv",
        agreement=f"{STUDY1}/agreement.csv",
        scope=f"{STUDY1}/agreement_scope.csv",
        codebook=config["study1"]["codebook"],
        provenance=INPUT_RECORD,
    output:
        report(  # the PNGs: the SVG twins are not listed twice
            expand(f"{STUDY1}/figures/{{name}}.png", name=STUDY1_FIGURES),
            caption="../report/study1_figures.rst",
            category="Study 1",
        ),
        expand(f"{STUDY1}/figures/{{name}}.svg", name=STUDY1_FIGURES),
    log:
        "logs/study1_figures.log",
    script:
        "../scripts/study1_figures.py"
