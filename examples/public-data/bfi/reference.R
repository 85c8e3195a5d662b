# Reference values for tests/test_realdata.py, computed with R (psych, stats) on bfi.csv
# under the questionnaire spec's rules: reverse-keyed items scored 7 - x; per respondent
# and subscale at most 20% (1 of 5) of the items missing, each replaced by the mean of the
# respondent's answered items of that subscale (person_mean); otherwise unscored. Groups:
# respondents with a degree against those without (respondents with no answer on
# education are in neither group).
#   Rscript reference.R     (Debian: apt-get install r-cran-psych)
library(psych)
d <- read.csv("bfi.csv", na.strings = "")
subscales <- list(
  agreeableness = c("A1", "A2", "A3", "A4", "A5"), conscientiousness = c("C1", "C2", "C3", "C4", "C5"),
  extraversion = c("E1", "E2", "E3", "E4", "E5"), neuroticism = c("N1", "N2", "N3", "N4", "N5"),
  openness = c("O1", "O2", "O3", "O4", "O5")
)
reverse <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
keyed <- d
keyed[reverse] <- 7 - keyed[reverse]
fmt <- function(x) formatC(x, digits = 15, format = "g")
lines <- c()
for (s in names(subscales)) {
  x <- keyed[subscales[[s]]]
  miss <- rowSums(is.na(x))
  ok <- miss <= 1
  filled <- x
  for (i in which(ok & miss > 0)) filled[i, is.na(filled[i, ])] <- mean(unlist(x[i, ]), na.rm = TRUE)
  complete <- filled[ok, ]
  a <- alpha(complete, check.keys = FALSE, warnings = FALSE)$total$raw_alpha
  score <- rowMeans(complete)
  g <- d$degree[ok]
  first <- score[!is.na(g) & g == "yes"]
  second <- score[!is.na(g) & g == "no"]
  tt <- t.test(first, second, var.equal = FALSE)
  lines <- c(lines, sprintf('  "%s": {"n": %d, "alpha": %s, "mean_first": %s, "mean_second": %s, "welch_t": %s, "welch_df": %s, "welch_p": %s}',
    s, nrow(complete), fmt(a), fmt(mean(first)), fmt(mean(second)), fmt(unname(tt$statistic)), fmt(unname(tt$parameter)), fmt(tt$p.value)))
}
writeLines(c("{", paste(lines, collapse = ",\n"), "}"), "reference.json")
