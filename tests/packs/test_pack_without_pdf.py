"""Without WeasyPrint (or pango) the pack still builds, as HTML and the rest, and says why."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import privacymesh.packs.build as pack_build
from privacymesh.packs import PackOptions, build_pack
from privacymesh.packs.pdf import PdfSupport, pdf_support
from privacymesh.workspace import Workspace


def test_missing_weasyprint_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import now raises ImportError
    support = pdf_support()
    assert not support.available
    assert "pip install 'privacymesh[pdf]'" in (support.reason or "")
    assert "libpango-1.0-0" in (support.reason or "")


def test_pack_builds_without_pdf_tooling(
    pack_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = PdfSupport(None, "WeasyPrint is not installed; install the PDF extra")
    monkeypatch.setattr(pack_build, "pdf_support", lambda: missing)
    result = build_pack(pack_ws, PackOptions(period="2026-Q3", out=tmp_path / "nopdf"))
    assert (result.root / "index.html").is_file() and not (result.root / "index.pdf").exists()
    manifest = json.loads((result.root / "manifest.json").read_text())
    assert manifest["pdf"] == {"written": False, "renderer": None, "reason": missing.reason}
    assert not result.pdf_written
