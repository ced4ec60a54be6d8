"""Named, independent random streams derived from one seed.

Each table draws from its own stream (`stream(seed, "payments.transactions")`), so adding a column
or a table to one generator never shifts the values of another: the sample stays stable as it
grows, and the same seed always yields the same bytes.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """A numpy Generator for `name`, determined only by `seed` and `name`."""
    key = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")
    return np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, key]))


def faker_seed(seed: int, name: str) -> int:
    """A deterministic integer seed for a Faker instance, derived like `stream`."""
    digest = hashlib.sha256(f"{int(seed)}:{name}".encode()).digest()
    return int.from_bytes(digest[:4], "big")
