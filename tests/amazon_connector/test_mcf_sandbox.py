"""MCF through the client on the sandbox: preview from FBA stock, create
(idempotent), status on the simulated clock, tracking, cancel rules; as
Amazon after the second reading of #20: an order id is used once (a
cancelled order's id, or the id with another request, is refused), a
fulfilment centre can find units unsellable (the order ends
CompletePartialled), and one input makes Amazon's error text echo the
buyer's address.

Every reply is validated against Amazon's model by the sandbox itself (a
reply that breaks the model is a 500 there), so these tests also prove the
handler's shapes.
"""

from datetime import datetime

import pytest
from sandbox_fixtures import require_models
from spapi_support import US, config_for, fresh_client

from amazon_connector.core import mcf
from amazon_connector.core.spapi import PermanentError
from tests.sandbox.fixture import running_sandbox
from tests.sandbox.handlers import fulfillment

ADDRESS = {
    "name": "Test Person",
    "street": "1 Test Street",
    "city": "Seattle",
    "state": "WA",
    "zip": "98101",
    "country": "US",
}
CREATE = "/fba/outbound/2020-07-01/fulfillmentOrders"


@pytest.fixture(scope="module")
def sandbox():
    require_models()
    with running_sandbox(orders=5, seed=9, rate_scale=1000) as instance:
        yield instance


@pytest.fixture
def client(sandbox):
    with fresh_client(config_for(sandbox, rate_scale=1000)) as instance:
        yield instance


def _stock(client):
    """FBA stock as getInventorySummaries reports it (independent of MCF)."""
    rows = []
    for page in client.inventory_summaries_pages(details=True, marketplace_ids=[US]):
        rows += page["payload"]["inventorySummaries"]
    return {r["sellerSku"]: r["inventoryDetails"]["fulfillableQuantity"] for r in rows}


def _sku_with(stock, at_least):
    return next(sku for sku, qty in sorted(stock.items()) if qty >= at_least)


def test_preview_fees_and_dates_per_speed(sandbox, client):
    stock = _stock(client)
    sku = _sku_with(stock, 3)
    body = mcf.preview_request(US, ADDRESS, [(1, sku, 3)])
    rows = mcf.parse_preview(client.get_fulfillment_preview(body))
    assert [r["speed"] for r in rows] == ["Standard", "Expedited", "Priority"]
    now = datetime.fromisoformat(sandbox.now().replace("Z", ""))
    for row in rows:
        per_order, per_unit = fulfillment.FEES[row["speed"]]
        # Bug caught: fees summed wrongly or per unit ignored.
        assert row["fee"] == float(per_order + 3 * per_unit)
        assert row["currency"] == "USD" and row["fulfillable"]
        first, last = fulfillment.ARRIVAL_DAYS[row["speed"]]
        assert (row["earliest"] - now).days == first
        assert (row["latest"] - now).days == last


def test_preview_not_fulfillable_when_stock_is_short(client):
    stock = _stock(client)
    sku = _sku_with(stock, 0)
    body = mcf.preview_request(US, ADDRESS, [(1, sku, stock[sku] + 1)])
    rows = mcf.parse_preview(client.get_fulfillment_preview(body))
    assert len(rows) == 3
    assert not any(r["fulfillable"] for r in rows)
    assert f"{sku} x{stock[sku] + 1}: InventoryUnavailable" in rows[0]["reasons"]
    # With exactly the stock it is fulfillable: the limit is the stock itself.
    if stock[sku]:
        body = mcf.preview_request(US, ADDRESS, [(1, sku, stock[sku])])
        assert mcf.parse_preview(client.get_fulfillment_preview(body))[0]["fulfillable"]


def _create(client, seller_id, sku):
    body = mcf.create_request(
        US,
        seller_id,
        seller_id,
        datetime(2026, 11, 1),
        "Standard",
        ADDRESS,
        [(1, sku, 1)],
        "",
    )
    return client.create_fulfillment_order(body)


def test_status_advances_ships_and_refuses_late_cancel(sandbox, client):
    sku = _sku_with(_stock(client), 1)
    _create(client, "PYTEST-SHIP-1", sku)
    _create(client, "PYTEST-SHIP-1", sku)  # a retry: still one order
    status = mcf.parse_order(client.get_fulfillment_order("PYTEST-SHIP-1"))
    # Bug caught: an order that ships at once.
    assert status.status == "Received" and status.packages == []
    sandbox.advance_clock(5 * 3600)
    status = mcf.parse_order(client.get_fulfillment_order("PYTEST-SHIP-1"))
    assert status.status == "Processing" and not status.cancellable
    with pytest.raises(PermanentError) as refused:
        client.cancel_fulfillment_order("PYTEST-SHIP-1")
    assert "can no longer be cancelled" in str(refused.value)
    sandbox.advance_clock(8 * 3600)
    status = mcf.parse_order(client.get_fulfillment_order("PYTEST-SHIP-1"))
    assert status.shipped and len(status.packages) == 1
    package = status.packages[0]
    assert package.carrier == "UPS" and package.tracking.startswith("1ZMCF")
    details = client.get_package_tracking_details(package.number)["payload"]
    assert details["trackingNumber"] == package.tracking


