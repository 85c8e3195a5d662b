"""Result columns in words and numbers rounded by kind, for the report's APA 7 tables.

Each column the notebooks show has a heading and a kind (:data:`COLUMNS`). The kind
decides the rounding (APA 7, section 6.36):

- ``p``: three decimals without a leading zero, ``< .001`` below that (``.034``);
- ``bounded``: statistics that cannot exceed 1 in absolute value (correlations,
  proportions, alpha, omega, kappa, loadings, congruence, power): two decimals, no
  leading zero (``.91``); ``bounded3`` keeps three;
- ``stat``: means, SDs, test statistics, unbounded effect sizes: two decimals (``3.45``);
- ``pct``: percentages: one decimal; ``int``: counts and degrees of freedom: whole;
- ``text``: shown as written; ``auto``: whole numbers whole, others to three decimals,
  ``True``/``False`` as yes/no (columns of mixed content).

Negative numbers take the minus sign (U+2212). A ``ci_low``/``ci_high`` pair (or
``x_ci_low``/``x_ci_high``) becomes one interval column ``[a, b]`` in the kind of its
estimate. Unknown columns keep their name with underscores as spaces, rounded to the
table's ``digits``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from camhs_rom.robustness.plan import OPTION_WORDS
from camhs_rom.study2.apa import MINUS, number

COLUMNS: dict[str, tuple[str, str]] = {
    # Study 1
    "theme": ("Theme", "text"), "label": ("Theme", "text"), "valence": ("Valence", "text"),
    "n_participants": ("Participants", "int"), "pct_participants": ("Participants (%)", "pct"),
    "n_groups": ("Focus groups", "int"), "n_segments": ("Coded segments", "int"), "n_themes": ("Themes", "int"),
    "measure": ("Measure", "text"), "n_units": ("Passages", "int"), "n_coders": ("Coders", "int"),
    "passage_id": ("Passage", "text"), "participant_id": ("Participant", "text"), "group_id": ("Group", "text"),
    "coders_applied": ("Applied by", "text"), "coders_not_applied": ("Not applied by", "text"), "excerpt": ("Excerpt", "text"),
    # Study 2
    "variable": ("Variable", "text"), "level": ("Level", "text"), "role": ("Role", "text"),
    "n": ("n", "int"), "pct": ("%", "pct"), "mean": ("M", "stat"), "sd": ("SD", "stat"), "median": ("Mdn", "stat"),
    "min": ("Min", "stat"), "max": ("Max", "stat"), "n_answered": ("Answered", "int"),
    "item": ("Item", "text"), "subscale": ("Subscale", "text"), "reverse": ("Reverse-keyed", "text"),
    "missing_pct": ("Missing (%)", "pct"), "skew": ("Skew", "stat"), "floor_pct": ("Floor (%)", "pct"),
    "ceiling_pct": ("Ceiling (%)", "pct"), "item_rest_r": ("Item-rest r", "bounded"),
    "rule": ("Rule", "text"), "n_factors": ("Factors", "int"), "iterations": ("Random data sets", "int"),
    "percentile": ("Percentile", "int"), "detail": ("Detail", "text"),
    "factor": ("Factor", "text"), "loading": ("Loading", "bounded"), "congruence": ("Congruence", "bounded"),
    "matched": ("Matched", "text"), "n_items": ("Items", "int"), "alpha": ("\u03b1", "bounded"), "omega_total": ("\u03c9 total", "bounded"),
    "model": ("Model", "text"), "outcome": ("Outcome", "text"), "term": ("Term", "text"), "estimate": ("Estimate", "stat"),
    "se": ("SE", "stat"), "statistic": ("Statistic", "stat"), "p": ("p", "p"), "note": ("Note", "text"),
    # measurement (CFA, invariance, reliability coefficients)
    "estimator": ("Estimator", "text"), "correlations": ("Analysed", "text"), "chisq": ("\u03c7\u00b2", "stat"), "df": ("df", "int"),
    "pvalue": ("p", "p"), "chisq_scaled": ("\u03c7\u00b2 scaled", "stat"), "pvalue_scaled": ("p (scaled)", "p"), "cfi": ("CFI", "bounded3"),
    "tli": ("TLI", "bounded3"), "rmsea": ("RMSEA", "bounded3"), "srmr": ("SRMR", "bounded3"), "cfi_scaled": ("CFI (scaled)", "bounded3"),
    "tli_scaled": ("TLI (scaled)", "bounded3"), "rmsea_scaled": ("RMSEA (scaled)", "bounded3"),
    "cfi_robust": ("CFI (robust)", "bounded3"), "tli_robust": ("TLI (robust)", "bounded3"), "rmsea_robust": ("RMSEA (robust)", "bounded3"), "std_estimate": ("Standardised loading", "bounded"),
    "constraints": ("Equal across groups", "text"), "delta_chisq": ("\u0394\u03c7\u00b2", "stat"), "delta_df": ("\u0394df", "int"),
    "delta_p": ("p (\u0394\u03c7\u00b2)", "p"), "delta_cfi": ("\u0394CFI", "bounded3"), "delta_rmsea": ("\u0394RMSEA", "bounded3"),
    "holds": ("Holds", "text"), "n_1": ("n (group 1)", "int"), "n_2": ("n (group 2)", "int"), "coefficient": ("Coefficient", "text"), "ci_method": ("Interval", "text"), "converged": ("Converged", "text"),
    "rho": ("\u03c1", "bounded"),
    # robustness
    "claim": ("Claim", "text"), "description": ("Description", "text"), "specifications": ("Specifications", "int"),
    "testable": ("Testable", "int"), "supported": ("Supported", "int"), "share_supported": ("Share supported", "bounded"),
    "main_analysis": ("Main analysis", "text"), "decision": ("Decision", "text"), "option": ("Option", "text"),
    "shift": ("Latent shift", "stat"), "quantity": ("Quantity", "text"), "replicates": ("Replicates", "int"),
    "rate": ("Rate", "bounded"), "mc_se": ("Monte Carlo SE", "bounded3"), "mean_observed_d": ("Mean observed d", "stat"),
    "method": ("Method", "text"), "power": ("Power", "bounded"), "latent_shift": ("Latent shift", "stat"), "observed_d": ("Observed d", "stat"),
    # scorecard
    "claim_id": ("Claim", "text"), "in_this_study": ("In this study", "text"), "original": ("2015", "text"),
    "replicated": ("This run", "text"), "verdict": ("Verdict", "text"), "criterion": ("Criterion", "text"), "evidence": ("Evidence", "text"),
    "claims": ("Claims", "int"), "deviation": ("Deviation from the preregistration", "text"),
    "effect": ("Hedges' g", "stat"), "bonett_d": ("Bonett's d", "stat"), "bayes_factor_10": ("BF₁₀ (one-sided)", "stat"),
    "equivalence_p": ("p (equivalence)", "p"), "sesoi": ("SESOI", "stat"), "multiverse_share": ("Multiverse support", "bounded"),
    "power_at_sesoi": ("Power at SESOI", "bounded"),
    # joint display
    "theme_label": ("Theme", "text"), "participants": ("Participants", "int"), "theme_items": ("Items", "int"),
    "endorse_pct": ("Respondents agreeing (%)", "pct"), "theme_endorse_pct": ("Respondents agreeing (%)", "pct"),
    "loads_on_subscale": ("Loads on its subscale", "text"), "convergence": ("Convergence", "text"),
}

# ids the pipeline writes into text cells, in words (a team's own ids pass through, or are
# named by the run's questionnaire and codebook: camhs_rom.report.presentation.names)
VALUES: dict[str, str] = {
    "cohen_kappa": "Cohen's \u03ba", "krippendorff_alpha": "Krippendorff's \u03b1", "percent_agreement": "% agreement",
    "ols_hc3": "OLS (HC3 SEs)", "mixed_team": "Mixed model (random cluster intercept)", "ordinal_frequency": "Ordinal model of frequency of use",
    "parallel_analysis": "Parallel analysis", "map": "Velicer's MAP", "kaiser": "Kaiser (eigenvalue > 1)",
    "two_factors": "Two factors recovered", "users_higher_positive": "Users higher: positive impact", "users_higher_negative": "Users higher: negative impact",
    "welch_t": "Welch's t", "student_t": "Student's t", "mann_whitney": "Mann-Whitney U", "permutation": "Permutation test",
    "bonett_d": "Bonett's d", "hedges_g": "Hedges' g", "rank_biserial": "Rank-biserial r", "mean_difference": "Mean difference",
    "minres": "MINRES", "ml": "Maximum likelihood", "principal": "Principal axes", "oblimin": "Oblimin", "promax": "Promax", "varimax": "Varimax",
    "person_mean": "Person mean", "listwise": "Listwise", "pearson": "Pearson", "polychoric": "Polychoric", "sample_size": "Sample size", "effect": "Effect", "simulation": "Simulation", "analytic": "Analytic", "reproduced": "reproduced", "not_reproduced": "not reproduced",
    "not_testable": "not testable", "supported": "supported", "not_supported": "not supported", "benefit": "Benefit", "concern": "Concern",
    "group": "Group", "covariate": "Covariate", "cluster": "Cluster",
    "wlsmv": "WLSMV (DWLS on polychoric correlations)", "configural": "Configural", "metric": "Metric", "scalar": "Scalar",
    "thresholds": "Thresholds", "thresholds_loadings": "Thresholds and loadings",
    "alpha": "Cronbach's \u03b1", "ordinal_alpha": "Ordinal \u03b1", "ordinal_omega": "Ordinal \u03c9", "omega_total": "\u03c9 total", "omega_hierarchical": "\u03c9 hierarchical", "(all items)": "All items",
}

# the multiverse's decisions and the options whose ids mean something else elsewhere (``frequency`` is also an outcome)
CHOICE_NAMES: dict[str, str] = {
    **{option: words[0].upper() + words[1:] for option, words in OPTION_WORDS.items()},
    "frequency": "By frequency of use", "group_item": "By the group item", "user_definition": "User definition", "missing": "Missing data",
    "correlation": "Correlations", "extraction": "Extraction", "rotation": "Rotation", "retention": "Retention", "test": "Test",
}

INTERVALS = (
    ("ci_low", "ci_high", ""), ("alpha_ci_low", "alpha_ci_high", "\u03b1 "), ("omega_ci_low", "omega_ci_high", "\u03c9 "),
    ("rmsea_ci_low", "rmsea_ci_high", "RMSEA "), ("rmsea_robust_ci_low", "rmsea_robust_ci_high", "RMSEA (robust) "),
    ("effect_ci_low", "effect_ci_high", "g "), ("bonett_d_ci_low", "bonett_d_ci_high", "d "),
)


def format_value(value, kind: str, digits: int = 2, names: dict | None = None) -> str:
    """One value as the table shows it (see the module docstring for the kinds)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or (isinstance(value, str) and value == ""):
        return ""
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, str) and value in ("True", "False")):
        return "yes" if str(value) == "True" else "no"
    if kind == "text":
        return names.get(str(value), str(value)) if names else str(value)
    if isinstance(value, str) and names and value in names:
        return names[value]
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not np.isfinite(x):
        return "n/a"
    if kind == "p":
        return "< .001" if x < 0.001 else ("> .999" if x > 0.999 else number(x, 3, leading_zero=False))
    if kind in ("bounded", "bounded3"):
        return number(x, 3 if kind == "bounded3" else 2, leading_zero=False)
    if kind == "int" or (kind == "auto" and float(x).is_integer()):
        return number(x, 0) if float(x).is_integer() else number(x, 2)
    if kind == "pct":
        return number(x, 1)
    if kind == "stat":
        return number(x, 2)
    return number(x, 3 if kind == "auto" else digits)


