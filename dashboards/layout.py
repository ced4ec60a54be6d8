"""What every page shares: the period and domain filters, the header, empty states, charts,
and the page for a family of checks (consent, DSARs, rotation, cost)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import plotly.express as px
import plotly.graph_objects as go
import polars as pl
import streamlit as st
from ledger_access import Source, chain_status, read

from privacymesh.families import CheckFamily, family_named
from privacymesh.views import Scope, checks, evidence

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator

PERIODS = {
    "Last 7 days": 7,
    "Last 30 days": 30,
    "Last 90 days": 90,
    "Last 12 months": 365,
    "All runs": None,
    "Custom range": -1,
}
DEFAULT_PERIOD = "Last 90 days"
STATUS_COLORS = {"pass": "#2e7d32", "fail": "#c62828", "error": "#ef6c00", "skipped": "#9e9e9e"}
SEVERITY_COLORS = {
    "critical": "#8e0000",
    "high": "#d84315",
    "medium": "#f9a825",
    "low": "#90a4ae",
    "unknown": "#bdbdbd",
}
RUN_HINT = (
    "No runs recorded yet. Record the first one from the workspace folder with "
    "`privacymesh run` (or `make demo` on the sample mesh), then reload this page."
)


# -- filters ---------------------------------------------------------------------------------


def sidebar_filters(src: Source, allowed: tuple[str, ...] | None = None) -> Scope:
    """Period and domain pickers in the sidebar; the chosen scope is kept for every page.
    `allowed`: the only domains the signed-in viewer may see (None: every domain)."""
    st.sidebar.header("Filters")
    span = read(src.snapshot, evidence.run_span) if src.snapshot else None
    domains = read(src.snapshot, evidence.ledger_domains) if src.snapshot else []
    if allowed is not None:
        domains = [d for d in domains if d in allowed]
    choice = st.sidebar.selectbox(
        "Period", list(PERIODS), index=list(PERIODS).index(DEFAULT_PERIOD), key="pm_period"
    )
    last_day = span[1].date() if span else date.today()
    first_day = span[0].date() if span else last_day
    days = PERIODS[choice]
    start: date | None
    end: date | None = last_day
    if days is None:
        start, end = None, None
    elif days == -1:
        picked = st.sidebar.date_input(
            "From - to",
            value=(max(first_day, last_day - timedelta(days=89)), last_day),
            key="pm_range",
        )
        start, end = (
            picked if isinstance(picked, tuple) and len(picked) == 2 else (first_day, last_day)
        )
    else:
        start = last_day - timedelta(days=days - 1)
    chosen = st.sidebar.multiselect("Domains", domains, key="pm_domains", placeholder="All domains")
    st.sidebar.caption(
        "Runs are placed by their reference time (the `as_of` they measured against). "
        "Periods end at the newest run."
    )
    # a viewer limited to some domains who picks none sees all of theirs, never every domain
    picked_domains = tuple(chosen) or (allowed or ())
    scope = Scope.for_dates(start, end, picked_domains)
    st.session_state["pm_scope"] = scope
    return scope


def current_source() -> Source:
    """The source app.py read on this run (so every part of a page sees one snapshot)."""
    from ledger_access import source

    return st.session_state.get("pm_source") or source()


def current_scope() -> Scope:
    """The scope the sidebar set on this run (everything when the pages run alone)."""
    return st.session_state.get("pm_scope", Scope())


# -- header ----------------------------------------------------------------------------------


def fmt_time(moment: datetime | None) -> str:
    """A naive-UTC time, to the minute (midnight shows as the day alone)."""
    if moment is None:
        return "-"
    midnight = moment.time() == datetime.min.time()
    return f"{moment:%Y-%m-%d}" if midnight else f"{moment:%Y-%m-%d %H:%M}"


def header(src: Source, scope: Scope) -> DeltaGenerator | None:
    """Workspace name, last run and run count, on every page; returns the place for the chain
    status (None when there is no ledger), which `chain_badge` fills once the page has run."""
    left, run_col, chain_col, runs_col = st.columns([3, 2, 2, 1])
    left.markdown(f"### privacymesh · {src.workspace.name}")
    left.caption(f"Showing {scope.describe()}")
    if src.snapshot is None:
        run_col.metric("Data as of (UTC)", "none yet")
        chain_col.metric("Evidence chain", "no ledger")
        runs_col.metric("Runs", 0)
        return None
    last = read(src.snapshot, evidence.last_run)
    # the data's reference time and when the run read it are different moments: show both
    run_col.metric(
        "Data as of (UTC)",
        fmt_time(last["run_at"]) if last else "none yet",
        help=f"reference time of run {last['run_id']}" if last else None,
    )
    if last:
        run_col.caption(
            f"last run {fmt_time(last['started_at'])} UTC ({last['coverage']} coverage)"
        )
    runs_col.metric("Runs in period", read(src.snapshot, evidence.run_count, scope))
    if src.snapshot.stale:
        st.warning("The ledger is busy with a run: showing the state before it.")
    return chain_col


@st.fragment(run_every=1.0)
def _chain_poll(src: Source) -> None:
    report = chain_status(src.snapshot, wait=0.0)
    _chain_metric(report)
    if report is not None:
        st.session_state["pm_chain_done"] = str(src.snapshot.path)
        st.rerun()


def chain_badge(src: Source) -> None:
    """Verified / broken / verifying, for the snapshot on screen. The first call for a snapshot
    starts its verification (seconds of hashing on a large ledger, on a thread of this server),
    so app.py calls this after the page has run: the hashing does not slow the page's own run."""
    report = chain_status(src.snapshot)
    if report is None and st.session_state.get("pm_chain_done") != str(src.snapshot.path):
        _chain_poll(src)
        return
    _chain_metric(report)


