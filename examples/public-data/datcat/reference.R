# Reference values for tests/test_realdata.py from R (psych, stats) on datcat.csv: alpha of
# each subscale (u1-u4, u5-u8; the two-factor model of the semTools documentation) and
# Welch's t test of women against men on each subscale mean. No answer is missing.
#   Rscript reference.R     (Debian: apt-get install r-cran-psych)
library(psych)
d <- read.csv("datcat.csv")
subscales <- list(f1 = paste0("u", 1:4), f2 = paste0("u", 5:8))
fmt <- function(x) formatC(x, digits = 15, format = "g")
lines <- c()
for (s in names(subscales)) {
  x <- d[subscales[[s]]]
  a <- alpha(x, check.keys = FALSE, warnings = FALSE)$total$raw_alpha
  score <- rowMeans(x)
  tt <- t.test(score[d$sex == "female"], score[d$sex == "male"], var.equal = FALSE)
  lines <- c(lines, sprintf('  "%s": {"n": %d, "alpha": %s, "mean_first": %s, "mean_second": %s, "welch_t": %s, "welch_df": %s, "welch_p": %s}',
    s, nrow(x), fmt(a), fmt(mean(score[d$sex == "female"])), fmt(mean(score[d$sex == "male"])), fmt(unname(tt$statistic)), fmt(unname(tt$parameter)), fmt(tt$p.value)))
}
writeLines(c("{", paste(lines, collapse = ",\n"), "}"), "reference.json")
