"""The run's personal-data guard: the full detector over every text bound for the ledger."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import pytest

from privacymesh.checks.results import CheckResult, Finding
from privacymesh.ledger import Ledger
from privacymesh.ledger.records import finding_fingerprint
from privacymesh.runner import run_checks
from privacymesh.runner.withhold import withhold_personal_data
from privacymesh.workspace import load_workspace

PASSWD = "root:x:0:0:root:/root:/bin/bash"


def sha(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def result(check: str, values=None, reason=None, findings=()) -> CheckResult:  # type: ignore[no-untyped-def]
    now = datetime(2026, 1, 1)
    return CheckResult(
        check_id=check,
        product="shop.orders",
        domain="shop",
        status="fail",
        values=values or {"exceptions": 1},
        threshold={"max": 0},
        population=10,
        exceptions=1,
        query="SELECT 1",
        severity="high",
        control_id="PM-1",
        started_at=now,
        finished_at=now,
        reason=reason,
        findings=list(findings),
    )


@pytest.mark.parametrize(
    ("raw", "category", "place"),
    [
        ("+1 415 555 0134", "user.contact.phone_number", "values"),
        ("+44 20 7946 0958", "user.contact.phone_number", "detail"),
        ("John Smith", "user.name", "detail"),
        ("Conversion Error: could not convert 'John Smith' to INT32", "user.name", "reason"),
        (PASSWD, "user.authorization.credentials", "reason"),
        ("daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin", "user.authorization.credentials",
         "detail"),
        ("jane.doe@example.com", "user.contact.email", "values"),
        ("123-45-6789", "user.government_id", "detail"),
    ],
)  # fmt: skip
def test_raw_personal_data_becomes_an_error_result_with_its_hash(
    raw: str, category: str, place: str
) -> None:
    leaky = result(
        "leaky",
        values={"exceptions": 1, "worst": raw} if place == "values" else None,
        reason=raw if place == "reason" else None,
        findings=[Finding("sample", "c", {"samples": [raw]})] if place == "detail" else [],
    )
    clean = result("clean", findings=[Finding("sample", "email", {"samples": ["j***@e***.com"]})])
    (withheld, kept), _ = withhold_personal_data([leaky, clean])
    assert withheld.status == "error" and withheld.findings == [] and withheld.exceptions is None
    assert withheld.values["withheld"] == sha(raw)
    assert withheld.values["category"].startswith(category)
    assert sha(raw) in (withheld.reason or "") and raw not in (withheld.reason or "")
    assert kept is clean


def test_ledger_identifiers_and_masked_samples_pass() -> None:
    detail = {
        "fingerprint": finding_fingerprint("pii.undeclared", "shop.orders", "email", "k"),
        "record_hash": hashlib.sha256(b"x").hexdigest(),
        "digest": sha("anything"),
        "run": "20261101T020000Z-3f9a1c/r00012 20261101T020000Z-3f9a1c/f00003",
        "samples": ["j***@e***.com", "J*** S***", "+1 *** *** *134", "***-**-6789", "192.*.*.*"],
        "rule": "G1",
        "note": "7 of 1000 rows hold an unmasked e-mail address in column contact_email",
    }
    results = [result("clean", findings=[Finding("pii", "email", detail)])]
    out, messages = withhold_personal_data(results, ["checks/x.yaml: unknown field 'sqll'"])
    assert out == results and messages == ["checks/x.yaml: unknown field 'sqll'"]


def test_a_message_with_personal_data_is_replaced() -> None:
    _, messages = withhold_personal_data([], ["ok", f"cannot parse {PASSWD}"])
    assert messages[0] == "ok"
    assert messages[1].startswith("withheld:") and sha(f"cannot parse {PASSWD}") in messages[1]


LEAKY_SQL = """sql: |
  SELECT count(*) AS population, 1 AS exceptions,
    '+1 415 555 0134' AS worst, 'root:x:0:0:root:/root:/bin/bash' AS line
  FROM {{ product.view }}
metric: exceptions
threshold: {max: 0}
"""


def test_a_run_keeps_its_other_results_and_records_only_hashes(shop_workspace: Path) -> None:
    spec = (shop_workspace / "checks" / "retention.expired_rows.yaml").read_text()
    spec = spec[: spec.index("sql: |")] + LEAKY_SQL
    spec = (
        spec.replace("id: retention.expired_rows", "id: leaky.sql")
        .replace("requires: [retention]", "requires: []")
        .replace("products: personal", "products: all")
    )
    (shop_workspace / "checks" / "leaky.sql.yaml").write_text(spec)
    ws = load_workspace(shop_workspace)
    outcome = run_checks(ws, ["leaky.sql", "retention.expired_rows"], workers=1)
    with Ledger(ws.ledger_path) as ledger:
        results = ledger.results()
        assert ledger.verify().ok
    leaky = results.filter(check_id="leaky.sql")
    assert leaky.height == 3 and set(leaky["status"]) == {"error"}
    measured = json.loads(leaky["measured"][0])
    assert set(measured["withheld"].split()) == {sha("+1 415 555 0134"), sha(PASSWD)}
    assert "user.contact.phone_number" in measured["category"]
    text = " ".join(results["measured"].drop_nulls()) + " ".join(results["reason"].drop_nulls())
    assert "415 555" not in text and "/bin/bash" not in text
    kept = results.filter(check_id="retention.expired_rows")
    assert kept["status"].to_list() == ["pass"] and outcome.run_id is not None
