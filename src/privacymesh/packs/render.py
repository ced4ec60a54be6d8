"""The Jinja2 machinery shared by the pack and the leadership report: templates and CSS come from
the workspace's `reports/` folder (`paths.reports`), autoescaped, with a few formatting filters."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
import polars as pl
from markupsafe import Markup, escape

from privacymesh.packs.errors import PackError
from privacymesh.views.headline import change, money


def fmt_ts(value: Any) -> str:
    """A timestamp as `YYYY-MM-DD HH:MM` (UTC); a date as `YYYY-MM-DD`; missing as a dash."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def fmt_day(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    return fmt_ts(value)


def fmt_num(value: Any) -> str:
    """Thousands separators; missing as a dash."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        # never scientific notation: amounts read as amounts (54,810, not 5.481e+04)
        if value.is_integer() or abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) >= 0.0001 else f"{value:g}"
    return str(value)


def fmt_pct(value: Any) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def breakable(value: Any) -> Markup:
    """Escaped text with a line-break opportunity (<wbr>) after each `.`, `_`, `/` and `-`,
    so long identifiers wrap inside narrow table cells."""
    text = str(escape("–" if value is None else value))
    return Markup(re.sub(r"([._/-])", r"\1<wbr>", text))


CELL_CHARS = 60
"""Longest text shown whole in a table cell; a longer one (a list of ids, a JSON list of worst
cases) is cut there and its full value named in a data file, so no cell widens a page."""


def fmt_cell(value: Any, where: str, limit: int = CELL_CHARS) -> Any:
    """A measured value for a table cell: short values as they are, long ones cut at `limit`
    characters with a pointer to the data file that holds them whole."""
    if value is None or value == "":
        return "–"
    text = str(value)
    if len(text) <= limit:
        return text
    return Markup(
        f'{escape(text[:limit])}… <span class="muted small">({len(text):,} characters; '
        f"in full in {escape(where)})</span>"
    )


def dash(value: Any) -> Any:
    return "–" if value is None or value == "" else value


def rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts()


def environment(reports: Path) -> jinja2.Environment:
    """A Jinja environment over `reports/`, strict about undefined names."""
    if not reports.is_dir():
        raise PackError(
            "the report templates folder does not exist",
            file=reports,
            hint="set paths.reports in privacymesh.toml to a folder holding pack/ and "
            "leadership/, or leave it out for the built-in templates",
        )
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(reports)),
        autoescape=jinja2.select_autoescape(["html", "j2", "svg"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        ts=fmt_ts, day=fmt_day, num=fmt_num, pct=fmt_pct, dash=dash, brk=breakable,
        money=money, change=change, cell=fmt_cell,
    )  # fmt: skip
    env.globals.update(rows=rows)
    return env


def render(reports: Path, template: str, css: list[str], **context: Any) -> str:
    """Render `template` with the named CSS files inlined as `css`."""
    env = environment(reports)
    try:
        styles = "\n".join((reports / name).read_text("utf-8") for name in css)
        return env.get_template(template).render(css=styles, **context)
    except jinja2.TemplateNotFound as exc:
        raise PackError(f"template not found: {exc.name}", file=reports) from exc
    except OSError as exc:
        raise PackError(f"cannot read a stylesheet: {exc}", file=reports) from exc
