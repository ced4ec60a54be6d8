"""Alerts: tell a product's owner when a run turns one of its checks from pass to fail, or
when one of its findings passes its due date.

Channels are set in privacymesh.toml `[alerts]` (`settings`): a webhook (JSON signed with
HMAC-SHA256) and e-mail over SMTP (`deliver`). Alerts carry check, product, counts and ids,
never data values. Each is sent once per channel (its `dedup_key`), optionally as one digest
per owner per run, and every delivery, sent or failed after its retries, is a record of the
ledger's `alerts` table (`notify`). `privacymesh run` sends them at its end; `privacymesh
alerts send` sends (or, with --dry-run, lists) those still due."""

from privacymesh.alerts.deliver import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from privacymesh.alerts.notify import AlertReport, notify_after_run, send_alerts
from privacymesh.alerts.pending import Alert, pending_alerts
from privacymesh.alerts.settings import AlertSettings, alert_settings

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Alert",
    "AlertReport",
    "AlertSettings",
    "alert_settings",
    "notify_after_run",
    "pending_alerts",
    "send_alerts",
    "verify_signature",
]
