"""A listing's market as Amazon reports it (Product Pricing 2022-05-01 and
Product Fees v0): the batches to ask for, and the figures one reply gives.

Pure: requests are built and replies read here; the Odoo layer stores the
figures as a snapshot per listing. Amazon's batch limits and usage plans are
the reason for the batch sizes below (20 ASINs per competitive summary, 40
SKUs per featured offer expected price batch, 20 fee estimates per call).
"""

from dataclasses import dataclass, field
from datetime import timedelta

# A listing read within the hour whose offers did not change is not due; fees
# are estimated again after a week (or when our price moves); "best sellers"
# are counted over 30 days.
MARKET_FRESH = timedelta(hours=1)
FEES_FRESH = timedelta(days=7)
SALES_WINDOW = timedelta(days=30)
# A listing unread this long is read before the best sellers (none starves).
MARKET_OVERDUE = timedelta(hours=3)
# A changed market is read again at most this often.
MARKET_CHANGED_GAP = timedelta(minutes=15)
# Entry statuses that mean "ask again later", not "this ASIN is refused".
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
SUMMARY_BATCH = 20
FOEP_BATCH = 40
FEES_BATCH = 20
FOEP_URI = "/products/pricing/2022-05-01/offer/featuredOfferExpectedPrice"
SUMMARY_DATA = ("featuredBuyingOptions", "referencePrices", "lowestPricedOffers")
# The reference price Amazon's "Automate Pricing" limit is read against:
# WasPrice is the median price customers paid over the last 90 days.
RECENT_SALES_PRICE = "WasPrice"


@dataclass
class Figures:
    """One listing's market at one moment; ``None`` where Amazon said nothing."""

    our_price: float | None = None  # our own offer's listing price, as shown
    featured_price: float | None = None
    featured_is_ours: bool = False
    featured_fulfilment: str | None = None  # "AFN" | "MFN"
    lowest_new_fba: float | None = None  # other sellers only
    lowest_new_mfn: float | None = None
    lowest_used: float | None = None
    offer_count: int = 0
    reference: dict = field(default_factory=dict)  # {name: amount}
    expected_price: float | None = None  # FOEP (listing price)
    expected_status: str | None = None
    fees_total: float | None = None
    fees_referral: float | None = None
    fees_price: float | None = None  # the price the fees were estimated at

    @property
    def lowest_new(self):
        prices = [p for p in (self.lowest_new_fba, self.lowest_new_mfn) if p]
        return min(prices) if prices else None


def chunks(items, size):
    items = list(items)
    return [items[i : i + size] for i in range(0, len(items), size)]


def summary_requests(pairs):
    """Entries of one getCompetitiveSummary batch for ``[(asin, marketplace
    id)]``: the featured offer, reference prices, lowest New and Used offers."""
    return [
        {
            "asin": asin,
            "marketplaceId": marketplace_id,
            "includedData": list(SUMMARY_DATA),
            "lowestPricedOffersInputs": [
                {"itemCondition": "New", "offerType": "Consumer"},
                {"itemCondition": "Used", "offerType": "Consumer"},
            ],
            "method": "GET",
            "uri": "/products/pricing/2022-05-01/items/competitiveSummary",
        }
        for asin, marketplace_id in pairs
    ]


def foep_requests(pairs):
    """Entries of one featured offer expected price batch for ``[(sku,
    marketplace id)]``."""
    return [
        {"uri": FOEP_URI, "method": "GET", "marketplaceId": marketplace_id, "sku": sku}
        for sku, marketplace_id in pairs
    ]


def fee_requests(entries):
    """``entries``: ``[(sku, marketplace id, currency, price, fba)]``; the
    request's identifier is the SKU."""
    return [
        {
            "IdType": "SellerSKU",
            "IdValue": sku,
            "FeesEstimateRequest": {
                "MarketplaceId": marketplace_id,
                "IsAmazonFulfilled": bool(fba),
                "PriceToEstimateFees": {
                    "ListingPrice": {"CurrencyCode": currency, "Amount": price}
                },
                "Identifier": sku,
            },
        }
        for sku, marketplace_id, currency, price, fba in entries
    ]


def _amount(money):
    try:
        return float(money["amount"])
    except (KeyError, TypeError, ValueError):
        return None


def landed(offer):
    """Listing price plus the default shipping option's price."""
    price = _amount(offer.get("listingPrice"))
    if price is None:
        return None
    options = offer.get("shippingOptions") or ()
    shipping = next(
        (
            _amount(o.get("price")) or 0.0
            for o in options
            if o.get("shippingOptionType") == "DEFAULT"
        ),
        0.0,
    )
    return round(price + shipping, 2)


def _weight(offer):
    return sum(
        (s.get("segmentDetails") or {}).get("glanceViewWeightPercentage") or 0
        for s in offer.get("featuredOfferSegments") or ()
    )


