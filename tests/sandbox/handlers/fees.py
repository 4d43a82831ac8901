"""Product Fees API v0 getMyFeesEstimates: up to 20 estimates per call, each
answered on its own (``Status`` Success or ClientError). The figures are
``tests/sandbox/fees.py``'s."""

from decimal import Decimal, InvalidOperation

from .. import fees, market
from ..dataset import BY_MARKETPLACE, iso
from ..errors import ApiError
from ..messages import Reply
from .pricing import ASIN

BATCH = 20  # Amazon's documented limit (the model has no maxItems)


def _money(amount, marketplace):
    return {
        "CurrencyCode": market.currency(marketplace),
        "Amount": market.amount_json(amount, marketplace),
    }


def _detail(fee_type, amount, marketplace, included=None):
    zero = _money(0, marketplace)
    detail = {
        "FeeType": fee_type,
        "FeeAmount": _money(amount, marketplace),
        "FeePromotion": zero,
        "TaxAmount": zero,
        "FinalFee": _money(amount, marketplace),
    }
    if included:
        detail["IncludedFeeDetailList"] = [
            {
                "FeeType": name,
                "FeeAmount": _money(value, marketplace),
                "FinalFee": _money(value, marketplace),
            }
            for name, value in included
        ]
    return detail


def _amount(money, marketplace, name):
    """A request's MoneyType as Decimal; a problem is a ClientError text."""
    if money is None:
        return Decimal(0), None
    code = money.get("CurrencyCode")
    if code != market.currency(marketplace):
        return None, (
            f"{name} must be in {market.currency(marketplace)}, the currency "
            f"of marketplace {marketplace} (got {code})"
        )
    try:
        value = Decimal(str(money.get("Amount")))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0:
        return None, f"{name} must be an amount of zero or more"
    return value, None


def _problem(request, listings, seen):
    """(asin, listing price, shipping) of one request, or a ClientError text."""
    estimate = request.get("FeesEstimateRequest")
    if not isinstance(estimate, dict):
        return None, "FeesEstimateRequest is required"
    identifier = estimate["Identifier"]
    if identifier in seen:
        return None, f"Identifier '{identifier}' is used twice in the batch"
    seen.add(identifier)
    marketplace = estimate["MarketplaceId"]
    prices = estimate["PriceToEstimateFees"]
    price, problem = _amount(prices["ListingPrice"], marketplace, "ListingPrice")
    if problem:
        return None, problem
    if price <= 0:
        return None, "ListingPrice must be more than zero"
    shipping, problem = _amount(prices.get("Shipping"), marketplace, "Shipping")
    if problem:
        return None, problem
    if request["IdType"] == "ASIN":
        if not ASIN.match(request["IdValue"]):
            return None, f"'{request['IdValue']}' is not a valid ASIN"
        return (request["IdValue"], price, shipping), None
    listing = listings.get(request["IdValue"])
    if listing is None:
        return None, (
            f"The seller has no listing with SKU '{request['IdValue']}' "
            f"in marketplace {marketplace}"
        )
    return (listing.get("asin") or request["IdValue"], price, shipping), None


def _result(request, seller, listings, seen, now):
    estimate = request.get("FeesEstimateRequest") or {}
    marketplace = estimate.get("MarketplaceId")
    identifier = {
        "MarketplaceId": marketplace,
        "SellerId": seller,
        "IdType": request["IdType"],
        "IdValue": request["IdValue"],
        "IsAmazonFulfilled": bool(estimate.get("IsAmazonFulfilled", False)),
    }
    if "PriceToEstimateFees" in estimate:
        identifier["PriceToEstimateFees"] = estimate["PriceToEstimateFees"]
    if "Identifier" in estimate:
        identifier["SellerInputIdentifier"] = estimate["Identifier"]
    if "OptionalFulfillmentProgram" in estimate:
        identifier["OptionalFulfillmentProgram"] = estimate[
            "OptionalFulfillmentProgram"
        ]
    identifier = {k: v for k, v in identifier.items() if v is not None}
    found, problem = _problem(request, listings, seen)
    if problem:
        return {
            "Status": "ClientError",
            "FeesEstimateIdentifier": identifier,
            "Error": {
                "Type": "Sender",
                "Code": "InvalidParameterValue",
                "Message": problem,
                "Detail": [],
            },
        }
    asin, price, shipping = found
    figures = fees.estimate(
        asin, marketplace, price, shipping, identifier["IsAmazonFulfilled"]
    )
    details = []
    for fee_type, amount in figures["details"]:
        included = (
            [("FBAPerUnitFulfillmentFee", amount)] if fee_type == "FBAFees" else None
        )
        details.append(_detail(fee_type, amount, marketplace, included))
    return {
        "Status": "Success",
        "FeesEstimateIdentifier": identifier,
        "FeesEstimate": {
            "TimeOfFeesEstimation": now,
            "TotalFeesEstimate": _money(figures["total"], marketplace),
            "FeeDetailList": details,
        },
    }


def get_my_fees_estimates(ctx, values):
    requests = values["body"]
    if not requests:
        raise ApiError(400, "InvalidInput", "Invalid Input", "body: no request")
    if len(requests) > BATCH:
        raise ApiError(
            400,
            "InvalidInput",
            "Invalid Input",
            f"body: {len(requests)} requests in one call, at most {BATCH} are allowed",
        )
    for request in requests:
        estimate = request.get("FeesEstimateRequest") or {}
        if "MarketplaceId" in estimate and estimate["MarketplaceId"] not in (
            BY_MARKETPLACE
        ):
            # Amazon's static case: the whole call is refused.
            raise ApiError(400, "InvalidInput", "Incorrect Marketplace identifier.")
    with ctx.state.lock:
        listings = {
            sku: listing
            for (seller, sku), listing in ctx.stores.listings.items()
            if seller == ctx.seller
        }
    now, seen = iso(ctx.now), set()
    results = [_result(r, ctx.seller, listings, seen, now) for r in requests]
    return Reply(200, results)
