"""Product Pricing (competitive summary, featured offer expected price) and
Product Fees over the sandbox's living market (``tests/sandbox/market.py``)."""

import copy
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sandbox_fixtures import US, SpClient, require_models

from tests.sandbox import fees, market
from tests.sandbox.fixture import running_sandbox
from tests.sandbox.models import DEFAULT_MODELS_DIR, Catalog
from tests.sandbox.validation import SchemaSet

JP = "A1VC38T7YXB528"
SUMMARY = "/batches/products/pricing/2022-05-01/items/competitiveSummary"
SUMMARY_URI = "/products/pricing/2022-05-01/items/competitiveSummary"
FOEP = "/batches/products/pricing/2022-05-01/offer/featuredOfferExpectedPrice"
FOEP_URI = "/products/pricing/2022-05-01/offer/featuredOfferExpectedPrice"
FEES = "/products/fees/v0/feesEstimate"
SELLER = "A1SANDBOXSELLER"
START = datetime(2026, 11, 1, tzinfo=timezone.utc)
EVERYTHING = ["featuredBuyingOptions", "referencePrices", "lowestPricedOffers"]


# -- the market, pure ----------------------------------------------------------


def _asins(count):
    return [f"B0TEST{index:04d}" for index in range(count)]


def test_each_asin_has_two_to_six_synthetic_competitors_of_mixed_kinds():
    rosters = [market.roster(asin, US) for asin in _asins(60)]
    assert all(2 <= len(r) <= 6 for r in rosters)
    everyone = [c for r in rosters for c in r]
    assert all(c.seller_id.startswith("A1COMP") for c in everyone)
    assert {c.fulfillment for c in everyone} == {"AFN", "MFN"}
    assert {c.condition for c in everyone} == {"New", "Used"}
    assert any(c.shipping_usd > 0 for c in everyone if c.fulfillment == "MFN")
    assert all(c.shipping_usd == 0 for c in everyone if c.fulfillment == "AFN")


def test_the_market_is_a_function_of_asin_marketplace_and_hour():
    asin, later = "B0TEST0001", START + timedelta(minutes=59)
    first = market.competitors(asin, US, START)
    assert market.competitors(asin, US, later) == first  # same hour
    assert market.competitors(asin, US, START.isoformat()) == first
    moved = [
        market.competitors(asin, US, START + timedelta(hours=h)) for h in range(1, 24)
    ]
    assert any(offers != first for offers in moved)
    assert market.competitors(asin, JP, START) != first
    prices = [o["listingPrice"] for o in market.competitors(asin, JP, START)]
    assert all(price == int(price) for price in prices)  # whole yen


