"""The same ledger and options give byte-identical files; only the manifest's build time
differs (and so the zip, which holds the manifest)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from privacymesh.packs import PackOptions, PackResult, build_pack
from privacymesh.workspace import Workspace


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_rebuild_is_byte_identical(
    pack_ws: Workspace, built_pack: PackResult, tmp_path: Path
) -> None:
    again = build_pack(pack_ws, PackOptions(period="2026-Q3", out=tmp_path / "again"))
    first, second = _files(built_pack.root), _files(again.root)
    assert set(first) == set(second)
    differ = sorted(n for n in first if first[n] != second[n])
    assert set(differ) <= {"manifest.json", "pack.zip"}, differ
    m1, m2 = (json.loads(f["manifest.json"]) for f in (first, second))
    m1.pop("built_at"), m2.pop("built_at")
    assert m1 == m2
    with (
        zipfile.ZipFile(built_pack.root / "pack.zip") as a,
        zipfile.ZipFile(again.root / "pack.zip") as b,
    ):
        for name in a.namelist():
            if name != "manifest.json":
                assert a.read(name) == b.read(name), name
    assert again.pack_id == built_pack.pack_id
