"""PII detection over Polars frames: `scan_frame(df, table)` returns a typed `TableScan` whose
`to_dict()` is the JSON shape of issue 3. Recognizers (one module per category or family under
`recognizers/`) are composed by a registry; the scanner runs them over whole columns, follows
JSON and encodings, weighs context and masks every example."""

from privacymesh.detect.options import ColumnContext, ScanOptions
from privacymesh.detect.recognizer import ColumnValues, Evidence, PatternRecognizer, Recognizer
from privacymesh.detect.registry import RecognizerRegistry, default_registry
from privacymesh.detect.results import (
    CategoryHit,
    ColumnScan,
    QuasiIdentifier,
    Reason,
    TableScan,
    scan_scans_to_json,
)
from privacymesh.detect.scanner import KnownHashes, scan_frame

__all__ = [
    "CategoryHit",
    "ColumnContext",
    "ColumnScan",
    "ColumnValues",
    "Evidence",
    "KnownHashes",
    "PatternRecognizer",
    "QuasiIdentifier",
    "Reason",
    "Recognizer",
    "RecognizerRegistry",
    "ScanOptions",
    "TableScan",
    "default_registry",
    "scan_frame",
    "scan_scans_to_json",
]
