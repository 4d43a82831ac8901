"""Orders API 2026-01-01 in the sandbox: dataset, search, pagination,
includedData, incremental sync, confirmShipment."""

import json
from collections import Counter
from datetime import timedelta

import pytest
from sandbox_fixtures import (  # noqa: F401
    SpClient,
    require_models,
    sandbox_fixture,
    sp_fixture,
)

from tests.sandbox import dataset
from tests.sandbox.fixture import running_sandbox

ORDERS = "/orders/2026-01-01/orders"
EVERYTHING = (
    "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES"
)


def search_all(sp, **params):
    """Every page of one search: (orders, page count)."""
    found, token = [], None
    for pages in range(1, 201):  # bounded: the dataset is small
        query = dict(params, paginationToken=token) if token else params
        reply = sp.get(ORDERS, **query)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        found.extend(body["orders"])
        token = body.get("pagination", {}).get("nextToken")
        if not token:
            return found, pages
    raise AssertionError("pagination did not end")


def test_dataset_is_deterministic_per_seed():
    first = dataset.generate(seed=3, orders=120)
    assert first == dataset.generate(seed=3, orders=120)
    assert first != dataset.generate(seed=4, orders=120)
    with (
        running_sandbox(orders=20, seed=11) as one,
        running_sandbox(orders=20, seed=11) as two,
    ):
        assert one.dataset() == two.dataset()


def test_dataset_covers_the_variety_sellers_meet():
    data = dataset.generate(seed=1, orders=400)
    orders = data["orders"]
    currencies = {(o["marketplaceId"], o["currency"]) for o in orders}
    assert {c for _, c in currencies} == {"USD", "CAD", "GBP", "EUR", "JPY"}
    assert len({m for m, _ in currencies}) == 6
    assert {o["fulfilledBy"] for o in orders} == {"AMAZON", "MERCHANT"}
    assert any(o["channel"] == "NON_AMAZON" for o in orders)  # multi-channel
    assert any(len(o["items"]) > 1 for o in orders)
    assert any("PRIME" in o["programs"] for o in orders)
    assert any(o["business"] for o in orders)
    assert any(line["promotionId"] for o in orders for line in o["items"])
    assert any(line["giftMessage"] for o in orders for line in o["items"])
    finals = Counter(o["events"][-1]["status"] for o in orders)
    assert finals["CANCELLED"] and finals["PENDING"] and finals["SHIPPED"]
    later = [
        o
        for o in orders
        if dataset.parse_time(o["events"][-1]["time"]) > dataset.parse_time(data["now"])
    ]
    assert later, "some updates must happen after the start of the clock"
    names = " ".join(o["buyer"]["buyerName"] for o in orders)
    assert not names.isascii()
    labels = Counter(o["anomaly"]["label"] for o in orders if o["anomaly"])
    share = sum(labels.values()) / len(orders)
    assert 0.02 <= share <= 0.05
    assert len(labels) >= 4