def test_wars_and_stock_outs_happen_and_end():
    wars, gaps = set(), 0
    for asin in _asins(30):
        for hour in range(72):
            bucket = market.bucket_of(START) + hour
            factor = market.war(asin, US, bucket)
            if factor < 1:
                wars.add((asin, bucket // 24))
                assert factor >= market.WAR_FLOOR
            gaps += len(market.roster(asin, US)) - len(
                market._competitors(asin, US, bucket, None)
            )
    assert wars, "no undercut war in 30 ASINs x 3 days"
    assert gaps > 0, "no competitor ever out of stock"
    asin, day = min(wars)
    assert market.war(asin, US, day * 24 + 23) == 1  # a war ends the same day


def _own(asin, price, afn=True, units=10, **listing):
    record = {"sku": "MY-SKU", "asin": asin, "price": Decimal(price), "afn": afn}
    record.update(listing)
    return market.own_offer(record, US, SELLER, fba_units=units if afn else None)


def test_the_featured_offer_rule():
    def offer(seller, price, kind="AFN", shipping="0", condition="New"):
        return {
            "sellerId": seller,
            "condition": condition,
            "fulfillmentType": kind,
            "listingPrice": Decimal(price),
            "shippingPrice": Decimal(shipping),
            "own": False,
            "quantity": None,
        }

    prime = offer("A1COMPA", "20.00")
    # An MFN offer must be more than 5 % cheaper, shipping included.
    assert market.featured([prime, offer("A1COMPB", "19.10", "MFN")]) is prime
    cheaper = offer("A1COMPB", "18.90", "MFN")
    assert market.featured([prime, cheaper]) is cheaper
    assert market.featured([prime, offer("A1COMPB", "15", "MFN", "4.50")]) is prime
    # Used offers are never featured; Fair Pricing drops offers above the
    # threshold.
    used = offer("A1COMPC", "9.00", condition="Used")
    assert market.featured([prime, used]) is prime
    assert market.featured([prime], threshold=Decimal("19.99")) is None


def test_foep_is_the_highest_price_that_wins():
    checked = 0
    for asin in _asins(25):
        for hour in (0, 7, 30):
            at = START + timedelta(hours=hour)
            for afn in (True, False):
                own = _own(asin, "500", afn=afn)
                result = market.expected_price(asin, US, at, own)
                if result.status != market.VALID_FOEP:
                    assert result.status == market.NO_COMPETING_OFFER
                    continue
                assert result.current["sellerId"] != SELLER  # 500 never wins
                assert result.competing["sellerId"].startswith("A1COMP")
                at_foep = _own(asin, result.price, afn=afn)
                above = _own(asin, result.price + Decimal("0.01"), afn=afn)
                snap = market.snapshot(asin, US, at, at_foep)
                assert snap.featured["sellerId"] == SELLER
                assert market.foep(snap).current["sellerId"] == SELLER
                assert market.snapshot(asin, US, at, above).featured["sellerId"] != (
                    SELLER
                )
                checked += 1
    assert checked > 100


def test_foep_statuses():
    asin = "B0TEST0002"
    snap = market.snapshot(asin, US, START, _own(asin, "20"))
    assert market.foep(snap).status == market.VALID_FOEP
    assert market.expected_price(asin, US, START, None).status == (
        market.OFFER_NOT_FOUND
    )
    empty = _own(asin, "20", units=0)
    result = market.expected_price(asin, US, START, empty)
    assert result.status == market.OFFER_NOT_ELIGIBLE
    assert result.price is None and result.competing is not None
    sold_out = _own(
        asin, "20", afn=False, attributes={"purchasable_offer": [{}]}, quantity=0
    )
    assert market.expected_price(asin, US, START, sold_out).status == (
        market.OFFER_NOT_ELIGIBLE
    )
    alone = _own(asin, "20")
    lonely = market.Snapshot(
        asin, US, 0, [alone], {"WasPrice": 20, "CompetitivePriceThreshold": 25}, alone
    )
    lonely.featured = market.featured(lonely.offers, lonely.threshold)
    result = market.foep(lonely)
    assert result.status == market.NO_COMPETING_OFFER
    assert result.current is alone and result.price is None


def test_own_offer_from_a_listing_record():
    record = {
        "sku": "S1",
        "asin": "B0TEST0003",
        "price": 12.5,
        "afn": False,
        "attributes": {
            "purchasable_offer": [
                {
                    "marketplace_id": JP,
                    "currency": "JPY",
                    "our_price": [{"schedule": [{"value_with_tax": 1999}]}],
                }
            ],
            "fulfillment_availability": [
                {"fulfillment_channel_code": "DEFAULT", "quantity": 3}
            ],
        },
    }
    us = market.own_offer(record, US, SELLER)
    assert (us["listingPrice"], us["fulfillmentType"], us["quantity"]) == (
        Decimal("12.50"),
        "MFN",
        3,
    )
    assert market.own_offer(record, JP, SELLER)["listingPrice"] == 1999
    de = market.own_offer(record, "A1PA6795UKMFR9", SELLER)
    assert de["listingPrice"] == Decimal("11.50") and de["currency"] == "EUR"
    assert market.own_offer(dict(record, asin=None), US, SELLER) is None
    no_offer = copy.deepcopy(record)
    del no_offer["attributes"]["purchasable_offer"]
    assert market.own_offer(no_offer, US, SELLER) is None
    assert market.own_offer(dict(record, attributes={}, price=None), US, SELLER) is None


def test_reference_prices_follow_recent_featured_prices():
    asin = "B0TEST0004"
    refs = market.reference_prices(asin, US, START, anchor=Decimal(40))
    assert Decimal(30) < refs["WasPrice"] < Decimal(50)
    ratio = refs["CompetitivePriceThreshold"] / refs["WasPrice"]
    assert Decimal("1.19") < ratio <= Decimal("1.35")
    # It moves twice a day, not every hour.
    assert market.reference_prices(asin, US, START + timedelta(hours=11)) == (
        market.reference_prices(asin, US, START)
    )


def test_fee_estimates_add_up_and_depend_on_price_and_channel():
    asin = "B0TEST0005"
    low = fees.estimate(asin, US, Decimal("8.00"), afn=True)
    high = fees.estimate(asin, US, Decimal("30.00"), afn=True)
    merchant = fees.estimate(asin, US, Decimal("30.00"), 0, afn=False)
    for figures in (low, high, merchant):
        assert figures["total"] == sum(amount for _, amount in figures["details"])
    kinds = dict(high["details"])
    assert kinds["ReferralFee"] == Decimal("4.50")
    assert "FBAFees" not in dict(merchant["details"])
    assert high["total"] > low["total"] > 0
    assert dict(fees.estimate(asin, US, Decimal(1))["details"])["ReferralFee"] == (
        Decimal("0.30")
    )
    book = fees.estimate("0123456789", US, Decimal(20))
    assert dict(book["details"])["VariableClosingFee"] == Decimal("1.80")


# -- through the sandbox ---------------------------------------------------


@pytest.fixture(scope="module")
def box():
    require_models()
    # A frozen clock: only POST /_sandbox/clock moves the market.
    with running_sandbox(orders=30, seed=7, rate_scale=1000, clock_rate=0) as sandbox:
        client = SpClient(sandbox)
        yield sandbox, client
        client.close()


@pytest.fixture(scope="module")
def catalog():
    require_models()
    return Catalog(DEFAULT_MODELS_DIR)


def _summary_request(asin, marketplace=US, included=None):
    return {
        "asin": asin,
        "marketplaceId": marketplace,
        "includedData": included or EVERYTHING,
        "lowestPricedOffersInputs": [
            {"itemCondition": "New", "offerType": "Consumer"},
            {"itemCondition": "Used", "offerType": "Consumer"},
        ],
        "method": "GET",
        "uri": SUMMARY_URI,
    }


def _foep_request(sku, marketplace=US):
    return {"uri": FOEP_URI, "method": "GET", "marketplaceId": marketplace, "sku": sku}


def _summaries(sp, asins, marketplace=US):
    requests = [_summary_request(asin, marketplace) for asin in asins]
    reply = sp.call("POST", SUMMARY, json={"requests": requests})
    assert reply.status_code == 200, reply.text
    return [r["body"] for r in reply.json()["responses"]]


def _foeps(sp, skus, marketplace=US):
    requests = [_foep_request(sku, marketplace) for sku in skus]
    reply = sp.call("POST", FOEP, json={"requests": requests})
    assert reply.status_code == 200, reply.text
    return reply.json()["responses"]


def _fees_request(id_type, id_value, amount, afn=False, identifier="e"):
    return {
        "IdType": id_type,
        "IdValue": id_value,
        "FeesEstimateRequest": {
            "MarketplaceId": US,
            "IsAmazonFulfilled": afn,
            "PriceToEstimateFees": {
                "ListingPrice": {"CurrencyCode": "USD", "Amount": amount}
            },
            "Identifier": identifier,
        },
    }


def _patch_price(sp, sku, price):
    body = {
        "productType": "PRODUCT",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/purchasable_offer",
                "value": [
                    {
                        "currency": "USD",
                        "marketplace_id": US,
                        "our_price": [{"schedule": [{"value_with_tax": price}]}],
                    }
                ],
            }
        ],
    }
    reply = sp.call(
        "PATCH",
        f"/listings/2021-08-01/items/{SELLER}/{sku}",
        params={"marketplaceIds": US},
        json=body,
    )
    assert reply.json()["status"] == "ACCEPTED", reply.text


