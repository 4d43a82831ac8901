"""Fetch Product Type Definitions: the definition, its JSON Schema and
Amazon's meta-schema, downloaded again only when Amazon's version changes.

Pure Python over the SP-API client: never imports odoo.
"""

from dataclasses import dataclass, field

REQUIREMENTS = ("LISTING", "LISTING_OFFER_ONLY", "LISTING_PRODUCT_ONLY")
# Language tag Amazon expects in listing values, per marketplace country.
LANGUAGE_TAGS = {
    "AE": "en_AE",
    "AU": "en_AU",
    "BE": "fr_BE",
    "BR": "pt_BR",
    "CA": "en_CA",
    "DE": "de_DE",
    "EG": "ar_EG",
    "ES": "es_ES",
    "FR": "fr_FR",
    "GB": "en_GB",
    "IE": "en_IE",
    "IN": "en_IN",
    "IT": "it_IT",
    "JP": "ja_JP",
    "MX": "es_MX",
    "NL": "nl_NL",
    "PL": "pl_PL",
    "SA": "ar_SA",
    "SE": "sv_SE",
    "SG": "en_SG",
    "TR": "tr_TR",
    "UK": "en_GB",
    "US": "en_US",
    "ZA": "en_ZA",
}


def language_tag(country_code):
    return LANGUAGE_TAGS.get((country_code or "").upper(), "en_US")


@dataclass
class Definition:
    """A definition as Amazon described it, and its schemas when downloaded."""

    product_type: str
    display_name: str
    version: str
    locale: str
    requirements: str
    property_groups: dict = field(default_factory=dict)
    schema_checksum: str = ""
    schema: dict | None = None  # None: unchanged since ``known_version``
    meta_schema: dict | None = None


def search(client, marketplace_id, keywords=None, item_name=None):
    """``[(name, display name)]`` of the product types matching the search."""
    query = {}
    if keywords:
        query["keywords"] = [w for w in keywords.split() if w]
    if item_name:
        query["item_name"] = item_name
    body = client.search_product_types(marketplace_ids=[marketplace_id], **query)
    return [
        (found["name"], found.get("displayName") or found["name"])
        for found in body.get("productTypes") or ()
    ]


def fetch(
    client,
    product_type,
    marketplace_id,
    requirements="LISTING",
    locale="DEFAULT",
    known_version=None,
):
    """Definition of ``product_type``; schema and meta-schema are downloaded
    (checksums verified) only when the version differs from ``known_version``.
    """
    if requirements not in REQUIREMENTS:
        raise ValueError(f"Unknown requirements {requirements!r}")
    body = client.get_product_type(
        product_type,
        marketplace_ids=[marketplace_id],
        requirements=requirements,
        locale=locale,
    )
    version = (body.get("productTypeVersion") or {}).get("version") or ""
    definition = Definition(
        product_type=body.get("productType") or product_type,
        display_name=body.get("displayName") or product_type,
        version=version,
        locale=body.get("locale") or locale,
        requirements=body.get("requirements") or requirements,
        property_groups=body.get("propertyGroups") or {},
        schema_checksum=(body.get("schema") or {}).get("checksum") or "",
    )
    if not version or version != known_version:
        definition.schema = client.download_schema(body["schema"])
        if body.get("metaSchema"):
            definition.meta_schema = client.download_schema(body["metaSchema"])
    return definition
