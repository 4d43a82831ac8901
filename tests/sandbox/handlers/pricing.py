"""Product Pricing API 2022-05-01 over the sandbox's living market
(``tests/sandbox/market.py``): getCompetitiveSummary (batches of up to 20
ASINs) and getFeaturedOfferExpectedPriceBatch (batches of up to 40 SKUs).

Competitors come from the market at the simulated clock's hour; the
caller's own offer from its listings (price, fulfilment channel, stock:
FBA units from the FBA pool, ``tests/sandbox/fba.py``)."""

import hashlib
import re

from .. import fba, market
from ..dataset import BY_MARKETPLACE
from ..errors import ApiError
from ..messages import Reply
from .inventory import mcf_orders

ASIN = re.compile(r"^(B0[A-Z0-9]{8}|[0-9]{9}[0-9X])$")
SUMMARY_URI = "/products/pricing/2022-05-01/items/competitiveSummary"
FOEP_URI = "/products/pricing/2022-05-01/offer/featuredOfferExpectedPrice"
FOEP_BATCH = 40  # Amazon's documented limit (the model has no maxItems)
FOEP_BODY = "getFeaturedOfferExpectedPriceBatchRequestBody"
INVALID_SKU = (
    "The requested SKU does not exist for the seller in the requested Amazon store."
)
SUCCESS = {"statusCode": 200, "reasonPhrase": "Success"}
BAD_REQUEST = {"statusCode": 400, "reasonPhrase": "Client Error"}


# -- what the market needs from the sandbox's state -------------------------


def market_anchors(state):
    """Catalogue prices of every seller's ASINs: one market per sandbox (the
    notifications publisher reads the same market)."""
    found = {}
    for stores in state.seller_stores.values():
        for asin, price in market.anchors(stores.data["products"]).items():
            found.setdefault(asin, price)
    return found


def _anchors(ctx):
    return market_anchors(ctx.state)


class OwnOffers:
    """A seller's listings and FBA stock, read once per batch (or per look
    of the notifications publisher, which holds ``state.lock``)."""

    def __init__(self, state, stores, seller, now):
        self.stores, self.seller, self.now = stores, seller, now
        with state.lock:
            self.listings = {
                sku: listing
                for (owner, sku), listing in stores.listings.items()
                if owner == seller
            }
        self._units = {}

    @classmethod
    def of(cls, ctx):
        return cls(ctx.state, ctx.stores, ctx.seller, ctx.now)

    def fba_units(self, marketplace):
        if marketplace not in fba.REGIONS:
            return {}  # no FBA pool there: no units
        if marketplace not in self._units:
            now, stores = self.now, self.stores
            rows = fba.pool(stores.data, marketplace, now, mcf_orders(stores, now))
            self._units[marketplace] = {r["sellerSku"]: r["fulfillable"] for r in rows}
        return self._units[marketplace]

    def offer(self, listing, marketplace):
        units = None
        if listing.get("afn"):
            units = self.fba_units(marketplace).get(listing["sku"], 0)
        return market.own_offer(listing, marketplace, self.seller, units)

    def best_offer(self, asin, marketplace):
        """The caller's offer on ``asin``: its cheapest one in stock, else
        any (several SKUs may share an ASIN)."""
        offers = [
            self.offer(listing, marketplace)
            for listing in self.listings.values()
            if listing.get("asin") == asin
        ]
        offers = [o for o in offers if o is not None]
        if not offers:
            return None
        return min(offers, key=lambda o: (not market.available(o), market.landed(o)))


# -- JSON shapes ------------------------------------------------------------


def _money(amount, marketplace):
    return {
        "currencyCode": market.currency(marketplace),
        "amount": market.amount_json(amount, marketplace),
    }


def _offer_json(offer, marketplace):
    return {
        "sellerId": offer["sellerId"],
        "condition": offer["condition"],
        "subCondition": offer["subCondition"],
        "fulfillmentType": offer["fulfillmentType"],
        "listingPrice": _money(offer["listingPrice"], marketplace),
        "shippingOptions": [
            {
                "shippingOptionType": "DEFAULT",
                "price": _money(offer["shippingPrice"], marketplace),
            }
        ],
        "primeDetails": {
            "eligibility": "NATIONAL" if offer["fulfillmentType"] == "AFN" else "NONE"
        },
    }


def _featured_offer_json(offer, asin, marketplace):
    return {
        "offerIdentifier": {
            "asin": asin,
            "marketplaceId": marketplace,
            "sellerId": offer["sellerId"],
            "fulfillmentType": offer["fulfillmentType"],
        },
        "condition": offer["condition"],
        "price": {
            "listingPrice": _money(offer["listingPrice"], marketplace),
            "shippingPrice": _money(offer["shippingPrice"], marketplace),
        },
    }


def _prime_share(asin, marketplace):
    digest = hashlib.sha256(f"prime|{asin}|{marketplace}".encode()).hexdigest()
    return 60 + int(digest[:4], 16) % 201 / 10  # 60.0 to 80.0 %


def _similar(asin):
    digest = hashlib.sha256(f"similar|{asin}".encode()).hexdigest().upper()
    count = 1 + int(digest[0], 16) % 3
    return [{"asin": "B0" + digest[8 * i + 1 : 8 * i + 9]} for i in range(count)]


# -- getCompetitiveSummary --------------------------------------------------