def test_batches_over_amazons_limits_are_refused(box):
    _sandbox, sp = box
    asins = _asins(21)
    reply = sp.call(
        "POST", SUMMARY, json={"requests": [_summary_request(a) for a in asins]}
    )
    assert reply.status_code == 400
    error = reply.json()["errors"][0]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == "InvalidInput" and "requests" in error["details"]
    reply = sp.call("POST", FOEP, json={"requests": [_foep_request("SBX-001")] * 41})
    assert reply.status_code == 400
    error = reply.json()["errors"][0]
    assert error["code"] == "InvalidInput" and "at most 40" in error["details"]
    assert len(_foeps(sp, ["SBX-001"] * 40)) == 40
    reply = sp.call("POST", FEES, json=[_fees_request("ASIN", "B0TEST0001", 10)] * 21)
    assert reply.status_code == 400
    assert "at most 20" in reply.json()["errors"][0]["details"]


def test_responses_match_amazons_models(box, catalog):
    sandbox, sp = box
    products = sandbox.dataset()["products"]
    checks = [
        (
            "getCompetitiveSummary",
            SUMMARY,
            {"requests": [_summary_request(p["asin"]) for p in products[:10]]},
        ),
        (
            "getCompetitiveSummary",
            SUMMARY,
            {"requests": [_summary_request(p["asin"], JP) for p in products[:10]]},
        ),
        (
            "getFeaturedOfferExpectedPriceBatch",
            FOEP,
            {
                "requests": [_foep_request(p["sku"]) for p in products]
                + [_foep_request(p["sku"], JP) for p in products]
                + [_foep_request("NO-SUCH-SKU")]
            },
        ),
        (
            "getMyFeesEstimates",
            FEES,
            [
                _fees_request("SellerSKU", "SBX-001", 19.99, True, "a"),
                _fees_request("ASIN", products[1]["asin"], 5, False, "b"),
                _fees_request("SellerSKU", "NO-SUCH-SKU", 5, False, "c"),
                _fees_request("ASIN", "B0TEST0001", -1, False, "d"),
            ],
        ),
    ]
    for op_id, path, body in checks:
        reply = sp.call("POST", path, json=body)
        assert reply.status_code == 200, reply.text
        op = catalog.by_id[op_id]
        problems = SchemaSet(op.definitions).errors(
            op.responses[200], reply.json(), strict=True
        )
        assert not problems, (op_id, [p.message for p in problems[:3]])
    assert sandbox.stats()["totals"]["invalid_responses"] == 0


