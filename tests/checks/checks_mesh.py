"""A small hand-built mesh for the consent, DSAR, rotation and cost checks: four domains, five
products and platform tables written as real Parquet files, where every expected value can be
worked out by hand (see the comments next to the rows)."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import yaml

REPO = Path(__file__).parents[2]
AS_OF = datetime(2026, 4, 1)  # a Wednesday; last complete month March, quarter 2026-Q1


def _email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def contract(
    domain: str,
    name: str,
    kind: str,
    fields: list[dict[str, Any]],
    purposes: list[str] | None,
    subject_key: str | None = None,
    subject_key_form: str | None = None,
) -> dict[str, Any]:
    """A minimal valid ODCS v3.1.0 contract for a local Parquet file."""
    custom = [
        {"property": "productKind", "value": kind},
        {"property": "processingMode", "value": "batch"},
    ]
    if subject_key:
        custom += [
            {"property": "subjectKey", "value": subject_key},
            {"property": "subjectKeyForm", "value": subject_key_form},
        ]
    if purposes is not None:
        custom.append({"property": "purposes", "value": purposes})
    properties = []
    for f in fields:
        prop: dict[str, Any] = {
            "name": f["name"],
            "logicalType": f.get("type", "string"),
            "classification": f.get("classification", "internal"),
        }
        props = []
        if f.get("pii"):
            props.append({"property": "piiCategory", "value": f["pii"]})
            props.append({"property": "maskingRule", "value": "partial"})
            prop["classification"] = "confidential"
        if props:
            prop["customProperties"] = props
        if f.get("sources"):
            prop["transformSourceObjects"] = f["sources"]
        properties.append(prop)
    return {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": f"{domain}.{name}",
        "name": name,
        "version": "1.0.0",
        "status": "active",
        "domain": domain,
        "dataProduct": name,
        "description": {"purpose": f"Test product {domain}.{name}."},
        "team": {"name": f"{domain}-data", "members": [{"username": "lead", "role": "owner"}]},
        "roles": [
            {
                "role": f"{domain}_reader",
                "access": "read",
                "customProperties": [{"property": "clearance", "value": "confidential"}],
            }
        ],
        "servers": [
            {
                "server": "local",
                "type": "local",
                "path": f"../data/{domain}.{name}.parquet",
                "format": "parquet",
            }
        ],
        "slaProperties": [
            {
                "property": "retention",
                "value": 5,
                "unit": "y",
                "element": f"{name}.{fields[0]['name']}",
            }
        ],
        "customProperties": custom,
        "schema": [
            {"name": name, "physicalName": name, "physicalType": "table", "properties": properties}
        ],
    }


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


# ---- subjects -------------------------------------------------------------------------------
# u1, u2 erased (completed erasures); u3 has an open erasure; u4 active
EMAILS = {
    "u1": "ann@example.com",
    "u2": "bo@example.org",
    "u3": "cy@example.net",
    "u4": "di@example.com",
}
DEVICES = {u: f"{i}0000000-0000-4000-8000-00000000000{i}" for i, u in enumerate(EMAILS, 1)}
REFS = {u: f"CR-00000{i}" for i, u in enumerate(EMAILS, 1)}


def identity_map() -> pl.DataFrame:
    users = list(EMAILS)
    erased = {"u1", "u2"}
    return pl.DataFrame(
        {
            "user_id": users,
            "customer_ref": [REFS[u] for u in users],
            "email": [None if u in erased else EMAILS[u] for u in users],
            "email_hash": [_email_hash(EMAILS[u]) for u in users],
            "device_id": [DEVICES[u] for u in users],
            "status": ["erased" if u in erased else "active" for u in users],
        }
    )


# ---- products -------------------------------------------------------------------------------
def products() -> dict[str, tuple[dict[str, Any], pl.DataFrame]]:
    """Product id -> (contract, data)."""
    profiles = pl.DataFrame(
        {
            "updated_at": [ts("2026-03-01T00:00:00")] * 3,
            "user_id": ["u1", "u3", "u4"],  # u1 erased: residue
            "email": [EMAILS["u1"], EMAILS["u3"], EMAILS["u4"]],
        }
    )
    audience = pl.DataFrame(
        {
            "exported_at": [ts("2026-03-02T00:00:00")] * 2,
            "user_id": ["u4", "u4"],
            # u2's device id in upper case: residue, matched through the device-id form
            "device": [DEVICES["u2"].upper(), DEVICES["u4"]],
        }
    )
    contacts = pl.DataFrame(
        {
            "created_at": [ts("2026-01-05T00:00:00")] * 3,
            "customer_ref": [REFS["u3"], REFS["u4"], "CR-999999"],
            # u2's raw email, differently cased and padded: residue, matched by its hash
            "contact_email": ["  Bo@Example.ORG ", EMAILS["u4"], "zed@example.com"],
        }
    )
    report = pl.DataFrame({"day": [date(2026, 3, 1)], "profiles": [3]})
    segments = pl.DataFrame({"updated_at": [ts("2026-03-01T00:00:00")], "user_id": ["u4"]})
    return {
        "shop.profiles": (
            contract(
                "shop",
                "profiles",
                "source",
                [
                    {"name": "updated_at", "type": "timestamp"},
                    {"name": "user_id", "pii": "user.unique_id"},
                    {"name": "email", "pii": "user.contact.email"},
                ],
                ["marketing"],
                "user_id",
                "user_id",
            ),
            profiles,
        ),
        # a downstream consumer declaring no purposes of its own: inherits marketing
        "ads.audience": (
            contract(
                "ads",
                "audience",
                "cache",
                [
                    {"name": "exported_at", "type": "timestamp"},
                    {
                        "name": "user_id",
                        "pii": "user.unique_id",
                        "sources": ["shop.profiles.user_id"],
                    },
                    {"name": "device", "pii": "user.device.device_id"},
                ],
                None,
                "user_id",
                "user_id",
            ),
            audience,
        ),
        "crm.contacts": (
            contract(
                "crm",
                "contacts",
                "source",
                [
                    {"name": "created_at", "type": "timestamp"},
                    {"name": "customer_ref", "pii": "user.unique_id"},
                    {"name": "contact_email", "pii": "user.contact.email"},
                ],
                ["marketing", "sale_sharing"],
                "customer_ref",
                "customer_ref",
            ),
            contacts,
        ),
        # an aggregate downstream of shop.profiles: no personal data, not obligated
        "bi.report": (
            contract(
                "bi",
                "report",
                "derived",
                [
                    {"name": "day", "type": "date"},
                    {"name": "profiles", "type": "integer", "sources": ["shop.profiles.user_id"]},
                ],
                ["reporting"],
            ),
            report,
        ),
        # personal and downstream of shop.profiles, but with a purpose of its own: obliged to
        # apply marketing withdrawals only under `downstream: all`
        "bi.segments": (
            contract(
                "bi",
                "segments",
                "derived",
                [
                    {"name": "updated_at", "type": "timestamp"},
                    {
                        "name": "user_id",
                        "pii": "user.unique_id",
                        "sources": ["shop.profiles.user_id"],
                    },
                ],
                ["analytics"],
                "user_id",
                "user_id",
            ),
            segments,
        ),
    }


# ---- consent --------------------------------------------------------------------------------
def consent_events() -> pl.DataFrame:
    rows = [
        ("e01", "u1", "marketing", "grant", "2026-01-01T00:00:00", "GDPR"),
        ("e02", "u1", "marketing", "withdraw", "2026-03-02T10:00:00", "GDPR"),  # a Monday
        ("e03", "u2", "marketing", "withdraw", "2026-03-03T12:00:00", "GDPR"),
        ("e04", "u3", "sale_sharing", "withdraw", "2026-03-06T09:00:00", "CCPA"),  # a Friday
        ("e05", "u4", "marketing", "withdraw", "2026-03-31T20:00:00", "GDPR"),  # 4 h before as_of
        ("e06", "u5", "sale_sharing", "withdraw", "2026-03-07T10:00:00", "CCPA"),  # a Saturday
        ("e07", "u6", "marketing", "grant", "2026-02-01T00:00:00", "GDPR"),
        ("e08", "u6", "marketing", "withdraw", "2026-02-10T00:00:00", "GDPR"),
        ("e09", "u6", "marketing", "grant", "2026-02-20T00:00:00", "GDPR"),  # granted again
        ("e10", "u7", "marketing", "withdraw", "2026-04-05T00:00:00", "GDPR"),  # after as_of
    ]
    return pl.DataFrame(
        [(e, u, p, a, ts(t), "web", "2026.1", r) for e, u, p, a, t, r in rows],
        schema=[
            "event_id",
            "user_id",
            "purpose",
            "action",
            "event_time",
            "source",
            "notice_version",
            "regulation",
        ],
        orient="row",
    )


def consent_applications() -> pl.DataFrame:
    rows = [
        ("shop", "e02", "2026-03-02T12:00:00"),  # 2 h
        ("shop", "e03", "2026-03-04T18:00:00"),  # 30 h: late
        ("shop", "e08", "2026-02-10T01:00:00"),  # 1 h
        # ads applies e02 after 5 h, and never applies e03 and e08 (overdue) nor e05
        ("ads", "e02", "2026-03-02T15:00:00"),
        ("crm", "e02", "2026-03-02T11:00:00"),  # 1 h
        ("crm", "e03", "2026-03-03T22:00:00"),  # 10 h
        ("crm", "e04", "2026-03-27T18:00:00"),  # 15 business days end 2026-03-27 24:00: on time
        ("crm", "e06", "2026-03-28T01:00:00"),  # Saturday counts as Friday 03-06: late
        ("crm", "e08", "2026-02-10T02:00:00"),  # 2 h
    ]
    return pl.DataFrame(
        [(d, e, ts(t)) for d, e, t in rows],
        schema=["domain", "event_id", "applied_at"],
        orient="row",
    )


def processing_log() -> pl.DataFrame:
    rows = [
        ("shop", "shop.profiles", "u1", "marketing", "2026-03-02T09:00:00"),  # before withdrawal
        ("shop", "shop.profiles", "u1", "marketing", "2026-03-02T11:00:00"),  # 1 h after e02
        ("ads", "ads.audience", "u1", "marketing", "2026-03-05T10:00:00"),  # 72 h after e02
        ("shop", "shop.profiles", "u6", "marketing", "2026-02-15T00:00:00"),  # 120 h after e08
        ("shop", "shop.profiles", "u6", "marketing", "2026-02-25T00:00:00"),  # granted again: fine
        ("crm", "crm.contacts", "u2", "marketing", "2026-03-03T12:10:00"),  # 10 min after e03
        ("crm", "crm.contacts", "u9", "marketing", "2026-03-03T12:10:00"),  # no consent events
        ("shop", "shop.profiles", "u7", "marketing", "2026-04-02T00:00:00"),  # after as_of
    ]
    return pl.DataFrame(
        [(d, p, u, pu, ts(t)) for d, p, u, pu, t in rows],
        schema=["domain", "product", "user_id", "purpose", "processed_at"],
        orient="row",
    )


# ---- DSARs ----------------------------------------------------------------------------------
def dsar_requests() -> pl.DataFrame:
    rows = [
        # id, user, type, regulation, received, extended, completed
        # r1: GDPR, 31 Jan -> 28 Feb 10:00, done 09:00: on time; r2: done 1 Mar: late
        ("r1", "u1", "erasure", "GDPR", "2026-01-31T10:00:00", False, "2026-02-28T09:00:00"),
        ("r2", "u2", "erasure", "GDPR", "2026-01-31T10:00:00", False, "2026-03-01T00:00:00"),
        # r3: extended to 10 Apr, completed after as_of: open at as_of
        ("r3", "u4", "access", "GDPR", "2026-01-10T00:00:00", True, "2026-04-05T00:00:00"),
        ("r4", "u4", "access", "CCPA", "2026-02-01T00:00:00", False, None),  # overdue (03-18)
        ("r5", "u3", "erasure", "LGPD", "2026-03-20T00:00:00", False, None),  # due 04-04: soon
        ("r6", "u4", "access", "DPDP", "2026-03-25T00:00:00", False, None),  # due 06-23: open
        # r7: a regulation without a configured deadline
        ("r7", "u4", "access", "PIPL", "2026-03-01T00:00:00", False, "2026-03-10T00:00:00"),
        ("r8", "u4", "access", "GDPR", "2026-04-02T00:00:00", False, None),  # after as_of
    ]
    return pl.DataFrame(
        [
            (i, u, t, r, ts(rec), ext, ts(c) if c else None, "completed" if c else "open")
            for i, u, t, r, rec, ext, c in rows
        ],
        schema=[
            "request_id",
            "user_id",
            "type",
            "regulation",
            "received_at",
            "extended",
            "completed_at",
            "status",
        ],
        orient="row",
    )


def dsar_tasks() -> pl.DataFrame:
    rows = [
        ("r1", "shop", "profiles", "2026-02-20T00:00:00"),  # on time (and residue remains: u1)
        ("r2", "shop", "profiles", "2026-02-20T00:00:00"),  # on time
        ("r2", "crm", "contacts", "2026-03-01T00:00:00"),  # late (deadline 02-28 10:00)
        ("r4", "shop", "profiles", None),  # overdue
        ("r4", "crm", "contacts", "2026-02-10T00:00:00"),  # on time
        ("r5", "shop", "profiles", None),  # due soon
    ]
    return pl.DataFrame(
        [(r, d, p, "completed" if c else "open", ts(c) if c else None) for r, d, p, c in rows],
        schema=["request_id", "domain", "product", "status", "completed_at"],
        orient="row",
    )


# ---- rotation and support -------------------------------------------------------------------
def privacy_engineers() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "engineer_id": ["pe-1", "pe-2"],
            "display_name": ["A", "B"],
            "home_domain": ["shop", "crm"],
            "fte": [1.0, 0.5],
        }
    )


def rotation() -> pl.DataFrame:
    rows = [
        ("pe-1", "shop", "2025-Q4", date(2025, 10, 6), 2),
        ("pe-1", "shop", "2026-Q1", date(2026, 1, 5), 1),  # below the 2-week target
        ("pe-2", "crm", "2025-Q4", date(2025, 10, 6), 2),
        ("pe-2", "crm", "2026-Q1", date(2026, 2, 2), 2),  # weeks 02-02, 02-09
        ("pe-2", "ads", "2026-Q1", date(2026, 2, 9), 2),  # weeks 02-09, 02-16: 02-09 overlaps
        ("pe-9", "ads", "2025-Q4", date(2025, 11, 3), 2),  # not on the register
        ("pe-1", "crm", "2025-Q2", date(2025, 4, 7), 2),  # outside the two quarters looked at
    ]
    return pl.DataFrame(
        rows, schema=["engineer_id", "domain", "quarter", "week_start", "weeks"], orient="row"
    )


def support_questions() -> pl.DataFrame:
    rows = [
        # domain, asked, answered, self_service
        ("shop", "2026-03-02T09:00:00", "2026-03-02T09:30:00", True),  # 0.5 h
        ("shop", "2026-03-02T10:00:00", "2026-03-02T12:00:00", True),  # 2 h
        ("shop", "2026-03-03T10:00:00", "2026-03-03T16:00:00", False),  # 6 h: late
        ("shop", "2026-03-04T10:00:00", None, False),  # unanswered
        ("crm", "2026-03-05T10:00:00", "2026-03-05T11:00:00", True),  # 1 h
        ("crm", "2026-03-05T11:00:00", "2026-03-05T14:00:00", False),  # 3 h
        ("crm", "2026-03-31T22:00:00", None, False),  # asked 2 h before as_of: not yet due
        ("crm", "2025-01-01T10:00:00", "2025-01-01T11:00:00", False),  # outside the window
    ]
    return pl.DataFrame(
        [
            (f"q{i}", d, ts(a), ts(b) if b else None, s, "slack")
            for i, (d, a, b, s) in enumerate(rows)
        ],
        schema=["question_id", "domain", "asked_at", "answered_at", "self_service", "channel"],
        orient="row",
    )


# ---- costs ----------------------------------------------------------------------------------
def costs() -> pl.DataFrame:
    rows = []
    for month in ("2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"):
        m = date.fromisoformat(month + "-01")
        q1 = m >= date(2026, 1, 1)
        # shop: tooling 100/month; headcount 200/month from 2026; infrastructure 900 + 100 privacy
        rows.append((m, "shop", "tooling", True, 100.0))
        if q1:
            rows.append((m, "shop", "headcount", True, 200.0))
        rows.append((m, "shop", "infrastructure", False, 900.0))
        rows.append((m, "shop", "infrastructure", True, 100.0 if not q1 else 300.0))
        rows.append((m, "shop", "headcount", False, 5000.0))  # not compliance: left out
        # crm: training 50/month, an audit of 120 in March
        rows.append((m, "crm", "training", True, 50.0))
    rows.append((date(2026, 3, 1), "crm", "audit", True, 120.0))
    rows.append((date(2026, 3, 1), "crm", "legal_review", True, 30.0))  # not a listed category
    return pl.DataFrame(
        rows, schema=["month", "domain", "category", "compliance", "amount_eur"], orient="row"
    )


def headcount() -> pl.DataFrame:
    rows = []
    for month in ("2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"):
        m = date.fromisoformat(month + "-01")
        q1 = m >= date(2026, 1, 1)
        rows.append((m, "shop", 10.0, 4.0 if q1 else 2.0))  # share 0.4 in Q1, 0.2 before
        rows.append((m, "crm", 20.0, 1.0))  # share 0.05
    frame = pl.DataFrame(
        rows, schema=["month", "domain", "engineers_fte", "compliance_fte"], orient="row"
    )
    return frame.with_columns(
        (pl.col("compliance_fte") / pl.col("engineers_fte")).alias("compliance_time_share")
    )


PLATFORM = {
    "identity_map": identity_map,
    "consent_events": consent_events,
    "consent_applications": consent_applications,
    "processing_log": processing_log,
    "dsar_requests": dsar_requests,
    "dsar_tasks": dsar_tasks,
    "privacy_engineers": privacy_engineers,
    "rotation": rotation,
    "support_questions": support_questions,
}
# finance exports: CSV, as a finance team would hand them over
FINANCE = {"costs": costs, "headcount": headcount}


def build(root: Path, overrides: str = "") -> Path:
    """Write the mesh and a privacymesh.toml (plus `overrides` TOML text) under root."""
    (root / "contracts").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "platform").mkdir()
    for product_id, (doc, frame) in products().items():
        (root / "contracts" / f"{product_id}.odcs.yaml").write_text(
            yaml.safe_dump(doc, sort_keys=False)
        )
        frame.write_parquet(root / "data" / f"{product_id}.parquet")
    for name, make in PLATFORM.items():
        make().write_parquet(root / "platform" / f"{name}.parquet")
    for name, make in FINANCE.items():
        make().write_csv(root / "platform" / f"{name}.csv")
    shutil.copytree(REPO / "checks", root / "checks")
    (root / "privacymesh.toml").write_text(
        'name = "checks test mesh"\n[paths]\ncatalog = "contracts"\nplatform = "platform"\n'
        'checks = "checks"\nevidence = "evidence"\n[engine]\nkind = "duckdb"\n'
        f'[run]\nas_of = "{AS_OF.isoformat()}"\n' + overrides
    )
    return root
