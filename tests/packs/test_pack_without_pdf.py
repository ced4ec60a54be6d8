"""Without Playwright or a Chromium the pack still builds, as HTML and the rest, and says why."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import privacymesh.packs.build as pack_build
from privacymesh.packs import PackOptions, build_pack
from privacymesh.packs.build import PDF_MISSING
from privacymesh.packs.pdf import PdfSupport, find_chromium, pdf_support
from privacymesh.workspace import Workspace


def test_missing_playwright_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "playwright", None)  # import now raises ImportError
    support = pdf_support()
    assert not support.available
    assert (support.reason or "").startswith("playwright not installed")
    assert "pip install 'privacymesh[pdf]'" in (support.reason or "")


def test_missing_chromium_is_explained(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PRIVACYMESH_CHROMIUM", str(tmp_path / "no-such-chrome"))
    support = pdf_support()
    assert not support.available
    assert (support.reason or "").startswith("no Chromium found")
    assert "apt-get install -y chromium" in (support.reason or "")


def test_chromium_named_by_the_environment_is_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    chrome = tmp_path / "chrome"
    chrome.write_text("#!/bin/sh\n")
    chrome.chmod(0o755)
    monkeypatch.setenv("PRIVACYMESH_CHROMIUM", str(chrome))
    assert find_chromium() == str(chrome)
    assert pdf_support().renderer == f"headless Chromium ({chrome}) through Playwright"


def test_pack_builds_without_pdf_tooling(
    pack_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = PdfSupport(None, "playwright not installed; install the PDF extra")
    monkeypatch.setattr(pack_build, "pdf_support", lambda: missing)
    result = build_pack(pack_ws, PackOptions(period="2026-Q3", out=tmp_path / "nopdf"))
    assert (result.root / "index.html").is_file() and not (result.root / "index.pdf").exists()
    manifest = json.loads((result.root / "manifest.json").read_text())
    assert manifest["pdf"] == {"written": False, "renderer": None, "reason": missing.reason}
    assert not result.pdf_written
    note = (result.root / PDF_MISSING).read_text("utf-8")
    assert note.startswith(f"This pack has no index.pdf: {missing.reason}.")
    assert PDF_MISSING in manifest["files"]  # the note is part of what the manifest proves


def test_the_cli_hint_names_the_pdf_extra(
    pack_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rich markup would swallow `[pdf]`; the hint must reach the reader whole."""
    from typer.testing import CliRunner

    from privacymesh.cli.pack import pack_app

    monkeypatch.setattr("privacymesh.packs.pdf.find_chromium", lambda: None)
    monkeypatch.chdir(pack_ws.root)
    out = tmp_path / "hint"
    done = CliRunner().invoke(pack_app, ["--period", "2026-Q3", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "pip install 'privacymesh[pdf]'" in done.output
    assert "apt-get install -y chromium" in done.output
    assert (out / PDF_MISSING).is_file()
