"""Governed queries: the access decision and its masking (`model`, with the SQL masking
functions in `masking_sql`), which products a query names (`scope`), the locked-down database
a query runs on (`connection`), the session that answers queries (`governed_session`), and
the same masking and consent filter written as SQL views for BI tools (`policy_views`)."""

from privacymesh.platform.query.connection import governed_connection, load_relation, source_stamp
from privacymesh.platform.query.governed_session import (
    GovernedResult,
    GovernedSession,
    query,
    query_sql,
    session,
)
from privacymesh.platform.query.model import (
    AccessDecision,
    FieldDecision,
    decide,
    field_decision,
    mask_frame,
    role_for,
    select_sql,
)
from privacymesh.platform.query.policy_views import PolicyViewsResult, write_policy_views

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
