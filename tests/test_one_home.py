"""Identity forms, the retention rule and the consent rule each have one definition in the
source tree, and every caller imports it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [
    *sorted((ROOT / "src" / "privacymesh").rglob("*.py")),
    *sorted((ROOT / "checks").glob("*.yaml")),
]


def _hits(pattern: str) -> list[str]:
    rx = re.compile(pattern)
    return [
        f"{path.relative_to(ROOT)}:{n}"
        for path in SOURCES
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if rx.search(line)
    ]


@pytest.mark.parametrize(
    ("pattern", "home"),
    [
        # the identity forms spelled out as a sequence
        (r"""["']user_id["'],\s*["']customer_ref["']""", "src/privacymesh/subjects.py"),
        # the e-mail hash form, and how a value is matched to its identity-map form
        (r"sha256\(lower\(|lower\(\)\.encode\(", "src/privacymesh/subjects.py"),
        (r"""["']email_hash["'] if \w+ == ["']email["']""", "src/privacymesh/subjects.py"),
        # the retention rule: an element older than the period at the reference time
        (r"<[^<\n]*-\s*INTERVAL[^\n]*DAY", "src/privacymesh/catalog/model.py"),
        # the consent rule: the latest event per subject, and it is a grant
        (r"PARTITION BY user_id ORDER BY event_time DESC", "src/privacymesh/consent_rule.py"),
        (r"""col\("action"\)\s*==\s*["']grant|action\s*=\s*'grant'""", None),
        (r"""^GRANT = ["']grant["']""", "src/privacymesh/consent_rule.py"),
        (r"""col\("action"\)\s*==\s*GRANT""", "src/privacymesh/consent_rule.py"),
        # ... its validity intervals: each event holds until the subject's next event
        (r"lead\(event_time\)|shift\(-1\)\.over\(", "src/privacymesh/consent_rule.py"),
        (r"\w\.event_time > \w\.event_time", None),  # the same, as a self-join
        # ... and a time inside one: from its start, up to (not at) its end
        (r"(_pm_end|valid_until|next_event_time)\S*(\.is_null\(\)| IS NULL)", None),
    ],
)
def test_one_definition(pattern: str, home: str | None) -> None:
    hits = _hits(pattern)
    if home is None:
        assert hits == []
    else:
        assert hits and all(h.startswith(home + ":") for h in hits), hits


def test_callers_import_the_identity_forms() -> None:
    import importlib

    from privacymesh.catalog import model
    from privacymesh.subjects import IDENTITY_FORMS

    for name in (
        "checks.render",
        "platform.dsar.model",
        "platform.identity",
        "platform.query.model",
        "platform.query.governed_session",
        "platform.query.policy_views",
        "sample.platform",
    ):
        module = importlib.import_module(f"privacymesh.{name}")
        assert module.IDENTITY_FORMS is IDENTITY_FORMS, name
    assert (*IDENTITY_FORMS, "name") == model.SUBJECT_KEY_FORMS
    from privacymesh import subjects
    from privacymesh.checks import render
    from privacymesh.platform import identity
    from privacymesh.sample import people

    assert identity.email_hash is subjects.email_hash is people.email_hash
    assert render.key_form is subjects.key_form
    assert subjects.email_hash(" Jane@Example.com ") == subjects.email_hash("jane@example.com")
    assert subjects.key_value_sql('t."e"', "email") == 'sha256(lower(trim(CAST(t."e" AS VARCHAR))))'


def test_callers_import_the_consent_rule() -> None:
    from datetime import datetime

    from privacymesh import consent_rule
    from privacymesh.catalog import timestamp_literal
    from privacymesh.checks.render import consent_context, render_sql
    from privacymesh.checks.spec import load_check
    from privacymesh.platform import consent
    from privacymesh.platform.query import policy_views

    assert consent.latest_grants is consent_rule.latest_grants
    assert policy_views.latest_grants_sql is consent_rule.latest_grants_sql
    at = timestamp_literal(datetime(2026, 5, 1, 12))
    context = consent_context(at)
    assert context["intervals"] == consent_rule.validity_intervals_sql(
        "platform.consent_events", at
    )
    assert context["withdrawals"] == consent_rule.validity_intervals_sql(
        "platform.consent_events", at, consent_rule.WITHDRAW
    )
    assert context["covers"]("t", "w") == (
        "(t >= w.valid_from AND (w.valid_until IS NULL OR t < w.valid_until))"
    )
    spec = load_check(ROOT / "checks" / "consent.processing_after_revocation.yaml")
    sql = render_sql(spec, None, datetime(2026, 5, 1, 12))
    assert context["withdrawals"] in sql and context["covers"]("p.judged_at", "w") in sql


