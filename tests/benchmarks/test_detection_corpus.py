"""The detection corpus loads, its labels point at real columns with real fideslang keys, every
source has provenance, the kept-aside projects are not used, the labelled re-identifying sets
do re-identify on their tables, and the harness scores each source with a combiner that never saw
it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import ClassVar

import pytest
import yaml

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from detection_corpus.corpus import HERE as CORPUS  # noqa: E402
from detection_corpus.corpus import (  # noqa: E402
    Corpus,
    CorpusError,
    load_corpus,
    load_sources,
)
from detection_quality import (  # noqa: E402
    REFERENCE_DATE,
    Example,
    RulesOnly,
    Tally,
    family,
    leave_one_source_out,
    quasi_result,
)

from privacymesh.detect import QuasiIdentifier, ScanOptions, TableScan, scan_frame  # noqa: E402
from privacymesh.detect.taxonomy import fideslang_keys  # noqa: E402

KEPT_ASIDE = ("capitalone/dataprofiler", "microsoft/presidio-research", "tokern/piicatcher")


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_corpus_has_six_public_sources_with_provenance(corpus) -> None:
    public = [s for s, meta in corpus.sources.items() if not meta.get("derived_from")]
    assert len(public) >= 6
    for name, meta in corpus.sources.items():
        assert meta["licence"] and meta["url"] and meta["origin"], name
        pinned = ("repo" in meta and len(meta["commit"]) == 40) or (
            "package" in meta and meta["version"]
        )
        assert pinned or meta.get("derived_from"), name
    # every table belongs to a source with provenance, and every source has a table
    assert {t.source for t in corpus.tables} == set(corpus.sources)


def test_kept_aside_projects_are_not_sources() -> None:
    text = (CORPUS / "sources.yaml").read_text().lower()
    repos = [m.get("repo", "").lower() for m in load_sources().values()]
    for project in KEPT_ASIDE:
        assert project not in repos
        # named only in the comment that says they are kept aside
        assert text.count(project) <= 1


def test_labels_use_fideslang_keys_and_existing_columns(corpus) -> None:
    keys = fideslang_keys()
    labels = corpus.labels
    assert len(labels) >= 150
    for label in labels:
        table = corpus.table(label.table)
        assert label.column in table.frame.columns
        assert all(c in keys for c in label.categories), label
    personal = sum(c.personal for c in labels)
    assert personal >= 80 and len(labels) - personal >= 80  # decoys from the same sources
    # decoys come from sources that also hold personal columns
    mixed = {c.source for c in labels if c.personal} & {c.source for c in labels if not c.personal}
    assert {"chinook", "adventureworks", "northwind", "sakila"} <= mixed


def test_tables_are_small_and_sampled(corpus) -> None:
    assert all(t.frame.height <= 1000 for t in corpus.tables)
    size = sum(p.stat().st_size for p in (CORPUS / "tables").rglob("*.parquet"))
    assert size < 10 * 1024 * 1024


def test_labelled_quasi_identifier_sets_re_identify(corpus) -> None:
    assert len(corpus.quasi_sets) >= 5
    for qs in corpus.quasi_sets:
        frame = corpus.table(qs.table).frame
        sizes = frame.group_by(list(qs.columns)).len()["len"]
        assert sizes.min() < 5, qs  # below k-anonymity's usual 5
        assert all(
            label.personal for label in corpus.table(qs.table).labels if label.column in qs.columns
        )


def test_a_label_on_a_missing_column_is_a_corpus_error(tmp_path) -> None:
    shutil.copytree(CORPUS / "tables", tmp_path / "tables")
    shutil.copy(CORPUS / "sources.yaml", tmp_path / "sources.yaml")
    labels = yaml.safe_load((CORPUS / "labels.yaml").read_text())
    labels["tables"]["febrl/people"]["shoe_size"] = {"category": "none"}
    (tmp_path / "labels.yaml").write_text(yaml.safe_dump(labels))
    with pytest.raises(CorpusError) as err:
        load_corpus(tmp_path)
    assert err.value.field == "febrl/people.shoe_size"


def test_family_level_matching() -> None:
    assert family("user.device.device_id") == family("user.device") == "user.device"
    assert family("user.contact.fax_number") == "user.contact.phone_number"
    assert family("user.contact.address.city") == "user.contact.address"
    assert family("user.contact.email") != family("user.contact.phone_number")


def test_tally_scores_decoys_and_categories(corpus) -> None:
    labels = {(c.table, c.column): c for c in corpus.labels}
    tally = Tally()
    tally.add(labels[("chinook/customers", "Email")], frozenset({"user.contact.email"}))
    tally.add(labels[("chinook/customers", "Fax")], frozenset({"user.contact.phone_number"}))
    tally.add(labels[("chinook/customers", "City")], frozenset())
    tally.add(labels[("vega/airports", "latitude")], frozenset({"user.location.precise"}))
    tally.add(labels[("vega/airports", "iata")], frozenset())
    assert (tally.tp, tally.fn, tally.fp, tally.tn) == (2, 1, 1, 1)
    assert tally.recall == pytest.approx(2 / 3)
    assert tally.precision == pytest.approx(2 / 3)
    assert tally.false_alarm_rate == pytest.approx(0.5)
    assert tally.category_recall == pytest.approx(1 / 3)  # the fax is not strictly a phone
    assert tally.family_recall == pytest.approx(2 / 3)
    assert tally.by_hard["place_coordinates (decoy)"] == [0, 1]
    assert tally.by_hard["places"] == [0, 1]


def test_a_quasi_set_counts_only_when_a_combination_is_reported(corpus) -> None:
    qs = next(q for q in corpus.quasi_sets if q.table == "febrl/people")
    alone = TableScan(
        qs.table, 1000, 1000, quasi_identifiers=(QuasiIdentifier(qs.columns[-1:], 0.6, 1, True),)
    )
    together = TableScan(
        qs.table, 1000, 1000, quasi_identifiers=(QuasiIdentifier(qs.columns[:2], 0.7, 1, True),)
    )
    assert not quasi_result(qs, alone, corpus).found
    result = quasi_result(qs, together, corpus)
    assert result.found and result.k_min == 1 and 0 < result.unique_fraction <= 1


class RecordingCombiner(RulesOnly):
    """The shipped rules, remembering which sources each fit saw."""

    fits: ClassVar[list[set[str]]] = []

    def fit(self, train: list[Example]) -> None:
        self.fits.append({e.label.source for e in train})


def test_leave_one_source_out_never_fits_on_the_scored_source(corpus) -> None:
    small = ("chinook/employees", "northwind/employees", "pubs/publishers")
    part = Corpus(
        {s: m for s, m in corpus.sources.items() if s in ("chinook", "northwind", "pubs")},
        tuple(t for t in corpus.tables if t.name in small),
        (),
    )
    options = ScanOptions(reference_date=REFERENCE_DATE)
    scans = {t.name: scan_frame(t.frame, t.name, options=options) for t in part.tables}
    RecordingCombiner.fits = []
    per_source, _ = leave_one_source_out(part, scans, RecordingCombiner)
    assert list(per_source) == ["chinook", "northwind", "pubs"]
    assert RecordingCombiner.fits == [
        {"northwind", "pubs"},
        {"chinook", "pubs"},
        {"chinook", "northwind"},
    ]
    # each column is scored once, in its own source
    scored = sum(t.tp + t.fn + t.fp + t.tn for t in per_source.values())
    assert scored == sum(len(t.labels) for t in part.tables)
    assert per_source["pubs"].tp + per_source["pubs"].fn == 0  # publishers: decoys only


def test_untuned_sources_are_public_and_reported_apart(corpus) -> None:
    from detection_quality import tuned_only

    untuned = [s for s, meta in corpus.sources.items() if meta.get("tuned") is False]
    # at least one source no rule was tuned on, holding both personal columns and decoys
    assert untuned
    labels = [c for t in corpus.tables if t.source in untuned for c in t.labels]
    assert any(c.personal for c in labels) and any(not c.personal for c in labels)
    assert not any(corpus.sources[s].get("derived_from") for s in untuned)
    kept = tuned_only(corpus)
    assert not set(untuned) & set(kept.sources)
    assert not {t.source for t in kept.tables} & set(untuned)
    assert {t.source for t in kept.tables} == set(kept.sources)
