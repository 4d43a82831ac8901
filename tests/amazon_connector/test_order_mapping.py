"""order_mapping: sandbox orders against the dataset truth, hand-written edge
cases, and Amazon's own static sandbox examples."""

import copy
import dataclasses
import json
from datetime import datetime
from decimal import Decimal

import pytest
from sandbox_fixtures import (  # noqa: F401
    SpClient,
    require_models,
    sandbox_fixture,
    sp_fixture,
)

from amazon_connector.core.order_mapping import (
    INCLUDED_AMAZON,
    INCLUDED_MERCHANT,
    SOURCE_PATHS,
    OrderDataError,
    cents_mismatch,
    pii_values,
    plan_order,
)
from amazon_pii.core import registry
from tests.sandbox import dataset
from tests.sandbox.fixture import running_sandbox
from tests.sandbox.reference import base_dir

ORDERS = "/orders/2026-01-01/orders"
MODEL = base_dir() / "sp-api-models/models/orders-api-model/orders_2026-01-01.json"
PRICED = ("UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED")
BUYER = "Jane Q. Buyer"
BUYER_KEYS = {
    f.key for f in registry.FIELDS if f.source_path.startswith(("buyer.", "recipient."))
}


# --- sandbox orders -------------------------------------------------------


def fetch(sp, included, **filters):
    found, token = [], None
    for _ in range(50):
        params = (
            {"paginationToken": token}
            if token
            else {
                "createdAfter": "2020-01-01T00:00:00Z",
                "includedData": ",".join(included),
                **filters,
            }
        )
        reply = sp.get(ORDERS, **params)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        found.extend(body["orders"])
        token = body.get("pagination", {}).get("nextToken")
        if not token:
            return found
    raise AssertionError("pagination did not end")


@pytest.fixture(scope="module")
def truth(sandbox):
    require_models()
    return {o["orderId"]: o for o in sandbox.dataset()["orders"]}


@pytest.fixture(scope="module")
def merchant(sp, truth):
    return fetch(sp, INCLUDED_MERCHANT, fulfilledBy="MERCHANT")


@pytest.fixture(scope="module")
def amazon(sp, truth):
    return fetch(sp, INCLUDED_AMAZON, fulfilledBy="AMAZON")


def status_of(order):
    return order["fulfillment"]["fulfillmentStatus"]


def leaves(value):
    """Every scalar inside a plan, as text (dict keys included)."""
    if dataclasses.is_dataclass(value):
        value = [getattr(value, f.name) for f in dataclasses.fields(value)]
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple):
        for entry in value:
            yield from leaves(entry)
    elif value is not None:
        yield str(value)


def dataset_pii(order):
    buyer, address = order["buyer"], order["recipient"]
    values = [buyer["buyerName"], buyer["buyerEmail"], address["name"]]
    values += [address.get(k) for k in ("addressLine1", "addressLine2", "addressLine3")]
    values += [address.get("postalCode"), address.get("phone")]
    values += [line["giftMessage"] for line in order["items"]]
    return {v for v in values if v}


def test_sandbox_has_the_variety_the_checks_need(merchant, amazon, truth):
    assert len(merchant) + len(amazon) == len(truth)
    statuses = {status_of(o) for o in merchant + amazon}
    assert {"PENDING", "SHIPPED", "CANCELLED"} <= statuses
    assert {"afn", "mcf"} <= {plan_order(o).channel for o in amazon}


def test_sandbox_lines_add_up_to_the_grand_total(merchant, amazon):
    for order in merchant + amazon:
        plan = plan_order(order)
        if status_of(order) in PRICED:
            assert plan.priced and cents_mismatch(plan) == 0, order["orderId"]
            assert plan.grand_total == Decimal(
                order["proceeds"]["grandTotal"]["amount"]
            )
            assert plan.currency == order["proceeds"]["grandTotal"]["currencyCode"]
        else:
            assert not plan.priced and plan.grand_total is None
            assert all(line.price_unit == 0 for line in plan.lines)
            assert cents_mismatch(plan) is None


def test_sandbox_lines_match_items_and_shipments(merchant):
    for order in merchant:
        plan = plan_order(order)
        items = [line for line in plan.lines if line.kind == "item"]
        assert [line.amazon_item_id for line in items] == [
            i["orderItemId"] for i in order["orderItems"]
        ]
        assert len({line.key for line in plan.lines}) == len(plan.lines)
        shipped = {
            item_id: qty
            for package in plan.packages
            for item_id, qty in package["items"].items()
        }
        assert shipped == {k: v for k, v in plan.shipped.items() if v}


