"""Each deterministic check fires on its own case and stays quiet on clean orders."""

import copy
import pickle
from datetime import datetime, timedelta, timezone

import pytest

from amazon_ai.core.risk import OrderRiskModel
from amazon_ai.core.risk_rules import rush_points

START = datetime(2026, 10, 1, tzinfo=timezone.utc)
SELLER = "A1SELLER"
US_MARKET = "ATVPDKIKX0DER"
PRICES = (12.5, 19.99, 24.0, 35.0, 49.9, 64.0)
STREETS = ("Maple Street", "Oak Avenue", "Pine Road", "Elm Court")


def make_order(i, quantity=None, price=None, sku=None, level="STANDARD", **address):
    """A clean US order in Orders API 2026-01-01 shape; varies with ``i``."""
    delivery = {
        "name": f"Buyer {i}",
        "addressLine1": f"{100 + i} {STREETS[i % 4]}",
        "city": "Seattle",
        "stateOrRegion": "WA",
        "postalCode": "98%03d" % (i % 1000),
        "countryCode": "US",
        "addressType": "RESIDENTIAL",
    }
    delivery.update(address)
    index = i % len(PRICES)
    return {
        "orderId": "111-%07d-0000000" % i,
        "createdTime": (START + timedelta(hours=3 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": US_MARKET},
        "programs": [],
        "buyer": {
            "buyerName": f"Buyer {i}",
            "buyerEmail": f"b{i}@marketplace.amazon.com",
        },
        "recipient": {"deliveryAddress": delivery},
        "fulfillment": {
            "fulfillmentStatus": "UNSHIPPED",
            "fulfilledBy": "MERCHANT",
            "fulfillmentServiceLevel": level,
        },
        "orderItems": [
            {
                "orderItemId": "%014d" % i,
                "quantityOrdered": quantity or 1 + i % 3,
                "product": {
                    "sellerSku": sku or f"SKU-{index}",
                    "price": {
                        "unitPrice": {
                            "amount": str(price or PRICES[index]),
                            "currencyCode": "USD",
                        }
                    },
                },
            }
        ],
    }


def history(count=300):
    return [make_order(i) for i in range(count)]


@pytest.fixture(scope="module")
def fitted():
    return OrderRiskModel(seller_id=SELLER, seed=7).fit(history())


def codes(model, order):
    [result] = model.score([order])
    return result


def fired(model, order, fragment):
    result = codes(model, order)
    return any(fragment in reason for reason in result.reasons), result


def new_order(i=1000, **kw):
    return make_order(i, **kw)


def test_clean_orders_raise_no_rule(fitted):
    results = fitted.score([new_order(i) for i in range(1000, 1040)])
    assert all(r.rule_points == 0 for r in results)
    assert all(r.level == "low" for r in results)


def test_invalid_postal_code(fitted):
    hit, result = fired(fitted, new_order(postalCode="00000-ZZZ"), "postal code")
    assert hit and result.rule_points >= 60 and result.level == "high"


def test_invalid_state(fitted):
    hit, result = fired(fitted, new_order(stateOrRegion="Atlantis"), "US states")
    assert hit and result.level == "high"


def test_incomplete_address(fitted):
    hit, _ = fired(fitted, new_order(addressLine1=""), "no street")
    assert hit


def test_po_box_with_express(fitted):
    order = new_order(addressLine1="PO Box 77", level="NEXT_DAY")
    assert fired(fitted, order, "PO box")[0]
    assert not fired(fitted, new_order(addressLine1="PO Box 77"), "PO box")[0]


def test_ship_to_country_outside_marketplace(fitted):
    order = new_order(
        countryCode="JP", postalCode="150-0041", stateOrRegion="東京都", city="渋谷区"
    )
    hit, result = fired(fitted, order, "Ships to JP")
    assert hit and result.rule_points >= 45


def test_quantity_far_above_history(fitted):
    assert fired(fitted, new_order(quantity=120), "Quantity of one item")[0]
    assert not fired(fitted, new_order(quantity=3), "Quantity")[0]


def test_value_far_above_history(fitted):
    order = new_order(quantity=3, price=900.0, sku="SKU-NEW")
    assert fired(fitted, order, "Order value")[0]


def test_unit_price_far_above_product_history(fitted):
    assert fired(fitted, new_order(price=500.0), "unit price")[0]


def test_many_names_at_one_address(fitted):
    same = {"addressLine1": "9 Drop Lane", "postalCode": "98109"}
    batch = [new_order(2000 + k, **same, name=f"Person {k}") for k in range(3)]
    results = fitted.score(batch)
    assert all(
        any("different buyer names" in text for text in r.reasons) for r in results
    )
    alone = fitted.score([new_order(3000, **same)])[0]
    assert not any("buyer names" in text for text in alone.reasons)


def test_rushed_shipping_on_high_value(fitted):
    order = new_order(quantity=3, price=150.0, level="NEXT_DAY")
    assert fired(fitted, order, "Rushed (next-day)")[0]
    cheap = new_order(level="NEXT_DAY")
    assert not fired(fitted, cheap, "Rushed")[0]


def test_first_time_buyer_with_unusual_basket(fitted):
    unusual = new_order(sku="NEVER-SOLD")
    assert fired(fitted, unusual, "First order from this buyer")[0]
    repeat = make_order(5)  # buyer 5 is in the history, same basket kind
    repeat["orderId"] = "111-9999999-0000005"
    repeat["orderItems"][0]["product"]["sellerSku"] = "NEVER-SOLD"
    assert not fired(fitted, repeat, "First order")[0]


def test_rules_work_without_history():
    model = OrderRiskModel(seller_id=SELLER)
    clean, bad, big = model.score(
        [new_order(), new_order(1001, postalCode="ABC"), new_order(1002, quantity=40)]
    )
    assert clean.score == 0 and clean.level == "low"
    assert any("postal code" in text for text in bad.reasons)
    assert any("no sales history" in text for text in big.reasons)
    assert bad.anomaly_percentile is None


def test_rush_points_follow_the_sellers_habit():
    # One in twenty of the largest orders or fewer at that speed: the fixed
    # rule's full points; one in two or more: none; fewer points in between.
    assert rush_points(0.05) == rush_points(0.01) == 25
    assert rush_points(0.5) == rush_points(0.9) == 0
    assert 25 > rush_points(0.1) > rush_points(0.2) > rush_points(0.3) > 0


def rushed_large_history(count=400, every=4):
    """The clean history, whose largest orders (3 units at 64 USD, one order
    in six) ship next-day one time in ``every``."""
    orders = history(count)
    for order in orders[5::6][::every]:
        order["fulfillment"]["fulfillmentServiceLevel"] = "NEXT_DAY"
    return orders


def rush_finding(model, order):
    """(the rush reasons, the points rushing adds): the same order shipped
    standard is the reference."""
    standard = copy.deepcopy(order)
    standard["fulfillment"]["fulfillmentServiceLevel"] = "STANDARD"
    rushed, plain = model.score([order, standard])
    texts = [text for text in rushed.reasons if text.startswith("Rushed")]
    return texts, rushed.rule_points - plain.rule_points


def test_rushed_large_order_weighed_by_how_the_sellers_large_orders_ship():
    order = new_order(quantity=3, price=150.0, level="NEXT_DAY")
    # Never rushed before: as alarming as the fixed rule says.
    quiet = OrderRiskModel(seller_id=SELLER, seed=7).fit(history(400))
    [text], points = rush_finding(quiet, order)
    assert points == 25
    # 400 orders, one in six at the top value: the 66 largest, none rushed.
    assert text.endswith("; 0 of this seller's 66 largest orders shipped this fast.")

    # Next-day on a good share of the largest orders: fewer points.
    habit = OrderRiskModel(seller_id=SELLER, seed=7).fit(rushed_large_history())
    share, shipped, band = habit.profile.rush_habit(False, 2)
    assert (shipped, band) == (17, 66)  # every fourth of them
    [text], points = rush_finding(habit, order)
    assert text.endswith("; 17 of this seller's 66 largest orders shipped this fast.")
    assert 0 < points == rush_points(share) < 25

    # Next-day on most of them: nothing to say.
    routine = OrderRiskModel(seller_id=SELLER, seed=7).fit(
        rushed_large_history(every=1)
    )
    assert routine.profile.rush_habit(False, 2)[0] >= 0.5
    assert rush_finding(routine, order) == ([], 0)
    # Second-day is compared with what ships second-day or faster.
    slower = new_order(quantity=3, price=150.0, level="SECOND_DAY")
    assert rush_finding(routine, slower) == ([], 0)
    assert rush_finding(quiet, slower)[1] == 25


def test_rushed_large_order_uses_the_fixed_rule_until_large_orders_are_known():
    # 150 orders: enough for the value quantiles (100), too few at the top
    # of them (30) to learn how this seller's large orders ship.
    model = OrderRiskModel(seller_id=SELLER, seed=7).fit(rushed_large_history(150))
    assert model.profile.rush_habit(False, 2) is None
    order = new_order(quantity=3, price=150.0, level="NEXT_DAY")
    assert rush_finding(model, order) == (
        ["Rushed (next-day) shipping on an order of unusually high value."],
        25,
    )


def test_business_orders_are_weighed_by_business_orders_habits():
    # Consumers rush their large orders routinely, business buyers never do.
    consumers = rushed_large_history(400, every=1)
    companies = [make_order(i) for i in range(5000, 5400)]
    for order in companies:
        order["programs"] = ["AMAZON_BUSINESS"]
    model = OrderRiskModel(seller_id=SELLER, seed=7).fit(consumers + companies)
    consumer = new_order(quantity=3, price=150.0, level="NEXT_DAY")
    company = new_order(1001, quantity=3, price=150.0, level="NEXT_DAY")
    company["programs"] = ["AMAZON_BUSINESS"]
    assert rush_finding(model, consumer) == ([], 0)
    assert rush_finding(model, company)[1] == 25


def test_a_model_saved_before_rush_habits_were_kept_uses_the_fixed_rule():
    model = OrderRiskModel(seller_id=SELLER, seed=7).fit(
        rushed_large_history(400, every=1)
    )
    state = pickle.loads(model.dumps())
    del state["profile"]["rush"]
    older = OrderRiskModel.loads(pickle.dumps(state))
    order = new_order(quantity=3, price=150.0, level="NEXT_DAY")
    assert rush_finding(model, order) == ([], 0)
    assert rush_finding(older, order) == (
        ["Rushed (next-day) shipping on an order of unusually high value."],
        25,
    )