def test_a_marketplace_without_sandbox_data_still_has_a_market(box):
    sandbox, sp = box
    fba_asin = sandbox.dataset()["products"][0]["asin"]  # SBX-001 is FBA
    body = _summaries(sp, [fba_asin], "A1AM78C64UM0Y8")[0]  # Mexico
    offers = [o for e in body["lowestPricedOffers"] for o in e["offers"]]
    assert offers and SELLER not in {o["sellerId"] for o in offers}  # no stock
    assert sandbox.stats()["totals"]["invalid_responses"] == 0


def _competitor_offers(body):
    return [
        offer
        for entry in body.get("lowestPricedOffers", [])
        for offer in entry["offers"]
        if offer["sellerId"] != SELLER
    ]


def test_the_market_moves_with_the_clock_and_replays(box):
    sandbox, sp = box
    products = sandbox.dataset()["products"]
    anchors = market.anchors(products)
    asins = [p["asin"] for p in products[:6]]
    before = _summaries(sp, asins)
    assert _summaries(sp, asins) == before  # the clock is frozen
    for body, asin in zip(before, asins, strict=True):
        # The pure market at the sandbox's clock gives the same competitors.
        replay = market.competitors(asin, US, sandbox.now(), anchors[asin])
        served = sorted(
            (o["sellerId"], o["listingPrice"]["amount"])
            for o in _competitor_offers(body)
        )
        assert served == sorted(
            (o["sellerId"], float(o["listingPrice"])) for o in replay
        )
    sandbox.advance_clock(5 * 3600)
    after = _summaries(sp, asins)
    assert [_competitor_offers(b) for b in after] != [
        _competitor_offers(b) for b in before
    ]


def _result(response):
    assert response["status"]["statusCode"] == 200, response
    return response["body"]["featuredOfferExpectedPriceResults"][0]


def _featured_seller(sp, asin):
    body = _summaries(sp, [asin])[0]
    options = body["featuredBuyingOptions"]
    return options[0]["segmentedFeaturedOffers"][0]["sellerId"] if options else None


def test_pricing_at_the_foep_wins_the_featured_offer(box):
    sandbox, sp = box
    products = {p["sku"]: p for p in sandbox.dataset()["products"]}
    results = dict(
        zip(products, (_result(r) for r in _foeps(sp, list(products))), strict=True)
    )
    valid = [sku for sku, r in results.items() if r["resultStatus"] == "VALID_FOEP"]
    assert valid, results
    for sku in valid[:2]:
        asin = products[sku]["asin"]
        price = results[sku]["featuredOfferExpectedPrice"]["listingPrice"]["amount"]
        _patch_price(sp, sku, price)
        assert _featured_seller(sp, asin) == SELLER
        now = _result(_foeps(sp, [sku])[0])
        assert now["currentFeaturedOffer"]["offerIdentifier"]["sellerId"] == SELLER
        assert now["competingFeaturedOffer"]["offerIdentifier"]["sellerId"] != SELLER
        assert now["featuredOfferExpectedPrice"]["listingPrice"]["amount"] == price
        _patch_price(sp, sku, round(price + 0.01, 2))
        assert _featured_seller(sp, asin) != SELLER
        now = _result(_foeps(sp, [sku])[0])
        assert now["currentFeaturedOffer"] == now["competingFeaturedOffer"]


