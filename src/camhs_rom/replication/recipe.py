"""The Replication Recipe (Brandt et al., 2014, Journal of Experimental Social Psychology 50, 217-224),
answered from the plan where the configuration can answer, the rest left for the authors.

Items 1-29 are the pre-study checklist, 30-36 the post-study items (answered by the run's
report once data exist). An answer starting ``[for the authors]`` is one the configuration
cannot give (who collected the data, where, with what remuneration), like the COREQ and JARS
checklists of the report.
"""

from __future__ import annotations

FOR_AUTHORS = "[for the authors]"

SECTIONS = {
    1: "The nature of the effect", 10: "Designing the replication study", 17: "Documenting differences between the original and replication study",
    26: "Analysis and replication evaluation", 29: "Registering the replication attempt", 30: "Reporting the replication (post-study)",
}

ITEMS = [
    (1, "Verbal description of the effect I am trying to replicate"),
    (2, "It is important to replicate this effect because"),
    (3, "The effect size of the effect I am trying to replicate is"),
    (4, "The confidence interval of the original effect is"),
    (5, "The sample size of the original effect is"),
    (6, "Where was the original study conducted? (e.g., lab, in the field, online)"),
    (7, "What country/region was the original study conducted in?"),
    (8, "What kind of sample did the original study use?"),
    (9, "Was the original study conducted with paper-and-pencil surveys, on a computer, or something else?"),
    (10, "Are the original materials for the study available from the author?"),
    (11, "I know that assumptions (e.g., about the meaning of the stimuli) in the original study will also hold in my replication because"),
    (12, "Location of the experimenter during data collection"),
    (13, "Experimenter knowledge of participant experimental condition"),
    (14, "Experimenter knowledge of overall hypotheses"),
    (15, "My target sample size is"),
    (16, "The rationale for my sample size is"),
    (17, "The similarities/differences in the instructions are"),
    (18, "The similarities/differences in the measures are"),
    (19, "The similarities/differences in the stimuli are"),
    (20, "The similarities/differences in the procedure are"),
    (21, "The similarities/differences in the location are"),
    (22, "The similarities/differences in remuneration are"),
    (23, "The similarities/differences between participant populations are"),
    (24, "What differences between the original study and your study might be expected to influence the size and/or direction of the effect?"),
    (25, "I have taken the following steps to test whether the differences listed in #24 will influence the outcome of my replication attempt"),
    (26, "My exclusion criteria are"),
    (27, "My analysis plan is (justify differences from the original)"),
    (28, "A successful replication is defined as"),
    (29, "The finalized materials, procedures, analysis plan etc. of the replication are registered here"),
    (30, "The effect size of the replication is"),
    (31, "The confidence interval of the replication effect size is"),
    (32, "The replication effect size is / is not significantly different from the original effect size"),
    (33, "I judge the replication to be a success / informative failure / practical failure / inconclusive because"),
    (34, "Interested experts can obtain my data and syntax here"),
    (35, "All of the analyses were reported in the report or are available here"),
    (36, "The limitations of my replication study are"),
]


def recipe_answers(plan: dict) -> list[tuple[int, str, str, str]]:
    """``(number, section, question, answer)`` for every item; ``plan`` holds the words the preregistration
    wrote from the config: ``claims``, ``original_n``, ``target_n``, ``rationale``, ``measures``, ``exclusions``,
    ``analysis``, ``success``, ``deviations_rule``."""
    known = {
        1: plan["claims"],
        3: "Not reported as an effect size: James et al. (2015) report the direction of the group differences only; "
           "the smallest effect size of interest stands in for it (item 16).",
        4: "Not reported (see item 3).",
        5: plan["original_n"],
        6: "Child and adolescent mental health services (CAMHS) in England: focus groups (Study 1) and a questionnaire to clinical teams (Study 2).",
        7: "England, United Kingdom.",
        8: "Clinicians working in CAMHS teams.",
        10: "No: the original questionnaire items and the raw data are not public. " + plan["measures"],
        15: plan["target_n"],
        16: plan["rationale"],
        18: plan["measures"],
        25: "The analysis plan is run on data simulated under the plan before any data exist (the simulated run beside this "
            "document), and the robustness plan (multiverse, power simulation) shows how far each verdict depends on analytic choices.",
        26: plan["exclusions"],
        27: plan["analysis"],
        28: plan["success"],
        30: "Reported by the pipeline's scorecard (results/replication/scorecard.csv: effect, effect_ci_low, effect_ci_high) once the data exist.",
        31: "As item 30.",
        34: "[for the authors] (the pipeline's archive, camhs-rom-archive, bundles the code, config and inputs of a run).",
        35: "results/report.html of the run, and " + plan["deviations_rule"],
    }
    out = []
    section = SECTIONS[1]
    for number, question in ITEMS:
        section = SECTIONS.get(number, section)
        out.append((number, section, question, known.get(number, FOR_AUTHORS)))
    return out
