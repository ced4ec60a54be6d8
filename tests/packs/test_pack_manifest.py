"""manifest.json, pack.zip and `privacymesh pack verify`: an intact pack verifies, a tampered
one names what changed."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from privacymesh.cli.pack import pack_app
from privacymesh.packs import PackResult, verify_pack
from privacymesh.packs.manifest import sha256_file
from privacymesh.workspace import Workspace


@pytest.fixture
def pack_copy(built_pack: PackResult, tmp_path: Path) -> Path:
    target = tmp_path / "pack"
    shutil.copytree(built_pack.root, target)
    return target


def test_manifest_lists_every_file_and_the_inputs(built_pack: PackResult) -> None:
    manifest = json.loads((built_pack.root / "manifest.json").read_text())
    files = {
        p.relative_to(built_pack.root).as_posix()
        for p in built_pack.root.rglob("*")
        if p.is_file() and p.name not in ("manifest.json", "pack.zip")
    }
    assert set(manifest["files"]) == files
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == sha256_file(built_pack.root / name)
    assert manifest["pack_id"] == built_pack.pack_id
    assert manifest["generator"]["name"] == "privacymesh"
    assert len(manifest["inputs"]["runs"]) == 3
    assert len(manifest["inputs"]["ledger"]["chain_head"]["hash"]) == 64
    assert manifest["personal_data_scan"]["result"] == "clean"
    assert manifest["pdf"]["written"] is True
    with zipfile.ZipFile(built_pack.root / "pack.zip") as zf:
        assert sorted(zf.namelist()) == sorted([*files, "manifest.json"])


def test_an_intact_pack_verifies_with_its_ledger(pack_ws: Workspace, pack_copy: Path) -> None:
    report = verify_pack(pack_copy, pack_ws.ledger_path)
    assert report.ok, report.problems
    assert report.ledger_checked and report.files_checked > 20


def test_a_changed_file_is_named(pack_copy: Path) -> None:
    target = pack_copy / "data" / "control_matrix.csv"
    target.write_text(target.read_text().replace(",fail,", ",pass,", 1))
    report = verify_pack(pack_copy)
    assert not report.ok
    assert any(p.startswith("data/control_matrix.csv: SHA-256") for p in report.problems)


def test_added_removed_and_zip_changes_are_found(pack_copy: Path) -> None:
    (pack_copy / "data" / "extra.csv").write_text("a\n1\n")
    (pack_copy / "oscal" / "assessment-results.json").unlink()
    with zipfile.ZipFile(pack_copy / "pack.zip", "a") as zf:
        zf.writestr("smuggled.txt", "x")
    problems = "\n".join(verify_pack(pack_copy).problems)
    assert "data/extra.csv: not in the manifest" in problems
    assert "oscal/assessment-results.json: listed in the manifest but missing" in problems
    assert "pack.zip: holds smuggled.txt" in problems


def test_verify_command_exit_codes(pack_copy: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(pack_app, ["verify", str(pack_copy)])
    assert ok.exit_code == 0, ok.output
    assert "pack intact" in ok.output
    (pack_copy / "index.html").write_text("<html>changed</html>")
    bad = runner.invoke(pack_app, ["verify", str(pack_copy)])
    assert bad.exit_code == 1
    assert "index.html" in bad.output
    missing = runner.invoke(pack_app, ["verify", str(pack_copy / "nope")])
    assert missing.exit_code == 2 and "not an audit pack" in missing.output
    (pack_copy / "manifest.json").unlink()  # a pack stripped of its manifest is altered
    stripped = runner.invoke(pack_app, ["verify", str(pack_copy)])
    assert stripped.exit_code == 1 and "manifest.json" in stripped.output
