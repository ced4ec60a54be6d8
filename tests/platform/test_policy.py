"""The policy: the reference policy file parses, bad files fail with file, line and field, and
decisions follow the documented order (clearance, per-field override, contract rule, category
default, classification default)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from privacymesh.catalog import Catalog, load_catalog
from privacymesh.masking import MaskRule
from privacymesh.platform import AccessDenied, PolicyError, decide, mask_frame
from privacymesh.platform.policy import Duration, parse_policy

HERE = Path(__file__).parent
CONSENT_PURPOSES = frozenset(
    {"marketing", "analytics", "personalisation", "sale_sharing", "fraud_prevention"}
)


@pytest.fixture(scope="module")
def catalog(pristine: Path) -> Catalog:
    return load_catalog(pristine / "contracts")


def test_reference_policy_parses_against_the_sample(catalog: Catalog) -> None:
    policy = parse_policy(
        (HERE / "policy.yaml").read_text(), file=HERE / "policy.yaml", catalog=catalog
    )
    assert policy.roles["privacy_officer"].clearance == "restricted"
    assert policy.field_rules[("crm.customer_360", "phone")] is MaskRule.PARTIAL
    assert policy.deadlines["CCPA"] == Duration(45, "days")
    assert (
        policy.version.startswith("policy.yaml@")
        and len(policy.version) == len("policy.yaml@") + 12
    )


@pytest.mark.parametrize(
    ("text", "field", "line", "words"),
    [
        (
            "masking:\n  fields:\n    identity.users.shoe_size: redact\n",
            "masking.fields.identity.users.shoe_size",
            3,
            "no field 'shoe_size'",
        ),
        (
            "masking:\n  fields:\n    identity.nope.email: redact\n",
            "masking.fields.identity.nope.email",
            3,
            "unknown product",
        ),
        (
            "masking:\n  by_category:\n    user.name: scramble\n",
            "masking.by_category.user.name",
            3,
            "unknown masking rule",
        ),
        ("roles:\n  x:\n    clearance: secret\n", "roles.x.clearance", 3, "unknown classification"),
        (
            "retention:\n  read_only: [payments.nope]\n",
            "retention.read_only.payments.nope",
            2,
            "unknown product",
        ),
        ("dsar:\n  deadlines:\n    GDPR: soon\n", "dsar.deadlines.GDPR", 3, "not a duration"),
        ("colours: red\n", "colours", 1, "unknown section"),
    ],
)
def test_bad_policy_names_file_line_and_field(
    catalog: Catalog, text: str, field: str, line: int, words: str
) -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, file=Path("policy.yaml"), catalog=catalog)
    err = info.value
    assert err.field == field and err.line == line and words in err.message
    assert str(err).startswith("policy.yaml:")


def test_durations_count_calendar_months() -> None:
    from datetime import datetime

    assert Duration.parse("1 month").after(datetime(2026, 1, 31)) == datetime(2026, 2, 28)
    assert Duration.parse("2 months").after(datetime(2026, 12, 15)) == datetime(2027, 2, 15)
    assert Duration.parse("45 days").after(datetime(2026, 1, 1)) == datetime(2026, 2, 15)
    assert Duration.parse("24 hours").after(datetime(2026, 1, 1)) == datetime(2026, 1, 2)


def test_decision_order_and_sources(catalog: Catalog) -> None:
    text = "masking:\n  fields:\n    identity.users.full_name: redact\n"
    policy = parse_policy(text, file=Path("p.yaml"), catalog=catalog)
    d = decide(
        policy,
        catalog,
        "identity.users",
        "identity_analyst",
        "account_management",
        CONSENT_PURPOSES,
    )
    by = {f.name: f for f in d.fields}
    assert d.clearance == "internal" and d.role_source == "contract"
    assert (by["country"].rule, by["country"].source) == (MaskRule.NONE, "cleared")
    assert (by["full_name"].rule, by["full_name"].source) == (MaskRule.REDACT, "policy field")
    assert (by["email"].rule, by["email"].source) == (MaskRule.PARTIAL, "contract")
    assert (by["user_id"].rule, by["user_id"].source) == (
        MaskRule.HASH,
        "policy category user.unique_id",
    )
    assert d.consent_purposes == ()  # account_management is not consent-governed
    support = decide(
        policy, catalog, "identity.users", "identity_support", "security", CONSENT_PURPOSES
    )
    cleared = {f.name for f in support.fields if not f.masked}
    assert {"full_name", "user_id", "gender"} <= cleared  # confidential clearance: override unused
    assert {f.name for f in support.fields if f.masked} == {"email", "phone", "date_of_birth"}


def test_access_denied_cases(catalog: Catalog) -> None:
    policy = parse_policy("", catalog=catalog)
    with pytest.raises(AccessDenied, match="unknown role 'intern'"):
        decide(policy, catalog, "identity.users", "intern", "security", CONSENT_PURPOSES)
    with pytest.raises(AccessDenied, match=r"may not read identity\.users"):
        decide(policy, catalog, "identity.users", "growth_analyst", "security", CONSENT_PURPOSES)
    with pytest.raises(AccessDenied, match="purpose 'marketing' is not declared"):
        decide(policy, catalog, "identity.users", "identity_analyst", "marketing", CONSENT_PURPOSES)
    officer = parse_policy((HERE / "policy.yaml").read_text(), catalog=catalog)
    d = decide(officer, catalog, "hr.employees", "privacy_officer", "payroll", CONSENT_PURPOSES)
    assert d.role_source == "policy" and not any(f.masked for f in d.fields)


def test_mask_frame_generalizes_numbers_and_keeps_types(catalog: Catalog, pristine: Path) -> None:
    policy = parse_policy("", catalog=catalog)
    d = decide(
        policy,
        catalog,
        "lending.credit_scores",
        "lending_analyst",
        "credit_decisioning",
        CONSENT_PURPOSES,
    )
    raw = pl.read_parquet(pristine / "products" / "lending" / "credit_scores.parquet")
    masked = mask_frame(raw, d, b"k")
    assert masked.schema["score"] == pl.Int64
    assert (masked["score"] % 10 == 0).all()
    assert ((raw["score"] - masked["score"]).is_between(0, 9)).all()
    assert masked["customer_ref"].str.len_chars().eq(16).all()  # hashed


def test_the_british_rule_name_is_still_read() -> None:
    from privacymesh.masking import MaskRule

    assert MaskRule.parse("generalise") is MaskRule.GENERALIZE
    assert MaskRule.parse(" Generalize ") is MaskRule.GENERALIZE
    assert [r.value for r in MaskRule] == ["hash", "partial", "redact", "generalize", "none"]
