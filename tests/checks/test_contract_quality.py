"""`contract.quality`: a contract's own ODCS quality rules run over the whole population, with
each rule's operator; contract SQL that reaches beyond its own table never runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from privacymesh.catalog import QualityRule
from privacymesh.checks.measures.quality import holds
from privacymesh.runner import run_checks
from privacymesh.workspace import load_workspace

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: 4f1e2d3c-5b6a-4798-8a9b-0c1d2e3f4a5b
version: 1.0.0
status: active
domain: shop
dataProduct: members
servers:
  - {server: local, type: local, path: ../data/members.parquet, format: parquet}
schema:
  - name: members
    quality:
      - {metric: rowCount, mustBeBetween: [1, 1000], dimension: completeness}
      - type: sql
        query: SELECT count(*) FROM ${object} WHERE status = 'frozen'
        mustBeLessThan: 2
      - {type: sql, query: "SELECT count(*) FROM read_csv('/etc/passwd')", mustBe: 0}
      - {type: sql, query: "COPY shop.members TO '/tmp/out.csv'", mustBe: 0}
      - {type: sql, query: "SELECT count(*) FROM shop.orders", mustBe: 0}
      - {type: sql, query: "SELECT getenv('HOME')", mustBe: 0}
      - {type: sql, query: "SELECT count(*) FROM src_0.shop.members", mustBe: 0}
      - {type: text, description: Members are reviewed yearly}
      - {type: sql, query: "SELECT max(email) FROM ${object}", mustBe: 0}
    properties:
      - name: member_id
        logicalType: string
        quality:
          - {metric: duplicateValues, mustBe: 0, dimension: uniqueness, severity: error}
          - {metric: nullValues, mustBe: 0, dimension: completeness}
      - name: email
        logicalType: string
        quality:
          - {metric: nullValues, unit: percent, mustBeLessOrEqualTo: 10}
          - type: custom
            engine: great-expectations
            dimension: completeness
            implementation: {expectation_type: expect_column_values_to_not_be_null}
          - type: custom
            engine: great-expectations
            implementation: {expectation_type: expect_no_such_thing, kwargs: {}}
      - name: status
        logicalType: string
        quality:
          - {metric: invalidValues, arguments: {validValues: [active, closed]}, mustBe: 0}
          - {metric: missingValues, arguments: {missingValues: [""]}, mustBe: 0}
          - type: custom
            engine: great-expectations
            implementation: {expectation_type: expect_column_values_to_not_be_null}
"""


@pytest.fixture
def members(shop_workspace: Path) -> Path:
    pl.DataFrame(
        {
            "member_id": ["m1", "m2", "m2", "m4", None],
            "email": ["a@example.com", None, None, "d@example.com", "e@example.com"],
            "status": ["active", "closed", "frozen", "active", "active"],
        }
    ).write_parquet(shop_workspace / "data" / "members.parquet")
    (shop_workspace / "contracts" / "shop.members.odcs.yaml").write_text(CONTRACT)
    return shop_workspace


def test_quality_rules_run_with_their_operators(members: Path) -> None:
    ws = load_workspace(members)
    outcome = run_checks(ws, ["contract.quality"], record=False)
    # only the product whose contract has quality rules is checked
    (result,) = outcome.results
    assert (result.product, result.status) == ("shop.members", "fail")
    values = result.values
    assert (values["rules"], values["rules_run"], values["rules_skipped"]) == (17, 9, 8)
    assert values["exceptions"] == result.exceptions == 5
    failed = {(f.column, f.detail["metric"]): f.detail for f in result.findings}
    assert sorted(failed) == [
        ("email", "expect_column_values_to_not_be_null"),
        ("email", "nullValues"),
        ("member_id", "duplicateValues"),
        ("member_id", "nullValues"),
        ("status", "invalidValues"),
    ]
    assert failed[("member_id", "duplicateValues")]["observed"] == 1
    assert failed[("member_id", "duplicateValues")]["dimension"] == "uniqueness"
    assert failed[("member_id", "duplicateValues")]["severity"] == "error"
    assert failed[("email", "nullValues")]["observed"] == pytest.approx(40.0)
    assert failed[("email", "nullValues")]["expected"] == "mustBeLessOrEqualTo 10"
    assert failed[("status", "invalidValues")]["observed"] == 1
    # a Great Expectations rule goes through GX, over every row
    gx = failed[("email", "expect_column_values_to_not_be_null")]
    assert (gx["type"], gx["observed"], gx["dimension"]) == ("custom", 2, "completeness")
    # no raw value of the product is kept
    assert "example.com" not in str(result.findings) + str(values)


