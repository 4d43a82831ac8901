"""Conformance with Amazon's models: static sandbox cases replayed exactly,
requests validated (Amazon's 400 shape), generated responses valid."""

import json
import uuid
from datetime import timedelta

import httpx
import pytest
from sandbox_fixtures import (  # noqa: F401
    NOTIFICATIONS_SCOPE,
    US,
    SpClient,
    require_models,
    sandbox_fixture,
    sp_fixture,
)

from tests.sandbox import fba
from tests.sandbox.dataset import MARKETPLACES, parse_time
from tests.sandbox.fixture import running_sandbox
from tests.sandbox.models import (
    DEFAULT_MODELS_DIR,
    GRANTLESS,
    Catalog,
    parse_usage_plan,
)
from tests.sandbox.validation import SchemaSet, to_json_schema

pytestmark = pytest.mark.usefixtures("models")
SELLER = "A1SANDBOXSELLER"
EVERYTHING = (
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "EXPENSE",
    "PROMOTION",
    "CANCELLATION",
    "FULFILLMENT",
    "PACKAGES",
    "TAX",
    "PAYMENT",
    "FULFILLMENT_ORDERS",
)
LISTING_DATA = (
    "summaries",
    "attributes",
    "issues",
    "offers",
    "fulfillmentAvailability",
    "procurement",
    "relationships",
    "productTypes",
)


@pytest.fixture(scope="module")
def models():
    require_models()


@pytest.fixture(scope="module")
def catalog():
    require_models()
    return Catalog(DEFAULT_MODELS_DIR)


def static_cases():
    if not (DEFAULT_MODELS_DIR / "models").is_dir():
        return []
    found = Catalog(DEFAULT_MODELS_DIR)
    return [
        pytest.param(op.op_id, index, id=f"{op.op_id}-{case.status}-{index}")
        for op in found.operations
        for index, case in enumerate(op.static_cases)
    ]


def build_request(op, case):
    """The HTTP request a client sends for a static case's parameters."""
    path = op.path
    query, headers, body = {}, {}, None
    by_name = {p["name"]: p for p in op.parameters}
    for name, value in case.parameters.items():
        param = by_name.get(name)
        where = param.get("in") if param else ("body" if name == "body" else None)
        if where == "path":
            path = path.replace("{" + name + "}", str(value))
        elif where == "query":
            query[name] = (
                ",".join(map(str, value)) if isinstance(value, list) else value
            )
        elif where == "header":
            headers[name] = value
        elif where == "body":
            body = value
    for name in list(by_name):  # placeholders for path parameters the case omits
        path = path.replace("{" + name + "}", SELLER if name == "sellerId" else "SBX-X")
    return op.method, path, query, headers, body


@pytest.fixture(scope="module")
def static_box():
    """Seller's and grantless clients of a --static-only sandbox, by whether
    an operation is grantless (Amazon's static cases need the right token
    as much as its live endpoints do)."""
    with running_sandbox(orders=5, static_only=True, rate_scale=1000) as box:
        clients = {False: SpClient(box), True: SpClient(box, scope=NOTIFICATIONS_SCOPE)}
        yield clients
        for client in clients.values():
            client.close()


def _replay(client, op, case):
    method, path, query, headers, body = build_request(op, case)
    reply = client.call(method, path, params=query, json=body, headers=headers)
    assert reply.status_code == case.status, (path, query, reply.text[:500])
    if case.status == 204:
        assert reply.content == b""
    else:
        assert reply.json() == case.response
    assert reply.headers["x-amzn-RequestId"]
    assert reply.headers["x-amzn-RateLimit-Limit"]


def test_the_wrapped_operations_carry_static_cases(catalog):
    with_cases = {op.op_id for op in catalog.operations if op.static_cases}
    assert len(with_cases) >= 14
    assert sum(len(op.static_cases) for op in catalog.operations) >= 35


@pytest.mark.parametrize(("op_id", "index"), static_cases())
def test_every_static_case_is_served_exactly(catalog, static_box, op_id, index):
    op = catalog.by_id[op_id]
    _replay(static_box[op_id in GRANTLESS], op, op.static_cases[index])


def test_exact_static_cases_are_served_next_to_generated_data(catalog, sp):
    replayed = 0
    for op in catalog.operations:
        for case in op.static_cases:
            if case.constraints:
                _replay(sp, op, case)
                replayed += 1
    assert replayed >= 25


def test_static_only_mode_rejects_unmatched_requests(static_box):
    reply = static_box[False].get(
        "/orders/2026-01-01/orders", createdAfter="2026-01-01T00:00:00Z"
    )
    assert reply.status_code == 400
    assert reply.json()["errors"][0]["message"] == "Could not match input arguments"


