"""A person's view: index.html in headless Chromium, index.pdf as PNG pages. Catches a blank or
broken rendering. Needs Debian's chromium and poppler-utils (skipped, saying so, without them)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from privacymesh.packs import PackResult
from privacymesh.packs.pdf import find_chromium

CHROMIUM = find_chromium() or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _ink(png: Path) -> float:
    """Share of pixels that are not (near) white."""
    from PIL import Image

    histogram = Image.open(png).convert("L").histogram()
    return sum(histogram[:200]) / sum(histogram)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs a Chromium")
def test_html_renders_offline_in_chromium(built_pack: PackResult, tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    pytest.importorskip("PIL")
    requests: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.goto((built_pack.root / "index.html").as_uri())
            headings = page.locator("h2").all_inner_texts()
            svgs = page.locator("svg.chart").count()
            rows = page.locator("#matrix tbody tr").count()
            shot = tmp_path / "top.png"
            page.screenshot(path=str(shot))
            page.locator("#integrity").scroll_into_view_if_needed()
            integrity = page.locator("#integrity").inner_text()
        finally:
            browser.close()
    for heading in ("Summary", "Scope and methodology", "Control matrix", "PII exposure",
                    "Findings", "Integrity appendix"):  # fmt: skip
        assert heading in headings
    assert svgs >= 3 and rows > 20
    assert built_pack.pack_id in integrity
    assert all(u.startswith("file://") for u in requests), requests  # nothing fetched
    assert _ink(shot) > 0.02


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs poppler-utils")
def test_pdf_pages_are_not_blank(built_pack: PackResult, tmp_path: Path) -> None:
    pytest.importorskip("PIL")
    pdf = built_pack.root / "index.pdf"
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "3", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == 3
    # a page holding only a short table (a one-domain pack's posture) inks about 1%; a blank
    # page, or one with only the running header and footer, far less
    assert all(_ink(p) > 0.005 for p in pages)
    text = subprocess.run(
        ["pdftotext", "-l", "3", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Contents" in text and "Summary" in text and "period 2026-Q3" in text
