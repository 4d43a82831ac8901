"""core.market: the requests the connector sends and the figures it reads,
checked against Amazon's own examples in its Product Pricing and Product
Fees models (an independent truth: Amazon wrote them, not this code)."""

import json

import pytest
from spapi_support import MODELS

from amazon_connector.core import market

PRICING = "product-pricing-api-model/productPricing_2022-05-01.json"
FEES = "product-fees-api-model/productFeesV0.json"


def _model(name):
    path = MODELS / name
    if not path.is_file():
        pytest.skip(f"Amazon's model {name} not found under {MODELS}")
    return json.loads(path.read_text(encoding="utf-8"))


def _example(name, route):
    op = _model(name)["paths"][route]["post"]
    return op["responses"]["200"]["examples"]["application/json"]


def summary_example():
    reply = _example(
        PRICING, "/batches/products/pricing/2022-05-01/items/competitiveSummary"
    )
    return reply["responses"][0]["body"]


def test_featured_offer_is_the_most_seen_and_landed_price_counts_shipping():
    """Amazon's example: two segmented featured offers; A3DJR8M9Y3OUPG is
    seen by 90% of glance views (72 + 10 + 8) against 10%, at 18.11 + 2.50
    shipping. Bugs: taking the first offer, the listing price alone."""
    body = summary_example()
    figures = market.read_summary(body, "SOMEONE-ELSE")
    assert figures.featured_price == pytest.approx(20.61)
    assert figures.featured_is_ours is False
    assert figures.featured_fulfilment == "MFN"
    ours = market.read_summary(body, "A3DJR8M9Y3OUPG")
    assert ours.featured_is_ours is True
    assert ours.our_price == pytest.approx(18.11)


def test_lowest_prices_leave_our_own_offer_out():
    """The example's lowest New merchant offers: 17.15 + 2.50 (A2ZW...) and
    18.11 + 2.50 (A3DJ...). Read as A2ZW..., the lowest *other* offer is
    A3DJ's. Bug: counting our own offer as a competitor undercuts ourselves."""
    body = summary_example()
    assert market.read_summary(body, "NOBODY").lowest_new_mfn == pytest.approx(19.65)
    as_a2zw = market.read_summary(body, "A2ZWOLFOFDPJL1")
    assert as_a2zw.lowest_new_mfn == pytest.approx(20.61)
    assert as_a2zw.our_price == pytest.approx(17.15)


def test_reference_prices_are_read_by_name():
    figures = market.read_summary(summary_example(), "NOBODY")
    assert figures.reference["WasPrice"] == pytest.approx(18.49)
    assert figures.reference["CompetitivePriceThreshold"] == pytest.approx(18.11)
    assert figures.reference[market.RECENT_SALES_PRICE] == pytest.approx(18.49)


def test_foep_from_amazons_example_keyed_by_sku_and_marketplace():
    reply = _example(
        PRICING, "/batches/products/pricing/2022-05-01/offer/featuredOfferExpectedPrice"
    )
    found, refused = market.foep_bodies(reply)
    assert ("MY_SKU", "MARKETPLACE_ID") in found
    figures = market.read_foep(found[("MY_SKU", "MARKETPLACE_ID")])
    assert figures.expected_price == pytest.approx(10.0)
    assert figures.expected_status == "VALID_FOEP"
    for key, message in refused.items():
        assert key[0] and message


def test_refused_entries_are_named_and_kept_apart():
    reply = {
        "responses": [
            {
                "status": {"statusCode": 200},
                "body": {"asin": "B000000001", "marketplaceId": "M1"},
            },
            {
                "status": {"statusCode": 400},
                "body": {
                    "asin": "BAD",
                    "marketplaceId": "M1",
                    "errors": [{"code": "InvalidInput", "message": "Invalid ASIN"}],
                },
            },
        ]
    }
    found, refused = market.summary_bodies(reply)
    assert list(found) == [("B000000001", "M1")]
    assert refused == {("BAD", "M1"): "Invalid ASIN"}


