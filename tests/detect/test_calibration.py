"""The reported confidence is the calibrated probability of the shipped map; the verdict is
still decided, ordered and explained on the raw score."""

from __future__ import annotations

import json

import polars as pl
import pytest

from privacymesh.detect import ScanOptions, scan_frame
from privacymesh.detect.calibration import (
    DATA,
    CalibrationError,
    CalibrationMap,
    calibrated,
    shipped_map,
)

MAP = CalibrationMap((0.5, 0.6, 0.9), (0.7, 0.8, 0.95))


def test_map_is_piecewise_linear_between_knots() -> None:
    assert MAP(0.5) == 0.7 and MAP(0.9) == 0.95
    assert MAP(0.55) == pytest.approx(0.75)
    assert MAP(0.75) == pytest.approx(0.875)
    assert MAP(0.99) == 0.95  # above the last knot: the last probability
    # below the first knot nothing was fitted: the raw score, capped to stay monotone
    assert MAP(0.3) == 0.3 and MAP(0.45) == 0.45
    assert CalibrationMap((0.5,), (0.4,))(0.45) == 0.4
    assert CalibrationMap((), ())(0.62) == 0.62


def test_a_map_that_is_not_monotone_is_refused_with_its_field() -> None:
    with pytest.raises(CalibrationError, match="probabilities: not monotone"):
        CalibrationMap.from_dict({"scores": [0.5, 0.6], "probabilities": [0.9, 0.8]})
    with pytest.raises(CalibrationError, match="scores: not strictly ascending"):
        CalibrationMap.from_dict({"scores": [0.6, 0.5], "probabilities": [0.8, 0.9]})
    with pytest.raises(CalibrationError, match="scores: missing"):
        CalibrationMap.from_dict({"scores": [0.5]})


def test_the_shipped_map_is_small_monotone_and_says_how_it_was_fitted() -> None:
    doc = json.loads(DATA.read_text())
    fitted = shipped_map()
    assert 2 <= len(fitted.scores) <= 60
    assert doc["fitted_by"].endswith("benchmarks/fit_calibration.py")
    assert len(doc["corpus_commit"]) == 40 and doc["hits"] > doc["right"] > 0
    grid = [round(0.5 + i / 200, 3) for i in range(100)]
    values = [calibrated(s) for s in grid]
    assert values == sorted(values) and all(0 < v < 1 for v in values)


def test_scan_reports_the_calibrated_confidence_beside_the_score() -> None:
    df = pl.DataFrame(
        {
            "contact": [f"person{i}@example.org" for i in range(40)],
            "c07": [f"+44 20 7946 {i:04d}" for i in range(40)],
        }
    )
    scan = scan_frame(df, "t")
    hits = [h for c in scan.columns for h in c.categories]
    assert hits
    for hit in hits:
        assert hit.score >= ScanOptions().min_confidence  # decided on the raw score
        assert hit.confidence == calibrated(hit.score)
        shown = hit.to_dict()
        assert shown["confidence"] == round(hit.confidence, 2)
        assert shown["score"] == round(hit.score, 2)


def test_the_threshold_applies_to_the_score_not_the_probability() -> None:
    df = pl.DataFrame({"contact": [f"person{i}@example.org" for i in range(40)]})
    hit = scan_frame(df, "t").columns[0].categories[0]
    # a threshold just above the score drops the category, whatever its probability
    above = ScanOptions(min_confidence=round(hit.score + 0.0001, 4))
    assert scan_frame(df, "t", options=above).columns[0].categories == ()
    at = ScanOptions(min_confidence=hit.score)
    assert scan_frame(df, "t", options=at).columns[0].categories[0].score == hit.score
