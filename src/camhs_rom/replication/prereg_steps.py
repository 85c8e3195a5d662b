"""Helpers of the preregistration target (:func:`camhs_rom.replication.steps.preregistration`): simulate the plan, run every analysis on it, write the plan.

Before any data exist: the team's spec and codebook are copied into
``results/preregistration/simulated_run/instruments/``, data are simulated there under the
team's own ``synthetic`` settings (its assumptions: planned sample size, effects, answer
patterns) and the whole pipeline runs on them in that folder (its own Snakemake run), which
proves the analysis code runs on the team's instruments. Then ``preregistration.json`` (the
frozen plan), ``preregistration.md`` and ``preregistration.docx`` are written from the config
and the simulated run's tables.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

from camhs_rom import __version__
from camhs_rom.core.contract import DEVIATIONS, SCORECARD
from camhs_rom.core.labels import SYNTHETIC
from camhs_rom.core.tables import sha256_of
from camhs_rom.instruments.questionnaire import load_questionnaire
from camhs_rom.replication.evidence import holm_family
from camhs_rom.replication.preregistration import INSTRUMENT_KEYS, compared, simulation_config
from camhs_rom.replication.recipe import recipe_answers
from camhs_rom.stats.evidence import n_per_group_for_power, power_two_sample

RUN_LOG_TAIL = 3000  # characters of the simulated run's log quoted when it fails


def instruments_of(config: dict) -> dict[str, dict]:
    """The included studies' instruments: ``{"questionnaire": {"path", "sha256"}, "codebook": {...}}``."""
    out = {}
    for key, role in INSTRUMENT_KEYS.items():
        section, field = key.split(".")
        if isinstance(config.get(section), dict):
            path = config[section][field]
            out[role] = {"path": str(path), "sha256": sha256_of(path)}
    return out


def run_simulated_plan(config: dict, workflow_root: Path, folder: Path, cores: int, log: Path) -> None:
    """Run the whole pipeline in ``folder`` on data simulated under the plan (a Snakemake run of its own)."""
    folder.mkdir(parents=True, exist_ok=True)
    names = {}
    for key in INSTRUMENT_KEYS:
        section, field = key.split(".")
        if isinstance(config.get(section), dict):
            source = Path(config[section][field])
            name = source.name if source.name not in names.values() else f"{section}_{source.name}"
            (folder / "instruments").mkdir(exist_ok=True)
            shutil.copyfile(source, folder / "instruments" / name)
            names[key] = name
    plan = simulation_config(config, names)
    (folder / "config.yaml").write_text(
        f"# The plan's settings, the data simulated under them ({SYNTHETIC}); written by the preregistration target\n"
        + yaml.safe_dump(plan, sort_keys=False, allow_unicode=True), encoding="utf-8")
    shutil.copytree(workflow_root / "notebooks", folder / "notebooks", dirs_exist_ok=True)
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(workflow_root / "Snakefile"), "--directory", str(folder), "--cores", str(cores)]
    with open(log, "w", encoding="utf-8") as fh:
        done = subprocess.run(command, stdout=fh, stderr=subprocess.STDOUT, check=False)
    if done.returncode:
        tail = log.read_text(encoding="utf-8", errors="replace")[-RUN_LOG_TAIL:]
        raise RuntimeError(f"the analysis did not run on data simulated under the plan (exit {done.returncode}); the end of {log}:\n{tail}")
    for leftover in (".snakemake", "logs", "notebooks"):  # run metadata and time-stamped logs: not part of the plan
        shutil.rmtree(folder / leftover, ignore_errors=True)


def sample_size(config: dict, folder: Path) -> dict:
    """The planned sample and the justification of Study 2's size at the SESOI (analytic, as ``pwr``), from the
    simulated run's group sizes and Holm family; the power simulation's rows under the team's assumed effects."""
    rep, out = config["replication"], {}
    if isinstance(config.get("study1"), dict):
        out["study1"] = {"participants_per_group": config["synthetic"]["study1"]["participants_per_group"]}
    if not isinstance(config.get("study2"), dict):
        return out
    n = config["synthetic"]["study2"]["n_respondents"]
    results = folder / "results"
    descriptives = pd.read_csv(results / "study2" / "group_descriptives.csv")
    comparisons = pd.read_csv(results / "study2" / "group_comparisons.csv")
    positive = rep["subscales"]["positive"] or descriptives["subscale"].iloc[0]
    mine = descriptives[descriptives["subscale"] == positive]
    n1, n2 = (int(v) for v in mine["n"].iloc[:2])
    m = max(1, holm_family(comparisons, rep["test"]))
    level = rep["alpha"] / (2 * m)
    target = config["robustness"]["power"]["target_power"]
    need1, need2 = n_per_group_for_power(rep["sesoi"], target, level, "greater", n2 / max(n1, 1))
    in_groups = (n1 + n2) / n
    power = pd.read_csv(results / "robustness" / "power.csv")
    simulated = power[power["kind"] == "sample_size"][["n", "quantity", "rate", "mean_observed_d"]]
    out["study2"] = {
        "planned_respondents": n, "expected_groups": [n1, n2], "holm_family": m, "one_sided_alpha": level, "sesoi": rep["sesoi"],
        "power_at_sesoi": power_two_sample(rep["sesoi"], n1, n2, level), "target_power": target,
        "groups_for_target": [need1, need2], "respondents_for_target": math.ceil((need1 + need2) / in_groups) if need1 else None,
        "simulated_power": simulated.to_dict("records"),
    }
    return out


