"""Alerts reach real endpoints on 127.0.0.1: a webhook receiver (http.server in a thread) and
an SMTP server (aiosmtpd). One alert per new failure, signed, counts only, recorded."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from privacymesh.alerts import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Alert,
    alert_settings,
    send_alerts,
    verify_signature,
)
from privacymesh.alerts.deliver import deliver, messages
from privacymesh.cli import app
from privacymesh.errors import WorkspaceError
from privacymesh.ledger import Ledger
from privacymesh.runner import run_checks
from privacymesh.workspace import Workspace, load_workspace

SECRET = "s3cret-for-tests"
RAW_VALUES = ("ann@example.com", "bo@example.org", "cy@example.net", "di@example.com")


class Webhook:
    """A receiver that keeps every request and answers `status`. With `hold` seconds, the first
    request waits that long for a second to arrive before it is answered, so that two senders
    that both read the ledger before either records are sure to overlap here."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        self.hold = 0.0
        self.second = threading.Event()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.requests.append((dict(self.headers), body))
                if len(hook.requests) == 1:
                    hook.second.wait(hook.hold)
                else:
                    hook.second.set()
                self.send_response(hook.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8")))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.close()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    yield box
    controller.stop()


def configure_alerts(root: Path, webhook: Webhook, mailbox: Mailbox | None) -> Workspace:
    toml = root / "privacymesh.toml"
    text = toml.read_text() + "[alerts]\nretries = 2\nbackoff = 0\n"
    text += f'[alerts.webhook]\nurl = "{webhook.url}"\nsecret_env = "PM_TEST_WEBHOOK_SECRET"\n'
    if mailbox is not None:
        text += f'[alerts.email]\nhost = "127.0.0.1"\nport = {mailbox.port}\n'  # type: ignore[attr-defined]
        text += 'from = "privacymesh@example.org"\n'
    toml.write_text(text)
    return load_workspace(root)


@pytest.fixture
def ws(
    shop_workspace: Path, webhook: Webhook, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> Workspace:
    monkeypatch.setenv("PM_TEST_WEBHOOK_SECRET", SECRET)
    return configure_alerts(shop_workspace, webhook, mailbox)


def _run(ws: Workspace, day: datetime) -> Any:
    return run_checks(ws, ["retention"], as_of=day, workers=1)


def test_one_alert_per_new_failure_signed_and_without_personal_data(
    ws: Workspace, webhook: Webhook, mailbox: Mailbox
) -> None:
    first = _run(ws, datetime(2026, 6, 1))  # every retention check passes
    assert first.count("fail") == 0
    assert first.alerts is not None and first.alerts.count("sent") == 0
    second = _run(ws, datetime(2028, 6, 1))  # two years on, the orders are past retention
    failing = [r for r in second.results if r.status == "fail"]
    assert [(r.check_id, r.product, r.exceptions) for r in failing] == [
        ("retention.expired_rows", "shop.orders", 5)
    ]
    assert second.alerts is not None and second.alerts.summary() == (
        "alerts: 2 sent, 0 failed (0 sent before)"
    )
    third = _run(ws, datetime(2028, 6, 2))  # still failing: not a new failure
    assert third.count("fail") == 1 and third.alerts is not None
    assert third.alerts.count("sent") == 0
    again = send_alerts(ws, run_id=second.run_id)  # sending the same run again: deduplicated
    assert again.deliveries == [] and again.already_sent == 2

    assert len(webhook.requests) == 1 and len(mailbox.messages) == 1
    headers, body = webhook.requests[0]
    assert verify_signature(
        SECRET.encode(), headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER]
    )
    assert not verify_signature(
        b"wrong", headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER]
    )
    (alert,) = json.loads(body)["alerts"]
    with Ledger(ws.ledger_path, read_only=True) as ledger:
        result_id = ledger.results(run_id=second.run_id, status="fail")["result_id"][0]
        rows = ledger.sql("SELECT * FROM alerts ORDER BY seq").to_dicts()
        assert ledger.verify().ok
    assert alert["kind"] == "new_failure"
    assert (alert["check_id"], alert["product_id"], alert["exceptions"]) == (
        "retention.expired_rows",
        "shop.orders",
        5,
    )
    assert alert["reference"] == result_id and alert["owners"] == ["shop-lead@example.com"]
    to, mail = mailbox.messages[0]
    assert to == ["shop-lead@example.com"]
    assert "retention.expired_rows started failing on shop.orders" in mail
    for raw in RAW_VALUES:
        assert raw not in body.decode() and raw not in mail
    assert [(r["channel"], r["status"], r["attempts"], r["reference"]) for r in rows] == [
        ("webhook", "sent", 1, result_id),
        ("email", "sent", 1, result_id),
    ]

    # a year later the finding is past its due date: one alert, once
    late = _run(ws, datetime(2029, 6, 1))
    assert late.alerts is not None and late.alerts.count("sent") == 2
    later = _run(ws, datetime(2029, 6, 2))
    assert later.alerts is not None and later.alerts.count("sent") == 0
    due = webhook.payloads()[1]["alerts"]
    assert len(webhook.requests) == 2 and [a["kind"] for a in due] == ["finding_due"]
    assert due[0]["check_id"] == "retention.expired_rows" and due[0]["due_at"]


