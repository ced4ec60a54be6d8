"""Evidence: the runs, their results, the hash chain's verification, and an audit pack for a
period."""

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import plotly.express as px
import polars as pl
import streamlit as st
from layout import STATUS_COLORS, current_scope, current_source, no_ledger, plot, table
from ledger_access import chain_status, read

from privacymesh.views import evidence

st.title("Evidence")
st.markdown(
    "Every number on this dashboard comes from a recorded result: a run, a check, a product and "
    "the query that measured it, in the hash-chained ledger. Verify it here or with "
    "`privacymesh evidence verify`."
)
src = current_source()


def chain_section() -> None:
    st.subheader("Hash chain")
    report = chain_status(src.snapshot, wait=5.0)
    if report is None:
        st.info("Verifying the chain… reload in a moment.")
    elif isinstance(report, Exception):
        st.error(f"Could not verify the ledger: {report}")
    elif report.ok:
        st.success(
            f"Chain intact: {report.records_checked:,} records recomputed in "
            f"{report.seconds:.2f} s."
        )
        st.code(f"chain head {report.head}", language=None)
        st.caption(
            "Publish the head outside this machine; later, `privacymesh evidence verify "
            "--expect-head SEQ:HASH` proves the chain up to it is unchanged."
        )
    else:
        st.error(f"Chain BROKEN at {report.first_break}")
    if report is not None and not isinstance(report, Exception):
        table(
            pl.DataFrame(
                {"table": list(report.table_counts), "records": list(report.table_counts.values())}
            )
        )


def built_packs(folder: Path) -> list[Path]:
    """Every audit pack built under `folder` (each version folder holding a manifest), newest
    build first. Read from disk only: building a pack is a CLI job."""
    manifests = sorted(folder.glob("*/v*/manifest.json"), key=lambda m: m.stat().st_mtime)
    return [m.parent for m in reversed(manifests)]


def pack_bytes(root: Path) -> tuple[bytes, str]:
    """The pack's own zip when it wrote one, else a zip of its folder."""
    name = f"{root.parent.name}-{root.name}.zip"
    own = root / "pack.zip"
    if own.is_file():
        return own.read_bytes(), name
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(root.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(root.parent))
    return buffer.getvalue(), name


def pack_section(first_day: date, last_day: date) -> None:
    st.subheader("Audit packs")
    domains = current_scope().domains
    command = f"privacymesh pack --from {first_day} --to {last_day}" + "".join(
        f" --domain {d}" for d in domains
    )
    st.markdown(
        "The dashboard only reads the ledger. Build the pack of this period on the command "
        "line; every build gets its own version folder and earlier builds are kept:"
    )
    st.code(command, language="bash")
    packs = built_packs(src.workspace.evidence / "packs")
    if not packs:
        st.caption(f"No pack built yet in {src.workspace.evidence / 'packs'}.")
        return
    labels = {f"{p.parent.name} {p.name}": p for p in packs}
    picked = st.selectbox("Built packs", list(labels), key="pm_pack_pick")
    data, name = pack_bytes(labels[picked])
    st.download_button(
        "Download the pack", data, file_name=name, mime="application/zip", key="pm_pack_download"
    )


if not no_ledger(src):
    scope = current_scope()
    total = read(src.snapshot, evidence.run_count, scope)
    st.subheader(f"Runs in the period ({total:,})")
    page_size = 100
    pages = max(1, -(-total // page_size))
    page = st.number_input("Page", 1, pages, 1, key="pm_runs_page") if pages > 1 else 1
    runs = read(src.snapshot, evidence.run_list, scope, page_size, (page - 1) * page_size)
    if runs.height:
        counts = (
            runs.sort("run_at", "seq")
            .select(
                pl.concat_str(
                    pl.col("run_at").dt.strftime("%Y-%m-%d %H:%M"),
                    pl.col("run_id").str.slice(-6),
                    separator=" · ",
                ).alias("run"),
                pass_=pl.col("pass_count"),
                fail=pl.col("fail_count"),
                error=pl.col("error_count"),
            )
            .unpivot(index="run", variable_name="status", value_name="results")
            .with_columns(pl.col("status").str.strip_chars("_"))
        )
        fig = px.bar(
            counts.to_pandas(),
            x="run",
            y="results",
            color="status",
            color_discrete_map=STATUS_COLORS,
            labels={"run": "", "results": "results"},
        )
        fig.update_xaxes(type="category")
        plot(fig, height=300)
    table(runs.drop("catalog_fingerprint", "hash"), height=300)
    if runs.height:
        run_id = st.selectbox("Results of run", runs["run_id"].to_list(), key="pm_run_pick")
        results = read(src.snapshot, evidence.run_results, run_id, scope)
        counts = results.group_by("status").len().sort("status")
        st.caption(" · ".join(f"{s}: {n}" for s, n in counts.iter_rows()) or "no results in scope")
        table(results.drop("query", "result_id"), height=360)
    chain_section()
    span = read(src.snapshot, evidence.run_span)
    last: datetime = span[1]
    first_day = scope.since.date() if scope.since else span[0].date()
    pack_section(first_day, last.date())
    st.caption(
        f"Read from a snapshot of {src.workspace.ledger_path}, taken when it last changed "
        "(the dashboard never keeps the ledger itself open)."
    )
