"""Sign-off round trip: a listed reviewer signs a built pack (ledger record, Ed25519 signature,
file beside the pack, cover); `pack verify` accepts it, and fails once the signature, the
statement or the ledger record is tampered with. Unlisted principals cannot sign."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from privacymesh.cli.app import app
from privacymesh.errors import WorkspaceError
from privacymesh.ledger import Ledger
from privacymesh.packs import PackOptions, PackResult, build_pack, verify_pack
from privacymesh.packs.signoff import SIGNOFF_DIR, read_signoffs, sign_pack
from privacymesh.platform.principals import os_user
from privacymesh.workspace import Workspace

runner = CliRunner()


@pytest.fixture
def pack_copy(draft_pack: PackResult, tmp_path: Path) -> Path:
    return Path(shutil.copytree(draft_pack.root, tmp_path / "pack"))


def _sign(ws: Workspace, pack: Path, role: str = "reviewer") -> tuple[int, str]:
    done = runner.invoke(app, ["-w", str(ws.root), "pack", "sign", str(pack), "--as", role])
    return done.exit_code, done.output


def test_an_unsigned_pack_is_a_draft(draft_pack: PackResult) -> None:
    html = (draft_pack.root / "index.html").read_text("utf-8")
    assert "DRAFT" in html and "@top-center" in html  # every printed page carries it
    report = verify_pack(draft_pack.root)
    assert report.ok
    assert "the pack has no sign-off: it is a draft" in report.notes


def test_sign_verify_tamper_round_trip(acc_ws: Workspace, pack_copy: Path) -> None:
    code, output = _sign(acc_ws, pack_copy)
    assert code == 0, output
    assert "signed off as reviewer by Internal audit" in output
    (entry,) = read_signoffs(pack_copy)
    statement = entry["statement"]
    assert statement["role"] == "reviewer" and statement["principal"] == os_user()
    assert (
        statement["manifest_sha256"]
        == __import__("hashlib").sha256((pack_copy / "manifest.json").read_bytes()).hexdigest()
    )
    assert entry["signature"] and len(entry["signature"]) == 128
    with Ledger(acc_ws.ledger_path, read_only=True) as ledger:
        assert ledger.verify().ok  # the sign-off is a link of the chain
        head = ledger.chain_head()
        assert (head.seq, head.hash) == (entry["ledger_seq"], entry["ledger_hash"])
    cover = (pack_copy / SIGNOFF_DIR / "cover.html").read_text("utf-8")
    assert "REVIEWED" in cover and "Internal audit" in cover and "Test Bank plc" in cover

    ok = verify_pack(pack_copy, acc_ws.ledger_path)
    assert ok.ok, ok.problems
    assert any("matches the ledger's record signoff/" in n for n in ok.notes)

    path = entry["path"]
    raw = json.loads(path.read_text("utf-8"))
    raw["signature"] = ("0" if raw["signature"][0] != "0" else "1") + raw["signature"][1:]
    path.write_text(json.dumps(raw), "utf-8")
    bad = verify_pack(pack_copy)
    assert any("its signature does not verify" in p for p in bad.problems), bad.problems
    cli = runner.invoke(app, ["-w", str(acc_ws.root), "pack", "verify", str(pack_copy)])
    assert cli.exit_code == 1 and "pack altered" in cli.output


def test_a_statement_changed_and_resigned_with_another_key_fails_against_the_ledger(
    acc_ws: Workspace, pack_copy: Path, tmp_path: Path
) -> None:
    code, output = _sign(acc_ws, pack_copy)
    assert code == 0, output
    (entry,) = read_signoffs(pack_copy)
    raw = json.loads(entry["path"].read_text("utf-8"))
    raw["statement"]["role"] = "approver"
    entry["path"].write_text(json.dumps(raw), "utf-8")
    bad = verify_pack(pack_copy, acc_ws.ledger_path)
    assert not bad.ok
    assert any("differs from the statement the ledger recorded" in p for p in bad.problems)


def test_a_sign_off_of_another_pack_does_not_carry_over(
    acc_ws: Workspace, pack_copy: Path, tmp_path: Path
) -> None:
    assert _sign(acc_ws, pack_copy)[0] == 0
    other = build_pack(acc_ws, PackOptions(period="2026-Q3", pdf=False))
    shutil.copytree(pack_copy / SIGNOFF_DIR, other.root / SIGNOFF_DIR)
    bad = verify_pack(other.root)
    assert any("signs another manifest" in p for p in bad.problems), bad.problems


def test_only_listed_principals_sign(acc_ws: Workspace, pack_copy: Path) -> None:
    code, output = _sign(acc_ws, pack_copy, "approver")
    assert code == 2
    assert f"{os_user()} is not listed as approver (listed: someone-else)" in output
    with pytest.raises(WorkspaceError, match="unknown sign-off role"):
        sign_pack(acc_ws, pack_copy, os_user(), "os-user", "owner")
    assert not (pack_copy / SIGNOFF_DIR).exists()


def test_the_pack_and_its_ropa_name_the_controller_and_the_dpo(draft_pack: PackResult) -> None:
    html = (draft_pack.root / "index.html").read_text("utf-8")
    ropa = html[html.index('id="ropa"') :]
    assert "<b>Controller:</b> Test Bank plc" in ropa
    dpo = '<b>Data protection officer:</b> Data Protection Office (<span class="mono">dpo-office@'
    assert dpo in ropa
    cover = html[: html.index("</header>")]
    assert "prepared by <b>Privacy engineering</b>" in cover and "reviewers Internal audit" in cover
    import polars as pl

    parties = pl.read_csv(draft_pack.root / "data" / "accountability.csv")
    assert parties.select("role", "name").rows() == [
        ("controller", "Test Bank plc"),
        ("dpo", "Data Protection Office"),
        ("preparer", "Privacy engineering"),
        ("reviewer", "Internal audit"),
        ("approver", "The board"),
    ]
