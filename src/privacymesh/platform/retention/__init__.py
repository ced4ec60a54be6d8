"""Retention: which rows the declared retention says must go (`model`), and deleting them
with their evidence (`service`)."""

from privacymesh.platform.retention.model import (
    CHECK_ID,
    CONTROL_ID,
    INTENT_CHECK_ID,
    AppliedItem,
    ResumedIntent,
    RetentionItem,
    RetentionOutcome,
    RetentionPlan,
    refuse_future,
)
from privacymesh.platform.retention.service import (
    Confirm,
    apply_retention,
    plan_retention,
)

__all__ = [
    "CHECK_ID",
    "CONTROL_ID",
    "INTENT_CHECK_ID",
    "AppliedItem",
    "Confirm",
    "ResumedIntent",
    "RetentionItem",
    "RetentionOutcome",
    "RetentionPlan",
    "apply_retention",
    "plan_retention",
    "refuse_future",
]
