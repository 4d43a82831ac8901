"""Every wrapped operation end to end through the client, on the sandbox."""

import json

import pytest
from sandbox_fixtures import require_models
from spapi_support import US, config_for, fresh_client

from amazon_connector.core.spapi import PermanentError
from tests.sandbox.fixture import running_sandbox

ADDRESS = {
    "name": "Sandbox Warehouse",
    "addressLine1": "1 Dock Street",
    "city": "Seattle",
    "stateOrRegion": "WA",
    "postalCode": "98101",
    "countryCode": "US",
}
LABEL_SPEC = {
    "format": "PDF",
    "size": {"width": 4, "length": 6, "unit": "INCH"},
    "needFileJoining": False,
    "requestedDocumentTypes": ["LABEL"],
}
RENAME = {
    "op": "replace",
    "path": "/attributes/item_name",
    "value": [{"value": "Renamed", "marketplace_id": US}],
}


@pytest.fixture(scope="module")
def sandbox():
    require_models()
    with running_sandbox(orders=30, seed=5, rate_scale=1000) as instance:
        yield instance


@pytest.fixture
def client(sandbox):
    with fresh_client(config_for(sandbox, rate_scale=1000)) as instance:
        yield instance


def merchant_order(sandbox):
    data = sandbox.dataset()
    return next(
        o
        for o in data["orders"]
        if o["fulfilledBy"] == "MERCHANT" and o["marketplaceId"] == US
    )


def test_feed_upload_process_and_report_download(sandbox, client):
    seller = sandbox.credentials["seller_id"]
    sku = sandbox.dataset()["products"][0]["sku"]
    document = client.create_feed_document("application/json; charset=UTF-8")
    message = {
        "messageId": 1,
        "sku": sku,
        "operationType": "PATCH",
        "productType": "PRODUCT",
        "patches": [RENAME],
    }
    feed = {
        "header": {"sellerId": seller, "version": "2.0", "issueLocale": "en_US"},
        "messages": [message],
    }
    client.upload_feed_document(
        document["url"], json.dumps(feed), "application/json; charset=UTF-8"
    )
    feed_id = client.create_feed("JSON_LISTINGS_FEED", document["feedDocumentId"])[
        "feedId"
    ]
    for _ in range(5):
        status = client.get_feed(feed_id)
        if status["processingStatus"] in ("DONE", "FATAL"):
            break
    assert status["processingStatus"] == "DONE"
    result = client.get_feed_document(status["resultFeedDocumentId"])
    report = json.loads(client.download_feed_document(result))
    assert report["header"]["feedId"] == feed_id
    assert report["summary"]["messagesProcessed"] == 1


def test_product_type_definition_and_schema(client):
    found = client.search_product_types(keywords=["product"])
    assert "productTypes" in found
    definition = client.get_product_type("PRODUCT", requirements="LISTING")
    schema = client.download_schema(definition["schema"])
    assert schema["properties"]


def test_listing_preview_then_read_and_search_all_pages(sandbox, client):
    products = sandbox.dataset()["products"]
    sku = products[0]["sku"]
    listing = client.get_listings_item(sku, included_data=["summaries", "attributes"])
    assert listing["sku"] == sku
    body = {
        "productType": listing["summaries"][0]["productType"],
        "patches": [RENAME],
    }
    preview = client.patch_listings_item(sku, body, mode="VALIDATION_PREVIEW")
    assert preview["sku"] == sku and preview["status"] in ("VALID", "INVALID")
    pages = client.search_listings_items_pages(page_size=3)
    skus = [item["sku"] for page in pages for item in page["items"]]
    assert sorted(skus) == sorted(p["sku"] for p in products)


def test_inventory_pages(client):
    pages = list(client.inventory_summaries_pages(details=True))
    assert pages and all("payload" in page for page in pages)


def test_competitive_summary(sandbox, client):
    asin = sandbox.dataset()["products"][0]["asin"]
    request = {
        "asin": asin,
        "marketplaceId": US,
        "includedData": ["featuredBuyingOptions", "lowestPricedOffers"],
        "lowestPricedOffersInputs": [{"itemCondition": "New", "offerType": "Consumer"}],
        "method": "GET",
        "uri": "/products/pricing/2022-05-01/items/competitiveSummary",
    }
    answer = client.get_competitive_summary([request])
    assert answer["responses"][0]["status"]["statusCode"] == 200


def test_rates_purchase_once_and_track(sandbox, client):
    order = merchant_order(sandbox)
    package = {
        "dimensions": {"length": 10, "width": 8, "height": 4, "unit": "INCH"},
        "weight": {"unit": "POUND", "value": 2},
        "insuredValue": {"value": 20, "unit": "USD"},
        "packageClientReferenceId": "pkg-1",
        "items": [{"quantity": 1}],
    }
    rates = client.get_rates(
        {
            "shipFrom": ADDRESS,
            "packages": [package],
            "channelDetails": {
                "channelType": "AMAZON",
                "amazonOrderDetails": {"orderId": order["orderId"]},
            },
        }
    )["payload"]
    rate = rates["rates"][0]
    purchase = {
        "requestToken": rates["requestToken"],
        "rateId": rate["rateId"],
        "requestedDocumentSpecification": LABEL_SPEC,
    }
    bought = client.purchase_shipment(purchase, idempotency_key="order-1-label")
    again = client.purchase_shipment(purchase, idempotency_key="order-1-label")
    assert again == bought  # same key: one label bought
    with pytest.raises(PermanentError):
        client.purchase_shipment(purchase)  # new key: the token is spent
    tracking_id = bought["payload"]["packageDocumentDetails"][0]["trackingId"]
    tracking = client.get_tracking(tracking_id, rate["carrierId"])["payload"]
    assert tracking["trackingId"] == tracking_id