def _chain_metric(report: object) -> None:
    if report is None:
        st.metric("Evidence chain", "verifying…")
    elif isinstance(report, Exception):
        st.metric("Evidence chain", "unverifiable", help=str(report))
    elif report.ok:
        st.metric(
            "Evidence chain",
            "verified",
            help=f"{report.records_checked:,} records recomputed; head {report.head}",
        )
    else:
        st.metric("Evidence chain", "BROKEN", help=f"first break: {report.first_break}")


# -- empty states ----------------------------------------------------------------------------


def no_ledger(src: Source) -> bool:
    """Show how to record a first run when there is nothing to show; True when so."""
    if src.snapshot is not None and read(src.snapshot, evidence.run_span) is not None:
        return False
    st.info(RUN_HINT, icon=":material/inventory_2:")
    if src.problem and "no ledger here" not in src.problem:
        st.caption(f"Ledger: {src.problem}")
    return True


def empty(what: str, how: str) -> None:
    """A page section with nothing recorded yet: what is missing and how to get it."""
    st.info(f"{what} {how}", icon=":material/info:")


# -- charts and tables -----------------------------------------------------------------------


def number(value: float) -> str:
    """A value for a sentence: thousands separated, small ones to four significant digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def finish(fig: go.Figure, height: int = 380, dates: bool = False) -> go.Figure:
    """The dashboard's figure layout: `height`, tight margins, days on a time x axis."""
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    if dates:
        fig.update_xaxes(tickformat="%Y-%m-%d", type="date")
    return fig


def plot(fig: go.Figure, height: int = 380, dates: bool = False) -> None:
    """A Plotly figure at full width; `dates` when the x axis is a time (shown as days)."""
    show(finish(fig, height, dates))


def show(fig: go.Figure) -> None:
    """A finished figure (see `finish`) at full width."""
    st.plotly_chart(fig, width="stretch")


shared_figure = st.cache_resource(show_spinner=False, max_entries=128)
"""Decorator for a function that builds a finished figure (Plotly) or chart (Altair) from
frames and plain values: it is built once per distinct input (frames are hashed by content, so
a new snapshot or period gives a new one) and shared by every session, as building one costs
more than the query behind it. Never change what such a function returned."""


def small_table(frame: pl.DataFrame) -> None:
    """A short frame (a few dozen rows) as static HTML: lighter in the browser than a grid."""
    shown = frame.select([c for c in frame.columns if frame[c].null_count() < frame.height])
    shown = shown.with_columns(
        pl.col(pl.Datetime).dt.strftime("%Y-%m-%d %H:%M").str.replace(" 00:00$", "")
    ).with_columns(pl.col(pl.String).fill_null("-"))
    st.table(shown.to_pandas().style.hide(axis="index").format(precision=1, na_rep="-"))


def table(frame: pl.DataFrame, height: int | None = None, **columns: object) -> None:
    """A frame as a scrollable table (the page never holds more than the read returned)."""
    kwargs = {"height": height} if height and frame.height > 8 else {}
    st.dataframe(frame, hide_index=True, width="stretch", column_config=columns or None, **kwargs)


def decode_measured(frame: pl.DataFrame) -> pl.DataFrame:
    """Latest measurements in wide form: one row per result, one column per metric."""
    index = ["check_id", "domain", "product_id", "status", "result_id"]
    frame = frame.filter(~pl.col("metric").is_in(index))  # a mesh check records its domain too
    if frame.height == 0:
        return frame
    values = frame.with_columns(
        pl.coalesce(pl.col("value").cast(pl.String), pl.col("text")).alias("shown")
    )
    return values.pivot(
        on="metric",
        index=index,
        values="shown",
        aggregate_function="first",
    ).drop("result_id")


