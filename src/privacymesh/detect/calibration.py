"""Calibration of the detector's confidence: a monotone map from the score a category is decided
on (the best evidence's strength plus its context, 0.01 to 0.99) to the probability that the
reported category is right, fitted on the labelled development corpus by
`benchmarks/fit_calibration.py` and shipped in `calibration.json`.

Verdicts never depend on it: the scanner keeps, drops and orders categories by the raw score
(`ScanOptions.min_confidence` is a threshold on that score); only the reported `confidence` is
mapped. Being monotone, the map never reorders two categories."""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("calibration.json")


class CalibrationError(ValueError):
    """A calibration file that cannot be used, with the file, the field and what was expected."""

    def __init__(self, file: Path, field: str, message: str, hint: str) -> None:
        super().__init__(f"{file}: {field}: {message} ({hint})")
        self.file, self.field, self.hint = file, field, hint


@dataclass(frozen=True)
class CalibrationMap:
    """Piecewise-linear between the fitted knots (`scores` ascending, `probabilities`
    non-decreasing). Above the last knot the last probability holds. Below the first knot
    nothing was fitted (scores there are never reported at the default threshold), so the raw
    score is kept, capped by the first probability to stay monotone."""

    scores: tuple[float, ...]
    probabilities: tuple[float, ...]
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)

    def __call__(self, score: float) -> float:
        xs, ys = self.scores, self.probabilities
        if not xs:
            return score
        if score < xs[0]:
            return min(score, ys[0])
        i = bisect_right(xs, score)
        if i == len(xs):
            return ys[-1]
        x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
        return y0 + (y1 - y0) * (score - x0) / (x1 - x0)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.provenance,
            "scores": list(self.scores),
            "probabilities": list(self.probabilities),
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any], file: Path = DATA) -> CalibrationMap:
        """The map in `doc`, checked: knots ascending, probabilities monotone and in [0, 1]."""
        xs, ys = doc.get("scores"), doc.get("probabilities")
        if not isinstance(xs, list) or not isinstance(ys, list) or len(xs) != len(ys):
            raise CalibrationError(
                file, "scores", "missing or not matching `probabilities`", "two equal lists"
            )
        try:
            xs, ys = [float(x) for x in xs], [float(y) for y in ys]
        except (TypeError, ValueError):
            raise CalibrationError(file, "scores", "not numbers", "numbers") from None
        if any(b <= a for a, b in pairwise(xs)):
            raise CalibrationError(file, "scores", "not strictly ascending", "sorted knots")
        if any(b < a for a, b in pairwise(ys)) or not all(0.0 <= y <= 1.0 for y in ys):
            raise CalibrationError(
                file, "probabilities", "not monotone in [0, 1]", "a non-decreasing map"
            )
        rest = {k: v for k, v in doc.items() if k not in ("scores", "probabilities")}
        return cls(tuple(xs), tuple(ys), rest)


@cache
def shipped_map() -> CalibrationMap:
    """The map fitted on the development corpus and shipped with the package."""
    try:
        doc = json.loads(DATA.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise CalibrationError(
            DATA, "(file)", f"unreadable: {exc}", "run benchmarks/fit_calibration.py"
        ) from None
    return CalibrationMap.from_dict(doc)


def calibrated(score: float) -> float:
    """The probability that a category reported with this raw score is right, rounded to four
    places like the score."""
    return round(shipped_map()(score), 4)
