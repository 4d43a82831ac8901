"""Product Pricing API 2022-05-01 getCompetitiveSummary (batch of up to 20).
Figures are derived from a hash of the ASIN, so they are stable per ASIN."""

import hashlib
import re

from ..dataset import BY_MARKETPLACE
from ..messages import Reply

ASIN = re.compile(r"^(B0[A-Z0-9]{8}|[0-9]{9}[0-9X])$")


def _currency(marketplace):
    return BY_MARKETPLACE.get(marketplace, (None, None, None, "USD"))[3]


def _price(asin, marketplace, spread):
    currency = _currency(marketplace)
    digest = int(hashlib.sha256(f"{asin}{marketplace}".encode()).hexdigest()[:8], 16)
    amount = round(10 + (digest % 9000) / 100 + spread, 2)
    if currency == "JPY":
        amount = float(round(amount * 150))
    return {"currencyCode": currency, "amount": amount}


def _offer(asin, marketplace, seller, spread, fulfillment):
    return {
        "sellerId": seller,
        "condition": "New",
        "fulfillmentType": fulfillment,
        "listingPrice": _price(asin, marketplace, spread),
        "shippingOptions": [
            {
                "shippingOptionType": "DEFAULT",
                "price": {"currencyCode": _currency(marketplace), "amount": 0.0},
            }
        ],
        "primeDetails": {"eligibility": "NATIONAL" if fulfillment == "AFN" else "NONE"},
    }


def _summary(request, seller):
    asin, marketplace = request["asin"], request["marketplaceId"]
    body = {"asin": asin, "marketplaceId": marketplace}
    included = request["includedData"]
    if "featuredBuyingOptions" in included:
        offer = _offer(asin, marketplace, seller, 0, "AFN")
        offer["featuredOfferSegments"] = [
            {
                "customerMembership": membership,
                "segmentDetails": {"glanceViewWeightPercentage": weight},
            }
            for membership, weight in (("PRIME", 72.5), ("NON_PRIME", 27.5))
        ]
        body["featuredBuyingOptions"] = [
            {"buyingOptionType": "New", "segmentedFeaturedOffers": [offer]}
        ]
    if "referencePrices" in included:
        body["referencePrices"] = [
            {"name": "CompetitivePrice", "price": _price(asin, marketplace, 1.5)},
            {"name": "WasPrice", "price": _price(asin, marketplace, 6.0)},
        ]
    if "lowestPricedOffers" in included:
        inputs = request.get("lowestPricedOffersInputs") or [
            {"itemCondition": "New", "offerType": "Consumer"}
        ]
        body["lowestPricedOffers"] = [
            {
                "lowestPricedOffersInput": wanted,
                "offers": [
                    _offer(asin, marketplace, "A2COMPETITOR1", -0.5, "MFN"),
                    _offer(asin, marketplace, seller, 0, "AFN"),
                ],
            }
            for wanted in inputs
        ]
    if "similarItems" in included:
        body["similarItems"] = [{"items": [{"asin": "B0SIMILAR01"}]}]
    return body


def get_competitive_summary(ctx, values):
    responses = []
    for request in values["requests"]["requests"]:
        if not ASIN.match(request["asin"]):
            responses.append(
                {
                    "status": {"statusCode": 400, "reasonPhrase": "Bad Request"},
                    "body": {
                        "asin": request["asin"],
                        "marketplaceId": request["marketplaceId"],
                        "errors": [
                            {
                                "code": "INVALID_ASIN",
                                "message": f"{request['asin']} is not a valid ASIN",
                            }
                        ],
                    },
                }
            )
            continue
        body = _summary(request, ctx.seller)
        responses.append(
            {"status": {"statusCode": 200, "reasonPhrase": "Success"}, "body": body}
        )
    return Reply(200, {"responses": responses})