# -- a family of checks ----------------------------------------------------------------------


@dataclass(frozen=True)
class Feature:
    """A chart of measured values of one check, per domain (or product): the metrics whose
    names match `metrics` as bars, `reference` (e.g. an SLA) as a dashed line."""

    title: str
    check: str  # regular expression over check ids
    metrics: str  # regular expression over metric names
    reference: str | None = None
    reference_label: str = "target"
    note: str = ""
    stacked: bool = False


@dataclass(frozen=True)
class FamilyPage:
    """The page of one check family: its title and check id prefixes are the family's own
    (the FAMILIES table), the page adds its introduction and charts."""

    family_key: str
    intro: str
    features: tuple[Feature, ...] = field(default_factory=tuple)
    focus: str = ""  # preferred metrics for the trend picker (regular expression)

    @property
    def family(self) -> CheckFamily:
        return family_named(self.family_key)

    @property
    def prefixes(self) -> tuple[str, ...]:
        return self.family.prefixes


def family_page(src: Source, page: FamilyPage, extra: object = None) -> None:
    """KPIs, status by domain, feature charts, latest values, a metric's trend, findings."""
    family = page.family
    st.title(family.title)
    st.markdown(page.intro)
    if no_ledger(src):
        return
    scope = current_scope()
    parts = [
        read(src.snapshot, checks.latest_measurements, prefix, scope) for prefix in family.prefixes
    ]
    measured = (
        pl.concat([p for p in parts if p.height], how="vertical")
        if any(p.height for p in parts)
        else parts[0]
    )
    results = pl.concat(
        [read(src.snapshot, checks.latest_results, prefix, scope) for prefix in family.prefixes],
        how="vertical",
    )
    if results.height == 0:
        ids = " / ".join(f"`{p}*`" for p in family.prefixes)
        empty(
            f"No {ids} results recorded up to the end of this period.",
            "These checks have not run yet (or not on the chosen domains): run "
            f"`privacymesh run --check {family.prefixes[0].rstrip('.')}` and reload.",
        )
        return
    family_kpis(results)
    if callable(extra):  # the page's own headline chart comes first
        extra(measured, results)
    for feature in page.features:
        feature_chart(measured, feature)
    status_heatmap(results)
    st.subheader("Latest measured values")
    table(decode_measured(measured), height=320)
    trend_picker(src, scope, measured, page.focus)
    st.subheader("Open findings")
    found = pl.concat(
        [read(src.snapshot, checks.family_findings, p, scope) for p in family.prefixes],
        how="vertical",
    )
    if found.height:
        table(found.drop("fingerprint"), height=300)
    else:
        st.success("No open findings for these checks.")


def family_kpis(results: pl.DataFrame) -> None:
    cols = st.columns(5)
    failing = results.filter(pl.col("status") == "fail")
    cols[0].metric("Results (latest)", results.height)
    cols[1].metric("Failing", failing.height)
    cols[2].metric("Could not run", results.filter(pl.col("status") == "error").height)
    cols[3].metric("Domains failing", failing["domain"].n_unique())
    cols[4].metric("Exceptions", int(failing["exceptions"].fill_null(0).sum()))


def status_heatmap(results: pl.DataFrame) -> None:
    """Domain x check: worst latest status, with exceptions as the label."""
    st.subheader("Status by domain and check")
    rank = {"pass": 0, "fail": 1, "error": 2}
    cells = (
        results.with_columns(pl.col("status").replace_strict(rank, default=0).alias("rank"))
        .group_by("domain", "check_id")
        .agg(pl.col("rank").max(), pl.col("exceptions").fill_null(0).sum())
        .sort("domain", "check_id")
    )
    wide = cells.pivot(on="check_id", index="domain", values="rank").sort("domain")
    labels = (
        cells.with_columns(pl.col("exceptions").cast(pl.String))
        .pivot(on="check_id", index="domain", values="exceptions")
        .sort("domain")
        .fill_null("")
    )
    check_ids = [c for c in wide.columns if c != "domain"]
    z = wide.select(check_ids).to_numpy()
    text = labels.select(check_ids).to_numpy()
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=check_ids,
            y=wide["domain"].to_list(),
            zmin=0,
            zmax=2,
            colorscale=[
                [0, STATUS_COLORS["pass"]],
                [0.5, STATUS_COLORS["fail"]],
                [1, STATUS_COLORS["error"]],
            ],
            text=text,
            texttemplate="%{text}",
            showscale=False,
            hovertemplate="%{y} · %{x}<br>exceptions %{text}<extra></extra>",
        )
    )
    fig.update_layout(
        title="green pass · red fail · orange could not run · blank not checked (label: exceptions)"
    )
    plot(fig, height=max(260, 34 * len(wide) + 120))


