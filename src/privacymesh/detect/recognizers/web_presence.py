"""Where a person is on the web: a personal site (`www.anasouza.example`) under a website name,
and social-network profiles (`@anasouza`, `https://twitter.com/anasouza`, several in one value)
under a social-network name, in a table of people. Often filled in a few rows only; each filled
row is still that person's."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from privacymesh.detect.recognizer import ROW, VALUE, ColumnValues, Evidence, Recognizer, words

URL = "user.contact.url"
USERNAME = "user.account.username"
USER_ID = "user.unique_id"
SHARE = 0.8  # of the filled rows shaped so
_SITE = (
    r"(?i)^(?:https?://)?(?:www\.)?[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,24}(?:[/?#]\S*)?$"
)
_SOCIAL_HOSTS = (
    r"twitter\.com|x\.com|facebook\.com|fb\.com|instagram\.com|linkedin\.com|tiktok\.com"
    r"|youtube\.com|youtu\.be|threads\.net|bsky\.app|mastodon\.\w+|flickr\.com|github\.com"
    r"|t\.me|vk\.com|weibo\.com|pinterest\.com|soundcloud\.com"
)
# one profile: a profile URL of a known network, an @handle, or a bare handle
_PROFILE = (
    rf"(?i)(?:https?://)?(?:[a-z-]+\.)?(?:{_SOCIAL_HOSTS})/\S+"
    r"|@[A-Za-z0-9_.]{2,40}|[A-Za-z0-9_.-]{2,40}"
)
_PROFILES = rf"^(?:{_PROFILE})(?:\s*[,;|]\s*(?:{_PROFILE}))*$"
# several links in one value, joined by `|` or `;` (a site beside the person's profiles)
_LINK_SEPARATOR = r"\s*[|;]\s*"
# a platform's numeric account id (Twitter, Facebook, Instagram and TikTok number accounts so)
_ACCOUNT_NUMBER = r"^\d{6,20}$"


@dataclass
class PersonalWebsiteRecognizer(Recognizer):
    name: str = "personal_website"
    strength: float = 0.3  # the name and the table of people confirm

    def __post_init__(self) -> None:
        self.categories = (URL,)
        self.context = words(
            "website", "web", "site", "homepage", "webpage", "blog", "personalwebsite",
            "personalsite", "urlwebsite", "sitio", "sitioweb", "paginaweb", "webseite",
            "siteweb", "sitoweb", "portfolio", "ホームページ",
        )  # fmt: skip
        self.negative_context = words(
            "company", "companywebsite", "corporate", "organisation", "organization",
            "employer", "vendor", "supplier", "store", "shop", "product", "documento",
            "document", "download", "image", "photo", "foto",
        )  # fmt: skip

    def applies(self, values: ColumnValues) -> bool:
        signals = values.signals
        return (
            bool(self.context & signals.name)
            and signals.about_people
            and not signals.things
            and super().applies(values)
        )

    def detect(self, values: ColumnValues) -> list[Evidence]:
        links = values.stripped().select(
            ROW, pl.col(VALUE).str.replace_all(_LINK_SEPARATOR, "\n").str.split("\n")
        )
        sites = (
            links.explode(VALUE)
            .filter(pl.col(VALUE).str.len_chars() > 0)
            .group_by(ROW, maintain_order=True)
            .agg(pl.col(VALUE).str.contains(_SITE).all().alias("ok"), pl.col(VALUE).first())
            .filter(pl.col("ok"))
        )
        if sites.height == 0 or sites.height < SHARE * values.n_rows:
            return []
        examples = sites[VALUE].unique(maintain_order=True).head(2).to_list()
        return [self.evidence(URL, sites[ROW].unique(), self.strength, {"pattern"}, examples)]


@dataclass
class SocialProfileRecognizer(Recognizer):
    name: str = "social_profile"
    strength: float = 0.35  # the name and the table of people confirm

    def __post_init__(self) -> None:
        self.categories = (USERNAME, USER_ID)
        self.context = words(
            "social", "socialmedia", "socialnetwork", "socialnetworks", "socialprofile",
            "redesocial", "redessociais", "redsocial", "redessociales", "reseausocial",
            "reseauxsociaux", "sozialemedien", "twitter", "instagram", "facebook", "linkedin",
            "tiktok", "mastodon", "sns", "handle", "handles",
        )  # fmt: skip

    def applies(self, values: ColumnValues) -> bool:
        signals = values.signals
        return (
            bool(self.context & signals.name) and signals.about_people and super().applies(values)
        )

    def detect(self, values: ColumnValues) -> list[Evidence]:
        profiles = values.stripped().filter(pl.col(VALUE).str.contains(_PROFILES))
        if profiles.height == 0 or profiles.height < SHARE * values.n_rows:
            return []
        if profiles[VALUE].n_unique() < min(3, profiles.height):
            return []  # one or two values repeated: a setting, not each person's profile
        examples = profiles[VALUE].unique(maintain_order=True).head(2).to_list()
        rows = profiles[ROW].unique()
        numbers = profiles.filter(pl.col(VALUE).str.contains(_ACCOUNT_NUMBER))
        if numbers.height >= SHARE * profiles.height:
            # all digits: the platform's number for the account, which no one types as a handle
            return [self.evidence(USER_ID, rows, self.strength, {"pattern"}, examples)]
        return [self.evidence(USERNAME, rows, self.strength, {"pattern"}, examples)]


RECOGNIZERS = (PersonalWebsiteRecognizer(), SocialProfileRecognizer())