def format_by_row(frame: pd.DataFrame, key: str, kinds: dict[str, str], values: list[str], default: str = "stat") -> pd.DataFrame:
    """``values`` columns formatted by the kind of each row's ``key`` (tables whose rows are different statistics)."""
    out = frame.copy()
    for column in values:
        out[column] = [format_value(v, kinds.get(k, default)) for k, v in zip(frame[key], frame[column], strict=True)]
    return out


def heading(column: str) -> str:
    return COLUMNS[column][0] if column in COLUMNS else column.replace("_", " ").capitalize()


def apa_frame(frame: pd.DataFrame, columns: dict | None = None, kinds: dict | None = None, digits: int = 2, level: float = 0.95,
              names: dict | None = None) -> pd.DataFrame:
    """``frame`` as strings with headings in words: the values rounded by kind, intervals joined,
    ids in text cells named (``names``, over :data:`VALUES`)."""
    columns, kinds = columns or {}, kinds or {}
    names = {**VALUES, **(names or {})}
    kind = {c: kinds.get(c, COLUMNS.get(c, ("", "auto" if frame[c].dtype == object else "number"))[1]) for c in frame.columns}
    out = {}
    skip = set()
    for position, column in enumerate(frame.columns):
        if column in skip:
            continue
        pair = next(((low, high, prefix) for low, high, prefix in INTERVALS if column == low and high in frame.columns), None)
        if pair:
            low, high, prefix = pair
            estimate = frame.columns[position - 1] if position else low
            if low in kinds:
                k = kinds[low]
            else:
                k = kind.get(estimate, "stat")
                k = "stat" if k in ("int", "text", "auto") else k
            lows = [format_value(v, k, digits) for v in frame[low]]
            highs = [format_value(v, k, digits) for v in frame[high]]
            out[columns.get(low, f"{prefix}{level:.0%} CI")] = [f"[{a}, {b}]" if a and b else "" for a, b in zip(lows, highs, strict=True)]
            skip.add(high)
            continue
        out[columns.get(column, heading(column))] = [format_value(v, kind[column], digits, names) for v in frame[column]]
    return pd.DataFrame(out)


__all__ = ["CHOICE_NAMES", "COLUMNS", "MINUS", "VALUES", "apa_frame", "format_by_row", "format_value", "heading"]
