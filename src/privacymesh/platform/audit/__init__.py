"""The audit-logging SDK: one call records who did what to which product, for which purpose,
under which policy; records are hash-chained with the evidence ledger's mechanism
(`privacymesh.ledger.chain`) and can be queried and verified.

    from privacymesh.platform import audit
    audit.record("ana", "query", "payments.transactions", ["user_id", "amount"], "fraud_prevention",
                 subjects=12, role="fraud_analyst", policy="policy.yaml@3f9a1c2b7d10")
    audit.query(product="payments.transactions")        # a Polars frame
    audit.verify()                                       # a VerifyReport, as for the ledger

The record and its rules are in `model`, the hash-chained log in `log`, the process's default
log and the module-level calls in `default`."""

from privacymesh.platform.audit.default import (
    configure,
    default_log,
    open_log,
    query,
    record,
    verify,
)
from privacymesh.platform.audit.log import AuditLog, current_actor
from privacymesh.platform.audit.model import (
    LOG_FILE,
    SCHEMA,
    AuditError,
    AuditRecord,
    refuse_personal_data,
)

__all__ = [
    "LOG_FILE",
    "SCHEMA",
    "AuditError",
    "AuditLog",
    "AuditRecord",
    "configure",
    "current_actor",
    "default_log",
    "open_log",
    "query",
    "record",
    "refuse_personal_data",
    "verify",
]