def _setting_rows(config: dict) -> list[list[str]]:
    return [[key, value] for key, value in compared(config).items()]


def plan_blocks(config: dict, record: dict, folder: Path) -> list[tuple]:
    """The preregistration's sections as document blocks (:mod:`camhs_rom.replication.prereg_document`)."""
    rep = config["replication"]
    card = pd.read_csv(folder / SCORECARD, keep_default_na=False)
    sizes = record["sample_size"]
    blocks = [
        ("h1", "Preregistration: a replication of James et al. (2015)"),
        ("p", f"Written by camhs-rom {__version__} from the configuration before any data were collected. Items marked "
              "[for the authors] are for the team to complete. Title, authors, registry and date: [for the authors]."),
        ("h2", "1. Hypotheses: the claims and their criteria"),
        ("p", "Each published claim is judged by the criterion below, fixed here. Beside the verdicts of the group-difference claims "
              f"(never changing them) the run reports Hedges' g with its 95% CI, the one-sided default Bayes factor (Cauchy prior, scale "
              f"sqrt(2)/2), an equivalence test against +/-{rep['sesoi']:.2f} (the smallest effect size of interest, SESOI: the 'small "
              "telescopes' d33 of the 2015 study's 59 respondents, Simonsohn, 2015, unless the team set another), the share of the "
              f"multiverse that supports the claim, and the power at the SESOI; a signal fewer than {rep['fragile_share']:.0%} of the "
              "multiverse supports is called fragile."),
        ("table", ["Claim", "In the paper", "In this study", "Criterion"], card[["claim_id", "claim", "in_this_study", "criterion"]].values.tolist()),
        ("h2", "2. Planned sample and its justification"),
    ]
    if "study1" in sizes:
        groups = sizes["study1"]["participants_per_group"]
        blocks.append(("p", f"Study 1: {sum(groups)} participants in {len(groups)} focus groups ({', '.join(map(str, groups))})."))
    if "study2" in sizes:
        s = sizes["study2"]
        target = (f"{s['respondents_for_target']} respondents ({s['groups_for_target'][0]} and {s['groups_for_target'][1]} in the compared "
                  f"groups) would give {s['target_power']:.0%}") if s["respondents_for_target"] else "no sample size reaches the target power"
        blocks.append(("p", f"Study 2: {s['planned_respondents']} respondents, expected to split {s['expected_groups'][0]} and "
                            f"{s['expected_groups'][1]} between the compared groups under the plan's assumptions. At that size the criterion "
                            f"(Holm over {s['holm_family']} subscales; a one-sided Student t test at {s['one_sided_alpha']:.4f}, a lower bound) "
                            f"has power {s['power_at_sesoi']:.2f} to detect g = {s['sesoi']:.2f}; {target}. Power by the simulation of the "
                            "whole criterion (factor analysis, Holm) under the assumed effects, from the simulated run:"))
        blocks.append(("table", ["n", "Claim", "Power", "Mean observed d"],
                       [[int(r["n"]), r["quantity"], f"{r['rate']:.2f}", "" if pd.isna(r["mean_observed_d"]) else f"{r['mean_observed_d']:.2f}"]
                        for r in s["simulated_power"]]))
    blocks += [
        ("h2", "3. Instruments"),
        ("table", ["Instrument", "File", "SHA-256"], [[role, v["path"], v["sha256"]] for role, v in sorted(record["instruments"].items())]),
        ("h2", "4. Exclusions, missing data and robustness"),
        *[("p", text) for text in rules_in_words(config, record)],
        ("h2", "5. Analysis plan: every setting"),
        ("p", "Every analytic choice, exclusion and missing-data rule, the robustness plan and the seed, as the run will use them "
              "(config.yaml with the team's --configfile; data paths are filled in when the data exist). A later run lists every "
              "difference from these (results/replication/deviations.csv)."),
        ("table", ["Setting", "Value"], _setting_rows(config)),
        ("h2", "6. Proof that the analysis runs"),
        ("p", f"The whole pipeline ran on data simulated under this plan ({SYNTHETIC}; results/preregistration/simulated_run/). "
              "Its verdicts are not results: they show each claim can be judged on data of the planned shape."),
        ("table", ["Claim", "Verdict on simulated data"], card[["claim_id", "verdict"]].values.tolist()),
        ("h2", "7. Replication Recipe (Brandt et al., 2014)"),
        ("table", ["Item", "Section", "Question", "Answer"], [[str(n), s, q, a] for n, s, q, a in recipe_answers(recipe_plan(config, record))]),
        ("h2", "8. Digests"),
        ("table", ["What", "Value"], [["camhs-rom version", record["code"]["package_version"]], ["code (SHA-256)", record["code"]["code_digest"]],
                                      ["settings of section 5 (SHA-256)", record["config_digest"]],
                                      *[[f"{role} (SHA-256)", v["sha256"]] for role, v in sorted(record["instruments"].items())]]),
    ]
    return blocks


