"""Fits the calibration map of the detector's confidence on the development corpus and writes it
into the package (src/privacymesh/detect/calibration.json). Re-run it whenever the detector or
the corpus changes what is reported:

    PYTHONPATH=src .venv/bin/python benchmarks/fit_calibration.py          # write the map
    PYTHONPATH=src .venv/bin/python benchmarks/fit_calibration.py --check  # exit 1 if stale

Only the sources marked tuned in sources.yaml are read; the untuned ones are never fitted on.
Every category reported on a labelled column is one example: its raw score (what the verdict is
decided on) and whether it is right (`detection_quality.hit_outcomes`). The map is an isotonic
regression of right on score: monotone, so it never reorders categories, and deterministic, so
the same detector and corpus give the same file. Only counts are printed, never a value.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from sklearn.isotonic import IsotonicRegression

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from detection_corpus.corpus import load_corpus  # noqa: E402
from detection_quality import (  # noqa: E402
    REFERENCE_DATE,
    Outcome,
    brier_score,
    expected_calibration_error,
    hit_outcomes,
    refitted_out_of_source,
    scan_corpus,
    tuned_only,
)

from privacymesh.detect import ScanOptions  # noqa: E402
from privacymesh.detect.calibration import DATA, CalibrationMap  # noqa: E402

COMMAND = "PYTHONPATH=src .venv/bin/python benchmarks/fit_calibration.py"
# the detector's own score range: no reported probability is certain either way
FLOOR, CEILING = 0.01, 0.99


def fit_map(outcomes: list[Outcome], provenance: dict | None = None) -> CalibrationMap:
    """The isotonic map of right (1) or wrong (0) on the raw score, knots rounded to four
    places (the score's own precision)."""
    model = IsotonicRegression(y_min=FLOOR, y_max=CEILING, increasing=True, out_of_bounds="clip")
    model.fit([o.score for o in outcomes], [float(o.correct) for o in outcomes])
    knots: dict[float, float] = {}
    for x, y in zip(model.X_thresholds_, model.y_thresholds_, strict=True):
        knots[round(float(x), 4)] = round(float(y), 4)
    return CalibrationMap(tuple(knots), tuple(knots.values()), provenance or {})


def corpus_version() -> tuple[str, str]:
    """The last commit that changed the corpus, and its date ("unknown" outside git)."""
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%H %cs", "--", "detection_corpus"],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        out = []
    return (out[0], out[1]) if len(out) == 2 else ("unknown", "unknown")


def fit() -> tuple[CalibrationMap, list[Outcome]]:
    """Scan the tuned sources and fit the map on every category reported on them."""
    corpus = tuned_only(load_corpus())
    scans = scan_corpus(corpus, ScanOptions(reference_date=REFERENCE_DATE))
    outcomes = hit_outcomes(corpus, scans)
    commit, day = corpus_version()
    provenance = {
        "what": "monotone map from the detector's raw score to the probability that a"
        " reported category is right",
        "method": "isotonic regression (scikit-learn) of right (1) or wrong (0) on the raw"
        f" score, probabilities kept in [{FLOOR}, {CEILING}]; piecewise linear between knots",
        "fitted_by": COMMAND,
        "corpus": "benchmarks/detection_corpus, tuned sources only",
        "corpus_commit": commit,
        "corpus_date": day,
        "reference_date": REFERENCE_DATE.isoformat(),
        "sources": sorted(corpus.sources),
        "hits": len(outcomes),
        "right": sum(o.correct for o in outcomes),
    }
    return fit_map(outcomes, provenance), outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when the shipped map differs from a refit"
    )
    args = parser.parse_args()
    fitted, outcomes = fit()
    text = json.dumps(fitted.to_dict(), indent=1) + "\n"
    right = [o.correct for o in outcomes]
    loso = refitted_out_of_source(outcomes)
    print(
        f"{len(outcomes)} hits ({sum(right)} right) on {len(fitted.provenance['sources'])}"
        f" tuned sources; {len(fitted.scores)} knots. ECE raw"
        f" {expected_calibration_error([o.score for o in outcomes], right):.3f},"
        f" left-out refits {expected_calibration_error(loso, right):.3f}; Brier raw"
        f" {brier_score([o.score for o in outcomes], right):.4f},"
        f" left-out refits {brier_score(loso, right):.4f}"
    )
    if args.check:
        if DATA.read_text() != text:
            print(f"{DATA.name} is stale: run {COMMAND}")
            sys.exit(1)
        print(f"{DATA.name} is up to date")
        return
    DATA.write_text(text)
    print(f"wrote {DATA}")


if __name__ == "__main__":
    main()