def test_contract_sql_beyond_its_table_never_runs(members: Path) -> None:
    ws = load_workspace(members)
    (result,) = run_checks(ws, ["contract.quality"], record=False).results
    skipped = result.values["skipped"]
    assert "schema[0].quality[2]: a SQL rule may not call table functions" in skipped
    assert "schema[0].quality[3]: a SQL rule must be one SELECT" in skipped
    assert "schema[0].quality[4]: a SQL rule may read only shop.members" in skipped
    assert "schema[0].quality[5]: function not allowed in a SQL rule" in skipped
    assert "text rule: nothing to run" in skipped
    assert "schema[0].quality[6]: a SQL rule may read only shop.members" in skipped
    assert "schema[0].quality[8]: a rule must measure a number, not str" in skipped
    assert "example.com" not in skipped + result.query + str(result.findings)
    assert "Great Expectations refused expect_no_such_thing" in skipped
    assert "status" not in skipped  # its GX rule ran (and held)
    assert "read_csv" not in result.query and "COPY" not in result.query


@pytest.mark.parametrize(
    ("operator", "threshold", "value", "expected"),
    [
        ("mustBe", 0, 0, True),
        ("mustBe", 0, 1, False),
        ("mustNotBe", 0, 1, True),
        ("mustBeGreaterThan", 5, 5, False),
        ("mustBeGreaterOrEqualTo", 5, 5, True),
        ("mustBeLessThan", 5, 5, False),
        ("mustBeLessOrEqualTo", 5, 5, True),
        ("mustBeBetween", [1, 5], 5, True),
        ("mustBeBetween", [1, 5], 6, False),
        ("mustNotBeBetween", [1, 5], 3, False),
        ("mustNotBeBetween", [1, 5], 0, True),
        (None, None, 0, True),
        (None, None, 2, False),
        ("mustBe", 0, None, False),
    ],
)
def test_operators(operator: str | None, threshold: object, value: object, expected: bool) -> None:
    rule = QualityRule("library", metric="nullValues", operator=operator, threshold=threshold)
    assert holds(rule, value) is expected


QUALITY = Path(__file__).parent / "quality_contracts"
# the verdicts datacontract-cli 1.2.8 gave (`datacontract test`, local Parquet server) on the
# same contracts and data, rule by rule in contract order
DATACONTRACT_CLI = {
    "members_a": [
        ("schema[0].quality[0]", "pass"),  # rowCount between 1 and 1000
        ("schema[0].quality[1]", "pass"),  # sql: frozen rows < 2
        ("schema[0].properties[0].quality[0]", "fail"),  # duplicateValues = 0 (was 1)
        ("schema[0].properties[0].quality[1]", "fail"),  # nullValues = 0 (was 1)
        ("schema[0].properties[1].quality[0]", "fail"),  # nullValues <= 10 % (was 40 %)
        ("schema[0].properties[1].quality[1]", "pass"),  # missingValues = 2
        ("schema[0].properties[2].quality[0]", "fail"),  # invalidValues = 0 (was 1)
        ("schema[0].properties[2].quality[1]", "pass"),  # missingValues = 0
    ],
    "members_b": [
        ("schema[0].quality[0]", "fail"),  # rowCount > 10 (was 5)
        ("schema[0].quality[1]", "fail"),  # sql: active rows = 2 (was 3)
        ("schema[0].properties[0].quality[0]", "pass"),  # duplicateValues <= 1
        ("schema[0].properties[0].quality[1]", "pass"),  # nullValues < 2
        ("schema[0].properties[1].quality[0]", "pass"),  # nullValues <= 50 %
        ("schema[0].properties[2].quality[0]", "pass"),  # invalidValues = 0 with frozen valid
    ],
}


