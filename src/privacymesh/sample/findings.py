"""`expected_findings.yaml`: every problem seeded into the sample, with its exact location and the
exact counts the generator knows, plus decoys (things that look risky but are fine), the
products seeded clean and summary metrics of the platform tables.

Tests of later checks assert against this file. Subject ids (u_000123) appear where a check
needs them; no name, email or other raw personal value is ever written here."""

from __future__ import annotations

from typing import Any

from privacymesh.sample import text
from privacymesh.sample.products import SPEC_BY_ID, SPECS
from privacymesh.sample.timeline import AS_OF

SCHEMA_VERSION = 1


def _undeclared(
    product: str, column: str, categories: list[str], rows: int, note: str
) -> dict[str, Any]:
    spec = SPEC_BY_ID[product]
    col = spec.column(column)
    assert col.pii is None, f"{product}.{column} is declared; it cannot be a pii.undeclared seed"
    return {
        "check": "pii.undeclared",
        "product": product,
        "column": column,
        "category": categories[0],
        "categories": categories,
        "declared_classification": col.classification,
        "rows": rows,
        "note": note,
    }


def build_findings(
    facts: dict[str, dict], row_counts: dict[str, int], seed: int, scale: float, dsar_facts: dict
) -> dict[str, Any]:
    web_rows = row_counts["growth.web_events"]
    json_f = facts["pii.json_nested"]
    uri_f = facts["web_events.request_uri"]
    enc_f = facts["pii.encoded"]
    hashed_f = facts["pii.hashed"]
    geo_f = facts["pii.precise_location"]
    text_f = facts["pii.free_text"]

    findings: list[dict[str, Any]] = [
        _undeclared(
            "growth.web_events",
            "ip_address",
            ["user.device.ip_address"],
            web_rows,
            "Client IP of every event; classified internal with no piiCategory.",
        ),
        _undeclared(
            "growth.web_events",
            "device_id",
            ["user.device.device_id"],
            web_rows,
            "Device UUID of every event (also the product's subjectKey).",
        ),
        _undeclared(
            "growth.web_events",
            "payload",
            [text.EMAIL],
            json_f["rows"],
            "Some JSON payloads carry the subject's email nested two or more levels deep.",
        ),
        _undeclared(
            "growth.web_events",
            "request_uri",
            sorted(c for c, n in uri_f["rows_by_category"].items() if n),
            uri_f["rows"],
            "Logged URIs with an email or phone in the query string.",
        ),
        _undeclared(
            "growth.referrals",
            "c07",
            [text.EMAIL],
            enc_f["rows"],
            "Every value is an invitee's email, encoded.",
        ),
        _undeclared(
            "analytics.user_profile_wide",
            "visitor_hash",
            ["user.unique_id.pseudonymous"],
            hashed_f["rows"],
            "SHA-256 of the subject's lower-cased email.",
        ),
        _undeclared(
            "analytics.store_visits",
            "latitude",
            ["user.location.precise"],
            geo_f["rows"],
            "Visit coordinates with 5 decimals.",
        ),
        _undeclared(
            "analytics.store_visits",
            "longitude",
            ["user.location.precise"],
            geo_f["rows"],
            "Visit coordinates with 5 decimals.",
        ),
        _undeclared(
            "support.tickets",
            "body",
            sorted(text_f["categories"]),
            text_f["rows"],
            "Customer-written text naming people with their emails and phone numbers.",
        ),
        {
            "check": "pii.in_logs",
            "product": "growth.web_events",
            "columns": ["ip_address", "device_id", "payload", "request_uri"],
            "categories_by_column": {
                "ip_address": ["user.device.ip_address"],
                "device_id": ["user.device.device_id"],
                "payload": [text.EMAIL],
                "request_uri": sorted(c for c, n in uri_f["rows_by_category"].items() if n),
            },
            "rows_by_column": {
                "ip_address": web_rows,
                "device_id": web_rows,
                "payload": json_f["rows"],
                "request_uri": uri_f["rows"],
            },
            "request_uri_rows_by_category": uri_f["rows_by_category"],
            "note": "The only event log with undeclared online identifiers: client IPs and "
            "device ids in clear columns, emails nested in payloads and in logged query strings. "
            "The other event logs (fraud.device_signals, marketing.campaign_sends, "
            "analytics.store_visits) declare theirs.",
        },
        {"check": "pii.json_nested", **json_f},
        {
            "check": "pii.encoded",
            **enc_f,
            "note": "base64 (standard alphabet, padded), base64url (no padding), lower-case hex "
            "of the UTF-8 bytes, URL-encoded ('@' as %40).",
        },
        {"check": "pii.hashed", **hashed_f},
        {
            "check": "pii.precise_location",
            **geo_f,
            "note": "Under CPRA, 3 or more decimals of latitude locate a person within 1,850 ft.",
        },
        {"check": "pii.free_text", **text_f},
        {"check": "pii.quasi_identifiers", **facts["pii.quasi_identifiers"]},
        {
            "check": "pii.restricted_unmasked",
            **facts["pii.restricted_unmasked"],
            "note": "Restricted column of a consumer-facing view with no maskingRule and raw "
            "values; its email column is masked and is not a finding.",
        },
        {"check": "retention.expired_rows", **facts["retention.expired_rows"]},
        {
            "check": "retention.missing_policy",
            "product": "hr.employees",
            "personal_columns": [c.name for c in SPEC_BY_ID["hr.employees"].personal_columns],
            "rows": row_counts["hr.employees"],
            "note": "Personal data with no retention slaProperty.",
        },
        {
            "check": "dsar.erasure_residue",
            **facts["dsar.erasure_residue"],
            "erasures_completed": facts["dsar.erasures"]["completed"],
            "note": "Completed erasures: subjects are gone from every product except this cache; "
            "its DSAR tasks say completed.",
        },
        {
            "check": "dsar.deadline",
            "overdue": dsar_facts["overdue"],
            "late": dsar_facts["late"],
            "due_within_7_days": dsar_facts["due_soon"],
            "note": "overdue = open past the statutory deadline at as_of; late = completed after "
            "it. GDPR one month, CCPA 45 days (extended: 3 months / 90 days).",
        },
        {"check": "consent.propagation_lag", **facts["consent.propagation_lag"]},
        {"check": "consent.never_applied", **facts["consent.never_applied"]},
        {
            "check": "consent.processing_after_revocation",
            **facts["consent.processing_after_revocation"],
            "note": "processing_log rows of the domain after its own "
            "consent_applications.applied_at for the same user and purpose; no other domain has "
            "any.",
        },
        {
            "check": "rotation.coverage",
            **facts["rotation.coverage"],
            "note": "No privacy-engineer embed for this domain in this quarter.",
        },
        {
            "check": "rotation.engineer_load",
            **facts["rotation.engineer_load"],
            "note": "Two embeds of one engineer overlap in the quarter.",
        },
        {
            "check": "contract.quality",
            **facts["contract.quality"],
            "note": "A carrier onboarded without updating the contract: every shipment it "
            "carries is an invalid value of the contract's own quality rule.",
        },
    ]
    for i, finding in enumerate(findings, start=1):
        finding_id = {"id": f"F{i:02d}"}
        findings[i - 1] = {**finding_id, **finding}

    decoys = [
        {
            "product": "growth.web_events",
            "column": "user_agent",
            "reason": "browser versions such as Chrome/129.0.0.0 look like IPv4 addresses",
        },
        {
            "product": "finance.ledger_export",
            "column": "iban",
            "reason": "restricted with maskingRule partial and values stored masked "
            "(DE89**************3000)",
        },
        {
            "product": "identity.user_devices",
            "column": "phone_model",
            "reason": "device model names such as 'Pixel 8', not phone numbers",
        },
        {
            "product": "marketing.campaign_sends",
            "column": "email_sent",
            "reason": "a boolean flag, not an email address",
        },
        {
            "product": "crm.customer_360",
            "column": "email",
            "reason": "restricted with maskingRule partial and values stored masked "
            "(j***@e***.com)",
        },
        {
            "product": "fraud.device_signals",
            "column": "latitude",
            "reason": "precise location, correctly declared user.location.precise",
        },
        {
            "product": "logistics.shipments",
            "column": "delivery_lat",
            "reason": "precise location, correctly declared user.location.precise",
        },
        {
            "product": "marketing.campaign_sends",
            "column": "email_hash",
            "reason": "hashed email, correctly declared user.unique_id.pseudonymous",
        },
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "as_of": AS_OF.isoformat(),
        "seed": seed,
        "scale": scale,
        "findings": findings,
        "decoys": decoys,
        "clean_products": sorted(s.id for s in SPECS if s.is_clean),
        "row_counts": dict(row_counts),
        "metrics": {
            "dsar": facts["dsar.erasures"],
            "support": facts["support"],
            "costs": facts["costs"],
        },
    }
