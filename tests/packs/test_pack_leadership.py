"""`privacymesh report leadership`: two pages, same machinery."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from privacymesh.cli.report import report_app
from privacymesh.packs import PackOptions
from privacymesh.packs.leadership import build_leadership
from privacymesh.workspace import Workspace


def test_leadership_summary_is_two_pages(pack_ws: Workspace, tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    result = build_leadership(pack_ws, PackOptions(period="2026-Q3", out=tmp_path / "lead"))
    html = (result.root / "leadership.html").read_text("utf-8").replace("<wbr>", "")
    for heading in ("Posture per domain", "Trend", "Top risks", "Cost and headcount"):
        assert heading in html
    assert "logistics.shipments" in html  # the expired-rows finding is a top risk
    document = pdfium.PdfDocument(str(result.root / "leadership.pdf"))
    try:
        assert len(document) == 2
        second = document[1].get_textpage().get_text_range()
    finally:
        document.close()
    assert "Top risks" in second
    manifest = json.loads((result.root / "manifest.json").read_text())
    assert set(manifest["files"]) == {"leadership.html", "leadership.pdf"}
    assert manifest["personal_data_scan"]["result"] == "clean"


def test_leadership_command(pack_ws: Workspace, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(pack_ws.root)
    out = tmp_path / "cli-lead"
    done = CliRunner().invoke(
        report_app, ["leadership", "--period", "2026-Q3", "--no-pdf", "--out", str(out)]
    )
    assert done.exit_code == 0, done.output
    assert (out / "leadership.html").is_file() and not (out / "leadership.pdf").exists()
    assert "no PDF" in done.output
    assert (
        (out / "PDF-MISSING.txt")
        .read_text("utf-8")
        .startswith("This summary has no leadership.pdf: PDF not requested (--no-pdf).")
    )
