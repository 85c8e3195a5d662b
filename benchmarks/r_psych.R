# The heavy statistics of benchmarks/heavy_steps.py in R's psych, on the same data, for a
# side-by-side timing on the same machine. Called by heavy_steps.py when Rscript exists:
#   Rscript benchmarks/r_psych.R benchmarks/out
# Prints "name seconds" lines.
suppressMessages(library(psych))
suppressMessages(library(lavaan))
dir <- commandArgs(TRUE)[1]
subscales <- list(read.csv(file.path(dir, "positive.csv")), read.csv(file.path(dir, "negative.csv")))
twenty <- read.csv(file.path(dir, "twenty.csv"))
items <- read.csv(file.path(dir, "items.csv"))
set.seed(1)
# psych::alpha bootstraps alpha itself (n.iter resamples)
t_alpha <- system.time(for (x in subscales) invisible(psych::alpha(x, n.iter = 10000, check.keys = FALSE, warnings = FALSE)))[["elapsed"]]
# psych has no omega bootstrap: time 100 resampled psych::omega fits per subscale, scale to 10,000
B <- 100
t_omega <- system.time(for (x in subscales) for (b in seq_len(B)) {
  invisible(suppressWarnings(suppressMessages(psych::omega(x[sample(nrow(x), replace = TRUE), ], nfactors = 1, plot = FALSE))))
})[["elapsed"]] * 10000 / B
# fa.parallel also resamples the data on every iteration (it cannot be switched off)
t_pa <- system.time(invisible(capture.output(suppressWarnings(suppressMessages(psych::fa.parallel(twenty, n.iter = 1000, fa = "pc", plot = FALSE))))))[["elapsed"]]
# the EFA: 100 fits of 2 factors with oblimin (GPArotation), as benchmarks/heavy_steps.py times ours
t_minres <- system.time(for (i in 1:100) invisible(suppressWarnings(psych::fa(items, nfactors = 2, fm = "minres", rotate = "oblimin"))))[["elapsed"]]
t_ml <- system.time(for (i in 1:100) invisible(suppressWarnings(psych::fa(items, nfactors = 2, fm = "ml", rotate = "oblimin"))))[["elapsed"]]
# the measurement stage on the same answers (integer codes 1..5): psych for the polychoric steps, lavaan for the CFA
model <- paste(readLines(file.path(dir, "model.lav")), collapse = "\n")
group <- read.csv(file.path(dir, "group.csv"))$group
t_poly <- system.time(for (i in 1:10) invisible(suppressWarnings(suppressMessages(psych::polychoric(items)))))[["elapsed"]]
# fa.parallel(cor = "poly") resamples the answers (sim = FALSE); 20 data sets, scaled to 1,000
t_pa_poly <- system.time(invisible(capture.output(suppressWarnings(suppressMessages(
  psych::fa.parallel(items, n.iter = 20, fa = "pc", cor = "poly", sim = FALSE, plot = FALSE))))))[["elapsed"]] * 1000 / 20
t_wlsmv <- system.time(for (i in 1:10) invisible(cfa(model, data = items, ordered = names(items), estimator = "WLSMV")))[["elapsed"]]
t_cfa_ml <- system.time(for (i in 1:10) invisible(cfa(model, data = items)))[["elapsed"]]
with_group <- cbind(items, group = group)[group %in% c("user", "non_user"), ]
t_inv <- system.time(for (i in 1:10) for (eq in list("", "loadings", c("loadings", "intercepts")))
  invisible(suppressWarnings(cfa(model, data = with_group, group = "group", group.equal = eq, meanstructure = TRUE))))[["elapsed"]]
# no ordinal-alpha bootstrap in psych: 20 resamples per subscale (polychoric, then alpha of it), scaled to 2,000
t_ord <- system.time(for (x in subscales) for (b in 1:20) {
  rho <- suppressWarnings(suppressMessages(psych::polychoric(x[sample(nrow(x), replace = TRUE), ])))$rho
  invisible(suppressWarnings(psych::alpha(rho, warnings = FALSE)))
})[["elapsed"]] * 2000 / 20
cat(sprintf("alpha_bootstrap %.3f\nomega_bootstrap_extrapolated %.3f\nparallel_analysis %.3f\nfa_minres %.3f\nfa_ml %.3f\n", t_alpha, t_omega, t_pa, t_minres, t_ml))
cat(sprintf("polychoric %.3f\npa_poly %.3f\nwlsmv %.3f\ncfa_ml %.3f\ninvariance %.3f\nordinal_alpha %.3f\n", t_poly, t_pa_poly, t_wlsmv, t_cfa_ml, t_inv, t_ord))
