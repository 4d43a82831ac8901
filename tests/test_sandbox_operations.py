"""Behaviour of the non-order operations: listings, Product Type Definitions,
shipping, pricing."""

import hashlib
import uuid

import httpx
from sandbox_fixtures import (  # noqa: F401
    ADDRESS,
    US,
    require_models,
    sandbox_fixture,
    sp_fixture,
)

from tests.sandbox.documents import PTD_DIR

SELLER = "A1SANDBOXSELLER"
ITEMS = f"/listings/2021-08-01/items/{SELLER}"
PACKAGE = {
    "dimensions": {"length": 10, "width": 8, "height": 4, "unit": "INCH"},
    "weight": {"unit": "POUND", "value": 2},
    "insuredValue": {"value": 25, "unit": "USD"},
    "packageClientReferenceId": "pkg-1",
    "items": [{"quantity": 1}],
}
LABEL_SPEC = {
    "format": "PDF",
    "size": {"width": 4, "length": 6, "unit": "INCH"},
    "needFileJoining": False,
    "requestedDocumentTypes": ["LABEL"],
}


def test_product_type_schema_downloads_from_its_link(sp):
    require_models()
    body = sp.get("/definitions/2020-09-01/productTypes/PRODUCT", marketplaceIds=US)
    schema = body.json()["schema"]
    data = httpx.get(schema["link"]["resource"]).content
    assert data == (PTD_DIR / "PRODUCT.json").read_bytes()
    assert hashlib.md5(data, usedforsecurity=False).hexdigest() == schema["checksum"]
    missing = sp.get("/definitions/2020-09-01/productTypes/TOASTER", marketplaceIds=US)
    assert missing.status_code == 404


def test_listing_lifecycle(sp):
    require_models()  # issues come from Amazon's PRODUCT schema
    path = f"{ITEMS}/LIFECYCLE-1"
    incomplete = {"productType": "PRODUCT", "attributes": {}}
    reply = sp.call("PUT", path, params={"marketplaceIds": US}, json=incomplete)
    assert reply.json()["status"] == "INVALID"
    names = {n for i in reply.json()["issues"] for n in i["attributeNames"]}
    assert {"item_name", "brand"} <= names
    assert sp.get(path, marketplaceIds=US).status_code == 404
    offer_only = dict(incomplete, requirements="LISTING_OFFER_ONLY")
    reply = sp.call("PUT", path, params={"marketplaceIds": US}, json=offer_only)
    assert reply.json()["status"] == "ACCEPTED"
    price = [{"schedule": [{"value_with_tax": 19.99}]}]
    offer = [{"marketplace_id": US, "currency": "USD", "our_price": price}]
    patch = {
        "productType": "PRODUCT",
        "patches": [
            {"op": "replace", "path": "/attributes/purchasable_offer", "value": offer}
        ],
    }
    reply = sp.call("PATCH", path, params={"marketplaceIds": US}, json=patch)
    assert reply.json()["status"] == "ACCEPTED"
    item = sp.get(path, marketplaceIds=US, includedData="offers,attributes").json()
    assert item["offers"][0]["price"]["amount"] == "19.99"
    assert item["attributes"]["purchasable_offer"] == offer
    assert sp.call("DELETE", path, params={"marketplaceIds": US}).status_code == 200
    assert sp.get(path, marketplaceIds=US).status_code == 404


def test_search_listings_pages_without_repeats(sp):
    skus, token = [], None
    for _ in range(20):
        params = {"marketplaceIds": US, "pageSize": 5, "sortBy": "sku"}
        if token:
            params["pageToken"] = token
        body = sp.get(ITEMS, **params).json()
        skus += [item["sku"] for item in body["items"]]
        token = body.get("pagination", {}).get("nextToken")
        if not token:
            break
    assert len(skus) == len(set(skus)) == body["numberOfResults"]


def test_shipping_purchase_is_idempotent_and_tracking_progresses(sandbox, sp):
    rates_body = {
        "shipFrom": ADDRESS,
        "shipTo": ADDRESS,
        "packages": [PACKAGE],
        "channelDetails": {"channelType": "EXTERNAL"},
    }
    rates = sp.call("POST", "/shipping/v2/shipments/rates", json=rates_body)
    payload = rates.json()["payload"]
    rate = payload["rates"][0]
    purchase = {
        "requestToken": payload["requestToken"],
        "rateId": rate["rateId"],
        "requestedDocumentSpecification": LABEL_SPEC,
    }
    key = {"x-amzn-IdempotencyKey": str(uuid.uuid4())}
    first = sp.call("POST", "/shipping/v2/shipments", json=purchase, headers=key)
    again = sp.call("POST", "/shipping/v2/shipments", json=purchase, headers=key)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    reused = sp.call("POST", "/shipping/v2/shipments", json=purchase)
    assert reused.status_code == 400  # a request token buys one shipment
    detail = first.json()["payload"]["packageDocumentDetails"][0]
    params = {"trackingId": detail["trackingId"], "carrierId": rate["carrierId"]}
    early = sp.get("/shipping/v2/tracking", **params).json()["payload"]
    assert early["summary"]["status"] == "PreTransit"
    sandbox.advance_clock(2 * 86400)
    late = sp.get("/shipping/v2/tracking", **params).json()["payload"]
    assert late["summary"]["status"] == "Delivered"
    assert late["eventHistory"][-1]["eventCode"] == "Delivered"
    unknown = dict(params, trackingId="NOPE")
    assert sp.get("/shipping/v2/tracking", **unknown).status_code == 404


def test_rates_for_an_amazon_order_need_a_known_order(sandbox, sp):
    order_id = sandbox.dataset()["orders"][0]["orderId"]
    body = {
        "shipFrom": ADDRESS,
        "packages": [PACKAGE],
        "channelDetails": {
            "channelType": "AMAZON",
            "amazonOrderDetails": {"orderId": order_id},
        },
    }
    assert sp.call("POST", "/shipping/v2/shipments/rates", json=body).status_code == 200
    body["channelDetails"]["amazonOrderDetails"]["orderId"] = "000-0000000-0000000"
    assert sp.call("POST", "/shipping/v2/shipments/rates", json=body).status_code == 400


def test_competitive_summary_is_stable_per_asin(sp):
    request = {
        "asin": "B0STABLE01",
        "marketplaceId": "A1VC38T7YXB528",
        "includedData": ["referencePrices"],
        "method": "GET",
        "uri": "/products/pricing/2022-05-01/items/competitiveSummary",
    }
    path = "/batches/products/pricing/2022-05-01/items/competitiveSummary"
    first = sp.call("POST", path, json={"requests": [request]}).json()
    second = sp.call("POST", path, json={"requests": [request]}).json()
    assert first == second
    price = first["responses"][0]["body"]["referencePrices"][0]["price"]
    assert price["currencyCode"] == "JPY" and price["amount"] == int(price["amount"])
