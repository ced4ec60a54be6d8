"""E-mail addresses on a host with no top-level domain, and addresses written on one line
(`City, ST 12345 USA`, `75001 Paris`): their classes, and the decoys of the same shapes."""

from __future__ import annotations

from detect.frames import categories

EMAIL = "user.contact.email"
ADDRESS = "user.contact.address"

INTRANET = [
    f"{first}.{last}@internalmail"
    for first, last in (
        ("tammy", "bryant"), ("roy", "white"), ("gary", "jenkins"), ("ana", "lima"),
        ("li", "wei"), ("sara", "berg"), ("omar", "haddad"), ("eva", "novak"),
    )
]  # fmt: skip


def test_mailboxes_without_a_tld_make_an_email_column() -> None:
    assert EMAIL in categories(INTRANET * 4, "c07")  # the values alone, every row
    assert EMAIL in categories(INTRANET * 4, "email_address")


def test_a_few_mailboxes_without_a_tld_need_the_name() -> None:
    mixed = [*INTRANET[:3], "n/a", "pending", "unknown", "none", "-", "tbd", "?"]
    assert EMAIL not in categories(mixed * 4, "c07")
    assert EMAIL in categories(mixed * 4, "contact_email")


def test_package_pins_and_logins_on_hosts_are_not_mailboxes() -> None:
    pins = ["lodash@4.17.21", "react@18", "vue@3.4.0", "left-pad@1.3.0"] * 8
    assert EMAIL not in categories(pins, "c07")
    tags = ["lodash@latest", "react@next", "vue@beta", "svelte@canary"] * 8
    assert EMAIL not in categories(tags, "package")
    prose = ["ping ana@intranet later"] + ["fine"] * 40
    assert EMAIL not in categories(prose, "c07")


US_LINES = [
    "Spencer, MA 01562 USA", "Dryden, NY 13053 USA", "Devens, MA 01434 USA",
    "Boulder, CO 80302", "Springfield, IL 62701 USA", "Austin, TX 78701",
    "Tempe, AZ 85281 United States", "Salem, OR 97301",
]  # fmt: skip
EU_LINES = [
    "12 Rue de Rivoli, 75001 Paris", "3 Place Bellecour, 69002 Lyon",
    "Hauptstrasse 5, 10115 Berlin, Germany", "Calle Mayor 7, 28013 Madrid",
    "Via Roma 10, 00184 Roma", "Keizersgracht 20, 1015 Amsterdam",
]  # fmt: skip


def test_one_line_postal_addresses() -> None:
    assert ADDRESS in categories(US_LINES * 3, "delivery_address")
    assert ADDRESS in categories(US_LINES * 3, "c07")  # the gazetteer confirms, not the name
    assert ADDRESS in categories(EU_LINES * 3, "c07")


def test_number_lines_that_name_no_place_are_not_addresses() -> None:
    lines = [
        "Batch, A 1234",
        "Total, EUR 12345",
        "Order 12345 shipped",
        "Invoice, No 20931",
        "Lot, B 5512",
        "Run, QA 7781",
    ]
    assert ADDRESS not in categories(lines * 4, "c07")
    assert ADDRESS not in categories(["Widget, Blue 12345", "Gadget, Red 55012"] * 10, "item")
