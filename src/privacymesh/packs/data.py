"""`data/`: every table behind the pack as CSV and Parquet, one pair per table, written the same
way every time (sorted rows as the model has them, no timestamps in the files); and `data/gx/`,
each product's contract rules as the Great Expectations suite the run recorded."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from privacymesh.packs.model import PackModel


def _plain(frame: pl.DataFrame) -> pl.DataFrame:
    """CSV cannot hold nested values: lists and structs become JSON text."""
    nested = [c for c, t in frame.schema.items() if isinstance(t, pl.List | pl.Struct | pl.Array)]
    if not nested:
        return frame
    return frame.with_columns(pl.col(c).cast(pl.String) for c in nested)


def write_data(model: PackModel, folder: Path) -> list[Path]:
    """Write `<table>.csv` and `<table>.parquet` for every table of the model."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in model.tables().items():
        frame = _plain(frame)
        csv, parquet = folder / f"{name}.csv", folder / f"{name}.parquet"
        frame.write_csv(csv)
        frame.write_parquet(parquet, compression="zstd", statistics=True)
        written += [csv, parquet]
    return written + write_gx_suites(model, folder / "gx")


def write_gx_suites(model: PackModel, folder: Path) -> list[Path]:
    """`<product>.json` for every product in scope whose suite the newest run recorded."""
    recorded = model.evidence.recorded
    suites = recorded.gx_suites if recorded else {}
    in_scope = set(model.products["product_id"].to_list())
    written = []
    for product_id in sorted(p for p in suites if p in in_scope):
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{product_id}.json"
        text = json.dumps(suites[product_id], indent=2, sort_keys=True, ensure_ascii=False)
        path.write_text(text + "\n", "utf-8", newline="\n")
        written.append(path)
    return written
