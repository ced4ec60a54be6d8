"""ISO times typed on the command line (`--at`, `--since`, ...)."""

from __future__ import annotations

from datetime import datetime

from privacymesh.errors import PrivacyMeshError

AT_HELP = "ISO time, e.g. 2026-05-01T12:00:00 (UTC)."


def parse_time(value: str | None, name: str) -> datetime | None:
    """An ISO time given as option NAME, or None; a bad one is a typed error."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise PrivacyMeshError(
            f"{name} {value!r} is not an ISO time", field=name, hint=AT_HELP
        ) from None
