"""Loads the detection corpus: the tables (`tables/<source>/<table>.parquet`), their hand labels
(`labels.yaml`) and the provenance of every source (`sources.yaml`), checked against each other
so that a label never points at a column, table or source that is not there."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import yaml

HERE = Path(__file__).resolve().parent
NONE = "none"
PROVENANCE_FIELDS = ("title", "url", "licence", "origin")


class CorpusError(ValueError):
    """A label or provenance entry that does not match the corpus, with where and what to fix."""

    def __init__(self, file: Path, field: str, message: str, hint: str) -> None:
        super().__init__(f"{file.name}: {field}: {message} ({hint})")
        self.file, self.field, self.hint = file, field, hint


@dataclass(frozen=True)
class LabelledColumn:
    source: str
    table: str  # "<source>/<table>"
    column: str
    categories: tuple[str, ...]  # empty for a decoy
    hard: str | None = None

    @property
    def personal(self) -> bool:
        return bool(self.categories)


@dataclass(frozen=True)
class QuasiSet:
    source: str
    table: str
    columns: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class CorpusTable:
    source: str
    name: str  # "<source>/<table>"
    frame: pl.DataFrame
    labels: tuple[LabelledColumn, ...]


@dataclass(frozen=True)
class Corpus:
    sources: dict[str, dict[str, Any]]
    tables: tuple[CorpusTable, ...]
    quasi_sets: tuple[QuasiSet, ...]

    @property
    def labels(self) -> list[LabelledColumn]:
        return [c for t in self.tables for c in t.labels]

    def table(self, name: str) -> CorpusTable:
        return next(t for t in self.tables if t.name == name)


def _categories(value: object, file: Path, field: str) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v for v in values):
        raise CorpusError(file, field, "category missing", "a fideslang key, a list, or none")
    if values == [NONE]:
        return ()
    if NONE in values:
        raise CorpusError(file, field, "`none` mixed with categories", "use one or the other")
    return tuple(values)


def load_sources(root: Path = HERE) -> dict[str, dict[str, Any]]:
    """sources.yaml, each source with its provenance fields present."""
    file = root / "sources.yaml"
    sources = yaml.safe_load(file.read_text())["sources"]
    for name, meta in sources.items():
        missing = [f for f in PROVENANCE_FIELDS if not meta.get(f)]
        if missing:
            raise CorpusError(file, name, f"missing {', '.join(missing)}", "provenance is required")
        pinned = (meta.get("repo") and meta.get("commit")) or (
            meta.get("package") and meta.get("version")
        )
        if not pinned and not meta.get("derived_from"):
            raise CorpusError(
                file, name, "no repo+commit, package+version or derived_from", "pin the source"
            )
    return sources


def load_corpus(root: Path = HERE) -> Corpus:
    """Every labelled table with its frame; raises CorpusError on any mismatch."""
    sources = load_sources(root)
    file = root / "labels.yaml"
    doc = yaml.safe_load(file.read_text())
    tables = []
    for name, columns in doc["tables"].items():
        source, _, table = name.partition("/")
        if source not in sources:
            raise CorpusError(file, name, f"unknown source {source!r}", "add it to sources.yaml")
        path = root / "tables" / source / f"{table}.parquet"
        if not path.exists():
            raise CorpusError(file, name, f"no table file {path.name}", "run build.py")
        frame = pl.read_parquet(path)
        labels = []
        for column, spec in columns.items():
            field = f"{name}.{column}"
            if column not in frame.columns:
                raise CorpusError(file, field, "no such column", f"columns: {frame.columns}")
            labels.append(
                LabelledColumn(
                    source,
                    name,
                    column,
                    _categories(spec.get("category"), file, field),
                    spec.get("hard"),
                )
            )
        tables.append(CorpusTable(source, name, frame, tuple(labels)))
    known = {t.name: t for t in tables}
    quasi = []
    for i, entry in enumerate(doc.get("quasi_identifiers", [])):
        field = f"quasi_identifiers[{i}]"
        table = known.get(entry["table"])
        if table is None:
            raise CorpusError(file, field, f"unknown table {entry['table']!r}", "label it first")
        columns = tuple(entry["columns"])
        if len(columns) < 2 or not set(columns) <= set(table.frame.columns):
            raise CorpusError(file, field, f"bad columns {columns}", "two or more existing columns")
        quasi.append(QuasiSet(table.source, table.name, columns, entry.get("note", "")))
    return Corpus(sources, tuple(tables), tuple(quasi))