def test_foep_statuses_through_the_sandbox(box):
    _sandbox, sp = box
    unknown = _foeps(sp, ["NO-SUCH-SKU"])[0]
    assert unknown["status"]["statusCode"] == 400
    assert unknown["body"]["errors"][0]["code"] == "INVALID_SKU"
    assert unknown["request"] == {"marketplaceId": US, "sku": "NO-SUCH-SKU"}
    # An MFN SKU without stock cannot be featured at any price.
    sku = "SBX-002"  # the catalogue's MFN listings: SBX-002, 003, 005, ...
    reply = sp.call(
        "PATCH",
        f"/listings/2021-08-01/items/{SELLER}/{sku}",
        params={"marketplaceIds": US},
        json={
            "productType": "PRODUCT",
            "patches": [
                {
                    "op": "replace",
                    "path": "/attributes/fulfillment_availability",
                    "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}],
                }
            ],
        },
    )
    assert reply.json()["status"] == "ACCEPTED", reply.text
    result = _result(_foeps(sp, [sku])[0])
    assert result["resultStatus"] == "OFFER_NOT_ELIGIBLE"
    assert "featuredOfferExpectedPrice" not in result
    # Without its offer attribute the listing has no offer at all.
    reply = sp.call(
        "PATCH",
        f"/listings/2021-08-01/items/{SELLER}/SBX-003",
        params={"marketplaceIds": US},
        json={
            "productType": "PRODUCT",
            "patches": [{"op": "delete", "path": "/attributes/purchasable_offer"}],
        },
    )
    assert reply.json()["status"] == "ACCEPTED", reply.text
    response = _foeps(sp, ["SBX-003"])[0]
    assert _result(response)["resultStatus"] == "OFFER_NOT_FOUND"
    assert response["body"]["offerIdentifier"]["sku"] == "SBX-003"


def test_fees_through_the_sandbox(box):
    _sandbox, sp = box
    requests = [
        _fees_request("SellerSKU", "SBX-001", 9.99, True, "low"),
        _fees_request("SellerSKU", "SBX-001", 29.99, True, "high"),
        _fees_request("SellerSKU", "SBX-001", 29.99, False, "merchant"),
        _fees_request("SellerSKU", "NO-SUCH-SKU", 29.99, False, "unknown"),
        _fees_request("ASIN", "B0TEST0001", 10, False, "low"),  # a reused id
    ]
    reply = sp.call("POST", FEES, json=requests)
    assert reply.status_code == 200, reply.text
    low, high, merchant, unknown, again = reply.json()
    for result in (low, high, merchant):
        assert result["Status"] == "Success"
        estimate = result["FeesEstimate"]
        final = [d["FinalFee"]["Amount"] for d in estimate["FeeDetailList"]]
        assert round(sum(final), 2) == estimate["TotalFeesEstimate"]["Amount"]
    assert high["FeesEstimateIdentifier"]["SellerInputIdentifier"] == "high"
    total = {
        name: r["FeesEstimate"]["TotalFeesEstimate"]["Amount"]
        for name, r in (("low", low), ("high", high), ("merchant", merchant))
    }
    assert total["high"] > total["merchant"] and total["high"] > total["low"]
    types = [d["FeeType"] for d in merchant["FeesEstimate"]["FeeDetailList"]]
    assert "FBAFees" not in types and "ReferralFee" in types
    for refused in (unknown, again):
        assert refused["Status"] == "ClientError"
        assert refused["Error"]["Type"] == "Sender"
        assert "FeesEstimate" not in refused
    wrong = _fees_request("ASIN", "B0TEST0001", 10)
    wrong["FeesEstimateRequest"]["MarketplaceId"] = "A1NOTAMARKET"
    reply = sp.call("POST", FEES, json=[wrong])
    assert reply.status_code == 400
    assert reply.json()["errors"][0]["message"] == "Incorrect Marketplace identifier."
