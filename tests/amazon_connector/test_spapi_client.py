import base64
import gzip
import hashlib
import json
import logging
import sys
from datetime import datetime, timezone

import pytest
from conftest import ROOT
from spapi_support import (
    ACCESS,
    CLIENT_ID,
    REFRESH,
    SECRET,
    FakeAmazon,
    make_client,
    reply,
)

from amazon_connector.core.spapi import AccountConfig, PermanentError, client_for
from amazon_connector.core.spapi.client import FOEP_URI

sys.path.insert(0, str(ROOT / "setup"))
from secret_patterns import find_secrets

S3 = "https://tortuga-prod-na.s3-external-1.amazonaws.com/doc?X-Amz-Signature=sig"


def sent(request):
    return request.method, request.url.path, dict(request.url.params)


def test_search_orders_query_names_and_formats():
    fake = FakeAmazon()
    client = make_client(fake)
    client.search_orders(
        created_after=datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        fulfillment_statuses=["UNSHIPPED", "PARTIALLY_SHIPPED"],
        included_data=("BUYER", "RECIPIENT"),
        max_results_per_page=50,
    )
    assert sent(fake.calls[0]) == (
        "GET",
        "/orders/2026-01-01/orders",
        {
            "createdAfter": "2025-01-02T03:04:05Z",
            "fulfillmentStatuses": "UNSHIPPED,PARTIALLY_SHIPPED",
            "includedData": "BUYER,RECIPIENT",
            "maxResultsPerPage": "50",
            "marketplaceIds": "ATVPDKIKX0DER",
        },
    )
    assert fake.calls[0].headers["x-amz-access-token"] == ACCESS + "1"
    assert str(fake.calls[0].url).startswith("https://sellingpartnerapi-na.amazon.com/")


def test_unknown_parameter_is_a_programming_error():
    client = make_client(FakeAmazon())
    with pytest.raises(TypeError, match="createdAftr"):
        client.search_orders(created_aftr="2025-01-01")


def test_pagination_visits_every_page_once():
    pages = [
        {"orders": [{"orderId": "1"}], "pagination": {"nextToken": "t1"}},
        {"orders": [{"orderId": "2"}], "pagination": {"nextToken": "t2"}},
        {"orders": [{"orderId": "3"}]},
    ]
    fake = FakeAmazon(*[reply(200, page) for page in pages])
    client = make_client(fake)
    got = list(client.search_orders_pages(created_after="2025-01-01"))
    assert got == pages
    tokens = [call.url.params.get("paginationToken") for call in fake.calls]
    assert tokens == [None, "t1", "t2"]
    assert {c.url.params["createdAfter"] for c in fake.calls} == {"2025-01-01"}


def test_an_interrupted_walk_resumes_from_the_saved_token():
    pages = [
        {"orders": [{"orderId": "2"}], "pagination": {"nextToken": "t2"}},
        {"orders": [{"orderId": "3"}]},
    ]
    fake = FakeAmazon(*[reply(200, page) for page in pages])
    client = make_client(fake)
    got = list(
        client.search_orders_pages(created_after="2025-01-01", pagination_token="t1")
    )
    assert got == pages
    tokens = [call.url.params.get("paginationToken") for call in fake.calls]
    assert tokens == ["t1", "t2"]


def test_repeated_token_stops_instead_of_looping():
    page = {"orders": [], "pagination": {"nextToken": "same"}}
    client = make_client(FakeAmazon(*[reply(200, page)] * 5))
    with pytest.raises(PermanentError, match="repeated"):
        list(client.search_orders_pages())


def test_inventory_and_listings_page_token_names():
    fake = FakeAmazon(
        reply(200, {"payload": {}, "pagination": {"nextToken": "n1"}}),
        reply(200, {"payload": {}}),
        reply(200, {"items": [], "pagination": {"nextToken": "p1"}}),
        reply(200, {"items": []}),
    )
    client = make_client(fake)
    assert len(list(client.inventory_summaries_pages(details=True))) == 2
    assert len(list(client.search_listings_items_pages(page_size=20))) == 2
    params = [dict(call.url.params) for call in fake.calls]
    assert params[0] == {
        "details": "true",
        "granularityType": "Marketplace",
        "granularityId": "ATVPDKIKX0DER",
        "marketplaceIds": "ATVPDKIKX0DER",
    }
    assert params[1]["nextToken"] == "n1" and params[3]["pageToken"] == "p1"
    assert fake.calls[2].url.path == "/listings/2021-08-01/items/A1SELLER"


