"""``camhs-rom-site-summary``: pack a site's ``results/site_summary/`` into one zip for the consortium.

Only a summary that passed its disclosure check is packed (its ``site.json`` says so and
every table matches the SHA-256 recorded there); the zip holds exactly the summary's files
under one folder, with fixed timestamps, so the same summary always gives the same bytes.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

import pandas as pd

from camhs_rom.consortium.disclosure import failures_in_words
from camhs_rom.consortium.sites import KNOWN_FILES, read_site
from camhs_rom.core.contract import SITE_SUMMARY
from camhs_rom.core.errors import InputError
from camhs_rom.core.tables import atomic_path

ZIP_TIME = (2015, 11, 4, 0, 0, 0)  # the paper's publication date: a fixed timestamp for every member


def pack(summary_dir: str | Path, out: str | Path, site: str) -> Path:
    """Check ``summary_dir`` as the pooling run will (at its own minimum count) and zip it to ``out``."""
    summary_dir, out = Path(summary_dir), Path(out)
    disclosure = summary_dir / "disclosure.csv"
    if not (summary_dir / "site.json").is_file():
        reason = failures_in_words(pd.read_csv(disclosure)) if disclosure.is_file() else "no site summary was written"
        raise InputError(summary_dir, "site.json", f"no summary: {reason}", "a site summary that passed its disclosure check (run the pipeline first)")
    summary = read_site(site, summary_dir, 1)  # integrity and shape first, then the minimum count the site's run used
    read_site(site, summary_dir, int(summary.record["min_count"]))
    names = [n for n in KNOWN_FILES if (summary_dir / n).is_file()]
    with atomic_path(out) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in names:
                info = zipfile.ZipInfo(f"{site}/{name}", date_time=ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, (summary_dir / name).read_bytes())
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="camhs-rom-site-summary", description="Pack this site's results/site_summary/ into one zip for the consortium's pooling run.")
    parser.add_argument("--out", default="site_summary.zip", help="the zip to write (default: site_summary.zip)")
    parser.add_argument("--site", default="site", help="the site's name, the zip's top folder (default: site)")
    parser.add_argument("--summary", default=SITE_SUMMARY, help=f"the summary folder (default: {SITE_SUMMARY})")
    args = parser.parse_args(argv)
    try:
        path = pack(args.summary, args.out, args.site)
    except InputError as err:
        sys.exit(f"camhs-rom-site-summary: nothing was written: {err}")
    print(f"wrote {path} ({path.stat().st_size:,} bytes): send it to the consortium; it holds no individual's answers")


if __name__ == "__main__":
    main()