def rules_in_words(config: dict, record: dict) -> list[str]:
    """The exclusion, missing-data and robustness rules of the plan, in sentences (from the spec and the config)."""
    out = []
    spec = record["instruments"].get("questionnaire")
    if spec:
        q = load_questionnaire(spec["path"])
        out.append(f"Study 2: a respondent's subscale score is computed when at most {q.max_missing_share:.0%} of its items are "
                   f"unanswered ({q.missing_method.replace('_', ' ')}); otherwise the score is missing. Respondents in neither compared "
                   f"group ({q.group_column!r}) are left out of the group comparisons. The confirmatory and invariance models read "
                   f"{'every answer given (full-information ML)' if config['study2']['missing']['method'] == 'fiml' else 'the factor analysis respondents, skipped answers filled by the spec rule'}.")
        grid = config["robustness"]["multiverse"]
        choices = "; ".join(f"{k.replace('_', ' ')}: {', '.join(map(str, v))}" for k, v in grid.items() if isinstance(v, list))
        power = config["robustness"]["power"]
        out.append(f"Robustness: the multiverse crosses {choices}. The power simulation runs {power['replicates']} replicates at each of "
                   f"n = {', '.join(map(str, power['sample_sizes']))} and at latent shifts {', '.join(map(str, power['shifts']))} "
                   f"(n = {power['reference_n']}); target power {power['target_power']:.0%}. Every random step derives its seed from "
                   f"seed = {config['seed']}.")
    if isinstance(config.get("study1"), dict):
        tally = config["study1"]["tally"]
        out.append(f"Study 1: the theme tallies count the {tally['rule']} coding"
                   f"{' of ' + str(tally['primary_coder']) if tally['rule'] == 'primary' and tally['primary_coder'] else ''}; agreement "
                   f"between coders is reported with {config['study1']['agreement']['resamples']} bootstrap resamples.")
    return out


def recipe_plan(config: dict, record: dict) -> dict:
    """The words the Replication Recipe's answers are made of, from the config and the sample-size record."""
    rep, sizes = config["replication"], record["sample_size"]
    parts = []
    if "study1" in sizes:
        parts.append(f"Study 1: {sum(sizes['study1']['participants_per_group'])} focus-group participants")
    if "study2" in sizes:
        s = sizes["study2"]
        parts.append(f"Study 2: {s['planned_respondents']} respondents")
        rationale = (f"power {s['power_at_sesoi']:.2f} of the criterion to detect the SESOI g = {s['sesoi']:.2f} at the planned size; "
                     f"{s['respondents_for_target'] or 'no'} respondents for {s['target_power']:.0%} (section 2)")
    else:
        rationale = "Study 1 only: the number of focus groups and participants the team can run (section 2)"
    spec = record["instruments"].get("questionnaire")
    return {
        "claims": "; ".join(f"{k}: {v}" for k, v in (("S1", "themes voiced in focus groups"), ("S2", "two belief subscales; users higher on both"))),
        "original_n": f"{rep['participants']} focus-group participants (Study 1); {rep['respondents']} respondents from {rep['teams']} teams (Study 2).",
        "target_n": "; ".join(parts) + ".",
        "rationale": rationale,
        "measures": f"The questionnaire spec {spec['path']} (SHA-256 {spec['sha256'][:16]}...)." if spec else "Study 1 only: no questionnaire.",
        "exclusions": "Section 4: the questionnaire spec's missing-data rule and the config's study2.missing; respondents in neither compared group are left out of the group comparisons.",
        "analysis": "Section 5 lists every setting; the analysis code is fixed by its digest (section 8).",
        "success": "Each claim's criterion in section 1, fixed before data; the evidence beside the group-difference verdicts as section 1 says.",
        "deviations_rule": f"every deviation from this plan in {DEVIATIONS}.",
    }
