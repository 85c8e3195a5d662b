"""Checks of a finished run's report and crate with the tools a journal or repository would use.

- :func:`crate_issues`: roc-validator's Workflow Run Crate 0.5 profile, offline: the RO-Crate 1.1
  JSON-LD context is served from ``tests/fixtures/ro-crate/context-1.1.jsonld`` (a byte-for-byte
  copy from ResearchObject/ro-crate, see its README) instead of being fetched;
- :func:`axe_violations`: axe-core (bundled with axe-playwright-python) in the system's
  Chromium through Playwright;
- :func:`printed_pages`: the report printed to A4 by headless Chromium, one text per page (pdftotext).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
CONTEXTS = {"https://w3id.org/ro/crate/1.1/context": FIXTURES / "ro-crate" / "context-1.1.jsonld"}


def chromium() -> str | None:
    return next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


def crate_issues(crate_dir: Path, monkeypatch, severity: str = "REQUIRED") -> list[tuple[str, str, str]]:
    """(severity, check, message) of every issue roc-validator finds at ``severity`` or above, without the network."""
    import requests
    from requests.adapters import HTTPAdapter
    from rocrate_validator import services

    def send(self, request, **kwargs):  # the known contexts from the fixtures; anything else is unreachable
        if request.url in CONTEXTS:
            response = requests.Response()
            response.status_code, response._content, response.url, response.request = 200, CONTEXTS[request.url].read_bytes(), request.url, request
            response.headers["Content-Type"] = "application/ld+json"
            return response
        raise requests.ConnectionError(f"offline test: {request.url}")

    monkeypatch.setattr(HTTPAdapter, "send", send)
    settings = services.ValidationSettings(rocrate_uri=str(crate_dir), profile_identifier="workflow-run-crate-0.5",
                                           requirement_severity=severity, no_cache=True)
    result = services.validate(settings)
    return [(i.severity.name, i.check.identifier, str(i.message)) for i in result.get_issues()]


def axe_violations(page: Path) -> list[tuple[str, int]]:
    """(rule id, nodes) of each axe-core violation on ``page`` opened in Chromium."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            tab = browser.new_page()
            tab.goto(page.resolve().as_uri())
            found = Axe().run(tab).response["violations"]
        finally:
            browser.close()
    return [(v["id"], len(v["nodes"])) for v in found]


def printed_pages(page: Path, pdf: Path) -> list[str]:
    """The text of each A4 page of ``page`` printed by headless Chromium."""
    subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                    page.resolve().as_uri()], check=True, capture_output=True, timeout=300)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
