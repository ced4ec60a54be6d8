"""Upgrade a ledger written by an older privacymesh to this one's schema version, in place.

Schema versions (`schema.SCHEMA_VERSION`): 1, the first release; 2 added `head_signatures`.
An upgrade only adds what a newer version has (tables, empty); it never rewrites a chained
record, so every hash, and every head published before, stays valid. The chain is verified
before and after."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from privacymesh.ledger.errors import LedgerError
from privacymesh.ledger.schema import SCHEMA_VERSION
from privacymesh.ledger.store import Ledger
from privacymesh.ledger.verify import VerifyReport


@dataclass(frozen=True)
class Migration:
    """What `migrate_ledger` did: the versions before and after, and the verified chain."""

    path: Path
    from_version: int
    to_version: int
    report: VerifyReport

    @property
    def changed(self) -> bool:
        return self.from_version != self.to_version


def migrate_ledger(path: Path, lock_timeout: float = 0.0) -> Migration:
    """Bring the ledger at `path` to SCHEMA_VERSION. A ledger whose chain does not verify is
    left as it is (LedgerError): an upgrade must not look like a repair."""
    with Ledger(path, read_only=True, lock_timeout=lock_timeout) as ledger:
        before = ledger.schema_version
        report = ledger.verify()
    if not report.ok:
        raise LedgerError(
            f"the chain is broken at {report.first_break}; nothing migrated",
            file=path,
            hint="`privacymesh evidence verify` names the record; restore the ledger first",
        )
    if before == SCHEMA_VERSION:
        return Migration(path, before, before, report)
    # opening for writing adds what the newer schema has, in one transaction
    with Ledger(path, lock_timeout=lock_timeout) as ledger:
        after = ledger.schema_version
        report = ledger.verify()
    return Migration(path, before, after, report)
