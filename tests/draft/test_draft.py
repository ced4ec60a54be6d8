"""Drafted contracts: valid ODCS, the detector's categories, the policy's classifications, a
gate that fails until the owner has reviewed the draft."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from ruamel.yaml import YAML

from privacymesh.catalog import load_catalog, parse_contract
from privacymesh.catalog.gate import evaluate_gate
from privacymesh.catalog.server_paths import SourceBounds
from privacymesh.detect import ScanOptions
from privacymesh.detect.taxonomy import fideslang_keys
from privacymesh.draft import CLASSIFICATION_POLICY, draft_contract, open_product_source, propose
from privacymesh.draft.contract import logical_type
from privacymesh.errors import SourceError

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"
TARGET = 0.95  # issue 27: proposed categories match the declared ones for 95% of fields
FLOOR = 0.70  # a regression below it fails


def test_policy_rows_are_fideslang_keys_and_the_most_specific_wins() -> None:
    assert {r.category for r in CLASSIFICATION_POLICY} <= fideslang_keys()
    assert propose("user.contact.address.country").classification == "internal"
    assert propose("user.contact.address.city").classification == "confidential"
    assert propose("user.contact.address.street").masking == "redact"
    assert propose("user.financial.credit_card").classification == "restricted"
    assert propose("user.financial").classification == "confidential"
    assert propose("user.sensor").classification == "confidential"  # falls to `user`
    assert propose("system.operations").classification == "internal"
    assert propose(None).classification == "internal"


@pytest.mark.parametrize(
    ("physical", "logical"),
    [
        ("VARCHAR", "string"),
        ("BIGINT", "integer"),
        ("INTEGER", "integer"),
        ("DOUBLE", "number"),
        ("DECIMAL(10,2)", "number"),
        ("BOOLEAN", "boolean"),
        ("DATE", "date"),
        ("TIMESTAMP", "timestamp"),
        ("TIMESTAMP WITH TIME ZONE", "timestamp"),
        ("TIME", "time"),
        ("VARCHAR[]", "array"),
        ("STRUCT(a INTEGER)", "object"),
    ],
)
def test_logical_types(physical: str, logical: str) -> None:
    assert logical_type(physical) == logical


@pytest.fixture(scope="module")
def sample_drafts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A draft of every sample product, written beside a copy-free pointer to its Parquet."""
    out = tmp_path_factory.mktemp("drafts")
    catalog = load_catalog(SAMPLE / "contracts")
    drafts: dict[str, Path] = {}
    for product in catalog.products.values():
        assert product.server is not None and product.server.path is not None
        folder = out / product.domain
        draft = draft_contract(
            open_product_source(product.server.path),
            product.domain,
            product.name,
            folder,
            ScanOptions(sample_rows=2000),
        )
        target = folder / f"{product.name}.odcs.yaml"
        draft.write(target)
        drafts[product.id] = target
    return drafts


def _bounds(out: Path) -> SourceBounds:
    return SourceBounds((out.resolve(), SAMPLE.resolve()))


def test_every_sample_draft_validates_as_odcs(sample_drafts: dict[str, Path]) -> None:
    catalog = load_catalog(SAMPLE / "contracts")
    assert len(sample_drafts) == len(catalog.products) >= 20
    for product_id, file in sample_drafts.items():
        parsed = parse_contract(file, _bounds(file.parent.parent))
        assert parsed.ok, [str(i) for i in parsed.issues if i.blocks]
        assert not [i for i in parsed.issues if i.rule == "PM-CAT-015"], product_id
        (table,) = parsed.products
        assert table.id == product_id
        declared = catalog.products[product_id]
        assert [f.name for f in table.fields] == [f.name for f in declared.fields]


def _declared_vs_proposed(drafts: dict[str, Path]) -> tuple[int, list[str]]:
    catalog = load_catalog(SAMPLE / "contracts")
    matched, misses = 0, []
    for product_id, file in drafts.items():
        (draft,) = parse_contract(file, _bounds(file.parent.parent)).products
        for field in catalog.products[product_id].personal_fields:
            proposed = draft.field(field.name)
            got = proposed.pii_category if proposed else None
            if got == field.pii_category:
                matched += 1
            else:
                misses.append(
                    f"{product_id}.{field.name}: declared {field.pii_category}, got {got}"
                )
    return matched, misses


