"""Small helpers shared by the product builders."""

from __future__ import annotations

import numpy as np
import polars as pl

CURRENCY_RATE = {"USD": 1.0, "GBP": 0.79, "EUR": 0.92, "BRL": 5.4, "INR": 83.0}


def seq_ids(prefix: str, n: int, width: int = 7) -> pl.Series:
    """`prefix0000001`, `prefix0000002`, ... (width grows if n needs it)."""
    width = max(width, len(str(n)))
    return pl.Series(
        np.char.add(prefix, np.char.zfill(np.char.mod("%d", np.arange(1, n + 1)), width))
    )


def money(rng: np.random.Generator, currencies: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    """Log-normal amounts in USD terms converted to each row's currency, rounded to cents."""
    keys, inverse = np.unique(np.asarray(currencies, dtype=str), return_inverse=True)
    rate = np.array([CURRENCY_RATE[k] for k in keys], dtype=float)[inverse]
    return np.round(rng.lognormal(mu, sigma, len(currencies)) * rate, 2)


def cents_sum(column: str) -> pl.Expr:
    """Exact sum of a money column: added up in integer cents, so the result never depends on
    the order in which a parallel aggregation visits the rows."""
    return (pl.col(column) * 100).round().cast(pl.Int64).sum() / 100


def owner(domain: str) -> str:
    return f"{domain}-lead@example.com"


def steward(domain: str) -> str:
    return f"{domain}-steward@example.com"
