"""The five markets of the sample: locale, country, currency, regulation, email domains, real
cities with coordinates and postal-code shapes, and mobile number ranges."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    name: str
    lat: float
    lon: float
    postal_prefixes: tuple[str, ...]


@dataclass(frozen=True)
class Market:
    locale: str
    country: str  # ISO 3166-1 alpha-2
    currency: str
    regulation: str  # the privacy law a subject of this market is served under
    share: float  # share of the subject pool
    email_domains: tuple[str, ...]
    cities: tuple[City, ...]
    phone_country_code: int
    phone_prefixes: tuple[str, ...]  # national-number prefixes of valid mobile ranges
    phone_national_length: int


US_AREA_CODES = (  # noqa: SIM905 - a list of numbers reads best as one string
    "201 202 203 206 212 213 214 215 216 217 224 248 267 281 301 303 305 310 312 313 314 "
    "315 317 323 347 404 407 408 412 414 415 425 469 480 503 504 510 512 513 602 612 614 "
    "615 617 619 626 646 650 678 702 703 704 713 714 718 720 732 773 786 801 804 813 818 "
    "832 857 858 916 917 919 925 949 954 971 972 973"
).split()

MARKETS: tuple[Market, ...] = (
    Market(
        locale="en_US",
        country="US",
        currency="USD",
        regulation="CCPA",
        share=0.35,
        email_domains=("example.com", "example.net", "example.org", "mail.example.com"),
        cities=(
            City("New York", 40.71280, -74.00600, ("100", "101", "102", "103", "104")),
            City("Los Angeles", 34.05220, -118.24370, ("900", "902", "913")),
            City("Chicago", 41.87810, -87.62980, ("606", "607")),
            City("Houston", 29.76040, -95.36980, ("770", "772")),
            City("Phoenix", 33.44840, -112.07400, ("850",)),
            City("Seattle", 47.60620, -122.33210, ("981",)),
            City("Boston", 42.36010, -71.05890, ("021", "022")),
            City("San Francisco", 37.77490, -122.41940, ("941",)),
            City("Austin", 30.26720, -97.74310, ("787",)),
            City("Denver", 39.73920, -104.99030, ("802",)),
        ),
        phone_country_code=1,
        phone_prefixes=tuple(a + str(e) for a in US_AREA_CODES for e in range(2, 10)),
        phone_national_length=10,
    ),
    Market(
        locale="en_GB",
        country="GB",
        currency="GBP",
        regulation="GDPR",
        share=0.20,
        email_domains=("example.co.uk", "mail.example.co.uk", "example.org.uk"),
        cities=(
            City("London", 51.50740, -0.12780, ("E1", "N1", "SE1", "SW1A", "W1", "NW1", "EC1")),
            City("Manchester", 53.48080, -2.24260, ("M1", "M4", "M14", "M20")),
            City("Birmingham", 52.48620, -1.89040, ("B1", "B5", "B15")),
            City("Leeds", 53.80080, -1.54910, ("LS1", "LS6")),
            City("Glasgow", 55.86420, -4.25180, ("G1", "G12")),
            City("Bristol", 51.45450, -2.58790, ("BS1", "BS8")),
            City("Edinburgh", 55.95330, -3.18830, ("EH1", "EH3")),
        ),
        phone_country_code=44,
        phone_prefixes=("71", "72", "73", "74", "75", "78", "79"),
        phone_national_length=10,
    ),
    Market(
        locale="de_DE",
        country="DE",
        currency="EUR",
        regulation="GDPR",
        share=0.20,
        email_domains=("mail.de", "beispiel.de", "example.de", "post.example.de"),
        cities=(
            City("Berlin", 52.52000, 13.40500, ("10", "12", "13")),
            City("Hamburg", 53.55110, 9.99370, ("20", "22")),
            City("München", 48.13510, 11.58200, ("80", "81")),
            City("Köln", 50.93750, 6.96030, ("50", "51")),
            City("Frankfurt am Main", 50.11090, 8.68210, ("60",)),
            City("Stuttgart", 48.77580, 9.18290, ("70",)),
            City("Leipzig", 51.33970, 12.37310, ("04",)),
            City("Düsseldorf", 51.22770, 6.77350, ("40",)),
        ),
        phone_country_code=49,
        phone_prefixes=("151", "152", "157", "159", "160", "170", "171", "172", "175", "176"),
        phone_national_length=11,
    ),
    Market(
        locale="pt_BR",
        country="BR",
        currency="BRL",
        regulation="LGPD",
        share=0.15,
        email_domains=("exemplo.com.br", "correio.exemplo.com.br", "example.com.br"),
        cities=(
            City("São Paulo", -23.55050, -46.63330, ("01", "02", "03", "04", "05")),
            City("Rio de Janeiro", -22.90680, -43.17290, ("20", "21", "22")),
            City("Belo Horizonte", -19.91670, -43.93450, ("30", "31")),
            City("Porto Alegre", -30.03460, -51.21770, ("90", "91")),
            City("Salvador", -12.97770, -38.50160, ("40", "41")),
            City("Curitiba", -25.42840, -49.27330, ("80", "81")),
            City("Recife", -8.04760, -34.87700, ("50", "51")),
        ),
        phone_country_code=55,
        phone_prefixes=tuple(
            a + "9" + d for a in ("11", "21", "31", "41", "51", "61", "71", "81") for d in "6789"
        ),
        phone_national_length=11,
    ),
    Market(
        locale="en_IN",
        country="IN",
        currency="INR",
        regulation="DPDP",
        share=0.10,
        email_domains=("example.in", "example.co.in", "mail.example.in"),
        cities=(
            City("Mumbai", 19.07600, 72.87770, ("400",)),
            City("Delhi", 28.70410, 77.10250, ("110",)),
            City("Bengaluru", 12.97160, 77.59460, ("560",)),
            City("Chennai", 13.08270, 80.27070, ("600",)),
            City("Kolkata", 22.57260, 88.36390, ("700",)),
            City("Hyderabad", 17.38500, 78.48670, ("500",)),
            City("Pune", 18.52040, 73.85670, ("411",)),
        ),
        phone_country_code=91,
        phone_prefixes=(
            "70",
            "73",
            "77",
            "78",
            "80",
            "81",
            "85",
            "88",
            "90",
            "91",
            "93",
            "96",
            "98",
        ),
        phone_national_length=10,
    ),
)

MARKET_BY_COUNTRY = {m.country: m for m in MARKETS}
COUNTRY_REGULATION = {m.country: m.regulation for m in MARKETS}