def test_the_platform_records_through_the_one_ledger_writer() -> None:
    platform = sorted((ROOT / "src" / "privacymesh" / "platform").rglob("*.py"))
    opens = re.compile(r"\bLedger\(|begin_run|RunWriter|commit_or_spool|ledger\.(store|writer)\b")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in platform
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if opens.search(line)
    ]
    assert found == []
    ledger = sorted((ROOT / "src" / "privacymesh" / "ledger").rglob("*.py"))
    moves = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in ledger
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if "UPDATE chain_head SET seq = ?, hash = ?, table_name" in line
    ]
    assert len(moves) == 1 and moves[0].startswith("src/privacymesh/ledger/writer.py:"), moves


def test_the_retention_rule_renders_the_same_sql_everywhere() -> None:
    from datetime import datetime

    from privacymesh.catalog import retention_due_sql, timestamp_literal
    from privacymesh.platform.retention import RetentionItem

    at = datetime(2026, 5, 1, 12)
    sql = retention_due_sql('odd"col', 30, timestamp_literal(at))
    assert sql == """"odd""col" < TIMESTAMP '2026-05-01 12:00:00' - INTERVAL 30 DAY"""
    item = RetentionItem(
        product_id="d.p",
        element='odd"col',
        retention_days=30,
        cutoff=at,
        rows=0,
        due=0,
        subjects=None,
        oldest=None,
        legal_basis=None,
        driver=None,
        blocked=None,
    )
    assert item.predicate(at) == sql


@pytest.mark.parametrize(
    "pattern",
    [
        r'\(\s*"pass",\s*"fail"',  # a tuple of statuses (SQL says IN ('pass', 'fail'))
        r"""["']low["'],\s*["']medium["']|["']critical["'],\s*["']high["']""",  # of severities
        r"""["']critical["']:\s*\d""",  # severities weighed or ordered by hand
    ],
)
def test_statuses_and_severities_are_named_once(pattern: str) -> None:
    assert _hits(pattern) == []


def test_status_and_severity_values() -> None:
    from privacymesh.ledger.schema import RESULTS
    from privacymesh.packs.model import SEVERITY_ORDER
    from privacymesh.verdict import Severity, Status
    from privacymesh.views.sql import SEVERITY_WEIGHTS

    assert list(Status) == ["pass", "fail", "error", "skipped"]
    assert SEVERITY_WEIGHTS == {"critical": 4, "high": 3, "medium": 2, "low": 1}
    assert SEVERITY_ORDER == {"critical": 0, "high": 1, "medium": 2, "low": 3}
    assert Severity("high").weight == 3
    status = next(c for c in RESULTS.columns if c.name == "status")
    assert status.check == "status IN ('pass', 'fail', 'error', 'skipped')"


DASHBOARDS = sorted((ROOT / "dashboards").rglob("*.py"))


@pytest.mark.parametrize(
    ("pattern", "home"),
    [
        # "latest": the newest result of each check, product and domain
        (r"PARTITION BY r\.check_id", "src/privacymesh/views/sql.py"),
        # the finding lifecycle: a later conclusive result remediates
        (r"THEN 'remediated'", "src/privacymesh/views/sql.py"),
        # a run's place in time, from its context record or its options
        (r"coalesce\(c\.as_of", "src/privacymesh/views/scope.py"),
        # the posture score's severity weights
        (r"SEVERITY_WEIGHTS: dict", "src/privacymesh/views/sql.py"),
    ],
)
def test_the_read_model_is_the_one_home(pattern: str, home: str) -> None:
    hits = _hits(pattern) + [
        f"{path.relative_to(ROOT)}:{n}"
        for path in DASHBOARDS
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(pattern, line)
    ]
    assert len(hits) == 1 and hits[0].startswith(home + ":"), hits


def test_packs_and_dashboards_read_through_the_views() -> None:
    packs = sorted((ROOT / "src" / "privacymesh" / "packs").rglob("*.py"))
    forbidden = re.compile(r"^\s*(from|import) privacymesh\.(checks|ledger\.queries)\b")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in [*packs, *DASHBOARDS]
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if forbidden.search(line)
    ]
    assert found == []
    from privacymesh.ledger import Ledger, queries

    assert not hasattr(queries, "latest_results") and not hasattr(Ledger, "latest_results")