@pytest.mark.parametrize("name", sorted(DATACONTRACT_CLI))
def test_same_verdicts_as_datacontract_cli(shop_workspace: Path, name: str) -> None:
    pl.DataFrame(
        {
            "member_id": ["m1", "m2", "m2", "m4", None],
            "email": ["a@example.com", None, None, "d@example.com", "e@example.com"],
            "status": ["active", "closed", "frozen", "active", "active"],
        }
    ).write_parquet(shop_workspace / "data" / "members.parquet")
    shutil.copy(QUALITY / f"{name}.odcs.yaml", shop_workspace / "contracts")
    ws = load_workspace(shop_workspace)
    (result,) = run_checks(ws, ["contract.quality"], record=False).results
    assert result.values["rules_skipped"] == 0
    failed = {f.detail["rule"] for f in result.findings}
    ours = [(path, "fail" if path in failed else "pass") for path, _ in DATACONTRACT_CLI[name]]
    assert ours == DATACONTRACT_CLI[name]


def test_meta_products_keeps_the_contracts_own_id(shop_workspace: Path) -> None:
    from privacymesh.catalog import load_catalog
    from privacymesh.engine import open_engine

    pl.DataFrame(
        {"member_id": ["m1"], "email": ["a@example.com"], "status": ["active"]}
    ).write_parquet(shop_workspace / "data" / "members.parquet")
    shutil.copy(QUALITY / "members_a.odcs.yaml", shop_workspace / "contracts")
    ws = load_workspace(shop_workspace)
    with open_engine(ws, load_catalog(ws.catalog)) as engine:
        rows = engine.polars(
            "SELECT product_id, contract_id FROM meta.products WHERE product_id = 'shop.members'"
        ).rows()
    assert rows == [("shop.members", "4f1e2d3c-5b6a-4798-8a9b-0c1d2e3f4a5b")]


def test_key_duplicates_counted_once_give_the_rules_own_value(shop_workspace: Path) -> None:
    """With `contract.conformance` in the run, a `duplicateValues` rule on the primary key
    takes the duplicates its uniqueness rule counted: the same value as the rule's own query."""
    ids = ["m1", "m2", "m2", "m2", "m4", None, "m5", "m5"]
    pl.DataFrame({"member_id": ids, "status": ["active"] * len(ids)}).write_parquet(
        shop_workspace / "data" / "members.parquet"
    )
    contract = CONTRACT.split("    quality:")[0] + (
        "    properties:\n"
        "      - name: member_id\n"
        "        logicalType: string\n"
        "        primaryKey: true\n"
        "        quality:\n"
        "          - {metric: duplicateValues, mustBe: 0}\n"
        "          - {metric: duplicateValues, unit: percent, mustBeLessThan: 1}\n"
        "      - {name: status, logicalType: string}\n"
    )
    (shop_workspace / "contracts" / "shop.members.odcs.yaml").write_text(contract)
    ws = load_workspace(shop_workspace)

    def observed(checks: list[str]) -> list[float]:
        results = run_checks(ws, checks, products=["shop.members"], record=False).results
        (quality,) = [r for r in results if r.check_id == "contract.quality"]
        return [f.detail["observed"] for f in quality.findings]

    # m2 three times and m5 twice: 3 rows beyond each key's first, 3 of 7 keyed rows
    assert observed(["contract.quality"]) == [3, pytest.approx(300 / 7)]
    assert observed(["contract.conformance", "contract.quality"]) == [3, pytest.approx(300 / 7)]
