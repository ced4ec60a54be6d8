"""Users correct the detector in the contract, and the PII checks follow: a field declared not
personal (with a reason) is an accepted exception whose reason lands in the ledger; a declared
`user.device` covers the `user.device.device_id` the detector names; a restricted field hashed
as its masking rule says is not unmasked. One real run over Parquet files and a real ledger."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from checks_mesh import build, contract

from privacymesh.catalog import load_catalog
from privacymesh.detect import scan_frame
from privacymesh.ledger.store import Ledger
from privacymesh.runner import run_checks
from privacymesh.workspace import load_workspace

CHECKS = ["pii.undeclared", "pii.in_logs", "pii.restricted_unmasked"]
REASON = "QA robot accounts on a test domain, no real person"


def _custom(prop: dict[str, Any], **custom: str) -> None:
    prop["customProperties"] = [{"property": k, "value": v} for k, v in custom.items()]


def add_products(root: Path) -> None:
    n = 120
    emails = [f"qa.robot{i}@example.com" for i in range(n)]
    macs = [":".join(f"{(i * 7 + j * 13) % 256:02X}" for j in range(6)) for i in range(1, n + 1)]
    cache = contract(
        "ops",
        "accounts",
        "cache",
        [{"name": "account_id"}, {"name": "login"}, {"name": "login_sha"}],
        None,
    )
    props = cache["schema"][0]["properties"]
    _custom(props[0], piiCategory="user.unique_id")
    _custom(props[1], notPersonal=REASON)
    props[2]["classification"] = "restricted"
    _custom(props[2], piiCategory="user.contact.email", maskingRule="hash")
    events = contract("ops", "events", "events", [{"name": "event_id"}, {"name": "device"}], None)
    _custom(events["schema"][0]["properties"][1], piiCategory="user.device")
    for doc in (cache, events):
        path = root / "contracts" / f"{doc['id']}.odcs.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
    pl.DataFrame(
        {
            "account_id": [f"A{i:05d}" for i in range(n)],
            "login": emails,
            "login_sha": [hashlib.sha256(e.encode()).hexdigest() for e in emails],
        }
    ).write_parquet(root / "data" / "ops.accounts.parquet")
    pl.DataFrame({"event_id": [f"E{i:05d}" for i in range(n)], "device": macs}).write_parquet(
        root / "data" / "ops.events.parquet"
    )


def test_contract_corrections_are_honored_and_recorded(tmp_path: Path) -> None:
    root = build(tmp_path / "ws")
    add_products(root)
    ws = load_workspace(root)
    catalog = load_catalog(ws.catalog)
    assert catalog.products["ops.accounts"].field("login").not_personal == REASON
    outcome = run_checks(ws, CHECKS, products=["ops.accounts", "ops.events"], catalog=catalog)
    got = {(r.check_id, r.product): r for r in outcome.results}

    undeclared = got[("pii.undeclared", "ops.accounts")]
    assert (undeclared.status, undeclared.exceptions) == ("pass", 0), undeclared.findings
    assert undeclared.values["accepted_exceptions"] == 1
    (accepted,) = undeclared.values["accepted"]
    assert accepted["column"] == "login" and accepted["reason"] == REASON
    assert accepted["categories"] == ["user.contact.email"] and accepted["hit_rate"] == 1.0

    # the detector names the sibling key; the declared family covers it
    events = pl.read_parquet(root / "data" / "ops.events.parquet")
    seen = scan_frame(events, "ops.events").column("device").category_keys()
    assert seen == {"user.device.device_id"}
    in_logs = got[("pii.in_logs", "ops.events")]
    assert (in_logs.status, in_logs.exceptions) == ("pass", 0)

    unmasked = got[("pii.restricted_unmasked", "ops.accounts")]
    assert (unmasked.status, unmasked.exceptions) == ("pass", 0)
    assert unmasked.values["restricted_fields"] == 1

    with Ledger(ws.ledger_path, read_only=True) as ledger:
        rows = ledger.results(check="pii.undeclared", product="ops.accounts")
    measured = json.loads(rows["measured"][0])
    assert json.loads(measured["accepted"])[0]["reason"] == REASON


def test_without_the_corrections_the_same_data_fails(tmp_path: Path) -> None:
    root = build(tmp_path / "ws")
    add_products(root)
    for name, old, new in (
        ("ops.accounts", "notPersonal", "note"),
        ("ops.accounts", "value: hash", "value: partial"),
        ("ops.events", "value: user.device", "value: user.device.cookie_id"),
    ):
        path = root / "contracts" / f"{name}.odcs.yaml"
        path.write_text(path.read_text().replace(old, new))
    ws = load_workspace(root)
    outcome = run_checks(ws, CHECKS, products=["ops.accounts", "ops.events"], record=False)
    got = {(r.check_id, r.product): r.exceptions for r in outcome.results}
    assert got[("pii.undeclared", "ops.accounts")] == 1  # login is undeclared
    assert got[("pii.restricted_unmasked", "ops.accounts")] == 1  # a hash, but rule `partial`
    # a declared cookie id is the same family as the device id the detector names
    assert got[("pii.in_logs", "ops.events")] == 0