def feature_chart(measured: pl.DataFrame, feature: Feature) -> None:
    """Bars of the matching metrics per domain (or product), with the reference line."""
    st.subheader(feature.title)
    rows = measured.filter(pl.col("check_id").str.contains(feature.check))
    if rows.height == 0:
        empty("Not measured yet:", f"appears once a check matching `{feature.check}` has run.")
        return
    bars = rows.filter(
        pl.col("metric").str.contains(feature.metrics) & pl.col("value").is_not_null()
    ).with_columns(pl.coalesce(pl.col("product_id"), pl.col("domain")).alias("where"))
    if bars.height == 0:
        empty("Not measured yet:", f"no value matching `{feature.metrics}` was recorded.")
        return
    mesh = bars.filter(pl.col("where") == "(mesh)")
    if mesh.height and mesh.height < bars.height:  # a mesh-wide total beside the domains
        bars = bars.filter(pl.col("where") != "(mesh)")
        st.caption(
            "Whole mesh: "
            + ", ".join(f"{m} {number(v)}" for m, v in mesh.select("metric", "value").iter_rows())
        )
    if bars["where"].n_unique() > 12:  # many products: show those with something to see
        busy = bars.filter(pl.col("value") != 0)["where"].unique()
        hidden = bars["where"].n_unique() - busy.len()
        bars = bars.filter(pl.col("where").is_in(busy.implode()))
        st.caption(f"{hidden} products where every value is 0 are not drawn.")
        if bars.height == 0:
            st.success("Nothing to draw: every value is 0.")
            return
    if bars["check_id"].n_unique() > 1:
        bars = bars.with_columns((pl.col("check_id") + " · " + pl.col("metric")).alias("metric"))
    fig = px.bar(
        bars.to_pandas(),
        x="where",
        y="value",
        color="metric",
        barmode="stack" if feature.stacked else "group",
        labels={"where": "", "value": "", "metric": ""},
    )
    if feature.reference:
        refs = rows.filter(pl.col("metric").str.contains(feature.reference))["value"].drop_nulls()
        if refs.len():
            level = float(refs.max())
            fig.add_hline(
                y=level,
                line_dash="dash",
                line_color="#c62828",
                annotation_text=f"{feature.reference_label} {level:g}",
                annotation_position="top left",
            )
    plot(fig)
    if feature.note:
        st.caption(feature.note)


def trend_picker(src: Source, scope: Scope, measured: pl.DataFrame, focus: str) -> None:
    """A measured value of one check over the runs of the period, per domain or product."""
    st.subheader("Over time")
    numeric = measured.filter(pl.col("value").is_not_null()).select("check_id", "metric").unique()
    if numeric.height == 0:
        st.caption("No numeric values to draw.")
        return
    options = sorted(f"{c} · {m}" for c, m in numeric.iter_rows())
    preferred = [o for o in options if focus and re.search(focus, o)]
    choice = st.selectbox(
        "Value",
        options,
        index=options.index(preferred[0]) if preferred else 0,
        key=f"pm_trend_{options[0]}",
    )
    check_id, metric = choice.split(" · ", 1)
    trend = read(src.snapshot, checks.metric_trend, check_id, metric, scope)
    if trend.height == 0:
        st.caption("No runs in this period recorded it.")
        return
    trend = trend.with_columns(pl.coalesce(pl.col("product_id"), pl.col("domain")).alias("where"))
    # lines join the points of runs that read every product; a run over a selection of
    # products or domains is drawn as an open marker, apart from the line
    full = trend.filter(pl.col("coverage") == "full")
    partial = trend.filter(pl.col("coverage") == "partial")
    fig = px.line(
        full.to_pandas(),
        x="day",
        y="value",
        color="where",
        markers=True,
        labels={"day": "", "value": metric, "where": ""},
    )
    if partial.height:
        fig.add_scatter(
            x=partial["day"].to_list(),
            y=partial["value"].to_list(),
            mode="markers",
            marker={"symbol": "circle-open", "size": 9, "color": "#888"},
            name="partial run",
            text=partial["where"].to_list(),
        )
        st.caption(
            f"{partial.height} point(s) from runs over a selection of products or domains are "
            "drawn as open markers, off the lines."
        )
    plot(fig, dates=True)
