"""Write anes96.csv: the 1996 American National Election Study extract that ships with statsmodels.

944 respondents; three placements on the same 1-7 scale (extremely liberal to extremely
conservative): the respondent's own (selfLR) and where they place Clinton (ClinLR) and
Dole (DoleLR); the vote (0 = Clinton, 1 = Dole); education, income and age. Written as a
team would export it, with an id column and answers as codes:

    python examples/public-data/anes96/make_anes96.py

Source and licence: statsmodels.datasets.anes96 (public domain, ANES 1996; statsmodels, BSD).
"""

from pathlib import Path

import statsmodels.api as sm

HERE = Path(__file__).resolve().parent

data = sm.datasets.anes96.load_pandas().data
out = data[["vote", "educ", "income", "age", "selfLR", "ClinLR", "DoleLR"]].astype(int)
out.insert(0, "respondent", [f"A{k:03d}" for k in range(1, len(out) + 1)])
out.to_csv(HERE / "anes96.csv", index=False, lineterminator="\n")