def test_sandbox_channel_prime_business_match_the_truth(merchant, amazon, truth):
    for order in merchant + amazon:
        plan, real = plan_order(order), truth[order["orderId"]]
        if real["channel"] == "NON_AMAZON":
            expected = "mcf"
            assert plan.seller_order_id == real["fulfillmentOrderId"]
        else:
            expected = "afn" if real["fulfilledBy"] == "AMAZON" else "mfn"
        assert plan.channel == expected, order["orderId"]
        assert plan.is_prime == ("PRIME" in real["programs"])
        assert plan.is_business == real["business"]
        assert plan.marketplace_id == real["marketplaceId"]


def test_sandbox_pii_goes_to_the_vault_and_never_into_the_plan(merchant, truth):
    checked = 0
    for order in merchant:
        visible = json.dumps(order, ensure_ascii=False)
        expected = {v for v in dataset_pii(truth[order["orderId"]]) if v in visible}
        if status_of(order) != "PENDING":
            buyer = truth[order["orderId"]]["buyer"]
            assert {buyer["buyerName"], buyer["buyerEmail"]} <= expected
        values = pii_values(order, registry.FIELDS)
        assert {k.partition("#")[0] for k in values} <= {f.key for f in registry.FIELDS}
        assert expected <= set(values.values()), order["orderId"]
        text = list(leaves(plan_order(order)))
        for value in expected:
            assert not any(value in leaf for leaf in text), order["orderId"]
        checked += len(expected)
    assert checked > 100


def test_sandbox_afn_orders_bring_no_buyer_or_recipient_pii(amazon, truth):
    for order in amazon:
        assert "buyer" not in order and "recipient" not in order
        values = pii_values(order, registry.FIELDS)
        assert not {k.partition("#")[0] for k in values} & BUYER_KEYS
        real = truth[order["orderId"]]
        buyer = {real["buyer"]["buyerName"], real["recipient"]["addressLine1"]}
        assert not buyer & set(values.values())


def test_plans_read_only_their_registered_non_pii_paths(merchant, amazon):
    for path in SOURCE_PATHS:
        assert path in registry.NON_PII_PATHS, path
    for order in merchant + amazon:
        assert plan_order(prune(order, SOURCE_PATHS)) == plan_order(order)


def prune(order, paths):
    """``order`` with only ``paths`` (and what lies below them)."""
    kept = {}
    for path in paths:
        _copy_path(order, kept, path.split("."))
    return kept


def _copy_path(source, target, parts):
    head, rest = parts[0], parts[1:]
    name = head.removesuffix("[]")
    if name not in source:
        return
    if not rest:
        target[name] = copy.deepcopy(source[name])
    elif head.endswith("[]"):
        entries = target.setdefault(name, [{} for _ in source[name]])
        for entry, into in zip(source[name], entries, strict=True):
            _copy_path(entry, into, rest)
    else:
        _copy_path(source[name], target.setdefault(name, {}), rest)


# --- the --malformed sandbox option ----------------------------------------


def test_malformed_option_leaves_everything_else_unchanged():
    plain = dataset.generate(seed=3, orders=80)
    marked = dataset.generate(seed=3, orders=80, malformed=4)
    labelled = [o for o in marked["orders"] if o.get("malformed")]
    assert len(labelled) == 4
    assert not any("malformed" in o for o in plain["orders"])
    for order in labelled:
        del order["malformed"]
    assert marked == plain
    assert dataset.generate(seed=3, orders=80, malformed=0) == plain


def test_malformed_sandbox_orders_raise_and_the_others_plan():
    require_models()
    with running_sandbox(orders=40, seed=9, rate_scale=1000, malformed=3) as box:
        truth = box.dataset()["orders"]
        bad = {o["orderId"] for o in truth if o.get("malformed")}
        assert len(bad) == 3
        assert not bad & {o["orderId"] for o in truth[:5]}
        assert all(
            e["status"] != "CANCELLED"
            for o in truth
            if o["orderId"] in bad
            for e in o["events"]
        )
        client = SpClient(box)
        try:
            orders = fetch(client, INCLUDED_MERCHANT)
        finally:
            client.close()
    assert len(orders) == len(truth)
    for order in orders:
        if order["orderId"] in bad:
            with pytest.raises(OrderDataError, match="quantityOrdered") as caught:
                plan_order(order)
            assert order["orderId"] in str(caught.value)
            if "proceeds" in order:
                assert Decimal(order["proceeds"]["grandTotal"]["amount"]) > 0
        else:
            plan_order(order)


