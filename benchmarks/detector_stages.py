"""Where the detector's CPU goes, stage by stage and recognizer by recognizer, on the generated
set (benchmarks/detection_eval) at default settings: one scan of every table, each stage timed
exclusively (a stage's time leaves out the stages it calls, so the rows add up to the total),
with the number of Polars queries each ran (eager `select`/`filter`/... and Series operations
all run one query plan each; their fixed cost dominates small columns).

    .venv/bin/python benchmarks/detector_stages.py [--rows 2000] [--top 40] [--profile N]
    .venv/bin/python benchmarks/detector_stages.py --curve 2000 10000
    .venv/bin/python benchmarks/detector_stages.py --steps

`--profile N` also prints cProfile's N most expensive functions (by own time). `--curve A B`
scans the set generated at A and at B rows per table (the same tables and columns, the
generator's values at each size; B = 10,000 is the default sample size, so every row is read)
and fits CPU = columns x fixed cost + values x cost per value through the two points: what a
column costs before its values, and what each value adds. Only counts and times are printed,
never a value of the set.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from detection_eval.generate import REFERENCE_DATE, load  # noqa: E402

from privacymesh.detect import ScanOptions, scan_frame, scanner  # noqa: E402
from privacymesh.detect import context as context_module  # noqa: E402
from privacymesh.detect import recognizer as recognizer_module  # noqa: E402
from privacymesh.detect.registry import RecognizerRegistry, default_registry  # noqa: E402

clock = time.process_time


class Stages:
    """Exclusive CPU seconds, calls and Polars queries per stage, kept on a stack of open
    stages: time spent in a nested stage is charged to it, not to the one that called it."""

    def __init__(self) -> None:
        self.spent: dict[str, list[float]] = {}
        self.stack: list[str] = ["the rest (sampling, scan_frame, glue)"]
        self.mark = clock()
        self.fired: dict[str, int] = {}  # calls of a recognizer that found evidence

    def _switch(self) -> None:
        now = clock()
        entry = self.spent.setdefault(self.stack[-1], [0.0, 0, 0])
        entry[0] += now - self.mark
        self.mark = now

    def enter(self, key: str) -> None:
        self._switch()
        self.stack.append(key)
        self.spent.setdefault(key, [0.0, 0, 0])[1] += 1

    def leave(self) -> None:
        self._switch()
        self.stack.pop()

    def query(self) -> None:
        self.spent.setdefault(self.stack[-1], [0.0, 0, 0])[2] += 1

    def wrap(self, fn: Callable[..., Any], key: str) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            self.enter(key)
            try:
                found = fn(*args, **kwargs)
            finally:
                self.leave()
            if isinstance(found, list) and found:
                self.fired[key] = self.fired.get(key, 0) + 1
            return found

        return run


def instrument(stages: Stages, registry: RecognizerRegistry) -> list[tuple[Any, str, Any]]:
    """Wrap the stages; returns what to restore."""
    saved: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, key: str) -> None:
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        saved.append((owner, name, original))
        if isinstance(original, classmethod):
            wrapped = stages.wrap(original.__func__, key)
            setattr(owner, name, classmethod(wrapped))
        else:
            setattr(owner, name, stages.wrap(original, key))

    for r in registry:
        r.detect = stages.wrap(r.detect, f"recognizer `{r.name}`")  # type: ignore[method-assign]
    for name, key in (
        ("column_values", "column values (text of each column)"),
        ("_text_gates", "text gates"),
        ("_gate_rows", "gate rows"),
        ("unpack", "unpack (JSON and encodings)"),
        ("decide", "decide"),
        ("set_aside", "set aside"),
        ("find_quasi_identifiers", "quasi-identifiers"),
        ("pair_columns", "geolocation pairs"),
        ("sample_frame", "sample"),
    ):
        patch(scanner, name, key)
    cv = recognizer_module.ColumnValues
    for name in ("joined", "joined_text", "chars", "max_digits", "stripped", "folded", "probe"):
        patch(cv, name, f"column facts: {name}")
    signals = context_module.ContextSignals
    patch(signals, "build", "context: signals")
    patch(signals, "adjustment", "context: weighing evidence")
    patch(signals, "explain", "context: weighing evidence")
    lazy = pl.LazyFrame
    for name in ("_collect_eager", "collect"):
        original = lazy.__dict__[name]
        saved.append((lazy, name, original))

        def counted(*args: Any, _fn: Any = original, **kwargs: Any) -> Any:
            stages.query()
            return _fn(*args, **kwargs)

        setattr(lazy, name, counted)
    return saved


def measure(
    rows: int, seed: int, profiler: cProfile.Profile | None = None
) -> tuple[Stages, float, int, int]:
    tables = load(rows, seed)
    options = ScanOptions(reference_date=REFERENCE_DATE)
    registry = default_registry()
    for t in tables:  # first-call costs (word lists, caches) are not the steady state
        scan_frame(t.frame, t.name, options=options, known_hashes=set(t.known_hashes) or None)
    stages = Stages()
    saved = instrument(stages, registry)
    if profiler:
        profiler.enable()
    try:
        start = stages.mark = clock()
        for t in tables:
            known = set(t.known_hashes) or None
            scan_frame(t.frame, t.name, options=options, known_hashes=known, registry=registry)
        stages._switch()
        total = clock() - start
    finally:
        if profiler:
            profiler.disable()
        for owner, name, original in reversed(saved):
            setattr(owner, name, original)
    columns = sum(t.frame.width for t in tables)
    values = sum(t.frame.height * t.frame.width - sum(t.frame.null_count().row(0)) for t in tables)
    return stages, total, columns, values


def report(stages: Stages, total: float, columns: int, values: int, top: int) -> str:
    rows = sorted(stages.spent.items(), key=lambda kv: -kv[1][0])
    queries = sum(q for _, _, q in stages.spent.values())
    out = [
        f"{columns} columns, {values:,} values, {total:.2f} CPU s"
        f" ({values / total:,.0f} values/CPU s), {queries:,} Polars queries"
        f" ({queries / columns:.0f} per column)",
        "",
        "| stage | CPU s | share | calls | found evidence | Polars queries |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    shown = rows[:top]
    for key, (cpu, calls, q) in shown:
        fired = stages.fired.get(key, "") if key.startswith("recognizer") else ""
        out.append(f"| {key} | {cpu:.2f} | {cpu / total:.0%} | {calls} | {fired} | {q} |")
    rest = rows[top:]
    if rest:
        cpu = sum(v[0] for _, v in rest)
        q = sum(v[2] for _, v in rest)
        out.append(f"| {len(rest)} other stages | {cpu:.2f} | {cpu / total:.0%} | | | {q} |")
    return "\n".join(out)


def curve(small: int, large: int, seed: int) -> str:
    """Values per CPU second at two table sizes, and the line through them."""
    points = []
    for rows in (small, large):
        _, total, columns, values = measure(rows, seed)
        points.append((rows, total, columns, values))
    (_, t1, c1, v1), (_, t2, c2, v2) = points
    if c1 != c2 or v1 == v2:
        return "the two sizes do not share their columns: no fit"
    per_value = (t2 - t1) / (v2 - v1)
    fixed = (t1 - per_value * v1) / c1
    out = [
        "| rows per table | columns | values | CPU s | values/CPU s |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {r:,} | {c} | {v:,} | {t:.2f} | {v / t:,.0f} |" for r, t, c, v in points),
        "",
        f"fitted: {fixed * 1e3:.1f} CPU ms fixed per column, {per_value * 1e6:.2f} CPU us per value"
        f" ({1 / per_value:,.0f} values/CPU s once the fixed cost is paid)"
        if per_value > 0
        else f"fitted: {fixed * 1e3:.1f} CPU ms fixed per column, no measurable cost per value",
    ]
    return "\n".join(out)


def steps(rows: int, seed: int, repeat: int = 20) -> str:
    """Microseconds per column of typical per-column steps, each done two ways."""
    import pyarrow.compute as pc

    from privacymesh.detect.recognizer import chars_of, filter_rows

    table = max(load(rows, seed), key=lambda t: t.frame.width)
    columns = [
        pl.DataFrame({"row": range(s.len()), "value": s})
        for s in table.frame.iter_columns()
        if s.dtype == pl.String
    ]
    digits = r"\d{3}"

    def frame_filter(f: pl.DataFrame) -> Any:
        return f.filter(f["value"].str.contains(digits))

    def series_filter(f: pl.DataFrame) -> Any:
        return filter_rows(f, f["value"].str.contains(digits))

    def joined(f: pl.DataFrame) -> str:
        return "\n".join(f["value"].drop_nulls().unique(maintain_order=True).to_list())

    pairs: list[tuple[str, Callable[[pl.DataFrame], Any], Callable[[pl.DataFrame], Any]]] = [
        (
            "filter rows by a mask: DataFrame.filter / Series filters",
            frame_filter,
            series_filter,
        ),
        (
            "strip: Polars str.strip_chars / pyarrow utf8_trim_whitespace",
            lambda f: f["value"].str.strip_chars().to_list(),
            lambda f: pc.utf8_trim_whitespace(f["value"].to_arrow()).to_pylist(),
        ),
        (
            "regex test: Polars str.contains / pyarrow match_substring_regex (RE2)",
            lambda f: f["value"].str.contains(digits).to_list(),
            lambda f: pc.match_substring_regex(f["value"].to_arrow(), digits).to_pylist(),
        ),
        (
            "distinct in order: Polars unique / pyarrow unique",
            lambda f: f["value"].unique(maintain_order=True).to_list(),
            lambda f: pc.unique(f["value"].to_arrow()).to_pylist(),
        ),
        (
            "count: DataFrame.select(len) / Series.len",
            lambda f: f.select(pl.col("value").count()).item(),
            lambda f: f["value"].len() - f["value"].null_count(),
        ),
    ]
    texts = [joined(f) for f in columns]
    out = [
        f"{len(columns)} text columns of `{table.name}` ({rows:,} rows), best of {repeat} passes,"
        " CPU microseconds per column",
        "",
        "| step | first way | second way | same answer |",
        "| --- | --- | --- | --- |",
    ]

    def best(fn: Callable[[Any], Any], items: list[Any]) -> float:
        times = []
        for _ in range(repeat):
            start = clock()
            for item in items:
                fn(item)
            times.append(clock() - start)
        return min(times) / len(items) * 1e6

    for label, first, second in pairs:
        same = all(_alike(first(f), second(f)) for f in columns)
        a, b = best(first, columns), best(second, columns)
        out.append(f"| {label} | {a:,.0f} | {b:,.0f} | {'yes' if same else 'NO'} |")
    same = all(chars_of(t) == frozenset(t) for t in texts)
    a, b = best(frozenset, texts), best(chars_of, texts)
    out.append(
        f"| characters of the joined text: frozenset / `chars_of` | {a:,.0f} | {b:,.0f} |"
        f" {'yes' if same else 'NO'} |"
    )
    return "\n".join(out)


def _alike(a: Any, b: Any) -> bool:
    return a.equals(b) if isinstance(a, pl.DataFrame) else a == b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--top", type=int, default=40, help="stages listed; the rest summed")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--curve", type=int, nargs=2, metavar=("A", "B"))
    parser.add_argument("--steps", action="store_true")
    args = parser.parse_args()
    if args.steps:
        print(steps(args.rows, args.seed))
        return
    if args.curve:
        print(curve(*args.curve, args.seed))
        return
    profiler = cProfile.Profile() if args.profile else None
    stages, total, columns, values = measure(args.rows, args.seed, profiler)
    print(report(stages, total, columns, values, args.top))
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
