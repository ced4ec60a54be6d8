from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from privacymesh.cli import app

runner = CliRunner()


def test_scan_product_json_shape_and_masking(shop_workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "scan.json"
    result = runner.invoke(
        app, ["-w", str(shop_workspace), "scan", "shop.orders", "--json", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc == json.loads(out.read_text())
    (table,) = doc["tables"]
    assert (table["table"], table["rows_scanned"]) == ("shop.orders", 5)
    columns = {c["column"]: c for c in table["columns"]}
    email = columns["email"]
    assert email["personal"] is True
    hit = next(c for c in email["categories"] if c["category"] == "user.contact.email")
    assert hit["hit_rate"] == 1.0 and "validator" in hit["methods"]
    assert all("***" in e for e in hit["examples"])
    assert columns["amount"] == {**columns["amount"], "personal": False, "categories": []}
    # no raw value anywhere in the output
    for raw in ("ann@example.com", "bo@example.org", "cy@example.net"):
        assert raw not in result.output


def test_scan_files_by_path(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    pl.DataFrame(
        {
            "c07": [f"user{i}@example.com" for i in range(50)],
            "score": list(range(50)),
        }
    ).write_csv(path)
    result = runner.invoke(app, ["scan", str(path), "--full", "--json"])
    assert result.exit_code == 0, result.output
    (table,) = json.loads(result.output)["tables"]
    assert table["table"] == "leads"
    personal = {c["column"]: c["personal"] for c in table["columns"]}
    assert personal == {"c07": True, "score": False}


def test_scan_unknown_product_and_missing_file(shop_workspace: Path) -> None:
    result = runner.invoke(app, ["-w", str(shop_workspace), "scan", "shop.nope"])
    assert result.exit_code == 2 and "unknown product" in result.output
    result = runner.invoke(app, ["scan", "/no/such/file.parquet"])
    assert result.exit_code == 2 and "file not found" in result.output


def test_scan_shows_a_field_declared_not_personal(shop_workspace: Path) -> None:
    contract = shop_workspace / "contracts" / "shop.orders.odcs.yaml"
    text = contract.read_text()
    text = text.replace(
        "- {property: piiCategory, value: user.contact.email}\n"
        "          - {property: maskingRule, value: partial}",
        "- {property: notPersonal, value: test mailboxes of the QA team}",
    )
    contract.write_text(text)
    result = runner.invoke(app, ["-w", str(shop_workspace), "scan", "shop.orders"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "not personal (contract): test mailboxes of the QA team" in flat
    assert "detector saw: user.contact.email" in flat