def test_listings_paths_quote_the_sku_and_send_mode():
    fake = FakeAmazon()
    client = make_client(fake)
    body = {"productType": "LUGGAGE", "patches": []}
    client.patch_listings_item("AB/12 x", body, mode="VALIDATION_PREVIEW")
    client.put_listings_item("S1", {"productType": "LUGGAGE", "attributes": {}})
    client.get_listings_item("S1", included_data=["summaries", "issues"])
    client.delete_listings_item("S1")
    methods = [call.method for call in fake.calls]
    assert methods == ["PATCH", "PUT", "GET", "DELETE"]
    assert fake.calls[0].url.raw_path.startswith(
        b"/listings/2021-08-01/items/A1SELLER/AB%2F12%20x?"
    )
    assert fake.calls[0].url.params["mode"] == "VALIDATION_PREVIEW"
    assert json.loads(fake.calls[0].content) == body
    assert fake.calls[2].url.params["includedData"] == "summaries,issues"


def test_403_is_retried_once_with_a_new_token():
    denied = {"errors": [{"code": "Unauthorized", "message": "expired"}]}
    fake = FakeAmazon(reply(403, denied), reply(200, {"orderId": "1"}))
    client = make_client(fake)
    assert client.get_order("1") == {"orderId": "1"}
    assert [c.headers["x-amz-access-token"] for c in fake.calls] == [
        ACCESS + "1",
        ACCESS + "2",
    ]
    fake = FakeAmazon(reply(403, denied), reply(403, denied))
    with pytest.raises(PermanentError, match="Unauthorized"):
        make_client(fake).get_order("1")


def test_confirm_shipment_and_feeds_flow():
    doc = {"feedDocumentId": "d1", "url": S3}
    report = gzip.compress(b"processing report")
    fake = FakeAmazon(
        reply(204),
        reply(201, doc),
        reply(200),
        reply(202, {"feedId": "f1"}),
        reply(200, {"feedId": "f1", "processingStatus": "DONE"}),
        reply(200, {**doc, "compressionAlgorithm": "GZIP"}),
        reply(200, content=report),
    )
    client = make_client(fake)
    assert client.confirm_shipment("902-1", {"marketplaceId": "ATVPDKIKX0DER"}) is None
    created = client.create_feed_document("text/xml; charset=UTF-8")
    client.upload_feed_document(created["url"], "<feed/>", "text/xml; charset=UTF-8")
    client.create_feed("JSON_LISTINGS_FEED", "d1")
    client.get_feed("f1")
    document = client.get_feed_document("d1")
    assert client.download_feed_document(document) == b"processing report"
    upload = fake.calls[2]
    assert upload.method == "PUT" and upload.content == b"<feed/>"
    assert upload.headers["content-type"] == "text/xml; charset=UTF-8"
    assert "x-amz-access-token" not in upload.headers
    assert json.loads(fake.calls[3].content) == {
        "feedType": "JSON_LISTINGS_FEED",
        "marketplaceIds": ["ATVPDKIKX0DER"],
        "inputFeedDocumentId": "d1",
    }
    assert fake.calls[0].url.path == "/orders/v0/orders/902-1/shipmentConfirmation"


def test_download_hosts_are_allow_listed():
    client = make_client(FakeAmazon())
    with pytest.raises(PermanentError, match="not allowed"):
        client.download_feed_document({"url": "https://evil.example.com/x"})
    with pytest.raises(PermanentError, match="refused"):
        client.download_feed_document({"url": "http://s3.amazonaws.com/x"})


def test_schema_download_verifies_checksum():
    schema = json.dumps({"$id": "x"}).encode()
    digest = hashlib.md5(schema).digest()
    fake = FakeAmazon(
        reply(200, content=schema),
        reply(200, content=schema),
        reply(200, content=b"{}"),
    )
    client = make_client(fake)
    for checksum in (base64.b64encode(digest).decode(), digest.hex()):
        link = {"link": {"resource": S3, "verb": "GET"}, "checksum": checksum}
        assert client.download_schema(link) == {"$id": "x"}
    with pytest.raises(PermanentError, match="checksum"):
        client.download_schema(link)


def test_featured_offer_expected_price_and_fees_requests():
    foep = {"responses": [{"status": {"statusCode": 200}, "headers": {}}]}
    fees = [{"Status": "Success"}]
    fake = FakeAmazon(reply(200, foep), reply(200, fees))
    client = make_client(fake)
    entry = {
        "uri": FOEP_URI,
        "method": "GET",
        "marketplaceId": "ATVPDKIKX0DER",
        "sku": "SKU 1",
    }
    assert client.get_featured_offer_expected_price_batch([entry] * 40) == foep
    estimate = {
        "IdType": "SellerSKU",
        "IdValue": "SKU 1",
        "FeesEstimateRequest": {
            "MarketplaceId": "ATVPDKIKX0DER",
            "IsAmazonFulfilled": True,
            "PriceToEstimateFees": {
                "ListingPrice": {"CurrencyCode": "USD", "Amount": 19.99}
            },
            "Identifier": "e-1",
        },
    }
    assert client.get_my_fees_estimates(iter([estimate] * 20)) == fees
    batch, estimates = fake.calls
    assert sent(batch)[:2] == (
        "POST",
        "/batches/products/pricing/2022-05-01/offer/featuredOfferExpectedPrice",
    )
    assert json.loads(batch.content) == {"requests": [entry] * 40}
    assert sent(estimates)[:2] == ("POST", "/products/fees/v0/feesEstimate")
    assert json.loads(estimates.content) == [estimate] * 20  # a bare array


