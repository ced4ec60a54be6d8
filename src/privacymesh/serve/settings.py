"""The `[serve]` section: who may call which API, and each consumer domain's webhook and
service accounts.

    [serve.rights]              # roles that may call each API (these are the defaults)
    consent_check = ["consent_reader", "consent_writer", "privacy_officer"]
    consent_change = ["consent_writer", "privacy_officer"]
    dsar = ["dsar_officer", "privacy_officer"]
    audit_append = ["audit_writer", "privacy_officer"]
    audit_read = ["auditor", "privacy_officer"]

    [serve.domains.marketing]
    webhook = "https://marketing.internal/privacymesh/consent"   # propagation notices go here
    accounts = ["svc-marketing"]   # principals (token `sub`) acting for the domain: they claim
                                   # and complete its DSAR tasks and acknowledge its notices

    [serve.delivery]
    attempts = 8                   # tries per notice before it is left for the next start
    backoff = 0.5                  # seconds before the first retry, doubled on each retry
    timeout = 5.0                  # seconds per webhook call
    concurrency = 8                # webhook calls in flight at once

    [serve.auth_failures]          # refused tokens per client address (see `auth_limit`)
    limit = 20                     # per window; past it the address is answered 429 (0: off)
    window = 60                    # seconds
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from privacymesh.errors import WorkspaceError
from privacymesh.workspace import Workspace

RIGHTS: dict[str, tuple[str, ...]] = {
    "consent_check": ("consent_reader", "consent_writer", "privacy_officer"),
    "consent_change": ("consent_writer", "privacy_officer"),
    "dsar": ("dsar_officer", "privacy_officer"),
    "audit_append": ("audit_writer", "privacy_officer"),
    "audit_read": ("auditor", "privacy_officer"),
}


@dataclass(frozen=True)
class Domain:
    """A consumer domain: where its notices go and which principals act for it."""

    name: str
    webhook: str | None = None
    accounts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Delivery:
    attempts: int = 8
    backoff: float = 0.5
    timeout: float = 5.0
    concurrency: int = 8


@dataclass(frozen=True)
class AuthFailures:
    limit: int = 20
    window: float = 60.0


@dataclass(frozen=True)
class ServeSettings:
    rights: Mapping[str, frozenset[str]]
    domains: Mapping[str, Domain] = field(default_factory=dict)
    delivery: Delivery = field(default_factory=Delivery)
    auth_failures: AuthFailures = field(default_factory=AuthFailures)

    def domains_of(self, principal: str) -> frozenset[str]:
        """The domains a principal is a service account of."""
        return frozenset(d.name for d in self.domains.values() if principal in d.accounts)


def serve_settings(workspace: Workspace) -> ServeSettings:
    """The workspace's `[serve]` section (every key optional), validated."""
    raw = workspace.section("serve")
    file = workspace.file

    def fail(where: str, message: str) -> WorkspaceError:
        return WorkspaceError(message, file=file, field=f"serve.{where}")

    unknown = set(raw) - {"rights", "domains", "delivery", "auth_failures"}
    if unknown:
        raise fail(", ".join(sorted(unknown)), "unknown key(s) in [serve]")
    rights_raw = raw.get("rights", {})
    if not isinstance(rights_raw, Mapping):
        raise fail("rights", "expected a table")
    rights = {k: frozenset(v) for k, v in RIGHTS.items()}
    for name, roles in rights_raw.items():
        if name not in RIGHTS:
            raise fail(f"rights.{name}", f"unknown right; one of {', '.join(RIGHTS)}")
        rights[name] = frozenset(_strings(roles, fail, f"rights.{name}"))
    domains = {}
    for name, spec in _table(raw.get("domains", {}), fail, "domains").items():
        spec = _table(spec, fail, f"domains.{name}")
        extra = set(spec) - {"webhook", "accounts"}
        if extra:
            raise fail(f"domains.{name}", f"unknown key(s) {', '.join(sorted(extra))}")
        hook = spec.get("webhook")
        if hook is not None and (not isinstance(hook, str) or "://" not in hook):
            raise fail(f"domains.{name}.webhook", "expected an http(s) URL")
        accounts = _strings(spec.get("accounts", []), fail, f"domains.{name}.accounts")
        domains[str(name)] = Domain(str(name), hook, frozenset(accounts))
    d = _table(raw.get("delivery", {}), fail, "delivery")
    delivery = Delivery(
        attempts=_number(d.get("attempts", 8), fail, "delivery.attempts", int, 1, 100),
        backoff=_number(d.get("backoff", 0.5), fail, "delivery.backoff", float, 0.0, 3600.0),
        timeout=_number(d.get("timeout", 5.0), fail, "delivery.timeout", float, 0.1, 300.0),
        concurrency=_number(d.get("concurrency", 8), fail, "delivery.concurrency", int, 1, 256),
    )
    f = _table(raw.get("auth_failures", {}), fail, "auth_failures")
    if set(f) - {"limit", "window"}:
        raise fail("auth_failures", "unknown key(s); expected limit, window")
    failures = AuthFailures(
        limit=_number(f.get("limit", 20), fail, "auth_failures.limit", int, 0, 1_000_000),
        window=_number(f.get("window", 60), fail, "auth_failures.window", float, 1.0, 86_400.0),
    )
    return ServeSettings(rights, domains, delivery, failures)


def _table(value: Any, fail: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise fail(where, "expected a table")
    return value


def _strings(value: Any, fail: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise fail(where, "expected a list of strings")
    return list(value)


def _number(value: Any, fail: Any, where: str, number_type: type, low: float, high: float) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise fail(where, f"expected a number from {low:g} to {high:g}")
    if number_type is int and not isinstance(value, int):
        raise fail(where, "expected a whole number")
    return number_type(value)