def read_summary(body, seller_id, channel=None, figures=None):
    """Fill ``figures`` from one competitive summary body. The featured offer
    is the New one customers see most (largest glance-view weight across its
    segments); lowest prices are other sellers' landed prices. ``channel``
    ("AFN" or "MFN", None: either) tells which of our offers is this
    listing's: a seller's FBA and merchant SKUs of one ASIN are two offers,
    each with its own price, and only one of them holds the featured offer."""
    figures = figures or Figures()

    def ours(offer):
        return offer.get("sellerId") == seller_id and (
            channel is None or offer.get("fulfillmentType") == channel
        )

    featured = [
        offer
        for option in body.get("featuredBuyingOptions") or ()
        if option.get("buyingOptionType") == "New"
        for offer in option.get("segmentedFeaturedOffers") or ()
    ]
    if featured:
        top = max(featured, key=_weight)
        figures.featured_price = landed(top)
        figures.featured_is_ours = ours(top)
        figures.featured_fulfilment = top.get("fulfillmentType")
        if figures.featured_is_ours:
            figures.our_price = _amount(top.get("listingPrice"))
    sellers = set()
    for group in body.get("lowestPricedOffers") or ():
        condition = (group.get("lowestPricedOffersInput") or {}).get("itemCondition")
        for offer in group.get("offers") or ():
            sellers.add((offer.get("sellerId"), condition))
            if offer.get("sellerId") == seller_id:
                if condition == "New" and ours(offer):
                    figures.our_price = _amount(offer.get("listingPrice"))
                continue
            price = landed(offer)
            if price is None:
                continue
            if condition == "New" and offer.get("fulfillmentType") == "AFN":
                figures.lowest_new_fba = _lowest(figures.lowest_new_fba, price)
            elif condition == "New":
                figures.lowest_new_mfn = _lowest(figures.lowest_new_mfn, price)
            elif condition == "Used":
                figures.lowest_used = _lowest(figures.lowest_used, price)
    figures.offer_count = len(sellers)
    figures.reference = {
        ref["name"]: _amount(ref.get("price"))
        for ref in body.get("referencePrices") or ()
        if _amount(ref.get("price")) is not None
    }
    return figures


def _lowest(current, price):
    return price if current is None else min(current, price)


def read_foep(body, figures=None):
    """Fill ``figures`` from one featured offer expected price body."""
    figures = figures or Figures()
    results = body.get("featuredOfferExpectedPriceResults") or ()
    if results:
        result = results[0]
        figures.expected_status = result.get("resultStatus")
        expected = result.get("featuredOfferExpectedPrice") or {}
        figures.expected_price = _amount(expected.get("listingPrice"))
    return figures


def summary_bodies(reply):
    """``{(asin, marketplace id): body}`` of the successful entries of a
    competitive summary reply, and ``{(asin, marketplace id): message}`` of
    the refused ones."""
    return _batch(
        reply,
        lambda body: _pair(body, "asin"),
        lambda request: _pair(request, "asin"),
    )


def foep_bodies(reply):
    """``{(sku, marketplace id): body}`` and ``{(sku, marketplace id): message}``."""
    return _batch(
        reply,
        lambda body: _pair(body.get("offerIdentifier") or {}, "sku"),
        lambda request: _pair(request, "sku"),
    )


def _pair(data, key):
    if data.get(key) and data.get("marketplaceId"):
        return (data[key], data["marketplaceId"])
    return None


def _batch(reply, key, request_key):
    found, refused = {}, {}
    for entry in (reply or {}).get("responses") or ():
        body = entry.get("body") or {}
        name = key(body) or request_key(entry.get("request") or {})
        status = (entry.get("status") or {}).get("statusCode")
        if status == 200 and not body.get("errors"):
            found[name] = body
        elif status in RETRY_STATUSES:
            continue  # neither read nor refused: asked again next time
        else:
            errors = body.get("errors") or ()
            refused[name] = (
                "; ".join(str(e.get("message") or e.get("code")) for e in errors)
                or f"HTTP {status}"
            )
    return found, refused


def read_fees(results):
    """``{(sku, marketplace id): (total, referral, price)}`` of the successful
    fee estimates and ``{(sku, marketplace id): message}`` of the others
    (``results``: the getMyFeesEstimates reply)."""
    found, refused = {}, {}
    for result in results or ():
        ident = result.get("FeesEstimateIdentifier") or {}
        sku = (ident.get("IdValue"), ident.get("MarketplaceId"))
        if result.get("Status") != "Success":
            refused[sku] = (result.get("Error") or {}).get("Message") or result.get(
                "Status"
            )
            continue
        estimate = result.get("FeesEstimate") or {}
        total = _money(estimate.get("TotalFeesEstimate"))
        referral = sum(
            _money(d.get("FinalFee")) or 0.0
            for d in estimate.get("FeeDetailList") or ()
            if d.get("FeeType") == "ReferralFee"
        )
        price = _money((ident.get("PriceToEstimateFees") or {}).get("ListingPrice"))
        found[sku] = (total, referral, price)
    return found, refused


def _money(money):
    try:
        return float(money["Amount"])
    except (KeyError, TypeError, ValueError):
        return None
