"""Before a run's results are shown or recorded, every text they carry (measured values,
reasons, finding details, spec-error messages) is scanned with the full PII detector
(`privacymesh.detect.guard`). A result carrying raw personal data becomes an `error` result
that keeps only the SHA-256 of each such value and the category found; the run's other results
are kept as they are. The distinct texts of the whole run are scanned together, once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from privacymesh.checks.results import CheckResult
from privacymesh.detect.guard import find_personal
from privacymesh.ledger.guard import digest, withheld_reason
from privacymesh.verdict import Status


def _texts(value: Any) -> Iterator[str]:
    """Every string in a JSON-like value (keys are names a check chose, not data)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _texts(item)


def result_texts(result: CheckResult) -> Iterator[str]:
    """The texts of one result that would reach the ledger as data (not its check's SQL)."""
    yield from _texts(result.values)
    if result.reason:
        yield result.reason
    for finding in result.findings:
        if finding.column:
            yield finding.column
        yield from _texts(finding.detail)


def withhold_personal_data(
    results: list[CheckResult], messages: list[str] | None = None
) -> tuple[list[CheckResult], list[str]]:
    """The results and messages with every value the detector recognises as raw personal data
    withheld (see the module doc)."""
    messages = list(messages or [])
    texts = [list(result_texts(r)) for r in results]
    found = find_personal([t for group in texts for t in group] + messages)
    if not found:
        return results, messages
    kept = []
    for result, group in zip(results, texts, strict=True):
        hits = [t for t in dict.fromkeys(group) if t in found]
        if not hits:
            kept.append(result)
            continue
        digests = [digest(t) for t in hits]
        categories = [found[t] for t in hits]
        kept.append(
            replace(
                result,
                status=Status.ERROR,
                values={
                    "withheld": " ".join(dict.fromkeys(digests)),
                    "category": " ".join(dict.fromkeys(categories)),
                },
                exceptions=None,
                reason=withheld_reason("result", categories, digests),
                findings=[],
            )
        )
    shown = [
        withheld_reason("message", [found[m]], [digest(m)]) if m in found else m for m in messages
    ]
    return kept, shown
