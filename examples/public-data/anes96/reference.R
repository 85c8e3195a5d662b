# Reference values for tests/test_realdata.py from R (psych, stats) on anes96.csv: alpha of
# the one subscale (selfLR, ClinLR, DoleLR) and Welch's t test of Dole voters against
# Clinton voters on its mean. No answer is missing.
#   Rscript reference.R     (Debian: apt-get install r-cran-psych)
library(psych)
d <- read.csv("anes96.csv")
x <- d[c("selfLR", "ClinLR", "DoleLR")]
a <- alpha(x, check.keys = FALSE, warnings = FALSE)$total$raw_alpha
score <- rowMeans(x)
tt <- t.test(score[d$vote == 1], score[d$vote == 0], var.equal = FALSE)
fmt <- function(x) formatC(x, digits = 15, format = "g")
writeLines(c("{", sprintf('  "placement": {"n": %d, "alpha": %s, "mean_first": %s, "mean_second": %s, "welch_t": %s, "welch_df": %s, "welch_p": %s}',
  nrow(x), fmt(a), fmt(mean(score[d$vote == 1])), fmt(mean(score[d$vote == 0])), fmt(unname(tt$statistic)), fmt(unname(tt$parameter)), fmt(tt$p.value)), "}"), "reference.json")
