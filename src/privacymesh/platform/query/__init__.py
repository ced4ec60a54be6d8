"""Governed queries: the access decision and its masking (`model`, with the SQL masking
functions in `masking_sql`), which products a query names (`scope`), and the locked-down
session that answers it (`service`)."""

from privacymesh.platform.query.model import (
    AccessDecision,
    FieldDecision,
    decide,
    field_decision,
    mask_frame,
    role_for,
    select_sql,
)
from privacymesh.platform.query.service import (
    GovernedResult,
    GovernedSession,
    PolicyViewsResult,
    governed_connection,
    load_relation,
    query,
    query_sql,
    session,
    source_stamp,
    write_policy_views,
)

__all__ = [
    "AccessDecision",
    "FieldDecision",
    "GovernedResult",
    "GovernedSession",
    "PolicyViewsResult",
    "decide",
    "field_decision",
    "governed_connection",
    "load_relation",
    "mask_frame",
    "query",
    "query_sql",
    "role_for",
    "select_sql",
    "session",
    "source_stamp",
    "write_policy_views",
]
