"""`contract.conformance` over every row in SQL: each rule's count matches a recount in Polars,
the GX backend gives the same verdicts, and the exported suites run in GX on their own."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from privacymesh.runner import run_checks
from privacymesh.workspace import load_workspace

ORDERS_CONTRACT = "shop.orders.odcs.yaml"
REPO = Path(__file__).parents[2]


def broken_orders(root: Path, rows: int = 2_000) -> pl.DataFrame:
    """An orders product that breaks every rule somewhere, with known counts."""
    i = pl.int_range(rows, eager=True)
    frame = pl.DataFrame(
        {
            "order_id": "o" + i.cast(pl.String),
            "customer_id": "c" + (i % 97).cast(pl.String),
            "email": "user" + i.cast(pl.String) + "@example.com",
            "amount": (i % 50).cast(pl.Float64),
            "ordered_at": pl.datetime_range(
                pl.datetime(2026, 1, 1),
                pl.datetime(2026, 1, 1) + pl.duration(minutes=rows - 1),
                "1m",
                eager=True,
            ),
            "status": pl.Series(["new", "paid", "shipped", "lost"] * (rows // 4)),
            "coupon": pl.Series(["SAVE10", "save-10", None, "SAVE20"] * (rows // 4)),
            "note": pl.Series(
                ["ok", "call +44 20 7946 0958", "from 10.1.2.3", "x@y.io"] * (rows // 4)
            ),
            "extra": pl.Series([None, "a", None, None] * (rows // 4)),
        }
    )
    # 7 orders without id, 5 ids used twice
    frame = frame.with_columns(
        pl.when(i < 7).then(None).otherwise(pl.col("order_id")).alias("order_id")
    ).with_columns(
        pl.when((i >= 10) & (i < 15))
        .then(pl.lit("o100"))
        .otherwise(pl.col("order_id"))
        .alias("order_id")
    )
    frame.drop("amount").write_parquet(root / "data" / "orders.parquet")
    return frame


def add_rules(contract: Path) -> None:
    text = contract.read_text()
    text = text.replace(
        "      - {name: ordered_at, logicalType: timestamp, classification: internal}",
        "      - {name: ordered_at, logicalType: timestamp, classification: internal}\n"
        "      - {name: status, logicalType: string, classification: internal,"
        " required: true, customProperties: [{property: allowedValues,"
        " value: [new, paid, shipped]}]}\n"
        "      - {name: coupon, logicalType: string, classification: internal,"
        " logicalTypeOptions: {pattern: '^[A-Z]+[0-9]+$'}}\n"
        "      - {name: note, logicalType: string, classification: internal}",
    )
    contract.write_text(text)


@pytest.fixture
def broken_shop(shop_workspace: Path) -> tuple[Path, pl.DataFrame]:
    frame = broken_orders(shop_workspace.parent / "catalog")
    add_rules(shop_workspace / "contracts" / ORDERS_CONTRACT)
    return shop_workspace, frame


def recount(frame: pl.DataFrame) -> dict[tuple[str, str | None], int]:
    """The same rules, counted independently with Polars."""
    note = pl.col("note")
    shapes = (
        note.str.contains(r"@")
        | note.str.contains(r"\+[0-9]{1,3}[ -]?\(?[0-9]{2,4}\)?[ -]?[0-9]{3,4}[ -]?[0-9]{3,4}")
        | note.str.contains(r"(^|[^0-9A-Za-z_./])[0-9]{1,3}(\.[0-9]{1,3}){3}($|[^0-9A-Za-z_.])")
    )
    dup = frame.filter(pl.col("order_id").is_not_null()).group_by("order_id").len()
    return {
        ("column_present", "amount"): frame.height,
        ("column_declared", "extra"): frame["extra"].drop_nulls().len(),
        ("required", "order_id"): frame["order_id"].null_count(),
        ("unique", "order_id"): int(dup.filter(pl.col("len") > 1)["len"].sum()),
        ("allowed_values", "status"): frame.filter(
            ~pl.col("status").is_in(["new", "paid", "shipped"])
        ).height,
        ("pattern", "coupon"): frame.filter(
            ~pl.col("coupon").str.contains("^[A-Z]+[0-9]+$")
        ).height,
        ("no_personal_shape", "note"): frame.filter(shapes).height,
    }


def by_rule(findings: list[Any]) -> dict[tuple[str, str | None], int]:
    return {(f.detail["rule"], f.column): f.detail.get("violations") for f in findings}


def test_sql_counts_every_row_per_rule(broken_shop: tuple[Path, pl.DataFrame]) -> None:
    root, frame = broken_shop
    (result,) = run_checks(
        load_workspace(root), ["contract.conformance"], ["shop.orders"], record=False
    ).results
    expected = recount(frame)
    assert by_rule(result.findings) == expected
    assert result.status == "fail"
    assert result.population == frame.height == 2_000
    assert result.values["exceptions"] == len(expected)
    assert result.values["backend"] == "sql"
    # no value of the data in the evidence
    text = json.dumps([f.detail for f in result.findings]) + result.query
    assert "example.com" not in text and "o100" not in text and "7946" not in text
    # one statement: the key's duplicated values grouped once, then every row counted
    assert result.query.startswith('WITH duplicated AS (SELECT "order_id", count(*)')
    assert "\nSELECT count(*) AS population" in result.query


def test_type_mismatches_are_named_with_the_type_found(shop_workspace: Path) -> None:
    data = shop_workspace.parent / "catalog" / "data"
    orders = pl.read_parquet(data / "orders.parquet")
    orders.with_columns(
        pl.col("amount").cast(pl.String),  # declared number
        pl.Series("customer_id", [1, 2, 1, 3, None]),  # declared string
        pl.col("ordered_at").dt.date(),  # declared timestamp
    ).write_parquet(data / "orders.parquet")
    (result,) = run_checks(
        load_workspace(shop_workspace), ["contract.conformance"], ["shop.orders"], record=False
    ).results
    found = {(f.column, f.detail["rule"]): f.detail for f in result.findings}
    assert sorted(found) == [
        ("amount", "type"),
        ("customer_id", "type"),
        ("ordered_at", "type"),
    ]
    assert found[("amount", "type")]["found"] == "string"
    assert found[("customer_id", "type")]["found"] == "int64"
    assert found[("customer_id", "type")]["violations"] == 4  # its non-null rows
    assert found[("ordered_at", "type")]["declared"] == "timestamp"


def test_gx_backend_gives_the_same_verdicts(broken_shop: tuple[Path, pl.DataFrame]) -> None:
    root, _ = broken_shop
    ws = load_workspace(root)
    sql = {r.product: r for r in run_checks(ws, ["contract.conformance"], record=False).results}
    ws.settings.setdefault("checks", {})["contract.conformance"] = {"backend": "gx"}
    gx = {r.product: r for r in run_checks(ws, ["contract.conformance"], record=False).results}
    assert sorted(sql) == sorted(gx)
    for product, result in sql.items():
        assert gx[product].status == result.status, product
        assert set(by_rule(gx[product].findings)) == set(by_rule(result.findings)), product
        assert gx[product].values["backend"] == "gx"
    # the counts GX reports for the row-level rules it counts agree with SQL's
    orders_sql, orders_gx = (
        by_rule(sql["shop.orders"].findings),
        by_rule(gx["shop.orders"].findings),
    )
    for key in [("required", "order_id"), ("allowed_values", "status"), ("pattern", "coupon")]:
        assert orders_gx[key] == orders_sql[key], key


def test_gx_backend_agrees_on_sample_domains(tmp_path: Path) -> None:
    """The sample mesh's smaller domains: both backends, the same verdicts and broken rules."""
    shutil.copy(REPO / "privacymesh.toml", tmp_path / "privacymesh.toml")
    shutil.copytree(REPO / "checks", tmp_path / "checks")
    shutil.copytree(REPO / "data" / "sample", tmp_path / "data" / "sample")
    ws = load_workspace(tmp_path)
    domains = ["support", "hr", "finance", "logistics"]
    sql = run_checks(ws, ["contract.conformance"], domains=domains, record=False).results
    ws.settings.setdefault("checks", {})["contract.conformance"] = {"backend": "gx"}
    gx = run_checks(ws, ["contract.conformance"], domains=domains, record=False).results
    assert len(sql) == len(gx) >= 8
    assert [(r.product, r.status) for r in sql] == [(r.product, r.status) for r in gx]
    assert [set(by_rule(r.findings)) for r in sql] == [set(by_rule(r.findings)) for r in gx]
    assert any(r.status == "fail" for r in sql)