def test_proposed_categories_match_the_declared_ones(sample_drafts: dict[str, Path]) -> None:
    """Exact fideslang keys (the family level would hide a street proposed as a city)."""
    matched, misses = _declared_vs_proposed(sample_drafts)
    total = matched + len(misses)
    print(f"\n{matched}/{total} personal fields proposed exactly as declared; the rest:")
    print("\n".join(misses))
    assert total >= 60
    assert matched / total >= FLOOR


def test_proposed_categories_reach_the_issue_target(sample_drafts: dict[str, Path]) -> None:
    matched, misses = _declared_vs_proposed(sample_drafts)
    assert matched / (matched + len(misses)) >= TARGET


def _owner_fills_in(file: Path) -> None:
    """What the owner does: an owner, a retention, each classification reviewed."""
    yaml = YAML()
    doc = yaml.load(file)
    doc["team"]["members"] = [{"username": "lead@example.com", "role": "owner"}]
    doc["slaProperties"][0]["value"] = 365
    doc["status"] = "active"
    doc["customProperties"] = [c for c in doc["customProperties"] if c["property"] != "draft"]
    for prop in doc["schema"][0]["properties"]:
        for custom in prop["customProperties"]:
            if custom["property"] == "classificationReviewed":
                custom["value"] = True
    yaml.dump(doc, file)


def test_the_gate_fails_a_fresh_draft_and_passes_it_once_filled_in(
    sample_drafts: dict[str, Path],
) -> None:
    file = sample_drafts["crm.customers"]
    bounds = _bounds(file.parent.parent)
    (fresh,) = parse_contract(file, bounds).products
    gate = evaluate_gate(fresh)
    assert not gate.passed
    assert {r.rule for r in gate.blocking} == {
        "PM-CAT-001",
        "PM-CAT-006",
        "PM-CAT-011",
        "PM-CAT-016",
    }
    reviewed = [r for r in gate.blocking if r.rule == "PM-CAT-016"]
    assert len(reviewed) == len(fresh.fields) + 1  # every column, and the draft mark
    assert fresh.subject_key == "customer_ref"
    assert fresh.field("email").classification == "restricted"
    assert fresh.field("created_at").classification == "internal"

    _owner_fills_in(file)
    text = file.read_text()
    assert "# detector: user.contact.email (confidence" in text  # comments survive review
    (filled,) = parse_contract(file, bounds).products
    result = evaluate_gate(filled)
    assert result.passed, [str(r) for r in result.blocking]


def test_cli_drafts_refuses_to_overwrite_and_the_gate_reads_the_draft(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    emails = [f"person{i}@example.com" for i in range(40)]
    pl.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(40)],
            "email": emails,
            "amount": [float(i) for i in range(40)],
            "ordered_at": pl.datetime_range(
                pl.datetime(2026, 1, 1), pl.datetime(2026, 1, 1, 0, 39), "1m", eager=True
            ),
        }
    ).write_parquet(data / "orders.parquet")
    args = [sys.executable, "-m", "privacymesh", "contract", "draft", "data/orders.parquet"]
    args += ["--domain", "shop", "--product", "orders"]
    first = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    draft = tmp_path / "shop" / "orders.odcs.yaml"
    text = draft.read_text()
    assert "value: user.contact.email" in text
    assert "path: ../data/orders.parquet" in text
    assert not [e for e in emails if e in text + first.stdout]  # counts and categories only
    again = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True)
    assert again.returncode == 2
    assert len(again.stderr.strip().splitlines()) == 1 and "exists" in again.stderr
    gate = subprocess.run(
        [sys.executable, "-m", "privacymesh", "gate", str(draft)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert gate.returncode == 1
    assert "PM-CAT-016" in gate.stdout + gate.stderr


def test_an_unknown_format_is_a_source_error(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(SourceError, match="unknown product format"):
        open_product_source(tmp_path / "x.json")


def test_the_readme_prints_the_policy_table() -> None:
    from privacymesh.draft.policy import policy_table_markdown

    assert policy_table_markdown() in (REPO / "README.md").read_text("utf-8")
