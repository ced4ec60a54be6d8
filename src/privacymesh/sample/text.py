"""Free text, JSON payloads and URLs, rendered column-wise from templates.

A template is a list of literal strings and Polars expressions; `render` picks one template per
row by an integer column, so a million payloads cost a handful of vectorised string
concatenations. Each template says which personal data it carries, so the generator knows
exactly how many rows hold an email, a phone number or a name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

Piece = str | pl.Expr


@dataclass(frozen=True)
class Template:
    pieces: tuple[Piece, ...]
    weight: float
    carries: tuple[str, ...] = ()  # fideslang categories present in the rendered text
    path: str | None = None  # JSON path of the personal value, for payload templates


def _expr(piece: Piece) -> pl.Expr:
    return pl.lit(piece) if isinstance(piece, str) else piece


def render(templates: list[Template], choice: str = "_tpl") -> pl.Expr:
    """An expression choosing `templates[row[choice]]` for each row."""
    expr: pl.Expr | None = None
    for i, tpl in enumerate(templates):
        text = pl.concat_str([_expr(p) for p in tpl.pieces])
        expr = (
            pl.when(pl.col(choice) == i).then(text)
            if expr is None
            else (expr.when(pl.col(choice) == i).then(text))
        )
    assert expr is not None
    return expr.otherwise(pl.lit(None, dtype=pl.String))


def choose(rng: np.random.Generator, templates: list[Template], n: int) -> np.ndarray:
    w = np.array([t.weight for t in templates], dtype=np.float64)
    return rng.choice(len(templates), size=n, p=w / w.sum())


def carrying(templates: list[Template], category: str) -> list[int]:
    return [i for i, t in enumerate(templates) if category in t.carries]


NAME = "user.name"
EMAIL = "user.contact.email"
PHONE = "user.contact.phone_number"

FULL_NAME, EMAIL_COL, PHONE_COL, ORDER = (
    pl.col("_full_name"),
    pl.col("_email"),
    pl.col("_phone"),
    pl.col("_order"),
)

TICKET_BODIES: list[Template] = [
    Template(
        ("Hello, the app crashes every time I open the statements page. Can you help?",), 0.14
    ),
    Template(
        (
            "Hi, this is ",
            FULL_NAME,
            ". Please change the email on my account to ",
            EMAIL_COL,
            ". Thanks!",
        ),
        0.12,
        (NAME, EMAIL),
    ),
    Template(
        ("Please call me back on ", PHONE_COL, " about order ", ORDER, ". Regards, ", FULL_NAME),
        0.10,
        (PHONE, NAME),
    ),
    Template(
        (
            "I was charged twice for order ",
            ORDER,
            ". You can reach me at ",
            EMAIL_COL,
            " or ",
            PHONE_COL,
            ".",
        ),
        0.08,
        (EMAIL, PHONE),
    ),
    Template(("Where can I download the invoice for order ", ORDER, "?"), 0.16),
    Template(
        ("My name is ", FULL_NAME, " and I would like to close my account, please."), 0.07, (NAME,)
    ),
    Template(
        ("The delivery for order ", ORDER, " never arrived. Contact me at ", EMAIL_COL, " please."),
        0.08,
        (EMAIL,),
    ),
    Template(("The password reset link expired twice; please send a new one.",), 0.15),
    Template(("Is there a way to export my transaction history as CSV?",), 0.10),
]

TICKET_SUBJECTS = np.array(
    [
        "App crash",
        "Change of email",
        "Call-back request",
        "Double charge",
        "Invoice download",
        "Account closure",
        "Missing delivery",
        "Password reset",
        "Data export",
    ]
)

NOTE_LAST4, NOTE_N = pl.col("_last4"), pl.col("_n")
ANALYST_NOTES: list[Template] = [
    Template(
        (
            "Chargeback cluster on card ending ",
            NOTE_LAST4,
            "; ",
            NOTE_N,
            " disputes in 48h. Spoke to ",
            FULL_NAME,
            ", confirmed genuine.",
        ),
        0.3,
        (NAME,),
    ),
    Template(
        (
            "Velocity rule fired: ",
            NOTE_N,
            " logins from new devices. Account locked, ",
            "customer called from ",
            PHONE_COL,
            ".",
        ),
        0.25,
        (PHONE,),
    ),
    Template(("Mule pattern suspected; ", NOTE_N, " inbound transfers. Escalated to AML."), 0.25),
    Template(
        ("False positive: travel abroad. ", FULL_NAME, " confirmed by email ", EMAIL_COL, "."),
        0.2,
        (NAME, EMAIL),
    ),
]

LOCALE, PAGE = pl.col("_locale"), pl.col("page")
PAYLOADS: list[Template] = [
    Template(
        (
            '{"event":"page_view","page":{"path":"',
            PAGE,
            '","referrer":"',
            pl.col("_ref"),
            '"},"context":{"locale":"',
            LOCALE,
            '","screen":{"w":',
            pl.col("_w"),
            ',"h":',
            pl.col("_h"),
            "}}}",
        ),
        0.62,
    ),
    Template(
        (
            '{"event":"click","element":{"id":"',
            pl.col("_element"),
            '"},"context":{"locale":"',
            LOCALE,
            '"}}',
        ),
        0.20,
    ),
    Template(
        (
            '{"event":"experiment_viewed","experiment":{"key":"',
            pl.col("_experiment"),
            '","variant":"',
            pl.col("_variant"),
            '"},"context":{"locale":"',
            LOCALE,
            '"}}',
        ),
        0.15,
    ),
    # seeded: the subject's email nested two or more levels deep, once inside an array
    Template(
        (
            '{"event":"identify","context":{"locale":"',
            LOCALE,
            '","traits":{"email":"',
            EMAIL_COL,
            '","plan":"free"}}}',
        ),
        0.015,
        (EMAIL,),
        "$.context.traits.email",
    ),
    Template(
        (
            '{"event":"form_submit","form":{"id":"newsletter","fields":[{"name":"email",',
            '"value":"',
            EMAIL_COL,
            '"},{"name":"opt_in","value":"yes"}]}}',
        ),
        0.010,
        (EMAIL,),
        "$.form.fields[0].value",
    ),
    Template(
        (
            '{"event":"checkout_started","order":{"items":[{"sku":"',
            pl.col("_sku"),
            '","qty":1}],"billing":{"contact":{"email":"',
            EMAIL_COL,
            '"}}}}',
        ),
        0.005,
        (EMAIL,),
        "$.order.billing.contact.email",
    ),
]

REQUEST_URIS: list[Template] = [
    Template((PAGE,), 0.58),
    Template((PAGE, "?utm_source=", pl.col("_utm"), "&utm_medium=email"), 0.30),
    Template((PAGE, "?q=", pl.col("_query")), 0.104),
    # seeded: personal data in the access log's URL
    Template(("/account/verify?email=", EMAIL_COL, "&token=", pl.col("_token")), 0.012, (EMAIL,)),
    Template(("/support/callback?phone=", PHONE_COL, "&lang=", LOCALE), 0.004, (PHONE,)),
]
