"""Sending a run's alerts: find them, drop those already sent on a channel, deliver the rest
(one message each, or one digest per owner), and record every delivery in the ledger.

The ledger is read, then released while messages go out (a slow mail server must not hold
other writers back), then opened again to append the deliveries. One sender at a time holds
the workspace's alerts lock from the read to the record, so two senders running at once
(`alerts send` beside the end of a `run`) never deliver the same alert twice: the second
reads what the first recorded."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from filelock import FileLock, Timeout

from privacymesh.alerts.deliver import Delivery, deliver, messages
from privacymesh.alerts.pending import Alert, pending_alerts, run_to_alert
from privacymesh.alerts.settings import AlertSettings, alert_settings
from privacymesh.catalog import Catalog, load_catalog
from privacymesh.errors import WorkspaceError, first_line
from privacymesh.ledger import Ledger, lock_timeout_for
from privacymesh.ledger.errors import LedgerBusyError
from privacymesh.ledger.schema import ALERTS
from privacymesh.views.findings import DuePolicy
from privacymesh.workspace import Workspace


@dataclass
class AlertReport:
    """What a send did: the alerts due, those already sent before, each delivery."""

    run_id: str | None
    planned: list[tuple[str, Alert]] = field(default_factory=list)  # (channel, alert)
    already_sent: int = 0
    deliveries: list[tuple[Delivery, tuple[Alert, ...]]] = field(default_factory=list)
    dry_run: bool = False
    error: str | None = None

    def count(self, status: str) -> int:
        return sum(len(alerts) for d, alerts in self.deliveries if d.status == status)

    def summary(self) -> str:
        if self.error:
            return f"alerts: not sent ({self.error})"
        if self.dry_run:
            return f"alerts: {len(self.planned)} would be sent ({self.already_sent} sent before)"
        return (
            f"alerts: {self.count('sent')} sent, {self.count('failed')} failed "
            f"({self.already_sent} sent before)"
        )


def sent_before(ledger: Ledger) -> set[tuple[str, str]]:
    """(dedup key, channel) of every delivery that got through."""
    rows = ledger.sql("SELECT DISTINCT dedup_key, channel FROM main.alerts WHERE status = 'sent'")
    return set(zip(rows["dedup_key"], rows["channel"], strict=True))


def sender_lock(ws: Workspace) -> FileLock:
    """The lock one sender holds from reading what was sent to recording what it sent."""
    ws.ledger_path.parent.mkdir(parents=True, exist_ok=True)
    path = ws.ledger_path.with_name(ws.ledger_path.name + ".alerts.lock")
    return FileLock(path, timeout=lock_timeout_for(ws))


def send_alerts(
    ws: Workspace,
    catalog: Catalog | None = None,
    run_id: str | None = None,
    *,
    dry_run: bool = False,
    settings: AlertSettings | None = None,
) -> AlertReport:
    """Send the alerts of a run (default: the newest) that no channel has sent yet."""
    settings = settings or alert_settings(ws)
    if not settings.enabled:
        raise WorkspaceError(
            "no alert channel configured",
            file=ws.file,
            field="alerts",
            hint="add [alerts.webhook] or [alerts.email] (see README, Alerts)",
        )
    catalog = catalog or load_catalog(ws.catalog, ws)
    policy = DuePolicy.from_settings(ws.section("findings"), ws.file)
    if dry_run:  # sends nothing: no need to wait for a sender
        return _send(ws, catalog, policy, settings, run_id, dry_run=True)
    lock = sender_lock(ws)
    try:
        with lock:
            return _send(ws, catalog, policy, settings, run_id, dry_run=False)
    except Timeout:
        raise LedgerBusyError(
            "another process is sending this workspace's alerts",
            file=lock.lock_file,
            hint="wait for it to finish, or raise [ledger] lock_timeout",
        ) from None


def _send(
    ws: Workspace,
    catalog: Catalog,
    policy: DuePolicy,
    settings: AlertSettings,
    run_id: str | None,
    *,
    dry_run: bool,
) -> AlertReport:
    with Ledger(ws.ledger_path, read_only=True, lock_timeout=lock_timeout_for(ws)) as ledger:
        run = run_to_alert(ledger, run_id)
        if run is None:
            return AlertReport(None, dry_run=dry_run)
        alerts = pending_alerts(ledger, catalog, run, policy, settings.link)
        done = sent_before(ledger)
    report = AlertReport(run, dry_run=dry_run)
    todo = {ch: [a for a in alerts if (a.dedup_key, ch) not in done] for ch in settings.channels}
    report.planned = [(ch, a) for ch, items in todo.items() for a in items]
    report.already_sent = sum(len(alerts) - len(items) for items in todo.values())
    if dry_run:
        return report
    for channel, items in todo.items():
        for message in messages(items, settings.digest):
            report.deliveries.append((deliver(settings, channel, message), message.alerts))
    if report.deliveries:
        from privacymesh.ledger.seal import Sealer

        sealer = Sealer.for_workspace(ws)  # the deliveries are signed and anchored like a run
        with Ledger(ws.ledger_path, lock_timeout=lock_timeout_for(ws), sealer=sealer) as ledger:
            ledger.append(ALERTS, _rows(run, report.deliveries), run)
    return report


def _rows(run_id: str, deliveries: list[tuple[Delivery, tuple[Alert, ...]]]) -> dict[str, Any]:
    now = datetime.now(UTC).replace(tzinfo=None)
    columns: dict[str, list[Any]] = {c.name: [] for c in ALERTS.columns if c.name != "seq"}
    for delivery, alerts in deliveries:
        for a in alerts:
            row = {
                "alert_id": f"{run_id}-{secrets.token_hex(4)}",
                "run_id": run_id,
                "kind": a.trigger,
                "dedup_key": a.dedup_key,
                "check_id": a.check_id,
                "product_id": a.product_id,
                "domain": a.domain,
                "owner": a.owner,
                "reference": a.reference,
                "exceptions": a.exceptions,
                "channel": delivery.channel,
                "status": delivery.status,
                "attempts": delivery.attempts,
                "error": delivery.error,
                "sent_at": now,
            }
            for name, value in row.items():
                columns[name].append(value)
    return columns


def notify_after_run(ws: Workspace, catalog: Catalog, run_id: str) -> AlertReport | None:
    """The end of `privacymesh run`: send its alerts when `[alerts]` is configured. Never
    raises: a broken channel or setting is reported, and the run stands."""
    if not ws.section("alerts"):
        return None
    try:
        return send_alerts(ws, catalog, run_id)
    except Exception as exc:  # alerts must never break a recorded run
        return AlertReport(run_id, error=first_line(exc, 200))
