"""Packs quote what the runs recorded, not today's files: the record of processing, the product
list, the accountable parties and each contract's GX suite come from the ledger, so a pack
rebuilt after the contracts and `[accountability]` changed is the same pack."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from privacymesh.packs import PackOptions, PackResult, build_pack, verify_pack
from privacymesh.workspace import Workspace, load_workspace

PERIOD = "2026-Q4"
OWNED = "crm.customer_360"


@pytest.fixture(scope="module")
def history_pack(history_ws: Workspace, tmp_path_factory: pytest.TempPathFactory) -> PackResult:
    out = tmp_path_factory.mktemp("history_pack") / "pack"
    return build_pack(history_ws, PackOptions(period=PERIOD, pdf=False, out=out))


def test_the_pack_ships_each_contracts_gx_suite(history_pack: PackResult) -> None:
    root = history_pack.root
    products = pl.read_csv(root / "data" / "products_in_scope.csv")["product_id"].to_list()
    suites = sorted(p.stem for p in (root / "data" / "gx").glob("*.json"))
    assert suites == sorted(products) and len(suites) > 20
    suite = json.loads((root / "data" / "gx" / f"{OWNED}.json").read_text("utf-8"))
    assert suite["name"] == f"{OWNED}.contract"
    assert suite["expectations"][0]["type"] == "expect_table_columns_to_match_set"
    assert "phone" in suite["expectations"][0]["kwargs"]["column_set"]
    listed = json.loads((root / "manifest.json").read_text("utf-8"))["files"]
    assert f"data/gx/{OWNED}.json" in listed


def test_a_rebuild_after_the_workspace_changed_is_the_same_pack(
    history_ws: Workspace, history_pack: PackResult, tmp_path: Path
) -> None:
    root = tmp_path / "ws"
    shutil.copytree(history_ws.root, root, ignore=shutil.ignore_patterns("packs"))
    toml = root / "privacymesh.toml"
    toml.write_text(
        toml.read_text("utf-8").replace("History Bank plc", "Renamed Holdings SE"), "utf-8"
    )
    contract = next((root / "sample" / "contracts").rglob("customer_360.odcs.yaml"))
    text = contract.read_text("utf-8")
    team = "name: crm-data"
    assert team in text, "the sample names its owning team this way"
    contract.write_text(text.replace(team, "name: someone-new", 1), "utf-8")
    ws = load_workspace(root)

    pack = build_pack(ws, PackOptions(period=PERIOD, pdf=False, out=tmp_path / "again"))
    ropa = pl.read_csv(pack.root / "data" / "ropa.csv")
    assert ropa.filter(pl.col("product_id") == OWNED)["owner_team"].item() == "crm-data"
    parties = pl.read_csv(pack.root / "data" / "accountability.csv")
    assert parties.filter(pl.col("role") == "controller")["name"].item() == "History Bank plc"
    assert "Renamed Holdings SE" not in (pack.root / "index.html").read_text("utf-8")
    assert pack.pack_id == history_pack.pack_id

    report = verify_pack(history_pack.root, ws.ledger_path, workspace=ws)
    assert report.recomputed and report.ok, report.problems
