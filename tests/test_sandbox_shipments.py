"""Shipments in the sandbox: confirmShipment carrier codes, partial and split
confirmations, labels bought through Amazon for an Amazon order (Amazon
confirms those itself), label documents."""

import base64
import io
import uuid

import pypdf  # requirements-test.txt
import pytest
from sandbox_fixtures import ADDRESS, SpClient, require_models

from tests.sandbox.fixture import running_sandbox

ORDERS = "/orders/2026-01-01/orders"
RATES = "/shipping/v2/shipments/rates"
PURCHASE = "/shipping/v2/shipments"


@pytest.fixture(scope="module")
def sandbox():
    require_models()
    # Enough unshipped (and partially shipped) merchant orders for each test.
    with running_sandbox(orders=300, seed=2, rate_scale=1000) as instance:
        yield instance


@pytest.fixture(scope="module")
def sp(sandbox):
    client = SpClient(sandbox)
    yield client
    client.close()


def merchant_orders(sandbox, wanted):
    """Merchant orders whose status is ``wanted`` now, with two units or more."""
    now = sandbox.now()

    def status(order):
        seen = [e["status"] for e in order["events"] if e["time"] <= now]
        return seen[-1] if seen else None

    return [
        order
        for order in sandbox.dataset()["orders"]
        if order["fulfilledBy"] == "MERCHANT"
        and status(order) == wanted
        and sum(line["quantity"] for line in order["items"]) >= 2
    ]


@pytest.fixture(scope="module")
def unshipped(sandbox):
    """Unshipped merchant orders with two units or more, one per test."""
    found = merchant_orders(sandbox, "UNSHIPPED")
    if len(found) < 3:
        pytest.fail("the dataset should hold three unshipped merchant orders")
    return iter(found)


def units(order):
    """One orderItemId per unit of the order, in order."""
    return [
        line["orderItemId"] for line in order["items"] for _ in range(line["quantity"])
    ]


def confirm(sp, order, reference, items, carrier="UPS", **extra):
    counts = {}
    for item_id in items:
        counts[item_id] = counts.get(item_id, 0) + 1
    body = {
        "marketplaceId": order["marketplaceId"],
        "packageDetail": {
            "packageReferenceId": reference,
            "carrierCode": carrier,
            "trackingNumber": f"TRK{reference}X{len(items)}",
            "shipDate": "2026-11-01T00:00:00Z",
            "orderItems": [
                {"orderItemId": item_id, "quantity": quantity}
                for item_id, quantity in counts.items()
            ],
            **extra,
        },
    }
    path = f"/orders/v0/orders/{order['orderId']}/shipmentConfirmation"
    return sp.call("POST", path, json=body)


def view(sandbox, sp, order):
    sandbox.advance_clock(2)  # a confirmation shows at most a second later
    reply = sp.get(f"{ORDERS}/{order['orderId']}", includedData="FULFILLMENT,PACKAGES")
    assert reply.status_code == 200, reply.text
    return reply.json()["order"]


def message(reply):
    assert reply.status_code == 400, reply.text
    return reply.json()["errors"][0]["message"]


def test_carrier_codes_and_package_references(sandbox, sp, unshipped):
    order = next(unshipped)
    first = units(order)[:1]
    unknown = confirm(sp, order, "1", first, carrier="Speedy Parcels")
    assert "carrierCode" in message(unknown)
    assert "Speedy Parcels" in message(unknown)
    assert "carrierName" in message(confirm(sp, order, "1", first, carrier="Other"))
    assert "packageReferenceId" in message(confirm(sp, order, "0", first))
    assert "packageReferenceId" in message(confirm(sp, order, "A1", first))
    too_many = confirm(sp, order, "1", units(order) + first)
    assert first[0] in message(too_many)
    accepted = confirm(
        sp, order, "1", first, carrier="other", carrierName="Local Courier"
    )
    assert accepted.status_code == 204, accepted.text
    again = confirm(sp, order, "1", units(order)[1:2])
    assert "packageReferenceId" in message(again)
    shown = view(sandbox, sp, order)
    assert [p["carrier"] for p in shown["packages"]] == ["Local Courier"]
    # Case-insensitive, stored as Amazon spells the code.
    assert (
        confirm(sp, order, "2", units(order)[1:2], carrier="fedex").status_code == 204
    )
    assert view(sandbox, sp, order)["packages"][-1]["carrier"] == "FedEx"