def test_a_failing_channel_is_retried_recorded_and_never_breaks_the_run(
    ws: Workspace, webhook: Webhook, mailbox: Mailbox
) -> None:
    _run(ws, datetime(2026, 6, 1))
    webhook.status = 500
    outcome = _run(ws, datetime(2028, 6, 1))
    assert outcome.run_id and outcome.exit_code == 1  # the checks' verdict, untouched
    assert outcome.alerts is not None
    assert (outcome.alerts.count("sent"), outcome.alerts.count("failed")) == (1, 1)
    assert len(webhook.requests) == 2  # retries = 2
    with Ledger(ws.ledger_path, read_only=True) as ledger:
        rows = ledger.sql("SELECT channel, status, attempts, error FROM alerts").to_dicts()
    failed = next(r for r in rows if r["channel"] == "webhook")
    assert (failed["status"], failed["attempts"]) == ("failed", 2)
    assert "500" in failed["error"]

    dry = CliRunner().invoke(app, ["-w", str(ws.root), "alerts", "send", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "alerts: 1 would be sent (1 sent before)" in dry.output
    webhook.status = 200
    sent = CliRunner().invoke(app, ["-w", str(ws.root), "alerts", "send"])
    assert sent.exit_code == 0, sent.output
    assert "alerts: 1 sent, 0 failed (1 sent before)" in sent.output
    assert len(webhook.requests) == 3 and len(mailbox.messages) == 1


def test_a_broken_setting_is_reported_and_the_run_is_recorded(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PM_TEST_WEBHOOK_SECRET")
    outcome = _run(ws, datetime(2026, 6, 1))
    assert outcome.run_id is not None and outcome.alerts is not None
    summary = outcome.alerts.summary()
    assert summary.startswith("alerts: not sent (") and "[alerts.webhook.secret_env]" in summary
    assert summary.endswith("environment variable PM_TEST_WEBHOOK_SECRET is not set)")
    result = CliRunner().invoke(app, ["-w", str(ws.root), "alerts", "send"])
    assert result.exit_code == 2
    assert "[alerts.webhook.secret_env]" in result.output


def test_a_secret_file_must_be_owner_only(ws: Workspace, tmp_path: Path) -> None:
    secret = ws.root / "webhook.key"
    secret.write_text(SECRET + "\n")
    text = ws.file.read_text().replace(
        'secret_env = "PM_TEST_WEBHOOK_SECRET"', 'secret_file = "webhook.key"'
    )
    ws.file.write_text(text)
    os.chmod(secret, 0o644)
    with pytest.raises(WorkspaceError, match="may be read by others"):
        alert_settings(load_workspace(ws.root))
    os.chmod(secret, 0o600)
    settings = alert_settings(load_workspace(ws.root))
    assert settings.webhook is not None and settings.webhook.secret == SECRET.encode()


def test_a_digest_is_one_message_per_owner(ws: Workspace, webhook: Webhook) -> None:
    def alert(check: str, owners: tuple[str, ...]) -> Alert:
        return Alert("new_failure", "r1", check, "shop.orders", "shop", "high", owners, "x", 3)

    alerts = [
        alert("a.one", ("lead@example.org",)),
        alert("a.two", ("lead@example.org",)),
        alert("a.three", ("other@example.org",)),
    ]
    assert len(messages(alerts, digest=False)) == 3
    settings = alert_settings(ws)
    for message in messages(alerts, digest=True):
        assert deliver(settings, "webhook", message).status == "sent"
    counts = sorted((p["owners"][0], p["count"]) for p in webhook.payloads())
    assert counts == [("lead@example.org", 2), ("other@example.org", 1)]


def test_privacymesh_run_ends_by_sending_its_alerts(
    ws: Workspace, webhook: Webhook, mailbox: Mailbox
) -> None:
    args = ["-w", str(ws.root), "run", "--check", "retention", "--workers", "1"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "alerts: 0 sent, 0 failed (0 sent before)" in first.output
    ws.file.write_text(ws.file.read_text().replace('as_of = "2026-06-01', 'as_of = "2028-06-01'))
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 1, second.output  # a check failed; the alerts went out
    assert "alerts: 2 sent, 0 failed (0 sent before)" in second.output
    assert len(webhook.requests) == 1 and len(mailbox.messages) == 1


def test_a_first_result_that_fails_sends_an_alert(
    ws: Workspace, webhook: Webhook, mailbox: Mailbox
) -> None:
    first = _run(ws, datetime(2028, 6, 1))  # the product's first results: past retention
    assert [(r.check_id, r.product) for r in first.results if r.status == "fail"] == [
        ("retention.expired_rows", "shop.orders")
    ]
    assert first.alerts is not None and first.alerts.count("sent") == 2
    (alert,) = webhook.payloads()[0]["alerts"]
    assert (alert["kind"], alert["status"], alert["check_id"], alert["exceptions"]) == (
        "new_failure",
        "fail",
        "retention.expired_rows",
        5,
    )
    assert "retention.expired_rows started failing on shop.orders" in mailbox.messages[0][1]


def test_pass_to_error_sends_an_alert_that_says_error(
    ws: Workspace, webhook: Webhook, mailbox: Mailbox
) -> None:
    first = _run(ws, datetime(2026, 6, 1))
    assert first.count("fail") == 0 and first.count("error") == 0
    (ws.root / "data" / "orders.parquet").write_bytes(b"no longer a parquet file")
    second = _run(ws, datetime(2026, 6, 2))
    errored = {(r.check_id, r.product) for r in second.results if r.status == "error"}
    assert errored and {product for _, product in errored} == {"shop.orders"}
    alerts = [a for payload in webhook.payloads() for a in payload["alerts"]]
    assert {(a["check_id"], a["product_id"]) for a in alerts} == errored
    assert {(a["kind"], a["status"]) for a in alerts} == {("new_failure", "error")}
    assert all("ended in error" in a["title"] for a in alerts)
    assert len(mailbox.messages) == len(errored)
    assert all("ended in error" in text and "; error)" in text for _, text in mailbox.messages)
    third = _run(ws, datetime(2026, 6, 3))  # still in error: not new
    assert third.alerts is not None and third.alerts.count("sent") == 0


def test_two_senders_at_once_send_each_alert_once(
    shop_workspace: Path, webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = run_checks(load_workspace(shop_workspace), ["retention"], as_of=datetime(2028, 6, 1))
    assert run.alerts is None and run.count("fail") == 1  # no channel yet: nothing sent
    configure_alerts(shop_workspace, webhook, None)
    webhook.hold = 3.0
    env = {**os.environ, "PM_TEST_WEBHOOK_SECRET": SECRET}
    command = [sys.executable, "-m", "privacymesh", "-w", str(shop_workspace), "alerts", "send"]
    senders = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0].decode() for p in senders]
    assert [p.returncode for p in senders] == [0, 0], outputs
    assert len(webhook.requests) == 1
    assert sorted(out.splitlines()[-1] for out in outputs) == [
        "alerts: 0 sent, 0 failed (1 sent before)",
        "alerts: 1 sent, 0 failed (0 sent before)",
    ]
    with Ledger(load_workspace(shop_workspace).ledger_path, read_only=True) as ledger:
        rows = ledger.sql("SELECT channel, status FROM alerts").rows()
    assert rows == [("webhook", "sent")]