# --- hand-written orders ----------------------------------------------------


def usd(amount, currency="USD"):
    return {"amount": amount, "currencyCode": currency}


def item(item_id="I1", qty=2, unit="10.00", breakdowns=None, **extra):
    breakdowns = breakdowns or [("ITEM", "20.00")]
    return {
        "orderItemId": item_id,
        "quantityOrdered": qty,
        "product": {
            "asin": "B000000001",
            "title": "Pour-Over Dripper",
            "sellerSku": "SKU-" + item_id,
            "price": {"unitPrice": usd(unit)},
        },
        "proceeds": {
            "proceedsTotal": usd(str(sum(Decimal(a) for _, a in breakdowns))),
            "breakdowns": [{"type": t, "subtotal": usd(a)} for t, a in breakdowns],
        },
        **extra,
    }


def order(items=None, grand=None, breakdowns=None, **extra):
    items = items if items is not None else [item()]
    base = {
        "orderId": "111-0000000-0000001",
        "createdTime": "2026-10-01T10:00:00Z",
        "lastUpdatedTime": "2026-10-01T12:30:00+02:00",
        "programs": [],
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": "ATVPDKIKX0DER"},
        "buyer": {"buyerName": BUYER, "buyerEmail": "jq@marketplace.amazon.com"},
        "recipient": {
            "deliveryAddress": {
                "name": BUYER,
                "addressLine1": "1 Secret Lane",
                "city": "Seattle",
                "stateOrRegion": "WA",
                "postalCode": "98101",
                "countryCode": "US",
            }
        },
        "fulfillment": {"fulfillmentStatus": "UNSHIPPED", "fulfilledBy": "MERCHANT"},
        "orderItems": items,
        "proceeds": {"grandTotal": usd(grand or "20.00")},
    }
    if breakdowns:
        base["proceeds"]["breakdowns"] = [
            {"type": t, "subtotal": usd(a)} for t, a in breakdowns
        ]
    return {**base, **extra}


def amounts(plan):
    return {line.key: line.quantity * line.price_unit for line in plan.lines}


def test_simple_order():
    plan = plan_order(order())
    (line,) = plan.lines
    assert (line.kind, line.sku, line.quantity, line.price_unit) == (
        "item",
        "SKU-I1",
        2,
        Decimal("10.00"),
    )
    assert line.key == "item:I1" and line.amazon_item_id == "I1"
    assert plan.channel == "mfn" and plan.currency == "USD" and plan.priced
    assert plan.created == datetime(2026, 10, 1, 10, 0)
    assert plan.last_updated == datetime(2026, 10, 1, 10, 30)  # naive UTC
    assert (plan.tax_country, plan.tax_state, plan.tax_city) == ("US", "WA", "Seattle")


def test_per_item_shipping_is_counted_once():
    items = [
        item("I1", breakdowns=[("ITEM", "20.00"), ("SHIPPING", "4.99")]),
        item("I2", breakdowns=[("ITEM", "20.00"), ("SHIPPING", "4.99")]),
    ]
    with_totals = order(
        items, "49.98", breakdowns=[("ITEM", "40.00"), ("SHIPPING", "9.98")]
    )
    for source in (with_totals, order(items, "49.98")):
        plan = plan_order(source)
        assert amounts(plan)["shipping"] == Decimal("9.98")
        assert cents_mismatch(plan) == 0


def test_order_level_shipping_and_tip():
    source = order(
        grand="27.99",
        breakdowns=[("ITEM", "20.00"), ("SHIPPING", "4.99"), ("DELIVERY_TIP", "3")],
    )
    assert amounts(plan_order(source)) == {
        "item:I1": Decimal("20.00"),
        "shipping": Decimal("4.99"),
        "other": Decimal(3),
    }


