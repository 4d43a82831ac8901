"""The MCF sandbox as Amazon after the second reading of #20: an order id is
used once (a cancelled order's id, or the id with another request, is
refused), a fulfilment centre can find units unsellable (the order ends
CompletePartialled, validated against Amazon's model by the sandbox itself),
and one input makes Amazon's error text echo the buyer's address."""

from datetime import datetime

import pytest
from sandbox_fixtures import require_models
from spapi_support import US, config_for, fresh_client

from amazon_connector.core import mcf
from amazon_connector.core.spapi import PermanentError
from tests.sandbox.fixture import running_sandbox
from tests.sandbox.handlers import fulfillment

ADDRESS = {
    "name": "Zoë Testperson",
    "street": "77 Privacy Lane",
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


def _sku_with(client, at_least):
    rows = []
    for page in client.inventory_summaries_pages(details=True, marketplace_ids=[US]):
        rows += page["payload"]["inventorySummaries"]
    stock = {r["sellerSku"]: r["inventoryDetails"]["fulfillableQuantity"] for r in rows}
    return next(sku for sku, qty in sorted(stock.items()) if qty >= at_least)


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
    sku = _sku_with(client, 1)
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
    sku = _sku_with(client, 1)
    client.create_fulfillment_order(_body("PYTEST-REUSE-2", sku))
    with pytest.raises(PermanentError):
        client.create_fulfillment_order(_body("PYTEST-REUSE-2", sku, speed="Priority"))
    order = client.get_fulfillment_order("PYTEST-REUSE-2")["payload"]
    assert order["fulfillmentOrder"]["shippingSpeedCategory"] == "Standard"


def test_damaged_units_make_the_order_complete_partialled(sandbox, client):
    sku = _sku_with(client, 3)
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
    sku = _sku_with(client, 1)
    client.create_fulfillment_order(_body("PYTEST-PARTIAL-2", sku))
    sandbox.mcf_damage("PYTEST-PARTIAL-2", sku, 5)
    sandbox.advance_clock(13 * 3600)
    status = mcf.parse_order(client.get_fulfillment_order("PYTEST-PARTIAL-2"))
    assert status.status == "Unfulfillable" and status.failed
    assert status.shipped_quantities == {} and status.packages == []


def test_an_echo_postal_code_makes_amazons_text_carry_the_address(sandbox, client):
    sku = _sku_with(client, 1)
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