@pytest.mark.parametrize(
    ("method", "limit"),
    [
        ("get_featured_offer_expected_price_batch", 40),
        ("get_my_fees_estimates", 20),
        ("get_competitive_summary", 20),
    ],
)
def test_batches_over_amazons_size_are_refused_before_any_call(method, limit):
    fake = FakeAmazon()
    client = make_client(fake)
    with pytest.raises(ValueError, match=f"at most {limit}"):
        getattr(client, method)([{}] * (limit + 1))
    with pytest.raises(ValueError, match="at least one"):
        getattr(client, method)([])
    assert fake.calls == []


def test_shipping_pricing_and_definitions_requests():
    fake = FakeAmazon()
    client = make_client(fake)
    client.get_rates({"shipTo": {}}, business_id="AmazonShipping_US")
    client.purchase_shipment({"requestToken": "r"}, idempotency_key="k1")
    client.purchase_shipment({"requestToken": "r"})
    client.get_tracking("T1", "AMZN_US")
    client.cancel_shipment("shp/1 2", business_id="AmazonShipping_US")
    client.get_competitive_summary([{"asin": "B0", "marketplaceId": "ATVPDKIKX0DER"}])
    client.search_product_types(keywords=["luggage"])
    client.get_product_type("LUGGAGE", requirements="LISTING")
    rates, bought, bought_again, tracking, void, pricing, search, definition = (
        fake.calls
    )
    assert rates.headers["x-amzn-shipping-business-id"] == "AmazonShipping_US"
    assert bought.headers["x-amzn-IdempotencyKey"] == "k1"
    assert bought_again.headers["x-amzn-IdempotencyKey"]  # generated
    assert sent(tracking)[2] == {"trackingId": "T1", "carrierId": "AMZN_US"}
    # The shipment id is a path segment: quoted, never a second segment.
    assert void.method == "PUT"
    assert void.url.raw_path == b"/shipping/v2/shipments/shp%2F1%202/cancel"
    assert void.headers["x-amzn-shipping-business-id"] == "AmazonShipping_US"
    assert json.loads(pricing.content)["requests"][0]["asin"] == "B0"
    assert sent(search) == (
        "GET",
        "/definitions/2020-09-01/productTypes",
        {"keywords": "luggage", "marketplaceIds": "ATVPDKIKX0DER"},
    )
    assert sent(definition)[2] == {
        "requirements": "LISTING",
        "sellerId": "A1SELLER",
        "marketplaceIds": "ATVPDKIKX0DER",
    }


def test_no_secret_or_pii_in_logs_or_config_repr(caplog):
    caplog.set_level(logging.DEBUG)
    order = {"order": {"buyer": {"buyerName": "Zoë Buyer"}}}
    fake = FakeAmazon(reply(503, {"errors": [{"code": "x", "message": "busy"}]}))
    fake.replies.append(reply(200, order))
    fake.replies.append(reply(200, content=b"doc"))
    client = make_client(fake)
    client.get_order("1", included_data=["BUYER"])
    client.download_feed_document({"url": S3})
    assert "GET" in caplog.text and "retry 1/3" in caplog.text
    for secret in (ACCESS, REFRESH, SECRET, "X-Amz-Signature=sig", "Zoë"):
        assert secret not in caplog.text
    assert find_secrets(caplog.text) == []
    assert SECRET not in repr(client.config) and REFRESH not in repr(client.config)


def test_factory_refuses_plain_http_to_remote_hosts():
    config = AccountConfig(
        seller_id="S",
        lwa_client_id=CLIENT_ID,
        lwa_client_secret=SECRET,
        refresh_token=REFRESH,
        endpoint_url="http://example.com",
    )
    with pytest.raises(PermanentError, match="refused"):
        client_for(config)
    config.endpoint_url = "http://127.0.0.1:9"
    config.lwa_url = "http://sandbox.example.com/auth/o2/token"
    with pytest.raises(PermanentError, match="LWA URL refused"):
        client_for(config)
    config.lwa_url = "http://127.0.0.1:9/auth/o2/token"
    with client_for(config) as client:
        assert client.endpoint == "http://127.0.0.1:9"
