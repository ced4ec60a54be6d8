"""The check catalog: specs parsed from `checks/*.yaml`, SQL rendering and built-in measures."""

from privacymesh.checks.render import render_sql
from privacymesh.checks.results import CheckResult, Finding, Measurement
from privacymesh.checks.spec import CheckSpec, Control, Threshold, load_check, load_checks

__all__ = [
    "CheckResult",
    "CheckSpec",
    "Control",
    "Finding",
    "Measurement",
    "Threshold",
    "load_check",
    "load_checks",
    "render_sql",
]
