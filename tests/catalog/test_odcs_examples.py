"""The ODCS standard's published examples (bitol-io/open-data-contract-standard, docs/examples,
Apache-2.0, copied unchanged under contracts/odcs_examples/) all register, whatever their shape,
and what they declare is read correctly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from privacymesh.catalog import load_catalog, parse_contract
from privacymesh.catalog.gate import evaluate_gate

EXAMPLES = Path(__file__).parent / "contracts" / "odcs_examples"
GOOD = Path(__file__).parent / "contracts" / "good" / "shop.orders.odcs.yaml"


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("odcs") / "contracts"
    shutil.copytree(EXAMPLES, root)
    return root


def test_every_published_example_registers(examples: Path) -> None:
    catalog = load_catalog(examples)
    assert len(catalog.contracts) == 18
    assert catalog.errors == []
    assert len(catalog.registered) == 18
    # every issue left is a privacymesh rule or a version label, judged by the gate
    assert {i.rule for i in catalog.issues} <= {
        "PM-CAT-012",
        "PM-CAT-013",
        "PM-CAT-014",
        "PM-CAT-015",
    }


def test_examples_register_flat_in_one_folder_too(tmp_path: Path) -> None:
    flat = tmp_path / "contracts"
    flat.mkdir()
    for f in EXAMPLES.rglob("*.odcs.yaml"):
        shutil.copy(f, flat / f"{f.parent.name}-{f.name}")
    catalog = load_catalog(flat)
    assert catalog.errors == [] and len(catalog.registered) == 18


def test_what_the_full_example_declares(examples: Path) -> None:
    catalog = load_catalog(examples)
    (full,) = [c for c in catalog.contracts if c.file.name == "full-example.odcs.yaml"]
    assert full.id == "53581432-6c55-4ba2-a65f-72344a91553a"  # the UUID is kept
    assert full.address == "seller.my_quantum"  # domain + dataProduct "my quantum"
    assert [p.id for p in full.products] == [
        "seller.my_quantum__tbl",
        "seller.my_quantum__receivers",
    ]
    tbl = catalog.get("seller.my_quantum__tbl")
    assert (tbl.contract_id, tbl.product, tbl.table) == (full.id, "seller.my_quantum", "tbl")
    assert tbl.server is not None and tbl.server.type == "postgres"
    assert [f.name for f in tbl.fields][:2] == ["transaction_reference_date", "rcvr_id"]
    assert tbl.field("rcvr_id").classification == "restricted"  # type: ignore[union-attr]
    assert catalog.tables_of("seller.my_quantum") == [
        tbl,
        catalog.get("seller.my_quantum__receivers"),
    ]
    # a postgres server is read through its connector: no "not readable" warning
    reasons = {(r.rule, r.severity) for r in evaluate_gate(tbl).reasons}
    assert ("PM-CAT-013", "warning") not in reasons
    assert tbl.server.name == "my-postgres"  # the workspace source it names


def test_shapes_map_onto_the_catalog(examples: Path) -> None:
    catalog = load_catalog(examples)
    by_file = {c.file.relative_to(examples).as_posix(): c for c in catalog.contracts}
    adventure = by_file["all/postgresql-adventureworks-contract.odcs.yaml"]
    assert adventure.address == "all.postgresql_adventureworks_contract"  # from the layout
    assert len(adventure.products) == 68  # one table per schema object
    for name in (
        "roles/service-and-operational-roles.odcs.yaml",
        "server/azure-server.odcs.yaml",
        "sla/database-table-sla.odcs.yaml",
        "stakeholders/basic-four-dpo.odcs.yaml",
    ):
        assert by_file[name].ok and by_file[name].products == []  # metadata only
    kafka = catalog.get("schema.kafka_schema")
    assert kafka.server is not None and kafka.server.type == "kafka"
    assert by_file["schema/kafka-schema.odcs.yaml"].id == "orders"


def test_a_contract_labelled_older_than_its_fields_registers_with_gate_errors(
    examples: Path,
) -> None:
    parsed = parse_contract(examples / "data-types" / "all-data-types.odcs.yaml")
    assert parsed.ok and parsed.version == "v3.1.0"
    found = [(i.line, i.field, i.origin) for i in parsed.issues]
    assert found[0] == (
        25,
        "schema[0].properties[1].logicalTypeOptions.exclusiveMinimum",
        "ODCS v3.0.2 schema, PM-CAT-015",
    )
    assert [line for line, _, _ in found] == [25, 30, 37, 46, 63]
    assert all("declare apiVersion: v3.1.0" in i.message for i in parsed.issues)
    assert not evaluate_gate(parsed.products[0]).passed


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "c").mkdir(exist_ok=True)
    text = GOOD.read_text()
    assert old in text
    file = tmp_path / "c" / GOOD.name
    file.write_text(text.replace(old, new, 1))
    return file


@pytest.mark.parametrize("version", ["v2.2.0", "v3.9.0", "3.1.0"])
def test_unknown_api_version_is_one_clear_error(tmp_path: Path, version: str) -> None:
    parsed = parse_contract(_variant(tmp_path, "apiVersion: v3.1.0", f"apiVersion: {version}"))
    (issue,) = parsed.issues
    assert (issue.line, issue.field, issue.blocks) == (1, "apiVersion", True)
    assert "v3.0.0, v3.0.1, v3.0.2, v3.1.0" in (issue.expected or "")
    assert not parsed.ok


def test_31_features_under_a_302_label_are_flagged_at_their_lines(tmp_path: Path) -> None:
    # `team` as an object and the `timestamp` logical type exist from ODCS v3.1.0 only
    file = _variant(tmp_path, "apiVersion: v3.1.0", "apiVersion: v3.0.2")
    parsed = parse_contract(file)
    assert [(i.line, i.field, i.rule) for i in parsed.issues] == [
        (11, "team", "PM-CAT-015"),
        (48, "schema[0].properties[4].logicalType", "PM-CAT-015"),
    ]
    assert {i.source for i in parsed.issues} == {"ODCS v3.0.2 schema"}
    assert parsed.ok and not any(i.blocks for i in parsed.issues)
    assert "PM-CAT-015" in {r.rule for r in evaluate_gate(parsed.products[0]).blocking}


def test_invalid_under_every_release_does_not_register(tmp_path: Path) -> None:
    file = _variant(tmp_path, "status: active", "status: [active]")
    (issue,) = parse_contract(file).issues
    assert (issue.line, issue.field, issue.message, issue.blocks) == (
        6,
        "status",
        "wrong type",
        True,
    )
    assert issue.origin == "ODCS v3.1.0 schema"


def test_a_product_address_selects_all_its_tables(examples: Path) -> None:
    catalog = load_catalog(examples)
    assert [p.id for p in catalog.select(["seller.my_quantum"])] == [
        "seller.my_quantum__receivers",
        "seller.my_quantum__tbl",
    ]
    assert [p.id for p in catalog.select(["seller.my_quantum__tbl"])] == ["seller.my_quantum__tbl"]