def test_usage_plans_come_from_the_models(catalog):
    plans = {op.op_id: op.usage_plan for op in catalog.operations}
    assert plans["searchOrders"] == (0.0056, 20)
    assert plans["getOrder"] == (0.5, 30)
    assert plans["getCompetitiveSummary"] == (0.033, 1)
    assert plans["getDefinitionsProductType"] == (5, 10)  # "Default" row layout
    assert all(op.modelled for op in catalog.operations)
    assert parse_usage_plan("no plan here") is None


@pytest.mark.parametrize(
    ("method", "path", "params", "body", "where"),
    [
        (
            "GET",
            "/orders/2026-01-01/orders",
            {"createdAfter": "x", "fulfilledBy": "NOBODY"},
            None,
            "fulfilledBy",
        ),
        (
            "GET",
            f"/listings/2021-08-01/items/{SELLER}/SBX-001",
            {},
            None,
            "marketplaceIds",
        ),
        (
            "PUT",
            f"/listings/2021-08-01/items/{SELLER}/SBX-001",
            {"marketplaceIds": US},
            None,
            "body",
        ),
        (
            "PUT",
            f"/listings/2021-08-01/items/{SELLER}/SBX-001",
            {"marketplaceIds": f"{US},A1PA6795UKMFR9"},
            {"productType": "PRODUCT", "attributes": {}},
            "marketplaceIds",
        ),
        (
            "PATCH",
            f"/listings/2021-08-01/items/{SELLER}/SBX-001",
            {"marketplaceIds": US},
            {"productType": "PRODUCT", "patches": []},
            "patches",
        ),
        (
            "GET",
            f"/listings/2021-08-01/items/{SELLER}",
            {"marketplaceIds": US, "pageSize": 21},
            None,
            "pageSize",
        ),
        (
            "POST",
            "/feeds/2021-06-30/feeds",
            None,
            {"marketplaceIds": [US], "inputFeedDocumentId": "x"},
            "feedType",
        ),
        (
            "POST",
            "/feeds/2021-06-30/documents",
            None,
            {"contentType": 5},
            "contentType",
        ),
        (
            "GET",
            "/fba/inventory/v1/summaries",
            {"granularityType": "Country", "granularityId": US, "marketplaceIds": US},
            None,
            "granularityType",
        ),
        (
            "GET",
            "/fba/inventory/v1/summaries",
            {
                "granularityType": "Marketplace",
                "granularityId": US,
                "marketplaceIds": f"{US},A1PA6795UKMFR9",
            },
            None,
            "marketplaceIds",
        ),
        ("GET", "/shipping/v2/tracking", {"trackingId": "x"}, None, "carrierId"),
        (
            "POST",
            "/batches/products/pricing/2022-05-01/items/competitiveSummary",
            None,
            {"requests": []},
            "requests",
        ),
        (
            "GET",
            "/definitions/2020-09-01/productTypes/PRODUCT",
            {"marketplaceIds": US, "locale": "xx"},
            None,
            "locale",
        ),
        (
            "POST",
            "/reports/2021-06-30/reports",
            None,
            {"marketplaceIds": [US]},
            "reportType",
        ),
        (
            "POST",
            "/reports/2021-06-30/reports",
            None,
            {
                "reportType": "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA",
                "marketplaceIds": [],
            },
            "marketplaceIds",
        ),
    ],
)
def test_invalid_requests_get_amazons_400(sp, method, path, params, body, where):
    reply = sp.call(method, path, params=params, json=body)
    assert reply.status_code == 400, reply.text
    errors = reply.json()["errors"]
    assert set(errors[0]) == {"code", "message", "details"}
    assert errors[0]["code"] == "InvalidInput"
    assert where in errors[0]["details"]


def test_strict_conversion_closes_objects_but_not_allof_parts():
    schemas = SchemaSet(
        {
            "Closed": {"type": "object", "properties": {"a": {"type": "string"}}},
            "Base": {"type": "object", "properties": {"a": {"type": "string"}}},
            "Both": {
                "allOf": [{"$ref": "#/definitions/Base"}, {"properties": {"b": {}}}]
            },
        }
    )
    closed, both = {"$ref": "#/definitions/Closed"}, {"$ref": "#/definitions/Both"}
    assert schemas.errors(closed, {"a": "x", "z": 1}, strict=True)
    assert not schemas.errors(closed, {"a": "x", "z": 1}, strict=False)
    assert not schemas.errors(both, {"a": "x", "b": 1}, strict=True)
    nullable = to_json_schema({"type": "string", "x-nullable": True})
    assert nullable["type"] == ["string", "null"]


