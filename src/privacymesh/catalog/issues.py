"""Validation issues: one per broken rule, each naming file, line, field path, what was found
and what was expected."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ContractIssue:
    """One problem in one contract."""

    file: Path
    field: str
    message: str
    line: int | None = None
    found: str | None = None
    expected: str | None = None
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        text = f"{where}: {self.field or '<contract>'}: {self.message}"
        if self.found is not None:
            text += f"; found {self.found}"
        if self.expected is not None:
            text += f"; expected {self.expected}"
        return text
