"""Draft a questionnaire spec from a survey export, so that nobody types forty items by hand.

    camhs-rom-draft-spec mine/export.csv > mine/questionnaire.yaml

Reads the column names (row 1) and, where the export has them, the question wording (the
second header row of Qualtrics-style exports; the variable labels of an SPSS ``.sav``).
Every column whose answers look like a rating scale becomes an item, with its export
``column``, its wording as ``text`` and an ``id`` made from the column name; the scale's
range, or its text labels, are taken from the answers seen. What an export cannot say
(each item's subscale and keying, the codes of text labels, which column holds the groups
and the frequency of use) is marked ``FILL IN``: the pipeline rejects the spec, naming the
key, until each is filled in. Nothing here changes the export.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd

from camhs_rom.core.errors import InputError
from camhs_rom.core.tables import read_delimited, read_sav

FILL = "FILL IN"
MAX_SCALE_POINTS = 11
_INTEGER = re.compile(r"^[+-]?\d+(\.0*)?$")


def read_export(path: str | Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """The export's answers as text and each column's wording (empty when the export has none)."""
    path = Path(path)
    if path.suffix.lower() == ".sav":
        import pyreadstat

        frame, _ = read_sav(path)
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
        wording = {c: (meta.column_names_to_labels or {}).get(c) or "" for c in frame.columns}
        text = frame.apply(lambda s: s.map(lambda v: "" if pd.isna(v) else (f"{v:g}" if isinstance(v, float) else str(v))))
        return text, wording
    frame, _ = read_delimited(path)
    wording = {c: "" for c in frame.columns}
    first = frame.iloc[0] if len(frame) else None
    if first is not None and sum(" " in str(v) or "?" in str(v) for v in first) > len(frame.columns) / 2:
        wording = {c: str(first[c]).strip() for c in frame.columns}  # a second header row holding the questions
        frame = frame.iloc[1:].reset_index(drop=True)
    return frame, wording


def scale_of(values: pd.Series) -> tuple[str, list] | None:
    """``("codes", [min, max])`` or ``("labels", [label, ...])`` when a column looks like a rating item, else None."""
    answers = [v.strip() for v in values.astype(str) if v.strip()]
    distinct = sorted(set(answers))
    if not answers or len(distinct) > MAX_SCALE_POINTS:
        return None
    if all(_INTEGER.match(v) for v in distinct):
        codes = sorted({int(float(v)) for v in distinct})
        return ("codes", [codes[0], codes[-1]]) if len(codes) >= 3 and codes[-1] - codes[0] < MAX_SCALE_POINTS else None
    if any(any(ch.isdigit() for ch in v) for v in distinct) or len(distinct) < 3:
        return None
    return ("labels", distinct)


def item_id(column: str) -> str:
    """An item id from an export column name: lower case, non-word characters as underscores."""
    slug = re.sub(r"\W+", "_", column.strip().lower()).strip("_")
    return slug if slug and not slug[0].isdigit() else f"item_{slug}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def id_column_of(frame: pd.DataFrame) -> str:
    """The respondent id column: a column with a unique value in every row, preferably named like an id."""
    unique = [c for c in frame.columns if frame[c].str.strip().ne("").all() and frame[c].is_unique]
    named = [c for c in unique if re.search(r"(^|_|\b)(id|respondent)", c, flags=re.I)]
    return (named or unique or list(frame.columns))[0]


def rating_items(frame: pd.DataFrame, exclude: str) -> tuple[list[str], str, list]:
    """The columns answered on the export's most common rating scale, the scale's kind and its range or labels.

    Covariates that also look like short scales (a team coded 1-4, a profession) are told
    apart by not sharing that scale: the items are the columns with the modal code range,
    or whose text answers are all among the labels most text columns use.
    """
    scales = {c: scale_of(frame[c]) for c in frame.columns if c != exclude}
    codes = {c: tuple(s[1]) for c, s in scales.items() if s and s[0] == "codes"}
    texts = {c: set(s[1]) for c, s in scales.items() if s and s[0] == "labels"}
    if len(codes) >= len(texts) and codes:
        ranges = pd.Series(list(codes.values())).value_counts()
        modal = ranges.index[0]
        return [c for c, r in codes.items() if r == modal], "codes", list(modal)
    if not texts:
        return [], "codes", []
    counts = pd.Series([label for labels in texts.values() for label in labels]).value_counts()
    scale = set(counts[counts >= len(texts) / 2].index)
    items = [c for c, labels in texts.items() if labels <= scale]
    return items, "labels", sorted(scale)


def draft_spec(path: str | Path) -> str:
    """The YAML text of a questionnaire spec drafted from the export at ``path``."""
    frame, wording = read_export(path)
    id_column = id_column_of(frame)
    items, kind, scale = rating_items(frame, id_column)
    if not items:
        raise InputError(path, "columns", "no column whose answers look like a rating scale", "an export with the questionnaire's answers")
    lines = [
        f"# Drafted from {Path(path).name} by camhs-rom-draft-spec: fill in every FILL IN, check the rest.",
        f"name: {_quote(Path(path).stem + ' questionnaire')}",
        f"id_column: {_quote(id_column)}",
        "response_scale:",
        f"  min: {scale[0] if kind == 'codes' else FILL}",
        f"  max: {scale[1] if kind == 'codes' else FILL}",
    ]
    if kind == "labels":
        lines.append("  labels:                     # the code of each answer label seen in the export")
        lines += [f"    {_quote(label)}: {FILL}" for label in scale]
    lines += ["items:"]
    for column in items:
        text = wording.get(column) or column
        lines += [
            f"  - id: {item_id(column)}",
            f"    column: {_quote(column)}",
            f"    text: {_quote(text)}",
            f"    subscale: {FILL}            # the subscale this item is meant to measure",
            "    reverse: false",
        ]
    others = [c for c in frame.columns if c not in items and c != id_column]
    lines += [
        "group:                          # the two groups compared (the first minus the second)",
        f"  column: {FILL}               # one of: {', '.join(others) if others else '(no other column found)'}",
        f"  levels: {{user: [{FILL}], non_user: [{FILL}]}}",
        "# frequency: {column: ..., levels: [lowest, ..., highest]}   # optional: frequency of use",
        "# covariates: [...]                                          # optional: e.g. team, profession",
        "# cluster: team                                              # optional: the covariate respondents are nested in",
    ]
    return "\n".join(lines) + "\n"


def run_draft_command(prog: str, description: str, argument: str, argument_help: str, what: str, draft, argv: list[str] | None = None) -> int:
    """A drafting command: ``draft(path)`` printed, or written to ``--out`` (an existing file is never overwritten)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument(argument, help=argument_help)
    parser.add_argument("--out", help=f"write the {what} here instead of printing it (an existing file is not overwritten)")
    args = parser.parse_args(argv)
    try:
        text = draft(getattr(args, argument))
    except InputError as err:
        print(f"Bad input: {err}", file=sys.stderr)
        return 1
    if args.out:
        out = Path(args.out)
        if out.exists():
            print(f"{out} exists; not overwritten", file=sys.stderr)
            return 1
        out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line: print the drafted spec (or write it with ``--out``)."""
    return run_draft_command("camhs-rom-draft-spec", "Draft a questionnaire spec from a survey export (CSV, TSV or SPSS .sav).",
                             "export", "the survey export, as downloaded", "spec", draft_spec, argv)


if __name__ == "__main__":  # pragma: no cover - the console script calls main()
    raise SystemExit(main())
