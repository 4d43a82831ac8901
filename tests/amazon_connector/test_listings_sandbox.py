"""core.ptd_definitions and a JSON_LISTINGS_FEED round trip through core.listings,
with a real SellerClient against the local SP-API sandbox (loopback only)."""

import uuid
from decimal import Decimal

import listing_support
import pytest
from listing_support import product_schema
from sandbox_fixtures import US, require_models, sandbox_fixture  # noqa: F401
from spapi_support import config_for, fresh_client

from amazon_connector.core import listings, ptd_definitions

MAX_POLLS = 10


@pytest.fixture(scope="module")
def client(sandbox):
    require_models()
    product_schema()
    with fresh_client(config_for(sandbox)) as seller_client:
        yield seller_client


@pytest.fixture(scope="module")
def schema():
    return product_schema()


def complete(schema):
    return listing_support.complete_attributes(schema, images=[], country="DE")


# --- Product Type Definitions ---------------------------------------------------


def test_search_finds_product(client):
    assert ("PRODUCT", "Product") in ptd_definitions.search(client, US)
    found = ptd_definitions.search(client, US, keywords="product")
    assert [name for name, _label in found] == ["PRODUCT"]
    assert ptd_definitions.search(client, US, keywords="zzzunknownzzz") == []


def test_fetch_downloads_again_only_for_a_new_version(client, sandbox):
    first = ptd_definitions.fetch(client, "PRODUCT", US)
    assert first.product_type == "PRODUCT"
    assert first.display_name == "Product"
    assert first.requirements == "LISTING"
    assert first.version and first.schema_checksum
    assert isinstance(first.schema, dict) and isinstance(first.meta_schema, dict)
    assert first.schema["$id"].endswith("/PRODUCT")
    assert "$id" in first.meta_schema and "meta-schema" in first.meta_schema["$id"]
    assert "item_name" in first.schema["properties"]
    assert "offer" in first.property_groups

    same = ptd_definitions.fetch(client, "PRODUCT", US, known_version=first.version)
    assert same.version == first.version
    assert same.schema is None and same.meta_schema is None

    sandbox.release_product_type()
    newer = ptd_definitions.fetch(client, "PRODUCT", US, known_version=first.version)
    assert newer.version != first.version
    assert newer.schema == first.schema
    assert isinstance(newer.meta_schema, dict)


def test_fetch_with_other_requirements(client):
    offer_only = ptd_definitions.fetch(
        client, "PRODUCT", US, requirements="LISTING_OFFER_ONLY"
    )
    assert offer_only.requirements == "LISTING_OFFER_ONLY"


def test_fetch_refuses_unknown_requirements(client):
    calls = client.counters["calls"]
    with pytest.raises(ValueError, match="BAD"):
        ptd_definitions.fetch(client, "PRODUCT", US, requirements="BAD")
    assert client.counters["calls"] == calls  # refused before any request


# --- JSON_LISTINGS_FEED round trip ----------------------------------------------


def merchant_sku(sandbox, client):
    """A seeded merchant-fulfilled SKU (SBX-...) with a DEFAULT quantity."""
    for product in sandbox.dataset()["products"]:
        if product["sku"].startswith("SBX-") and not product["afn"]:
            item = client.get_listings_item(
                product["sku"], included_data=["attributes"]
            )
            if listings.channels(item["attributes"]).get("DEFAULT") is not None:
                return product["sku"], item["attributes"]
    pytest.fail("the sandbox seeded no merchant-fulfilled SKU")


def submit(client, content):
    document = client.create_feed_document(listings.FEED_CONTENT_TYPE)
    client.upload_feed_document(document["url"], content, listings.FEED_CONTENT_TYPE)
    feed_id = client.create_feed(listings.FEED_TYPE, document["feedDocumentId"])[
        "feedId"
    ]
    statuses = []
    for _poll in range(MAX_POLLS):
        feed = client.get_feed(feed_id)
        statuses.append(feed["processingStatus"])
        if feed["processingStatus"] in ("DONE", "FATAL", "CANCELLED"):
            break
    assert statuses[-1] == "DONE", statuses
    assert len(statuses) > 1 and statuses[0] != "DONE"  # it did take polls
    result = client.get_feed_document(feed["resultFeedDocumentId"])
    return listings.read_report(client.download_feed_document(result))


def test_feed_round_trip(client, sandbox, schema):
    seller = sandbox.credentials["seller_id"]
    new_sku = f"LST-{uuid.uuid4().hex[:10]}"
    broken_sku = f"LST-{uuid.uuid4().hex[:10]}"
    seeded_sku, before = merchant_sku(sandbox, client)
    old_price = listings.listed_price(before, US)
    new_price = Decimal("123.45")
    assert old_price != float(new_price)

    attributes = complete(schema)
    incomplete = {name: attributes[name] for name in ("item_name", "brand")}
    messages = [
        listings.update_message(1, new_sku, "PRODUCT", attributes),
        listings.update_message(2, broken_sku, "PRODUCT", incomplete),
        listings.patch_message(
            3,
            seeded_sku,
            "PRODUCT",
            listings.offer_patches(US, "USD", new_price, 7),
        ),
    ]
    report = submit(client, listings.feed_document(seller, messages))

    assert report.general == []
    assert 1 not in report.by_message, report.by_message.get(1)
    errors = [i for i in report.by_message.get(2, []) if i.severity == "error"]
    missing = {i.attribute for i in errors}
    required = {name for name, _title, _depends in listings.requirements(schema)}
    assert errors and missing <= required
    assert "bullet_point" in missing and "item_name" not in missing
    assert all(i.severity != "error" for i in report.by_message.get(3, []))
    assert report.summary["messagesProcessed"] == 3
    assert report.summary["messagesAccepted"] == 2
    assert report.summary["messagesInvalid"] == 1

    included = ["attributes", "offers", "fulfillmentAvailability"]
    created = client.get_listings_item(new_sku, included_data=included)
    assert created["sku"] == new_sku
    assert created["attributes"]["item_name"] == attributes["item_name"]
    assert created["attributes"]["brand"] == attributes["brand"]
    assert created["fulfillmentAvailability"] == [
        {"fulfillmentChannelCode": "DEFAULT", "quantity": 12}
    ]
    assert Decimal(created["offers"][0]["price"]["amount"]) == Decimal("19.99")

    patched = client.get_listings_item(seeded_sku, included_data=included)
    assert listings.listed_price(patched["attributes"], US) == float(new_price)
    assert Decimal(patched["offers"][0]["price"]["amount"]) == new_price
    assert patched["fulfillmentAvailability"] == [
        {"fulfillmentChannelCode": "DEFAULT", "quantity": 7}
    ]
    # What Amazon now holds is what apply_patches predicted from the patches.
    expected = listings.apply_patches(before, messages[2]["patches"], schema)
    assert patched["attributes"] == expected


def test_find_listings_item_answers_none_for_an_unlisted_sku_quietly(
    client, sandbox, caplog
):
    """Asking whether a SKU is listed: a 404 is the answer "no", not a
    failure to log (the listing wizard asks this for every new SKU)."""
    sku = sandbox.dataset()["products"][1]["sku"]
    found = client.find_listings_item(
        sku, marketplace_ids=[US], included_data=["summaries"]
    )
    assert found["sku"] == sku
    with caplog.at_level("INFO", logger="amazon_connector.spapi"):
        missing = client.find_listings_item(
            f"NOT-LISTED-{uuid.uuid4().hex[:8]}", marketplace_ids=[US]
        )
    assert missing is None
    assert caplog.records, "the call is logged, at INFO"
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
