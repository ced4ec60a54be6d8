"""The calibration measures of detection_quality (reliability bins, ECE, Brier), the rule that
says whether a reported category is right, and the map fit of fit_calibration, on small
hand-made lists whose answers are worked out by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from detection_corpus.corpus import Corpus, CorpusTable, LabelledColumn  # noqa: E402
from detection_quality import (  # noqa: E402
    Outcome,
    brier_score,
    expected_calibration_error,
    hit_outcomes,
    refitted_out_of_source,
    reliability,
)
from fit_calibration import fit_map  # noqa: E402

from privacymesh.detect import CategoryHit, ColumnScan, TableScan  # noqa: E402

# four hits at 0.95 of which three are right, two at 0.55 of which one is right
PROBS = [0.95, 0.95, 0.95, 0.95, 0.55, 0.55]
RIGHT = [True, True, True, False, True, False]


def test_reliability_bins_hold_mean_confidence_and_share_right() -> None:
    bins = reliability(PROBS, RIGHT)
    assert [(b.low, b.high, b.hits) for b in bins] == [(0.5, 0.6, 2), (0.9, 1.0, 4)]
    assert bins[0].mean_confidence == pytest.approx(0.55) and bins[0].share_correct == 0.5
    assert bins[1].mean_confidence == pytest.approx(0.95) and bins[1].share_correct == 0.75
    # a bin holds [low, high); 1.0 falls in the last bin
    edges = reliability([0.6, 0.7, 1.0, 0.0], [True, False, True, False])
    assert [(b.low, b.hits) for b in edges] == [(0.0, 1), (0.6, 1), (0.7, 1), (0.9, 1)]


def test_expected_calibration_error_known_values() -> None:
    # (4/6)*|0.95-0.75| + (2/6)*|0.55-0.5| = (0.8 + 0.1) / 6
    assert expected_calibration_error(PROBS, RIGHT) == pytest.approx(0.15)
    assert expected_calibration_error([0.75] * 4, [True, True, True, False]) == pytest.approx(0)
    assert expected_calibration_error([0.99] * 3, [False] * 3) == pytest.approx(0.99)
    assert expected_calibration_error([], []) == 0.0


def test_brier_score_known_value() -> None:
    # (3 * 0.05^2 + 0.95^2 + 0.45^2 + 0.55^2) / 6
    assert brier_score(PROBS, RIGHT) == pytest.approx(1.415 / 6)
    assert brier_score([1.0, 0.0], [True, False]) == 0.0


def _hit(category: str, score: float) -> CategoryHit:
    return CategoryHit(category, score, ("pattern",), 1.0, score=score)


def test_a_hit_is_right_when_related_to_a_label_of_a_personal_column() -> None:
    labels = (
        LabelledColumn("s", "s/t", "zip", ("user.contact.address.postal_code",)),
        LabelledColumn("s", "s/t", "login", ("user.account.username",)),
        LabelledColumn("s", "s/t", "sku", ()),
    )
    scan = TableScan(
        "s/t",
        3,
        3,
        (
            # an ancestor of the label counts, as in the strict category recall
            ColumnScan("zip", (_hit("user.contact.address", 0.8),)),
            ColumnScan("login", (_hit("user.contact.email", 0.9),)),  # unrelated: wrong
            ColumnScan("sku", (_hit("user.contact.phone_number", 0.6),)),  # decoy: wrong
        ),
    )
    corpus = Corpus({"s": {}}, (CorpusTable("s", "s/t", pl.DataFrame(), labels),), ())
    outcomes = hit_outcomes(corpus, {"s/t": scan})
    assert [(o.score, o.correct) for o in outcomes] == [(0.8, True), (0.9, False), (0.6, False)]


def test_fit_map_is_the_isotonic_fit_kept_inside_the_score_range() -> None:
    # pool adjacent violators: 0 | (1, 0) -> 0.5 | 1, then kept in [0.01, 0.99]
    outcomes = [
        Outcome("s", score, score, right)
        for score, right in ((0.5, False), (0.6, True), (0.7, False), (0.8, True))
    ]
    fitted = fit_map(outcomes)
    assert fitted.scores == (0.5, 0.6, 0.7, 0.8)
    assert fitted.probabilities == (0.01, 0.5, 0.5, 0.99)
    assert fitted(0.75) == pytest.approx(0.745)
    assert fit_map(list(reversed(outcomes))) == fitted  # order-free, no randomness


def test_refit_never_sees_the_left_out_source() -> None:
    # source a is always right, source b always wrong: each left out gets the other's answer
    outcomes = [Outcome("a", 0.7, 0.7, True), Outcome("b", 0.7, 0.7, False)] * 2
    assert refitted_out_of_source(outcomes) == [0.01, 0.99, 0.01, 0.99]