def test_marketplace_facilitator_and_seller_tax_lines():
    mf = {"taxCollections": [{"model": "MARKETPLACE_FACILITATOR"}]}
    items = [
        item("I1", breakdowns=[("ITEM", "20.00"), ("TAX", "1.60")], tax=mf),
        item("I2", breakdowns=[("ITEM", "20.00"), ("TAX", "1.50")]),
        item("I3", breakdowns=[("ITEM", "20.00"), ("TAX", "0.10")], tax=mf),
    ]
    plan = plan_order(order(items, "63.20"))
    assert amounts(plan)["mf_tax"] == Decimal("1.70")
    assert amounts(plan)["tax"] == Decimal("1.50")
    kinds = [line.kind for line in plan.lines if line.amazon_item_id is None]
    assert sorted(kinds) == ["mf_tax", "tax"]


def test_order_level_tax_beyond_the_items_joins_their_tax_line():
    mf = {"taxCollections": [{"model": "MARKETPLACE_FACILITATOR"}]}
    source = order(
        [item(breakdowns=[("ITEM", "20.00"), ("TAX", "1.60")], tax=mf)],
        "26.99",
        breakdowns=[("ITEM", "20.00"), ("SHIPPING", "4.99"), ("TAX", "2.00")],
    )
    assert amounts(plan_order(source))["mf_tax"] == Decimal("2.00")


def test_discounts_per_item_and_order():
    source = order(
        [item(breakdowns=[("ITEM", "20.00"), ("DISCOUNT", "-2.00")])],
        "17.00",
        breakdowns=[("ITEM", "20.00"), ("DISCOUNT", "-3.00")],
    )
    plan = plan_order(source)
    assert amounts(plan) == {
        "item:I1": Decimal("20.00"),
        "discount:I1": Decimal("-2.00"),
        "discount": Decimal("-1.00"),
    }
    by_key = {line.key: line for line in plan.lines}
    assert by_key["discount:I1"].amazon_item_id == "I1"
    assert by_key["discount:I1"].quantity == 1


def test_jpy_and_uneven_unit_prices_lose_no_cent():
    yen = item(qty=3, unit="334", breakdowns=[("ITEM", "1000")])
    yen["product"]["price"]["unitPrice"]["currencyCode"] = "JPY"
    yen["proceeds"] = json.loads(json.dumps(yen["proceeds"]).replace("USD", "JPY"))
    plan = plan_order(order([yen], proceeds={"grandTotal": usd("1000", "JPY")}))
    assert plan.currency == "JPY" and cents_mismatch(plan) == 0
    assert plan.lines[0].price_unit == Decimal(333)
    assert amounts(plan)["rounding:I1"] == Decimal(1)
    plan = plan_order(order([item(qty=3, breakdowns=[("ITEM", "10.00")])], "10.00"))
    assert plan.lines[0].price_unit == Decimal("3.33")
    assert cents_mismatch(plan) == 0


def test_pending_order_is_unpriced():
    pending = item()
    del pending["proceeds"], pending["product"]["price"]
    source = order([pending])
    del source["proceeds"]
    plan = plan_order(source)
    assert not plan.priced and plan.grand_total is None and plan.currency is None
    assert plan.lines[0].price_unit == 0 and cents_mismatch(plan) is None


def test_unit_price_without_proceeds():
    source = order()
    del source["proceeds"], source["orderItems"][0]["proceeds"]
    plan = plan_order(source)
    assert plan.priced and plan.lines[0].price_unit == Decimal("10.00")


def test_only_the_non_amazon_channel_means_multi_channel():
    alias = {"orderAliases": [{"aliasId": "S-1", "aliasType": "SELLER_ORDER_ID"}]}
    plan = plan_order(order(**alias))
    assert plan.channel == "mfn" and plan.seller_order_id == "S-1"
    # EasyShip orders carry fulfillmentOrders too: still Amazon-channel orders.
    easy = order(**alias, fulfillmentOrders=[{"fulfillmentOrderId": "F1"}])
    assert plan_order(easy).channel == "mfn"
    mcf = order(salesChannel={"channelName": "NON_AMAZON"})
    assert plan_order(mcf).channel == "mcf"
    afn = order(fulfillment={"fulfillmentStatus": "SHIPPED", "fulfilledBy": "AMAZON"})
    assert plan_order(afn).channel == "afn"
    assert plan_order(order(fulfillment={"fulfillmentStatus": "X"})).channel == "mfn"


