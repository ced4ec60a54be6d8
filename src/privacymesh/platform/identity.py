"""The identity map (`platform/identity_map.parquet`): every identifier form of a data subject,
so a request naming a subject by e-mail, customer reference or device finds them everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from privacymesh.platform.errors import UnknownSubjectError
from privacymesh.subjects import EXTRA_IDENTIFIERS, IDENTITY_FORMS, email_hash

IDENTITY_FILE = "identity_map.parquet"


@dataclass(frozen=True)
class Subject:
    """One resolved subject: every identifier form (None where unknown or forgotten)."""

    user_id: str
    identifiers: dict[str, str | None]
    country: str | None
    status: str | None

    def form(self, name: str) -> str | None:
        return self.identifiers.get(name)

    @property
    def erased(self) -> bool:
        return self.status == "erased"


class IdentityMap:
    """The identity map of a workspace, read once."""

    def __init__(self, frame: pl.DataFrame, path: Path | None = None):
        self.frame = frame
        self.path = path
        self._by_user: dict[str, int] | None = None

    @classmethod
    def load(cls, platform_dir: Path) -> IdentityMap:
        path = platform_dir / IDENTITY_FILE
        if not path.is_file():
            raise UnknownSubjectError(
                "no identity map: subjects cannot be resolved",
                file=path,
                hint="the platform folder needs identity_map.parquet",
            )
        return cls(pl.read_parquet(path), path)

    @property
    def user_ids(self) -> pl.Series:
        return self.frame["user_id"]

    def resolve(self, identifier: str) -> Subject:
        """The subject with this identifier in any form (an e-mail is matched lower-cased,
        and through its hash once the e-mail itself was erased)."""
        text = identifier.strip()
        conditions = [
            pl.col(c) == text for c in IDENTITY_FORMS if c in self.frame.columns and c != "email"
        ]
        if "@" in text:
            conditions.append(pl.col("email") == text.lower())
            if "email_hash" in self.frame.columns:
                conditions.append(pl.col("email_hash") == email_hash(text))
        hits = (
            self.frame.filter(pl.any_horizontal(conditions)) if conditions else self.frame.clear()
        )
        if hits.height == 0:
            raise UnknownSubjectError(
                "unknown subject: no identity-map entry has this identifier",
                field="subject",
                hint="give a user id (u_000123), customer reference, e-mail, e-mail hash or "
                "device id",
            )
        if hits.height > 1:
            raise UnknownSubjectError(
                f"the identifier matches {hits.height} subjects", field="subject"
            )
        row = hits.row(0, named=True)
        ids = {c: row.get(c) for c in (*IDENTITY_FORMS, *EXTRA_IDENTIFIERS) if c in row}
        return Subject(str(row["user_id"]), ids, row.get("country"), row.get("status"))

    def user_id(self, identifier: str) -> str:
        """The subject's user id (identifiers already in user-id form are returned as given
        when they are in the map)."""
        if self._by_user is None:
            self._by_user = {u: i for i, u in enumerate(self.user_ids.to_list())}
        if identifier in self._by_user:
            return identifier
        return self.resolve(identifier).user_id

    def forms(self) -> pl.DataFrame:
        """user_id and every identifier form, one row per subject (for joins)."""
        return self.frame.select([c for c in IDENTITY_FORMS if c in self.frame.columns])
