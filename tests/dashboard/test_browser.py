"""The dashboard in a real browser: `privacymesh dashboard` serves it on a free loopback port,
headless Chromium visits every page; each draws a chart (Vega-Lite on the overview, Plotly
on the others) and no Streamlit exception box.
Screenshots land in tests/artifacts/ (git-ignored) for a person to look at."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from dashboard_server import CHART, CHROMIUM, PAGES, browser, dashboard

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() or importlib.util.find_spec("playwright") is None,
        reason="needs Debian's chromium (apt-get install chromium) and playwright (pip)",
    ),
]


def test_every_page_renders_a_chart(sample_ws: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with dashboard(sample_ws) as url, browser() as chromium:
        page = chromium.new_page(viewport={"width": 1400, "height": 2400})
        for name, path in PAGES.items():
            page.goto(f"{url}/{path}")
            page.wait_for_selector(CHART[name], timeout=60_000)
            page.wait_for_selector("[data-testid=stMetric]", timeout=30_000)
            page.wait_for_timeout(500)  # let the remaining elements of the run arrive
            page.screenshot(path=str(ARTIFACTS / f"dashboard_{name}.png"), full_page=True)
            assert page.locator("[data-testid=stException]").count() == 0, name
            assert page.locator(CHART[name]).count() >= 1, name
        # the sidebar navigation reaches a page too, and keeps the header
        page.goto(url)
        page.get_by_role("link", name="Evidence").click()
        page.wait_for_selector("text=Hash chain", timeout=60_000)
        assert page.locator("[data-testid=stException]").count() == 0
        assert page.get_by_text("Evidence chain").count() >= 1


def test_empty_ledger_reads_well(no_ledger_ws: Path) -> None:
    with dashboard(no_ledger_ws) as url, browser() as chromium:
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.wait_for_selector("text=No runs recorded yet", timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "dashboard_empty.png"), full_page=True)
        assert page.locator("[data-testid=stException]").count() == 0
