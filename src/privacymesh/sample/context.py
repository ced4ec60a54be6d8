"""Shared state while a sample is generated: the subject pool, the DSAR and consent plans, the
frames built so far, which subjects each product held, and the facts behind the expected
findings."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from privacymesh.sample.consent import ConsentData
from privacymesh.sample.dsar import DsarPlan
from privacymesh.sample.people import Pool
from privacymesh.sample.rng import stream
from privacymesh.sample.timeline import AS_OF_US, uniform_seconds


@dataclass
class Context:
    seed: int
    scale: float
    pool: Pool
    dsar: DsarPlan
    consent: ConsentData
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    membership: dict[str, np.ndarray] = field(default_factory=dict)
    facts: dict[str, dict] = field(default_factory=dict)

    def rng(self, name: str) -> np.random.Generator:
        return stream(self.seed, name)

    def rows(self, per_scale: float, minimum: int = 20) -> int:
        """Row count for a table: `per_scale` rows at scale 1, never fewer than `minimum`."""
        return max(minimum, round(per_scale * self.scale))

    def times_after_creation(
        self, rng: np.random.Generator, uids: np.ndarray, lo_us: int, hi_us: int = AS_OF_US
    ) -> np.ndarray:
        """Whole-second instants in [max(subject created, lo), hi), one per entry of `uids`."""
        lo = np.maximum(self.pool.created_us[uids], lo_us)
        return uniform_seconds(rng, lo, np.maximum(lo + 1_000_000, hi_us))

    def settle(
        self, product_id: str, frame: pl.DataFrame, keep: np.ndarray | None = None
    ) -> pl.DataFrame:
        """Record which subjects the product holds (for DSAR tasks), then apply completed
        erasures: rows whose subject (`_uid`, or any other `_uid*` column) was erased are
        removed, except subjects in `keep` (seeded residue)."""
        self.membership[product_id] = np.unique(frame["_uid"].to_numpy())
        erased = pl.Series(self.dsar.erased_uids, dtype=pl.Int64)
        cond = pl.lit(True)
        for col in frame.columns:
            if col.startswith("_uid"):
                gone = pl.col(col).is_in(erased.implode())
                if col == "_uid" and keep is not None and len(keep):
                    gone &= ~pl.col(col).is_in(pl.Series(keep, dtype=pl.Int64).implode())
                cond &= ~gone
        return frame.filter(cond)