def _exercise_every_operation(sp, sandbox):
    """One successful call of each wrapped operation; returns (operationId, reply)."""
    calls = []
    grantless = SpClient(sandbox, scope=NOTIFICATIONS_SCOPE)

    def call(op_id, method, path, **kwargs):
        client = grantless if op_id in GRANTLESS else sp
        reply = client.call(method, path, **kwargs)
        assert reply.status_code < 300, (op_id, reply.text[:400])
        calls.append((op_id, reply))
        return reply

    _exercise_notifications(call)

    orders = "/orders/2026-01-01/orders"
    everything = ",".join(EVERYTHING)
    page = call(
        "searchOrders",
        "GET",
        orders,
        params={"createdAfter": "2020-01-01T00:00:00Z", "includedData": everything},
    )
    order_id = page.json()["orders"][0]["orderId"]
    call("getOrder", "GET", f"{orders}/{order_id}", params={"includedData": everything})
    items = f"/listings/2021-08-01/items/{SELLER}"
    all_data = ",".join(LISTING_DATA)
    call(
        "getListingsItem",
        "GET",
        f"{items}/SBX-004",
        params={"marketplaceIds": US, "includedData": all_data},
    )
    put = {
        "productType": "PRODUCT",
        "attributes": {
            "item_name": [
                {"value": "Zoë's mug", "language_tag": "en_US", "marketplace_id": US}
            ]
        },
    }
    call(
        "putListingsItem",
        "PUT",
        f"{items}/NEW-SKU",
        params={
            "marketplaceIds": US,
            "mode": "VALIDATION_PREVIEW",
            "includedData": "issues,identifiers",
        },
        json=put,
    )
    patch = {
        "productType": "PRODUCT",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/item_name",
                "value": [
                    {"value": "Renamed", "language_tag": "en_US", "marketplace_id": US}
                ],
            }
        ],
    }
    call(
        "patchListingsItem",
        "PATCH",
        f"{items}/SBX-005",
        params={"marketplaceIds": US},
        json=patch,
    )
    call(
        "searchListingsItems",
        "GET",
        items,
        params={"marketplaceIds": US, "includedData": all_data, "pageSize": 3},
    )
    call(
        "deleteListingsItem",
        "DELETE",
        f"{items}/SBX-006",
        params={"marketplaceIds": US},
    )
    call(
        "searchDefinitionsProductTypes",
        "GET",
        "/definitions/2020-09-01/productTypes",
        params={"marketplaceIds": US},
    )
    call(
        "getDefinitionsProductType",
        "GET",
        "/definitions/2020-09-01/productTypes/PRODUCT",
        params={"marketplaceIds": US},
    )
    doc = call(
        "createFeedDocument",
        "POST",
        "/feeds/2021-06-30/documents",
        json={"contentType": "application/json; charset=UTF-8"},
    ).json()
    empty = b'{"header": {}, "messages": []}'
    json_type = {"content-type": "application/json; charset=UTF-8"}
    assert httpx.put(doc["url"], content=empty, headers=json_type).status_code == 200
    feed = call(
        "createFeed",
        "POST",
        "/feeds/2021-06-30/feeds",
        json={
            "feedType": "JSON_LISTINGS_FEED",
            "marketplaceIds": [US],
            "inputFeedDocumentId": doc["feedDocumentId"],
        },
    ).json()
    for _ in range(3):
        status = call(
            "getFeed", "GET", f"/feeds/2021-06-30/feeds/{feed['feedId']}"
        ).json()
    call(
        "getFeedDocument",
        "GET",
        f"/feeds/2021-06-30/documents/{status['resultFeedDocumentId']}",
    )
    _exercise_reports(call, sandbox)
    address = {
        "name": "Müller Lager",
        "addressLine1": "Königstraße 1",
        "city": "Stuttgart",
        "stateOrRegion": "BW",
        "postalCode": "70173",
        "countryCode": "DE",
    }
    rates_body = {
        "shipFrom": address,
        "shipTo": address,
        "channelDetails": {"channelType": "EXTERNAL"},
        "packages": [
            {
                "dimensions": {
                    "length": 30,
                    "width": 20,
                    "height": 10,
                    "unit": "CENTIMETER",
                },
                "weight": {"unit": "KILOGRAM", "value": 1.2},
                "insuredValue": {"value": 30, "unit": "EUR"},
                "packageClientReferenceId": "pkg-1",
                "items": [{"quantity": 1}],
            }
        ],
    }
    rates = call(
        "getRates", "POST", "/shipping/v2/shipments/rates", json=rates_body
    ).json()["payload"]
    spec = {
        "format": "PDF",
        "size": {"width": 4, "length": 6, "unit": "INCH"},
        "needFileJoining": False,
        "requestedDocumentTypes": ["LABEL"],
    }
    bought = call(
        "purchaseShipment",
        "POST",
        "/shipping/v2/shipments",
        json={
            "requestToken": rates["requestToken"],
            "rateId": rates["rates"][0]["rateId"],
            "requestedDocumentSpecification": spec,
        },
        headers={"x-amzn-IdempotencyKey": str(uuid.uuid4())},
    ).json()
    tracking = bought["payload"]["packageDocumentDetails"][0]["trackingId"]
    call(
        "getTracking",
        "GET",
        "/shipping/v2/tracking",
        params={"trackingId": tracking, "carrierId": rates["rates"][0]["carrierId"]},
    )
    call(
        "cancelShipment",
        "PUT",
        f"/shipping/v2/shipments/{bought['payload']['shipmentId']}/cancel",
    )
    pricing = {
        "requests": [
            {
                "asin": "B0SANDBOX1",
                "marketplaceId": US,
                "includedData": [
                    "featuredBuyingOptions",
                    "referencePrices",
                    "lowestPricedOffers",
                    "similarItems",
                ],
                "method": "GET",
                "uri": "/products/pricing/2022-05-01/items/competitiveSummary",
            }
        ]
    }
    call(
        "getCompetitiveSummary",
        "POST",
        "/batches/products/pricing/2022-05-01/items/competitiveSummary",
        json=pricing,
    )
    foep = {
        "requests": [
            {
                "uri": "/products/pricing/2022-05-01/offer/featuredOfferExpectedPrice",
                "method": "GET",
                "marketplaceId": marketplace,
                "sku": sku,
            }
            for sku in ("SBX-001", "SBX-002", "NO-SUCH-SKU")
            for marketplace in (US, "A1VC38T7YXB528")
        ]
    }
    call(
        "getFeaturedOfferExpectedPriceBatch",
        "POST",
        "/batches/products/pricing/2022-05-01/offer/featuredOfferExpectedPrice",
        json=foep,
    )
    estimates = [
        {
            "IdType": id_type,
            "IdValue": id_value,
            "FeesEstimateRequest": {
                "MarketplaceId": US,
                "IsAmazonFulfilled": afn,
                "PriceToEstimateFees": {
                    "ListingPrice": {"CurrencyCode": "USD", "Amount": 19.99},
                    "Shipping": {"CurrencyCode": "USD", "Amount": 0},
                },
                "Identifier": f"fees-{index}",
            },
        }
        for index, (id_type, id_value, afn) in enumerate(
            (
                ("SellerSKU", "SBX-001", True),
                ("ASIN", "B0SANDBOX1", False),
                ("ASIN", "0123456789", True),
                ("SellerSKU", "NO-SUCH-SKU", False),
            )
        )
    ]
    call("getMyFeesEstimates", "POST", "/products/fees/v0/feesEstimate", json=estimates)
    for asin in ("B0GATED001", "B0USEDG001", "B0NOTEL001", "B0NOTFOUND"):
        call(
            "getListingsRestrictions",
            "GET",
            "/listings/2021-08-01/restrictions",
            params={"asin": asin, "sellerId": SELLER, "marketplaceIds": US},
        )
    inventory = call(
        "getInventorySummaries",
        "GET",
        "/fba/inventory/v1/summaries",
        params={
            "granularityType": "Marketplace",
            "granularityId": US,
            "marketplaceIds": US,
            "details": "true",
        },
    )
    _exercise_mcf(call, sandbox, inventory.json())
    call(
        "listTransactions",
        "GET",
        "/finances/2024-06-19/transactions",
        params={"postedAfter": "2026-09-01T00:00:00Z"},
    )
    return calls


