"""privacymesh leadership dashboard: `privacymesh dashboard` (or `streamlit run dashboards/app.py`).

Read-only on the evidence ledger (and the catalog): the posture per domain, PII exposure,
retention, consent, DSARs, rotation and support, cost and headcount, and the evidence itself.
The workspace comes from $PRIVACYMESH_WORKSPACE, else from the current folder upward.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the pages import the dashboard's own modules
    sys.path.insert(0, str(HERE))

import streamlit as st  # noqa: E402
from layout import chain_badge, header, sidebar_filters  # noqa: E402
from ledger_access import catalog, source  # noqa: E402
from sign_in import oidc_viewer, sign_in_settings, viewer  # noqa: E402

from privacymesh.families import FAMILIES  # noqa: E402

# the page file and icon of each check family that has a page; their titles and order are
# the FAMILIES table's
FAMILY_PAGES = {
    "pii": ("pii_exposure.py", ":material/fingerprint:"),
    "retention": ("retention.py", ":material/auto_delete:"),
    "consent": ("consent.py", ":material/how_to_reg:"),
    "dsar": ("dsars.py", ":material/assignment_ind:"),
    "operations": ("rotation_support.py", ":material/groups:"),
    "cost": ("cost_headcount.py", ":material/payments:"),
}
PAGES = (
    ("overview.py", "Overview", ":material/monitoring:"),
    *(
        (FAMILY_PAGES[f.key][0], f.label, FAMILY_PAGES[f.key][1])
        for f in FAMILIES
        if f.key in FAMILY_PAGES
    ),
    ("evidence.py", "Evidence", ":material/verified:"),
)

st.set_page_config(page_title="privacymesh", page_icon="🛡️", layout="wide")
src = source()
st.session_state["pm_source"] = src
allowed: tuple[str, ...] | None = None  # None: every domain (sign-in off, or a role sees all)
settings = sign_in_settings(src.workspace)
if settings is not None:
    cat = catalog(src.workspace)
    role_domains: dict[str, set[str]] = {}
    for product in cat.products.values() if cat is not None else ():
        for role in product.roles:
            role_domains.setdefault(role.name, set()).add(product.domain)
    if settings.oidc is not None:
        who = oidc_viewer(src.workspace, settings, st.user.to_dict(), role_domains)
        if who is None:
            st.info("Sign in to see this dashboard.")
            st.button("Sign in", on_click=st.login, type="primary")
            st.stop()
    else:
        peer = st.context.ip_address
        who = viewer(src.workspace, settings, st.context.headers, peer, role_domains)
        if who is None:
            st.error("Sign in through the workspace's sign-in proxy to see this dashboard.")
            st.stop()
    st.sidebar.caption(f"Signed in as **{who.name}** ({', '.join(sorted(who.roles)) or 'no role'})")
    if settings.oidc is not None:
        st.sidebar.button("Sign out", on_click=st.logout)
    allowed = who.domains
    if allowed == ():
        st.warning(f"{who.name}: your roles may see no domain on this dashboard.")
        st.stop()
scope = sidebar_filters(src, allowed)
page = st.navigation(
    [
        st.Page(HERE / "pages" / file, title=title, icon=icon, default=i == 0)
        for i, (file, title, icon) in enumerate(PAGES)
    ]
)
chain_slot = header(src, scope)
try:
    page.run()
finally:  # the chain status last: its first check of a snapshot starts the verification
    if chain_slot is not None:
        with chain_slot:
            chain_badge(src)