def test_export_gx_writes_suites_a_gx_project_runs(
    broken_shop: tuple[Path, pl.DataFrame], tmp_path: Path
) -> None:
    root, _ = broken_shop
    out = tmp_path / "gx"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "privacymesh",
            "-w",
            str(root),
            "checks",
            "export-gx",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    suites = sorted(p.name for p in (out / "suites").glob("*.json"))
    assert suites == ["shop.order_export.json", "shop.order_totals.json", "shop.orders.json"]
    suite = json.loads((out / "suites" / "shop.orders.json").read_text())
    types = [e["type"] for e in suite["expectations"]]
    assert types[0] == "expect_table_columns_to_match_set"
    assert suite["expectations"][0]["kwargs"]["exact_match"] is True
    assert "expect_column_values_to_be_unique" in types
    # the checkpoint runs in a plain GX setting, from the export folder alone
    ran = subprocess.run(
        [sys.executable, str(out / "run_checkpoint.py")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert ran.returncode == 1, ran.stderr  # orders breaks its contract
    assert "shop.orders: fail" in ran.stdout
    assert "shop.order_totals: pass" in ran.stdout


def test_repeating_columns_are_tested_once_per_value_with_the_same_counts(
    broken_shop: tuple[Path, pl.DataFrame],
) -> None:
    from privacymesh.catalog import load_catalog
    from privacymesh.checks.conformance import conformance_sql, repeating_columns, rules_for
    from privacymesh.engine import open_engine

    root, frame = broken_shop
    ws = load_workspace(root)
    catalog = load_catalog(ws.catalog)
    product = catalog.products["shop.orders"]
    with open_engine(ws, catalog) as engine:
        rules = rules_for(product, engine.arrow(f"SELECT * FROM {product.view} LIMIT 0").schema)
        # `note` repeats four values, three of them with a shape's character; ids never repeat
        assert repeating_columns(rules, frame) == {"note"}
        assert repeating_columns(rules, frame.head(8)) == frozenset()  # too few to tell
        per_row = engine.arrow(conformance_sql(rules)).to_pylist()
        per_value = engine.arrow(conformance_sql(rules, frozenset({"note"}))).to_pylist()
    assert per_value == per_row
    assert per_row[0]["rows_violating"] > 0
    # the run chose the distinct values for `note` and counted the same
    (result,) = run_checks(ws, ["contract.conformance"], ["shop.orders"], record=False).results
    assert 'GROUP BY CAST("note" AS VARCHAR)' in result.query
    assert (
        by_rule(result.findings)[("no_personal_shape", "note")]
        == recount(frame)[("no_personal_shape", "note")]
    )
