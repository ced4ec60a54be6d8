"""Deterministic file output: Parquet (zstd) without helper columns, and YAML."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import polars as pl
import yaml


class Flow(dict):
    """A mapping written in YAML flow style: `{property: piiCategory, value: user.name}`."""


class FlowList(list):
    """A list written in YAML flow style: `[marketing, analytics]`."""


class _Dumper(yaml.SafeDumper):
    pass


def _flow_map(dumper: yaml.SafeDumper, data: Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


def _flow_seq(dumper: yaml.SafeDumper, data: FlowList) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(Flow, _flow_map)
_Dumper.add_representer(FlowList, _flow_seq)


def dump_yaml(data: Any, path: Path, header: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    prefix = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    path.write_text(prefix + body, encoding="utf-8")


def public(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame without helper columns (names starting with `_`)."""
    return frame.select([c for c in frame.columns if not c.startswith("_")])


def write_parquet(frame: pl.DataFrame, path: Path) -> int:
    """Write the public columns with zstd; returns the row count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = public(frame)
    out.write_parquet(
        path, compression="zstd", compression_level=9, statistics=True, row_group_size=256 * 1024
    )
    return out.height


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
