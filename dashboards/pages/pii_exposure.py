"""PII exposure: categories per domain, undeclared personal fields, re-identification risks,
and a drill-down to a product's columns with masked examples."""

import plotly.express as px
import plotly.graph_objects as go
import streamlit as st
from layout import current_scope, current_source, no_ledger, plot, table
from ledger_access import read, with_catalog

from privacymesh.views import pii

st.title("PII exposure")
st.markdown(
    "Which categories of personal data each domain holds: **declared** in its contracts, and "
    "**found undeclared** by the PII detector (open `pii.*` findings). Examples are masked."
)
src = current_source()
if not no_ledger(src):
    scope = current_scope()
    exposure = with_catalog(src, pii.category_exposure, scope)
    undeclared = read(src.snapshot, pii.undeclared_fields, scope)
    quasi = read(src.snapshot, pii.quasi_identifier_risks, scope)
    cols = st.columns(4)
    cols[0].metric("Personal fields declared", int(exposure["declared"].sum()))
    cols[1].metric("Undeclared personal fields", undeclared.height)
    cols[2].metric("Products with undeclared PII", undeclared["product_id"].n_unique())
    cols[3].metric("Re-identification risks", quasi.height)

    st.subheader("Domain × category")
    if exposure.height:
        wide = exposure.pivot(on="category", index="domain", values="total").sort("domain")
        undecl = exposure.pivot(on="category", index="domain", values="undeclared").sort("domain")
        cats = sorted(c for c in wide.columns if c != "domain")
        fig = go.Figure(
            go.Heatmap(
                z=wide.select(cats).fill_null(0).to_numpy(),
                x=cats,
                y=wide["domain"].to_list(),
                customdata=undecl.select(cats).fill_null(0).to_numpy(),
                colorscale="Reds",
                hovertemplate="%{y} · %{x}<br>%{z} columns, %{customdata} undeclared"
                "<extra></extra>",
                colorbar={"title": "columns"},
            )
        )
        fig.update_xaxes(tickangle=-40)
        plot(fig, height=max(380, 30 * wide.height + 200))
        st.caption("Cell: columns holding the category (declared + found undeclared).")
    else:
        st.caption("No personal fields declared or found.")

    st.subheader("Undeclared personal fields")
    if undeclared.height:
        table(
            undeclared,
            hit_rate=st.column_config.ProgressColumn("hit rate", min_value=0, max_value=1),
        )
    else:
        st.success("Every field holding personal data is declared in its contract.")

    st.subheader("Quasi-identifier risks")
    if quasi.height:
        fig = px.bar(
            quasi.to_pandas(),
            x="unique_fraction",
            y="columns",
            color="product_id",
            orientation="h",
            range_x=(0, 1),
            hover_data=["k_min", "rows_sampled"],
            labels={"unique_fraction": "share of sampled rows singled out", "columns": ""},
        )
        plot(fig, height=max(260, 40 * quasi.height + 100))
        table(quasi)
    else:
        st.success("No column combination singles out fewer than k people.")

    st.subheader("Drill down")
    products = read(src.snapshot, pii.pii_products, scope)
    if products:
        product = st.selectbox("Product", products, key="pm_pii_product")
        found = read(src.snapshot, pii.product_findings, scope, product)
        table(found.drop("detail"))
        columns = [c for c in found["column_name"].unique(maintain_order=True).to_list() if c]
        if columns:
            column = st.selectbox("Column", columns, key="pm_pii_column")
            picked = found.filter(found["column_name"] == column)
            for row in picked.iter_rows(named=True):
                st.markdown(
                    f"**{row['check_id']}** · {row['kind']} · {row['severity']} — "
                    f"categories: `{row['categories'] or '-'}`; masked examples: "
                    f"`{row['masked_examples'] or '-'}`"
                )
            history = read(src.snapshot, pii.column_history, scope, product, column)
            if history.height:
                fig = px.line(
                    history.to_pandas(),
                    x="run_at",
                    y="hit_rate",
                    color="check_id",
                    markers=True,
                    range_y=(0, 1.05),
                    labels={"run_at": "", "hit_rate": "hit rate"},
                )
                plot(fig, height=300, dates=True)
    else:
        st.caption("No product has open PII findings.")
