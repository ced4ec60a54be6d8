"""Every table of a pack fits its page: the HTML at a 1,400 px viewport is no wider than the
viewport in any section, and in the PDF no table is cut at the margin (every header of the
consent, DSAR and erasure tables is printed on one page, and no glyph lies past a page's edge).
The pack is built from a sample mesh with the consent, DSAR and retention checks, whose result
tables carry the widest values (lists of request ids, JSON worst cases). Screenshots of every
section land in tests/artifacts/ (git-ignored) for a person to look at."""

from __future__ import annotations

import importlib.util
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from privacymesh.packs import PackOptions, PackResult, build_pack
from privacymesh.packs.pdf import find_chromium
from privacymesh.runner import run_checks
from privacymesh.workspace import load_workspace

REPO = Path(__file__).parents[2]
ARTIFACTS = REPO / "tests" / "artifacts" / "pack-layout"
VIEWPORT = 1400
CUT_SECTIONS = ("family-consent", "family-dsar", "family-erasure")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        find_chromium() is None
        or importlib.util.find_spec("playwright") is None
        or importlib.util.find_spec("pypdfium2") is None,
        reason="needs a Chromium, playwright and pypdfium2 (the PDF extra)",
    ),
]


@pytest.fixture(scope="module")
def wide_pack(tmp_path_factory: pytest.TempPathFactory, generated_sample: Path) -> PackResult:
    root = tmp_path_factory.mktemp("layoutws")
    shutil.copytree(generated_sample, root / "sample")
    (root / "privacymesh.toml").write_text(
        'name = "layout test mesh"\n[paths]\ncatalog = "sample/contracts"\n'
        f'platform = "sample/platform"\nchecks = "{(REPO / "checks").as_posix()}"\n'
        f'evidence = "evidence"\nreports = "{(REPO / "reports").as_posix()}"\n'
        'sample = "sample"\n[engine]\nkind = "duckdb"\n',
        "utf-8",
    )
    ws = load_workspace(root)
    run_checks(ws, ["consent", "dsar", "retention"], as_of=datetime(2026, 11, 1))
    pack = build_pack(ws, PackOptions(period="2026-Q4"))
    assert pack.pdf_written, pack.pdf.reason
    return pack


def _browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    return sync_playwright()


def test_every_html_section_fits_a_1400_px_viewport(wide_pack: PackResult) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with _browser() as pw:
        chromium = pw.chromium.launch(executable_path=find_chromium(), args=["--no-sandbox"])
        try:
            page = chromium.new_page(viewport={"width": VIEWPORT, "height": 1000})
            page.goto((wide_pack.root / "index.html").as_uri())
            assert page.evaluate("document.body.scrollWidth") <= VIEWPORT
            assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT
            sections = page.evaluate(
                "() => [...document.querySelectorAll('section')].map(s => "
                "[s.id, s.scrollWidth, Math.ceil(s.getBoundingClientRect().right)])"
            )
            assert {s[0] for s in sections} >= set(CUT_SECTIONS)
            for name, scroll_width, right in sections:
                assert scroll_width <= VIEWPORT and right <= VIEWPORT, (name, scroll_width, right)
                page.locator(f"section#{name}").screenshot(path=str(ARTIFACTS / f"{name}.png"))
            # the widest values (lists of ids, JSON worst cases) are cut in the cell and named
            # in full in the data files
            assert "in full in data/latest_results.csv" in page.content()
        finally:
            chromium.close()


def _table_headers(html: str, section: str) -> list[list[str]]:
    """The header texts of every table of a section, without spaces (as the PDF text reads
    them once line breaks are dropped)."""
    body = html[html.index(f'id="{section}"') :]
    body = body[: body.index("</section>")]
    heads = re.findall(r"<thead><tr>(.*?)</tr></thead>", body, flags=re.S)
    return [
        [re.sub(r"<[^>]+>|\s+", "", cell) for cell in re.findall(r"<th[^>]*>(.*?)</th>", head)]
        for head in heads
    ]


def test_no_pdf_table_is_cut(wide_pack: PackResult) -> None:
    import pypdfium2 as pdfium

    html = (wide_pack.root / "index.html").read_text("utf-8")
    document = pdfium.PdfDocument(str(wide_pack.root / "index.pdf"))
    try:
        pages = []
        for number, page in enumerate(document, start=1):
            width = page.get_size()[0]
            text = page.get_textpage()
            right = max((text.get_charbox(i)[2] for i in range(text.count_chars())), default=0.0)
            assert right <= width, f"page {number}: text reaches {right:.0f} of {width:.0f} pt"
            pages.append(re.sub(r"\s+", "", text.get_text_range()))
    finally:
        document.close()
    for section in CUT_SECTIONS:
        tables = _table_headers(html, section)
        assert tables, section
        for headers in tables:
            assert {"runid", "checkid"} <= set(headers) or "state" in headers, headers
            whole = [p for p in pages if all(h in p for h in headers)]
            assert whole, f"{section}: no page prints every column of {headers}"
    dsar = _table_headers(html, "family-dsar")
    assert any("overdue" in headers for headers in dsar)  # the overdue count, not only a CSV
    consent = _table_headers(html, "family-consent")
    assert any(any(h.startswith("worst") for h in headers) for headers in consent)