def test_partial_then_split_confirmation(sandbox, sp, unshipped):
    order = next(unshipped)
    every = units(order)
    reply = confirm(sp, order, "1", every[:1])
    assert reply.status_code == 204, reply.text
    partial = view(sandbox, sp, order)
    assert partial["fulfillment"]["fulfillmentStatus"] == "PARTIALLY_SHIPPED"
    done = {i["orderItemId"]: i["fulfillment"] for i in partial["orderItems"]}
    assert done[every[0]]["quantityFulfilled"] == 1
    assert sum(f["quantityUnfulfilled"] for f in done.values()) == len(every) - 1
    reply = confirm(sp, order, "2", every[1:], carrier="USPS")
    assert reply.status_code == 204, reply.text
    shipped = view(sandbox, sp, order)
    assert shipped["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    for item in shipped["orderItems"]:
        assert item["fulfillment"]["quantityFulfilled"] == item["quantityOrdered"]
        assert item["fulfillment"]["quantityUnfulfilled"] == 0
    packages = shipped["packages"]
    assert [p["packageReferenceId"] for p in packages] == ["1", "2"]
    assert [p["carrier"] for p in packages] == ["UPS", "USPS"]
    assert sum(i["quantity"] for p in packages for i in p["packageItems"]) == len(every)
    assert "cannot be confirmed" in message(confirm(sp, order, "3", every[:1]))
    recorded = sandbox.confirmations(order_id=order["orderId"])
    assert [r["source"] for r in recorded] == ["confirmShipment"] * 2
    assert recorded[1]["packageDetail"]["packageReferenceId"] == "2"


def test_dataset_partial_shipment_stays_shipped(sandbox, sp):
    found = merchant_orders(sandbox, "PARTIALLY_SHIPPED")
    if not found:
        pytest.fail("the dataset should hold a partially shipped merchant order")
    order = found[0]
    first, rest = order["items"][0], order["items"][1:]
    rest_units = [line["orderItemId"] for line in rest for _ in range(line["quantity"])]
    # The dataset shipped the first line as package 1.
    assert "packageReferenceId" in message(confirm(sp, order, "1", rest_units))
    again = confirm(sp, order, "2", [first["orderItemId"]])
    assert first["orderItemId"] in message(again)
    assert confirm(sp, order, "2", rest_units, carrier="DHL").status_code == 204
    shown = view(sandbox, sp, order)
    assert shown["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert [p["packageReferenceId"] for p in shown["packages"]] == ["1", "2"]
    assert shown["packages"][1]["carrier"] == "DHL"


def rates(sp, order, items, reference="pkg-1"):
    package = {
        "dimensions": {"length": 10, "width": 8, "height": 4, "unit": "INCH"},
        "weight": {"unit": "POUND", "value": 2},
        "insuredValue": {"value": 20, "unit": "USD"},
        "packageClientReferenceId": reference,
        "items": items,
    }
    channel = {"channelType": "EXTERNAL"}
    if order is not None:
        channel = {
            "channelType": "AMAZON",
            "amazonOrderDetails": {"orderId": order["orderId"]},
        }
    body = {
        "shipFrom": ADDRESS,
        "shipTo": ADDRESS,
        "packages": [package],
        "channelDetails": channel,
    }
    return sp.call("POST", RATES, json=body)


def purchase(sp, payload, document_format="PDF"):
    body = {
        "requestToken": payload["requestToken"],
        "rateId": payload["rates"][0]["rateId"],
        "requestedDocumentSpecification": {
            "format": document_format,
            "size": {"width": 4, "length": 6, "unit": "INCH"},
            "needFileJoining": False,
            "requestedDocumentTypes": ["LABEL"],
        },
    }
    headers = {"x-amzn-IdempotencyKey": str(uuid.uuid4())}
    reply = sp.call("POST", PURCHASE, json=body, headers=headers)
    assert reply.status_code == 200, reply.text
    return reply.json()["payload"]


def test_label_for_an_amazon_order_confirms_it(sandbox, sp, unshipped):
    order = next(unshipped)
    items = [
        {"itemIdentifier": line["orderItemId"], "quantity": line["quantity"]}
        for line in order["items"]
    ]
    foreign = rates(sp, order, [{"itemIdentifier": "12345678901234", "quantity": 1}])
    assert "itemIdentifier" in message(foreign)
    offer = rates(sp, order, items)
    assert offer.status_code == 200, offer.text
    bought = purchase(sp, offer.json()["payload"])
    detail = bought["packageDocumentDetails"][0]
    shown = view(sandbox, sp, order)
    assert shown["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert [p["trackingNumber"] for p in shown["packages"]] == [detail["trackingId"]]
    recorded = sandbox.confirmations(order_id=order["orderId"])
    assert [r["source"] for r in recorded] == ["label"]
    # The seller confirming the same items again is Amazon's double confirmation.
    assert "cannot be confirmed" in message(confirm(sp, order, "9", units(order)))
    assert len(sandbox.confirmations(order_id=order["orderId"])) == 1
    assert "SHIPPED" in message(rates(sp, order, items))
    contents = base64.b64decode(detail["packageDocuments"][0]["contents"])
    pdf = pypdf.PdfReader(io.BytesIO(contents))
    assert len(pdf.pages) == 1
    assert detail["trackingId"] in pdf.pages[0].extract_text()


def test_zpl_label_and_confirmations_filters(sandbox, sp):
    offer = rates(sp, None, [{"quantity": 1}])
    assert offer.status_code == 200, offer.text
    bought = purchase(sp, offer.json()["payload"], "ZPL")
    document = bought["packageDocumentDetails"][0]["packageDocuments"][0]
    assert document["format"] == "ZPL"
    assert base64.b64decode(document["contents"]).startswith(b"^XA")
    seller = sandbox.credentials["seller_id"]
    everything = sandbox.confirmations()
    assert everything == sandbox.confirmations(seller=seller)
    assert all(r["seller"] == seller for r in everything)
    assert sandbox.confirmations(order_id="000-0000000-0000000") == []


CANCEL = "/shipping/v2/shipments/{}/cancel"


def test_void_label_unships_the_order_until_the_carrier_has_it(sandbox, sp, unshipped):
    """cancelShipment withdraws Amazon's own confirmation of the label (the
    order is unshipped again, a new label can be bought), is refused for a
    voided or unknown shipment, and once the carrier scanned the parcel."""
    order = next(unshipped)
    items = [
        {"itemIdentifier": line["orderItemId"], "quantity": line["quantity"]}
        for line in order["items"]
    ]
    bought = purchase(sp, rates(sp, order, items).json()["payload"])
    tracking = bought["packageDocumentDetails"][0]["trackingId"]
    assert view(sandbox, sp, order)["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    voided = sp.call("PUT", CANCEL.format(bought["shipmentId"]))
    assert voided.status_code == 200, voided.text
    assert voided.json() == {}
    shown = view(sandbox, sp, order)
    assert shown["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    assert tracking not in [p.get("trackingNumber") for p in shown.get("packages", [])]
    [record] = sandbox.confirmations(order_id=order["orderId"])
    assert record["source"] == "label" and record["voided"]
    again = sp.call("PUT", CANCEL.format(bought["shipmentId"]))
    assert "already cancelled" in message(again)
    unknown = sp.call("PUT", CANCEL.format(str(uuid.uuid4())))
    assert unknown.status_code == 404, unknown.text
    # A voided label's tracking number is no longer Amazon's.
    track = sp.get("/shipping/v2/tracking", trackingId=tracking, carrierId="AMZN_US")
    assert track.status_code == 404, track.text
    # Unshipped again: a second label can be bought, and the carrier's pickup
    # scan (two hours later on the sandbox's clock) makes it final.
    second = purchase(sp, rates(sp, order, items).json()["payload"])
    assert view(sandbox, sp, order)["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    sandbox.advance_clock(2 * 3600)
    late = sp.call("PUT", CANCEL.format(second["shipmentId"]))
    assert "picked up" in message(late)
    assert view(sandbox, sp, order)["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
