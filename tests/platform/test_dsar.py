"""The DSAR orchestrator on the sample mesh: requests resolve any identifier, plan tasks across
products and lineage, carry regulation deadlines; access packages hold the subject's data with
Art. 15 context; erasure leaves no residue anywhere and its verification is in the ledger."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from platform_support import snapshot

from privacymesh.ledger import Ledger
from privacymesh.platform import (
    DsarError,
    UnknownSubjectError,
    erase_request,
    export_request,
    get_request,
    list_requests,
    open_request,
)
from privacymesh.platform.identity import IdentityMap
from privacymesh.workspace import Workspace


def _subject(ws: Workspace, with_referral_invite: bool = False) -> dict:
    """An active subject present in several products (and, optionally, invited by someone)."""
    identity = pl.read_parquet(ws.platform / "identity_map.parquet").filter(
        pl.col("status") == "active"
    )
    users = pl.read_parquet(ws.sample / "products" / "identity" / "users.parquet")
    shipments = pl.read_parquet(ws.sample / "products" / "logistics" / "shipments.parquet")
    candidates = identity.join(users.select("user_id"), on="user_id").join(
        shipments.select("customer_ref").unique(), on="customer_ref"
    )
    if with_referral_invite:
        referrals = pl.read_parquet(ws.sample / "products" / "growth" / "referrals.parquet")
        b64 = candidates["email"].map_elements(
            lambda e: base64.b64encode(e.encode()).decode(), return_dtype=pl.String
        )
        candidates = candidates.filter(b64.is_in(referrals["c07"].implode()))
    return candidates.sort("user_id").row(0, named=True)


def _residue(ws: Workspace, ids: dict) -> dict[str, int]:
    """An independent search: every text cell of every product file containing an identifier."""
    tokens = [
        v
        for k, v in ids.items()
        if k
        in (
            "user_id",
            "customer_ref",
            "email",
            "email_hash",
            "device_id",
            "advertising_id",
            "phone",
        )
        and v
    ]
    tokens.append(base64.b64encode(ids["email"].encode()).decode())
    con = duckdb.connect()
    found = {}
    for path in sorted((ws.sample / "products").rglob("*.parquet")):
        rel = con.sql(f"SELECT * FROM read_parquet('{path}')")
        text = [c for c, t in zip(rel.columns, rel.types, strict=True) if str(t) == "VARCHAR"]
        if not text:
            continue
        cond = " OR ".join(f"contains(lower({c}), lower('{tok}'))" for c in text for tok in tokens)
        n = con.sql(f"SELECT count(*) FROM read_parquet('{path}') WHERE {cond}").fetchall()[0][0]
        if n:
            found[path.stem] = n
    return found


def test_open_resolves_any_identifier_and_plans_tasks(ws: Workspace) -> None:
    person = _subject(ws)
    req = open_request(
        ws, person["email"].upper(), "access", "GDPR", received_at=datetime(2026, 1, 31, 9)
    )
    assert req.user_id == person["user_id"] and req.status == "open"
    assert req.deadline == datetime(2026, 2, 28, 9)  # one calendar month
    products = {f"{t['domain']}.{t['product']}" for t in req.tasks}
    assert {"identity.users", "logistics.shipments", "identity.user_devices"} <= products
    assert "analytics.user_profile_wide" in products  # derived from identity.users (lineage)
    assert all(t["status"] == "open" for t in req.tasks)
    ccpa = open_request(
        ws,
        person["customer_ref"],
        "erasure",
        "CCPA",
        received_at=datetime(2026, 1, 1),
        extended=True,
    )
    assert ccpa.deadline == datetime(2026, 4, 1)  # 45 + 45 days
    assert ccpa.request_id > req.request_id
    assert {req.request_id, ccpa.request_id} <= {
        r.request_id for r in list_requests(ws, open_only=True)
    }
    log = (ws.evidence / "audit.jsonl").read_text()
    assert person["user_id"] not in log and person["email"] not in log


def test_bad_requests_change_nothing(ws: Workspace) -> None:
    before = snapshot(ws.sample)
    with pytest.raises(UnknownSubjectError):
        open_request(ws, "nobody@example.org", "access", "GDPR")
    with pytest.raises(DsarError, match="unknown request type"):
        open_request(ws, "u_000001", "deletion", "GDPR")
    with pytest.raises(Exception, match="no DSAR deadline"):
        open_request(ws, "u_000001", "access", "Narnia Privacy Act")
    with pytest.raises(DsarError, match="unknown request"):
        erase_request(ws, "dsar-99999", apply=True)
    access = list_requests(ws)[0]
    with pytest.raises(DsarError, match="not an erasure"):
        erase_request(
            ws, next(r.request_id for r in list_requests(ws) if r.type == "access"), apply=True
        )
    assert access.request_id
    assert snapshot(ws.sample) == before


def test_export_builds_the_access_package(ws: Workspace, tmp_path: Path) -> None:
    person = _subject(ws)
    req = open_request(ws, person["user_id"], "access", "GDPR")
    out = tmp_path / "package"
    result = export_request(ws, req.request_id, out)
    index = json.loads((out / "index.json").read_text())
    assert index["request_id"] == req.request_id and set(index["products"]) == set(result.products)
    users = json.loads((out / "products" / "identity.users.json").read_text())
    assert users["purposes"] == ["account_management", "security"]
    assert users["legal_basis"] == "contract"
    assert users["retention"] == {"days": 1825, "counted_from": "updated_at", "basis": "regulatory"}
    assert (
        "marketing" in users["recipients"] and "user.contact.email" in users["categories_of_data"]
    )
    assert [r["email"] for r in users["rows"]] == [person["email"]]
    shipments = json.loads((out / "products" / "logistics.shipments.json").read_text())
    raw = pl.read_parquet(ws.sample / "products" / "logistics" / "shipments.parquet").filter(
        pl.col("customer_ref") == person["customer_ref"]
    )
    assert len(shipments["rows"]) == raw.height == result.products["logistics.shipments"]
    assert get_request(ws, req.request_id).status == "completed"
    with pytest.raises(DsarError, match="not empty"):
        export_request(ws, req.request_id, out)


def test_erasure_leaves_no_residue_and_is_verified_in_the_ledger(ws: Workspace) -> None:
    person = _subject(ws, with_referral_invite=True)
    assert _residue(ws, person)  # present before
    req = open_request(ws, person["user_id"], "erasure", "GDPR")
    before = snapshot(ws.sample)
    dry = erase_request(ws, req.request_id)
    assert not dry.applied and snapshot(ws.sample) == before
    held = {i.product_id: i for i in dry.items}
    assert held["growth.referrals"].cells.get("c07") == 1 and held["growth.referrals"].key_rows == 0

    outcome = erase_request(ws, req.request_id, apply=True, actor="dpo")
    assert outcome.verified and outcome.residue == 0
    assert _residue(ws, person) == {}
    referrals = pl.read_parquet(ws.sample / "products" / "growth" / "referrals.parquet")
    assert (
        referrals.height
        == pl.read_parquet(
            Path(str(ws.sample)) / "products" / "growth" / "referrals.parquet"
        ).height
    )
    tomb = (
        IdentityMap.load(ws.platform)
        .frame.filter(pl.col("user_id") == person["user_id"])
        .row(0, named=True)
    )
    assert tomb["status"] == "erased" and tomb["email"] is None and tomb["full_name"] is None
    assert tomb["email_hash"] == person["email_hash"]  # the key stays, to prove absence
    assert get_request(ws, req.request_id).status == "completed"

    with Ledger(ws.ledger_path, read_only=True) as ledger:
        verify = ledger.results(check="platform.dsar.erasure_verification")
        erased = ledger.results(check="platform.dsar.erasure")
        run = ledger.runs().row(-1, named=True)
        assert ledger.verify().ok
        dump = ledger.sql("SELECT * FROM results").write_csv()
    assert set(verify["status"]) == {"pass"} and verify.height == len(outcome.items) + 1
    assert erased.filter(pl.col("product_id") == "identity.users")["status"][0] == "pass"
    assert run["actor"] == "dpo" and json.loads(run["options"])["request_id"] == req.request_id
    for value in (person["user_id"], person["email"], person["customer_ref"], person["device_id"]):
        assert value not in dump  # pseudonym and request id only

    again = erase_request(ws, req.request_id, apply=True)
    assert again.verified and not again.items  # nothing left to erase


def test_status_lists_deadlines(shared_ws: Workspace) -> None:
    requests = list_requests(shared_ws)
    assert len(requests) == pl.read_parquet(shared_ws.platform / "dsar_requests.parquet").height
    now = datetime(2026, 11, 1)
    late = [r for r in requests if r.overdue(now)]
    assert late and all(r.deadline is not None for r in requests)
    completed = next(r for r in requests if r.status == "completed")
    assert completed.tasks and all(t["status"] == "completed" for t in completed.tasks)
