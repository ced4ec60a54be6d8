from __future__ import annotations

import shutil
from pathlib import Path

from privacymesh.catalog import load_catalog, parse_contract
from privacymesh.catalog.gate import evaluate_gate

BROKEN = Path(__file__).parent / "contracts" / "broken"


def test_good_catalog_parses_every_field(shop_catalog: Path) -> None:
    catalog = load_catalog(shop_catalog)
    assert catalog.errors == []
    assert sorted(catalog.products) == ["shop.order_export", "shop.order_totals", "shop.orders"]
    orders = catalog.get("shop.orders")
    assert orders.view == '"shop"."orders"'
    assert orders.owners == ("shop-lead@example.com",)
    assert orders.retention is not None
    assert (orders.retention.element, orders.retention.days) == ("ordered_at", 730)
    assert [f.name for f in orders.personal_fields] == ["customer_id", "email"]
    assert orders.field("email").masking_rule == "partial"
    assert orders.field("email").classification == "restricted"
    assert orders.roles[0].clearance == "confidential"
    assert (orders.subject_key, orders.subject_key_form) == ("customer_id", "user_id")
    assert orders.purposes == ("order_fulfilment",)
    assert len(catalog.fingerprint) == 64


def test_lineage_up_and_downstream(shop_catalog: Path) -> None:
    catalog = load_catalog(shop_catalog)
    assert catalog.get("shop.order_totals").upstream == ("shop.orders",)
    assert catalog.downstream("shop.orders") == ["shop.order_totals", "shop.order_export"]
    assert catalog.downstream("shop.orders", transitive=False) == ["shop.order_totals"]
    assert catalog.upstream("shop.order_export") == ["shop.order_totals", "shop.orders"]


def test_fingerprint_changes_with_content(shop_catalog: Path) -> None:
    before = load_catalog(shop_catalog).fingerprint
    f = shop_catalog / "shop.orders.odcs.yaml"
    f.write_text(f.read_text().replace("version: 1.0.0", "version: 1.0.1"))
    assert load_catalog(shop_catalog).fingerprint != before


def _issues(name: str) -> list[str]:
    return [str(i) for i in parse_contract(BROKEN / name).issues if i.severity == "error"]


def test_malformed_yaml_names_file_and_line() -> None:
    (issue,) = parse_contract(BROKEN / "malformed.odcs.yaml").issues
    assert issue.file.name == "malformed.odcs.yaml"
    assert "malformed YAML" in issue.message
    assert issue.line == 7
    assert "flow mapping started at line 6" in issue.message


def test_missing_required_field() -> None:
    (issue,) = parse_contract(BROKEN / "missing_kind.odcs.yaml").issues
    assert issue.field == "kind"
    assert issue.message == "required field is missing"


def test_wrong_type_names_field_path_and_line() -> None:
    (issue,) = parse_contract(BROKEN / "wrong_type.odcs.yaml").issues
    assert issue.field == "schema[0].properties[3].required"
    assert issue.line == 47
    assert "'maybe'" in (issue.found or "")
    assert issue.expected == "boolean"


def test_unknown_classification() -> None:
    (issue,) = parse_contract(BROKEN / "unknown_class.odcs.yaml").issues
    assert issue.field == "schema[0].properties[0].classification"
    assert issue.found == "'top_secret'"
    assert "restricted" in (issue.expected or "")


def test_injection_in_field_name_is_rejected() -> None:
    (issue,) = parse_contract(BROKEN / "injection.odcs.yaml").issues
    assert issue.field == "schema[0].properties[3].name"
    assert "DROP TABLE" in (issue.found or "")
    assert "plain identifier" in issue.message


def test_broken_folder_reports_one_clear_error_each(tmp_path: Path) -> None:
    shutil.copytree(BROKEN, tmp_path / "broken")
    catalog = load_catalog(tmp_path / "broken")
    by_file: dict[str, list[str]] = {}
    for issue in catalog.errors:
        by_file.setdefault(issue.file.name, []).append(
            f"{issue.field}: {issue.message} [{issue.origin}]"
        )
    assert by_file == {
        "malformed.odcs.yaml": [
            ": malformed YAML: expected ',' or '}', but got '<stream end>' "
            "(while parsing a flow mapping started at line 6) [YAML 1.2]"
        ],
        "missing_kind.odcs.yaml": ["kind: required field is missing [ODCS v3.1.0 schema]"],
        "wrong_type.odcs.yaml": [
            "schema[0].properties[3].required: wrong type [ODCS v3.1.0 schema]"
        ],
        "duplicate_b.odcs.yaml": [
            "dataProduct: another contract registers the same table address "
            "[privacymesh PM-CAT-022]"
        ],
        "injection.odcs.yaml": [
            "schema[0].properties[3].name: a property name must be a plain identifier "
            "[privacymesh PM-CAT-021]"
        ],
    }
    # privacymesh's privacy rules do not stop registration: the gate judges them
    findings = sorted((i.file.name, i.rule, i.severity) for i in catalog.findings)
    assert findings == [
        ("duplicate_b.odcs.yaml", "PM-CAT-014", "warning"),
        ("missing_input.odcs.yaml", "PM-CAT-012", "error"),
        ("unknown_class.odcs.yaml", "PM-CAT-007", "error"),
    ]
    assert sorted(catalog.products) == ["bad.missing_input", "bad.unknown_class", "shop.orders"]
    gate = evaluate_gate(catalog.get("bad.unknown_class"))
    assert not gate.passed
    assert [(r.rule, r.field) for r in gate.reasons if r.rule == "PM-CAT-007"] == [
        ("PM-CAT-007", "schema[0].properties[0].classification")
    ]


def test_not_personal_takes_a_reason_and_excludes_a_category(shop_catalog: Path) -> None:
    f = shop_catalog / "shop.orders.odcs.yaml"
    text = f.read_text()
    f.write_text(
        text.replace(
            "{name: order_id, logicalType: string, classification: internal, primaryKey: true}",
            "{name: order_id, logicalType: string, classification: internal, primaryKey: true,"
            " customProperties: [{property: notPersonal, value: ' sequential order numbers '}]}",
        )
    )
    orders = load_catalog(shop_catalog).get("shop.orders")
    assert orders.field("order_id").not_personal == "sequential order numbers"
    assert not orders.field("order_id").personal
    # on a field with a category, or without a reason, it is an error on that field
    f.write_text(
        text.replace(
            "- {property: maskingRule, value: partial}",
            "- {property: notPersonal, value: public data}",
        )
    )
    issues = [i.field for i in parse_contract(f).issues if i.rule == "PM-CAT-009"]
    assert issues == ["schema[0].properties[2].customProperties.notPersonal"]
    f.write_text(
        text.replace(
            "primaryKey: true}",
            "primaryKey: true, customProperties: [{property: notPersonal, value: '  '}]}",
        )
    )
    issues = [i.field for i in parse_contract(f).issues if i.rule == "PM-CAT-009"]
    assert issues == ["schema[0].properties[0].customProperties.notPersonal"]
