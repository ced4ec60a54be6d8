"""Packs are immutable: a second build of a period gets its own version folder, and no build
replaces or deletes an earlier one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from privacymesh.cli.pack import pack_app
from privacymesh.packs import PackOptions, build_pack, verify_pack
from privacymesh.packs.errors import PackError
from privacymesh.packs.manifest import next_version
from privacymesh.workspace import Workspace


def _hashes(root: Path) -> dict[str, str]:
    files = json.loads((root / "manifest.json").read_text())["files"]
    return {name: entry["sha256"] for name, entry in files.items()}


def _contents(root: Path) -> dict[Path, bytes]:
    return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_second_build_gets_the_next_version_and_keeps_the_first(pack_ws: Workspace) -> None:
    first = build_pack(pack_ws, PackOptions(period="2026-Q2", pdf=False))
    before = _contents(first.root)
    second = build_pack(pack_ws, PackOptions(period="2026-Q2", pdf=False))
    assert first.root.parent == second.root.parent == pack_ws.evidence / "packs" / "2026-Q2"
    assert int(second.root.name[1:]) == int(first.root.name[1:]) + 1
    assert _contents(first.root) == before  # the earlier build is untouched, byte for byte
    assert verify_pack(first.root).ok and verify_pack(second.root).ok
    assert _hashes(first.root)["index.html"] == _hashes(second.root)["index.html"]


def test_an_existing_pack_is_never_replaced(
    pack_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(pack_ws.root)
    out = tmp_path / "mine"
    build_pack(pack_ws, PackOptions(period="2026-Q2", pdf=False, out=out))
    kept = (out / "manifest.json").read_bytes()
    done = CliRunner().invoke(
        pack_app,
        ["--period", "2026-Q2", "--no-pdf", "--out", str(out)],
    )
    assert done.exit_code == 2
    assert "already holds a pack, which is never replaced" in done.output
    assert (out / "manifest.json").read_bytes() == kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # no staging left behind


def test_versions_count_from_the_highest(tmp_path: Path) -> None:
    base = tmp_path / "2026-Q3"
    assert next_version(base) == base / "v1"
    for name in ("v1", "v3", "notes", "v2x"):
        (base / name).mkdir(parents=True)
    assert next_version(base) == base / "v4"


def test_an_unversioned_earlier_pack_is_named_not_moved(tmp_path: Path) -> None:
    base = tmp_path / "2026-Q3"
    base.mkdir()
    (base / "manifest.json").write_text("{}")
    with pytest.raises(PackError, match=r"move it to .*v1"):
        next_version(base)
    assert (base / "manifest.json").read_text() == "{}"
    shutil.rmtree(base)