def _summary(request, snap):
    asin, marketplace = request["asin"], request["marketplaceId"]
    body = {"asin": asin, "marketplaceId": marketplace}
    included = request["includedData"]
    if "featuredBuyingOptions" in included:
        body["featuredBuyingOptions"] = []
        if snap.featured is not None:
            offer = _offer_json(snap.featured, marketplace)
            prime = round(_prime_share(asin, marketplace), 1)
            offer["featuredOfferSegments"] = [
                {
                    "customerMembership": membership,
                    "segmentDetails": {"glanceViewWeightPercentage": weight},
                }
                for membership, weight in (
                    ("PRIME", prime),
                    ("NON_PRIME", round(100 - prime, 1)),
                )
            ]
            body["featuredBuyingOptions"].append(
                {"buyingOptionType": "New", "segmentedFeaturedOffers": [offer]}
            )
    if "referencePrices" in included:
        references = [
            {
                "name": "CompetitivePriceThreshold",
                "price": _money(snap.threshold, marketplace),
            },
            {"name": "WasPrice", "price": _money(snap.was_price, marketplace)},
        ]
        if snap.featured is not None:
            references.append(
                {
                    "name": "CompetitivePrice",
                    "price": _money(market.landed(snap.featured), marketplace),
                }
            )
        body["referencePrices"] = references
    if "lowestPricedOffers" in included:
        inputs = request.get("lowestPricedOffersInputs") or [
            {"itemCondition": "New", "offerType": "Consumer"}
        ]
        body["lowestPricedOffers"] = []
        for wanted in inputs:
            matching = [
                _offer_json(offer, marketplace)
                for offer in snap.offers
                if offer["condition"] == wanted["itemCondition"]
            ][:20]
            if matching:  # the model wants at least one offer per entry
                body["lowestPricedOffers"].append(
                    {"lowestPricedOffersInput": wanted, "offers": matching}
                )
    if "similarItems" in included:
        body["similarItems"] = [{"items": _similar(asin)}]
    return body


def _summary_error(request, code, message):
    return {
        "status": BAD_REQUEST,
        "body": {
            "asin": request["asin"],
            "marketplaceId": request["marketplaceId"],
            "errors": [{"code": code, "message": message}],
        },
    }


def get_competitive_summary(ctx, values):
    own, anchors, now = OwnOffers.of(ctx), _anchors(ctx), ctx.now
    responses = []
    for request in values["requests"]["requests"]:
        asin, marketplace = request["asin"], request["marketplaceId"]
        if request["uri"] != SUMMARY_URI or request["method"] != "GET":
            message = f"Each request must be GET {SUMMARY_URI}"
            responses.append(_summary_error(request, "InvalidInput", message))
            continue
        if not ASIN.match(asin):
            message = f"{asin} is not a valid ASIN"
            responses.append(_summary_error(request, "INVALID_ASIN", message))
            continue
        offer = own.best_offer(asin, marketplace)
        snap = market.snapshot(asin, marketplace, now, offer, anchors.get(asin))
        responses.append({"status": SUCCESS, "body": _summary(request, snap)})
    return Reply(200, {"responses": responses})


# -- getFeaturedOfferExpectedPriceBatch ---------------------------------------


def _foep_error(echo, code, message):
    return {
        "request": echo,
        "status": BAD_REQUEST,
        "headers": {},
        "body": {"errors": [{"code": code, "message": message}]},
    }


def _foep(request, own, anchors, now):
    marketplace, sku = request["marketplaceId"], request["sku"]
    echo = {"marketplaceId": marketplace, "sku": sku}
    if "segment" in request:
        echo["segment"] = request["segment"]
    if request["uri"] != FOEP_URI or request["method"] != "GET":
        return _foep_error(echo, "InvalidInput", f"Each request must be GET {FOEP_URI}")
    if marketplace not in BY_MARKETPLACE:
        message = f"{marketplace} is not a marketplace the seller sells in."
        return _foep_error(echo, "InvalidInput", message)
    listing = own.listings.get(sku)
    if listing is None or not listing.get("asin"):
        return _foep_error(echo, "INVALID_SKU", INVALID_SKU)
    asin = listing["asin"]
    offer = own.offer(listing, marketplace)
    identifier = {
        "marketplaceId": marketplace,
        "asin": asin,
        "sku": sku,
        "sellerId": own.seller,
        "fulfillmentType": "AFN" if listing.get("afn") else "MFN",
    }
    snap = market.snapshot(asin, marketplace, now, offer, anchors.get(asin))
    found = market.foep(snap)
    result = {"resultStatus": found.status}
    if found.price is not None:
        result["featuredOfferExpectedPrice"] = {
            "listingPrice": _money(found.price, marketplace)
        }
    if found.competing is not None:
        result["competingFeaturedOffer"] = _featured_offer_json(
            found.competing, asin, marketplace
        )
    if found.current is not None:
        result["currentFeaturedOffer"] = _featured_offer_json(
            found.current, asin, marketplace
        )
    return {
        "request": echo,
        "status": SUCCESS,
        "headers": {},
        "body": {
            "offerIdentifier": identifier,
            "featuredOfferExpectedPriceResults": [result],
        },
    }


def get_featured_offer_expected_price_batch(ctx, values):
    requests = values[FOEP_BODY].get("requests") or []
    if not requests:
        raise ApiError(
            400, "InvalidInput", "Invalid Input", "requests: at least one request"
        )
    if len(requests) > FOEP_BATCH:
        raise ApiError(
            400,
            "InvalidInput",
            "Invalid Input",
            f"requests: {len(requests)} requests in one batch, "
            f"at most {FOEP_BATCH} are allowed",
        )
    own, anchors, now = OwnOffers.of(ctx), _anchors(ctx), ctx.now
    responses = [_foep(request, own, anchors, now) for request in requests]
    return Reply(200, {"responses": responses})
