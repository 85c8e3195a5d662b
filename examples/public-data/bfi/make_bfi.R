# Writes bfi.csv: the 25 personality items of psych::bfi (2,800 respondents of the SAPA
# project; Revelle, Wilt & Rosenthal, 2010), as a team would export them: an id column,
# the answers as codes 1-6 (blank = missing), whether the respondent has a degree (yes:
# college graduate or graduate degree; no: less; blank where education is missing, 223
# respondents), gender and education as text (blank = missing), age.
#   Rscript make_bfi.R      (Debian: apt-get install r-cran-psych)
# Source and licence: R package psych 2.2.9 (GPL-2 | GPL-3), data set bfi.
library(psych)
data(bfi)
levels <- c("HS", "finished HS", "some college", "college graduate", "graduate degree")
out <- data.frame(
  id = paste0("S", rownames(bfi)),
  degree = ifelse(is.na(bfi$education), "", ifelse(bfi$education >= 4, "yes", "no")),
  gender = ifelse(bfi$gender == 2, "female", "male"),
  education = ifelse(is.na(bfi$education), "", levels[bfi$education]),
  age = bfi$age,
  bfi[, 1:25]
)
write.csv(out, "bfi.csv", row.names = FALSE, na = "", quote = FALSE)
