"""Charts as inline SVG text: no JavaScript, no fonts to fetch, the same bytes for the same
numbers, and they print (Chromium prints SVG as vectors). Every chart has a <title> for readers."""

from __future__ import annotations

from html import escape

import polars as pl

PASS, FAIL, ERROR, GRID, INK = "#2e7d32", "#c62828", "#ef6c00", "#d0d4d9", "#333333"


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
    )
    return head + "".join(body) + "</svg>"


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 10) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{INK}" '
        f'text-anchor="{anchor}">{escape(text)}</text>'
    )


def sparkline(values: list[float], title: str, width: int = 180, height: int = 36) -> str:
    """A small line of a series (e.g. a check's exceptions per run); the last value labelled."""
    if not values:
        return ""
    top = max(max(values), 1)
    step = (width - 50) / max(len(values) - 1, 1)
    points = " ".join(
        f"{i * step + 2:.1f},{height - 4 - (v / top) * (height - 10):.1f}"
        for i, v in enumerate(values)
    )
    color = FAIL if values[-1] else PASS
    body = [
        f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{points}"/>',
        _text(width - 44, height / 2 + 4, f"{values[-1]:g} now", size=9),
    ]
    return _svg(width, height, title, body)


def posture_bars(posture: pl.DataFrame, width: int = 640) -> str:
    """Per domain, the newest results as stacked bars: passed, failed, errors."""
    rows = posture.filter(pl.col("results").is_not_null()).select(
        "domain", "passed", "failed", "errors", "results"
    )
    if rows.height == 0:
        return ""
    bar_h, gap, left, right = 14, 6, 90, 60
    height = rows.height * (bar_h + gap) + 28
    top = max(rows["results"].max() or 1, 1)
    scale = (width - left - right) / top
    body = []
    for i, r in enumerate(rows.iter_rows(named=True)):
        y = 8 + i * (bar_h + gap)
        x = float(left)
        body.append(_text(left - 6, y + bar_h - 3, r["domain"], anchor="end"))
        for key, color in (("passed", PASS), ("failed", FAIL), ("errors", ERROR)):
            w = (r[key] or 0) * scale
            if w > 0:
                body.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}"/>'
                )
            x += w
        body.append(_text(x + 4, y + bar_h - 3, f"{r['passed']}/{r['results']} pass", size=9))
    legend_y = height - 8
    for j, (label, color) in enumerate((("pass", PASS), ("fail", FAIL), ("error", ERROR))):
        lx = left + j * 70
        body.append(f'<rect x="{lx}" y="{legend_y - 8}" width="10" height="10" fill="{color}"/>')
        body.append(_text(lx + 14, legend_y + 1, label, size=9))
    return _svg(width, height, "Newest results per domain: passed, failed, errors", body)


def trend_line(trend: pl.DataFrame, width: int = 640, height: int = 180) -> str:
    """Pass rate of every run in the period (left axis) and its exceptions (right axis)."""
    if trend.height == 0:
        return ""
    rates = trend["pass_rate"].fill_null(0).to_list()
    exc = trend["exceptions"].fill_null(0).to_list()
    days = [d.date().isoformat() for d in trend["as_of"].to_list()]
    left, right, top_pad, bottom = 44, 56, 12, 30
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    step = plot_w / max(len(rates) - 1, 1)
    emax = max(max(exc), 1)

    def y_rate(v: float) -> float:
        return top_pad + plot_h * (1 - v)

    def y_exc(v: float) -> float:
        return top_pad + plot_h * (1 - v / emax)

    body = []
    for frac in (0, 0.25, 0.5, 0.75, 1):
        y = y_rate(frac)
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="0.5"/>'
        )
        body.append(_text(left - 4, y + 3, f"{frac * 100:.0f}%", anchor="end", size=9))
    body.append(_text(width - right + 4, y_exc(emax) + 3, f"{emax:g}", size=9))
    body.append(_text(width - right + 4, y_exc(0) + 3, "0", size=9))
    rate_pts = " ".join(f"{left + i * step:.1f},{y_rate(v):.1f}" for i, v in enumerate(rates))
    exc_pts = " ".join(f"{left + i * step:.1f},{y_exc(v):.1f}" for i, v in enumerate(exc))
    body.append(f'<polyline fill="none" stroke="{PASS}" stroke-width="2" points="{rate_pts}"/>')
    body.append(
        f'<polyline fill="none" stroke="{FAIL}" stroke-width="1.5" stroke-dasharray="4 2" '
        f'points="{exc_pts}"/>'
    )
    for i in sorted({0, len(days) // 2, len(days) - 1}):
        anchor = "start" if i == 0 else ("end" if i == len(days) - 1 else "middle")
        body.append(_text(left + i * step, height - 14, days[i], anchor=anchor, size=9))
    body.append(_text(left, height - 2, "pass rate (solid, left)", size=9))
    body.append(_text(width - right, height - 2, "exceptions (dashed, right)", "end", size=9))
    return _svg(width, height, "Pass rate and exceptions per run in the period", body)


def domain_heatmap(trend_domain: pl.DataFrame, domains: list[str], width: int = 640) -> str:
    """Pass rate per domain (rows) and run (columns, oldest left): green all pass, red none."""
    if trend_domain.height == 0:
        return ""
    runs = trend_domain.select("run_id", "as_of").unique().sort("as_of", "run_id")
    run_index = {r: i for i, r in enumerate(runs["run_id"].to_list())}
    rows = [d for d in domains if d in set(trend_domain["domain"].drop_nulls().to_list())]
    left, cell_h = 90, 12
    cell_w = (width - left - 10) / max(len(run_index), 1)
    height = len(rows) * cell_h + 30
    body = []
    row_index = {d: i for i, d in enumerate(rows)}
    for i, d in enumerate(rows):
        body.append(_text(left - 6, 10 + i * cell_h + 9, d, anchor="end", size=9))
    cells = trend_domain.filter(pl.col("domain").is_in(rows)).select(
        "run_id", "domain", "pass_rate"
    )
    for run_id, domain, rate in cells.iter_rows():
        hue = 120 * (rate or 0)
        x = left + run_index[run_id] * cell_w
        y = 10 + row_index[domain] * cell_h
        body.append(
            f'<rect x="{x:.2f}" y="{y}" width="{cell_w + 0.05:.2f}" height="{cell_h - 1}" '
            f'fill="hsl({hue:.0f},55%,45%)"/>'
        )
    first = runs["as_of"][0].date().isoformat()
    last = runs["as_of"][-1].date().isoformat()
    body.append(_text(left, height - 6, first, size=9))
    body.append(_text(width - 10, height - 6, last, anchor="end", size=9))
    return _svg(width, height, "Pass rate per domain and run (green: all pass)", body)
