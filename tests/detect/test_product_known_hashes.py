"""The identity map's e-mail hashes as every scan of a run receives them."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from privacymesh.catalog import load_catalog
from privacymesh.detect.product import known_email_hashes
from privacymesh.engine import open_engine
from privacymesh.workspace import load_workspace

A = "a" * 64
B = "b" * 63 + "c"


def test_known_hashes_are_the_identity_maps_normalized_and_distinct(shop_workspace: Path) -> None:
    pl.DataFrame(
        {
            "user_id": ["u1", "u2", "u3", "u4", "u5"],
            "email_hash": [A, A.upper(), f"  {B} ", B, None],
        }
    ).write_parquet(shop_workspace / "platform" / "identity_map.parquet")
    ws = load_workspace(shop_workspace)
    with open_engine(ws, load_catalog(ws.catalog)) as engine:
        known = known_email_hashes(engine)
    assert known is not None
    assert sorted(known.values.to_list()) == [A, B]


def test_no_identity_map_means_no_known_hashes(shop_workspace: Path) -> None:
    (shop_workspace / "platform" / "identity_map.parquet").unlink()
    ws = load_workspace(shop_workspace)
    with open_engine(ws, load_catalog(ws.catalog)) as engine:
        assert known_email_hashes(engine) is None
