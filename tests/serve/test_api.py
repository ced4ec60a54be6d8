"""The consent, DSAR and audit APIs, called over real sockets on 127.0.0.1 with httpx."""

from __future__ import annotations

import io
import json
import logging
import time
from datetime import UTC, datetime

import jwt
import polars as pl
from serve_support import DOMAINS, REPO, Served

from privacymesh.platform.audit import AuditLog
from privacymesh.platform.consent import ConsentLedger, read_events
from privacymesh.serve.observe import JsonLines
from privacymesh.serve.tokens import load_signing_key


def audit_rows(served: Served) -> list[dict]:
    path = served.ws.evidence / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def granted_subject(served: Served, purpose: str) -> str:
    ledger = ConsentLedger(read_events(served.ws.platform))
    return str(ledger.consenting(purpose)["user_id"][0])


def test_bad_tokens_refused_and_audited(served):
    key, kid = load_signing_key(served.ws.evidence / "token-signing.pem")
    good = served.token("svc-marketing", ["grp-privacy"])
    claims = jwt.decode(good, options={"verify_signature": False})
    expired = jwt.encode(
        {**claims, "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600},
        key, algorithm="ES256", headers={"kid": kid},
    )  # fmt: skip
    wrong_aud = served.token("svc-marketing", ["grp-privacy"], audience="billing")
    head, body, sig = good.split(".")
    forged = f"{head}.{body}.{sig[:-4]}AAAA"
    body = {"subject": "u_000001", "purpose": "marketing"}
    with served.client() as c:
        answers = {
            name: c.post("/v1/consent/check", json=body, headers={"Authorization": auth})
            for name, auth in [
                ("expired", f"Bearer {expired}"),
                ("wrong_aud", f"Bearer {wrong_aud}"),
                ("forged", f"Bearer {forged}"),
                ("none", ""),
            ]
        }
        assert {k: r.status_code for k, r in answers.items()} == dict.fromkeys(answers, 401)
        assert answers["expired"].json()["field"] == "exp"
        assert answers["wrong_aud"].json()["field"] == "aud"
        assert answers["forged"].json()["error"] == "token signature does not verify"
        assert answers["expired"].headers["www-authenticate"].startswith("Bearer")
        ok = c.post("/v1/consent/check", json=body, headers={"Authorization": f"Bearer {good}"})
        assert ok.status_code == 200
        metrics = c.get("/metrics").text
    denied = [r for r in audit_rows(served) if r["action"] == "serve.auth"]
    assert [r["decision"] for r in denied] == ["deny"] * 4
    assert {json.loads(r["detail"])["reason"] for r in denied} == {
        "token has expired", "token is for another audience",
        "token signature does not verify", "no bearer token",
    }  # fmt: skip
    assert 'privacymesh_denials_total{reason="token has expired"} 1.0' in metrics


def test_role_without_rights_refused_and_audited(served):
    subject = granted_subject(served, "marketing")
    with served.client("analyst-7", ["grp-consent"]) as reader:
        check = reader.post("/v1/consent/check", json={"subject": subject, "purpose": "marketing"})
        assert check.status_code == 200 and check.json()["permitted"] is True
        refused = reader.post(
            "/v1/consent/withdraw", json={"subject": subject, "purpose": "marketing"}
        )
        assert refused.status_code == 403
        assert "consent_writer" in refused.json()["hint"]
        assert reader.post("/v1/audit/records", json={"action": "x"}).status_code == 403
        assert (
            reader.post(
                "/v1/dsar/requests", json={"subject": subject, "type": "access"}
            ).status_code
            == 403
        )
        # still permitted: the refused withdrawal changed nothing
        again = reader.post("/v1/consent/check", json={"subject": subject, "purpose": "marketing"})
        assert again.json()["permitted"] is True
    denials = [r for r in audit_rows(served) if r["decision"] == "deny"]
    assert [(r["actor"], r["action"]) for r in denials] == [
        ("analyst-7", "serve.consent_change"),
        ("analyst-7", "serve.audit_append"),
        ("analyst-7", "serve.dsar"),
    ]
    assert subject not in (served.ws.evidence / "audit.jsonl").read_text()


def test_consent_check_single_and_batch(served):
    ledger = ConsentLedger(read_events(served.ws.platform))
    subjects = [*sorted(ledger.events["user_id"].unique().to_list())[:300], "u_nobody"]
    expected = [s != "u_nobody" and ledger.is_permitted(s, "analytics", None) for s in subjects]
    with served.client("svc-growth", ["grp-consent"]) as c:
        batch = c.post(
            "/v1/consent/check-batch", json={"purpose": "analytics", "subjects": subjects}
        )
        assert batch.status_code == 200, batch.text
        assert batch.json()["permitted"] == expected
        assert batch.json()["count"] == sum(expected) > 0
        past = c.post(
            "/v1/consent/check-batch",
            json={"purpose": "analytics", "subjects": subjects[:50], "at": "2019-01-01T00:00:00"},
        )
        assert past.json()["permitted"] == [
            ledger.is_permitted(s, "analytics", datetime(2019, 1, 1)) for s in subjects[:50]
        ]
        one = subjects[0]
        single = c.post("/v1/consent/check", json={"subject": one, "purpose": "analytics"})
        assert single.json() == {"user_id": one, "purpose": "analytics", "permitted": expected[0]}
        bad = c.post("/v1/consent/check", json={"subject": one, "purpose": "astrology"})
        assert bad.status_code == 422 and bad.json()["field"] == "purpose"
        unknown = c.post("/v1/consent/check", json={"subject": "u_nobody", "purpose": "analytics"})
        assert unknown.status_code == 404


def _wait(predicate, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_withdrawal_notices_retried_delivered_and_acknowledged(served, hook):
    hook.fail_first = 2  # the first two calls answer 503: the sender must retry
    subject = granted_subject(served, "marketing")
    with served.client("dpo", ["grp-privacy"]) as dpo:
        made = dpo.post("/v1/consent/withdraw", json={"subject": subject, "purpose": "marketing"})
        assert made.status_code == 200, made.text
        change = made.json()
        assert change["action"] == "withdraw" and change["notice_ids"]
        check = dpo.post("/v1/consent/check", json={"subject": subject, "purpose": "marketing"})
        assert check.json()["permitted"] is False
    products = change["products"]
    domains = sorted({p.split(".")[0] for p in products} & set(DOMAINS))
    assert domains
    _wait(lambda: len(hook.calls) >= len(domains))
    assert hook.failures == 2
    assert sorted(c["path"] for c in hook.calls) == [f"/{d}" for d in domains]
    call = hook.calls[0]
    assert call["event_id"] == change["event_id"] and call["action"] == "withdraw"
    assert all(n["notice_id"] in change["notice_ids"] for c in hook.calls for n in c["notices"])
    # the notices are pending until each domain acknowledges; another domain may not
    product = call["notices"][0]["product"]
    domain = call["path"].strip("/")
    other = next(d for d in ("analytics", "crm", "growth", "marketing") if d != domain)
    with served.client(f"svc-{other}") as stranger:
        refused = stranger.post(
            "/v1/consent/notices/ack", json={"event_id": change["event_id"], "product": product}
        )
        assert refused.status_code == 403
    with served.client(f"svc-{domain}") as owner:
        pending = owner.get("/v1/consent/notices").json()
        assert {n["domain"] for n in pending} == {domain}
        for n in call["notices"]:
            ack = owner.post(
                "/v1/consent/notices/ack",
                json={"event_id": change["event_id"], "product": n["product"]},
            )
            assert ack.status_code == 200, ack.text
            assert ack.json()["acknowledged"] == 1
        assert owner.get("/v1/consent/notices").json() == [
            p for p in pending if p["event_id"] != change["event_id"]
        ]
    applied = pl.read_parquet(served.ws.platform / "consent_applications.parquet")
    mine = applied.filter(pl.col("event_id") == change["event_id"])
    assert mine["domain"].to_list() == [domain]
    notify = [r for r in audit_rows(served) if r["action"] == "consent.notify"]
    attempts = sorted(json.loads(r["detail"])["attempts"] for r in notify)
    assert len(notify) == len(domains) and all(r["decision"] == "allow" for r in notify)
    assert sum(a - 1 for a in attempts) == 2  # two retries in all
    acks = [r for r in audit_rows(served) if r["action"] == "consent.ack"]
    assert {r["actor"] for r in acks} == {f"svc-{domain}"}


def test_dsar_open_tasks_claimed_and_completed_by_the_domain(served):
    subject = granted_subject(served, "marketing")
    with served.client("dpo", ["grp-privacy"]) as dpo:
        opened = dpo.post("/v1/dsar/requests", json={"subject": subject, "type": "access"})
        assert opened.status_code == 201, opened.text
        req = opened.json()
        assert req["status"] == "open" and req["deadline"] > req["received_at"]
        assert req["tasks"], "the subject is held somewhere"
        rid = req["request_id"]
        assert dpo.get(f"/v1/dsar/requests/{rid}").json()["request_id"] == rid
        assert dpo.get("/v1/dsar/requests/dsar-99999").status_code == 404
    task = req["tasks"][0]
    pid = f"{task['domain']}.{task['product']}"
    other = next(d for d in ("analytics", "crm", "growth", "marketing") if d != task["domain"])
    with served.client(f"svc-{other}") as stranger:
        assert stranger.post(f"/v1/dsar/requests/{rid}/tasks/{pid}/claim").status_code == 403
    with served.client(f"svc-{task['domain']}") as owner:
        listed = owner.get("/v1/dsar/tasks").json()
        assert {"request_id": rid, **task} in listed or any(t["request_id"] == rid for t in listed)
        claimed = owner.post(f"/v1/dsar/requests/{rid}/tasks/{pid}/claim")
        assert claimed.status_code == 200 and claimed.json()["status"] == "claimed"
        twice = owner.post(f"/v1/dsar/requests/{rid}/tasks/{pid}/claim")
        assert twice.status_code == 422 and "claimed" in twice.json()["error"]
        done = owner.post(f"/v1/dsar/requests/{rid}/tasks/{pid}/complete")
        assert done.json()["status"] == "completed" and done.json()["completed_at"]
    with served.client("dpo", ["grp-privacy"]) as dpo:
        tasks = dpo.get(f"/v1/dsar/requests/{rid}").json()["tasks"]
        assert [
            t["status"]
            for t in tasks
            if t["domain"] == task["domain"] and t["product"] == task["product"]
        ] == ["completed"]
        export = dpo.post(f"/v1/dsar/requests/{rid}/export")
        assert export.status_code == 200, export.text
        assert export.json()["products"] and sum(export.json()["products"].values()) > 0


def test_audit_append_and_verify(served):
    with served.client("svc-billing", ["grp-audit"]) as writer:
        first = writer.post(
            "/v1/audit/records",
            json={"action": "billing.export", "product": "payments.invoices", "rows": 12,
                  "subject": "u_000001", "detail": {"job": "nightly"}},
        )  # fmt: skip
        assert first.status_code == 201, first.text
        second = writer.post("/v1/audit/records", json={"action": "billing.read"})
        assert second.json()["prev_hash"] == first.json()["hash"]
        assert second.json()["seq"] == first.json()["seq"] + 1
        leaked = writer.post(
            "/v1/audit/records", json={"action": "x", "detail": {"to": "jane.doe@example.com"}}
        )
        assert leaked.status_code == 422 and "raw personal data" in leaked.json()["error"]
        assert writer.get("/v1/audit/verify").status_code == 403
    with served.client("dpo", ["grp-privacy"]) as dpo:
        report = dpo.get("/v1/audit/verify").json()
    rows = audit_rows(served)
    assert report["ok"] is True and report["head_hash"] == rows[-1]["hash"]
    assert report["records"] == len(rows)
    stored = next(r for r in rows if r["hash"] == second.json()["hash"])
    assert stored["actor"] == "svc-billing" and stored["action"] == "billing.read"
    assert (rows[-1]["actor"], rows[-1]["decision"]) == (
        "svc-billing",
        "deny",
    )  # the refused verify
    assert "u_000001" not in (served.ws.evidence / "audit.jsonl").read_text()
    # tampering is caught by the same API
    path = served.ws.evidence / "audit.jsonl"
    path.write_text(path.read_text().replace('"rows":12', '"rows":13'))
    with served.client("dpo", ["grp-privacy"]) as dpo:
        report = dpo.get("/v1/audit/verify").json()
    assert report["ok"] is False and report["first_break"]
    assert AuditLog(path).verify().ok is False


def test_operations_health_ready_metrics_and_logs(served):
    subject = granted_subject(served, "marketing")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("privacymesh.serve")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    with served.client("svc-growth", ["grp-consent"]) as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        assert c.get("/readyz").json() == {"status": "ready"}
        c.post("/v1/consent/check", json={"subject": subject, "purpose": "marketing"})
        metrics = c.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert (
        'privacymesh_requests_total{method="POST",route="/v1/consent/check",status="200"} 1.0'
        in text
    )
    assert 'privacymesh_consent_checks_total{permitted="yes"} 1.0' in text
    assert "privacymesh_request_seconds_bucket" in text
    logger.removeHandler(handler)
    logged = stream.getvalue()
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    checks = [x for x in lines if x.get("route") == "/v1/consent/check"]
    assert checks and checks[0]["principal"] == "svc-growth" and checks[0]["status"] == 200
    assert subject not in logged


def test_openapi_committed_equals_served(served):
    with served.client() as c:
        served_doc = c.get("/openapi.json").json()
    committed = json.loads((REPO / "docs" / "openapi.json").read_text())
    assert committed == served_doc
    paths = set(served_doc["paths"])
    assert {"/v1/consent/check", "/v1/consent/withdraw", "/v1/dsar/requests",
            "/v1/audit/records", "/v1/audit/verify", "/healthz", "/metrics"} <= paths  # fmt: skip
    assert served_doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    # /docs is a page of our own: no script, nothing from elsewhere, a CSP that loads nothing
    with served.client() as c:
        page = c.get("/docs")
        assert c.get("/redoc").status_code == 404
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"].startswith("default-src 'none';")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "<script" not in page.text.lower() and "http" not in page.text
    assert "<code>/v1/consent/check</code>" in page.text and 'href="/openapi.json"' in page.text


def test_fast_path_answers_as_the_route_does(served):
    """A well-formed check is answered by the fast path; a timestamp given as epoch seconds is
    not its form, so the FastAPI route answers it: both give the same decision."""
    ledger = ConsentLedger(read_events(served.ws.platform))
    subjects = ledger.events["user_id"].unique().sort().to_list()[:40]
    when = datetime(2024, 6, 1, tzinfo=UTC)
    with served.client("svc-growth", ["grp-consent"]) as c:
        for subject in subjects:
            body = {"subject": subject, "purpose": "analytics"}
            fast = c.post("/v1/consent/check", json={**body, "at": when.isoformat()})
            routed = c.post("/v1/consent/check", json={**body, "at": int(when.timestamp())})
            assert fast.status_code == routed.status_code == 200
            assert (
                fast.json()
                == routed.json()
                == {
                    "user_id": subject,
                    "purpose": "analytics",
                    "permitted": ledger.is_permitted(subject, "analytics", when),
                }
            )
        metrics = c.get("/metrics").text
    assert 'route="/v1/consent/check",status="200"} 80.0' in metrics


def test_change_made_elsewhere_is_seen_by_the_next_check(served):
    """Another writer (the CLI, another server) changes the ledger file: the server reloads
    it on the next check instead of answering from a stale index."""
    subject = granted_subject(served, "marketing")
    body = {"subject": subject, "purpose": "marketing"}
    with served.client("svc-growth", ["grp-consent"]) as c:
        assert c.post("/v1/consent/check", json=body).json()["permitted"] is True
        other = ConsentLedger.open(served.ws, audit=None, actor="cli-user")
        other.revoke(subject, "marketing", source="support")
        assert c.post("/v1/consent/check", json=body).json()["permitted"] is False
        other.grant(subject, "marketing", source="web")
        assert c.post("/v1/consent/check", json=body).json()["permitted"] is True
