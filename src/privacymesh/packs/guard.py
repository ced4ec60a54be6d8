"""The last gate before a pack ships: the PII detector (`privacymesh.detect`) runs over the text
of every file the builder wrote, and the build is refused when it recognises raw personal data.

Each file becomes one or more text columns: CSV and Parquet column by column, JSON as its string
values, HTML as its text and attribute values, PDF as the text of its pages (pypdfium2), anything
else as lines. The values of all files are pooled by column name and de-duplicated, so each
distinct value is scanned once; when a pool holds a hit, its files are scanned one by one to name
them. Masked samples (`j***@e***.com`) are not recognised, by design of the detector.

The detector's verdicts, the categories that block (`BLOCKING`) and the rule that a column of
ledger identifiers (record hashes, fingerprints, run ids) is judged by its pattern all live in
`privacymesh.detect.guard`, the one home the ledger and the audit log share."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl

from privacymesh.detect.guard import BLOCKING, column_hits, flagged_columns, identifier_column
from privacymesh.packs.errors import PackError, PersonalDataInPackError


@dataclass(frozen=True)
class Hit:
    """Raw personal data found in a pack file: where, which category, a masked example."""

    file: str
    where: str
    category: str
    hits: int
    example: str

    def __str__(self) -> str:
        return (
            f"{self.file}, column {self.where}: {self.hits} value(s) recognised as "
            f"{self.category} (e.g. {self.example})"
        )


@dataclass
class ScanReport:
    """What the scan covered and what it found."""

    files: list[str] = field(default_factory=list)
    columns: int = 0
    values: int = 0
    hits: list[Hit] = field(default_factory=list)

    def extend(self, other: ScanReport) -> None:
        self.files += other.files
        self.columns += other.columns
        self.values += other.values
        self.hits += other.hits

    def to_json(self) -> str:
        return json.dumps(
            {"files": self.files, "columns": self.columns, "values": self.values,
             "hits": [vars(h) for h in self.hits]}
        )  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> ScanReport:
        data = json.loads(text)
        hits = [Hit(**h) for h in data.pop("hits")]
        return cls(**data, hits=hits)

    def summary(self) -> dict[str, Any]:
        return {
            "detector": "privacymesh.detect",
            "files_scanned": len(self.files),
            "text_columns": self.columns,
            "values": self.values,
            "blocking_categories": list(BLOCKING),
            "result": "clean" if not self.hits else f"{len(self.hits)} hit(s)",
        }


class _HtmlText(HTMLParser):
    """Text nodes and attribute values of an HTML document (style content skipped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        self.parts += [v for k, v in attrs if v and k not in ("class", "style", "d", "points")]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _json_strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _json_strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for value in node:
            yield from _json_strings(value, path)
    elif node is not None and not isinstance(node, bool):
        yield path, str(node)


def text_frames(path: Path) -> Iterator[tuple[str, pl.DataFrame]]:
    """(label, frame of text columns) for one file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield "csv", pl.read_csv(path, infer_schema=False)
    elif suffix == ".parquet":
        frame = pl.read_parquet(path)
        yield "parquet", frame.select(pl.all().cast(pl.String))
    elif suffix == ".json":
        pairs = list(_json_strings(json.loads(path.read_text("utf-8"))))
        yield "json", pl.DataFrame({"text": [v for _, v in pairs]}, schema={"text": pl.String})
    elif suffix in (".html", ".htm", ".svg"):
        parser = _HtmlText()
        parser.feed(path.read_text("utf-8"))
        yield "text", pl.DataFrame({"text": parser.parts}, schema={"text": pl.String})
    elif suffix == ".pdf":
        yield "pages", pl.DataFrame({"text": _pdf_lines(path)}, schema={"text": pl.String})
    else:
        text = path.read_text("utf-8", errors="replace")
        yield "lines", pl.DataFrame({"text": _lines(text)}, schema={"text": pl.String})


def _pdf_lines(path: Path) -> list[str]:
    """The text of every page (pypdfium2, part of the PDF extra)."""
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:
        raise PackError(
            "cannot scan the PDF for personal data: pypdfium2 is not installed",
            file=path,
            hint="pip install 'privacymesh[pdf]'",
        ) from exc
    lines: list[str] = []
    document = pdfium.PdfDocument(str(path))
    try:
        for page in document:
            text = page.get_textpage()
            lines += _lines(text.get_text_range())
            text.close()
            page.close()
    finally:
        document.close()
    return lines


def _columns(root: Path, path: Path) -> Iterator[tuple[str, pl.Series]]:
    name = path.relative_to(root).as_posix()
    for label, frame in text_frames(path):
        for column in frame.columns:
            yield f"{name}:{label}", frame[column].cast(pl.String).drop_nulls()


def scan_files(
    root: Path, files: list[Path], raise_on_hit: bool = True, known: Iterable[str] = ()
) -> ScanReport:
    """Scan every file; raise PersonalDataInPackError naming each hit (masked) when any.
    `known` are exact texts the pack states about its own workspace, not about data subjects
    (the role mailboxes of `[accountability]`): they are not judged."""
    report = ScanReport(files=[p.relative_to(root).as_posix() for p in files])
    pools: dict[str, list[tuple[str, pl.Series]]] = {}
    skip = sorted(set(known))
    for path in files:
        for where, series in _columns(root, path):
            report.columns += 1
            report.values += series.len()
            if skip:
                series = series.filter(~series.is_in(skip))
            if series.len() and not identifier_column(series):
                pools.setdefault(series.name, []).append((where, series))
    pooled = {
        column: pl.concat([s for _, s in parts]).unique(maintain_order=True).alias(column)
        for column, parts in sorted(pools.items())
    }
    flagged = flagged_columns(pooled.values(), "pack")
    for column in sorted(flagged):  # name the files holding it
        for where, series in pools[column]:
            for category, hits, example in column_hits(series, where):
                report.hits.append(Hit(where, column, category, hits, example))
    if raise_on_hit:
        refuse(report)
    return report


def refuse(report: ScanReport) -> None:
    """Raise PersonalDataInPackError naming each hit (masked) when the scan found any."""
    if not report.hits:
        return
    listed = "; ".join(str(h) for h in report.hits[:8])
    more = f" and {len(report.hits) - 8} more" if len(report.hits) > 8 else ""
    raise PersonalDataInPackError(
        f"raw personal data in the pack, build refused: {listed}{more}",
        hint="the ledger rows behind these files hold unmasked values; fix the check that "
        "recorded them (findings must carry masked samples only) and rebuild",
    )
