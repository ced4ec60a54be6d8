"""Packs carry the workspace's public key and a signed manifest, and `pack verify --ledger`
rebuilds the pack from the ledger: a pack forged consistently (HTML, manifest, zip) fails."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from privacymesh.cli.app import app
from privacymesh.ledger.signing import (
    fingerprint,
    generate_key,
    load_private_key,
    load_public_key,
    sign,
)
from privacymesh.packs import PackOptions, PackResult, build_pack, verify_pack
from privacymesh.packs.manifest import MANIFEST, write_manifest, write_zip
from privacymesh.workspace import Workspace, load_workspace

runner = CliRunner()


@pytest.fixture(scope="module")
def signed_ws(pack_ws: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("signedws") / "ws"
    shutil.copytree(pack_ws.root, root, ignore=shutil.ignore_patterns("packs"))
    ws = load_workspace(root)
    generate_key(ws.evidence / "signing.key")
    return ws


@pytest.fixture(scope="module")
def signed_pack(signed_ws: Workspace) -> PackResult:
    return build_pack(signed_ws, PackOptions(period="2026-Q3", pdf=False))


@pytest.fixture
def pack_copy(signed_pack: PackResult, tmp_path: Path) -> Path:
    return Path(shutil.copytree(signed_pack.root, tmp_path / "pack"))


def _forge(root: Path, forger_key: Path | None) -> None:
    """A consistent forgery: change the HTML, then rewrite the manifest and the zip (and sign
    them with the forger's own key, published in the pack, when one is given)."""
    html = root / "index.html"
    text = html.read_text("utf-8")
    assert "fail" in text
    html.write_text(text.replace("fail", "pass"), "utf-8")
    info = {k: v for k, v in json.loads((root / MANIFEST).read_text()).items() if k != "files"}
    (root / "manifest.sig").unlink()
    (root / "pack.zip").unlink()
    if forger_key is None:
        (root / "signing-key.pub").unlink()
        info["signing"] = None
    else:
        shutil.copyfile(forger_key.with_name(forger_key.name + ".pub"), root / "signing-key.pub")
        public = load_public_key(root / "signing-key.pub")
        info["signing"] = {**info["signing"], "fingerprint": fingerprint(public)}
    manifest = write_manifest(root, info)
    if forger_key is not None:
        (root / "manifest.sig").write_text(
            sign(load_private_key(forger_key), manifest.read_bytes())
        )
    write_zip(root)


def test_a_pack_publishes_the_public_key_and_signs_its_manifest(
    signed_ws: Workspace, signed_pack: PackResult
) -> None:
    root = signed_pack.root
    public = load_public_key(signed_ws.evidence / "signing.key.pub")
    manifest = json.loads((root / MANIFEST).read_text())
    assert manifest["signing"]["fingerprint"] == fingerprint(public)
    assert "signing-key.pub" in manifest["files"]
    assert (root / "signing-key.pub").read_bytes() == (
        signed_ws.evidence / "signing.key.pub"
    ).read_bytes()
    signature = (root / "manifest.sig").read_text().strip()
    public.verify(bytes.fromhex(signature), (root / MANIFEST).read_bytes())  # raises if not
    report = verify_pack(
        root,
        signed_ws.ledger_path,
        workspace=signed_ws,
        trusted_key=signed_ws.evidence / "signing.key.pub",
    )
    assert report.ok, report.problems
    assert report.ledger_checked and report.recomputed


def test_an_unsigned_forgery_fails_the_recompute_and_the_trusted_key(
    signed_ws: Workspace, pack_copy: Path
) -> None:
    _forge(pack_copy, None)
    assert verify_pack(pack_copy).ok  # hashes, manifest and zip agree with each other
    report = verify_pack(pack_copy, signed_ws.ledger_path, workspace=signed_ws)
    assert "recompute: index.html differs from what the ledger produces" in report.problems
    assert "recompute: the ledger produces signing-key.pub, which the pack lacks" in (
        report.problems
    )
    trusted = verify_pack(pack_copy, trusted_key=signed_ws.evidence / "signing.key.pub")
    assert any("the pack is not signed, but ed25519:" in p for p in trusted.problems)


def test_a_forgery_signed_with_another_key_fails(
    signed_ws: Workspace, pack_copy: Path, tmp_path: Path
) -> None:
    generate_key(tmp_path / "forger.key")
    _forge(pack_copy, tmp_path / "forger.key")
    forger = fingerprint(load_public_key(tmp_path / "forger.key.pub"))
    assert verify_pack(pack_copy).ok  # consistent, and signed by the key it carries ...
    report = verify_pack(
        pack_copy,
        signed_ws.ledger_path,
        workspace=signed_ws,
        trusted_key=signed_ws.evidence / "signing.key.pub",
    )
    assert any(p.startswith(f"the pack is signed by {forger}, not by") for p in report.problems)
    assert "recompute: index.html differs from what the ledger produces" in report.problems
    assert "recompute: signing-key.pub differs from what the ledger produces" in report.problems


def test_a_changed_signature_fails(pack_copy: Path) -> None:
    sig = pack_copy / "manifest.sig"
    text = sig.read_text().strip()
    sig.write_text(("0" if text[0] != "0" else "1") + text[1:])
    report = verify_pack(pack_copy)
    assert any(p.startswith("manifest.sig: does not verify manifest.json") for p in report.problems)
    assert "pack.zip: its manifest.sig differs from the folder's" in report.problems


def test_pack_verify_command_fails_a_forged_pack(signed_ws: Workspace, pack_copy: Path) -> None:
    ok = runner.invoke(
        app,
        [
            "-w",
            str(signed_ws.root),
            "pack",
            "verify",
            str(pack_copy),
            "-l",
            str(signed_ws.ledger_path),
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert "recomputed from the ledger: every file the same" in ok.output
    _forge(pack_copy, None)
    bad = runner.invoke(
        app,
        [
            "-w",
            str(signed_ws.root),
            "pack",
            "verify",
            str(pack_copy),
            "-l",
            str(signed_ws.ledger_path),
        ],
    )
    assert bad.exit_code == 1
    assert "recompute: index.html differs from what the ledger produces" in bad.output
    assert "pack altered" in bad.output


def test_a_check_run_in_a_signing_workspace_signs_and_anchors_its_head(
    signed_ws: Workspace, signed_pack: PackResult, tmp_path: Path
) -> None:
    from datetime import datetime

    from privacymesh.ledger import Ledger
    from privacymesh.ledger.signing import SignedStatement
    from privacymesh.runner import run_checks

    anchor = tmp_path / "heads.jsonl"
    toml = signed_ws.file.read_text()
    signed_ws.file.write_text(toml + f'\n[evidence]\nanchors = [{{ file = "{anchor}" }}]\n')
    try:
        ws = load_workspace(signed_ws.root)
        outcome = run_checks(ws, ["retention"], as_of=datetime(2026, 10, 5))
    finally:
        signed_ws.file.write_text(toml)
    with Ledger(ws.ledger_path, read_only=True) as ledger:
        row = ledger.sql(
            "SELECT * FROM head_signatures WHERE run_id = $r", {"r": outcome.run_id}
        ).row(0, named=True)
        head = ledger.chain_head()
    public = load_public_key(ws.evidence / "signing.key.pub")
    assert (row["seq"], head.table) == (head.seq, "head_signatures")
    assert row["signed_seq"] == head.seq - 1
    entry = json.loads(anchor.read_text())
    assert entry["tip"] == {"seq": head.seq, "hash": head.hash}
    assert SignedStatement(entry["statement"], entry["signature"]).valid_for(public)
    assert entry["statement"]["run_id"] == outcome.run_id