def _break(path, value):
    def mutate(source):
        node = source
        *parents, last = path
        for part in parents:
            node = node[part]
        if value is KeyError:
            del node[last]
        else:
            node[last] = value

    return mutate


MALFORMED = {
    "no items": (_break(["orderItems"], []), "no orderItems"),
    "zero quantity": (_break(["orderItems", 0, "quantityOrdered"], 0), "quantity"),
    "text quantity": (_break(["orderItems", 0, "quantityOrdered"], "2"), "quantity"),
    "bool quantity": (_break(["orderItems", 0, "quantityOrdered"], True), "quantity"),
    "no sku": (_break(["orderItems", 0, "product", "sellerSku"], KeyError), "Sku"),
    "bad date": (_break(["createdTime"], "yesterday"), "createdTime"),
    "no date": (_break(["lastUpdatedTime"], KeyError), "lastUpdatedTime"),
    "bad ship window": (
        _break(["fulfillment", "shipByWindow"], {"latestDateTime": "soon"}),
        "shipByWindow",
    ),
    "other currency": (
        _break(
            ["orderItems", 0, "proceeds", "breakdowns", 0, "subtotal"], usd("20", "EUR")
        ),
        "currency",
    ),
    "bad amount": (
        _break(["orderItems", 0, "proceeds", "breakdowns", 0, "subtotal"], usd("2x")),
        "amount",
    ),
    "wrong total": (_break(["proceeds", "grandTotal"], usd("21.00")), "-1.00"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_input_names_the_order_not_the_buyer(case):
    mutate, problem = MALFORMED[case]
    source = order()
    mutate(source)
    with pytest.raises(OrderDataError) as caught:
        plan_order(source)
    error = caught.value
    assert error.order_id == source["orderId"] and problem in error.message
    assert source["orderId"] in str(error) and BUYER not in str(error)
    assert "Secret Lane" not in str(error)
    if problem in ("quantity", "Sku"):
        assert "item I1" in str(error)


def test_missing_order_id():
    source = order()
    del source["orderId"]
    with pytest.raises(OrderDataError, match="missing orderId"):
        plan_order(source)


def test_pii_values_keys():
    mf_item = item(
        fulfillment={
            "quantityFulfilled": 0,
            "packing": {
                "giftOption": {"giftMessage": "Happy birthday", "giftWrapLevel": "X"}
            },
        }
    )
    address = order()["recipient"]["deliveryAddress"]
    address["extendedFields"] = {"streetNumber": "1", "streetName": "Secret Lane"}
    address["addressLine2"] = ""
    source = order(
        [mf_item],
        recipient={"deliveryAddress": address},
        tax={
            "taxRegistrations": [
                {"taxRegistrationNumber": "DE123", "legalName": "ACME GmbH"},
                {"taxRegistrationNumber": "DE456"},
            ]
        },
    )
    values = pii_values(source, registry.FIELDS)
    assert values == {
        "buyer_name": BUYER,
        "buyer_email": "jq@marketplace.amazon.com",
        "recipient_name": BUYER,
        "address_line1": "1 Secret Lane",
        "postal_code": "98101",
        "address_extended_fields": '{"streetName": "Secret Lane", "streetNumber": "1"}',
        "gift_message#I1": "Happy birthday",
        "buyer_tax_id": "DE123",
        "buyer_tax_id#1": "DE456",
        "tax_legal_name": "ACME GmbH",
    }
    assert not set(leaves(plan_order(source))) & set(values.values())


# --- Amazon's static sandbox examples ---------------------------------------


def amazon_examples():
    if not MODEL.exists():
        pytest.skip(f"Orders API 2026-01-01 model not found at {MODEL}")
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    orders = []
    for operation in model["paths"].values():
        for spec in operation.values():
            cases = spec["responses"]["200"].get("x-amzn-api-sandbox", {})
            for case in cases.get("static", ()):
                body = case["response"]
                orders += body["orders"] if "orders" in body else [body["order"]]
    return orders


def test_amazon_static_examples_plan_and_add_up():
    orders = amazon_examples()
    assert len(orders) >= 4, "Amazon's model has fewer order examples than expected"
    for source in orders:
        plan = plan_order(source)
        assert plan.priced and cents_mismatch(plan) == 0, source["orderId"]
        values = pii_values(source, registry.FIELDS)
        for secret in (source.get("buyer") or {}).values():
            assert secret in values.values()
            assert not any(secret in leaf for leaf in leaves(plan))


# --- malformed shapes (docs/data-protection.md #24) ---------------------------
# Every node of real sandbox orders is replaced, one at a time, by each wrong
# shape JSON allows: the mapping must plan the order or refuse it with
# OrderDataError naming it, never raise anything else (which would stop the
# page of orders around it).
WRONG = (None, "", "x", 0, -1, 1.5, True, [], {}, [None], {"": None})


def _locations(node, path=()):
    """(path, ...) of every value under ``node`` (dict values, list items)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from _locations(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*path, index)
            yield from _locations(value, (*path, index))


def _replaced(order, path, value):
    broken = copy.deepcopy(order)
    node = broken
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return broken


@pytest.fixture(scope="module")
def samples(merchant):
    orders = merchant
    # A few orders of each shape: several items, shipped, business, gifts.
    chosen, seen = [], set()
    for order in orders:
        shape = (
            len(order.get("orderItems") or ()) > 1,
            bool(order.get("packages")),
            "tax" in order,
        )
        if shape not in seen:
            seen.add(shape)
            chosen.append(order)
    assert len(chosen) >= 3
    return chosen


def test_every_wrong_shape_is_planned_or_refused_by_name(samples):
    checked = refused = 0
    for order in samples:
        plan_order(order)  # the genuine order plans
        for path in _locations(order):
            for value in WRONG:
                broken = _replaced(order, path, value)
                try:
                    plan_order(broken)
                    pii_values(broken, registry.FIELDS)
                except OrderDataError as exc:
                    refused += 1
                    assert exc.order_id
                checked += 1
    # The walk reached deep nodes and refused many shapes: it can fail.
    assert checked > 500 and refused > 50, (checked, refused)


def test_a_non_object_order_is_refused():
    for value in (None, [], "x", 3):
        with pytest.raises(OrderDataError):
            plan_order(value)


# --- price-included tax (fold_tax) -------------------------------------------


def total(plan):
    return sum((line.quantity * line.price_unit for line in plan.lines), Decimal(0))


def test_amazons_uk_example_folds_its_tax_by_the_detailed_breakdown():
    # Amazon's getOrder example (amazon.co.uk): ITEM 89.97, SHIPPING 10.00,
    # TAX 4.00 of which 3.00 on the item and 1.00 on the shipping.
    if not MODEL.exists():
        pytest.skip(f"Orders API 2026-01-01 model not found at {MODEL}")
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    operation = model["paths"]["/orders/2026-01-01/orders/{orderId}"]["get"]
    uk = operation["responses"]["200"]["examples"]["application/json"]["order"]
    assert uk["salesChannel"]["marketplaceName"] == "Amazon.co.uk"
    plain, folded = plan_order(uk), plan_order(uk, fold_tax=True)
    # Bug caught: folding that loses or adds money (the total is Amazon's).
    assert total(folded) == total(plain) == folded.grand_total
    # Bug caught: tax folded somewhere else than Amazon says it was charged.
    shipping = [line for line in folded.lines if line.kind == "shipping"]
    assert [(s.price_unit, s.tax, s.taxed) for s in shipping] == [
        (Decimal("11.00"), Decimal("1.00"), True)
    ]
    assert not [line for line in folded.lines if line.kind == "tax"]
    assert folded.included_tax == Decimal("4.00")
    assert plain.included_tax == 0 and not any(li.taxed for li in plain.lines)


def eu_item(item_id, tax, details=None, **kwargs):
    source = item(item_id, **kwargs)
    entry = {"type": "TAX", "subtotal": usd(tax)}
    if details:
        entry["detailedBreakdowns"] = [
            {"subtype": kind, "value": usd(value)} for kind, value in details
        ]
    source["proceeds"]["breakdowns"].append(entry)
    return source


def test_without_detail_a_discounted_items_tax_is_shared_with_its_discount():
    # 19% VAT on 100.00 - 10.00 = 17.10, no detailed breakdown.
    source = order(
        [
            eu_item(
                "I1", "17.10", breakdowns=[("ITEM", "100.00"), ("DISCOUNT", "-10.00")]
            )
        ],
        "107.10",
    )
    plan = plan_order(source, fold_tax=True)
    by_key = {line.key: line for line in plan.lines}
    # Bug caught: all the tax on the item line (Odoo, taxing the discount
    # line too, would then compute 16.92 + ... and flag a false mismatch).
    assert (by_key["item:I1"].tax, by_key["discount:I1"].tax) == (
        Decimal("19.00"),
        Decimal("-1.90"),
    )
    assert by_key["discount:I1"].price_unit == Decimal("-11.90")
    assert total(plan) == Decimal("107.10") and plan.included_tax == Decimal("17.10")


def test_uneven_units_keep_their_rounding_line_taxed():
    # 3 units, 89.97 + 17.09 VAT = 107.06: 35.69 a unit and -0.01.
    source = order(
        [eu_item("I1", "17.09", qty=3, unit="29.99", breakdowns=[("ITEM", "89.97")])],
        "107.06",
    )
    plan = plan_order(source, fold_tax=True)
    by_key = {line.key: line for line in plan.lines}
    assert by_key["item:I1"].price_unit == Decimal("35.69")
    assert by_key["rounding:I1"].price_unit == Decimal("-0.01")
    assert by_key["rounding:I1"].taxed and by_key["item:I1"].taxed
    assert total(plan) == Decimal("107.06")


def test_order_level_tax_goes_into_the_order_level_shipping():
    source = order(
        [eu_item("I1", "3.80", breakdowns=[("ITEM", "20.00")])],
        "29.74",
        breakdowns=[("ITEM", "20.00"), ("SHIPPING", "4.99"), ("TAX", "4.75")],
    )
    plan = plan_order(source, fold_tax=True)
    by_key = {line.key: line for line in plan.lines}
    assert by_key["shipping"].price_unit == Decimal("5.94")
    assert by_key["shipping"].tax == Decimal("0.95") and by_key["shipping"].taxed
    assert "tax" not in by_key and total(plan) == Decimal("29.74")


def test_tax_with_no_line_to_carry_it_stays_a_tax_line():
    source = order(
        [eu_item("I1", "3.80", breakdowns=[("ITEM", "20.00")])],
        "24.75",
        breakdowns=[("ITEM", "20.00"), ("TAX", "4.75")],
    )
    plan = plan_order(source, fold_tax=True)
    by_key = {line.key: line for line in plan.lines}
    # The 0.95 Amazon charged beyond the item is not in a taxed price: the
    # importer's comparison will show Odoo computing less.
    assert by_key["tax"].price_unit == Decimal("0.95") and not by_key["tax"].taxed
    assert plan.included_tax == Decimal("3.80") and total(plan) == Decimal("24.75")


def test_facilitator_tax_is_never_folded():
    mf = {"taxCollections": [{"model": "MARKETPLACE_FACILITATOR"}]}
    source = order(
        [item(breakdowns=[("ITEM", "20.00"), ("TAX", "1.60")], tax=mf)], "21.60"
    )
    plan = plan_order(source, fold_tax=True)
    by_key = {line.key: line for line in plan.lines}
    # Bug caught: Amazon's own tax put in the seller's taxed revenue.
    assert by_key["mf_tax"].price_unit == Decimal("1.60")
    assert not by_key["item:I1"].taxed and plan.included_tax == 0


def test_a_detailed_breakdown_that_does_not_add_up_is_refused():
    source = order(
        [
            eu_item(
                "I1", "4.00", details=[("ITEM", "3.00")], breakdowns=[("ITEM", "20.00")]
            )
        ],
        "24.00",
    )
    with pytest.raises(OrderDataError, match="111-0000000-0000001.*detailed breakdown"):
        plan_order(source, fold_tax=True)
    assert plan_order(source).included_tax == 0  # unfolded plans never read it


def test_business_buyers_vat_registration_is_seen_without_its_number():
    registration = {
        "entityType": "BUYER",
        "taxRegistrationType": "VAT",
        "taxRegistrationNumber": "DE123456789",
    }
    plan = plan_order(order(tax={"taxRegistrations": [registration]}))
    assert plan.buyer_vat_registered
    assert "DE123456789" not in json.dumps(dataclasses.asdict(plan), default=str)
    merchant = {**registration, "entityType": "MERCHANT"}
    assert not plan_order(
        order(tax={"taxRegistrations": [merchant]})
    ).buyer_vat_registered
