# Writes datcat.csv: semTools::datCat (200 respondents, 8 ordinal items on a 1-5 scale, a
# two-level text grouping variable; a data set the semTools authors simulated to
# demonstrate categorical measurement invariance, shipped with the package), as a team
# would export it: an id column, the answers as codes, the group as text.
#   Rscript make_datcat.R   (Debian: apt-get install r-cran-semtools)
# Source and licence: R package semTools 0.5-6 (GPL-2 | GPL-3), data set datCat.
library(semTools)
data(datCat)
out <- data.frame(respondent = sprintf("D%03d", seq_len(nrow(datCat))), sex = as.character(datCat$g))
for (v in paste0("u", 1:8)) out[[v]] <- as.integer(as.character(datCat[[v]]))
write.csv(out, "datcat.csv", row.names = FALSE, quote = FALSE)