def _exercise_reports(call, sandbox):
    """createReport, getReport until DONE (the clock moved on), getReportDocument."""
    now = sandbox.now()
    start = (parse_time(now) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = call(
        "createReport",
        "POST",
        "/reports/2021-06-30/reports",
        json={
            "reportType": "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE",
            "marketplaceIds": [m[0] for m in MARKETPLACES],
            "dataStartTime": start,
            "dataEndTime": now,
        },
    ).json()
    for _ in range(20):
        status = call(
            "getReport", "GET", f"/reports/2021-06-30/reports/{report['reportId']}"
        ).json()
        if status["processingStatus"] not in ("IN_QUEUE", "IN_PROGRESS"):
            break
        sandbox.advance_clock(60)
    assert status["processingStatus"] == "DONE", status
    call(
        "getReportDocument",
        "GET",
        f"/reports/2021-06-30/documents/{status['reportDocumentId']}",
    )


def _exercise_notifications(call):
    """Notifications API: a destination (no SQS endpoint: any ARN is taken)
    and an ORDER_CHANGE subscription, read and deleted."""
    spec = {"sqs": {"arn": "arn:aws:sqs:us-east-1:123456789012:conformance"}}
    destination = call(
        "createDestination",
        "POST",
        "/notifications/v1/destinations",
        json={"name": "conformance", "resourceSpecification": spec},
    ).json()["payload"]["destinationId"]
    call("getDestinations", "GET", "/notifications/v1/destinations")
    call("getDestination", "GET", f"/notifications/v1/destinations/{destination}")
    subscriptions = "/notifications/v1/subscriptions"
    directive = {
        "eventFilter": {
            "eventFilterType": "ORDER_CHANGE",
            "marketplaceIds": [US],
            "orderChangeTypes": ["OrderStatusChange"],
        }
    }
    created = call(
        "createSubscription",
        "POST",
        f"{subscriptions}/ORDER_CHANGE",
        json={
            "payloadVersion": "1.0",
            "destinationId": destination,
            "processingDirective": directive,
        },
    ).json()["payload"]
    call("getSubscription", "GET", f"{subscriptions}/ORDER_CHANGE")
    call(
        "getSubscriptions",
        "GET",
        subscriptions,
        params={"notificationTypes": "ORDER_CHANGE"},
    )
    by_id = f"{subscriptions}/ORDER_CHANGE/{created['subscriptionId']}"
    call("getSubscriptionById", "GET", by_id)
    call("deleteSubscriptionById", "DELETE", by_id)
    call("deleteDestination", "DELETE", f"/notifications/v1/destinations/{destination}")


def _exercise_mcf(call, sandbox, inventory):
    """Fulfillment Outbound: preview, create, cancel one, ship the other."""
    mcf = "/fba/outbound/2020-07-01/fulfillmentOrders"
    # A SKU the sandbox's FBA stock can fill, as getInventorySummaries says.
    sku = next(
        row["sellerSku"]
        for row in inventory["payload"]["inventorySummaries"]
        if row["inventoryDetails"]["fulfillableQuantity"] >= 2
    )
    address = {
        "name": "Conformance Test",
        "addressLine1": "1 Test Street",
        "city": "Seattle",
        "stateOrRegion": "WA",
        "postalCode": "98101",
        "countryCode": "US",
    }
    item = {"sellerSku": sku, "sellerFulfillmentOrderItemId": "1", "quantity": 1}
    preview = {"marketplaceId": US, "address": address, "items": [item]}
    call("getFulfillmentPreview", "POST", mcf + "/preview", json=preview)
    for order_id in ("CONF-MCF-1", "CONF-MCF-2"):
        order = {
            "marketplaceId": US,
            "sellerFulfillmentOrderId": order_id,
            "displayableOrderId": order_id,
            "displayableOrderDate": "2026-11-01T00:00:00Z",
            "displayableOrderComment": "conformance",
            "shippingSpeedCategory": "Standard",
            "destinationAddress": address,
            "items": [item],
        }
        call("createFulfillmentOrder", "POST", mcf, json=order)
    call("cancelFulfillmentOrder", "PUT", mcf + "/CONF-MCF-2/cancel")
    sandbox.advance_clock(13 * 3600)  # past the sandbox's shipping time
    shipped = call("getFulfillmentOrder", "GET", mcf + "/CONF-MCF-1").json()
    package = shipped["payload"]["fulfillmentShipments"][0][
        "fulfillmentShipmentPackage"
    ][0]
    call(
        "getPackageTrackingDetails",
        "GET",
        "/fba/outbound/2020-07-01/tracking",
        params={"packageNumber": package["packageNumber"]},
    )


def test_every_generated_response_validates_against_the_model(catalog, sandbox, sp):
    calls = _exercise_every_operation(sp, sandbox)
    served = {op_id for op_id, _ in calls}
    assert served == {op.op_id for op in catalog.operations} - {"confirmShipment"}
    for op_id, reply in calls:
        op = catalog.by_id[op_id]
        schema = op.responses[reply.status_code]
        problems = SchemaSet(op.definitions).errors(schema, reply.json(), strict=True)
        assert not problems, (op_id, [p.message for p in problems[:3]])
    stats = sandbox.stats()
    assert stats["totals"]["invalid_responses"] == 0, stats["invalidResponses"]


def test_feed_processing_report_follows_amazons_schema(sandbox, sp):
    from jsonschema import Draft7Validator

    doc = sp.call(
        "POST", "/feeds/2021-06-30/documents", json={"contentType": "application/json"}
    ).json()
    messages = [
        {
            "messageId": 1,
            "sku": "SBX-007",
            "operationType": "PATCH",
            "productType": "PRODUCT",
            "patches": [
                {
                    "op": "replace",
                    "path": "/attributes/item_name",
                    "value": [
                        {
                            "value": "Ångström kettle",
                            "language_tag": "en_US",
                            "marketplace_id": US,
                        }
                    ],
                }
            ],
        },
        {
            "messageId": 2,
            "sku": "BRAND-NEW",
            "operationType": "UPDATE",
            "productType": "PRODUCT",
            "attributes": {},
        },
        {"messageId": 3, "sku": "SBX-008", "operationType": "DELETE"},
    ]
    document = {"header": {"sellerId": SELLER, "version": "2.0"}, "messages": messages}
    upload = httpx.put(
        doc["url"],
        content=json.dumps(document).encode(),
        headers={"content-type": "application/json"},
    )
    assert upload.status_code == 200
    spec = {
        "feedType": "JSON_LISTINGS_FEED",
        "marketplaceIds": [US],
        "inputFeedDocumentId": doc["feedDocumentId"],
    }
    feed_id = sp.call("POST", "/feeds/2021-06-30/feeds", json=spec).json()["feedId"]
    statuses = [sp.get(f"/feeds/2021-06-30/feeds/{feed_id}").json() for _ in range(3)]
    assert [s["processingStatus"] for s in statuses] == [
        "IN_QUEUE",
        "IN_PROGRESS",
        "DONE",
    ]
    result = sp.get(
        f"/feeds/2021-06-30/documents/{statuses[-1]['resultFeedDocumentId']}"
    ).json()
    report = httpx.get(result["url"]).json()
    schema_path = (
        DEFAULT_MODELS_DIR
        / "schemas/feeds/listings-feed-processing-report-schema-v2.json"
    )
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    assert not list(Draft7Validator(schema).iter_errors(report))
    summary = report["summary"]
    assert summary["messagesProcessed"] == 3
    assert summary["messagesAccepted"] == 2 and summary["messagesInvalid"] == 1
    assert {i["messageId"] for i in report["issues"]} == {2}
    assert all(i["severity"] == "ERROR" for i in report["issues"])
    renamed = sp.get(
        f"/listings/2021-08-01/items/{SELLER}/SBX-007", marketplaceIds=US
    ).json()
    assert renamed["summaries"][0]["itemName"] == "Ångström kettle"
    assert (
        sp.get(
            f"/listings/2021-08-01/items/{SELLER}/SBX-008", marketplaceIds=US
        ).status_code
        == 404
    )


def test_feeds_for_another_seller_or_malformed_are_fatal(sp):
    other = {
        "header": {"sellerId": "OTHER", "version": "2.0"},
        "messages": [{"messageId": 1, "sku": "X", "operationType": "DELETE"}],
    }
    for content in (b"not json", json.dumps(other).encode()):
        doc = sp.call(
            "POST",
            "/feeds/2021-06-30/documents",
            json={"contentType": "application/json"},
        ).json()
        put = httpx.put(
            doc["url"], content=content, headers={"content-type": "application/json"}
        )
        assert put.status_code == 200
        spec = {
            "feedType": "JSON_LISTINGS_FEED",
            "marketplaceIds": [US],
            "inputFeedDocumentId": doc["feedDocumentId"],
        }
        feed_id = sp.call("POST", "/feeds/2021-06-30/feeds", json=spec).json()["feedId"]
        for _ in range(3):
            feed = sp.get(f"/feeds/2021-06-30/feeds/{feed_id}").json()
        assert feed["processingStatus"] == "FATAL"
        result = sp.get(f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}")
        report = httpx.get(result.json()["url"]).json()
        assert report["summary"]["errors"] == 1 and report["issues"]


def test_validation_preview_does_not_store(sp):
    path = f"/listings/2021-08-01/items/{SELLER}/PREVIEW-ONLY"
    body = {
        "productType": "PRODUCT",
        "requirements": "LISTING_OFFER_ONLY",
        "attributes": {},
    }
    reply = sp.call(
        "PUT",
        path,
        params={"marketplaceIds": US, "mode": "VALIDATION_PREVIEW"},
        json=body,
    )
    assert reply.json()["status"] == "VALID"
    assert sp.get(path, marketplaceIds=US).status_code == 404
    stored = sp.call("PUT", path, params={"marketplaceIds": US}, json=body)
    assert stored.json()["status"] == "ACCEPTED"
    assert sp.get(path, marketplaceIds=US).status_code == 200


def test_document_urls_are_signed(sp):
    doc = sp.call(
        "POST", "/feeds/2021-06-30/documents", json={"contentType": "text/plain"}
    ).json()
    assert "X-Amz-Signature=" in doc["url"]
    plain = {"content-type": "text/plain"}
    assert (
        httpx.put(doc["url"].split("?")[0], content=b"x", headers=plain).status_code
        == 403
    )
    wrong = {"content-type": "text/csv"}
    assert httpx.put(doc["url"], content=b"x", headers=wrong).status_code == 403
    assert httpx.put(doc["url"], content=b"x", headers=plain).status_code == 200


def test_inventory_pages_with_next_token(sandbox, sp):
    params = {
        "granularityType": "Marketplace",
        "granularityId": US,
        "marketplaceIds": US,
        "details": "true",
    }
    skus, token, pages, fulfillable = [], None, 0, {}
    for _ in range(10):
        pages += 1
        query = dict(params, nextToken=token) if token else params
        body = sp.get("/fba/inventory/v1/summaries", **query).json()
        for summary in body["payload"]["inventorySummaries"]:
            skus.append(summary["sellerSku"])
            details = summary["inventoryDetails"]
            fulfillable[summary["sellerSku"]] = details["fulfillableQuantity"]
        token = body.get("pagination", {}).get("nextToken")
        if not token:
            break
    truth = sandbox.fba_inventory(US)
    assert pages > 1  # the pool spans pages: clients must follow nextToken
    assert len(skus) == len(set(skus)) == len(truth)
    assert fulfillable == {row["sellerSku"]: row["fulfillable"] for row in truth}
    # Most of the pool is the catalogue's (listed) SKUs, a few are not.
    catalogue = {p["sku"] for p in sandbox.dataset()["products"]}
    known = [row for row in truth if row["sellerSku"] in catalogue]
    assert 0 < len(truth) - len(known) < len(known)
    assert all(row["known"] == (row["sellerSku"] in catalogue) for row in truth)


def test_fba_pool_is_regional_and_falls_as_fba_orders_ship(sandbox):
    data = sandbox.dataset()
    uk, de = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"
    assert fba.pool(data, uk, data["now"]) == fba.pool(data, de, data["now"])
    earlier = "2026-10-15T00:00:00Z"  # mid-history: FBA orders ship after it
    before = {r["sellerSku"]: r["fulfillable"] for r in fba.pool(data, US, earlier)}
    after = {r["sellerSku"]: r["fulfillable"] for r in fba.pool(data, US, data["now"])}
    shipped = {}
    for order in data["orders"]:
        events = [e for e in order["events"] if e["status"] == "SHIPPED"]
        if (
            order["fulfilledBy"] == "AMAZON"
            and order["marketplaceId"] in (US, "A2EUQ1WTGCTBG2")
            and events
            and earlier < events[0]["time"] <= data["now"]
        ):
            for item in order["items"]:
                shipped[item["sku"]] = shipped.get(item["sku"], 0) + item["quantity"]
    assert shipped, "the dataset ships FBA orders in between"
    assert {s: before[s] - after[s] for s in before if before[s] != after[s]} == shipped
    assert min(after.values()) >= 0


def test_fba_pool_reserves_the_units_of_open_orders(sandbox):
    """As at Amazon, an FBA order placed and not yet shipped holds its units as
    reserved (pendingCustomerOrderQuantity), out of fulfillable: a client that
    takes fulfillable for the shelf would count it twice once it reserves the
    order's delivery itself. Fulfillable + pending + shipped stays constant
    per SKU whatever the time (a cancelled order's units come back)."""
    data = sandbox.dataset()
    na = (US, "A2EUQ1WTGCTBG2")
    fba_orders = [
        o
        for o in data["orders"]
        if o["fulfilledBy"] == "AMAZON" and o["marketplaceId"] in na and o["events"]
    ]
    moments = sorted({o["events"][0]["time"] for o in fba_orders})
    assert len(moments) > 3, "the dataset places FBA orders over time"

    def shipped_by(stamp):
        units = {}
        for order in fba_orders:
            times = [e["time"] for e in order["events"] if e["status"] == "SHIPPED"]
            if times and times[0] <= stamp:
                for item in order["items"]:
                    sku = item["sku"]
                    units[sku] = units.get(sku, 0) + item["quantity"]
        return units

    totals, pending_seen = set(), 0
    for stamp in moments + [data["now"]]:
        shipped = shipped_by(stamp)
        rows = [r for r in fba.pool(data, US, stamp) if r["known"]]
        pending_seen += sum(r["pending"] for r in rows)
        assert all(r["reserved"] >= r["pending"] >= 0 for r in rows)
        assert all(r["fulfillable"] >= 0 for r in rows)
        totals.add(
            tuple(
                (
                    r["sellerSku"],
                    r["fulfillable"] + r["pending"] + shipped.get(r["sellerSku"], 0),
                )
                for r in rows
            )
        )
    # Catches units of open orders left in fulfillable (pending never seen)
    # and units lost or counted twice between placement and shipment.
    assert pending_seen > 0, "some order is open at the moment it is placed"
    assert len(totals) == 1, "fulfillable + reserved for orders + shipped varies"


def test_competitive_summary_rejects_malformed_asins_per_item(sp):
    request = {
        "marketplaceId": US,
        "includedData": ["referencePrices"],
        "method": "GET",
        "uri": "/products/pricing/2022-05-01/items/competitiveSummary",
    }
    body = {
        "requests": [
            dict(request, asin="B0SANDBOX1"),
            dict(request, asin="not-an-asin"),
        ]
    }
    reply = sp.call(
        "POST",
        "/batches/products/pricing/2022-05-01/items/competitiveSummary",
        json=body,
    )
    statuses = [r["status"]["statusCode"] for r in reply.json()["responses"]]
    assert statuses == [200, 400]


def test_no_reply_of_this_module_broke_the_model(sandbox):
    # Runs last in this module: every success and error reply served so far,
    # static cases aside, matched Amazon's model.
    stats = sandbox.stats()
    assert stats["totals"]["calls"] > 50
    assert stats["totals"]["invalid_responses"] == 0, stats["invalidResponses"]


def test_mcf_orders_draw_on_the_fba_pool(sandbox, sp):
    """An MCF order holds its units reserved while Amazon processes it and
    has taken them once shipped, as an Amazon order does; a cancelled one
    gives them back. Compared with the pool of the dataset's own orders at
    the same moment (MCF aside), so the clock's FBA orders do not count."""
    mcf = "/fba/outbound/2020-07-01/fulfillmentOrders"
    data = sandbox.dataset()

    def difference():
        now = sandbox.now()
        plain = {r["sellerSku"]: r for r in fba.pool(data, US, now)}
        served = {r["sellerSku"]: r for r in sandbox.fba_inventory(US)}
        return {
            sku: (
                served[sku]["fulfillable"] - plain[sku]["fulfillable"],
                served[sku]["pending"] - plain[sku]["pending"],
            )
            for sku in served
            if served[sku] != plain[sku]
        }

    before = difference()  # other tests' MCF orders, if any
    sku = next(
        r["sellerSku"]
        for r in sandbox.fba_inventory(US)
        if r["known"] and r["fulfillable"] >= 5 and r["sellerSku"] not in before
    )
    address = {
        "name": "Pool Test",
        "addressLine1": "1 Test Street",
        "city": "Seattle",
        "stateOrRegion": "WA",
        "postalCode": "98101",
        "countryCode": "US",
    }
    for order_id in ("POOL-MCF-1", "POOL-MCF-2"):
        item = {"sellerSku": sku, "sellerFulfillmentOrderItemId": "1", "quantity": 2}
        order = {
            "marketplaceId": US,
            "sellerFulfillmentOrderId": order_id,
            "displayableOrderId": order_id,
            "displayableOrderDate": "2026-11-01T00:00:00Z",
            "displayableOrderComment": "pool",
            "shippingSpeedCategory": "Standard",
            "destinationAddress": address,
            "items": [item],
        }
        assert sp.call("POST", mcf, json=order).status_code == 200
    # Both open: 4 units out of fulfillable, reserved for the orders.
    assert difference()[sku] == (-4, 4)
    assert sp.call("PUT", mcf + "/POOL-MCF-2/cancel").status_code == 200
    assert difference()[sku] == (-2, 2)
    sandbox.advance_clock(13 * 3600)  # past the sandbox's shipping time
    # Shipped: gone from the pool, no longer reserved.
    assert difference()[sku] == (-2, 0)
    # getInventorySummaries serves the same numbers as the test endpoint.
    body = sp.get(
        "/fba/inventory/v1/summaries",
        granularityType="Marketplace",
        granularityId=US,
        marketplaceIds=US,
        details="true",
        sellerSku=sku,
    ).json()
    [summary] = body["payload"]["inventorySummaries"]
    [row] = [r for r in sandbox.fba_inventory(US) if r["sellerSku"] == sku]
    assert summary["inventoryDetails"]["fulfillableQuantity"] == row["fulfillable"]
