"""Validation issues: one per broken rule, each naming file, line, field path, what was found,
what was expected, and where the rule comes from: the YAML syntax, the ODCS schema of the
contract's version, or a privacymesh rule with its id."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from privacymesh.catalog.rules import RuleLevel

YAML = "YAML 1.2"
PRIVACYMESH = "privacymesh"


@dataclass(frozen=True)
class ContractIssue:
    """One problem in one contract. `blocks` says whether it stops the contract registering:
    YAML and ODCS schema errors do, and the few privacymesh rules without which the data cannot
    be addressed safely; every other privacymesh rule is judged by the deployment gate."""

    file: Path
    field: str
    message: str
    line: int | None = None
    found: str | None = None
    expected: str | None = None
    severity: str = RuleLevel.ERROR.value
    source: str = PRIVACYMESH  # "YAML 1.2", "ODCS v3.1.0 schema" or "privacymesh"
    rule: str | None = None  # PM-CAT-xxx for a privacymesh rule
    blocks: bool = True

    @property
    def origin(self) -> str:
        """Where the rule comes from, as printed: `ODCS v3.0.2 schema`, `privacymesh PM-CAT-004`."""
        if self.source == PRIVACYMESH:
            return f"{PRIVACYMESH} {self.rule}"
        return f"{self.source}, {self.rule}" if self.rule else self.source

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        text = f"{where}: {self.field or '<contract>'}: {self.message}"
        if self.found is not None:
            text += f"; found {self.found}"
        if self.expected is not None:
            text += f"; expected {self.expected}"
        return f"{text} [{self.origin}]"

    def to_dict(self) -> dict[str, object]:
        """The issue as plain JSON-able values (for `catalog validate --format json`)."""
        return {
            "file": str(self.file),
            "line": self.line,
            "field": self.field,
            "message": self.message,
            "found": self.found,
            "expected": self.expected,
            "severity": self.severity,
            "source": "privacymesh" if self.source == PRIVACYMESH else self.source,
            "rule": self.rule,
            "blocks_registration": self.blocks,
        }
