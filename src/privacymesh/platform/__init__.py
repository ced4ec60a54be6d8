"""Privacy as a platform: the primitives domain teams consume.

- `consent`: `ConsentLedger.is_permitted(subject, purpose, at)`, batch filters (ASOF joins),
  grants and withdrawals with propagation notices;
- `query`: governed queries (`query(product, role, purpose)`, `GovernedSession.sql`) and policy
  views for BI tools, with the access decision and its masking;
- `retention`: plan and apply the declared retention;
- `dsar`: open, export, erase and track data subject requests;
- `audit`: the hash-chained audit log every primitive writes to.

Each primitive is a package with a `model` (records, pure rules) and a `service` (operations).
Shared by all of them, at this level: `policy` (the workspace's policy file with the contracts),
`identity` (the identity map), `principals` (who is asking: `principal_of(workspace)`, OS user
or API token, and the roles the workspace grants it), `keys`, `sources` (writing products'
sources) and `errors`.

Each primitive records evidence (audit log, and the ledger for deletions and erasure
verifications, through `privacymesh.ledger.operations`), reads products through the
workspace's engine, and never logs raw personal data.
"""

from privacymesh.platform import audit
from privacymesh.platform.audit import AuditLog, AuditRecord
from privacymesh.platform.consent import ConsentChange, ConsentLedger, ConsentStatus
from privacymesh.platform.dsar import (
    DsarRequest,
    ErasureOutcome,
    ExportResult,
    erase_request,
    export_request,
    get_request,
    list_requests,
    open_request,
)
from privacymesh.platform.errors import (
    AccessDenied,
    ConsentError,
    DsarError,
    KeyFileError,
    PlatformError,
    PolicyError,
    QueryError,
    ReadOnlySourceError,
    UnknownPurposeError,
    UnknownSubjectError,
)
from privacymesh.platform.policy import Policy, load_policy
from privacymesh.platform.principals import Principal, principal_of
from privacymesh.platform.query import (
    GovernedResult,
    GovernedSession,
    PolicyViewsResult,
    query,
    query_sql,
    write_policy_views,
)
from privacymesh.platform.query.model import AccessDecision, decide, mask_frame
from privacymesh.platform.retention import (
    RetentionOutcome,
    RetentionPlan,
    apply_retention,
    plan_retention,
)

__all__ = [
    "AccessDecision",
    "AccessDenied",
    "AuditLog",
    "AuditRecord",
    "ConsentChange",
    "ConsentError",
    "ConsentLedger",
    "ConsentStatus",
    "DsarError",
    "DsarRequest",
    "ErasureOutcome",
    "ExportResult",
    "GovernedResult",
    "GovernedSession",
    "KeyFileError",
    "PlatformError",
    "Policy",
    "PolicyError",
    "PolicyViewsResult",
    "Principal",
    "QueryError",
    "ReadOnlySourceError",
    "RetentionOutcome",
    "RetentionPlan",
    "UnknownPurposeError",
    "UnknownSubjectError",
    "apply_retention",
    "audit",
    "decide",
    "erase_request",
    "export_request",
    "get_request",
    "list_requests",
    "load_policy",
    "mask_frame",
    "open_request",
    "plan_retention",
    "principal_of",
    "query",
    "query_sql",
    "write_policy_views",
]
