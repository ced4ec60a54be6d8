"""Every seeded personal-data problem is really in the data, exactly where and as often as
expected_findings.yaml says; decoys and clean products really are harmless. Counts are
recomputed independently with DuckDB and Polars over the written Parquet files."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import unquote

import phonenumbers
import polars as pl

from privacymesh.sample.products import SPECS

EMAIL_RE = r"[a-z0-9._]+@[a-z0-9-]+(\.[a-z0-9-]+)+"
EMAIL = re.compile(rf"^{EMAIL_RE}$")
REQUIRED_CHECKS = {
    "pii.undeclared",
    "pii.in_logs",
    "pii.json_nested",
    "pii.encoded",
    "pii.hashed",
    "pii.precise_location",
    "pii.free_text",
    "pii.quasi_identifiers",
    "retention.expired_rows",
    "retention.missing_policy",
    "dsar.erasure_residue",
    "consent.propagation_lag",
    "consent.never_applied",
    "consent.processing_after_revocation",
    "dsar.deadline",
    "rotation.coverage",
    "rotation.engineer_load",
    "pii.restricted_unmasked",
    "contract.quality",
}


def _custom(items) -> dict:
    return {i["property"]: i["value"] for i in items or []}


def _prop(sample, product: str, column: str) -> dict:
    props = sample.contract(product)["schema"][0]["properties"]
    return next(p for p in props if p["name"] == column)


def test_findings_cover_every_seeded_problem(sample) -> None:
    findings = sample.findings["findings"]
    assert {f["check"] for f in findings} == REQUIRED_CHECKS
    ids = [f["id"] for f in findings]
    assert len(ids) == len(set(ids))
    assert sample.findings["as_of"] == "2026-11-01T00:00:00"
    undeclared = {(f["product"], f["column"]) for f in findings if f["check"] == "pii.undeclared"}
    assert undeclared == {
        ("growth.web_events", "ip_address"),
        ("growth.web_events", "device_id"),
        ("growth.web_events", "payload"),
        ("growth.web_events", "request_uri"),
        ("growth.referrals", "c07"),
        ("analytics.user_profile_wide", "visitor_hash"),
        ("analytics.store_visits", "latitude"),
        ("analytics.store_visits", "longitude"),
        ("support.tickets", "body"),
    }


def test_undeclared_columns_carry_no_pii_category_in_their_contract(sample) -> None:
    for f in sample.findings["findings"]:
        if f["check"] == "pii.undeclared":
            prop = _prop(sample, f["product"], f["column"])
            assert "piiCategory" not in _custom(prop.get("customProperties")), f
            assert prop["classification"] == "internal"
            assert f["rows"] > 0


def test_web_events_ip_and_device_ids_are_personal_identifiers(sample, db) -> None:
    web = sample.product("growth.web_events")
    ip_rows = sample.finding("pii.undeclared", column="ip_address")["rows"]
    dev_rows = sample.finding("pii.undeclared", column="device_id")["rows"]
    assert (
        db.one(
            f"select count(*) from {web} where regexp_full_match(ip_address, "
            r"'(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})')"
        )
        == ip_rows
    )
    # every device id resolves to a subject through the identity map
    assert (
        db.one(
            f"select count(*) from {web} w join {sample.platform('identity_map')} m "
            "using (device_id)"
        )
        == dev_rows
        == sample.manifest.row_counts["growth.web_events"]
    )


def test_emails_nested_in_json_payloads(sample, db) -> None:
    f = sample.finding("pii.json_nested")
    web = sample.product("growth.web_events")
    any_email = db.one(f"select count(*) from {web} where regexp_matches(payload, '{EMAIL_RE}')")
    assert any_email == f["rows"] > 0
    for path, count in f["paths"].items():
        assert path.count(".") >= 2  # at least two levels deep
        got = db.one(
            f"select count(*) from {web} where json_extract_string(payload, '{path}') is not null"
        )
        assert got == count, path
    assert any("[" in p for p in f["paths"])  # one of them inside an array
    # the nested email is the device owner's own address
    mismatched = db.one(f"""
        select count(*) from {web} w join {sample.platform("identity_map")} m using (device_id)
        where regexp_matches(payload, '{EMAIL_RE}')
          and regexp_extract(payload, '{EMAIL_RE}') <> m.email""")
    assert mismatched == 0
    assert (
        db.one(f"select count(*) from {web} where json_valid(payload)")
        == (sample.manifest.row_counts["growth.web_events"])
    )


def test_online_identifiers_in_the_event_log(sample, db) -> None:
    f = sample.finding("pii.in_logs")
    web = sample.product("growth.web_events")
    by = f["request_uri_rows_by_category"]
    emails = db.one(
        f"select count(*) from {web} where regexp_matches(request_uri, '[?&]email={EMAIL_RE}')"
    )
    phones = db.one(
        f"select count(*) from {web} where regexp_matches(request_uri, "
        r"'[?&]phone=\+\d{10,13}')"
    )
    assert emails == by["user.contact.email"] > 0
    assert phones == by["user.contact.phone_number"] > 0
    assert emails + phones == f["rows_by_column"]["request_uri"]
    assert f["columns"] == ["ip_address", "device_id", "payload", "request_uri"]
    doc = sample.contract("growth.web_events")
    custom = _custom(doc["customProperties"])
    assert custom["productKind"] == "events"
    for column in f["columns"]:
        assert "piiCategory" not in _custom(
            _prop(sample, f["product"], column).get("customProperties")
        ), column
    # the other event logs declare every online identifier they hold
    for product in ("fraud.device_signals", "marketing.campaign_sends", "analytics.store_visits"):
        props = sample.contract(product)["schema"][0]["properties"]
        for p in props:
            if p["name"] in ("ip_address", "device_id", "email_hash", "user_id"):
                assert "piiCategory" in _custom(p.get("customProperties")), (product, p["name"])


def _decode(value: str) -> tuple[str, str] | None:
    if "%40" in value:
        return "url", unquote(value)
    if re.fullmatch(r"[0-9a-f]+", value) and len(value) % 2 == 0:
        try:
            return "hex", binascii.unhexlify(value).decode()
        except (ValueError, UnicodeDecodeError):
            pass
    try:
        padded = value + "=" * (-len(value) % 4)
        return "base64", base64.urlsafe_b64decode(
            padded.replace("+", "-").replace("/", "_")
        ).decode()
    except (ValueError, UnicodeDecodeError):
        return None


def test_encoded_emails_in_opaque_referral_column(sample) -> None:
    f = sample.finding("pii.encoded")
    refs = pl.read_parquet(sample.root / "products" / "growth" / "referrals.parquet")
    known = set(
        pl.read_parquet(sample.root / "platform" / "identity_map.parquet")["email"].drop_nulls()
    )
    decoded = [_decode(v) for v in refs["c07"]]
    assert all(d is not None and EMAIL.match(d[1]) for d in decoded)
    assert all(d[1] in known for d in decoded)  # invitees are known, non-erased people
    assert len(decoded) == f["rows"] == sum(f["encodings"].values())
    values = refs["c07"].to_list()
    assert sum("%40" in v for v in values) == f["encodings"]["url"]
    assert all(f["encodings"][k] > 0 for k in ("base64", "base64url", "hex", "url"))
    assert any(v.endswith("=") for v in values)  # padded standard base64
    assert not any("@" in v for v in values)  # nothing is in clear text


def test_visitor_hash_is_sha256_of_the_email(sample, db) -> None:
    f = sample.finding("pii.hashed")
    matched = db.one(f"""
        select count(*) from {sample.product("analytics.user_profile_wide")} p
        join {sample.platform("identity_map")} m using (user_id)
        where p.visitor_hash = sha256(m.email)""")
    assert matched == f["rows"] == sample.manifest.row_counts["analytics.user_profile_wide"]


def test_precise_store_visit_coordinates(sample, db) -> None:
    f = sample.finding("pii.precise_location")
    visits = sample.product("analytics.store_visits")
    rows = db.one(f"select count(*) from {visits}")
    precise = db.one(
        f"select count(*) from {visits} where "
        r"regexp_matches(latitude::varchar, '\.\d{3,}$') and "
        r"regexp_matches(longitude::varchar, '\.\d{3,}$')"
    )
    assert rows == f["rows"]
    assert precise / rows > 0.97
    assert (
        db.one(f"select max(length(split_part(latitude::varchar, '.', 2))) from {visits}")
        == f["decimals"]
        == 5
    )


def test_free_text_bodies_name_people_with_contact_details(sample, db) -> None:
    f = sample.finding("pii.free_text")
    tickets = sample.product("support.tickets")
    by = f["rows_by_category"]
    assert (
        db.one(f"select count(*) from {tickets} where regexp_matches(body, '{EMAIL_RE}')")
        == by["user.contact.email"]
        > 0
    )
    assert (
        db.one(
            f"select count(*) from {tickets} where regexp_matches(body, "
            r"'\+\d{10,13}')"
        )
        == by["user.contact.phone_number"]
        > 0
    )
    assert (
        db.one(f"""select count(*) from {tickets} t
        join {sample.platform("identity_map")} m using (customer_ref)
        where contains(t.body, m.full_name)""")
        == by["user.name"]
        > 0
    )
    assert (
        db.one(f"""select count(*) from {tickets} t
        join {sample.platform("identity_map")} m using (customer_ref)
        where regexp_matches(body, '{EMAIL_RE}') or regexp_matches(body, '\\+\\d{{10,13}}')
           or contains(t.body, m.full_name)""")
        == f["rows"]
    )


def test_quasi_identifiers_make_most_profiles_unique(sample, db) -> None:
    f = sample.finding("pii.quasi_identifiers")
    assert f["columns"] == ["postal_code", "date_of_birth", "gender"]
    unique = db.one(f"""select count(*) from (
        select postal_code, date_of_birth, gender, count(*) k
        from {sample.product("analytics.user_profile_wide")} group by all) where k = 1""")
    assert unique == f["unique_rows"]
    assert unique / f["rows"] > 0.8


def test_restricted_phone_is_served_raw_but_email_is_masked(sample, db) -> None:
    f = sample.finding("pii.restricted_unmasked")
    view = sample.product("crm.customer_360")
    phone = _prop(sample, "crm.customer_360", "phone")
    email = _prop(sample, "crm.customer_360", "email")
    assert phone["classification"] == email["classification"] == "restricted"
    assert "maskingRule" not in _custom(phone.get("customProperties"))
    assert _custom(email["customProperties"])["maskingRule"] == "partial"
    ledger = sample.product("finance.ledger_export")
    assert (
        db.one(
            f"select count(*) from {ledger} where not regexp_full_match(iban, "
            r"'[A-Z]{2}\d{2}\*+[0-9A-Z]{4}')"
        )
        == 0
    )
    # no other view or cache holds a restricted field
    for spec_id in ("marketing.audience_export",):
        props = sample.contract(spec_id)["schema"][0]["properties"]
        assert not [p for p in props if p["classification"] == "restricted"]
    assert (
        db.one(
            f"select count(*) from {view} where regexp_full_match(phone, "
            r"'\+\d{11,13}')"
        )
        == f["rows"]
        == db.one(f"select count(*) from {view}")
    )
    assert (
        db.one(
            f"select count(*) from {view} where not regexp_full_match(email, "
            r"'[a-z0-9]\*\*\*@[a-z0-9]\*\*\*\.[a-z.]+')"
        )
        == 0
    )


def test_decoys_are_harmless(sample) -> None:
    devices = pl.read_parquet(sample.root / "products" / "identity" / "user_devices.parquet")
    for model in devices["phone_model"].unique():
        assert not any(True for _ in phonenumbers.PhoneNumberMatcher(model, "US"))
        assert not re.search(r"\d{6,}", model)
    assert "Pixel 8" in set(devices["phone_model"])
    sends = pl.read_parquet_schema(
        sample.root / "products" / "marketing" / "campaign_sends.parquet"
    )
    assert sends["email_sent"] == pl.Boolean
    listed = {(d["product"], d["column"]) for d in sample.findings["decoys"]}
    assert ("identity.user_devices", "phone_model") in listed
    assert ("marketing.campaign_sends", "email_sent") in listed


PERSONAL_VALUE = re.compile(
    rf"{EMAIL_RE}|\+\d{{10,13}}|[0-9a-f]{{8}}-[0-9a-f]{{4}}-|"
    # an IPv4 address, but not a browser version such as Chrome/129.0.0.0 (a decoy)
    r"(?<![/\d.])\d{1,3}(\.\d{1,3}){3}\b|"
    r"\bu_\d{6}\b|\bCR-[0-9A-F]{6}\b"
)


def test_clean_products_hold_no_personal_data(sample) -> None:
    clean = sample.findings["clean_products"]
    assert set(clean) == {
        "payments.daily_volume",
        "growth.experiments",
        "analytics.sessions_daily",
        "support.ticket_metrics",
        "logistics.carrier_rates",
        "hr.payroll_summary",
        "finance.revenue_monthly",
    }
    for product_id in clean:
        doc = sample.contract(product_id)
        assert "subjectKey" not in _custom(doc["customProperties"])
        for prop in doc["schema"][0]["properties"]:
            assert "piiCategory" not in _custom(prop.get("customProperties")), prop["name"]
        domain, name = product_id.split(".")
        frame = pl.read_parquet(sample.root / "products" / domain / f"{name}.parquet")
        assert frame.height > 0
        for col, dtype in frame.schema.items():
            if dtype == pl.String:
                assert not any(PERSONAL_VALUE.search(v) for v in frame[col].drop_nulls()), (
                    product_id,
                    col,
                )
    # payroll cells never describe fewer than five employees
    payroll = pl.read_parquet(sample.root / "products" / "hr" / "payroll_summary.parquet")
    assert payroll["headcount"].min() >= 5


def test_no_unseeded_personal_values_hide_in_undeclared_columns(sample) -> None:
    """Outside the seeded columns, no undeclared column holds an email, phone, IP, UUID,
    subject id, SHA-256 hash or precise coordinate."""
    sha256 = re.compile(r"^[0-9a-f]{64}$")
    seeded = {
        (f["product"], f["column"])
        for f in sample.findings["findings"]
        if f["check"] == "pii.undeclared"
    }
    hits = set()
    for spec in SPECS:
        frame = pl.read_parquet(sample.root / "products" / spec.domain / f"{spec.name}.parquet")
        for prop in sample.contract(spec.id)["schema"][0]["properties"]:
            if "piiCategory" in _custom(prop.get("customProperties")):
                continue
            col = frame[prop["name"]].drop_nulls()
            if col.dtype == pl.String:
                values = col.unique().head(2000).to_list()
                if any(PERSONAL_VALUE.search(v) or sha256.match(v) for v in values):
                    hits.add((spec.id, prop["name"]))
            elif col.dtype == pl.Float64 and prop["name"] in ("latitude", "longitude"):
                hits.add((spec.id, prop["name"]))
    # c07 is seeded (encoded emails); a hex-encoded 32-character email even looks like a hash
    hits.discard(("growth.referrals", "c07"))
    assert hits == seeded - {("growth.referrals", "c07")}


def test_restricted_fields_of_views_and_caches_are_masked_but_one(sample) -> None:
    for spec in SPECS:
        if spec.product_kind not in ("view", "cache"):
            continue
        frame = pl.read_parquet(sample.root / "products" / spec.domain / f"{spec.name}.parquet")
        for prop in sample.contract(spec.id)["schema"][0]["properties"]:
            if prop["classification"] != "restricted":
                continue
            masked = frame[prop["name"]].str.contains(r"\*\*\*").all()
            assert masked != ((spec.id, prop["name"]) == ("crm.customer_360", "phone")), (
                spec.id,
                prop["name"],
            )
