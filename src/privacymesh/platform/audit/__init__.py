"""The audit log every primitive writes to: the record and its rules (`model`), the
hash-chained log and the module-level SDK (`service`: `audit.record`, `audit.query`,
`audit.verify`)."""

from privacymesh.platform.audit.model import (
    LOG_FILE,
    SCHEMA,
    AuditError,
    AuditRecord,
    refuse_personal_data,
)
from privacymesh.platform.audit.service import (
    AuditLog,
    configure,
    current_actor,
    default_log,
    open_log,
    query,
    record,
    verify,
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
