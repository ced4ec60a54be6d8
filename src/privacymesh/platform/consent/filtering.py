"""Consent as a filter over many rows at once: each row meets its subject's latest event at or
before the row's time, in one join, never a loop over rows. Two equivalent forms: the textbook
ASOF join (`method="asof"`), and, by default, a join to the purpose's validity intervals (grant
to next event) on the subject, which needs no sort, which makes it the faster; tests hold both
to the same rows. `ConsentLedger.filter` and `filter_relation` are these functions."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from privacymesh.catalog import quote_ident
from privacymesh.consent_rule import covers, covers_sql
from privacymesh.platform.errors import ConsentError

if TYPE_CHECKING:
    from privacymesh.platform.consent.ledger import ConsentLedger


def filter_frame(
    ledger: ConsentLedger,
    data: pl.DataFrame | pl.LazyFrame,
    purpose: str,
    *,
    subject: str = "user_id",
    time: str | None = None,
    at: datetime | None = None,
    subject_form: str = "user_id",
    method: str = "interval",
) -> pl.DataFrame | pl.LazyFrame:
    """The rows whose subject had consent for the purpose at the row's `time` (the latest
    event at or before it is a grant), or at `at` (default now) when no time column is
    given. Row order and columns are kept; a frame in gives a frame out, a lazy frame a
    lazy frame.

    `method="interval"` (default) joins rows to the validity intervals on the subject and
    keeps those inside one; `method="asof"` is the textbook ASOF join (sort by time, join
    each row to the subject's latest event, sort back). Both give the same rows; the
    interval join avoids the two sorts, so it is the faster."""
    lazy = isinstance(data, pl.LazyFrame)
    lf = data.lazy() if isinstance(data, pl.DataFrame) else data
    columns = lf.collect_schema().names()
    for name in (subject, *((time,) if time else ())):
        if name not in columns:
            raise ConsentError(f"the frame has no column {name!r}", field=name)
    if method not in ("interval", "asof"):
        raise ConsentError(f"unknown method {method!r}", field="method", hint="interval or asof")
    lf, key = ledger.subject_ids(lf, subject, subject_form)
    if time is None:
        allowed = ledger.consenting(purpose, at).lazy()
        out = lf.join(allowed, left_on=key, right_on="user_id", how="semi")
        out = out.select(columns)
        return out if lazy else out.collect()
    when = pl.col(time)
    dtype = lf.collect_schema()[time]
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        when = when.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    lf = lf.with_columns(when.cast(pl.Datetime("us")).alias("_pm_t"))
    if method == "interval":
        out = lf.join(
            ledger.validity(purpose).lazy(),
            left_on=key,
            right_on="_pm_user",
            how="inner",
            maintain_order="left",
        ).filter(covers(pl.col("_pm_t"), pl.col("_pm_start"), pl.col("_pm_end")))
    else:
        events = ledger.purpose_events(purpose).rename(
            {"user_id": "_pm_user", "event_time": "_pm_time", "granted": "_pm_granted"}
        )
        out = (
            lf.with_row_index("_pm_row")
            .sort("_pm_t")
            .join_asof(
                events.sort("_pm_time").lazy(),
                left_on="_pm_t",
                right_on="_pm_time",
                by_left=key,
                by_right="_pm_user",
                strategy="backward",
                check_sortedness=False,
            )
            .filter(pl.col("_pm_granted").fill_null(False))
            .sort("_pm_row")
        )
    out = out.select(columns)
    return out if lazy else out.collect()


def filter_relation(
    ledger: ConsentLedger,
    con: duckdb.DuckDBPyConnection,
    relation: duckdb.DuckDBPyRelation,
    purpose: str,
    *,
    subject: str = "user_id",
    time: str | None = None,
    at: datetime | None = None,
    method: str = "interval",
) -> duckdb.DuckDBPyRelation:
    """`filter` for a DuckDB relation of `con`, in SQL: a join to the validity intervals
    (default), an `ASOF JOIN` (`method="asof"`), or a semi-join on the consenting subjects
    when no time column is given. `subject` holds user ids."""
    safe = re.sub(r"\W", "_", purpose)
    columns = relation.columns
    for name in (subject, *((time,) if time else ())):
        if name not in columns:
            raise ConsentError(f"the relation has no column {name!r}", field=name)
    s = quote_ident(subject)
    if time is None:
        name = f"_pm_consenting_{safe}"
        con.register(name, ledger.consenting(purpose, at).to_arrow())
        return relation.query(
            "_pm_data", f"SELECT * FROM _pm_data WHERE {s} IN (SELECT user_id FROM {name})"
        )
    t = f"CAST(d.{quote_ident(time)} AS TIMESTAMP)"
    if method == "asof":
        name = f"_pm_consent_{safe}"
        con.register(name, ledger.purpose_events(purpose).to_arrow())
        sql = (
            f"SELECT d.* FROM _pm_data AS d ASOF JOIN {name} AS c "
            f"ON d.{s} = c.user_id AND {t} >= c.event_time WHERE c.granted"
        )
    else:
        name = f"_pm_validity_{safe}"
        con.register(name, ledger.validity(purpose).to_arrow())
        sql = (
            f"SELECT d.* FROM _pm_data AS d JOIN {name} AS v ON d.{s} = v._pm_user "
            f"AND {covers_sql(t, 'v._pm_start', 'v._pm_end')}"
        )
    return relation.query("_pm_data", sql)
