"""`catalog list` and `checks list`: `--json` gives every row, piped output is plain text with
one line per row however wide."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from privacymesh.cli import app
from privacymesh.cli.output import print_rows

runner = CliRunner()


def test_catalog_list_json(shop_workspace: Path) -> None:
    done = runner.invoke(app, ["-w", str(shop_workspace), "catalog", "list", "--json"])
    assert done.exit_code == 0, done.output
    rows = {r["product"]: r for r in json.loads(done.output)}
    assert set(rows) == {"shop.orders", "shop.order_totals", "shop.order_export"}
    assert rows["shop.orders"]["owner"] == "shop-data"
    assert rows["shop.orders"]["personal"] == 2 and rows["shop.orders"]["retention"] == "730 d"
    assert rows["shop.order_export"]["owner"] == "none"


def test_checks_list_plain_and_json(shop_workspace: Path) -> None:
    plain = runner.invoke(app, ["-w", str(shop_workspace), "checks", "list"])
    assert plain.exit_code == 0
    lines = plain.output.splitlines()
    specs = json.loads(
        runner.invoke(app, ["-w", str(shop_workspace), "checks", "list", "--json"]).output
    )
    assert len(lines) == 2 + len(specs)  # title, header, a line per check
    gate = next(s for s in specs if s["check"] == "contract.gate")
    assert gate["title"] and gate["control"]
    line = next(x for x in lines if x.startswith("contract.gate "))
    assert line.split()[1] == gate["control"]


def test_print_rows_plain_text_never_wraps(capsys) -> None:  # type: ignore[no-untyped-def]
    reason = "a reason " * 30
    print_rows("t", [{"a": 1, "b": reason, "c": None}], ("a", "b", "c"))
    out = capsys.readouterr().out.splitlines()
    assert out == ["t", "a  b" + " " * (len(reason) - 1) + "  c", f"1  {reason}  -"]


def test_retention_plan_plain_and_json(shop_workspace: Path) -> None:
    args = ["-w", str(shop_workspace), "retention", "plan", "--as-of", "2028-06-01T00:00:00"]
    done = runner.invoke(app, [*args, "--json"])
    assert done.exit_code == 0, done.output
    rows = {r["product"]: r for r in json.loads(done.output)}
    # five orders of January 2026 under a two-year retention: all due by June 2028
    assert rows["shop.orders"]["retention_days"] == 730
    assert rows["shop.orders"]["rows"] == 5 and rows["shop.orders"]["due"] == 5
    plain = runner.invoke(app, args)
    line = next(x for x in plain.output.splitlines() if x.startswith("shop.orders "))
    assert line.split()[1:5] == ["730", "ordered_at", "5", "5"]


def test_catalog_lineage_plain_and_json(shop_workspace: Path) -> None:
    args = ["-w", str(shop_workspace), "catalog", "lineage", "shop.orders"]
    done = runner.invoke(app, [*args, "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == [
        {"direction": "downstream", "product": "shop.order_totals", "kind": "derived"},
        {"direction": "downstream", "product": "shop.order_export", "kind": "cache"},
    ]
    plain = runner.invoke(app, args).output.splitlines()
    assert plain[2].split() == ["downstream", "shop.order_totals", "derived"]


def test_policy_show_plain_and_json(shop_workspace: Path) -> None:
    args = ["-w", str(shop_workspace), "policy", "show", "shop.orders", "--role", "shop_analyst"]
    done = runner.invoke(app, [*args, "--json"])
    assert done.exit_code == 0, done.output
    fields = {r["field"]: r for r in json.loads(done.output)}
    assert set(fields) >= {"email"}
    assert all(
        set(r) == {"field", "classification", "category", "rule", "decided by"}
        for r in fields.values()
    )
    plain = runner.invoke(app, args).output.splitlines()
    email = next(x for x in plain if x.startswith("email "))
    assert email.split()[0] == "email" and fields["email"]["rule"] in email
