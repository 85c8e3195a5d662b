"""Render ``results/report.html`` as a reader sees it: printed on A4, and on screens 1400 and 400 px wide.

Writes, into the output folder, ``a4.pdf`` (the report printed, as a browser prints it),
``screen-1400.pdf`` and ``screen-400.pdf`` (the screen layout at that width, cut into
pages), and one PNG per page of each (``a4-01.png``, ...), then prints the page counts
and any page wider than its width (a table or image that does not fit). Look at the PNGs
before calling a change to the report done.

    python tools/render_report.py                       # results/report.html -> results/rendered/
    python tools/render_report.py path/to/report.html out/

Needs headless Chromium (``chromium``) and poppler (``pdftoppm``, ``pdfinfo``):
``apt-get install chromium poppler-utils``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SCREENS = {"screen-1400": (1400, 1800), "screen-400": (400, 1000)}


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return name
    sys.exit("render_report: no headless Chromium found (apt-get install chromium)")


def print_pdf(html: Path, pdf: Path) -> None:
    subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
         f"--print-to-pdf={pdf}", html.as_uri()],
        check=True, capture_output=True, timeout=300,
    )


def screen_copy(page: str, width: int, height: int) -> str:
    """The page with its print rules removed and a page box of the screen's size (so it lays out as on that screen)."""
    page = re.sub(r"@page \{ @top-left \{[^}]*\} \}", "", page)  # the running header (a page-margin box)
    page = re.sub(r"@page \{[^}]*\}", "", page)
    page = re.sub(r"@media print \{(?:[^{}]*\{[^}]*\})*[^{}]*\}", "", page)
    return page.replace("</style>", f"@page {{ size: {width}px {height}px; margin: 0; }}</style>", 1)


PROBE = (
    "<script>window.addEventListener('load', () => { document.body.setAttribute('data-layout-width', "
    "document.body.scrollWidth); });</script>"
)


def layout_width(page: str, width: int, tmp: Path) -> int:
    """The page body's laid-out width (``scrollWidth``) when its content is ``width`` px wide.

    Headless Chromium's window is at least 500 px wide, so narrower screens are measured by
    applying the page's narrow-screen rules unconditionally and fixing the page at ``width``.
    """
    narrow = re.search(r"@media \(max-width: (\d+)px\) \{((?:[^{}]*\{[^}]*\})*[^{}]*)\}", page)
    force = f"html {{ width: {width}px; }}" + (narrow[2] if narrow and width <= int(narrow[1]) else "")
    probe = tmp / f"probe-{width}.html"
    probe.write_text(page.replace("</style>", force + "</style>", 1).replace("</body>", PROBE + "</body>", 1), encoding="utf-8")
    dom = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", f"--window-size={max(width, 500)},900", "--dump-dom", probe.as_uri()],
        check=True, capture_output=True, text=True, timeout=300,
    ).stdout
    found = re.search(r'data-layout-width="(\d+)"', dom)
    return int(found[1]) if found else -1


def pages(pdf: Path, stem: str, out: Path, resolution: int) -> int:
    subprocess.run(["pdftoppm", "-png", "-r", str(resolution), str(pdf), str(out / stem)], check=True)
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info)[1])


def main(report: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    page = report.read_text(encoding="utf-8")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        print_pdf(report.resolve(), out / "a4.pdf")
        rows.append(("A4, printed", pages(out / "a4.pdf", "a4", out, 60)))
        for name, (width, height) in SCREENS.items():
            copy = Path(tmp) / f"{name}.html"
            copy.write_text(screen_copy(page, width, height), encoding="utf-8")
            print_pdf(copy, out / f"{name}.pdf")
            rows.append((f"screen {width} px", pages(out / f"{name}.pdf", name, out, 48), layout_width(page, width, Path(tmp))))
    print(f"{'layout':<16} {'pages':>5}  laid-out width")
    for name, count, *wide in rows:
        print(f"{name:<16} {count:>5}  {f'{wide[0]} px' if wide else ''}")
    print(f"PNG pages in {out}/")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(Path(args[0]) if args else Path("results/report.html"), Path(args[1]) if len(args) > 1 else Path("results/rendered"))