def test_fees_total_and_referral_by_sku():
    results = [
        {
            "Status": "Success",
            "FeesEstimateIdentifier": {
                "MarketplaceId": "M1",
                "IdType": "SellerSKU",
                "IdValue": "SKU-1",
                "PriceToEstimateFees": {
                    "ListingPrice": {"CurrencyCode": "USD", "Amount": 20.0}
                },
            },
            "FeesEstimate": {
                "TimeOfFeesEstimation": "2026-12-01T00:00:00Z",
                "TotalFeesEstimate": {"CurrencyCode": "USD", "Amount": 6.22},
                "FeeDetailList": [
                    {
                        "FeeType": "ReferralFee",
                        "FeeAmount": {"CurrencyCode": "USD", "Amount": 3.0},
                        "FinalFee": {"CurrencyCode": "USD", "Amount": 3.0},
                    },
                    {
                        "FeeType": "FBAFees",
                        "FeeAmount": {"CurrencyCode": "USD", "Amount": 3.22},
                        "FinalFee": {"CurrencyCode": "USD", "Amount": 3.22},
                    },
                ],
            },
        },
        {
            "Status": "ClientError",
            "FeesEstimateIdentifier": {"MarketplaceId": "M1", "IdValue": "SKU-2"},
            "Error": {
                "Type": "Sender",
                "Code": "InvalidParameterValue",
                "Message": "bad",
            },
        },
    ]
    found, refused = market.read_fees(results)
    assert found == {("SKU-1", "M1"): (6.22, 3.0, 20.0)}
    assert refused == {("SKU-2", "M1"): "bad"}


def test_requests_respect_amazons_shapes():
    """Requests the connector builds validate against Amazon's request
    schemas (the sandbox validates them too)."""
    summary = market.summary_requests([("B000000001", "ATVPDKIKX0DER")])
    assert summary[0]["includedData"] == list(market.SUMMARY_DATA)
    assert {"asin", "marketplaceId", "includedData", "method", "uri"} <= set(summary[0])
    foep = market.foep_requests([("SKU-1", "ATVPDKIKX0DER")])
    assert foep == [
        {
            "uri": market.FOEP_URI,
            "method": "GET",
            "marketplaceId": "ATVPDKIKX0DER",
            "sku": "SKU-1",
        }
    ]
    fees = market.fee_requests([("SKU-1", "ATVPDKIKX0DER", "USD", 20.0, True)])
    request = fees[0]["FeesEstimateRequest"]
    assert fees[0]["IdType"] == "SellerSKU"
    assert request["IsAmazonFulfilled"] is True
    assert request["PriceToEstimateFees"]["ListingPrice"] == {
        "CurrencyCode": "USD",
        "Amount": 20.0,
    }
    model = _model(FEES)
    required = model["definitions"]["FeesEstimateRequest"]["required"]
    assert set(required) <= set(request)


def test_chunks():
    assert market.chunks(range(45), 20) == [
        list(range(20)),
        list(range(20, 40)),
        list(range(40, 45)),
    ]


def test_two_offers_of_ours_on_one_asin_are_told_apart_by_channel():
    """Our FBA SKU at 21.00 holds the featured offer, our merchant SKU of the
    same ASIN sells at 19.50: each listing reads its own price, and only the
    FBA one holds the featured offer. Bug: the merchant listing told "already
    featured, no cut" at the FBA price (found by the second reading)."""
    offer = {
        "sellerId": "ME",
        "condition": "New",
        "listingPrice": {"amount": 21.0, "currencyCode": "USD"},
        "shippingOptions": [],
        "fulfillmentType": "AFN",
    }
    mine_mfn = {
        **offer,
        "fulfillmentType": "MFN",
        "listingPrice": {"amount": 19.5, "currencyCode": "USD"},
    }
    body = {
        "featuredBuyingOptions": [
            {
                "buyingOptionType": "New",
                "segmentedFeaturedOffers": [
                    {
                        **offer,
                        "featuredOfferSegments": [
                            {"segmentDetails": {"glanceViewWeightPercentage": 90}}
                        ],
                    }
                ],
            }
        ],
        "lowestPricedOffers": [
            {
                "lowestPricedOffersInput": {"itemCondition": "New"},
                "offers": [mine_mfn, offer],
            }
        ],
    }
    fba = market.read_summary(body, "ME", "AFN")
    mfn = market.read_summary(body, "ME", "MFN")
    assert (fba.our_price, fba.featured_is_ours) == (21.0, True)
    assert (mfn.our_price, mfn.featured_is_ours) == (19.5, False)