def test_cancel_before_processing(client):
    sku = _sku_with(_stock(client), 1)
    _create(client, "PYTEST-CANCEL-1", sku)
    client.cancel_fulfillment_order("PYTEST-CANCEL-1")
    status = mcf.parse_order(client.get_fulfillment_order("PYTEST-CANCEL-1"))
    assert status.status == "Cancelled" and status.failed


def test_unknown_order_is_not_found(client):
    with pytest.raises(PermanentError):
        client.get_fulfillment_order("PYTEST-NOPE")


def _body(seller_id, sku, quantity=1, address=ADDRESS, speed="Standard"):
    return mcf.create_request(
        US,
        seller_id,
        seller_id,
        datetime(2026, 11, 1),
        speed,
        address,
        [(1, sku, quantity)],
        "",
    )


def test_a_cancelled_orders_id_is_refused_and_a_new_attempt_accepted(client):
    sku = _sku_with(_stock(client), 1)
    body = _body("PYTEST-REUSE-1", sku)
    client.create_fulfillment_order(body)
    client.create_fulfillment_order(body)  # a retry of the same request
    client.cancel_fulfillment_order("PYTEST-REUSE-1")
    # Bug caught: a sandbox that lets a delivery be sent again under the id
    # of its cancelled order (Amazon refuses it: ids are unique per order).
    with pytest.raises(PermanentError) as refused:
        client.create_fulfillment_order(body)
    assert refused.value.status == 400
    status = mcf.parse_order(client.get_fulfillment_order("PYTEST-REUSE-1"))
    assert status.status == "Cancelled"
    client.create_fulfillment_order(_body("PYTEST-REUSE-1-2", sku))
    status = mcf.parse_order(client.get_fulfillment_order("PYTEST-REUSE-1-2"))
    assert status.status == "Received"


def test_an_id_with_another_request_is_refused(client):
    sku = _sku_with(_stock(client), 1)
    client.create_fulfillment_order(_body("PYTEST-REUSE-2", sku))
    with pytest.raises(PermanentError):
        client.create_fulfillment_order(_body("PYTEST-REUSE-2", sku, speed="Priority"))
    order = client.get_fulfillment_order("PYTEST-REUSE-2")["payload"]
    assert order["fulfillmentOrder"]["shippingSpeedCategory"] == "Standard"


def test_damaged_units_make_the_order_complete_partialled(sandbox, client):
    sku = _sku_with(_stock(client), 3)
    client.create_fulfillment_order(_body("PYTEST-PARTIAL-1", sku, quantity=3))
    assert sandbox.mcf_damage("PYTEST-PARTIAL-1", sku, 2) == 2
    sandbox.advance_clock(13 * 3600)
    # The sandbox validated this reply against Amazon's model (a 500 if not).
    reply = client.get_fulfillment_order("PYTEST-PARTIAL-1")
    status = mcf.parse_order(reply)
    assert status.status == "CompletePartialled" and status.shipped
    (item,) = status.items
    assert (item.quantity, item.unfulfillable) == (3, 2)
    # Bug caught: the 2 unsellable units shown as shipped.
    assert status.shipped_quantities == {"1": 1}
    assert len(status.packages) == 1


def test_all_units_damaged_is_unfulfillable(sandbox, client):
    sku = _sku_with(_stock(client), 1)
    client.create_fulfillment_order(_body("PYTEST-PARTIAL-2", sku))
    sandbox.mcf_damage("PYTEST-PARTIAL-2", sku, 5)
    sandbox.advance_clock(13 * 3600)
    status = mcf.parse_order(client.get_fulfillment_order("PYTEST-PARTIAL-2"))
    assert status.status == "Unfulfillable" and status.failed
    assert status.shipped_quantities == {} and status.packages == []


def test_an_echo_postal_code_makes_amazons_text_carry_the_address(sandbox, client):
    sku = _sku_with(_stock(client), 1)
    echo = dict(ADDRESS, zip=fulfillment.ECHO_POSTAL_CODE)
    status, reply = sandbox.raw_sp_api(
        "POST", CREATE, _body("PYTEST-ECHO-1", sku, address=echo)
    )
    # The raw error carries the buyer's name and street (what the switch is for).
    assert status == 400
    text = reply["errors"][0]["message"]
    assert ADDRESS["name"] in text and ADDRESS["street"] in text
    # Through the client the text is withheld (transport.PII_OPERATIONS).
    with pytest.raises(PermanentError) as refused:
        client.create_fulfillment_order(_body("PYTEST-ECHO-2", sku, address=echo))
    assert ADDRESS["name"] not in str(refused.value)
    assert ADDRESS["street"] not in str(refused.value)