def test_pagination_returns_every_order_exactly_once(sandbox, sp):
    truth = sandbox.dataset()["orders"]
    found, pages = search_all(
        sp, createdAfter="2020-01-01T00:00:00Z", maxResultsPerPage=7
    )
    ids = [o["orderId"] for o in found]
    assert len(ids) == len(set(ids))
    assert pages == -(-len(ids) // 7)
    created_now = {
        o["orderId"]
        for o in truth
        if o["createdTime"] <= sandbox.get("/_sandbox/clock")["now"]
    }
    assert set(ids) <= {o["orderId"] for o in truth}
    # Orders created within Amazon's two-minute settle window may be missing.
    assert len(created_now - set(ids)) <= 2
    times = [o["createdTime"] for o in found]
    assert times == sorted(times)


def test_filters_are_honoured(sp):
    base = {"createdAfter": "2020-01-01T00:00:00Z"}
    de, _ = search_all(sp, marketplaceIds="A1PA6795UKMFR9", **base)
    assert de and {o["salesChannel"]["marketplaceId"] for o in de} == {"A1PA6795UKMFR9"}
    afn, _ = search_all(sp, fulfilledBy="AMAZON", includedData="FULFILLMENT", **base)
    assert afn and {o["fulfillment"]["fulfilledBy"] for o in afn} == {"AMAZON"}
    shipped, _ = search_all(
        sp, fulfillmentStatuses="SHIPPED,CANCELLED", includedData="FULFILLMENT", **base
    )
    statuses = {o["fulfillment"]["fulfillmentStatus"] for o in shipped}
    assert statuses <= {"SHIPPED", "CANCELLED"} and "SHIPPED" in statuses


def test_included_data_is_honoured(sp):
    bare, _ = search_all(sp, createdAfter="2020-01-01T00:00:00Z")
    for order in bare:
        for section in ("buyer", "recipient", "proceeds", "fulfillment", "packages"):
            assert section not in order
    full, _ = search_all(
        sp, createdAfter="2020-01-01T00:00:00Z", includedData=EVERYTHING
    )
    assert all("recipient" in o and "fulfillment" in o for o in full)
    for order in full:  # buyer details arrive with payment authorization
        pending = order["fulfillment"]["fulfillmentStatus"] == "PENDING"
        assert ("buyer" in order) is not pending
    unpriced = [
        o
        for o in full
        if o["fulfillment"]["fulfillmentStatus"] in ("PENDING", "CANCELLED")
    ]
    assert unpriced
    for order in unpriced:  # no prices before payment authorization or once cancelled
        assert "proceeds" not in order
        assert all("price" not in item["product"] for item in order["orderItems"])
    priced = [o for o in full if o["fulfillment"]["fulfillmentStatus"] == "SHIPPED"]
    assert priced and all("proceeds" in o for o in priced)
    only_buyer = search_all(
        sp, createdAfter="2020-01-01T00:00:00Z", includedData="BUYER"
    )[0]
    assert all("recipient" not in o for o in only_buyer)
    with_buyer = {o["orderId"] for o in full if "buyer" in o}
    assert {o["orderId"] for o in only_buyer if "buyer" in o} == with_buyer


def test_get_order_by_id(sandbox, sp):
    truth = sandbox.dataset()["orders"][0]
    reply = sp.get(f"{ORDERS}/{truth['orderId']}", includedData="RECIPIENT")
    assert reply.status_code == 200
    order = reply.json()["order"]
    assert order["orderId"] == truth["orderId"]
    assert "buyer" not in order and "recipient" in order
    missing = sp.get(f"{ORDERS}/999-0000000-0000000")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "NotFound"


def test_anomaly_labels_never_reach_the_api(sandbox, sp):
    truth = sandbox.dataset()["orders"]
    assert any(o["anomaly"] for o in truth)
    found, _ = search_all(
        sp, createdAfter="2020-01-01T00:00:00Z", includedData=EVERYTHING
    )
    text = json.dumps(found)
    assert "anomaly" not in text
    for label in dataset.ANOMALY_KINDS:
        assert label not in text


def _minus_two_minutes(stamp):
    moment = dataset.parse_time(stamp) - timedelta(minutes=2)
    return dataset.iso(moment)


def test_incremental_sync_sees_later_updates():
    options = {"orders": 40, "seed": 5, "rate_scale": 1000, "clock_rate": 0}
    with running_sandbox(new_orders=0.1, **options) as box:
        client = SpClient(box)
        first, _ = search_all(client, createdAfter="2020-01-01T00:00:00Z")
        cursor = max(o["lastUpdatedTime"] for o in first)
        before = box.get("/_sandbox/clock")["now"]
        box.advance_clock(3 * 86400)
        since, _ = search_all(
            client, lastUpdatedAfter=cursor, includedData="FULFILLMENT"
        )
        truth = box.dataset()["orders"]
        upper = _minus_two_minutes(box.now())
        expected = set()
        for order in truth:
            seen = [e["time"] for e in order["events"] if e["time"] <= upper]
            if seen and cursor <= seen[-1]:
                expected.add(order["orderId"])
        got = {o["orderId"] for o in since}
        assert got and got == expected
        assert all(o["lastUpdatedTime"] >= cursor for o in since)
        # New orders arrived while the clock ran: created after the first pass.
        assert any(o["createdTime"] > before for o in truth if o["orderId"] in got)
        # The same order now shows a newer status than in the first pass.
        old = {o["orderId"]: o["lastUpdatedTime"] for o in first}
        assert any(o["lastUpdatedTime"] > old.get(o["orderId"], "") for o in since)
        client.close()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {
            "createdAfter": "2026-01-01T00:00:00Z",
            "lastUpdatedAfter": "2026-01-01T00:00:00Z",
        },
        {"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": 101},
        {
            "createdAfter": "2026-01-01T00:00:00Z",
            "createdBefore": "2099-01-01T00:00:00Z",
        },
        {"createdAfter": "yesterday"},
        {"createdAfter": "2026-01-01T00:00:00Z", "fulfilledBy": "NOBODY"},
        {"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": "many"},
        {"paginationToken": "bm90LWEtdG9rZW4"},
        {"paginationToken": "eyJvIjowfQ"},  # well formed, not issued by Amazon
    ],
)
def test_invalid_searches_get_amazons_400(sp, params):
    require_models()  # type and enum checks come from Amazon's model
    reply = sp.get(ORDERS, **params)
    assert reply.status_code == 400, reply.text
    errors = reply.json()["errors"]
    assert errors and set(errors[0]) == {"code", "message", "details"}
    assert errors[0]["code"] == "InvalidInput"


def test_confirm_shipment_moves_the_order_to_shipped(sandbox, sp):
    truth = sandbox.dataset()["orders"]
    now = sandbox.get("/_sandbox/clock")["now"]
    candidates = [
        o
        for o in truth
        if o["fulfilledBy"] == "MERCHANT"
        and [e for e in o["events"] if e["time"] <= now][-1]["status"] == "UNSHIPPED"
    ]
    if not candidates:
        pytest.fail("the dataset should hold an unshipped merchant order")
    order = candidates[0]
    body = {
        "marketplaceId": order["marketplaceId"],
        "packageDetail": {
            "packageReferenceId": "1",
            "carrierCode": "UPS",
            "trackingNumber": "1Z999AA10123456784",
            "shipDate": now,
            "orderItems": [
                {"orderItemId": line["orderItemId"], "quantity": line["quantity"]}
                for line in order["items"]
            ],
        },
    }
    path = f"/orders/v0/orders/{order['orderId']}/shipmentConfirmation"
    reply = sp.call("POST", path, json=body)
    assert reply.status_code == 204, reply.text
    assert reply.content == b""
    view = sp.get(f"{ORDERS}/{order['orderId']}", includedData="FULFILLMENT,PACKAGES")
    shipped = view.json()["order"]
    assert shipped["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    tracking = {p["trackingNumber"] for p in shipped["packages"]}
    assert tracking == {"1Z999AA10123456784"}
    again = sp.call("POST", path, json=body)
    assert again.status_code == 400
    wrong = dict(
        body,
        marketplaceId="A1VC38T7YXB528"
        if order["marketplaceId"] != "A1VC38T7YXB528"
        else "ATVPDKIKX0DER",
    )
    assert sp.call("POST", path, json=wrong).status_code == 400
