"""Typed errors. Each carries where it happened (file, field) and a hint, so the CLI can print
one readable line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class PrivacyMeshError(Exception):
    """Base error: a message plus optional file, field and hint."""

    message: str
    file: Path | str | None = None
    field: str | None = None
    hint: str | None = None
    line: int | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
        if self.field:
            where = f"{where} [{self.field}]" if where else f"[{self.field}]"
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class WorkspaceError(PrivacyMeshError):
    """The workspace file is missing or malformed."""


class ContractError(PrivacyMeshError):
    """A data-product contract is malformed or breaks a catalog rule."""


class SourceError(PrivacyMeshError):
    """A product's data could not be read."""


class CheckError(PrivacyMeshError):
    """A check specification is malformed or could not run."""


def first_line(exc: BaseException, limit: int = 300) -> str:
    """An exception's message as one line for a result or log: its first line, at most
    `limit` characters, or the exception's type when the message is empty."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:limit]
